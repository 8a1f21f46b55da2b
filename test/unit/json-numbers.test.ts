import { firstInexactNumber, keptExactly } from '../../src/fhir/json-numbers';

const scan = (json: string, root?: string) => firstInexactNumber(Buffer.from(json, 'utf8'), 0, undefined, root);

describe('keptExactly: whether JSON.parse keeps the value a JSON number writes', () => {
  it.each([
    '0', '-0', '0.0', '1.50', '0.1', '-12.5', '100', '1e2', '1.0E+2', '2.5e-3', '123456789012345', '0.000000000000000000001',
    '9007199254740992', '4.844614000123024', '1.7976931348623157e308', '5e-324', '12345678901234567000',
  ])('%s is kept (the same value, whatever its written precision)', (text) => {
    expect(keptExactly(text)).toBe(true);
  });

  it.each([
    ['12345678901234567890.10', 'more digits than a double holds'],
    ['9007199254740993', 'an integer past 2^53'],
    ['0.10000000000000000555', 'a fraction of 20 significant digits'],
    ['1e400', 'past the largest double (Infinity, which JSON.stringify writes as null)'],
    ['-1e400', 'past the smallest'],
    ['1e-400', 'smaller than the smallest double (0)'],
  ])('%s is not: %s', (text) => {
    expect(keptExactly(text)).toBe(false);
  });
});

describe('firstInexactNumber: the first such number of a JSON text, and where it is', () => {
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
