import type { CodeSystem, Coding, ConceptMap, Parameters, ParametersParameter } from 'fhir/r4';
import { get, param, paramValue, params, searchAll } from './fhir';

export interface Coverage {
  summary: Record<string, number>;
  unmapped: { concept: Coding; type?: string }[];
  retiredTarget: { source: Coding; target: Coding; status?: string; replacedBy: Coding[] }[];
  legacyTarget: { source: Coding; target: Coding; replacedBy?: Coding }[];
  uncovered: { concept: Coding; valueSet?: string }[];
}

export interface MunicipalityData {
  kommunekode: string;
  codeSystems: CodeSystem[];
  conceptMaps: ConceptMap[];
  coverage: Coverage;
}

function coding(p: ParametersParameter, name: string): Coding {
  return (paramValue(param(p, name)) as Coding | undefined) ?? {};
}

export function parseCoverage(p: Parameters): Coverage {
  const summary: Record<string, number> = {};
  for (const part of param(p, 'summary')?.part ?? []) summary[part.name] = Number(paramValue(part));
  return {
    summary,
    unmapped: params(p, 'unmapped').map((u) => ({ concept: coding(u, 'concept'), type: paramValue(param(u, 'type')) as string | undefined })),
    retiredTarget: params(p, 'retiredTarget').map((u) => ({
      source: coding(u, 'source'), target: coding(u, 'target'), status: paramValue(param(u, 'status')) as string | undefined,
      replacedBy: params(u, 'replacedBy').map((r) => paramValue(r) as Coding),
    })),
    legacyTarget: params(p, 'legacyTarget').map((u) => ({ source: coding(u, 'source'), target: coding(u, 'target'), replacedBy: coding(u, 'replacedBy') })),
    uncovered: params(p, 'uncovered').map((u) => ({ concept: coding(u, 'concept'), valueSet: paramValue(param(u, 'valueSet')) as string | undefined })),
  };
}

/** A municipality's local catalogs and maps (by the kommunekode identifier) and its coverage report. */
export async function loadMunicipality(kommunekode: string): Promise<MunicipalityData> {
  const [codeSystems, conceptMaps, coverage] = await Promise.all([
    searchAll<CodeSystem>('CodeSystem', { identifier: kommunekode }),
    searchAll<ConceptMap>('ConceptMap', { identifier: kommunekode }),
    get<Parameters>('ConceptMap/$coverage', { kommunekode }),
  ]);
  return {
    kommunekode,
    codeSystems: codeSystems.filter((cs) => cs.content !== 'supplement').sort((a, b) => (a.title ?? a.name ?? '').localeCompare(b.title ?? b.name ?? '', 'da')),
    conceptMaps,
    coverage: parseCoverage(coverage),
  };
}
