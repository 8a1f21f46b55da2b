import { byText, sortedByTexts } from '../../src/operations/rollup/danish-order';

/** sortedByTexts gives the order of the comparing sort it replaces: key by key in Danish order, ties in their order. */
describe('sortedByTexts', () => {
  interface Item { id: number; a?: string; b?: string; c?: string }
  const KEYS = [(i: Item) => i.a, (i: Item) => i.b, (i: Item) => i.c];
  const comparing = (items: Item[], keys = KEYS) => [...items].sort((x, y) => {
    for (const key of keys) {
      const c = byText(key(x), key(y));
      if (c !== 0) return c;
    }
    return 0;
  });

  /** A deterministic pseudo-random generator, so that a failure can be replayed. */
  function random(seed: number): () => number {
    let s = seed;
    return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  }

  const TEXTS = ['Aabenraa', 'aabenraa', 'Ærø', 'ærø', 'Øst', 'øst', 'Åby', 'åby', 'Aa', 'Zealand', 'zealand', 'Vest', '101', '2025-01', '2025-12', '', 'a\u030a', 'å'];

  it('orders Danish letters, case variants, absent texts and ties as the comparing sort does', () => {
    const next = random(42);
    const pick = () => (next() < 0.1 ? undefined : TEXTS[Math.floor(next() * TEXTS.length)]);
    for (const size of [0, 1, 2, 17, 1000]) {
      const items: Item[] = Array.from({ length: size }, (_, id) => ({ id, a: pick(), b: pick(), c: pick() }));
      expect(sortedByTexts(items, KEYS).map((i) => i.id)).toEqual(comparing(items).map((i) => i.id));
    }
  });

  it('compares as texts when the keys have too many distinct texts for one number, with the same order', () => {
    const next = random(7);
    const word = () => Array.from({ length: 6 }, () => 'abcæøå'[Math.floor(next() * 6)]).join('');
    const keys = [0, 1, 2, 3, 4, 5].map((k) => (i: Item & Record<string, string>) => i[`k${k}`]);
    const items = Array.from({ length: 2000 }, (_, id) => Object.assign({ id }, ...[0, 1, 2, 3, 4, 5].map((k) => ({ [`k${k}`]: word() })))) as (Item & Record<string, string>)[];
    expect(sortedByTexts(items, keys).map((i) => i.id)).toEqual(comparing(items, keys as never).map((i) => i.id));
  });
});
