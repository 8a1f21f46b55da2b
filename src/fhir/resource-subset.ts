import type { Coding, Meta } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import { R4_ELEMENTS, type SubsettableType } from './r4-elements';
import { searchText, splitEscaped, unescapeSearch } from './search-query';

/**
 * What a read or a search asks to be left out of a resource (FHIR R4 search §3.1.1.5.8–9): `_summary=true` (the Σ
 * elements), `text` (the narrative), `data` (all but the narrative), or `_elements` (the named top-level elements).
 */
export type Subset = { kind: 'true' | 'text' | 'data' } | { kind: 'elements'; names: ReadonlySet<string> };

const SUMMARY_VALUES = ['true', 'false', 'count', 'data', 'text'];
const SUBSETTED: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
/** Kept in every subset: what makes it a resource, plus each type's mandatory and modifier elements (R4's isSummary rule). */
const ALWAYS = ['resourceType', 'id', 'meta'];

/**
 * `_summary` and `_elements` of a request: undefined for the whole resource, 'count' (a search's total alone, where
 * `count` is allowed), or the subset. `_elements` is the narrower ask, so it wins over `_summary` true, text or data.
 */
export function requestedSubset(query: Record<string, unknown>, allowCount: boolean): Subset | 'count' | undefined {
  const summary = searchText(query, '_summary');
  const values = allowCount ? SUMMARY_VALUES : SUMMARY_VALUES.filter((v) => v !== 'count');
  if (summary !== undefined && !values.includes(summary)) {
    const list = `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
    throw FhirError.invalid(`_summary must be ${list}, not '${excerpt(summary)}'`, {
      expression: ['_summary'], da: `_summary skal være ${list.replace(' or ', ' eller ')}, ikke '${excerpt(summary)}'`,
    });
  }
  if (summary === 'count') return 'count';
  const elements = searchText(query, '_elements');
  if (elements !== undefined) {
    return { kind: 'elements', names: new Set(splitEscaped(elements, ',').map((n) => unescapeSearch(n).trim().replace(/\[x\]$/, ''))) };
  }
  return summary === undefined || summary === 'false' ? undefined : { kind: summary as 'true' | 'text' | 'data' };
}

/** R4's element names without the choice suffix (`source[x]` → `source`). */
function names(list: readonly string[]): string[] {
  return list.map((n) => n.replace(/\[x\]$/, ''));
}

/** Which JSON keys of a resource of `type` the subset keeps; a key is its element's name, `_date`, or a choice's `sourceUri`. */
function keptKeys(type: SubsettableType, subset: Subset): (key: string) => boolean {
  const r4 = R4_ELEMENTS[type];
  const always = new Set([...ALWAYS, ...names(r4.mandatory), ...names(r4.modifiers)]);
  const summary = new Set([...always, ...names(r4.summary)]);
  const choices = r4.summary.filter((n) => n.endsWith('[x]')).map((n) => n.slice(0, -3));
  const elementOf = (key: string): string => {
    const name = key.startsWith('_') ? key.slice(1) : key;
    return choices.find((c) => name.length > c.length && name.startsWith(c) && /[A-Z]/.test(name[c.length]!)) ?? name;
  };
  switch (subset.kind) {
    case 'true': return (key) => summary.has(elementOf(key));
    case 'text': return (key) => always.has(elementOf(key)) || elementOf(key) === 'text';
    case 'data': return (key) => elementOf(key) !== 'text';
    case 'elements': return (key) => always.has(elementOf(key)) || subset.names.has(key) || subset.names.has(elementOf(key));
  }
}

/**
 * The subset of resources of `type`, as a function over each: a copy with the kept fields (the others are not even
 * read: a packed catalog's concepts are parsed on each read), its meta tagged SUBSETTED.
 */
export function subsetter<R extends { meta?: Meta }>(type: SubsettableType, subset: Subset): (resource: R) => R {
  const keeps = keptKeys(type, subset);
  return (resource) => {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(resource)) if (keeps(key)) copy[key] = (resource as Record<string, unknown>)[key];
    const tags = resource.meta?.tag ?? [];
    const tagged = tags.some((t) => t.system === SUBSETTED.system && t.code === SUBSETTED.code) ? tags : [...tags, SUBSETTED];
    copy.meta = { ...(resource.meta ?? {}), tag: tagged };
    return copy as R;
  };
}

/** A read's resource as `_summary` and `_elements` ask for it (`count` is a search's only). */
export function readSubset<R extends { resourceType: SubsettableType; meta?: Meta }>(resource: R, query: Record<string, unknown>): R {
  const subset = requestedSubset(query, false);
  return subset === undefined || subset === 'count' ? resource : subsetter<R>(resource.resourceType, subset)(resource);
}
