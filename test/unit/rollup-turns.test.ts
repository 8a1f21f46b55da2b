/**
 * $rollup counts a slice of the rows at a time with turns of the event loop between (rollupInTurns): the counts are
 * those of counting in one go, and every row is counted with the same catalogs, also when they change meanwhile.
 */
import type { ConceptMap } from 'fhir/r4';
import { COUNT_SLICE_ROWS, DEFAULT_CONDITION_VALUESET, rollup, rollupInTurns, type RollupOptions, type RollupRow } from '../../src/operations/rollup/counts';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';
import { FSIII, publishedCatalogs } from '../support/catalogs';
import { readJson } from '../support/files';
import { turnsDuring } from '../support/turns';

const LOCAL = 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser';
const MAP_FILE = 'examples/kommune-370/ConceptMap-kommune-370-lokale-indsatser.json';
/** 370's local intervention and the niveau-2 intervention its map gives it (FSIII), and another one. */
const LOCAL_CODE = '370-DIGITAL-TRAENING';
const MAPPED_TO = 'abe847e0-1ce0-44dc-a675-ce05b66f47e6';
const REMAPPED_TO = 'e71b7d85-5c78-49c2-8624-8499d162317b';

const options: RollupOptions = { offers: 'each-target', conditionDepth: 1, conditionValueSet: DEFAULT_CONDITION_VALUESET };

function registryWithWrites(): { registry: TerminologyRegistry; written: ResourceSet } {
  const catalogs = publishedCatalogs();
  const written = new ResourceSet([]);
  return { registry: new TerminologyRegistry([written, new ResourceSet(catalogs.resources)], catalogs.defaultSupplements), written };
}

/** Rows over more than two slices: the local code, a common FSIII code and an unknown one, in two periods. */
function rows(n: number): RollupRow[] {
  return Array.from({ length: n }, (_, i) => ({
    line: i + 2, kommunekode: '370', count: 1 + (i % 3), period: i % 2 === 0 ? '2025' : '2026',
    ...(i % 5 === 4 ? { system: FSIII, code: MAPPED_TO } : i % 7 === 6 ? { system: LOCAL, code: 'UKENDT' } : { system: LOCAL, code: LOCAL_CODE }),
  }));
}

const countsOf = (r: ReturnType<typeof rollup>) => r.niveau2.map((n) => `${n.period} ${n.intervention.code} ${n.count}`);

describe('counting the rows of a roll-up a slice at a time', () => {
  const many = rows(2 * COUNT_SLICE_ROWS + 123);

  it('gives the counts of counting in one go', async () => {
    const { registry } = registryWithWrites();
    const inTurns = await rollupInTurns(registry, many, options);
    expect(inTurns).toEqual(rollup(registry, many, options));
    expect(inTurns.rows).toBe(many.length);
    expect(inTurns.notCounted.length).toBeGreaterThan(0);
    expect(countsOf(inTurns).some((c) => c.includes(MAPPED_TO))).toBe(true);
  });

  it('counts every row with the catalogs as they are after a write meanwhile, not some rows with each', async () => {
    const { registry, written } = registryWithWrites();
    const map = readJson<ConceptMap>(MAP_FILE);
    const remapped: ConceptMap = {
      ...map, version: '2.0.0',
      group: map.group!.map((g) => ({ ...g, element: g.element!.map((e) => (e.code === LOCAL_CODE ? { ...e, target: [{ code: REMAPPED_TO, equivalence: 'subsumes' }] } : e)) })),
    };
    // between the first two slices, as a municipality's write would come in
    setImmediate(() => {
      written.add(remapped as unknown as TerminologyResource);
      registry.touch([remapped as unknown as TerminologyResource]);
    });
    const counted = await rollupInTurns(registry, many, options);
    expect(counted).toEqual(rollup(registry, many, options));
    const local = many.filter((r) => r.code === LOCAL_CODE).reduce((n, r) => n + r.count, 0);
    const onRemapped = counted.niveau2.filter((n) => n.intervention.code === REMAPPED_TO).reduce((n, c) => n + c.direct, 0);
    expect(onRemapped).toBe(local);
    // the common code is counted on itself, as before the write
    expect(counted.niveau2.filter((n) => n.intervention.code === MAPPED_TO).reduce((n, c) => n + c.count, 0))
      .toBe(many.filter((r) => r.code === MAPPED_TO).reduce((n, r) => n + r.count, 0));
  });

  it('lets other work run between its slices', async () => {
    const { registry } = registryWithWrites();
    const { turns } = await turnsDuring(() => rollupInTurns(registry, many, options));
    expect(turns).toBeGreaterThanOrEqual(2);
  });

  it('sums niveau 1 a slice of the niveau-2 counts at a time, with the sums of one go', async () => {
    const { registry } = registryWithWrites();
    // a district per row: a niveau-2 count per row counted, over two slices
    const districts = many.map((r, i) => ({ ...r, district: `Bydel ${i}` }));
    const { result, turns } = await turnsDuring(() => rollupInTurns(registry, districts, options));
    expect(result).toEqual(rollup(registry, districts, options));
    expect(result.niveau2.length).toBeGreaterThan(COUNT_SLICE_ROWS);
    expect(result.niveau1.length).toBe(result.niveau2.length);
    // two turns between the three slices of rows, one before each of the two slices of the sums
    expect(turns).toBeGreaterThanOrEqual(4);
  });
});
