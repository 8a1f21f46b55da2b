import type { ValueSet } from 'fhir/r4';
import { ComposeEvaluator, entryKey, type ComposeOptions, type ComposeResult, type ExpansionEntry } from '../compose/evaluator';
import type { TerminologyRegistry } from '../registry';
import type { Tracked } from '../read-tracking';
import { BoundedMap } from '../bounded-map';

export interface IndexedComposeResult extends ComposeResult {
  /** The first code of each system|code. */
  index: Map<string, ExpansionEntry>;
  /** Codes by code alone, for inferring the system. */
  byCode: Map<string, ExpansionEntry[]>;
}

/**
 * Evaluations per registry, per value set and per options (version rules, supplements: none for most requests; at
 * most MAX_OPTION_SETS per value set, as the options come from requests and each evaluation may be large).
 */
const caches = new WeakMap<TerminologyRegistry, WeakMap<ValueSet, BoundedMap<string, Tracked<IndexedComposeResult>>>>();
export const MAX_OPTION_SETS = 16;

/** The key of options that set nothing (most requests'): what optionsKey gives them, without building it. */
const NO_OPTIONS = ';;;;;';

function optionsKey(options: ComposeOptions): string {
  if (
    !options.systemVersions?.size && !options.forceSystemVersions?.size && !options.checkSystemVersions?.size &&
    !options.defaultValueSetVersions?.size && !options.supplements?.length && options.maxEntries === undefined
  ) return NO_OPTIONS;
  const m = (x?: Map<string, string>) => (x ? [...x].sort().join(',') : '');
  return [
    m(options.systemVersions), m(options.forceSystemVersions), m(options.checkSystemVersions), m(options.defaultValueSetVersions),
    (options.supplements ?? []).join(','), options.maxEntries ?? '',
  ].join(';');
}

/**
 * Evaluates a value set's compose once and keeps an index for membership checks, until a scope of the catalogs it read
 * changes (registry.tracked: a write to one municipality's catalog leaves the others' evaluations as they are).
 */
export function evaluateValueSet(registry: TerminologyRegistry, vs: ValueSet, options: ComposeOptions = {}): IndexedComposeResult {
  let perRegistry = caches.get(registry);
  if (!perRegistry) {
    perRegistry = new WeakMap();
    caches.set(registry, perRegistry);
  }
  let perVs = perRegistry.get(vs);
  if (!perVs) {
    perVs = new BoundedMap(MAX_OPTION_SETS);
    perRegistry.set(vs, perVs);
  }
  const key = optionsKey(options);
  const kept = registry.kept(perVs.get(key), () => indexed(new ComposeEvaluator(registry, options).evaluate(vs)));
  perVs.set(key, kept);
  return kept.value;
}

/** How many evaluations of the value set are kept (for tests). */
export function keptEvaluations(registry: TerminologyRegistry, vs: ValueSet): number {
  return caches.get(registry)?.get(vs)?.size ?? 0;
}

function indexed(result: ComposeResult): IndexedComposeResult {
  const index = new Map<string, ExpansionEntry>();
  const byCode = new Map<string, ExpansionEntry[]>();
  for (const e of result.entries) {
    const k = entryKey(e.system, e.code);
    if (!index.has(k)) index.set(k, e);
    const list = byCode.get(e.code) ?? [];
    list.push(e);
    byCode.set(e.code, list);
  }
  return { ...result, index, byCode };
}
