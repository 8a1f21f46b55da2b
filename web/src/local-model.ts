/**
 * A municipality's local catalog as the editor changes it: pure functions from the current CodeSystem and ConceptMap
 * to the new ones, and the transaction that writes both. The server's write validation decides what is accepted;
 * the checks here only catch the common mistakes early, in Danish.
 */
import type { Bundle, CodeSystem, CodeSystemConcept, ConceptMap, ConceptMapGroup, ConceptMapGroupElement } from 'fhir/r4';
import {
  kommunekodeIdentifier, localCatalogTexts, LOCAL_TYPE_CODE, LOCAL_TYPE_URI, localTargetEquivalence, localTypePropertyCode, municipalId, municipalUrl,
  STATUS_PROPERTY_URI, statusPropertyCode, type LocalKind,
} from '../../src/municipal/municipality';
import { foldText } from '../../src/terminology/text-match';

export type { LocalKind };

export const DEFAULT_NAME = 'lokale-indsatser';
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,51}$/;
export const LOCAL_STATUSES = ['active', 'draft', 'retired', 'deprecated'] as const;
/**
 * The longest title the editor saves, in characters. The server sets no limit of its own; a title is read in lists,
 * pick lists and EOJ systems, and 250 characters is about three lines of a sentence.
 */
export const TITLE_MAX_LENGTH = 250;

export interface Target {
  system: string;
  code: string;
  display?: string;
  equivalence?: string;
}

/** One local code with its targets (from every map of the municipality that maps it). */
export interface LocalEntry {
  code: string;
  display: string;
  definition?: string;
  kind?: string;
  status: string;
  targets: Target[];
}

/**
 * Whether an entry matches every word of a filter (`searchTerms` of catalog-search.ts): in its code, title,
 * description or a target's title or code, folded as the catalog search folds (`smoer` finds *Smørrebrød*).
 */
export function entryMatches(e: LocalEntry, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const text = foldText([e.code, e.display, e.definition ?? '', ...e.targets.flatMap((t) => [t.code, t.display ?? ''])].join(' '));
  return terms.every((t) => text.includes(t));
}

/** A written resource has a version; the published example (terminology/examples) has none and is read-only. */
export function isWritable(r: CodeSystem | ConceptMap | undefined): boolean {
  return r?.meta?.versionId !== undefined;
}

export function nameOf(r: CodeSystem | ConceptMap): string {
  return r.url?.split('/').pop() ?? r.id ?? '';
}

function flatten(concepts: CodeSystemConcept[] | undefined): CodeSystemConcept[] {
  return (concepts ?? []).flatMap((c) => [c, ...flatten(c.concept)]);
}

/** The maps whose groups take their source codes from this code system. */
export function mapsOf(cs: CodeSystem, maps: ConceptMap[]): ConceptMap[] {
  return maps.filter((m) => m.sourceUri === cs.url || (m.group ?? []).some((g) => g.source === cs.url));
}

export function localEntries(cs: CodeSystem, maps: ConceptMap[]): LocalEntry[] {
  const typeCode = localTypePropertyCode(cs) ?? LOCAL_TYPE_CODE;
  const statusCode = statusPropertyCode(cs);
  const targets = new Map<string, Target[]>();
  for (const m of mapsOf(cs, maps)) {
    for (const g of m.group ?? []) {
      if (g.source && g.source !== cs.url) continue;
      for (const el of g.element ?? []) {
        if (!el.code) continue;
        const list = targets.get(el.code) ?? [];
        for (const t of el.target ?? []) {
          if (t.code && g.target) list.push({ system: g.target, code: t.code, display: t.display, equivalence: t.equivalence });
        }
        targets.set(el.code, list);
      }
    }
  }
  return flatten(cs.concept).map((c) => ({
    code: c.code,
    display: c.display ?? c.code,
    definition: c.definition,
    kind: c.property?.find((p) => p.code === typeCode)?.valueCode,
    status: c.property?.find((p) => p.code === statusCode)?.valueCode ?? 'active',
    targets: targets.get(c.code) ?? [],
  }));
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A new, empty local catalog named as the CSV import names it (terminology/README.md, "Canonical URLs"). */
export function newCodeSystem(kommunekode: string, name: string): CodeSystem {
  const texts = localCatalogTexts(kommunekode, name);
  return {
    resourceType: 'CodeSystem',
    id: municipalId(kommunekode, name),
    url: municipalUrl(kommunekode, 'CodeSystem', name),
    identifier: [kommunekodeIdentifier(kommunekode)],
    version: '1.0.0',
    name: texts.codeSystem.name,
    title: texts.codeSystem.title,
    status: 'active',
    date: today(),
    publisher: texts.publisher,
    caseSensitive: true,
    content: 'complete',
    count: 0,
    property: [
      { code: LOCAL_TYPE_CODE, uri: LOCAL_TYPE_URI, description: 'indsats = lokal indsats (niveau 3); tilbud = lokalt tilbud sammensat af flere indsatser', type: 'code' },
      { code: 'status', uri: STATUS_PROPERTY_URI, description: 'Begrebets status: active | retired | deprecated | draft', type: 'code' },
    ],
    concept: [],
  };
}

export function newConceptMap(kommunekode: string, name: string, cs: CodeSystem): ConceptMap {
  const texts = localCatalogTexts(kommunekode, name);
  return {
    resourceType: 'ConceptMap',
    id: municipalId(kommunekode, name),
    url: municipalUrl(kommunekode, 'ConceptMap', name),
    identifier: kommunekodeIdentifier(kommunekode),
    version: cs.version ?? '1.0.0',
    name: texts.conceptMap.name,
    title: texts.conceptMap.title,
    status: 'active',
    date: today(),
    publisher: texts.publisher,
    sourceUri: cs.url,
    group: [],
  };
}

function withoutServerFields<T extends { meta?: unknown; text?: unknown }>(r: T): T {
  const copy = structuredClone(r);
  delete copy.meta;
  delete copy.text;
  return copy;
}

/** The code system with the entry added, or the concept of that code replaced (other properties kept). */
export function withConcept(cs: CodeSystem, entry: Omit<LocalEntry, 'targets'>): CodeSystem {
  const next = withoutServerFields(cs);
  const typeCode = localTypePropertyCode(next) ?? LOCAL_TYPE_CODE;
  const statusCode = statusPropertyCode(next);
  if (!localTypePropertyCode(next)) {
    next.property = [...(next.property ?? []), { code: LOCAL_TYPE_CODE, uri: LOCAL_TYPE_URI, type: 'code' }];
  }
  if (!(next.property ?? []).some((p) => p.code === statusCode)) {
    next.property = [...(next.property ?? []), { code: statusCode, uri: STATUS_PROPERTY_URI, type: 'code' }];
  }
  const existing = flatten(next.concept).find((c) => c.code === entry.code);
  const concept: CodeSystemConcept = existing ?? { code: entry.code };
  concept.display = entry.display;
  if (entry.definition) concept.definition = entry.definition;
  else delete concept.definition;
  concept.property = [
    ...(concept.property ?? []).filter((p) => p.code !== typeCode && p.code !== statusCode),
    { code: typeCode, valueCode: entry.kind },
    { code: statusCode, valueCode: entry.status },
  ];
  if (!existing) next.concept = [...(next.concept ?? []), concept];
  if (next.count !== undefined) next.count = flatten(next.concept).length;
  next.date = today();
  return next;
}

/**
 * The map with the code's targets replaced: one element per target system (FSIII, FFB) in the group from this code
 * system to that system, stated as the CSV import states them (indsats `subsumes`, tilbud `inexact` + comment).
 */
export function withMapping(cm: ConceptMap, cs: CodeSystem, code: string, display: string, kind: string, targets: Target[]): ConceptMap {
  const next = withoutServerFields(cm);
  const groups: ConceptMapGroup[] = (next.group ?? []).map((g) => ({
    ...g,
    element: (g.element ?? []).filter((el) => !(el.code === code && (g.source ?? cs.url) === cs.url)),
  }));
  for (const t of targets) {
    let group = groups.find((g) => g.source === cs.url && g.target === t.system);
    if (!group) {
      group = { source: cs.url, ...(cs.version ? { sourceVersion: cs.version } : {}), target: t.system, element: [] };
      groups.push(group);
    }
    let el: ConceptMapGroupElement | undefined = group.element.find((e) => e.code === code);
    if (!el) {
      el = { code, display, target: [] };
      group.element.push(el);
    }
    el.target = [...(el.target ?? []), { code: t.code, ...(t.display ? { display: t.display } : {}), ...localTargetEquivalence(kind) }];
  }
  next.group = groups.filter((g) => g.element.length > 0);
  next.date = today();
  return next;
}

function ifMatch(r: CodeSystem | ConceptMap, previous: CodeSystem | ConceptMap | undefined): { ifMatch?: string } {
  return previous?.meta?.versionId && previous.id === r.id ? { ifMatch: `W/"${previous.meta.versionId}"` } : {};
}

/** One transaction for both resources (both are written or neither), each PUT conditional on the version read. */
export function saveBundle(cs: CodeSystem, cm: ConceptMap, previous: { codeSystem?: CodeSystem; conceptMap?: ConceptMap }): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}`, ...ifMatch(cs, previous.codeSystem) } },
      { resource: cm, request: { method: 'PUT', url: `ConceptMap/${cm.id}`, ...ifMatch(cm, previous.conceptMap) } },
    ],
  };
}

export interface Draft {
  code: string;
  display: string;
  definition: string;
  kind: LocalKind | '';
  status: string;
  targets: Target[];
}

/** The editor's own checks, before the server validates: what a consultant most often gets wrong. */
export function checkDraft(draft: Draft, cs: CodeSystem | undefined, isNew: boolean): string[] {
  const problems: string[] = [];
  const code = draft.code;
  if (!code) problems.push('Giv den lokale indsats en kode.');
  else if (!/^[^\s]+( [^\s]+)*$/.test(code)) problems.push('Koden må ikke begynde eller slutte med mellemrum eller have flere mellemrum i træk.');
  else if (isNew && cs && flatten(cs.concept).some((c) => c.code === code)) problems.push(`Koden ${code} findes allerede i kataloget; vælg en anden kode, eller redigér den eksisterende.`);
  const title = draft.display.trim();
  if (!title) problems.push('Giv den lokale indsats en titel.');
  else if ([...title].length > TITLE_MAX_LENGTH) {
    problems.push(`Titlen er længere end ${TITLE_MAX_LENGTH} tegn; forkort den, og skriv en længere forklaring i beskrivelsen.`);
  }
  if (draft.kind === '') problems.push('Vælg om det er en indsats eller et tilbud.');
  if (draft.kind === 'indsats' && draft.targets.length !== 1) {
    problems.push(`En lokal indsats kobles til præcis én fælleskommunal indsats (niveau 2); der er valgt ${draft.targets.length}.`);
  }
  if (draft.kind === 'tilbud' && draft.targets.length === 0) problems.push('Et tilbud kobles til mindst én fælleskommunal indsats.');
  return problems;
}

/** A free catalog name for a new catalog: lokale-indsatser, else lokale-indsatser-2, -3, … */
export function suggestName(existing: (CodeSystem | ConceptMap)[]): string {
  const taken = new Set(existing.map(nameOf));
  if (!taken.has(DEFAULT_NAME)) return DEFAULT_NAME;
  for (let i = 2; ; i++) if (!taken.has(`${DEFAULT_NAME}-${i}`)) return `${DEFAULT_NAME}-${i}`;
}
