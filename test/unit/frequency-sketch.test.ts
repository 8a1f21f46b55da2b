import { FrequencySketch, hashKey } from '../../src/operations/caches/frequency-sketch';

describe('the frequency sketch', () => {
  it('estimates how often each key was asked for, never below the count, up to 15', () => {
    const sketch = new FrequencySketch(1000);
    const counts = new Map<string, number>();
    for (let k = 0; k < 300; k++) {
      const key = `ValueSet/$validate-code?code=${k}`;
      const n = k % 7;
      counts.set(key, n);
      for (let i = 0; i < n; i++) sketch.increment(hashKey(key));
    }
    let exact = 0;
    for (const [key, n] of counts) {
      const estimate = sketch.frequency(hashKey(key));
      expect(estimate).toBeGreaterThanOrEqual(n);
      if (estimate === n) exact++;
    }
    expect(exact).toBeGreaterThan(280); // a few collisions at most, with room for 1,024 keys
    const popular = hashKey('popular');
    for (let i = 0; i < 40; i++) sketch.increment(popular);
    expect(sketch.frequency(popular)).toBe(15);
    expect(sketch.frequency(hashKey('never asked'))).toBe(0);
  });

  it('halves every count once ten times its room in requests have been counted, so old popularity fades', () => {
    const sketch = new FrequencySketch(64);
    const old = hashKey('asked for early');
    for (let i = 0; i < 8; i++) sketch.increment(old);
    expect(sketch.frequency(old)).toBe(8);
    for (let i = 0; i < 64 * 10 - 8; i++) sketch.increment(hashKey(`other ${i % 500}`));
    expect(sketch.frequency(old)).toBeLessThanOrEqual(4 + 1);
    expect(sketch.frequency(old)).toBeGreaterThanOrEqual(4);
  });

  it('hashes keys with FNV-1a', () => {
    expect(hashKey('')).toBe(0x811c9dc5);
    expect(hashKey('a')).toBe(0xe40c292c);
    expect(hashKey('foobar')).toBe(0xbf9cf968);
  });
});
