import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import { FhirError } from '../../src/errors/fhir-error';
import { cacheWeight } from '../../src/operations/caches/cache-weight';
import { ClientCaches } from '../../src/operations/caches/client-caches';

const cs = (url: string): CodeSystem => ({ resourceType: 'CodeSystem', url, status: 'active', content: 'complete', concept: [{ code: 'a' }] });

function unknown(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (e) {
    return e as FhirError;
  }
  throw new Error('no error thrown');
}

describe('ClientCaches', () => {
  it('gives a new id per cache and answers each with its own resources', () => {
    const caches = new ClientCaches();
    const a = caches.start([cs('http://x/a')], 100);
    const b = caches.start([cs('http://x/b')], 100);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(caches.resources(a).map((r) => r.url)).toEqual(['http://x/a']);
    expect(caches.resources(b).map((r) => r.url)).toEqual(['http://x/b']);
    expect(caches.counts()).toMatchObject({ caches: 2, bytes: 200 });
  });

  it('answers a cache it does not hold with 404 cache-id-unknown, in English and Danish', () => {
    const caches = new ClientCaches();
    const e = unknown(() => caches.resources('not-a-cache'));
    expect(e).toBeInstanceOf(FhirError);
    expect(e.status).toBe(404);
    expect(e.code).toBe('not-found');
    expect(e.options.txIssueType).toBe('cache-id-unknown');
    expect(e.message).toContain("'not-a-cache'");
    expect(e.options.da).toContain('kendes ikke');
  });

  it('lets a cache go at end, saying whether it was held', () => {
    const caches = new ClientCaches();
    const id = caches.start([cs('http://x/a')], 10);
    expect(caches.end(id)).toBe(true);
    expect(caches.end(id)).toBe(false);
    expect(caches.has(id)).toBe(false);
    expect(caches.counts()).toEqual({ caches: 0, bytes: 0, started: 1, ended: 1, pushedOut: 0, expired: 0 });
  });

  it('keeps at most the configured number of caches, letting the least recently used go', () => {
    const caches = new ClientCaches({ caches: 2, bytes: 1e9, idleMs: 1e9 });
    const a = caches.start([cs('http://x/a')], 1);
    const b = caches.start([cs('http://x/b')], 1);
    caches.resources(a); // a is now used more recently than b
    const c = caches.start([cs('http://x/c')], 1);
    expect(caches.has(a)).toBe(true);
    expect(caches.has(b)).toBe(false);
    expect(caches.has(c)).toBe(true);
    expect(caches.counts()).toMatchObject({ caches: 2, started: 3, pushedOut: 1, ended: 0, expired: 0 });
  });

  it("keeps the caches' bytes within the bound, and refuses a cache larger than all of it", () => {
    const caches = new ClientCaches({ caches: 100, bytes: 1000, idleMs: 1e9 });
    const a = caches.start([cs('http://x/a')], 600);
    const b = caches.start([cs('http://x/b')], 300);
    const c = caches.start([cs('http://x/c')], 300);
    expect(caches.has(a)).toBe(false);
    expect([caches.has(b), caches.has(c)]).toEqual([true, true]);
    expect(caches.counts().bytes).toBe(600);
    const e = unknown(() => caches.start([cs('http://x/d')], 1001));
    expect(e.status).toBe(422);
    expect(e.code).toBe('too-costly');
    expect(caches.counts()).toEqual({ caches: 2, bytes: 600, started: 3, ended: 0, pushedOut: 1, expired: 0 });
  });

  it('lets a cache go that was not used for the idle time, and counts a use as keeping it', () => {
    let now = 0;
    const caches = new ClientCaches({ caches: 100, bytes: 1e9, idleMs: 1000 }, () => now);
    const used = caches.start([cs('http://x/a')], 1);
    const idle = caches.start([cs('http://x/b')], 1);
    now = 900;
    caches.resources(used);
    now = 1500;
    expect(caches.has(used)).toBe(true);
    expect(caches.has(idle)).toBe(false);
    expect(unknown(() => caches.resources(idle)).options.txIssueType).toBe('cache-id-unknown');
    expect(caches.counts()).toMatchObject({ caches: 1, expired: 1 });
    now = 2000;
    // counting lets an idle cache go too, so that what /metrics says is held is held
    expect(caches.counts()).toEqual({ caches: 0, bytes: 0, started: 2, ended: 0, pushedOut: 0, expired: 2 });
    expect(caches.has(used)).toBe(false);
  });

  it('lets an unsealed cache take, once per url and version, what requests supply; a sealed one takes nothing', () => {
    const caches = new ClientCaches();
    const unsealed = caches.start([cs('http://x/a')], 10, false);
    const sealed = caches.start([cs('http://x/a')], 10);
    const first = { ...cs('http://x/b'), title: 'first' };
    const b2 = { ...cs('http://x/b'), version: '2' };
    caches.grow(unsealed, [first, { ...cs('http://x/b'), title: 'second' }, cs('http://x/a'), b2]);
    caches.grow(sealed, [cs('http://x/b')]);
    expect(caches.resources(unsealed).map((r) => `${r.url}|${r.version ?? ''}`)).toEqual(['http://x/a|', 'http://x/b|', 'http://x/b|2']);
    expect(caches.resources(unsealed)[1]).toBe(first);
    expect(caches.resources(sealed)).toHaveLength(1);
    expect([caches.sealed(unsealed), caches.sealed(sealed), caches.sealed('gone')]).toEqual([false, true, undefined]);
    expect(caches.counts().bytes).toBe(20 + cacheWeight([first]) + cacheWeight([b2]));
  });

  it('refuses to let an unsealed cache outgrow the bound, and lets other caches go to make room for it', () => {
    const caches = new ClientCaches({ caches: 100, bytes: 5000, idleMs: 1e9 });
    const other = caches.start([cs('http://x/o')], 2500);
    const growing = caches.start([], 0, false);
    const big = { ...cs('http://x/big'), description: 'x'.repeat(1200) };
    caches.grow(growing, [big]);
    expect(caches.has(other)).toBe(false);
    expect(caches.resources(growing)).toEqual([big]);
    const e = unknown(() => caches.grow(growing, [{ ...cs('http://x/bigger'), description: 'y'.repeat(1200) }]));
    expect(e.status).toBe(422);
    expect(caches.resources(growing)).toEqual([big]);
  });
});

describe('cacheWeight', () => {
  const codeSystem = (concept: CodeSystemConcept[]): CodeSystem => ({ resourceType: 'CodeSystem', url: 'http://x/w', status: 'active', content: 'complete', concept });
  const json = (r: CodeSystem): number => Buffer.byteLength(JSON.stringify(r));

  it('weighs many tiny concepts at many times their JSON, as they take in memory once indexed', () => {
    const tiny = codeSystem(Array.from({ length: 10_000 }, (_, i) => ({ code: `c${i}` })));
    expect(cacheWeight([tiny])).toBeGreaterThan(15 * json(tiny));
  });

  it('weighs concepts rich in text at a few times their JSON', () => {
    const rich = codeSystem(Array.from({ length: 1_000 }, (_, i) => ({
      code: `code-${i}`, display: `Display of concept ${i}, somewhat long`, definition: `What concept ${i} is and when it is used, at some length`,
      designation: [{ language: 'da', value: `Dansk betegnelse ${i}` }], property: [{ code: 'status', valueCode: 'active' }],
    })));
    expect(cacheWeight([rich]) / json(rich)).toBeGreaterThan(2);
    expect(cacheWeight([rich]) / json(rich)).toBeLessThan(8);
  });
});
