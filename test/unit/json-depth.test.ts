import { MAX_JSON_DEPTH, TOO_DEEP, valueEnd } from '../../src/fhir/json-depth';
import { parseJsonBody } from '../../src/fhir/json-body';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('valueEnd reads the nesting of a JSON text from its bytes', () => {
  it('finds the end of the first object or array, and -1 when the text ends first', () => {
    expect(valueEnd(bytes('{"a":[1,{"b":null}],"c":"x"} []'), 0, 3)).toBe(28);
    expect(valueEnd(bytes('  [[], [[[]]], {}]'), 0, 4)).toBe(18);
    expect(valueEnd(bytes('{"a":[1,2'), 0, 5)).toBe(-1);
  });

  it('answers TOO_DEEP one level past the limit, and not at the limit', () => {
    expect(valueEnd(bytes(`${'['.repeat(5)}${']'.repeat(5)}`), 0, 5)).toBe(10);
    expect(valueEnd(bytes(`${'['.repeat(6)}${']'.repeat(6)}`), 0, 5)).toBe(TOO_DEEP);
    expect(valueEnd(bytes(`${'{"a":'.repeat(6)}1${'}'.repeat(6)}`), 0, 5)).toBe(TOO_DEEP);
  });

  it('does not count brackets in strings, whatever their escapes', () => {
    const deepText = `"${'['.repeat(10)}\\"${'{'.repeat(10)}\\\\"`;
    expect(valueEnd(bytes(`{"a":${deepText},"b":[${deepText}]}`), 0, 2)).toBeGreaterThan(0);
    // an escaped backslash ends the string before the brackets, which then count
    expect(valueEnd(bytes(`["x\\\\",[[[]]]]`), 0, 3)).toBe(TOO_DEEP);
  });
});

describe('parseJsonBody refuses a body nested too deep before parsing it', () => {
  const parse = jest.spyOn(JSON, 'parse');
  afterEach(() => parse.mockClear());
  afterAll(() => parse.mockRestore());

  const refusal = (text: string) => {
    try {
      parseJsonBody(bytes(text));
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  };

  it.each([
    ['a Bundle of arrays', `{"resourceType":"Bundle","type":"batch","entry":${'['.repeat(200_000)}${']'.repeat(200_000)}}`],
    ['a Bundle of arrays, cut short', `{"resourceType":"Bundle","type":"batch","entry":${'['.repeat(200_000)}`],
    ['a Parameters body whose parameter is deep, cut short', `{"resourceType":"Parameters","parameter":[{"name":"a"},{"name":"b","x":${'{"a":'.repeat(200_000)}`],
    ['objects in objects, then not JSON', `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}x`],
  ])('%s', (_name, text) => {
    expect(refusal(text)).toBe(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    // nothing of the deep part was parsed (a parameter before it may have been)
    expect(parse.mock.calls.map(([parsed]) => String(parsed)).filter((parsed) => parsed.length > 100)).toEqual([]);
  });

  it('parses a body as deep as the limit', () => {
    const text = `{"resourceType":"Parameters","parameter":[${'['.repeat(MAX_JSON_DEPTH - 2)}${']'.repeat(MAX_JSON_DEPTH - 2)}]}`;
    expect(() => parseJsonBody(bytes(text))).not.toThrow();
    expect(() => parseJsonBody(bytes(`{"a":${text}}`))).toThrow(/nested deeper/);
  });
});
