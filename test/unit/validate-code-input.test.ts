import { FhirError } from '../../src/errors/fhir-error';
import { parseQuery, parseParametersResource } from '../../src/fhir/parameters';
import { codedValueOf, valueSetValidateSpec } from '../../src/operations/validate-code';
import { ValidationOptions } from '../../src/terminology/validation/options';

const GENDER = 'http://hl7.org/fhir/administrative-gender';

/** What codedValueOf throws, as status and English text; undefined when it answers. */
function refusal(run: () => unknown): [number, string] | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    if (!(e instanceof FhirError)) throw e;
    return [e.status, e.message];
  }
}

describe('codedValueOf: the code a $validate-code validates', () => {
  it('is one of code (+system), coding and codeableConcept: two are a 400, rather than one validated and the other not looked at', () => {
    const options = new ValidationOptions();
    expect(codedValueOf(parseQuery(valueSetValidateSpec, { system: GENDER, code: 'male' }), false, options).codings).toEqual([{ system: GENDER, code: 'male' }]);
    expect(codedValueOf(parseQuery(valueSetValidateSpec, { coding: `${GENDER}|male` }), false, options).mode).toBe('coding');
    const both = parseQuery(valueSetValidateSpec, { coding: `${GENDER}|male`, system: GENDER, code: 'NOT-A-CODE' });
    expect(refusal(() => codedValueOf(both, false, options))).toEqual([400, "Use either 'code' or 'coding', not both"]);
    // at the code system too, where code needs no system
    const cs = parseQuery(valueSetValidateSpec, { coding: `${GENDER}|male`, code: 'male' });
    expect(refusal(() => codedValueOf(cs, true, options))).toEqual([400, "Use either 'code' or 'coding', not both"]);
    const cc = parseParametersResource(valueSetValidateSpec, {
      resourceType: 'Parameters', parameter: [
        { name: 'coding', valueCoding: { system: GENDER, code: 'male' } },
        { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: GENDER, code: 'NOT-A-CODE' }] } },
        { name: 'code', valueCode: 'female' }, { name: 'system', valueUri: GENDER },
      ],
    });
    expect(refusal(() => codedValueOf(cc, false, options))).toEqual([400, "Use only one of 'code', 'coding' and 'codeableConcept'"]);
  });
});
