import type { ParametersParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { ParametersBuilder, type OperationInput, type OperationSpec } from '../fhir/parameters';
import { EXPORT_COLUMNS, exportRows, type ExportSelection } from '../municipal/export';
import { checkKommunekodeParam, KOMMUNEKODE_PARAM } from './gateway-codings';
import { ownerOf } from '../municipal/municipality';
import type { OperationContext, OperationHandler, Table } from './context';
import { conceptMapVersion, notMunicipalMap, sourceCodeSystemsOf } from './map-version';
import { excerpt } from '../errors/excerpt';
import { MAX_PARAMETERS_ROWS, tooManyRowsForParameters } from './parameters-rows';
import { municipalityGenitive } from '../municipal/kommuner';

/**
 * ConceptMap/$export (this server's operation): every municipality's local codes → niveau-2 code(s) → niveau 1 as one
 * table (src/municipal/export.ts), streamed as CSV or NDJSON; as Parameters (one `row` per line) up to MAX_PARAMETERS_ROWS.
 */
const spec: OperationSpec = {
  name: 'export',
  params: [KOMMUNEKODE_PARAM, { name: 'conceptMap', type: 'canonical' }],
};

async function selection(input: OperationInput, ctx: OperationContext): Promise<ExportSelection> {
  const kommunekode = checkKommunekodeParam(input.string('kommunekode'));
  const ref = input.string('conceptMap');
  if (!ref) return { ...(kommunekode ? { kommunekode } : {}) };
  const conceptMap = conceptMapVersion(ctx, ref, 'conceptMap');
  const owner = ownerOf(conceptMap);
  if (!owner) throw notMunicipalMap(ref);
  if (kommunekode && owner !== kommunekode) {
    throw FhirError.invalid(`'${excerpt(ref)}' is ${municipalityGenitive(owner).en} map, not ${municipalityGenitive(kommunekode).en}`, {
      expression: ['conceptMap'], da: `'${excerpt(ref)}' er ${municipalityGenitive(owner).da} mapning, ikke ${municipalityGenitive(kommunekode).da}`,
    });
  }
  return { conceptMap: { map: conceptMap, sources: sourceCodeSystemsOf(ctx, conceptMap) } };
}

/** What each column (a part of a Parameters row) holds. */
const COLUMN_DOCUMENTATION: Record<(typeof EXPORT_COLUMNS)[number], string> = {
  kommunekode: 'The municipality', local_system: 'The local code system', local_version: 'Its version', local_code: 'The local code',
  local_display: 'Its display', kind: 'indsats or tilbud', local_status: "The local code's status",
  niveau2_system: 'The niveau-2 code system the map targets', niveau2_code: 'The niveau-2 code (the code in use)', niveau2_display: 'Its display',
  niveau2_status: 'Its status', equivalence: "The map's equivalence", mapped_code: 'The retired or outgoing code the map states, when it is not the code in use',
  mapped_status: 'Its status', niveau1_code: 'The niveau-1 code above the niveau-2 code', niveau1_display: 'Its display', lovparagraf: 'The law paragraph',
  map_url: "The map's url", map_version: "The map's version",
};
const ALWAYS = new Set<string>(['kommunekode', 'local_system', 'local_code']);

export const exportOperation: OperationHandler = {
  spec,
  resourceType: 'ConceptMap',
  levels: ['type'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-export',
  documentation: {
    description: "Every municipality's local codes (or one municipality's: kommunekode; or one map, any version the server has: conceptMap=url|version) " +
      'with their niveau-2 targets (the code in use when the map states a retired or outgoing one, which is then named in mapped_code) and those ' +
      `targets' niveau 1 and paragraph, titles, kind (indsats/tilbud), status and the map's url and version: one line per local code and target. ` +
      `Streamed as CSV (Accept: text/csv or _format=csv) or NDJSON (Accept: application/x-ndjson or _format=ndjson); as Parameters up to ${MAX_PARAMETERS_ROWS} lines.`,
    inputs: {
      kommunekode: 'Only this municipality (three digits); all municipalities when absent',
      conceptMap: 'Only this map (url|version: also an older version the server holds)',
    },
    outputs: [{
      name: 'row', repeats: true, documentation: 'One line, with a part per column that has a value (the CSV\'s columns, in order)',
      parts: EXPORT_COLUMNS.map((name) => ({ name, type: 'string', ...(ALWAYS.has(name) ? { min: 1 } : {}), documentation: COLUMN_DOCUMENTATION[name] })),
    }],
  },
  async handle(input, ctx) {
    const out = new ParametersBuilder();
    let n = 0;
    for (const row of exportRows(ctx.registry, await selection(input, ctx))) {
      if (++n > MAX_PARAMETERS_ROWS) throw tooManyRowsForParameters({ en: 'The export', da: 'Eksporten' });
      const parts: ParametersParameter[] = [];
      EXPORT_COLUMNS.forEach((name, i) => {
        const v = row[i];
        if (v !== undefined && v !== '') parts.push({ name, valueString: String(v) });
      });
      out.part('row', parts);
    }
    return out.build();
  },
  async table(input, ctx): Promise<Table> {
    return { columns: EXPORT_COLUMNS, rows: exportRows(ctx.registry, await selection(input, ctx)), filename: 'export' };
  },
};
