const DANISH = new Intl.Collator('da');

/** Danish alphabetical order (æ, ø, å last); equal texts, most of a sort's comparisons of scopes, without asking the collator. */
export const byText = (a: string | undefined, b: string | undefined): number => (a === b ? 0 : DANISH.compare(a ?? '', b ?? ''));

/**
 * The items in the order of their texts, key by key in `byText`'s order (an absent text as ''), items alike keeping
 * their order: what `items.sort((a, b) => byText(k1(a), k1(b)) || …)` gives, sorted as numbers. Each key's distinct
 * texts are put in order once with the collator, and an item's places in those orders make one number (with its
 * position, for the ties); a roll-up's ~100,000 niveau-2 counts took 100–165 ms to sort with the collator in every
 * comparison. Keys with too many distinct texts for one number are compared as texts.
 */
export function sortedByTexts<T>(items: readonly T[], keys: readonly ((item: T) => string | undefined)[]): T[] {
  const n = items.length;
  const places = keys.map((key) => placesOf(items, key));
  const room = places.reduce((product, p) => product * p.count, n);
  if (room > Number.MAX_SAFE_INTEGER) {
    return [...items].sort((a, b) => {
      for (const key of keys) {
        const c = byText(key(a), key(b));
        if (c !== 0) return c;
      }
      return 0;
    });
  }
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let number = 0;
    for (const p of places) number = number * p.count + p.at[i]!;
    packed[i] = number * n + i;
  }
  packed.sort();
  const sorted = new Array<T>(n);
  for (let i = 0; i < n; i++) sorted[i] = items[packed[i]! % n]!;
  return sorted;
}

/**
 * Each item's place in Danish order among the distinct texts `key` gives (texts the collator finds alike share one),
 * and how many places there are: the texts are told apart with one map lookup an item, and only the distinct ones sorted.
 */
function placesOf<T>(items: readonly T[], key: (item: T) => string | undefined): { at: Uint32Array; count: number } {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  const at = new Uint32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const text = key(items[i]!) ?? '';
    let d = index.get(text);
    if (d === undefined) {
      d = distinct.length;
      index.set(text, d);
      distinct.push(text);
    }
    at[i] = d;
  }
  const order = distinct.map((_, d) => d).sort((x, y) => byText(distinct[x], distinct[y]));
  const place = new Uint32Array(distinct.length);
  let count = 0;
  for (let r = 0; r < order.length; r++) {
    if (r > 0 && byText(distinct[order[r - 1]!], distinct[order[r]!]) !== 0) count++;
    place[order[r]!] = count;
  }
  for (let i = 0; i < at.length; i++) at[i] = place[at[i]!]!;
  return { at, count: distinct.length === 0 ? 1 : count + 1 };
}
