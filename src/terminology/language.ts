import { STANDARDS_STATUS_EXT } from './valueset-extensions';
import type { CodeSystemConceptDesignation, Coding, Extension } from 'fhir/r4';
import type { CodeSystemProvider, Concept } from './providers/provider';

/** The server's default display language: the catalogs are Danish. */
export const DEFAULT_LANGUAGE = 'da';

export function languageMatches(requested: string, actual: string | undefined): boolean {
  if (!actual) return false;
  const r = requested.toLowerCase();
  const a = actual.toLowerCase();
  return a === r || a.startsWith(`${r}-`) || r.startsWith(`${a}-`);
}

/**
 * Where code systems that do not state their language (CodeSystem.language) are Danish: the Danish national OID arc
 * (KL's FSIII and FFB), KL's terminology and gateway, and this server's own catalogs (the municipalities'). KL
 * publishes its code systems without `language`; any other code system without it is in a language not known.
 */
const DANISH_CANONICALS = ['urn:oid:1.2.208.', 'http://fhir.kl.dk/', 'http://gateway.kl.dk/', 'http://faelles-tx.dk/'];

/** The language a code system's own displays are written in, when it is known. */
export function codeSystemLanguage(provider: CodeSystemProvider): string | undefined {
  return provider.resource.language ?? (DANISH_CANONICALS.some((p) => provider.url.startsWith(p)) ? DEFAULT_LANGUAGE : undefined);
}

/** The use R4's terminology ecosystem gives the one designation preferred for its language among others in it. */
export const PREFERRED_FOR_LANGUAGE: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra', code: 'preferredForLanguage', display: 'Preferred For Language',
};
/** Uses of a designation that is a display: R4's designation-usage `display`, SNOMED CT's synonym, preferred term and FSN. */
const DISPLAY_USES = new Set(['display', PREFERRED_FOR_LANGUAGE.code, '900000000000013009', '900000000000548007', '900000000000003001']);

/** A text a code may be shown with: its display (as a designation in its code system's language), or a designation. */
export interface DisplayCandidate {
  language?: string;
  use?: Coding;
  value?: string;
  extension?: Extension[];
}

/** A designation that may stand as the display: no use, or a display use; with a text. */
function isDisplayCandidate(d: DisplayCandidate): boolean {
  return !!d.value && (!d.use || DISPLAY_USES.has(d.use.code ?? ''));
}

/** Not withdrawn (the standards-status extension of a designation; `inactive` as some code systems write it). */
function isActive(d: DisplayCandidate): boolean {
  const status = d.extension?.find((e) => e.url === STANDARDS_STATUS_EXT)?.valueCode;
  return status !== 'withdrawn' && status !== 'inactive';
}

/** A tag's subtags, lower case; its region (two letters or three digits, after the language). */
function subtags(tag: string): { parts: string[]; region?: string } {
  const parts = tag.toLowerCase().split('-');
  return { parts, region: parts.slice(1).find((p) => /^[a-z]{2}$/.test(p) || /^\d{3}$/.test(p)) };
}

/**
 * How closely a designation's language answers a requested tag, best first; undefined when it does not: 0 the same
 * tag, 1 the same language and region (`de-AT` for `de-Latn-AT`), 2 a broader tag of it (`de` for `de-AT`, the longer
 * first), 3 a narrower one (`de-AT` for `de`), 4 another of the same language (`de-CH` for `de-AT`).
 */
function closeness(requested: { parts: string[]; region?: string }, language: string | undefined): number | undefined {
  if (!language) return undefined;
  const actual = subtags(language);
  const [r, a] = [requested.parts, actual.parts];
  if (r[0] !== a[0]) return undefined;
  if (r.length === a.length && r.every((p, i) => p === a[i])) return 0;
  // a region both name (another script of it too); two tags without one, `zh-Hans` for `zh-Hant`, are only the same language
  if (requested.region !== undefined && requested.region === actual.region) return 1;
  if (a.length < r.length && a.every((p, i) => p === r[i])) return 2 + (r.length - a.length) / r.length;
  if (r.length < a.length && r.every((p, i) => p === a[i])) return 3;
  return 4;
}

/**
 * The one rule every operation shows a code's display in a language by ($lookup, $expand, $validate-code): of the
 * candidates that may stand as a display, the active ones before withdrawn ones; of those, the closest language
 * (`closeness`: the tag asked for itself first); of the same closeness, the one its use marks preferred for its language
 * (R4's tx ecosystem's `preferredForLanguage`: "preferred for the identified language among more than one for that
 * language"), then the first. `*` takes any language. Undefined when none is in the language.
 */
export function displayInLanguage<T>(candidates: readonly T[], tag: string, view: (c: T) => DisplayCandidate): T | undefined {
  const requested = subtags(tag);
  let best: { candidate: T; rank: number[] } | undefined;
  for (const candidate of candidates) {
    const d = view(candidate);
    if (!isDisplayCandidate(d)) continue;
    const close = tag === '*' ? (d.language ? 0 : undefined) : closeness(requested, d.language);
    if (close === undefined) continue;
    const rank = [isActive(d) ? 0 : 1, close, d.use?.code === PREFERRED_FOR_LANGUAGE.code ? 0 : 1];
    if (!best || ranksBefore(rank, best.rank)) best = { candidate, rank };
  }
  return best?.candidate;
}

/** Whether rank `a` comes strictly before `b`, comparing element by element. */
function ranksBefore(a: readonly number[], b: readonly number[]): boolean {
  const i = a.findIndex((x, j) => x !== b[j]);
  return i >= 0 && a[i]! < b[i]!;
}

/**
 * The display of a concept for the preferred languages (displayInLanguage, its display as the designation preferred
 * in its code system's language); its own display when none is in these languages.
 */
export function displayFor(provider: CodeSystemProvider, concept: Concept, languages: readonly string[]): string | undefined {
  if (languages.length === 0) return concept.display;
  const candidates: DisplayCandidate[] = [
    ...(concept.display ? [{ language: codeSystemLanguage(provider), use: PREFERRED_FOR_LANGUAGE, value: concept.display }] : []),
    ...concept.designations as CodeSystemConceptDesignation[],
  ];
  for (const lang of languages) {
    const hit = displayInLanguage(candidates, lang, (c) => c);
    if (hit) return hit.value;
  }
  return concept.display;
}

/** Every text a display may legitimately be compared with: the display and all designations. */
export function allDisplays(concept: Concept): string[] {
  const out: string[] = [];
  if (concept.display) out.push(concept.display);
  for (const d of concept.designations) if (d.value) out.push(d.value);
  return out;
}
