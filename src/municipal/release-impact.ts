import type { CodeSystem, Coding, ConceptMap } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { compareVersions, parseCanonical } from '../terminology/canonical';
import type { TerminologyRegistry } from '../terminology/registry';
import { diffCodeSystems, type CodeChange } from '../terminology/version-diff';
import { localDisplays } from './export';
import { ownerOf } from './municipality';
import { localConceptMaps } from './local-catalogs';
import { excerpt } from '../errors/excerpt';
import { NO_MAPPING } from '../terminology/equivalence';

/**
 * The impact report of a new release of a common code system (e.g. FSIII): which local codes of which municipality map
 * to a code the release retires, removes or moves, with the code to use instead. Each map is compared from `compareTo`
 * when it is given, else from the version it states (group.targetVersion), else from the version before the release.
 */
export interface ImpactRow {
  kommunekode: string;
  source: Coding;
  /** The target the map states. */
  target: Coding;
  change: 'retired' | 'removed' | 'moved';
  status?: string;
  /** The codes to use instead (retired, removed). */
  replacedBy: Coding[];
  /** Moved: the parents in the release and before. */
  parents?: string[];
  previousParents?: string[];
  originMap: string;
  /** The version the map was compared from. */
  fromVersion: string;
}

export interface ReleaseImpact {
  release: string;
  /** The versions compared from (url|version), one per version the maps state. */
  comparedFrom: string[];
  maps: number;
  rows: ImpactRow[];
}

const IMPACTING = new Set<CodeChange['type']>(['retired', 'removed', 'moved']);

function canonicalOf(r: { url?: string; version?: string }): string {
  return r.version ? `${r.url}|${r.version}` : r.url ?? '';
}

/** The release named as url|version; 404 when the server does not have that version. */
export function releaseCodeSystem(registry: TerminologyRegistry, ref: string): CodeSystem {
  const { url, version } = parseCanonical(ref);
  if (!version) {
    throw FhirError.invalid(`release must name a version of the code system (url|version), not '${excerpt(ref)}'`, {
      expression: ['release'], da: `release skal angive en version af kodesystemet (url|version), ikke '${excerpt(ref)}'`,
    });
  }
  const cs = registry.find('CodeSystem', url, version);
  if (!cs || cs.content === 'supplement') {
    throw FhirError.notFound(`The code system release '${excerpt(ref)}' is not known`, { expression: ['release'], da: `Kodesystemudgaven '${excerpt(ref)}' kendes ikke` });
  }
  return cs;
}

export function releaseImpact(registry: TerminologyRegistry, release: CodeSystem, options: { compareTo?: string; kommunekode?: string } = {}): ReleaseImpact {
  const url = release.url!;
  const versions = registry.versions('CodeSystem', url, true).filter((c) => c.content !== 'supplement')
    .sort((a, b) => compareVersions(a.version, b.version));
  const previous = versions.filter((c) => compareVersions(c.version, release.version) < 0).pop();
  const explicit = options.compareTo !== undefined ? registry.find('CodeSystem', url, options.compareTo) : undefined;
  if (options.compareTo !== undefined && !explicit) {
    throw FhirError.notFound(`Code system '${excerpt(url)}' has no version '${excerpt(options.compareTo)}'`, {
      expression: ['compareTo'], da: `Kodesystemet '${excerpt(url)}' har ingen version '${excerpt(options.compareTo)}'`,
    });
  }
  // compared with itself a release changes nothing: an empty report would read as "no impact"
  if (explicit && explicit.version === release.version) {
    throw FhirError.invalid(`compareTo '${excerpt(options.compareTo!)}' is the release itself; give the version to compare the release with`, {
      expression: ['compareTo'], da: `compareTo '${excerpt(options.compareTo!)}' er selve udgaven; angiv den version, udgaven skal sammenlignes med`,
    });
  }
  // a release's impact is on maps made for an earlier version: from a later one, what it "removes" is what came after it
  if (explicit && compareVersions(explicit.version, release.version) > 0) {
    throw FhirError.invalid(`compareTo '${excerpt(options.compareTo!)}' is later than the release ${excerpt(release.version ?? '')}; give an earlier version`, {
      expression: ['compareTo'], da: `compareTo '${excerpt(options.compareTo!)}' er senere end udgaven ${excerpt(release.version ?? '')}; angiv en tidligere version`,
    });
  }
  const newProvider = registry.provider(release);
  const changesFrom = new Map<string, Map<string, CodeChange[]>>();
  const changesOf = (from: CodeSystem): Map<string, CodeChange[]> => {
    const key = from.version ?? '';
    let index = changesFrom.get(key);
    if (!index) {
      index = new Map();
      for (const c of diffCodeSystems(registry.provider(from), newProvider)) {
        if (!IMPACTING.has(c.type)) continue;
        index.set(c.code, [...(index.get(c.code) ?? []), c]);
      }
      changesFrom.set(key, index);
    }
    return index;
  };

  // a local code's display as $export gives it; the map's copy only for a code the municipality's catalogs no longer have
  const displaysOf = new Map<string, ReturnType<typeof localDisplays>>();
  const localDisplay = (kommunekode: string, system: string | undefined, code: string, copy: string | undefined): string | undefined => {
    let displays = displaysOf.get(kommunekode);
    if (!displays) displaysOf.set(kommunekode, displays = localDisplays(registry, kommunekode));
    return displays(system, code) ?? copy;
  };

  const maps: ConceptMap[] = localConceptMaps(registry, options.kommunekode);
  const rows: ImpactRow[] = [];
  const comparedFrom = new Set<string>();
  let counted = 0;
  for (const cm of maps) {
    const kommunekode = ownerOf(cm)!;
    let touches = false;
    for (const group of Array.isArray(cm.group) ? cm.group : []) {
      if (group?.target !== url) continue;
      const stated = group.targetVersion ? registry.find('CodeSystem', url, group.targetVersion) : undefined;
      const from = explicit ?? stated ?? previous;
      touches = true;
      // a map made for the release or a later version is not impacted by it
      if (!from || compareVersions(from.version, release.version) >= 0) continue;
      comparedFrom.add(canonicalOf(from));
      const index = changesOf(from);
      for (const el of Array.isArray(group.element) ? group.element : []) {
        if (!el?.code) continue;
        for (const t of Array.isArray(el.target) ? el.target : []) {
          if (!t?.code || (t.equivalence && NO_MAPPING.has(t.equivalence))) continue;
          for (const change of index.get(t.code) ?? []) {
            const display = localDisplay(kommunekode, group.source, el.code, el.display);
            rows.push({
              kommunekode,
              source: { system: group.source, code: el.code, ...(display ? { display } : {}) },
              target: { system: url, code: t.code, ...(change.display ? { display: change.display } : {}) },
              change: change.type as ImpactRow['change'],
              ...(change.status ? { status: change.status } : {}),
              replacedBy: change.replacedBy ?? [],
              ...(change.type === 'moved' ? { parents: change.parents, previousParents: change.previousParents } : {}),
              originMap: canonicalOf(cm),
              fromVersion: from.version ?? '',
            });
          }
        }
      }
    }
    if (touches) counted++;
  }
  rows.sort((a, b) => a.kommunekode.localeCompare(b.kommunekode) || (a.source.code ?? '').localeCompare(b.source.code ?? '') ||
    (a.target.code ?? '').localeCompare(b.target.code ?? '') || a.change.localeCompare(b.change));
  return { release: canonicalOf(release), comparedFrom: [...comparedFrom].sort(), maps: counted, rows };
}
