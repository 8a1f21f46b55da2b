/**
 * Every KL ValueSet in terminology/kl (the gateway folders too) and every catalog ValueSet expands to exactly the codes
 * its compose defines. The expected codes are computed here, independently of the server: the code systems'
 * hierarchy is walked from the JSON nesting, with FHIR's semantics (descendent-of leaves the concept itself out,
 * is-a keeps it, concept lists as given, valueSet imports intersected with the include's system part, excludes
 * applied last). KL's own count table (kl/SOURCE-README.md) checks the computation itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, ValueSet, ValueSetComposeInclude, ValueSetExpansionContains } from 'fhir/r4';
import { TERMINOLOGY_DIR } from '../support/catalogs';
import { CodeSystemIndex, codeSystemFiles, valueSetFiles } from '../support/files';
import { useRunningServer } from '../support/server';

const PAGE = 100;

const codeSystems = new Map<string, CodeSystemIndex>(
  codeSystemFiles().filter((c) => c.cs.content !== 'supplement').map((c) => [c.cs.url!, new CodeSystemIndex(c.cs as CodeSystem)]),
);
const klValueSets = valueSetFiles('kl');
const catalogValueSets = valueSetFiles('catalogs');
const byUrl = new Map<string, ValueSet>([...klValueSets, ...catalogValueSets].map((x) => [x.vs.url!, x.vs]));

const key = (system: string, code: string) => `${system}|${code}`;

/** The codes (system|code) a compose defines, computed from the files. */
function expected(vs: ValueSet, stack: string[] = []): Set<string> {
  if (stack.includes(vs.url!)) throw new Error(`circular import of ${vs.url}`);
  const part = (inc: ValueSetComposeInclude): Set<string> => {
    let fromValueSets: Set<string> | undefined;
    for (const ref of inc.valueSet ?? []) {
      const imported = byUrl.get(ref.split('|')[0]!);
      if (!imported) throw new Error(`${vs.url} imports the unknown ${ref}`);
      const codes = expected(imported, [...stack, vs.url!]);
      fromValueSets = fromValueSets ? new Set([...fromValueSets].filter((c) => codes.has(c))) : codes;
    }
    if (!inc.system) return fromValueSets ?? new Set();
    const cs = codeSystems.get(inc.system);
    if (!cs) throw new Error(`${vs.url} uses the unknown code system ${inc.system}`);
    let codes: string[];
    if (inc.concept?.length) {
      for (const c of inc.concept) if (!cs.nodes.has(c.code)) throw new Error(`${vs.url}: ${c.code} is not in ${inc.system}`);
      codes = inc.concept.map((c) => c.code);
    } else {
      codes = [...cs.nodes.keys()];
      for (const f of inc.filter ?? []) {
        if (f.property !== 'concept') throw new Error(`filter on ${f.property} is not computed by this test`);
        if (!cs.nodes.has(f.value)) throw new Error(`${vs.url}: filter value ${f.value} is not in ${inc.system}`);
        const below = cs.descendants(f.value);
        if (f.op === 'descendent-of') codes = codes.filter((c) => below.has(c));
        else if (f.op === 'is-a') codes = codes.filter((c) => c === f.value || below.has(c));
        else throw new Error(`filter op ${f.op} is not computed by this test`);
      }
    }
    const out = new Set(codes.map((c) => key(inc.system!, c)));
    return fromValueSets ? new Set([...out].filter((c) => fromValueSets!.has(c))) : out;
  };
  const result = new Set<string>();
  for (const inc of vs.compose?.include ?? []) for (const c of part(inc)) result.add(c);
  for (const exc of vs.compose?.exclude ?? []) for (const c of part(exc)) result.delete(c);
  return result;
}

/** KL's count per ValueSet file, from the table in kl/SOURCE-README.md. */
function klCounts(): Map<string, number> {
  const text = fs.readFileSync(path.join(TERMINOLOGY_DIR, 'kl', 'SOURCE-README.md'), 'utf8');
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\|\s*`((?:[\w-]+\/)?ValueSet-[\w-]+\.json)`\s*\|\s*`([^`]+)`\s*\|\s*[^|]+\|\s*(\d+)\s*\|/.exec(line);
    if (m) out.set(path.join('kl', m[1]!), Number(m[3]));
  }
  return out;
}

const server = useRunningServer();

/** Every code of an expansion, nested `contains` included. */
function flatten(contains: ValueSetExpansionContains[] | undefined): string[] {
  return (contains ?? []).flatMap((c) => [...(c.code ? [key(c.system!, c.code)] : []), ...flatten(c.contains)]);
}

/** The whole expansion in one request (nested entries flattened). */
async function expandAtOnce(url: string): Promise<{ total: number; codes: string[] }> {
  const vs = (await server.client.operation({ name: 'expand', resourceType: 'ValueSet', method: 'GET', input: { url, count: 100000 } })) as unknown as ValueSet;
  expect(vs.resourceType).toBe('ValueSet');
  return { total: vs.expansion!.total!, codes: flatten(vs.expansion?.contains) };
}

/** The whole expansion as a flat list, page by page; checks that every page agrees on the total and is as long as it should be. */
async function expandPaged(url: string): Promise<{ total: number; codes: string[] }> {
  const codes: string[] = [];
  let total: number | undefined;
  for (let offset = 0; total === undefined || offset < total; offset += PAGE) {
    const vs = (await server.client.operation({
      name: 'expand', resourceType: 'ValueSet', method: 'GET', input: { url, offset, count: PAGE, excludeNested: true },
    })) as unknown as ValueSet;
    expect(vs.resourceType).toBe('ValueSet');
    const pageTotal = vs.expansion?.total;
    expect(typeof pageTotal).toBe('number');
    if (total === undefined) total = pageTotal!;
    expect(pageTotal).toBe(total);
    const contains = vs.expansion?.contains ?? [];
    expect(contains).toHaveLength(Math.min(PAGE, total - offset));
    expect(contains.every((c) => !c.contains)).toBe(true);
    for (const c of contains) codes.push(key(c.system!, c.code!));
    if (total === 0) break;
  }
  return { total: total!, codes };
}

it('covers every ValueSet file of terminology/kl, gateway folders included', () => {
  expect(klValueSets.length).toBe(72);
  for (const folder of ['gateway-care', 'gateway-prevention', 'gateway-rehab']) {
    expect(klValueSets.some((x) => x.file.startsWith(path.join('kl', folder)))).toBe(true);
  }
});

it('computes the same number of codes as KL\'s count table (a check of this test\'s own computation)', () => {
  const counts = klCounts();
  expect(counts.size).toBe(klValueSets.length);
  for (const { file, vs } of klValueSets) expect([file, expected(vs).size]).toEqual([file, counts.get(file)]);
});

describe.each(klValueSets.map((x) => [x.file, x.vs] as const))('KL %s', (_file, vs) => {
  it(`expands ${vs.url} to exactly the codes its compose defines`, async () => {
    const want = expected(vs);
    for (const { total, codes } of [await expandPaged(vs.url!), await expandAtOnce(vs.url!)]) {
      expect(total).toBe(want.size);
      expect(codes).toHaveLength(new Set(codes).size); // no code twice
      expect(new Set(codes)).toEqual(want);
    }
  });
});

describe.each(catalogValueSets.map((x) => [x.file, x.vs] as const))('catalog %s', (_file, vs) => {
  it(`expands ${vs.url} to its concept list, in catalog order`, async () => {
    const want = [...expected(vs)];
    const { total, codes } = await expandPaged(vs.url!);
    expect(total).toBe(want.length);
    expect(codes).toEqual(want);
    expect(new Set((await expandAtOnce(vs.url!)).codes)).toEqual(new Set(want));
  });
});
