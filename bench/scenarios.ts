/**
 * The benchmark scenarios. Each one prepares its request pool from the running server's own answers (so the pool
 * follows the catalogs), checks that the requests do what the scenario claims, and reports `skipped` when the
 * server does not offer the operation yet.
 */
import { get, json, param, request, type Answer, type ParameterLike } from './client';
import { currentCodes } from './code-system-codes';
import { FSIII, FSIII_INTERVENTIONS, prng, type Municipality, type Target } from './dataset';
import { VARIED_SCENARIOS } from './varied-scenarios';
import { hotUnderWrites } from './write-load';

export const VS_119 = 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119';

export interface LocalMap {
  codeSystemUrl: string;
  conceptMapUrl: string;
  codes: string[];
}

/** What the scenarios know about the dataset a server was started with. */
export interface ScenarioContext {
  port: number;
  base: string;
  codes119: Target[];
  interventions: Target[];
  fsiiiCodes: string[];
  /** Local catalogs with maps to FSIII (kommune-370 in the embedded store; 98 generated ones when scaled). */
  localMaps: LocalMap[];
}

/** Something a scenario runs beside its load (e.g. writes), started before it and stopped after it. */
export interface Background {
  start(): Promise<void>;
  /** Stops it; what it did, for the scenario's note. */
  stop(): Promise<string>;
}

export type Prepared =
  | { kind: 'load'; paths: string[]; meanBytes: number; note?: string; during?: Background }
  | { kind: 'batch'; method: 'POST' | 'GET'; path: string; body?: string; codings: number; note?: string }
  | { kind: 'skipped'; reason: string };

/** `grows-with-data`: no bar, and not compared across datasets (its work is proportional to the catalogs loaded). */
export type BarKind = 'ratio-0.65' | 'ratio-0.5' | 'ratio-0.4' | 'ratio-0.25' | 'batch-50ms' | 'none' | 'grows-with-data';

export interface Scenario {
  id: string;
  title: string;
  bar: BarKind;
  /** The bar with the response cache off (the no-cache variant), when the scenario has one. */
  noCacheBar?: BarKind;
  prepare(ctx: ScenarioContext): Promise<Prepared>;
}

const enc = encodeURIComponent;

function expectStatus(a: Answer, what: string, status = 200): void {
  if (a.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${a.status}: ${a.body.slice(0, 300)}`);
}

/** Reads the data the scenarios are built from, through the server's public API. */
export async function discover(port: number, base: string): Promise<Omit<ScenarioContext, 'localMaps'> & { example370?: LocalMap }> {
  const expand = async (url: string): Promise<Target[]> => {
    const a = await get(port, `${base}/ValueSet/$expand?url=${enc(url)}&count=10000`);
    expectStatus(a, `$expand ${url}`);
    const contains = (json<{ expansion?: { contains?: Target[] } }>(a).expansion?.contains ?? []);
    return contains.map((c) => ({ code: c.code, display: c.display }));
  };
  const codes119 = await expand(VS_119);
  const interventions = await expand(FSIII_INTERVENTIONS);
  const fsiiiCodes = await currentCodes(port, base, FSIII);
  let example370: LocalMap | undefined;
  const cm = await get(port, `${base}/ConceptMap/kommune-370-lokale-indsatser`);
  if (cm.status === 200) {
    const r = json<{ url: string; group?: { source?: string; element?: { code?: string }[] }[] }>(cm);
    const g = r.group?.[0];
    if (g?.source) example370 = { conceptMapUrl: r.url, codeSystemUrl: g.source, codes: (g.element ?? []).map((e) => e.code!).filter(Boolean) };
  }
  if (codes119.length === 0 || interventions.length === 0 || fsiiiCodes.length === 0) {
    throw new Error(`the catalogs look empty (119: ${codes119.length}, interventions: ${interventions.length}, FSIII: ${fsiiiCodes.length})`);
  }
  return { port, base, codes119, interventions, fsiiiCodes, example370 };
}

export function localMapsOf(municipalities: Municipality[]): LocalMap[] {
  return municipalities.map((m) => ({ codeSystemUrl: m.codeSystemUrl, conceptMapUrl: m.conceptMapUrl, codes: m.codes }));
}

async function meanBytes(ctx: ScenarioContext, paths: string[]): Promise<number> {
  const sample = [...new Set(paths)].slice(0, 60);
  let total = 0;
  for (const p of sample) total += (await get(ctx.port, p)).bytes;
  return Math.round(total / sample.length);
}

/** Codes that are not in the §119 value set: FSIII interventions under other paragraphs, and codes nobody has. */
function invalidCodes(ctx: ScenarioContext, random: () => number): string[] {
  const in119 = new Set(ctx.codes119.map((c) => c.code));
  const otherFsiii = ctx.interventions.map((c) => c.code).filter((c) => !in119.has(c)).slice(0, 100);
  const unknown = Array.from({ length: 100 }, () => `00000000-0000-4000-8000-${Math.floor(random() * 1e12).toString().padStart(12, '0')}`);
  return [...otherFsiii, ...unknown];
}

const validateCode: Scenario = {
  id: 'validate-code',
  title: 'GET ValueSet/$validate-code (§119, valid and invalid mixed)',
  bar: 'ratio-0.5',
  async prepare(ctx) {
    const random = prng(119);
    const invalid = invalidCodes(ctx, random);
    const paths: string[] = [];
    const expected = new Map<string, boolean>();
    for (let i = 0; i < 2000; i++) {
      const valid = random() < 0.5;
      const code = valid ? ctx.codes119[i % ctx.codes119.length]!.code : invalid[Math.floor(random() * invalid.length)]!;
      const p = `${ctx.base}/ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${enc(code)}`;
      paths.push(p);
      expected.set(p, valid);
    }
    for (const [p, valid] of [...expected].slice(0, 80)) {
      const a = await get(ctx.port, p);
      expectStatus(a, 'validate-code');
      if (param(a, 'result')?.valueBoolean !== valid) throw new Error(`validate-code: expected result=${valid} for ${p}`);
    }
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${ctx.codes119.length} valid §119 codes, ${invalid.length} invalid codes, about half each` };
  },
};

const lookup: Scenario = {
  id: 'lookup',
  title: 'GET CodeSystem/$lookup (FSIII)',
  bar: 'ratio-0.5',
  async prepare(ctx) {
    const random = prng(828);
    const paths = Array.from({ length: 2000 }, () => {
      const code = ctx.fsiiiCodes[Math.floor(random() * ctx.fsiiiCodes.length)]!;
      return `${ctx.base}/CodeSystem/$lookup?system=${enc(FSIII)}&code=${enc(code)}`;
    });
    for (const p of paths.slice(0, 20)) {
      const a = await get(ctx.port, p);
      expectStatus(a, 'lookup');
      if (!param(a, 'display')) throw new Error(`lookup: no display for ${p}`);
    }
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${ctx.fsiiiCodes.length} FSIII codes` };
  },
};

/** `count` (5,000) requests, each about a random local code of a random loaded local catalog. */
function localCodePaths(ctx: ScenarioContext, seed: number, path: (m: LocalMap, code: string) => string, count = 5000): string[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => {
    const m = ctx.localMaps[Math.floor(random() * ctx.localMaps.length)]!;
    return path(m, m.codes[Math.floor(random() * m.codes.length)]!);
  });
}

/** A local → common `$translate`, relative to the FHIR base. */
const translatePath = (m: LocalMap, code: string) => `ConceptMap/$translate?url=${enc(m.conceptMapUrl)}&system=${enc(m.codeSystemUrl)}&code=${enc(code)}`;

const translate: Scenario = {
  id: 'translate',
  title: 'GET ConceptMap/$translate (local → FSIII)',
  bar: 'ratio-0.5',
  async prepare(ctx) {
    if (ctx.localMaps.length === 0) return { kind: 'skipped', reason: 'no local catalog with a map is loaded' };
    const paths = localCodePaths(ctx, 370, (m, code) => `${ctx.base}/${translatePath(m, code)}`);
    const probe = await get(ctx.port, paths[0]!);
    if (probe.status === 404 || probe.status === 405 || (probe.status === 400 && /not supported/i.test(probe.body))) {
      return { kind: 'skipped', reason: 'not available' };
    }
    for (const p of paths.slice(0, 20)) {
      const a = await get(ctx.port, p);
      expectStatus(a, 'translate');
      if (param(a, 'result')?.valueBoolean !== true) throw new Error(`translate: expected result=true for ${p}: ${a.body.slice(0, 300)}`);
    }
    const codes = ctx.localMaps.reduce((n, m) => n + m.codes.length, 0);
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${ctx.localMaps.length} maps, ${codes} local codes` };
  },
};

/** Three-letter starts of words in the intervention displays, most frequent first, Danish letters included. */
function threeLetterFilters(interventions: Target[]): string[] {
  const counts = new Map<string, number>();
  for (const t of interventions) {
    for (const w of (t.display ?? '').toLowerCase().split(/[^a-zæøå]+/)) {
      if (w.length >= 4) counts.set(w.slice(0, 3), (counts.get(w.slice(0, 3)) ?? 0) + 1);
    }
  }
  const ranked = [...counts].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1]).map(([w]) => w);
  const danish = ranked.filter((w) => /[æøå]/.test(w)).slice(0, 6);
  return [...new Set([...ranked.slice(0, 24), ...danish])];
}

const expandFilter: Scenario = {
  id: 'expand-filter',
  title: 'GET ValueSet/$expand (FSIII interventions, 3-letter filter, count=20)',
  bar: 'ratio-0.25',
  async prepare(ctx) {
    const filters = threeLetterFilters(ctx.interventions);
    const random = prng(20);
    const paths = Array.from({ length: 2000 }, () => {
      const f = filters[Math.floor(random() * filters.length)]!;
      return `${ctx.base}/ValueSet/$expand?url=${enc(FSIII_INTERVENTIONS)}&filter=${enc(f)}&count=20`;
    });
    let hits = 0;
    for (const f of filters) {
      const a = await get(ctx.port, `${ctx.base}/ValueSet/$expand?url=${enc(FSIII_INTERVENTIONS)}&filter=${enc(f)}&count=20`);
      expectStatus(a, 'expand');
      if ((json<{ expansion?: { total?: number } }>(a).expansion?.total ?? 0) > 0) hits++;
    }
    if (hits < filters.length / 2) throw new Error(`expand: only ${hits} of ${filters.length} filters match anything`);
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${filters.length} filters (${filters.slice(0, 8).join(', ')}, …) over ${ctx.interventions.length} codes` };
  },
};

/** $batch-validate-code as the tx ecosystem tests send it: a value set, and one `validation` Parameters per coding. */
function batchBody(ctx: ScenarioContext, n: number): string {
  const random = prng(10000);
  const invalid = invalidCodes(ctx, random);
  const validation = Array.from({ length: n }, (_, i) => {
    const code = random() < 0.8 ? ctx.codes119[i % ctx.codes119.length]!.code : invalid[Math.floor(random() * invalid.length)]!;
    return { name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code } }] } };
  });
  return JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS_119 }, ...validation] });
}

/** The same codings as a FHIR batch Bundle of validate-code GETs (the fallback when the operation is missing). */
function bundleBody(ctx: ScenarioContext, n: number): string {
  const random = prng(10000);
  const invalid = invalidCodes(ctx, random);
  const entry = Array.from({ length: n }, (_, i) => {
    const code = random() < 0.8 ? ctx.codes119[i % ctx.codes119.length]!.code : invalid[Math.floor(random() * invalid.length)]!;
    return { request: { method: 'GET', url: `ValueSet/$validate-code?url=${enc(VS_119)}&system=${enc(FSIII)}&code=${enc(code)}` } };
  });
  return JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry });
}

function unavailable(a: Answer): boolean {
  return a.status === 404 || a.status === 405 || a.status === 501 || (a.status === 400 && /not supported|no route/i.test(a.body));
}

const batch: Scenario = {
  id: 'batch-validate-code',
  title: 'POST ValueSet/$batch-validate-code (10,000 codings)',
  bar: 'batch-50ms',
  async prepare(ctx) {
    const opPath = `${ctx.base}/ValueSet/$batch-validate-code`;
    const small = await request(ctx.port, 'POST', opPath, batchBody(ctx, 3));
    if (!unavailable(small)) {
      expectStatus(small, '$batch-validate-code');
      const results = (json<{ parameter?: ParameterLike[] }>(small).parameter ?? []).filter((p) => p.name === 'validation');
      if (results.length !== 3) throw new Error(`$batch-validate-code: expected 3 validation results, got ${results.length}`);
      return { kind: 'batch', method: 'POST', path: opPath, body: batchBody(ctx, 10_000), codings: 10_000, note: 'Parameters with 10,000 validation entries' };
    }
    const bundle = await request(ctx.port, 'POST', ctx.base, bundleBody(ctx, 3));
    if (!unavailable(bundle) && bundle.status === 200) {
      return { kind: 'batch', method: 'POST', path: ctx.base, body: bundleBody(ctx, 10_000), codings: 10_000, note: 'batch Bundle of 10,000 validate-code GETs' };
    }
    return { kind: 'skipped', reason: 'not available' };
  },
};

/** A FHIR batch Bundle of `n` local → common `$translate` GETs over the loaded local maps. */
function translateBundleBody(ctx: ScenarioContext, n: number): string {
  const entry = localCodePaths(ctx, 18, translatePath, n).map((url) => ({ request: { method: 'GET', url } }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry });
}

const batchTranslate: Scenario = {
  id: 'batch-translate',
  title: 'POST batch Bundle of 10,000 $translate GETs (local → common)',
  bar: 'none',
  async prepare(ctx) {
    if (ctx.localMaps.length === 0) return { kind: 'skipped', reason: 'no local catalog with a map is loaded' };
    const small = await request(ctx.port, 'POST', ctx.base, translateBundleBody(ctx, 3));
    if (unavailable(small) || small.status !== 200) return { kind: 'skipped', reason: 'not available' };
    const entries = json<{ type?: string; entry?: { response?: { status?: string } }[] }>(small);
    if (entries.type !== 'batch-response' || entries.entry?.length !== 3 || entries.entry.some((e) => e.response?.status !== '200 OK')) {
      throw new Error(`batch-translate: expected a batch-response of three 200 entries: ${small.body.slice(0, 300)}`);
    }
    return { kind: 'batch', method: 'POST', path: ctx.base, body: translateBundleBody(ctx, 10_000), codings: 10_000, note: 'batch Bundle of 10,000 $translate GETs' };
  },
};

/** The whole local → common table as CSV, streamed: one GET, timed, and the server's RSS read after it. */
const exportCsv: Scenario = {
  id: 'export-csv',
  title: 'GET ConceptMap/$export as CSV (every municipality)',
  bar: 'grows-with-data',
  async prepare(ctx) {
    const path = `${ctx.base}/ConceptMap/$export?_format=csv`;
    const probe = await get(ctx.port, path);
    if (unavailable(probe)) return { kind: 'skipped', reason: 'not available' };
    expectStatus(probe, '$export');
    const lines = probe.body.split('\n').filter((l) => l.length > 0).length - 1;
    const codes = ctx.localMaps.reduce((n, m) => n + m.codes.length, 0);
    if (lines < codes) throw new Error(`$export: ${lines} lines for ${codes} mapped local codes`);
    return { kind: 'batch', method: 'GET', path, codings: lines, note: `${lines} lines (${ctx.localMaps.length} maps)` };
  },
};

/**
 * The web page's comparison: per §119/§140 intervention and municipality, the local codes mapped to it. POSTed, so that
 * each request computes it (the page's GET is answered from the response cache until the next write).
 */
const coverageMatrix: Scenario = {
  id: 'coverage-matrix',
  title: 'POST ConceptMap/$coverage-matrix (every municipality, §119 and §140)',
  bar: 'grows-with-data',
  async prepare(ctx) {
    const path = `${ctx.base}/ConceptMap/$coverage-matrix`;
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [] });
    const probe = await request(ctx.port, 'POST', path, body);
    if (unavailable(probe)) return { kind: 'skipped', reason: 'not available' };
    expectStatus(probe, '$coverage-matrix');
    const answer = json<{ parameter?: { name: string }[] }>(probe);
    const count = (name: string) => (answer.parameter ?? []).filter((p) => p.name === name).length;
    const loaded = municipalities(ctx).length;
    if (count('municipality') < loaded) throw new Error(`$coverage-matrix: ${count('municipality')} municipalities for ${loaded} loaded`);
    return { kind: 'batch', method: 'POST', path, body, codings: count('intervention'), note: `${count('intervention')} interventions × ${count('municipality')} municipalities` };
  },
};

/** The municipalities of the loaded local catalogs (their kommunekode from the canonical URL pattern). */
function municipalities(ctx: ScenarioContext): string[] {
  return [...new Set(ctx.localMaps.map((m) => /\/kommune\/(\d{3})\//.exec(m.codeSystemUrl)?.[1]).filter((k): k is string => k !== undefined))];
}

const pickListUrl = (kommunekode: string, name: string) => `http://faelles-tx.dk/fhir/kommune/${kommunekode}/ValueSet/${name}`;

type Contains = { code?: string; display?: string; contains?: Contains[] };
function flatten(list: Contains[] | undefined): Contains[] {
  return (list ?? []).flatMap((c) => [c, ...flatten(c.contains)]);
}

const eojOffer: Scenario = {
  id: 'eoj-offer',
  title: "GET ValueSet/$expand of an offer's common interventions (bilag 6 scenario 1)",
  bar: 'ratio-0.5',
  noCacheBar: 'ratio-0.25',
  async prepare(ctx) {
    const offers: string[] = [];
    for (const k of municipalities(ctx)) {
      const a = await get(ctx.port, `${ctx.base}/ValueSet/$expand?url=${enc(pickListUrl(k, 'tilbud'))}`);
      if (a.status === 404) continue;
      expectStatus(a, `$expand ${pickListUrl(k, 'tilbud')}`);
      for (const c of json<{ expansion?: { contains?: Contains[] } }>(a).expansion?.contains ?? []) offers.push(pickListUrl(k, `tilbud-${c.code}`));
    }
    if (offers.length === 0) return { kind: 'skipped', reason: 'no municipality has a local offer' };
    for (const url of offers.slice(0, 20)) {
      const a = await get(ctx.port, `${ctx.base}/ValueSet/$expand?url=${enc(url)}`);
      expectStatus(a, `$expand ${url}`);
      const contains = json<{ expansion?: { contains?: Contains[] } }>(a).expansion?.contains ?? [];
      if (contains.length === 0 || contains.some((c) => !c.display)) throw new Error(`eoj-offer: ${url} gives no interventions with display`);
    }
    const random = prng(1);
    const paths = Array.from({ length: 2000 }, () => `${ctx.base}/ValueSet/$expand?url=${enc(offers[Math.floor(random() * offers.length)]!)}`);
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${offers.length} offers` };
  },
};

const CATALOGS = ['http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119', 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-140'];

const eojCommon: Scenario = {
  id: 'eoj-common',
  title: 'GET ValueSet/$expand of §119/§140 grouped under niveau 1 (bilag 6 scenario 2)',
  bar: 'ratio-0.5',
  noCacheBar: 'ratio-0.25',
  async prepare(ctx) {
    const paths = Array.from({ length: 2000 }, (_, i) => `${ctx.base}/ValueSet/$expand?url=${enc(CATALOGS[i % 2]!)}&hierarchical=true`);
    for (const p of paths.slice(0, 2)) {
      const a = await get(ctx.port, p);
      expectStatus(a, 'eoj-common');
      const roots = json<{ expansion?: { contains?: Contains[] } }>(a).expansion?.contains ?? [];
      if (roots.length !== 1 || (roots[0]!.contains?.length ?? 0) < 10) throw new Error(`eoj-common: expected one niveau-1 group with the catalog under it: ${a.body.slice(0, 300)}`);
    }
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: 'the two catalogs, alternating' };
  },
};

const eojLocalPicker: Scenario = {
  id: 'eoj-local-picker',
  title: "GET ValueSet/$expand of a municipality's niveau 1→2→3 picker, 3-letter filter (bilag 6 scenario 3)",
  bar: 'ratio-0.5',
  noCacheBar: 'ratio-0.25',
  async prepare(ctx) {
    const pickers = municipalities(ctx).map((k) => pickListUrl(k, 'indsatsvaelger'));
    if (pickers.length === 0) return { kind: 'skipped', reason: 'no local catalog with a map is loaded' };
    const whole = await get(ctx.port, `${ctx.base}/ValueSet/$expand?url=${enc(pickers[0]!)}`);
    expectStatus(whole, 'eoj-local-picker');
    const all = flatten(json<{ expansion?: { contains?: Contains[] } }>(whole).expansion?.contains);
    if (!all.some((c) => (c.contains ?? []).some((l) => l.contains !== undefined))) throw new Error('eoj-local-picker: the picker is not nested three levels deep');
    const filters = threeLetterFilters(all.map((c) => ({ code: c.code ?? '', display: c.display })));
    const random = prng(3);
    const paths = Array.from({ length: 2000 }, () =>
      `${ctx.base}/ValueSet/$expand?url=${enc(pickers[Math.floor(random() * pickers.length)]!)}&filter=${enc(filters[Math.floor(random() * filters.length)]!)}`);
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${pickers.length} municipalities, ${filters.length} filters (${filters.slice(0, 6).join(', ')}, …)` };
  },
};

const eojLocalRecord: Scenario = {
  id: 'eoj-local-record',
  title: 'GET CodeSystem/$local-codings of a local intervention: niveau-2 + niveau-3 codings (bilag 6 scenario 3)',
  bar: 'ratio-0.5',
  noCacheBar: 'ratio-0.25',
  async prepare(ctx) {
    if (ctx.localMaps.length === 0) return { kind: 'skipped', reason: 'no local catalog with a map is loaded' };
    const paths = localCodePaths(ctx, 33, (m, code) => `${ctx.base}/CodeSystem/$local-codings?system=${enc(m.codeSystemUrl)}&code=${enc(code)}`);
    const probe = await get(ctx.port, paths[0]!);
    if (unavailable(probe)) return { kind: 'skipped', reason: 'not available' };
    for (const p of paths.slice(0, 20)) {
      const a = await get(ctx.port, p);
      expectStatus(a, 'eoj-local-record');
      if (!(json<{ parameter?: ParameterLike[] }>(a).parameter ?? []).some((x) => x.name === 'codeableConcept')) throw new Error(`eoj-local-record: no coding for ${p}`);
    }
    return { kind: 'load', paths, meanBytes: await meanBytes(ctx, paths), note: `${ctx.localMaps.length} local catalogs` };
  },
};

/** Bilag 6's three ways an EOJ system picks interventions (README "Pick lists for EOJ systems"). */
export const EOJ_SCENARIOS = ['eoj-offer', 'eoj-common', 'eoj-local-picker', 'eoj-local-record'];

/** Issue 15's varied traffic (bench/varied-scenarios.ts): thousands of distinct requests each. */
export const VARIED_SCENARIO_IDS = VARIED_SCENARIOS.map((s) => s.id);

export const SCENARIOS: Scenario[] = [validateCode, lookup, translate, expandFilter, batch, batchTranslate, exportCsv, coverageMatrix, eojOffer, eojCommon, eojLocalPicker, eojLocalRecord,
  ...VARIED_SCENARIOS, hotUnderWrites([validateCode, lookup])];
