import type { CodeSystem, Coding } from 'fhir/r4';
import { compareVersions } from './canonical';
import type { CodeSystemProvider, Concept } from './providers/provider';
import { findLegacyReplacement, replacementsOf } from './replacements';
import type { TerminologyRegistry } from './registry';
import type { Tracked } from './read-tracking';

/**
 * The catalog levels of a common code (bilag 6): niveau 1 is the grouping concept of the law paragraph the
 * intervention is delivered under (FSIII `102ea764-…` §119, `7deb81de-…` §140), niveau 2 the common intervention.
 * The catalog supplement states `niveau`, `lovparagraf` and `niveau1` for the catalogs' interventions; a code it does
 * not describe (the retired Tobaksafvænning, which the catalog text has moved to its successor) takes them from the
 * hierarchy: the nearest ancestor that is some intervention's `niveau1`, and that grouping's paragraph. A code under
 * no such grouping has the root of its hierarchy as niveau 1 and no paragraph (the care and nursing interventions).
 * A release the supplement does not describe (it supplements FSIII 20240530 only) takes the groupings and their
 * paragraphs from the nearest version of the code system that states them: the grouping concepts keep their codes.
 */
export interface CatalogLevels {
  niveau1?: Coding;
  /** 2 for a common intervention directly under its niveau 1; deeper codes count on from there. */
  niveau?: number;
  lovparagraf?: string;
  /** Whether niveau1/lovparagraf/niveau came from the catalog (stated, or from a stated grouping) rather than the bare hierarchy. */
  fromCatalog: boolean;
}

type Groupings = Map<string, string | undefined>;

const groupingIndexes = new WeakMap<CodeSystemProvider, Groupings>();

/** niveau-1 code → its paragraph, from the niveau1/lovparagraf properties of the code system (and its supplements). */
function statedGroupings(provider: CodeSystemProvider): Groupings {
  let index = groupingIndexes.get(provider);
  if (!index) {
    index = new Map();
    const stated = provider.propertyDefinitions.some((d) => d.code === 'niveau1');
    for (const c of stated ? provider.all() : []) {
      const n1 = provider.propertyValues(c, 'niveau1')[0]?.valueCode;
      if (!n1) continue;
      const paragraph = provider.propertyValues(c, 'lovparagraf')[0]?.valueString;
      if (!index.has(n1) || (index.get(n1) === undefined && paragraph)) index.set(n1, paragraph);
    }
    groupingIndexes.set(provider, index);
  }
  return index;
}

/** Per registry and code system: the groupings another version states, kept while the versions read are current. */
const borrowedIndexes = new WeakMap<TerminologyRegistry, WeakMap<CodeSystemProvider, Tracked<Groupings>>>();

/**
 * The groupings of a code system version: its own, else those of the nearest version that states them (the newest
 * older one, else the oldest newer one).
 */
export function catalogGroupings(registry: TerminologyRegistry, provider: CodeSystemProvider): ReadonlyMap<string, string | undefined> {
  const own = statedGroupings(provider);
  if (own.size > 0) return own;
  let perRegistry = borrowedIndexes.get(registry);
  if (!perRegistry) borrowedIndexes.set(registry, perRegistry = new WeakMap());
  const kept = registry.kept(perRegistry.get(provider), () => {
    const others = registry.versions('CodeSystem', provider.url)
      .filter((cs) => cs.content !== 'supplement' && cs.version !== undefined && cs.version !== provider.version)
      .sort((a, b) => compareVersions(a.version, b.version));
    const older = others.filter((cs) => compareVersions(cs.version, provider.version) < 0).reverse();
    const newer = others.filter((cs) => compareVersions(cs.version, provider.version) > 0);
    const defines = (r: CodeSystem): boolean => r.property?.some((d) => d.code === 'niveau1') === true;
    for (const cs of [...older, ...newer]) {
      // no provider is built for a version that could not state them (most code systems have no groupings at all)
      if (!defines(cs) && !registry.supplementsFor(cs).some(defines)) continue;
      const other = registry.codeSystemProvider(provider.url, cs.version);
      const index = other ? statedGroupings(other) : undefined;
      if (index && index.size > 0) return index;
    }
    return own;
  });
  perRegistry.set(provider, kept);
  return kept.value;
}

function codingOf(provider: CodeSystemProvider, concept: Concept): Coding {
  return { system: provider.url, code: concept.code, ...(concept.display ? { display: concept.display } : {}) };
}

/** The chain from the concept up to its root (first parent at each step), the concept first. */
export function ancestry(concept: Concept): Concept[] {
  const chain: Concept[] = [concept];
  let c = concept;
  while (c.parents.length > 0 && chain.length < 64) {
    c = c.parents[0]!;
    chain.push(c);
  }
  return chain;
}

export function catalogLevels(registry: TerminologyRegistry, provider: CodeSystemProvider, concept: Concept): CatalogLevels {
  const stated = provider.propertyValues(concept, 'niveau1')[0]?.valueCode;
  const index = catalogGroupings(registry, provider);
  if (stated) {
    const n1 = provider.locate(stated);
    const niveau = provider.propertyValues(concept, 'niveau')[0]?.valueInteger;
    return {
      niveau1: n1 ? codingOf(provider, n1) : { system: provider.url, code: stated },
      niveau: niveau ?? 2,
      lovparagraf: provider.propertyValues(concept, 'lovparagraf')[0]?.valueString ?? index.get(stated),
      fromCatalog: true,
    };
  }
  const chain = ancestry(concept);
  if (index.has(concept.code)) return { niveau1: codingOf(provider, concept), niveau: 1, lovparagraf: index.get(concept.code), fromCatalog: true };
  const at = chain.findIndex((c) => index.has(c.code));
  if (at > 0) return { niveau1: codingOf(provider, chain[at]!), niveau: at + 1, lovparagraf: index.get(chain[at]!.code), fromCatalog: true };
  if (chain.length === 1) return { niveau: 1, niveau1: codingOf(provider, concept), fromCatalog: false };
  return { niveau1: codingOf(provider, chain[chain.length - 1]!), niveau: chain.length, fromCatalog: false };
}

/** The ancestor of a concept at a depth of its hierarchy (0 = the root); the concept itself when it is not that deep. */
export function ancestorAtDepth(concept: Concept, depth: number): Concept {
  const chain = ancestry(concept).reverse();
  return chain[Math.min(depth, chain.length - 1)]!;
}

export interface CurrentCode {
  concept: Concept;
  /** The outdated code followed to `concept` (retired, deprecated or inactive with replacedBy, or a legacy key), if any. */
  replaced?: { code: string; display?: string; status: string };
}

/**
 * The code to count and report for a common code: itself, or — when it is retired, outgoing or a legacy key and its
 * code system names its successor — the successor (followed at most a few steps, never in a circle).
 */
export function currentCode(registry: TerminologyRegistry, provider: CodeSystemProvider, concept: Concept): CurrentCode {
  let current = concept;
  let replaced: CurrentCode['replaced'];
  const seen = new Set<string>([concept.code]);
  for (let step = 0; step < 8; step++) {
    const legacy = findLegacyReplacement(registry, provider.url, current.code);
    const status = provider.status(current);
    const outdated = status === 'retired' || status === 'deprecated' || status === 'inactive';
    const next = legacy?.code ?? (outdated ? replacementsOf(provider, current)[0]?.code : undefined);
    const nextConcept = next !== undefined && !seen.has(next) ? provider.locate(next) : undefined;
    if (!nextConcept) break;
    replaced ??= { code: concept.code, ...(concept.display ? { display: concept.display } : {}), status: legacy ? 'legacy-key' : status };
    seen.add(nextConcept.code);
    current = nextConcept;
  }
  return { concept: current, ...(replaced ? { replaced } : {}) };
}

type PredecessorIndex = Map<string, CurrentCode['replaced'][]>;

/** Per registry and code system: successor code → the outdated codes it replaces, kept while what it read is current. */
const predecessorIndexes = new WeakMap<TerminologyRegistry, WeakMap<CodeSystemProvider, Tracked<PredecessorIndex>>>();

/**
 * The outdated codes whose successor (as currentCode follows it) is `code`: what a map may still state for it.
 * Built once per code system (while the legacy-key maps stay the same) for code systems that name successors.
 */
export function predecessorsOf(registry: TerminologyRegistry, provider: CodeSystemProvider, code: string): NonNullable<CurrentCode['replaced']>[] {
  if (!provider.propertyDefinitions.some((d) => d.code === 'replacedBy')) return [];
  let perRegistry = predecessorIndexes.get(registry);
  if (!perRegistry) predecessorIndexes.set(registry, perRegistry = new WeakMap());
  const kept = registry.kept(perRegistry.get(provider), () => {
    const index: PredecessorIndex = new Map();
    for (const concept of provider.all()) {
      const current = currentCode(registry, provider, concept);
      if (current.replaced) index.set(current.concept.code, [...(index.get(current.concept.code) ?? []), current.replaced]);
    }
    return index;
  });
  perRegistry.set(provider, kept);
  return (kept.value.get(code) ?? []) as NonNullable<CurrentCode['replaced']>[];
}
