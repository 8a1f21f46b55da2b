import { inexactValue } from '../../src/fhir/json-numbers';
import { scanJsonText } from '../../src/fhir/json-scan';

const scan = (json: string, root?: string) => scanJsonText(Buffer.from(json, 'utf8'), 0, undefined, root, true).inexact;

describe('inexactValue: the value JSON.parse makes of a JSON number, when it is not the one written', () => {
  it.each([
    '0', '-0', '0.0', '1.50', '0.1', '-12.5', '100', '1e2', '1.0E+2', '2.5e-3', '123456789012345', '0.000000000000000000001',
    '9007199254740992', '4.844614000123024', '1.7976931348623157e308', '5e-324', '12345678901234567000',
  ])('%s is kept (the same value, whatever its written precision)', (text) => {
    expect(inexactValue(text)).toBeUndefined();
  });

  it.each([
    ['12345678901234567890.10', '12345678901234567000', 'more digits than a double holds'],
    ['9007199254740993', '9007199254740992', 'an integer past 2^53'],
    ['0.10000000000000000555', '0.1', 'a fraction of 20 significant digits'],
    ['1e-400', '0', 'smaller than the smallest double'],
    ['-1e-400', '0', 'smaller than the smallest double, below zero'],
  ])('%s is not: it becomes %s (%s)', (text, kept) => {
    expect(inexactValue(text)).toBe(kept);
  });

  it.each(['1e400', '-1e400'])('%s, past a double\'s range, is left to the schema (Infinity, which it refuses)', (text) => {
    expect(inexactValue(text)).toBeUndefined();
  });
});

describe('scanJsonText with numbers: the first such number of a JSON text, and where it is', () => {
  it('names its path from the root, each object by its name and each array by the index', () => {
    expect(scan('{"concept":[{"code":"a"},{"code":"b","property":[{"code":"w","valueDecimal":12345678901234567890.10}]}]}', 'CodeSystem'))
      .toEqual({ text: '12345678901234567890.10', at: 'CodeSystem.concept[1].property[0].valueDecimal', kept: '12345678901234567000' });
    expect(scan('[1, 2, [3, 1e-999]]')).toEqual({ text: '1e-999', at: '$[2][1]', kept: '0' });
    expect(scan('{"a\\"b": {"c": 9007199254740993}}')).toEqual({ text: '9007199254740993', at: '$.a"b.c', kept: '9007199254740992' });
  });

  it('leaves a number beyond a double\'s range to the schema, which refuses the Infinity JSON.parse makes of it', () => {
    expect(scan('{"a": 1e400, "b": -1e400}')).toBeUndefined();
    expect(scan('{"a": 1e400, "b": 9007199254740993}')?.at).toBe('$.b');
  });

  it('finds none where every number is kept, nor in strings and names that look like numbers', () => {
    expect(scan('{"a": 1.50, "b": [0.1, -2e-3, 123456789012345], "c": {"d": 0}}')).toBeUndefined();
    expect(scan('{"12345678901234567890.1": "12345678901234567890.1", "e": "1e400"}')).toBeUndefined();
    expect(scan('{"s": "quote \\" 1e400 \\\\", "n": 1}')).toBeUndefined();
  });

  it('reads the first past other numbers, strings and closed objects and arrays', () => {
    expect(scan('{"a": [{"b": 1}, {"c": "x"}], "d": {"e": [1, 2, 3]}, "f": [0, 0.10000000000000000555]}')?.at).toBe('$.f[1]');
  });
});

describe('scanJsonText: both in one pass', () => {
  const both = (json: string) => scanJsonText(Buffer.from(json, 'utf8'), 0, undefined, 'CodeSystem', true);

  it('finds a repeated name wherever it is, with the first number not kept before it', () => {
    expect(both('{"a": 9007199254740993, "b": {"c": 1, "c": 2}}')).toEqual({
      repeated: { name: 'c', at: 'CodeSystem.b' },
      inexact: { text: '9007199254740993', at: 'CodeSystem.a', kept: '9007199254740992' },
    });
    expect(both('{"a": {"c": 1, "c": 2}, "b": 9007199254740993}')).toEqual({ repeated: { name: 'c', at: 'CodeSystem.a' }, inexact: undefined });
  });

  it('reads a number\'s path past objects of many names, and of names with escapes', () => {
    const names = Array.from({ length: 40 }, (_, i) => `"n${i}": ${i}`).join(', ');
    expect(both(`{${names}, "x\\u0079": [{"z": 1e-999}]}`)).toEqual({ inexact: { text: '1e-999', at: 'CodeSystem.xy[0].z', kept: '0' } });
  });

  it('looks for numbers only when asked', () => {
    expect(scanJsonText(Buffer.from('{"a": 9007199254740993}'))).toEqual({ inexact: undefined });
  });
});
