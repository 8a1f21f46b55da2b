/** A language preference list (Accept-Language or displayLanguage), as validation uses it. */
import { languageRanges } from '../../fhir/language-ranges';

export interface LanguageEntry {
  /** BCP-47 tag as given, or `*`. */
  code: string;
  /** Quality, 0..1. */
  q: number;
}

/** How closely two language tags must agree. */
export type LanguageDepth = 'full' | 'region' | 'language';

const TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

interface TagParts {
  language: string;
  region?: string;
}

function tagParts(tag: string): TagParts {
  const parts = tag.toLowerCase().split('-');
  const language = parts[0] ?? '';
  const region = parts.slice(1).find((p) => /^[a-z]{2}$/.test(p) || /^\d{3}$/.test(p));
  return { language, region };
}

/** Whether a requested language tag accepts an actual one at the given depth. */
export function languageMatches(requested: string, actual: string, depth: LanguageDepth): boolean {
  if (requested === '*') return true;
  if (depth === 'full') return requested.toLowerCase() === actual.toLowerCase();
  const r = tagParts(requested);
  const a = tagParts(actual);
  if (r.language !== a.language) return false;
  return depth === 'language' || (r.region ?? '') === (a.region ?? '');
}

export class InvalidLanguageError extends Error {}

export class LanguageList {
  private constructor(readonly entries: readonly LanguageEntry[]) {}

  /** Parses `en, en-AU; q=0.4`; throws InvalidLanguageError for a tag that is not BCP-47 shaped. */
  static parse(value: string): LanguageList {
    const entries: LanguageEntry[] = [];
    for (const { tag: code, q, hasParameters } of languageRanges(value)) {
      if (code === '' && !hasParameters) continue;
      if (code !== '*' && !TAG.test(code)) throw new InvalidLanguageError(value);
      if (Number.isNaN(q) || q < 0 || q > 1) throw new InvalidLanguageError(value);
      entries.push({ code, q });
    }
    if (entries.length === 0) throw new InvalidLanguageError(value);
    return new LanguageList(entries);
  }

  static of(...codes: string[]): LanguageList {
    return new LanguageList(codes.map((code) => ({ code, q: 1 })));
  }

  /** Entries by preference (highest quality first, given order kept on ties), without those refused (q=0). */
  get preferred(): LanguageEntry[] {
    return this.entries.filter((e) => e.q > 0).map((e, i) => ({ e, i }))
      .sort((a, b) => b.e.q - a.e.q || a.i - b.i).map((x) => x.e);
  }

  get codes(): string[] {
    return this.preferred.map((e) => e.code);
  }

  /** Whether any entry accepts the tag at the given depth. */
  accepts(tag: string, depth: LanguageDepth): boolean {
    return this.preferred.some((e) => languageMatches(e.code, tag, depth));
  }

  toString(): string {
    return this.entries.map((e) => (e.q !== 1 ? `${e.code}; q=${e.q}` : e.code)).join(', ');
  }
}
