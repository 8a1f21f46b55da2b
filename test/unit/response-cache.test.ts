import { ENTRY_OVERHEAD, expansionTemplate, fromTemplate, ResponseCache, type ExpansionTemplate } from '../../src/operations/response-cache';
import type { TerminologyRegistry } from '../../src/terminology/registry';

function cacheOf(maxEntries: number, maxBytes?: number) {
  const registry = { generation: 1 } as TerminologyRegistry;
  return { registry, cache: new ResponseCache(registry, maxEntries, maxBytes) };
}
const body = (s: string) => Buffer.from(s);

describe('the response cache', () => {
  it('keeps entries asked for and drops one not asked for when full', () => {
    const { cache } = cacheOf(3);
    cache.set('a', body('A'), 1);
    cache.set('b', body('B'), 1);
    cache.set('c', body('C'), 1);
    expect(cache.get('a')?.toString()).toBe('A'); // a is in use: b, the oldest unused, goes
    cache.set('d', body('D'), 1);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => cache.get(k)?.toString())).toEqual(['A', 'C', 'D']);
  });

  it('still makes room when every entry is in use, and replacing a key does not evict another', () => {
    const { cache } = cacheOf(2);
    cache.set('a', body('A'), 1);
    cache.set('b', body('B'), 1);
    cache.get('a');
    cache.get('b');
    cache.set('b', body('B2'), 1);
    expect(cache.size).toBe(2);
    expect(cache.get('a')?.toString()).toBe('A');
    cache.set('c', body('C'), 1);
    expect(cache.size).toBe(2);
    expect(cache.get('c')?.toString()).toBe('C');
  });

  it('empties itself when the catalogs change, and does not keep an answer computed before the change', () => {
    const { cache, registry } = cacheOf(10);
    cache.set('a', body('A'), 1);
    (registry as { generation: number }).generation = 2;
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', body('B'), 1);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps answers and keys within its byte budget, dropping unused entries first, and refuses an answer larger than it', () => {
    const { cache } = cacheOf(1000, 100 + 3 * ENTRY_OVERHEAD);
    cache.set('a', body('x'.repeat(30)), 1); // 31 bytes with its key, and the entry's overhead
    cache.set('b', body('y'.repeat(30)), 1);
    cache.set('c', body('z'.repeat(30)), 1);
    expect(cache.size).toBe(3);
    cache.get('a');
    cache.set('d', body('w'.repeat(30)), 1); // 124 > 100 (besides the overheads): b, the oldest unused, goes
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => (cache.get(k) as Buffer | undefined)?.length)).toEqual([30, 30, 30]);
    cache.set('e', body('v'.repeat(200 + 3 * ENTRY_OVERHEAD)), 1);
    expect(cache.get('e')).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it('counts a replaced answer once', () => {
    const { cache } = cacheOf(1000, 100 + 2 * ENTRY_OVERHEAD);
    for (let i = 0; i < 10; i++) cache.set('a', body('x'.repeat(60)), 1);
    cache.set('b', body('y'.repeat(30)), 1);
    expect(cache.size).toBe(2);
  });

  it('counts what each entry costs besides its answer and key', () => {
    const { cache } = cacheOf(1000, 10 * ENTRY_OVERHEAD);
    for (let i = 0; i < 100; i++) cache.set(String(i), body('x'), 1);
    expect(cache.size).toBeLessThan(10);
  });

  it('keeps a small answer in memory of its own, not the pool block it was cut from', () => {
    const { cache } = cacheOf(1000);
    const pooled = Buffer.from('{"resourceType":"Parameters"}', 'utf8');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    cache.set('a', pooled, 1);
    const kept = cache.get('a') as Buffer;
    expect(kept.equals(pooled)).toBe(true);
    expect(kept.buffer.byteLength).toBe(kept.length);
  });

  it('keeps a small expansion template in one buffer of its own, answering the same bytes', () => {
    const { cache } = cacheOf(1000);
    const json = '{"resourceType":"ValueSet","expansion":{"identifier":"urn:uuid:1","timestamp":"2026-01-01T00:00:00Z","total":0}}';
    const template = expansionTemplate(json, 'urn:uuid:1', '2026-01-01T00:00:00Z')!;
    expect(template.parts[0].buffer.byteLength).toBeGreaterThan(template.bytes);
    cache.set('a', template, 1);
    const kept = cache.get('a') as ExpansionTemplate;
    expect(kept.parts.every((p) => p.buffer === kept.parts[0].buffer)).toBe(true);
    expect(kept.parts[0].buffer.byteLength).toBe(kept.bytes);
    const answer = JSON.parse(fromTemplate(kept).toString('utf8')) as { expansion: Record<string, unknown> };
    expect(answer.expansion.total).toBe(0);
    expect(answer.expansion.identifier).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  });

  it('is off with a budget of 0 bytes', () => {
    const { cache } = cacheOf(1000, 0);
    expect(cache.enabled).toBe(false);
    cache.set('a', body('A'), 1);
    expect(cache.size).toBe(0);
  });
});
