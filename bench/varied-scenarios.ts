/**
 * Varied traffic: scenarios of thousands of distinct requests, drawn from everything the catalogs hold (every KL
 * value set × its codes, every FSIII and FFB concept, reverse translations of every mapped common code, typeahead
 * prefixes of every KL value set's displays), so that a response cache holds little of it and each request mostly
 * runs its handler. The bar (issue 15) applies with the response cache off (the no-cache variant).
 */
import { get, json, param, type Answer } from './client';
import { currentCodes } from './code-system-codes';
import { FSIII, prng } from './dataset';
import type { Prepared, Scenario, ScenarioContext } from './scenarios';

const enc = encodeURIComponent;
const FFB = 'urn:oid:1.2.208.176.2.22';
/** The value sets KL publishes (term, gateway, prevention, rehab). */
const KL_BASE = 'http://fhir.kl.dk/';
const LEGACY_KEYS_MAP = 'http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys';

interface Code {
  system: string;
  code: string;
  display?: string;
}

interface KlValueSet {
  url: string;
  codes: Code[];
}

function expectOk(a: Answer, what: string): void {
  if (a.status !== 200) throw new Error(`${what}: expected HTTP 200, got ${a.status}: ${a.body.slice(0, 300)}`);
}

function shuffled<T>(items: T[], seed: number): T[] {
  const random = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function meanBytes(ctx: ScenarioContext, paths: string[]): Promise<number> {
  const sample = paths.slice(0, 80);
  let total = 0;
  for (const p of sample) total += (await get(ctx.port, p)).bytes;
  return Math.round(total / sample.length);
}

/** Every KL value set the server has, with its expansion (those that expand; at most 10,000 codes). */
async function klValueSets(ctx: ScenarioContext): Promise<KlValueSet[]> {
  // every value set in one page (the 98 municipalities' pick lists come first in url order)
  const search = await get(ctx.port, `${ctx.base}/ValueSet?_summary=true&_count=1000`);
  expectOk(search, 'search ValueSet');
  const urls = [...new Set((json<{ entry?: { resource: { url?: string } }[] }>(search).entry ?? [])
    .map((e) => e.resource.url).filter((u): u is string => typeof u === 'string' && u.startsWith(KL_BASE)))].sort();
  const out: KlValueSet[] = [];
  for (const url of urls) {
    const a = await get(ctx.port, `${ctx.base}/ValueSet/$expand?url=${enc(url)}&count=10000&excludeNested=true`);
    if (a.status !== 200) continue;
    const codes = (json<{ expansion?: { contains?: Code[] } }>(a).expansion?.contains ?? []).filter((c) => c.system && c.code);
    if (codes.length > 0) out.push({ url, codes: codes.map((c) => ({ system: c.system, code: c.code, display: c.display })) });
  }
  if (out.length < 10) throw new Error(`only ${out.length} KL value sets expand`);
  return out;
}

const variedValidateCode: Scenario = {
  id: 'varied-validate-code',
  title: 'GET ValueSet/$validate-code over every KL value set × its codes, and codes of other value sets',
  bar: 'none',
  noCacheBar: 'ratio-0.5',
  async prepare(ctx): Promise<Prepared> {
    const sets = await klValueSets(ctx);
    const random = prng(15);
    const requests: { path: string; valid: boolean }[] = [];
    for (const vs of sets) {
      const members = new Set(vs.codes.map((c) => `${c.system}|${c.code}`));
      for (const c of vs.codes) {
        requests.push({ path: `${ctx.base}/ValueSet/$validate-code?url=${enc(vs.url)}&system=${enc(c.system)}&code=${enc(c.code)}`, valid: true });
        // the same value set asked about a code of another one: mostly not a member
        const other = sets[Math.floor(random() * sets.length)]!;
        const o = other.codes[Math.floor(random() * other.codes.length)]!;
        requests.push({
          path: `${ctx.base}/ValueSet/$validate-code?url=${enc(vs.url)}&system=${enc(o.system)}&code=${enc(o.code)}`,
          valid: members.has(`${o.system}|${o.code}`),
        });
      }
    }
    const pool = shuffled(requests, 1515);
    for (const r of pool.slice(0, 100)) {
      const a = await get(ctx.port, r.path);
      expectOk(a, 'varied-validate-code');
      if (param(a, 'result')?.valueBoolean !== r.valid) throw new Error(`varied-validate-code: expected result=${r.valid} for ${r.path}`);
    }
    const paths = pool.map((r) => r.path);
    const distinct = new Set(paths).size;
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${distinct} distinct requests over ${sets.length} KL value sets (${pool.filter((r) => r.valid).length} valid)` };
  },
};

const variedLookup: Scenario = {
  id: 'varied-lookup',
  title: 'GET CodeSystem/$lookup of every FSIII and FFB concept',
  bar: 'none',
  noCacheBar: 'ratio-0.65',
  async prepare(ctx): Promise<Prepared> {
    const paths: string[] = [];
    for (const system of [FSIII, FFB]) {
      for (const code of await currentCodes(ctx.port, ctx.base, system)) paths.push(`${ctx.base}/CodeSystem/$lookup?system=${enc(system)}&code=${enc(code)}`);
    }
    const pool = shuffled([...new Set(paths)], 828);
    for (const p of pool.slice(0, 50)) {
      const a = await get(ctx.port, p);
      expectOk(a, 'varied-lookup');
      if (!param(a, 'display') && !param(a, 'name')) throw new Error(`varied-lookup: no answer for ${p}`);
    }
    return { kind: 'load', paths: pool, meanBytes: await meanBytes(ctx, pool), note: `${pool.length} concepts (FSIII and FFB)` };
  },
};

/** The common codes a map's elements target, and the map's target system. */
async function mapTargets(ctx: ScenarioContext, url: string): Promise<{ system: string; codes: string[] } | undefined> {
  const a = await get(ctx.port, `${ctx.base}/ConceptMap?url=${enc(url)}`);
  if (a.status !== 200) return undefined;
  type Group = { target?: string; element?: { target?: { code?: string }[] }[] };
  const cm = json<{ entry?: { resource: { group?: Group[] } }[] }>(a).entry?.[0]?.resource;
  const g = cm?.group?.[0];
  if (!g?.target) return undefined;
  const codes = new Set<string>();
  for (const e of g.element ?? []) for (const t of e.target ?? []) if (t.code) codes.add(t.code);
  return { system: g.target, codes: [...codes] };
}

const variedReverseTranslate: Scenario = {
  id: 'varied-translate',
  title: 'GET ConceptMap/$translate reverse=true: every mapped common code back to its source codes',
  bar: 'none',
  noCacheBar: 'ratio-0.65',
  async prepare(ctx): Promise<Prepared> {
    const maps = [LEGACY_KEYS_MAP, ...ctx.localMaps.map((m) => m.conceptMapUrl)];
    const interventions = ctx.interventions.map((t) => t.code);
    const requests: { path: string; mapped: boolean }[] = [];
    for (const url of maps) {
      const targets = await mapTargets(ctx, url);
      if (!targets) continue;
      const mapped = new Set(targets.codes);
      // every mapped code, and (for the local maps) the FSIII interventions the municipality has no local code for
      const codes = url === LEGACY_KEYS_MAP ? targets.codes : [...new Set([...targets.codes, ...interventions])];
      for (const code of codes) {
        requests.push({ path: `${ctx.base}/ConceptMap/$translate?url=${enc(url)}&system=${enc(targets.system)}&code=${enc(code)}&reverse=true`, mapped: mapped.has(code) });
      }
    }
    if (requests.length === 0) return { kind: 'skipped', reason: 'no map is loaded' };
    const pool = shuffled(requests, 1817);
    for (const r of pool.slice(0, 60)) {
      const a = await get(ctx.port, r.path);
      expectOk(a, 'varied-translate');
      if (param(a, 'result')?.valueBoolean !== r.mapped) throw new Error(`varied-translate: expected result=${r.mapped} for ${r.path}: ${a.body.slice(0, 300)}`);
    }
    const paths = pool.map((r) => r.path);
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${paths.length} distinct requests over ${maps.length} maps (${pool.filter((r) => r.mapped).length} with a source code)` };
  },
};

/** Word starts of 1–4 letters of a value set's displays, as a user types them (lower case, Danish letters kept). */
function typedPrefixes(codes: Code[]): string[] {
  const prefixes = new Set<string>();
  for (const c of codes) {
    for (const w of (c.display ?? '').toLowerCase().split(/[^a-z0-9æøåéü]+/)) {
      for (let n = 1; n <= Math.min(4, w.length); n++) prefixes.add(w.slice(0, n));
    }
  }
  return [...prefixes];
}

const variedTypeahead: Scenario = {
  id: 'varied-typeahead',
  title: 'GET ValueSet/$expand typeahead (filter = every 1–4-letter word start of every KL value set, count=20)',
  bar: 'none',
  noCacheBar: 'ratio-0.4',
  async prepare(ctx): Promise<Prepared> {
    const sets = await klValueSets(ctx);
    const paths: string[] = [];
    for (const vs of sets) {
      for (const p of typedPrefixes(vs.codes)) paths.push(`${ctx.base}/ValueSet/$expand?url=${enc(vs.url)}&filter=${enc(p)}&count=20`);
    }
    const pool = shuffled(paths, 2020);
    let hits = 0;
    for (const p of pool.slice(0, 60)) {
      const a = await get(ctx.port, p);
      expectOk(a, 'varied-typeahead');
      if ((json<{ expansion?: { total?: number } }>(a).expansion?.total ?? 0) > 0) hits++;
    }
    if (hits < 45) throw new Error(`varied-typeahead: only ${hits} of 60 prefixes find anything`);
    return { kind: 'load', paths: pool, meanBytes: await meanBytes(ctx, pool), note: `${pool.length} distinct (value set, prefix) requests over ${sets.length} KL value sets` };
  },
};

/** Issue 15's varied traffic, measured with the response cache on and off. */
export const VARIED_SCENARIOS: Scenario[] = [variedValidateCode, variedLookup, variedReverseTranslate, variedTypeahead];
