import type { Coding, ValueSet } from 'fhir/r4';
import { catalogLevels } from '../terminology/catalog-levels';
import { evaluateValueSet } from '../terminology/expansion/cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { DEFAULT_COVERAGE_VALUESETS } from './coverage';
import { forEachCovering } from './covered-codes';
import { ownerOf } from './municipality';
import { localCodeSystems, localConceptMaps } from './local-catalogs';
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
      const levels = provider && concept ? catalogLevels(registry, provider, concept) : undefined;
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
  for (const cs of localCodeSystems(registry)) {
    const owner = ownerOf(cs)!;
    if (wanted && !wanted.has(owner)) continue;
    localCodes.set(owner, (localCodes.get(owner) ?? 0) + registry.provider(cs).size());
  }

  // a local code counts once on an intervention, however many of its targets (in however many maps) end there
  const counted = new Set<string>();
  forEachCovering(registry, wanted ? [...wanted] : undefined, (owner, localSystem, localCode, kind, targetSystem, targetCode) => {
    const line = lines.get(`${targetSystem}\u0000${targetCode}`);
    if (!line) return;
    const once = `${localSystem}\u0000${localCode}\u0000${line.concept.code}`;
    if (counted.has(once)) return;
    counted.add(once);
    const cell = line.cells.get(owner) ?? { indsats: 0, tilbud: 0 };
    if (kind === 'tilbud') cell.tilbud++;
    else cell.indsats++;
    line.cells.set(owner, cell);
  });

  const all = [...lines.values()];
  return {
    valueSets: valueSets.map(canonicalOf),
    municipalities: [...(wanted ?? new Set([...localCodes.keys(), ...localConceptMaps(registry).map((cm) => ownerOf(cm)!)]))].sort().map((kommunekode) => ({
      kommunekode,
      localCodes: localCodes.get(kommunekode) ?? 0,
      covered: all.filter((l) => l.cells.has(kommunekode)).length,
    })),
    lines: all,
  };
}
