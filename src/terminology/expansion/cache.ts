import type { ValueSet } from 'fhir/r4';
import { ComposeEvaluator, entryKey, type ComposeOptions, type ComposeResult, type ExpansionEntry } from '../compose/evaluator';
import type { TerminologyRegistry } from '../registry';
import type { Tracked } from '../read-tracking';
import { BoundedMap } from '../bounded-map';

export interface IndexedComposeResult extends ComposeResult {
  /** The first entry of each system and code (entryKey). */
  readonly index: ReadonlyMap<string, ExpansionEntry>;
  /** The codes, without their systems. */
  readonly codes: ReadonlySet<string>;
}

/**
 * Evaluations per registry, per value set and per options (version rules, supplements, date: none for most requests; at
 * most MAX_OPTION_SETS per value set, as the options come from requests and each evaluation may be large).
 */
const caches = new WeakMap<TerminologyRegistry, WeakMap<ValueSet, BoundedMap<string, Tracked<IndexedComposeResult>>>>();
export const MAX_OPTION_SETS = 16;

/** The key of options that set nothing (most requests'): what optionsKey gives them, without building it. */
const NO_OPTIONS = ';;;;;;';

function optionsKey(options: ComposeOptions): string {
  if (
    !options.systemVersions?.size && !options.forceSystemVersions?.size && !options.checkSystemVersions?.size &&
    !options.defaultValueSetVersions?.size && !options.supplements?.length && options.maxEntries === undefined &&
    options.date === undefined
  ) return NO_OPTIONS;
  const m = (x?: Map<string, string>) => (x ? [...x].sort().join(',') : '');
  return [
    m(options.systemVersions), m(options.forceSystemVersions), m(options.checkSystemVersions), m(options.defaultValueSetVersions),
    (options.supplements ?? []).join(','), options.maxEntries ?? '', options.date?.date ?? '',
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
  const kept = registry.kept(perVs.get(key), () => new IndexedEvaluation(new ComposeEvaluator(registry, options).evaluate(vs)));
  perVs.set(key, kept);
  return kept.value;
}

/** How many evaluations of the value set are kept (for tests). */
export function keptEvaluations(registry: TerminologyRegistry, vs: ValueSet): number {
  return caches.get(registry)?.get(vs)?.size ?? 0;
}

// the evaluation's own fields, copied from the ComposeResult in the constructor
interface IndexedEvaluation extends ComposeResult {}

/**
 * An evaluation with its indexes made on first use: a membership check needs them, an expansion does not, and the 98
 * municipalities' pickers kept for their expansions would otherwise hold a key string and a map entry per code (~75
 * MB of heap with the pickers warm, bench/README.md "The versioned dataset").
 */
class IndexedEvaluation implements IndexedComposeResult {
  private indexMade?: Map<string, ExpansionEntry>;
  private codesMade?: Set<string>;

  constructor(result: ComposeResult) {
    Object.assign(this, result);
  }

  get index(): ReadonlyMap<string, ExpansionEntry> {
    if (!this.indexMade) {
      this.indexMade = new Map();
      for (const e of this.entries) {
        const k = entryKey(e.system, e.code);
        if (!this.indexMade.has(k)) this.indexMade.set(k, e);
      }
    }
    return this.indexMade;
  }

  get codes(): ReadonlySet<string> {
    return (this.codesMade ??= new Set(this.entries.map((e) => e.code)));
  }
}
