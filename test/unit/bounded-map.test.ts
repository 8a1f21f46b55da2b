import { BoundedMap } from '../../src/terminology/bounded-map';

describe('BoundedMap', () => {
  it('keeps entries up to its limit, and empties itself before a new key beyond it', () => {
    const m = new BoundedMap<string, number>(3);
    m.set('a', 1).set('b', 2).set('c', 3);
    expect([...m.keys()]).toEqual(['a', 'b', 'c']);
    m.set('d', 4);
    expect([...m.entries()]).toEqual([['d', 4]]);
  });

  it('replaces the value of a key it holds without emptying itself when full', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 10);
    expect([...m.entries()]).toEqual([['a', 10], ['b', 2]]);
  });
});
