import { STANDARDS_STATUS_EXT } from '../valueset-extensions';
import type { Coding, Extension, ValueSetComposeIncludeConcept } from 'fhir/r4';
import type { CodeSystemProvider, Concept } from '../providers/provider';
import { languageMatches, type LanguageDepth, type LanguageList } from './languages';
import { composed } from '../text-match';
import { displayInLanguage, PREFERRED_FOR_LANGUAGE as DISPLAY_USE } from '../language';

const SCT = 'http://snomed.info/sct';
const SCT_PREFERRED = '900000000000548007';
const SCT_SYNONYM = '900000000000013009';

export interface Designation {
  language?: string;
  use?: Coding;
  value: string;
  /** active, or the standards status of the designation (deprecated, withdrawn, ...). */
  status: string;
  extension?: Extension[];
}

export interface DisplayMatch {
  found: boolean;
  /** When not found: whether the display only differs in whitespace from a valid one. */
  whitespaceOnly: boolean;
}

function standardsStatus(extensions: readonly Extension[] | undefined): string | undefined {
  return extensions?.find((e) => e.url === STANDARDS_STATUS_EXT)?.valueCode;
}

function normalise(s: string): string {
  return composed(s).replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Each choice once: the same text in the same language, or where one of the two states no language (the code system's
 * display and a supplement's designation repeating it), is one choice, listed where it first appears.
 */
function distinctChoices(list: readonly Designation[]): Designation[] {
  const out: Designation[] = [];
  for (const d of list) {
    if (!out.some((o) => o.value === d.value && (o.language === d.language || !o.language || !d.language))) out.push(d);
  }
  return out;
}

function sameUse(use: Coding | undefined, system: string, code: string): boolean {
  return !!use && use.system === system && use.code === code;
}

/** The displays and designations a code may legitimately be shown with, and the language rules for choosing them. */
export class Designations {
  readonly items: Designation[] = [];
  /** The code system's display is a placeholder (ISO 3166's user-assigned codes): other displays are noted, not refused. */
  placeholder = false;

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** The concept's display (in the code system's language) and its designations, supplements included. */
  addConcept(provider: CodeSystemProvider, concept: Concept): void {
    if (provider.displayIsFixed?.(concept) === false) this.placeholder = true;
    if (concept.display) {
      this.items.push({ language: provider.resource.language, use: DISPLAY_USE, value: concept.display.trim(), status: 'active' });
    }
    for (const d of concept.designations) {
      if (!d.value) continue;
      this.items.push({
        language: d.language, use: d.use as Coding | undefined, value: d.value.trim(),
        status: standardsStatus(d.extension) ?? 'active', extension: d.extension,
      });
    }
  }

  /** Displays a value set's compose gives a code. */
  addIncludeConcept(cc: ValueSetComposeIncludeConcept, vsLanguage: string | undefined): void {
    if (cc.display) this.items.push({ language: vsLanguage, use: DISPLAY_USE, value: cc.display.trim(), status: 'active' });
    for (const d of cc.designation ?? []) {
      if (d.value) this.items.push({ language: d.language, use: d.use as Coding | undefined, value: d.value.trim(), status: 'active' });
    }
  }

  isDisplay(d: Designation): boolean {
    return !d.use || sameUse(d.use, DISPLAY_USE.system!, DISPLAY_USE.code!) || sameUse(d.use, SCT, SCT_PREFERRED)
      || (d.use.code === 'display' && (!d.use.system || d.use.system.endsWith('designation-usage')));
  }

  private isPreferred(d: Designation): boolean {
    return this.isDisplay(d) || sameUse(d.use, SCT, SCT_SYNONYM);
  }

  private isActive(d: Designation): boolean {
    return d.status !== 'withdrawn' && d.status !== 'inactive';
  }

  /** Whether a designation's language is acceptable: no language stated, no languages asked for, or a match. */
  private languageOk(langs: LanguageList | undefined, d: Designation, depth: LanguageDepth, defLang?: string): boolean {
    if (defLang && d.language && languageMatches(defLang, d.language, 'language')) return true;
    if (!d.language || !langs) return true;
    return langs.accepts(d.language, depth);
  }

  /**
   * Whether the display is valid for the languages (case-insensitively, and a decomposed å, é … as the letter), and if
   * not whether only whitespace differs.
   */
  hasDisplay(langs: LanguageList | undefined, defLang: string | undefined, display: string, activeOnly: boolean): DisplayMatch {
    const candidates = this.items.filter((d) => this.languageOk(langs, d, 'language', defLang) && (!activeOnly || this.isActive(d)));
    const given = composed(display).toLowerCase();
    if (candidates.some((d) => composed(d.value).toLowerCase() === given)) return { found: true, whitespaceOnly: false };
    return { found: false, whitespaceOnly: candidates.some((d) => normalise(d.value) === normalise(display)) };
  }

  /** How many displays there are for the languages, preferring the closest language match (each choice once). */
  displayCount(langs: LanguageList | undefined, displayOnly: boolean): number {
    for (const depth of ['full', 'region', 'language'] as LanguageDepth[]) {
      const n = distinctChoices(this.items.filter((d) => (!displayOnly || this.isDisplay(d)) && this.languageOk(langs, d, depth))).length;
      if (n > 0) return n;
    }
    return 0;
  }

  /** The valid displays as a message lists them, each choice once: `'Display 1' (en)`, `'Anzeige 1' (de)`. */
  present(langs: LanguageList | undefined, displayOnly: boolean): string[] {
    const render = (d: Designation) => (d.language ? `'${d.value}' (${d.language})` : `'${d.value}'`);
    let chosen = this.items.filter((d) => (!displayOnly || this.isDisplay(d)) && this.languageOk(langs, d, 'language'));
    if (chosen.length === 0) chosen = this.items.filter((d) => !displayOnly || this.isDisplay(d));
    return distinctChoices(chosen).map(render);
  }

  /** The designation to show for the languages; the code system's own display when none are asked for. */
  preferred(langs: LanguageList | undefined): Designation | undefined {
    if (this.items.length === 0) return undefined;
    if (!langs || langs.preferred.length === 0) {
      return this.items.find((d) => this.isPreferred(d) && this.isActive(d))
        ?? this.items.find((d) => this.isDisplay(d) && this.isActive(d))
        ?? this.items.find((d) => this.isDisplay(d))
        ?? this.items[0];
    }
    for (const lang of langs.preferred) {
      const hit = displayInLanguage(this.items, lang.code, (d) => d);
      if (hit) return hit;
    }
    return this.items.find((d) => !d.language && this.isDisplay(d) && this.isActive(d)) ?? this.items.find((d) => !d.language && this.isDisplay(d));
  }

  preferredDisplay(langs: LanguageList | undefined): string | undefined {
    return this.preferred(langs)?.value;
  }

  /** The active displays (for telling a client which display replaces an outdated one). */
  activeDisplays(): string[] {
    return [...new Set(this.items.filter((d) => this.isActive(d) && this.isDisplay(d)).map((d) => d.value))];
  }

  statusOf(display: string): string {
    return this.items.find((d) => d.value === display)?.status ?? '';
  }
}
