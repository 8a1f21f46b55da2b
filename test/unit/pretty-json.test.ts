import { indentJson } from '../../src/fhir/pretty-json';

describe('indentJson', () => {
  it('indents compact JSON as JSON.stringify(value, null, 2) does', () => {
    for (const value of [
      {}, [], 'text', 12, null,
      { resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: true }, { name: 'message', valueString: 'a, b: {c} [d] "e" \\ f' }] },
      [{ a: { b: [[]] }, c: {}, d: [], e: 'æøå \u2028' }],
    ]) {
      expect(indentJson(JSON.stringify(value))).toBe(JSON.stringify(value, null, 2));
    }
  });

  it('keeps every number as it is written (a FHIR decimal keeps its precision)', () => {
    expect(indentJson('{"valueDecimal":1.50,"n":-0.0e10}')).toBe('{\n  "valueDecimal": 1.50,\n  "n": -0.0e10\n}');
  });
});
