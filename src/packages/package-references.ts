import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import type { Bilingual } from '../errors/issue';
import type { TerminologyResource } from '../terminology/resource-set';
import { versionMatches } from '../terminology/versions';

/** Whether a code system or value set (url, optionally a version) is served: in the package, or loaded already. */
export interface ReferenceResolver {
  has(type: 'CodeSystem' | 'ValueSet', url: string, version?: string): boolean;
}

interface Reference {
  type: 'CodeSystem' | 'ValueSet';
  url: string;
  version?: string;
  /** Where the resource names it, as a FHIRPath-like path. */
  element: string;
}

/** `url|version` (a canonical with its version) split; `version` wins over a `|` in the canonical. */
function canonical(value: string, version?: string): { url: string; version?: string } {
  const bar = value.indexOf('|');
  if (bar < 0) return version ? { url: value, version } : { url: value };
  return { url: value.slice(0, bar), version: version ?? (value.slice(bar + 1) || undefined) };
}

function referencesOf(r: TerminologyResource): Reference[] {
  const out: Reference[] = [];
  const add = (type: Reference['type'], element: string, value: unknown, version?: string) => {
    if (typeof value !== 'string' || value === '') return;
    out.push({ type, element, ...canonical(value, version) });
  };
  if (r.resourceType === 'CodeSystem') {
    add('CodeSystem', 'CodeSystem.supplements', (r as CodeSystem).supplements);
  } else if (r.resourceType === 'ValueSet') {
    const compose = (r as ValueSet).compose;
    for (const part of ['include', 'exclude'] as const) {
      (compose?.[part] ?? []).forEach((c, i) => {
        add('CodeSystem', `ValueSet.compose.${part}[${i}].system`, c.system, c.version);
        (c.valueSet ?? []).forEach((vs, j) => add('ValueSet', `ValueSet.compose.${part}[${i}].valueSet[${j}]`, vs));
      });
    }
  } else {
    ((r as ConceptMap).group ?? []).forEach((g, i) => {
      add('CodeSystem', `ConceptMap.group[${i}].source`, g.source, g.sourceVersion);
      add('CodeSystem', `ConceptMap.group[${i}].target`, g.target, g.targetVersion);
    });
  }
  return out;
}

/** A resolver over a list of resources (the package's own). */
export function resourcesResolver(resources: readonly TerminologyResource[]): ReferenceResolver {
  const byUrl = new Map<string, (string | undefined)[]>();
  for (const r of resources) {
    if (r.resourceType !== 'CodeSystem' && r.resourceType !== 'ValueSet') continue;
    const key = `${r.resourceType} ${r.url}`;
    byUrl.set(key, [...(byUrl.get(key) ?? []), r.version]);
  }
  return {
    has: (type, url, version) => {
      const versions = byUrl.get(`${type} ${url}`);
      return versions !== undefined && (version === undefined || versions.some((v) => versionMatches(version, v)));
    },
  };
}

const NOUN: Record<Reference['type'], Bilingual> = {
  CodeSystem: { en: 'the code system', da: 'kodesystemet' },
  ValueSet: { en: 'the value set', da: 'værdisættet' },
};

/** Each use, by one of the resources, of a code system or value set that neither they nor `served` hold. */
function* unresolvedUses(resources: readonly TerminologyResource[], served: ReferenceResolver): Generator<{ resource: TerminologyResource; ref: Reference }> {
  const own = resourcesResolver(resources);
  for (const resource of resources) {
    for (const ref of referencesOf(resource)) {
      if (!own.has(ref.type, ref.url, ref.version) && !served.has(ref.type, ref.url, ref.version)) yield { resource, ref };
    }
  }
}

/**
 * The code systems and value sets the package's resources use (a ValueSet's compose systems and value sets, a
 * ConceptMap's group source and target, a supplement's code system) that are neither in the package nor served
 * (its dependencies, the catalogs, what is written): each one a reason to refuse the package, naming the resource
 * and the canonical (after `source: `, when given). `served` answers for everything outside the package.
 */
export function unresolvedReferences(resources: readonly TerminologyResource[], served: ReferenceResolver, source: string, why: (label: string) => Bilingual = NOT_LOADED): Bilingual[] {
  const prefix = source ? `${source}: ` : '';
  const problems: Bilingual[] = [];
  for (const { resource: r, ref } of unresolvedUses(resources, served)) {
    const label = `${r.resourceType} ${r.url}${r.version ? `|${r.version}` : ''}`;
    const target = `${ref.url}${ref.version ? `|${ref.version}` : ''}`;
    const said = why(label);
    problems.push({
      en: `${prefix}${label} (${ref.element}) uses ${NOUN[ref.type].en} ${target}, ${said.en}`,
      da: `${prefix}${label} (${ref.element}) bruger ${NOUN[ref.type].da} ${target}, ${said.da}`,
    });
  }
  return problems;
}

/** What unresolvedReferences says of a target at a load: not served. */
const NOT_LOADED = (): Bilingual => ({
  en: 'which is neither in the package, in its dependencies nor loaded; load it first or add it to the package',
  da: 'som hverken er i pakken, i dens afhængigheder eller indlæst; indlæs det først, eller læg det i pakken',
});

/** A code system or value set (url, and the version asked for, if any) that resources use and nothing serves. */
export interface UnresolvedTarget {
  type: 'CodeSystem' | 'ValueSet';
  url: string;
  version?: string;
  /** How many of the resources use it. */
  resources: number;
}

/** What unresolvedReferences names, once per code system or value set, with how many resources use it; by type, url and version. */
export function unresolvedTargets(resources: readonly TerminologyResource[], served: ReferenceResolver): UnresolvedTarget[] {
  const targets = new Map<string, { target: Omit<UnresolvedTarget, 'resources'>; users: Set<TerminologyResource> }>();
  for (const { resource, ref } of unresolvedUses(resources, served)) {
    const key = `${ref.type} ${ref.url}|${ref.version ?? ''}`;
    let known = targets.get(key);
    if (!known) {
      known = { target: { type: ref.type, url: ref.url, ...(ref.version ? { version: ref.version } : {}) }, users: new Set() };
      targets.set(key, known);
    }
    known.users.add(resource);
  }
  return [...targets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, { target, users }]) => ({ ...target, resources: users.size }));
}
