import type { Coding, ConceptMap, ValueSet } from 'fhir/r4';
import { catalogLevels, currentCode } from '../terminology/catalog-levels';
import type { CodeSystemProvider } from '../terminology/providers/provider';
import { evaluateValueSet } from '../terminology/expansion/cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { DEFAULT_COVERAGE_VALUESETS } from './coverage';
import { localCodeSystems, localConceptMaps, localTypePropertyCode, ownerOf } from './municipality';
import { localKindOf } from './write-rules';
import { unknownValueSet } from '../errors/common-errors';

/**
 * Which common interventions of a catalog each municipality's local catalog covers, side by side: for every active
 * intervention of the value sets and every municipality, how many of its local interventions (indsats) and offers
 * (tilbud) map to it. Each municipality's newest maps and local catalogs, as $export reads them: a map to a retired
 * or outgoing code (or a legacy key) covers the code in use, as in $translate, $rollup and $export.
 */
export interface MatrixCell {
  indsats: number;
  tilbud: number;
}

export interface MatrixLine {
  concept: Coding;
  valueSet: string;
  niveau1?: Coding;
  lovparagraf?: string;
  /** kommunekode → the local codes mapped to the intervention; municipalities with none are absent. */
  cells: Map<string, MatrixCell>;
}

export interface MatrixMunicipality {
  kommunekode: string;
  /** All local codes of the municipality's catalogs. */
  localCodes: number;
  /** Interventions of the value sets at least one of its local codes maps to. */
  covered: number;
}

export interface CoverageMatrix {
  valueSets: string[];
  municipalities: MatrixMunicipality[];
  lines: MatrixLine[];
}

const NO_MAPPING = new Set(['unmatched', 'disjoint']);

interface Mapping {
  source: string;
  code: string;
  targetSystem: string;
  targetVersion?: string;
  target: string;
}

const mappingCache = new WeakMap<ConceptMap, Mapping[]>();

/** A map's (source, code) → target statements that map (not unmatched or disjoint), read once per map version. */
function mappingsOf(cm: ConceptMap): Mapping[] {
  let list = mappingCache.get(cm);
  if (!list) {
    list = [];
    for (const group of Array.isArray(cm.group) ? cm.group : []) {
      if (!group.source || !group.target) continue;
      for (const el of Array.isArray(group.element) ? group.element : []) {
        if (!el?.code) continue;
        for (const t of Array.isArray(el.target) ? el.target : []) {
          if (!t?.code || (t.equivalence && NO_MAPPING.has(t.equivalence))) continue;
          list.push({ source: group.source, code: el.code, targetSystem: group.target, ...(group.targetVersion ? { targetVersion: group.targetVersion } : {}), target: t.code });
        }
      }
    }
    mappingCache.set(cm, list);
  }
  return list;
}

interface LocalCatalog {
  provider: CodeSystemProvider;
  typeCode?: string;
}

const kindCache = new WeakMap<CodeSystemProvider, Map<string, string>>();

/** A local catalog's codes → their kind ('' when none is stated), read once per catalog version. */
function kindsOf(catalog: LocalCatalog): Map<string, string> {
  let kinds = kindCache.get(catalog.provider);
  if (!kinds) {
    kinds = new Map();
    for (const concept of catalog.provider.all()) kinds.set(concept.code, (catalog.typeCode && localKindOf(concept, catalog.typeCode)) || '');
    kindCache.set(catalog.provider, kinds);
  }
  return kinds;
}

function canonicalOf(vs: ValueSet): string {
  return vs.version ? `${vs.url}|${vs.version}` : vs.url ?? '';
}

/** The matrix over the value sets (default the §119 and §140 catalogs) for the given municipalities (default: all with a local catalog). */
export function coverageMatrix(registry: TerminologyRegistry, valueSetRefs?: string[], kommunekoder?: string[]): CoverageMatrix {
  const valueSets: ValueSet[] = [];
  for (const ref of valueSetRefs && valueSetRefs.length > 0 ? valueSetRefs : DEFAULT_COVERAGE_VALUESETS) {
    const vs = registry.findCanonical('ValueSet', ref);
    if (!vs) throw unknownValueSet(ref, 'valueSet');
    valueSets.push(vs);
  }

  const lines = new Map<string, MatrixLine>();
  for (const vs of valueSets) {
    for (const entry of evaluateValueSet(registry, vs).entries) {
      const key = `${entry.system}\u0000${entry.code}`;
      if (entry.inactive || lines.has(key)) continue;
      const provider = entry.provider ?? registry.codeSystemProvider(entry.system, entry.version);
      const concept = entry.concept ?? provider?.locate(entry.code);
      const levels = provider && concept ? catalogLevels(provider, concept) : undefined;
      lines.set(key, {
        concept: { system: entry.system, code: entry.code, ...(entry.display ? { display: entry.display } : {}) },
        valueSet: canonicalOf(vs),
        ...(levels?.niveau1 ? { niveau1: levels.niveau1 } : {}),
        ...(levels?.lovparagraf ? { lovparagraf: levels.lovparagraf } : {}),
        cells: new Map(),
      });
    }
  }

  const wanted = kommunekoder && kommunekoder.length > 0 ? new Set(kommunekoder) : undefined;
  const localCodes = new Map<string, number>();
  /** kommunekode → local code system url → its provider and type property. */
  const catalogs = new Map<string, Map<string, LocalCatalog>>();
  for (const cs of localCodeSystems(registry)) {
    const owner = ownerOf(cs)!;
    if (wanted && !wanted.has(owner)) continue;
    const provider = registry.provider(cs);
    localCodes.set(owner, (localCodes.get(owner) ?? 0) + provider.size());
    const own = catalogs.get(owner) ?? new Map();
    own.set(cs.url!, { provider, typeCode: localTypePropertyCode(cs) });
    catalogs.set(owner, own);
  }

  // a map target → the code in use (a retired or outgoing code's successor, a legacy key's UUID), as $export states it
  const current = new Map<string, string>();
  const currentOf = (system: string, version: string | undefined, code: string): string => {
    const key = `${system}|${version ?? ''}|${code}`;
    let c = current.get(key);
    if (c === undefined) {
      const provider = registry.codeSystemProvider(system, version) ?? registry.codeSystemProvider(system);
      const concept = provider?.locate(code);
      c = provider && concept ? currentCode(registry, provider, concept).concept.code : code;
      current.set(key, c);
    }
    return c;
  };

  // a local code counts once on an intervention, however many of its targets (in however many maps) end there
  const counted = new Set<string>();
  for (const cm of localConceptMaps(registry)) {
    const owner = ownerOf(cm)!;
    const own = catalogs.get(owner);
    if (!own) continue;
    for (const m of mappingsOf(cm)) {
      const source = own.get(m.source);
      const line = source ? lines.get(`${m.targetSystem}\u0000${currentOf(m.targetSystem, m.targetVersion, m.target)}`) : undefined;
      if (!line) continue;
      // the source is the municipality's own catalog, so the key is unique across municipalities
      const once = `${m.source}\u0000${m.code}\u0000${line.concept.code}`;
      const kind = counted.has(once) ? undefined : kindsOf(source!).get(m.code);
      if (kind === undefined) continue;
      counted.add(once);
      const cell = line.cells.get(owner) ?? { indsats: 0, tilbud: 0 };
      if (kind === 'tilbud') cell.tilbud++;
      else cell.indsats++;
      line.cells.set(owner, cell);
    }
  }

  const all = [...lines.values()];
  return {
    valueSets: valueSets.map(canonicalOf),
    municipalities: [...(wanted ?? new Set([...catalogs.keys(), ...localConceptMaps(registry).map((cm) => ownerOf(cm)!)]))].sort().map((kommunekode) => ({
      kommunekode,
      localCodes: localCodes.get(kommunekode) ?? 0,
      covered: all.filter((l) => l.cells.has(kommunekode)).length,
    })),
    lines: all,
  };
}
