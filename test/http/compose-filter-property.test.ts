/**
 * A compose filter on a property the code system neither declares (CodeSystem.property, its supplements included)
 * nor has by FHIR's definition (display, status, inactive, parent, child …) is refused, as tx.fhir.org refuses it
 * ("The filter … was not understood in the context of …"), by `$expand` and `$validate-code` alike: read as a
 * property no concept has, it selected nothing, and with `not-in` or `exists=false` everything.
 */
import type { CodeSystem, OperationOutcome, ParametersParameter, ValueSet, ValueSetComposeIncludeFilter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { valueNamed as value } from '../support/parameters';

const CS = 'http://example.org/fhir/CodeSystem/filter-property';
const VS = 'http://example.org/fhir/ValueSet/filter-property';

const CODE_SYSTEM: CodeSystem = {
  resourceType: 'CodeSystem', url: CS, version: '1', status: 'active', content: 'complete',
  property: [{ code: 'colour', type: 'code' }],
  concept: [
    { code: 'red', display: 'Red', property: [{ code: 'colour', valueCode: 'warm' }] },
    { code: 'blue', display: 'Blue', property: [{ code: 'colour', valueCode: 'cold' }] },
  ],
};
const valueSet = (filter: ValueSetComposeIncludeFilter): ValueSet => ({
  resourceType: 'ValueSet', url: VS, status: 'active', compose: { include: [{ system: CS, filter: [filter] }] },
});

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const post = (operation: '$expand' | '$validate-code', filter: ValueSetComposeIncludeFilter, lang?: string) => {
  const parameter: ParametersParameter[] = [
    { name: 'tx-resource', resource: CODE_SYSTEM }, { name: 'tx-resource', resource: valueSet(filter) }, { name: 'url', valueUri: VS },
    ...(operation === '$validate-code' ? [{ name: 'system', valueUri: CS }, { name: 'code', valueCode: 'red' }] : []),
  ];
  const r = request(app).post(`/fhir/ValueSet/${operation}`).set('Content-Type', 'application/fhir+json');
  return (lang ? r.set('Accept-Language', lang) : r).send({ resourceType: 'Parameters', parameter });
};

describe('a compose filter on a property', () => {
  it('that the code system declares, or that every concept has, selects by it', async () => {
    const codes = async (filter: ValueSetComposeIncludeFilter) =>
      ((await post('$expand', filter).expect(200)).body as ValueSet).expansion?.contains?.map((c) => c.code);
    expect(await codes({ property: 'colour', op: '=', value: 'warm' })).toEqual(['red']);
    expect(await codes({ property: 'display', op: '=', value: 'Blue' })).toEqual(['blue']);
    expect(await codes({ property: 'child', op: 'exists', value: 'false' })).toEqual(['red', 'blue']);
    expect(value((await post('$validate-code', { property: 'colour', op: 'not-in', value: 'cold' }).expect(200)).body, 'result')).toBe(true);
  });

  it.each(['$expand', '$validate-code'] as const)('that it does not declare is refused by %s (400 not-supported at the property), in English and Danish', async (operation) => {
    for (const filter of [
      { property: 'flavour', op: '=', value: 'sweet' },
      { property: 'flavour', op: 'not-in', value: 'sweet' },
      { property: 'flavour', op: 'exists', value: 'false' },
    ] as ValueSetComposeIncludeFilter[]) {
      const issue = ((await post(operation, filter).expect(400)).body as OperationOutcome).issue[0]!;
      expect(issue.code).toBe('not-supported');
      expect(issue.details?.coding?.[0]?.code).toBe('vs-invalid');
      expect(issue.expression).toEqual(['ValueSet.compose.include[0].filter[0].property']);
      expect(issue.details?.text).toBe(`The filter "flavour ${filter.op} ${filter.value}" was not understood in the context of ${CS}`);
    }
    const danish = ((await post(operation, { property: 'flavour', op: '=', value: 'sweet' }, 'da').expect(400)).body as OperationOutcome).issue[0]!;
    expect(danish.details?.text).toBe(`Filteret "flavour = sweet" kan ikke forstås for kodesystemet ${CS}: egenskaben 'flavour' er ikke defineret`);
  });
});
