import type { CapabilityStatement, OperationDefinition, OperationDefinitionParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';

/**
 * What FHIR R4 requires of every parameter of an OperationDefinition, and of its parts, all the way down: opd-1 (a type
 * or parts), and a name, use, min and max; this server's own also document each part.
 */
function problems(parameters: OperationDefinitionParameter[] | undefined, where: string, documented: boolean): string[] {
  const out: string[] = [];
  for (const p of parameters ?? []) {
    const at = `${where}.${p.name}`;
    if (!p.type && !p.part?.length) out.push(`${at}: neither type nor part (opd-1)`);
    if (!p.name || !p.use || p.min === undefined || !p.max) out.push(`${at}: name, use, min or max missing`);
    if (p.part && !p.part.every((x) => x.use === p.use)) out.push(`${at}: a part's use differs from its parameter's`);
    if (documented && where.includes('.') && !p.documentation) out.push(`${at}: a part without documentation`);
    out.push(...problems(p.part, at, documented));
  }
  return out;
}

describe('the OperationDefinitions the CapabilityStatement lists', () => {
  let app: App;
  let definitions: OperationDefinition[];
  beforeAll(async () => {
    app = await testApp();
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const listed = [...new Set([...cs.rest![0]!.operation!, ...cs.rest![0]!.resource!.flatMap((r) => r.operation ?? [])].map((o) => o.definition))];
    definitions = [];
    for (const url of listed) {
      const res = await request(app).get(`/fhir/OperationDefinition/${url.slice(url.lastIndexOf('/') + 1)}`);
      // HL7's own (CodeSystem-lookup, …) are HL7's to serve; every one of this server's is served here
      if (res.status === 404 && url.startsWith('http://hl7.org/fhir/OperationDefinition/')) continue;
      expect([url, res.status]).toEqual([url, 200]);
      definitions.push(res.body as OperationDefinition);
    }
  });

  it('are served, this server\'s own and those it documents of HL7\'s', () => {
    expect(definitions.map((d) => d.id)).toEqual(expect.arrayContaining(['ConceptMap-rollup', 'ConceptMap-coverage', 'ConceptMap-coverage-matrix', 'ConceptMap-export', 'ConceptMap-closure']));
  });

  it('give every parameter and every part a type or parts (opd-1), with a name, use, min, max and documentation, all the way down', () => {
    expect(definitions.flatMap((d) => problems(d.parameter, d.id!, !d.url!.startsWith('http://hl7.org/')))).toEqual([]);
  });

  it('have a name a computer can use (opd-0)', () => {
    for (const d of definitions) expect([d.id, d.name]).toEqual([d.id, expect.stringMatching(/^[A-Z][A-Za-z0-9_]*$/)]);
  });

  it("give $rollup's row its parts as the operation reads them, and the parts of what it answers", () => {
    const rollup = definitions.find((d) => d.id === 'ConceptMap-rollup')!;
    const row = rollup.parameter!.find((p) => p.name === 'row' && p.use === 'in')!;
    expect(row.part!.map((p) => [p.name, p.type, p.min, p.max])).toEqual([
      ['kommunekode', 'code', 1, '1'], ['system', 'uri', 1, '1'], ['code', 'code', 1, '1'], ['count', 'integer', 1, '1'],
      ['district', 'string', 0, '1'], ['period', 'string', 0, '1'],
    ]);
    const matrix = definitions.find((d) => d.id === 'ConceptMap-coverage-matrix')!;
    const cell = matrix.parameter!.find((p) => p.name === 'intervention')!.part!.find((p) => p.name === 'cell')!;
    expect(cell).toMatchObject({ use: 'out', min: 0, max: '*' });
    expect(cell.part!.map((p) => [p.name, p.type])).toEqual([['kommunekode', 'code'], ['indsats', 'integer'], ['tilbud', 'integer']]);
  });
});
