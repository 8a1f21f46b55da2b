import type { Coding, ConceptMap, ValueSet } from 'fhir/r4';
import { evaluateValueSet } from '../terminology/expansion/cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { findLegacyReplacement, replacementsOf } from '../terminology/replacements';
import { forEachCovering } from './covered-codes';
import { localDisplays } from './export';
import { localKindOf, localTypePropertyCode } from './municipality';
import { localCodeSystems, localConceptMaps } from './local-catalogs';
import { unknownValueSet } from '../errors/common-errors';
import { NO_MAPPING } from '../terminology/equivalence';

/** The common (niveau 2) interventions a municipality's maps are checked against unless the request names others. */
export const DEFAULT_COVERAGE_VALUESETS = [
  'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119',
  'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-140',
];

export interface MappedTarget {
  source: Coding;
  target: Coding;
  originMap: string;
}

export interface CoverageReport {
  kommunekode: string;
  codeSystems: string[];
  maps: string[];
  valueSets: string[];
  localCodes: number;
  /** Local codes no map of the municipality maps to a target. */
  unmapped: (Coding & { kind?: string })[];
  /** Map targets that are retired, inactive or deprecated, with their replacements when known. */
  retiredTargets: (MappedTarget & { status: string; replacedBy: Coding[] })[];
  /** Map targets that are legacy keys (FSIII's second tree), with the code to use. */
  legacyTargets: (MappedTarget & { replacedBy: Coding })[];
  commonInterventions: number;
  /**
   * Active common interventions of the value sets that no local code maps to, as $coverage-matrix counts (a code
   * mapped to a retired or outgoing target, or a legacy key, covers the code in use).
   */
  uncovered: (Coding & { valueSet: string })[];
}

function canonicalOf(r: { url?: string; version?: string }): string {
  return r.version ? `${r.url}|${r.version}` : r.url ?? '';
}

/** The mapping coverage of one municipality: what is unmapped, what maps to outdated codes, what is not covered. */
export function coverageReport(registry: TerminologyRegistry, kommunekode: string, valueSetRefs?: string[]): CoverageReport {
  const codeSystems = localCodeSystems(registry, kommunekode);
  const maps: ConceptMap[] = localConceptMaps(registry, kommunekode);
  const valueSets: ValueSet[] = [];
  for (const ref of valueSetRefs ?? DEFAULT_COVERAGE_VALUESETS) {
    const vs = registry.findCanonical('ValueSet', ref);
    if (vs) valueSets.push(vs);
    else if (valueSetRefs) throw unknownValueSet(ref, 'valueSet');
  }

  const mappedSources = new Set<string>();
  const report: CoverageReport = {
    kommunekode,
    codeSystems: codeSystems.map(canonicalOf),
    maps: maps.map(canonicalOf),
    valueSets: valueSets.map(canonicalOf),
    localCodes: 0,
    unmapped: [],
    retiredTargets: [],
    legacyTargets: [],
    commonInterventions: 0,
    uncovered: [],
  };

  // a local code's title as its catalog has it, as $export and the release impact report give it
  const localDisplay = localDisplays(registry, kommunekode);
  for (const cm of maps) {
    for (const group of cm.group ?? []) {
      const provider = group.target ? registry.codeSystemProvider(group.target, group.targetVersion) : undefined;
      for (const el of group.element ?? []) {
        if (!el.code) continue;
        const sourceDisplay = localDisplay(group.source, el.code) ?? el.display;
        for (const t of el.target ?? []) {
          if (!t.code || (t.equivalence && NO_MAPPING.has(t.equivalence))) continue;
          mappedSources.add(`${group.source}\u0000${el.code}`);
          const source: Coding = { system: group.source, code: el.code, ...(sourceDisplay ? { display: sourceDisplay } : {}) };
          const target: Coding = { system: group.target, code: t.code, ...(t.display ? { display: t.display } : {}) };
          const legacy = group.target ? findLegacyReplacement(registry, group.target, t.code) : undefined;
          if (legacy) {
            report.legacyTargets.push({ source, target, originMap: canonicalOf(cm), replacedBy: { system: group.target, code: legacy.code, display: legacy.display } });
          }
          const concept = provider?.locate(t.code);
          if (provider && concept) {
            const status = provider.status(concept);
            if (status === 'retired' || status === 'inactive' || status === 'deprecated') {
              const replacedBy = replacementsOf(provider, concept).map((r) => ({ system: group.target, code: r.code, ...(r.display ? { display: r.display } : {}) }));
              report.retiredTargets.push({ source, target, originMap: canonicalOf(cm), status, replacedBy });
            }
          }
        }
      }
    }
  }

  for (const cs of codeSystems) {
    const provider = registry.provider(cs);
    const typeCode = localTypePropertyCode(cs);
    for (const concept of provider.all()) {
      report.localCodes++;
      if (mappedSources.has(`${cs.url}\u0000${concept.code}`)) continue;
      const kind = typeCode ? localKindOf(concept, typeCode) : undefined;
      report.unmapped.push({ system: cs.url, code: concept.code, ...(concept.display ? { display: concept.display } : {}), ...(kind ? { kind } : {}) });
    }
  }

  // what the municipality's local codes cover: by the rule of $coverage-matrix (a retired, outgoing or legacy-key
  // target covers the code in use), so the two never disagree
  const targeted = new Set<string>();
  forEachCovering(registry, [kommunekode], (_owner, _system, _code, _kind, targetSystem, targetCode) => {
    targeted.add(`${targetSystem}\u0000${targetCode}`);
  });
  const counted = new Set<string>();
  for (const vs of valueSets) {
    for (const entry of evaluateValueSet(registry, vs).entries) {
      const key = `${entry.system}\u0000${entry.code}`;
      if (entry.inactive || counted.has(key)) continue;
      counted.add(key);
      if (!targeted.has(key)) {
        report.uncovered.push({ system: entry.system, code: entry.code, ...(entry.display ? { display: entry.display } : {}), valueSet: canonicalOf(vs) });
      }
    }
  }
  report.commonInterventions = counted.size;
  return report;
}
