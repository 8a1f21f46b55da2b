import type { CodeSystemConceptDesignation } from 'fhir/r4';
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

/** The display of a concept for the preferred languages: its own display, or a designation in that language. */
export function displayFor(provider: CodeSystemProvider, concept: Concept, languages: readonly string[]): string | undefined {
  if (languages.length === 0) return concept.display;
  const own = codeSystemLanguage(provider);
  for (const lang of languages) {
    if (languageMatches(lang, own) && concept.display) return concept.display;
    const d = concept.designations.find((x: CodeSystemConceptDesignation) => languageMatches(lang, x.language) && isDisplayUse(x));
    if (d) return d.value;
  }
  return concept.display;
}

function isDisplayUse(d: CodeSystemConceptDesignation): boolean {
  return !d.use || d.use.code === 'display' || d.use.code === '900000000000013009' || d.use.code === 'preferredForLanguage';
}

/** Every text a display may legitimately be compared with: the display and all designations. */
export function allDisplays(concept: Concept): string[] {
  const out: string[] = [];
  if (concept.display) out.push(concept.display);
  for (const d of concept.designations) if (d.value) out.push(d.value);
  return out;
}
