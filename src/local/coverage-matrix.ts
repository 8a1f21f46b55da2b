import type { Coding, ValueSet } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { catalogLevels } from '../terminology/catalog-levels';
import { evaluateValueSet } from '../terminology/expansion-cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { DEFAULT_COVERAGE_VALUESETS } from './coverage';
import { EXPORT_COLUMNS, exportRows, type ExportRow } from './export';

/**
 * Which common interventions of a catalog each municipality's local catalog covers, side by side: for every active
 * intervention of the value sets and every municipality, how many of its local interventions (indsats) and offers
 * (tilbud) map to it. Read from the export's lines, so a map to a retired or outgoing code covers the code in use,
 * as in $translate, $rollup and $export.
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
const col = (name: (typeof EXPORT_COLUMNS)[number]) => EXPORT_COLUMNS.indexOf(name);
const KOMMUNEKODE = col('kommunekode');
const LOCAL_SYSTEM = col('local_system');
const LOCAL_CODE = col('local_code');
const KIND = col('kind');
const TARGET_SYSTEM = col('niveau2_system');
const TARGET_CODE = col('niveau2_code');
const EQUIVALENCE = col('equivalence');

function canonicalOf(vs: ValueSet): string {
  return vs.version ? `${vs.url}|${vs.version}` : vs.url ?? '';
}

/** The matrix over the value sets (default the §119 and §140 catalogs) for the given municipalities (default: all with a local catalog). */
export function coverageMatrix(registry: TerminologyRegistry, valueSetRefs?: string[], kommunekoder?: string[]): CoverageMatrix {
  const valueSets: ValueSet[] = [];
  for (const ref of valueSetRefs && valueSetRefs.length > 0 ? valueSetRefs : DEFAULT_COVERAGE_VALUESETS) {
    const vs = registry.findCanonical('ValueSet', ref);
    if (!vs) throw FhirError.notFound(`The value set '${ref}' is not known`, { expression: ['valueSet'] });
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

  const rows: Iterable<ExportRow>[] = kommunekoder && kommunekoder.length > 0
    ? [...new Set(kommunekoder)].sort().map((kommunekode) => exportRows(registry, { kommunekode }))
    : [exportRows(registry, {})];
  const localCodes = new Map<string, Set<string>>();
  // a local code counts once on an intervention, however many of its targets end there
  const seen = new Set<string>();
  for (const list of rows) {
    for (const row of list) {
      const kommunekode = String(row[KOMMUNEKODE]);
      const local = `${row[LOCAL_SYSTEM]}\u0000${row[LOCAL_CODE]}`;
      const codes = localCodes.get(kommunekode) ?? new Set<string>();
      codes.add(local);
      localCodes.set(kommunekode, codes);
      if (row[TARGET_CODE] === undefined || NO_MAPPING.has(String(row[EQUIVALENCE]))) continue;
      const line = lines.get(`${row[TARGET_SYSTEM]}\u0000${row[TARGET_CODE]}`);
      const once = `${kommunekode}\u0000${local}\u0000${row[TARGET_SYSTEM]}\u0000${row[TARGET_CODE]}`;
      if (!line || seen.has(once)) continue;
      seen.add(once);
      const cell = line.cells.get(kommunekode) ?? { indsats: 0, tilbud: 0 };
      if (row[KIND] === 'tilbud') cell.tilbud++;
      else cell.indsats++;
      line.cells.set(kommunekode, cell);
    }
  }

  const all = [...lines.values()];
  return {
    valueSets: valueSets.map(canonicalOf),
    municipalities: [...(kommunekoder && kommunekoder.length > 0 ? new Set(kommunekoder) : localCodes.keys())].sort().map((kommunekode) => ({
      kommunekode,
      localCodes: localCodes.get(kommunekode)?.size ?? 0,
      covered: all.filter((l) => l.cells.has(kommunekode)).length,
    })),
    lines: all,
  };
}
