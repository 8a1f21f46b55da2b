/**
 * A compose filter `exists` takes `true` or `false` (R4: "the specified property of the code has (true) or does not
 * have (false) a value"); any other value is refused as the other bad filters are (400 vs-invalid at the filter's
 * value, in English or Danish), by `$expand` and `$validate-code` alike, instead of being read as false.
 */
import type { CodeSystem, OperationOutcome, ParametersParameter, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { TRANSLATION_EXTENSION } from '../../src/errors/issue';
import { testApp } from '../support/app';
import { valueNamed as value } from '../support/parameters';

const CS = 'http://example.org/fhir/CodeSystem/exists';
const VS = 'http://example.org/fhir/ValueSet/exists';

/** `top` has the child `leaf`: only `leaf` has a parent. */
const CODE_SYSTEM: CodeSystem = {
  resourceType: 'CodeSystem', url: CS, version: '1', status: 'active', content: 'complete',
  concept: [{ code: 'top', concept: [{ code: 'leaf' }] }],
};
const valueSet = (exists: string): ValueSet => ({
  resourceType: 'ValueSet', url: VS, status: 'active', compose: { include: [{ system: CS, filter: [{ property: 'parent', op: 'exists', value: exists }] }] },
});

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const post = (operation: '$expand' | '$validate-code', exists: string, lang?: string) => {
  const parameter: ParametersParameter[] = [
    { name: 'tx-resource', resource: CODE_SYSTEM }, { name: 'tx-resource', resource: valueSet(exists) }, { name: 'url', valueUri: VS },
    ...(operation === '$validate-code' ? [{ name: 'system', valueUri: CS }, { name: 'code', valueCode: 'top' }] : []),
  ];
  const r = request(app).post(`/fhir/ValueSet/${operation}`).set('Content-Type', 'application/fhir+json');
  return (lang ? r.set('Accept-Language', lang) : r).send({ resourceType: 'Parameters', parameter });
};

describe("a compose filter 'exists'", () => {
  it('selects the concepts with (true) or without (false) the property', async () => {
    const codes = async (exists: string) =>
      ((await post('$expand', exists).expect(200)).body as ValueSet).expansion?.contains?.map((c: ValueSetExpansionContains) => c.code);
    expect(await codes('true')).toEqual(['leaf']);
    expect(await codes('false')).toEqual(['top']);
    expect(value((await post('$validate-code', 'false').expect(200)).body, 'result')).toBe(true);
    expect(value((await post('$validate-code', 'true').expect(200)).body, 'result')).toBe(false);
  });

  it.each(['$expand', '$validate-code'] as const)('with another value is refused by %s (400 vs-invalid naming the value), in English and Danish', async (operation) => {
    for (const exists of ['maybe', 'TRUE', '1']) {
      const res = await post(operation, exists).expect(400);
      const issue = (res.body as OperationOutcome).issue[0]!;
      expect(issue.code).toBe('invalid');
      expect(issue.details?.coding?.[0]?.code).toBe('vs-invalid');
      expect(issue.expression).toEqual(['ValueSet.compose.include[0].filter[0].value']);
      expect(issue.details?.text).toBe(`The value for a filter based on property 'parent' must be either 'true' or 'false', not '${exists}'`);
    }
    const danish = (await post(operation, 'maybe', 'da').expect(400)).body as OperationOutcome;
    const details = danish.issue[0]!.details as { text?: string; _text?: { extension?: { url: string }[] } };
    expect(details.text).toBe("Værdien af et filter på egenskaben 'parent' skal være 'true' eller 'false', ikke 'maybe'");
    expect(details._text?.extension?.some((e) => e.url === TRANSLATION_EXTENSION)).toBe(true);
  });
});
