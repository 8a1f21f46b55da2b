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

/** The language a code system's own displays are written in. */
export function codeSystemLanguage(provider: CodeSystemProvider): string {
  return provider.resource.language ?? DEFAULT_LANGUAGE;
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
