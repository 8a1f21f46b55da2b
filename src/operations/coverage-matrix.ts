import type { ParametersParameter } from 'fhir/r4';
import { ParametersBuilder, type OperationInput, type OperationSpec } from '../fhir/parameters';
import { checkKommunekodeParam } from './gateway-codings';
import { coverageMatrix, type CoverageMatrix } from '../municipal/coverage-matrix';
import type { OperationContext, OperationHandler, Table } from './context';

/**
 * ConceptMap/$coverage-matrix[?valueSet=…][&kommunekode=…] (this server's operation): per common intervention of a
 * catalog and per municipality, how many local interventions and offers map to it (src/municipal/coverage-matrix.ts);
 * the comparison behind the web page's "Sammenlign kommuner". As Parameters, or CSV/NDJSON (one column per municipality).
 */
const spec: OperationSpec = {
  name: 'coverage-matrix',
  params: [{ name: 'valueSet', type: 'canonical', repeats: true }, { name: 'kommunekode', type: 'code', repeats: true }],
};

function compute(input: OperationInput, ctx: OperationContext): CoverageMatrix {
  const kommunekoder = input.all<string>('kommunekode').map((k) => checkKommunekodeParam(k)!);
  return coverageMatrix(ctx.registry, input.all<string>('valueSet'), kommunekoder);
}

const int = (name: string, value: number): ParametersParameter => ({ name, valueInteger: value });

function parameters(m: CoverageMatrix) {
  const out = new ParametersBuilder();
  for (const vs of m.valueSets) out.add({ name: 'valueSet', valueCanonical: vs });
  for (const x of m.municipalities) {
    out.part('municipality', [{ name: 'kommunekode', valueCode: x.kommunekode }, int('localCodes', x.localCodes), int('covered', x.covered)]);
  }
  for (const line of m.lines) {
    out.part('intervention', [
      { name: 'concept', valueCoding: line.concept },
      { name: 'valueSet', valueCanonical: line.valueSet },
      ...(line.niveau1 ? [{ name: 'niveau1', valueCoding: line.niveau1 }] : []),
      ...(line.lovparagraf ? [{ name: 'lovparagraf', valueString: line.lovparagraf }] : []),
      int('municipalities', line.cells.size),
      ...[...line.cells].sort(([a], [b]) => a.localeCompare(b)).map(([kommunekode, cell]) => ({
        name: 'cell', part: [{ name: 'kommunekode', valueCode: kommunekode }, int('indsats', cell.indsats), int('tilbud', cell.tilbud)],
      })),
    ]);
  }
  return out.build();
}

function table(m: CoverageMatrix): Table {
  const codes = m.municipalities.map((x) => x.kommunekode);
  return {
    columns: ['code', 'display', 'lovparagraf', 'value_set', 'municipalities', ...codes],
    rows: m.lines.map((l) => [l.concept.code, l.concept.display, l.lovparagraf, l.valueSet, l.cells.size,
      ...codes.map((k) => { const c = l.cells.get(k); return c ? c.indsats + c.tilbud : 0; })]),
    filename: 'coverage-matrix',
  };
}

export const coverageMatrixOperation: OperationHandler = {
  spec,
  resourceType: 'ConceptMap',
  levels: ['type'],
  // it lists every local catalog and map, so any write of one makes a kept answer stale
  cache: 'answer',
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-coverage-matrix',
  documentation: {
    description: 'Which common interventions each municipality\'s local catalog covers, side by side: for every active intervention of the value sets ' +
      '(by default the §119 and §140 catalogs) and every municipality with a local catalog, how many of its local interventions (indsats) and offers ' +
      '(tilbud) map to it. A map to a retired or outgoing code covers the code in use, as in $translate. As CSV or NDJSON (Accept: text/csv or ' +
      'application/x-ndjson, or _format): one line per intervention, one column per municipality with its number of local codes.',
    inputs: {
      valueSet: 'The common interventions (repeats); default the §119 and §140 catalogs',
      kommunekode: 'Only these municipalities (repeats); all municipalities with a local catalog when absent',
    },
    outputs: [
      { name: 'valueSet', type: 'canonical', repeats: true, documentation: 'The value sets compared on' },
      {
        name: 'municipality', repeats: true, documentation: 'A municipality compared',
        parts: [
          { name: 'kommunekode', type: 'code', min: 1, documentation: 'The municipality' },
          { name: 'localCodes', type: 'integer', min: 1, documentation: 'All its local codes' },
          { name: 'covered', type: 'integer', min: 1, documentation: 'The interventions with at least one of its local codes' },
        ],
      },
      {
        name: 'intervention', repeats: true, documentation: 'A common intervention and the municipalities that cover it',
        parts: [
          { name: 'concept', type: 'Coding', min: 1, documentation: 'The intervention' },
          { name: 'valueSet', type: 'canonical', min: 1, documentation: 'The value set it is in' },
          { name: 'niveau1', type: 'Coding', documentation: 'Its niveau-1 grouping' },
          { name: 'lovparagraf', type: 'string', documentation: 'Its law paragraph' },
          { name: 'municipalities', type: 'integer', min: 1, documentation: 'How many municipalities cover it' },
          {
            name: 'cell', repeats: true, documentation: 'A municipality that covers it (only those)',
            parts: [
              { name: 'kommunekode', type: 'code', min: 1, documentation: 'The municipality' },
              { name: 'indsats', type: 'integer', min: 1, documentation: 'Its local interventions that map to it' },
              { name: 'tilbud', type: 'integer', min: 1, documentation: 'Its local offers that map to it' },
            ],
          },
        ],
      },
    ],
  },
  handle(input, ctx) {
    return parameters(compute(input, ctx));
  },
  table(input, ctx) {
    return table(compute(input, ctx));
  },
};
