import type { CodeSystem, CodeSystemConceptProperty } from 'fhir/r4';
import type { Concept } from '../provider';
import type { Bilingual } from '../../../errors/issue';
import { msg } from '../../validation/messages';
import { type GrammarConcept, GrammarCodeSystemProvider, grammarConcept } from './grammar-provider';

export const BCP_47 = 'urn:ietf:bcp:47';

/** The code system resource; its codes are every tag the grammar and the IANA registry allow (BcpProvider). */
export function bcp47CodeSystem(): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: 'bcp47',
    url: BCP_47,
    name: 'BCP47',
    title: 'Tags for Identifying Languages (BCP 47)',
    status: 'active',
    publisher: 'IETF',
    description: 'Language tags of BCP 47, checked against the IANA Language Subtag Registry',
    language: 'en',
    caseSensitive: true,
    content: 'complete',
    property: COMPONENTS.map(([code, description]) => ({ code, type: 'code', description })),
  };
}

/** The parts of a tag that value sets filter on (`region exists false`), as tx.fhir.org names them. */
const COMPONENTS: readonly [string, string][] = [
  ['language', 'The primary language subtag'],
  ['ext-lang', 'An extended language subtag'],
  ['script', 'The script subtag'],
  ['region', 'The region subtag'],
  ['variant', 'A variant subtag'],
  ['extension', 'An extension, with its singleton (u-ca-gregory)'],
  ['private-use', 'The private use subtags, after x'],
];

interface RegistryRecord {
  Type: string;
  Subtag?: string;
  Tag?: string;
  Description: string[];
  Deprecated?: string;
}

interface ParsedTag {
  language: string | null;
  extendedLanguageSubtags: string[];
  script: string | null;
  region: string | null;
  variants: string[];
  extensions: { singleton: string; extensions: string[] }[];
  privateuse: string[];
  irregular: string | null;
  regular: string | null;
}

interface Bcp47Library {
  parse(tag: string): ParsedTag;
  stringify(tag: ParsedTag): string;
}

/** A range of subtags the registry records once (`qaa..qtz`, languages for private use). */
interface RegistryRange {
  readonly first: string;
  readonly last: string;
  readonly record: RegistryRecord;
}

/** The IANA Language Subtag Registry (language-subtag-registry), by type and subtag; read when first needed. */
class SubtagRegistry {
  private readonly byType = new Map<string, Map<string, RegistryRecord>>();
  private readonly ranges = new Map<string, RegistryRange[]>();

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const records = require('language-subtag-registry/data/json/registry.json') as RegistryRecord[];
    for (const r of records) {
      const key = r.Subtag ?? r.Tag;
      if (!key) continue;
      const [first, last] = key.split('..');
      if (last !== undefined) {
        const list = this.ranges.get(r.Type) ?? [];
        list.push({ first: first!, last, record: r });
        this.ranges.set(r.Type, list);
        continue;
      }
      let map = this.byType.get(r.Type);
      if (!map) {
        map = new Map();
        this.byType.set(r.Type, map);
      }
      map.set(key, r);
    }
  }

  /** The record of a subtag, its own or its range's, where it is written as the registry writes it (in its case). */
  get(type: string, subtag: string): RegistryRecord | undefined {
    const exact = this.byType.get(type)?.get(subtag);
    if (exact) return exact;
    return this.ranges.get(type)?.find((r) => subtag.length === r.first.length && sameCase(subtag, r.first)
      && subtag >= r.first && subtag <= r.last)?.record;
  }
}

/** Whether each letter of a subtag is in the case of the same letter of the registry's (`Qaab` as `Qaaa`). */
function sameCase(subtag: string, registered: string): boolean {
  for (let i = 0; i < subtag.length; i++) {
    const upper = registered[i]! >= 'A' && registered[i]! <= 'Z';
    if (subtag[i] !== (upper ? subtag[i]!.toUpperCase() : subtag[i]!.toLowerCase())) return false;
  }
  return true;
}

/** The first variant, or extension singleton, a tag has twice (case does not make another: RFC 5646 §2.1.1). */
function repeated(tag: ParsedTag): { part: 'variant' | 'extension'; subtag: string } | undefined {
  const twice = (subtags: string[]) => subtags.find((s, i) => subtags.findIndex((t) => t.toLowerCase() === s.toLowerCase()) < i);
  const variant = twice(tag.variants);
  if (variant) return { part: 'variant', subtag: variant };
  const singleton = twice(tag.extensions.map((e) => e.singleton));
  return singleton ? { part: 'extension', subtag: singleton } : undefined;
}

const BASE = 'the languages of ISO 639-2';

/**
 * BCP 47 language tags, parsed with bcp-47 and checked against the IANA registry: every subtag must be
 * registered and written in its registered case (`en-US`, not `en-us`, as tx.fhir.org requires). The display is the
 * language's name with the script, region and variants named: `English (United States)`.
 */
export class Bcp47Provider extends GrammarCodeSystemProvider {
  private readonly registry = new SubtagRegistry();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  private readonly bcp47 = require('bcp-47') as Bcp47Library;

  /** A filter on a part of the tag selects infinitely many tags, like the whole code system. */
  override readonly filtersBounded = false;

  constructor(resource: CodeSystem, supplements: readonly CodeSystem[] = []) {
    super(resource, supplements, BASE);
  }

  protected parse(code: string): GrammarConcept | undefined {
    const whole = this.registry.get('grandfathered', code) ?? this.registry.get('redundant', code);
    if (whole) return grammarConcept(code, whole.Description[0]);
    const tag = this.bcp47.parse(code);
    if (!tag.language && tag.privateuse.length === 0) return undefined;
    if (this.bcp47.stringify(tag) !== code || repeated(tag)) return undefined;
    const names: string[] = [];
    const parts: [string, string | null][] = [
      ['language', tag.language], ...tag.extendedLanguageSubtags.map((s): [string, string] => ['extlang', s]),
      ['script', tag.script], ['region', tag.region], ...tag.variants.map((s): [string, string] => ['variant', s]),
    ];
    for (const [type, subtag] of parts) {
      if (!subtag) continue;
      const record = this.registry.get(type, subtag);
      if (!record) return undefined;
      names.push(record.Description[0]!);
    }
    if (names.length === 0) return grammarConcept(code, 'Private use');
    const [language, ...qualifiers] = names;
    return grammarConcept(code, qualifiers.length > 0 ? `${language} (${qualifiers.join(', ')})` : language);
  }

  /** The subtags of one part of the tag (COMPONENTS), worked out when asked for: a filter's `exists` asks whether there are any. */
  override propertyValues(concept: Concept, code: string): CodeSystemConceptProperty[] {
    const subtags = this.part(concept.code, code);
    return subtags ? subtags.map((valueCode) => ({ code, valueCode })) : super.propertyValues(concept, code);
  }

  private part(code: string, component: string): string[] | undefined {
    const tag = this.bcp47.parse(code);
    switch (component) {
      case 'language': return tag.language ? [tag.language] : [];
      case 'ext-lang': return tag.extendedLanguageSubtags;
      case 'script': return tag.script ? [tag.script] : [];
      case 'region': return tag.region ? [tag.region] : [];
      case 'variant': return tag.variants;
      case 'extension': return tag.extensions.map((e) => [e.singleton, ...e.extensions].join('-'));
      case 'private-use': return tag.privateuse.length > 0 ? [tag.privateuse.join('-')] : [];
      default: return undefined;
    }
  }

  /** Why a tag the grammar allows is not valid all the same (RFC 5646 §2.2.9): a variant or an extension written twice. */
  explainUnknown(code: string): Bilingual | undefined {
    const repeat = repeated(this.bcp47.parse(code));
    return repeat && msg.languageTagRepeats(code, repeat.part, repeat.subtag).text;
  }

  /** Every ISO 639-2 language in its shortest tag (the ISO 639-1 code where there is one) that the registry has and does not deprecate. */
  protected baseCodes(): string[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { iso6392 } = require('iso-639-2') as { iso6392: { iso6391?: string; iso6392B: string; iso6392T?: string }[] };
    const codes = iso6392.map((l) => l.iso6391 ?? l.iso6392T ?? l.iso6392B);
    return codes.filter((c) => {
      const r = this.registry.get('language', c);
      return r !== undefined && !r.Deprecated;
    });
  }
}
