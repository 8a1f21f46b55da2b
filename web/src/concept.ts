import type { CodeableConcept, Coding, Parameters } from 'fhir/r4';
import { CATALOGS, type Catalog, displaysOf } from './catalogs';
import { statusNameDa } from '../../src/terminology/status-name';
import { FhirRequestError, get, param, paramValue, params } from './fhir';

/** What $lookup tells about a concept, with the catalog text of the FSIII supplement (beskrivelse, formål, …). */
export interface ConceptText {
  system: string;
  systemName?: string;
  version?: string;
  code: string;
  display: string;
  definition?: string;
  status: string;
  replacedBy: string[];
  indsatstitel?: string;
  beskrivelse?: string;
  formaal?: string;
  eksempelIndledning?: string;
  eksempler: string[];
  fodnote?: string;
  lovparagraf?: string;
  niveau?: string;
  parents: Related[];
  children: Related[];
}

/** A parent, child or replacement: its code and, where the server names it, its display. */
export interface Related {
  code: string;
  display?: string;
}

export async function lookupConcept(system: string, code: string, signal?: AbortSignal): Promise<ConceptText> {
  const p = await get<Parameters>('CodeSystem/$lookup', { system, code }, signal);
  const props = new Map<string, unknown[]>();
  const descriptions = new Map<string, string>();
  for (const prop of params(p, 'property')) {
    const c = paramValue(param(prop, 'code')) as string | undefined;
    if (!c) continue;
    const v = paramValue(param(prop, 'value'));
    props.set(c, [...(props.get(c) ?? []), v]);
    const d = paramValue(param(prop, 'description'));
    if ((c === 'parent' || c === 'child') && typeof v === 'string' && typeof d === 'string') descriptions.set(v, d);
  }
  const one = (name: string): string | undefined => {
    const v = props.get(name)?.[0];
    return v === undefined || v === null ? undefined : typeof v === 'object' ? (v as Coding).code : String(v);
  };
  const many = (name: string): string[] => (props.get(name) ?? []).map((v) => (typeof v === 'object' && v ? (v as Coding).code ?? '' : String(v)));
  const inactive = props.get('inactive')?.[0] === true;
  return {
    system,
    systemName: paramValue(param(p, 'name')) as string | undefined,
    version: paramValue(param(p, 'version')) as string | undefined,
    code,
    display: (paramValue(param(p, 'display')) as string | undefined) ?? code,
    definition: paramValue(param(p, 'definition')) as string | undefined,
    status: one('status') ?? (inactive ? 'retired' : 'active'),
    replacedBy: many('replacedBy'),
    indsatstitel: one('indsatstitel'),
    beskrivelse: one('beskrivelse'),
    formaal: one('formaal'),
    eksempelIndledning: one('eksempel-indledning'),
    eksempler: many('eksempel'),
    fodnote: one('fodnote'),
    lovparagraf: one('lovparagraf'),
    niveau: one('niveau'),
    parents: many('parent').map((code) => ({ code, display: descriptions.get(code) })),
    children: many('child').map((code) => ({ code, display: descriptions.get(code) })),
  };
}

/** A local code of a municipality that is mapped to the concept (reverse $translate). */
export interface LocalUse {
  kommunekode?: string;
  system: string;
  code: string;
  display?: string;
  equivalence?: string;
}

export interface ConceptUse {
  catalogs: Catalog[];
  local: LocalUse[];
  legacyKeys: string[];
}

const LEGACY_MAP = 'http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys';

/** Where a concept is used: the catalogs that contain it and the local codes mapped to it (every municipality). */
export async function conceptUse(system: string, code: string, signal?: AbortSignal): Promise<ConceptUse> {
  const candidates = CATALOGS.filter((c) => c.valueSet && c.codeSystem === system);
  const inCatalog = await Promise.all(candidates.map(async (c) => {
    const r = await get<Parameters>('ValueSet/$validate-code', { url: c.valueSet, system, code }, signal);
    return paramValue(param(r, 'result')) === true;
  }));
  const catalogs = [...candidates.filter((_, i) => inCatalog[i]), ...CATALOGS.filter((c) => c.system === system)];
  const t = await get<Parameters>('ConceptMap/$translate', { system, code, reverse: true }, signal);
  const local: LocalUse[] = [];
  const legacyKeys: string[] = [];
  for (const m of params(t, 'match')) {
    const concept = paramValue(param(m, 'concept')) as Coding | undefined;
    const origin = (paramValue(param(m, 'originMap')) as string | undefined) ?? '';
    if (!concept?.code || !concept.system) continue;
    if (origin.split('|')[0] === LEGACY_MAP) {
      legacyKeys.push(concept.code);
      continue;
    }
    local.push({
      kommunekode: /\/kommune\/(\d{3})\//.exec(origin)?.[1],
      system: concept.system, code: concept.code, display: concept.display,
      equivalence: paramValue(param(m, 'equivalence')) as string | undefined,
    });
  }
  return { catalogs, local, legacyKeys };
}

/** Displays of the codes a lookup names without one (replacements, parents and children the server did not name). */
export async function relatedDisplays(c: ConceptText): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  for (const r of [...c.parents, ...c.children]) if (r.display) known.set(r.code, r.display);
  const missing = [...new Set([...c.parents, ...c.children].map((r) => r.code).concat(c.replacedBy))].filter((x) => !known.has(x));
  for (const [code, display] of await displaysOf(c.system, missing)) known.set(code, display);
  return known;
}

/** A municipality's local code (its catalog's URL is under …/kommune/{kommunekode}/). */
export function isLocalSystem(system: string): boolean {
  return /^http:\/\/faelles-tx\.dk\/fhir\/kommune\/\d{3}\//.test(system);
}

/**
 * What an EOJ system records for a local code ($local-codings): per common intervention, the codings to send (an
 * intervention's niveau-2 coding with its niveau-3 coding in KL's gateway system; an offer's common interventions).
 * Empty when the code is not linked yet.
 */
export async function recordedAs(system: string, code: string, signal?: AbortSignal): Promise<Coding[][]> {
  try {
    const p = await get<Parameters>('CodeSystem/$local-codings', { system, code }, signal);
    return params(p, 'codeableConcept').map((x) => (paramValue(x) as CodeableConcept).coding ?? []);
  } catch (e) {
    if (e instanceof FhirRequestError && e.status === 422) return [];
    throw e;
  }
}

/** What the page says of a concept that is not active, above its text. */
export function statusWarning(status: string): string {
  return status === 'retired'
    ? 'Begrebet er udgået og må ikke bruges til nye registreringer.'
    : `Begrebet har status ${statusNameDa(status)}.`;
}
