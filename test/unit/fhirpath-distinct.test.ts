import * as fhirpath from 'fhirpath';
import { r4Model } from '../../src/fhir/fhir-model';
import { IS_DISTINCT } from '../../src/profile-validation/fhirpath-distinct';

const model = r4Model() as unknown as fhirpath.Model;
const evaluate = (resource: object, expression: string, fast: boolean) => fhirpath.evaluate(resource, expression, {}, model,
  fast ? { userInvocationTable: { isDistinct: IS_DISTINCT } } : {});

const codeSystem = (...codes: unknown[]) => ({
  resourceType: 'CodeSystem', status: 'active', content: 'complete',
  concept: codes.map((code, i) => (code === undefined ? { _code: { extension: [{ url: 'http://x', valueString: `${i}` }] } } : { code })),
});

describe('isDistinct() found with a set', () => {
  const cases: [object, string][] = [
    [codeSystem('a', 'b', 'c'), 'concept.code.isDistinct()'],
    [codeSystem('a', 'b', 'a'), 'concept.code.isDistinct()'],
    [codeSystem('a', 'A', 'a '), 'concept.code.isDistinct()'],
    [codeSystem('a', undefined, undefined), 'concept.code.isDistinct()'],
    [codeSystem('a', undefined, 'a'), 'concept.code.isDistinct()'],
    [{ ...codeSystem('x'), concept: [{ code: 'x', concept: [{ code: 'y', concept: [{ code: 'x' }] }] }] }, 'concept.code.combine($this.descendants().concept.code).isDistinct()'],
    [{ ...codeSystem('x'), concept: [{ code: 'x', concept: [{ code: 'y', concept: [{ code: 'z' }] }] }] }, 'concept.code.combine($this.descendants().concept.code).isDistinct()'],
    [{ resourceType: 'Questionnaire', status: 'active', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1', type: 'string' }] }] }, 'descendants().linkId.isDistinct()'],
    [{ resourceType: 'Questionnaire', status: 'active', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'string' }] }] }, 'descendants().linkId.isDistinct()'],
    [{ resourceType: 'Patient' }, '\'a\'.combine(\'a\').isDistinct()'],
    [{ resourceType: 'Patient' }, '\'1\'.combine(1).isDistinct()'],
    [{ resourceType: 'Patient' }, '1.combine(1.0).isDistinct()'],
    [{ resourceType: 'Patient' }, '@2020-01-01T00:00:00Z.combine(@2020-01-01T01:00:00+01:00).isDistinct()'],
    [{ resourceType: 'Patient', birthDate: '2020-01-01', deceasedDateTime: '2020-01-01' }, 'birthDate.combine(deceased).isDistinct()'],
    [{ resourceType: 'Patient' }, '{}.isDistinct()'],
    [{ resourceType: 'Patient', deceasedDateTime: '2020-01-01T00:00:00Z', meta: { lastUpdated: '2020-01-01T01:00:00+01:00' } }, 'deceased.combine(meta.lastUpdated).isDistinct()'],
    [{ resourceType: 'Patient', deceasedDateTime: '2020-01-01T00:00:00Z', meta: { lastUpdated: '2020-01-01T02:00:00+01:00' } }, 'deceased.combine(meta.lastUpdated).isDistinct()'],
  ];

  it.each(cases)('gives the engine\'s own result (%#: %s)', (resource, expression) => {
    expect(evaluate(resource, expression, true)).toEqual(evaluate(resource, expression, false));
  });

  it('the cases reach both answers', () => {
    const answers = new Set(cases.map(([resource, expression]) => JSON.stringify(evaluate(resource, expression, true))));
    expect([...answers].sort()).toEqual(['[false]', '[true]']);
  });
});
