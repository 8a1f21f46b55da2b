import type { CodeSystem, ConceptMap, ConceptMapGroup, ConceptMapGroupElementTarget } from 'fhir/r4';
import { catalogLevels, currentCode, type CatalogLevels } from '../terminology/catalog-levels';
import type { TerminologyRegistry } from '../terminology/registry';
import { localKindOf, localTypePropertyCode, ownerOf, statusPropertyCode } from './municipality';
import { localCodeSystems, localConceptMaps } from './local-catalogs';
import { NO_MAPPING } from '../terminology/equivalence';

/**
 * The whole local → common picture as one table: every local code of every (or one) municipality, each of its map
 * targets (niveau 2, the code in use when the map states a retired or outgoing one) and that target's niveau 1 and
 * paragraph, with titles, kind, status and the map's url|version. Rows are produced one municipality at a time, so
 * that a caller streaming them holds one municipality's map index, not the whole picture.
 */
export const EXPORT_COLUMNS = [
  'kommunekode', 'local_system', 'local_version', 'local_code', 'local_display', 'kind', 'local_status',
  'niveau2_system', 'niveau2_code', 'niveau2_display', 'niveau2_status', 'equivalence', 'mapped_code', 'mapped_status',
  'niveau1_code', 'niveau1_display', 'lovparagraf', 'map_url', 'map_version',
] as const;

export type ExportRow = (string | number | undefined)[];

interface Mapped {
  cm: ConceptMap;
  group: ConceptMapGroup;
  target: ConceptMapGroupElementTarget;
}

/** source system → local code → its map targets, over the given maps. */
function indexMaps(maps: ConceptMap[]): Map<string, Map<string, Mapped[]>> {
  const index = new Map<string, Map<string, Mapped[]>>();
  for (const cm of maps) {
    for (const group of Array.isArray(cm.group) ? cm.group : []) {
      if (!group.source) continue;
      const bySource = index.get(group.source) ?? new Map<string, Mapped[]>();
      index.set(group.source, bySource);
      for (const el of Array.isArray(group.element) ? group.element : []) {
        if (!el?.code) continue;
        const list = bySource.get(el.code) ?? [];
        // a target stating there is no mapping (unmatched, disjoint) is no niveau-2 line: the code is then unmapped, as $rollup and $coverage count it
        for (const target of Array.isArray(el.target) ? el.target : []) if (target?.code && !NO_MAPPING.has(target.equivalence ?? '')) list.push({ cm, group, target });
        bySource.set(el.code, list);
      }
    }
  }
  return index;
}

interface TargetInfo {
  code: string;
  display?: string;
  status: string;
  mappedStatus: string;
  levels?: CatalogLevels;
}

export interface ExportSelection {
  kommunekode?: string;
  /** One map (any version the server has), with its source code systems, instead of each municipality's newest maps. */
  conceptMap?: { map: ConceptMap; sources: CodeSystem[] };
}

/** The municipalities in the selection, in code order. */
function municipalities(registry: TerminologyRegistry, selection: ExportSelection): string[] {
  if (selection.conceptMap) return [ownerOf(selection.conceptMap.map)!];
  if (selection.kommunekode) return [selection.kommunekode];
  const codes = new Set<string>();
  for (const cs of localCodeSystems(registry)) codes.add(ownerOf(cs)!);
  for (const cm of localConceptMaps(registry)) codes.add(ownerOf(cm)!);
  return [...codes].sort();
}

/**
 * The display of a municipality's local codes as $export gives it (local_display): from the newest version of the code
 * system that holds the code (localCodeSystems, whose codes $export lists), not a map's copy (element.display), which
 * may be older or left out. Undefined for a code none of the municipality's code systems has.
 */
export function localDisplays(registry: TerminologyRegistry, kommunekode: string): (system: string | undefined, code: string) => string | undefined {
  const catalogs = new Map(localCodeSystems(registry, kommunekode).map((cs) => [cs.url, cs]));
  return (system, code) => {
    const cs = system === undefined ? undefined : catalogs.get(system);
    return cs && registry.provider(cs).locate(code)?.display;
  };
}

export function* exportRows(registry: TerminologyRegistry, selection: ExportSelection): Generator<ExportRow> {
  const targets = new Map<string, TargetInfo | undefined>();
  const targetInfo = (system: string | undefined, version: string | undefined, code: string): TargetInfo | undefined => {
    const key = `${system}|${version}|${code}`;
    if (targets.has(key)) return targets.get(key);
    const provider = system ? registry.codeSystemProvider(system, version) ?? registry.codeSystemProvider(system) : undefined;
    const concept = provider?.locate(code);
    let info: TargetInfo | undefined;
    if (provider && concept) {
      const current = currentCode(registry, provider, concept);
      info = {
        code: current.concept.code, display: current.concept.display, status: provider.status(current.concept),
        mappedStatus: current.replaced?.status ?? provider.status(concept), levels: catalogLevels(registry, provider, current.concept),
      };
    }
    targets.set(key, info);
    return info;
  };

  for (const kommunekode of municipalities(registry, selection)) {
    const index = indexMaps(selection.conceptMap ? [selection.conceptMap.map] : localConceptMaps(registry, kommunekode));
    for (const cs of selection.conceptMap?.sources ?? localCodeSystems(registry, kommunekode)) {
      const provider = registry.provider(cs);
      const typeCode = localTypePropertyCode(cs);
      const statusCode = statusPropertyCode(cs);
      for (const concept of provider.all()) {
        const local: ExportRow = [
          kommunekode, cs.url, cs.version, concept.code, concept.display, typeCode ? localKindOf(concept, typeCode) : undefined,
          provider.propertyValues(concept, statusCode)[0]?.valueCode ?? provider.status(concept),
        ];
        const mapped = index.get(cs.url!)?.get(concept.code) ?? [];
        if (mapped.length === 0) {
          yield [...local, ...Array<undefined>(EXPORT_COLUMNS.length - local.length).fill(undefined)];
          continue;
        }
        for (const m of mapped) {
          const info = targetInfo(m.group.target, m.group.targetVersion, m.target.code!);
          const replaced = info && info.code !== m.target.code;
          yield [
            ...local,
            m.group.target, info?.code ?? m.target.code, info?.display ?? m.target.display, info?.status,
            m.target.equivalence, replaced ? m.target.code : undefined, replaced ? info.mappedStatus : undefined,
            info?.levels?.niveau1?.code, info?.levels?.niveau1?.display, info?.levels?.lovparagraf, m.cm.url, m.cm.version,
          ];
        }
      }
    }
  }
}
