import type { ValueSetComposeIncludeConceptDesignation as ValueSetExpansionContainsDesignation } from 'fhir/r4';
import { LocatingEntry, type ExpansionEntry } from '../compose/result';
import { codeSystemLanguage, displayInLanguage, PREFERRED_FOR_LANGUAGE } from '../language';
import { languageRanges } from '../../fhir/language-ranges';

/** The display language(s) asked for: tags in order of preference, and whether other languages may stand in. */
export interface LanguagePreference {
  tags: string[];
  /** False when the request rules out other languages (`*; q=0`): a code with no display in these languages gets none. */
  fallback: boolean;
}

/**
 * Parses a displayLanguage / Accept-Language value (`de-CH, de;q=0.8, *;q=0`). Tags are ordered by weight;
 * `*` with weight 0 forbids falling back to the code system's own display.
 */
export function parseLanguagePreference(value: string | undefined): LanguagePreference | undefined {
  if (!value || value.trim() === '') return undefined;
  const parts = languageRanges(value).map((r) => ({ tag: r.tag, weight: Number.isNaN(r.q) ? 0 : r.q, i: r.index })).filter((p) => p.tag !== '');
  const star = parts.find((p) => p.tag === '*');
  const tags = parts.filter((p) => p.tag !== '*' && p.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.i - b.i)
    .map((p) => p.tag);
  return { tags, fallback: star ? star.weight > 0 : true };
}

/** A text the expansion could show for a code, as the designation it is among the others. */
interface Candidate {
  value: string;
  designation: ValueSetExpansionContainsDesignation;
}

/** Candidates per code, kept with the evaluated value set (entries live as long as its cached evaluation). */
const candidatesOf = new WeakMap<ExpansionEntry, Candidate[]>();

function candidates(entry: ExpansionEntry): Candidate[] {
  // a packed code system's code is rendered once per set of options and kept as text (renderer.ts): not kept here too
  if (entry instanceof LocatingEntry) return findCandidates(entry);
  let all = candidatesOf.get(entry);
  if (!all) {
    all = findCandidates(entry);
    candidatesOf.set(entry, all);
  }
  return all;
}

/** A display as the designation it is among the others (no spreads: every code of a first expansion makes one). */
function preferred(language: string | undefined, value: string): ValueSetExpansionContainsDesignation {
  return language ? { language, use: PREFERRED_FOR_LANGUAGE, value } : { use: PREFERRED_FOR_LANGUAGE, value };
}

function addDesignations(out: Candidate[], designations: readonly ValueSetExpansionContainsDesignation[] | undefined): void {
  for (const d of designations ?? []) {
    if (!d.value) continue;
    out.push({ value: d.value, designation: d });
  }
}

/** Every text the expansion could show for a code: the compose's display, the code system's display, designations. */
function findCandidates(entry: ExpansionEntry): Candidate[] {
  const out: Candidate[] = [];
  const csLanguage = entry.provider ? codeSystemLanguage(entry.provider) : undefined;
  if (entry.composeDisplay) {
    const language = entry.composeLanguage ?? csLanguage;
    out.push({ value: entry.composeDisplay, designation: preferred(language, entry.composeDisplay) });
  }
  // read once: a packed code system's entry locates its concept on every read (LocatingEntry)
  const concept = entry.concept;
  const own = concept?.display ?? (concept ? undefined : entry.display);
  if (own && own !== entry.composeDisplay) {
    const language = concept ? csLanguage : undefined;
    out.push({ value: own, designation: preferred(language, own) });
  }
  addDesignations(out, concept?.designations);
  addDesignations(out, entry.composeDesignations);
  addDesignations(out, entry.stored?.designation);
  return out;
}

export interface DisplayChoice {
  display?: string;
  /** The other designations, for includeDesignations. */
  designations: ValueSetExpansionContainsDesignation[];
}

/**
 * The display of a code for the preferred languages, and its remaining designations. Without a preference
 * the compose's display, else the code system's, is shown.
 */
export function chooseDisplay(entry: ExpansionEntry, preference: LanguagePreference | undefined): DisplayChoice {
  const all = candidates(entry);
  const defaultChoice = all.find((c) => c.designation.use === PREFERRED_FOR_LANGUAGE);
  let chosen: Candidate | undefined;
  if (!preference || preference.tags.length === 0) {
    chosen = defaultChoice;
  } else {
    for (const tag of preference.tags) {
      chosen = displayInLanguage(all, tag, (c) => c.designation);
      if (chosen) break;
    }
    if (!chosen && preference.fallback) chosen = defaultChoice;
  }
  return { display: chosen?.value, designations: all.filter((c) => c !== chosen).map((c) => c.designation) };
}

/**
 * Whether a designation passes the `designation` parameters: `system|code` of its use, `urn:ietf:bcp:47|language`, or
 * a code alone, which R4 lets be either (a use code or a language).
 */
export function designationWanted(d: ValueSetExpansionContainsDesignation, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  return wanted.some((w) => {
    const bar = w.indexOf('|');
    const system = bar < 0 ? '' : w.slice(0, bar);
    const code = bar < 0 ? w : w.slice(bar + 1);
    const inLanguage = !!d.language && d.language.toLowerCase() === code.toLowerCase();
    if (system === 'urn:ietf:bcp:47') return inLanguage;
    return (d.use?.code === code && (!system || d.use.system === system)) || (!system && inLanguage);
  });
}
