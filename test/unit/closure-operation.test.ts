import type { CodeSystem, ConceptMap, Parameters } from 'fhir/r4';
import { parseParametersResource } from '../../src/fhir/parameters';
import { closureOperation } from '../../src/operations/closure';
import type { OperationContext } from '../../src/operations/context';
import type { ClosureTableStore } from '../../src/store/closure-store';
import { MemoryStore } from '../../src/store/memory-store';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';

const S = 'http://example.org/tree';
/** root ── a ── a1, a2;  root ── b */
const tree: CodeSystem = {
  resourceType: 'CodeSystem', url: S, status: 'active', content: 'complete', caseSensitive: true,
  concept: [{ code: 'root', concept: [{ code: 'a', concept: [{ code: 'a1' }, { code: 'a2' }] }, { code: 'b' }] }],
};
const registry = new TerminologyRegistry([new ResourceSet([tree])]);
const LIMITS = { tables: 10, conceptsPerTable: 100, conceptsPerCall: 10, entriesPerTable: 1000, entriesPerCall: 100 };

const ctxWith = (store: ClosureTableStore): OperationContext => ({
  registry, acceptLanguages: [], limits: { maxExpansionSize: 1000 }, baseUrl: 'http://test/fhir', closures: { store, limits: LIMITS },
});
const call = (ctx: OperationContext, name: string, codes: string[] = []) => {
  const body: Parameters = {
    resourceType: 'Parameters',
    parameter: [{ name: 'name', valueString: name }, ...codes.map((code) => ({ name: 'concept', valueCoding: { system: S, code } }))],
  };
  return closureOperation.handle(parseParametersResource(closureOperation.spec, body), ctx) as Promise<ConceptMap>;
};
const pairs = (m: ConceptMap) => (m.group ?? []).flatMap((g) => g.element.flatMap((e) => (e.target ?? []).map((t) => `${e.code}<${t.code}`)));

describe('$closure handler', () => {
  it('two calls that read the same version: the one that loses the append recomputes against the winner\'s concepts', async () => {
    const store = new MemoryStore();
    const ctx = ctxWith(store);
    await call(ctx, 't');
    // both read version 0 before either appends (each handler awaits the store between reading and appending)
    const [left, right] = await Promise.all([call(ctx, 't', ['root']), call(ctx, 't', ['a1'])]);
    expect([left.version, right.version].sort()).toEqual(['1', '2']);
    expect([...pairs(left), ...pairs(right)]).toEqual(['a1<root']);
    expect((await store.readClosureTable('t'))?.concepts.map((c) => c.code).sort()).toEqual(['a1', 'root']);
  });

  it('gives up with 409 when the table keeps changing under it', async () => {
    const store = new MemoryStore();
    await store.initClosureTable('t', 10);
    const moving: ClosureTableStore = {
      initClosureTable: (n, m) => store.initClosureTable(n, m),
      readClosureTable: (n) => store.readClosureTable(n),
      closureEntriesSince: (n, v) => store.closureEntriesSince(n, v),
      appendClosureTable: async () => undefined,
    };
    await expect(call(ctxWith(moving), 't', ['a'])).rejects.toMatchObject({ status: 409, code: 'conflict' });
  });

  it('without closure tables in the context the server says it keeps none (501)', async () => {
    const { closures: _none, ...ctx } = ctxWith(new MemoryStore());
    await expect(call(ctx, 't')).rejects.toMatchObject({ status: 501, code: 'not-supported' });
  });
});
