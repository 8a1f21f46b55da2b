import { ENTRY_OVERHEAD, expansionTemplate, fromTemplate, ResponseCache, type ExpansionTemplate } from '../../src/operations/caches/response-cache';
import type { ChangeScopes, Reads } from '../../src/terminology/read-tracking';
import { TerminologyRegistry } from '../../src/terminology/registry';

/** Reads of an answer that depends on nothing (the registries here change only where a test says so). */
const READS: Reads = { generation: 0, scopes: new Set() };

/** Each canonical a scope of its own. */
const BY_URL: ChangeScopes = { ofUrl: (url) => url, ofResource: (r) => [r.url ?? ''], has: () => true };

function cacheOf(maxEntries: number, maxBytes?: number) {
  const registry = new TerminologyRegistry([], new Set(), undefined, [], undefined, BY_URL);
  return { registry, cache: new ResponseCache(registry, maxEntries, maxBytes) };
}
const body = (s: string) => Buffer.from(s);

/** As a request does: asked for (a miss), computed, then kept if the cache takes it. */
function answer(cache: ResponseCache, key: string, text: string): void {
  cache.get(key);
  cache.set(key, body(text), READS);
}

/** A request asked for `times` more times (each a miss when not kept). */
function ask(cache: ResponseCache, key: string, times: number): void {
  for (let i = 0; i < times; i++) cache.get(key);
}

describe('the response cache', () => {
  it('keeps an answer up to 1/64 of its budget, at least 256 KB (a filtered pick list of 2,000 local codes: ~250 KB, often more)', () => {
    const { cache } = cacheOf(10, 128 * 1024 * 1024);
    answer(cache, 'picker', 'p'.repeat(600 * 1024));
    expect((cache.get('picker') as Buffer | undefined)?.length).toBe(600 * 1024);
    answer(cache, 'huge', 'h'.repeat(2 * 1024 * 1024 + 1));
    expect(cache.get('huge')).toBeUndefined();
    const small = cacheOf(10, 4 * 1024 * 1024).cache;
    answer(small, 'quarter', 'q'.repeat(256 * 1024));
    expect((small.get('quarter') as Buffer | undefined)?.length).toBe(256 * 1024);
  });

  it('keeps entries asked for and drops one not asked for when full', () => {
    const { cache } = cacheOf(3);
    answer(cache, 'a', 'A');
    answer(cache, 'b', 'B');
    answer(cache, 'c', 'C');
    expect(cache.get('a')?.toString()).toBe('A'); // a is in use: b, the oldest unused, goes
    ask(cache, 'd', 1); // asked for twice, more often than b
    answer(cache, 'd', 'D');
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => cache.get(k)?.toString())).toEqual(['A', 'C', 'D']);
  });

  it('still makes room when every entry is in use, and replacing a key does not evict another', () => {
    const { cache } = cacheOf(2);
    answer(cache, 'a', 'A');
    answer(cache, 'b', 'B');
    cache.get('a');
    cache.get('b');
    cache.set('b', body('B2'), READS);
    expect(cache.size).toBe(2);
    expect(cache.get('a')?.toString()).toBe('A');
    ask(cache, 'c', 3); // a has been asked for three times
    answer(cache, 'c', 'C');
    expect(cache.size).toBe(2);
    expect(cache.get('c')?.toString()).toBe('C');
  });

  it('answers an entry while what it read is current: a change elsewhere leaves it, a change to what it read drops it', () => {
    const { cache, registry } = cacheOf(10);
    const scoped = registry.tracked(() => registry.find('CodeSystem', 'http://example.org/a')).reads;
    const everything = registry.tracked(() => registry.list('CodeSystem')).reads;
    cache.set('scoped', body('S'), scoped);
    cache.set('everything', body('E'), everything);
    registry.touch([{ resourceType: 'CodeSystem', url: 'http://example.org/b', status: 'active', content: 'complete' }]);
    expect(cache.get('scoped')?.toString()).toBe('S');
    expect(cache.get('everything')).toBeUndefined();
    expect(cache.size).toBe(1);
    registry.touch();
    expect(cache.get('scoped')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep an answer computed before a change to what it read', () => {
    const { cache, registry } = cacheOf(10);
    const before = registry.tracked(() => registry.list('CodeSystem')).reads;
    registry.touch();
    cache.set('b', body('B'), before);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps answers and keys within its byte budget, dropping unused entries first, and refuses an answer larger than it', () => {
    const { cache } = cacheOf(1000, 100 + 3 * ENTRY_OVERHEAD);
    answer(cache, 'a', 'x'.repeat(30)); // 31 bytes with its key, and the entry's overhead
    answer(cache, 'b', 'y'.repeat(30));
    answer(cache, 'c', 'z'.repeat(30));
    expect(cache.size).toBe(3);
    cache.get('a');
    ask(cache, 'd', 1);
    answer(cache, 'd', 'w'.repeat(30)); // 124 > 100 (besides the overheads): b, the oldest unused, goes
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => (cache.get(k) as Buffer | undefined)?.length)).toEqual([30, 30, 30]);
    cache.set('e', body('v'.repeat(200 + 3 * ENTRY_OVERHEAD)), READS);
    expect(cache.get('e')).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it('when full, takes a new answer only for a request asked for more often lately than the entry it would push out', () => {
    const { cache } = cacheOf(2);
    answer(cache, 'a', 'A');
    answer(cache, 'b', 'B');
    answer(cache, 'new', 'N'); // asked for once, as often as a: not taken, a stays
    expect(cache.refused).toBe(1);
    expect(cache.size).toBe(2);
    expect(cache.get('a')?.toString()).toBe('A');
    expect(cache.get('new')).toBeUndefined(); // asked for a second time: now more often than b, the oldest unused
    cache.set('new', body('N'), READS);
    expect(cache.get('new')?.toString()).toBe('N');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.toString()).toBe('A');
  });

  it('lets an answer push out a much larger one asked for as often, and forgets old popularity as requests go by', () => {
    const big = 'x'.repeat(4000);
    const { cache } = cacheOf(1000, big.length + 3 + ENTRY_OVERHEAD + 10);
    answer(cache, 'big', big);
    expect(cache.size).toBe(1);
    answer(cache, 'small', 'S'); // asked for once, as often as big: taken, big is four times larger
    expect(cache.get('small')?.toString()).toBe('S');
    expect(cache.get('big')).toBeUndefined();

    const { cache: other } = cacheOf(1000, big.length + 3 + ENTRY_OVERHEAD + 10);
    answer(other, 'big', big);
    ask(other, 'big', 14); // popular: a small answer asked for twice does not push it out
    ask(other, 'small', 1);
    answer(other, 'small', 'S');
    expect(other.get('small')).toBeUndefined();
    for (let i = 0; i < 10 * 1024 * 4; i++) other.get(`elsewhere ${i % 20}`); // halved at least four times: 15 → 0
    ask(other, 'small', 1);
    answer(other, 'small', 'S');
    expect(other.get('small')?.toString()).toBe('S');
  });

  it('counts a replaced answer once', () => {
    const { cache } = cacheOf(1000, 100 + 2 * ENTRY_OVERHEAD);
    for (let i = 0; i < 10; i++) cache.set('a', body('x'.repeat(60)), READS);
    cache.set('b', body('y'.repeat(30)), READS);
    expect(cache.size).toBe(2);
  });

  it('counts what each entry costs besides its answer and key', () => {
    const { cache } = cacheOf(1000, 10 * ENTRY_OVERHEAD);
    for (let i = 0; i < 100; i++) cache.set(String(i), body('x'), READS);
    expect(cache.size).toBeLessThan(10);
  });

  it('keeps a small answer in memory of its own, not the pool block it was cut from', () => {
    const { cache } = cacheOf(1000);
    const pooled = Buffer.from('{"resourceType":"Parameters"}', 'utf8');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    cache.set('a', pooled, READS);
    const kept = cache.get('a') as Buffer;
    expect(kept.equals(pooled)).toBe(true);
    expect(kept.buffer.byteLength).toBe(kept.length);
  });

  it('keeps a small expansion template in one buffer of its own, answering the same bytes', () => {
    const { cache } = cacheOf(1000);
    const json = '{"resourceType":"ValueSet","expansion":{"identifier":"urn:uuid:1","timestamp":"2026-01-01T00:00:00Z","total":0}}';
    const template = expansionTemplate(json, 'urn:uuid:1', '2026-01-01T00:00:00Z')!;
    expect(template.parts[0].buffer.byteLength).toBeGreaterThan(template.bytes);
    cache.set('a', template, READS);
    const kept = cache.get('a') as ExpansionTemplate;
    expect(kept.parts.every((p) => p.buffer === kept.parts[0].buffer)).toBe(true);
    expect(kept.parts[0].buffer.byteLength).toBe(kept.bytes);
    const made = fromTemplate(kept);
    expect(made.chunks).toHaveLength(1);
    const text = made.chunks[0]!.toString('utf8');
    const [, id, ts] = /"identifier":("[^"]*"),"timestamp":("[^"]*")/.exec(text)!;
    expect(text).toBe(`${kept.parts[0]}${id}${kept.parts[1]}${ts}${kept.parts[2]}`);
    expect(made.byteLength).toBe(made.chunks[0]!.length);
    const answer = JSON.parse(text) as { expansion: Record<string, unknown> };
    expect(answer.expansion.total).toBe(0);
    expect(answer.expansion.identifier).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  });

  it('makes an answer from a template with its timestamp first, and a large one as chunks around the new values', () => {
    for (const size of [10, 40_000]) {
      const json = JSON.stringify({ resourceType: 'ValueSet', expansion: { timestamp: '2026-01-01T00:00:00Z', identifier: 'urn:uuid:1', total: 1, pad: 'æ'.repeat(size) } });
      const template = expansionTemplate(json, 'urn:uuid:1', '2026-01-01T00:00:00Z')!;
      expect(template.identifierFirst).toBe(false);
      const made = fromTemplate(template);
      expect(made.chunks).toHaveLength(size > 1000 ? 5 : 1);
      const bytes = Buffer.concat(made.chunks);
      expect(bytes.length).toBe(made.byteLength);
      const answer = JSON.parse(bytes.toString('utf8')) as { expansion: { timestamp: string; identifier: string; pad: string } };
      expect(answer.expansion.identifier).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(answer.expansion.timestamp))).toBe(false);
      expect(answer.expansion.pad).toBe('æ'.repeat(size));
    }
  });

  it('is off with a budget of 0 bytes', () => {
    const { cache } = cacheOf(1000, 0);
    expect(cache.enabled).toBe(false);
    cache.set('a', body('A'), READS);
    expect(cache.size).toBe(0);
  });
});
