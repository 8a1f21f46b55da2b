import { RE2JS } from 're2js';
import { FhirError } from '../../src/errors/fhir-error';
import { MAX_MATCH_WORK, MAX_PROGRAM_SIZE, programSizeOf, regexCacheSize, SafeRegex } from '../../src/terminology/safe-regex';

/** 1,000 characters that compile to 220,000 instructions: 35 MB and seconds each, ~110 of them exhausted the heap. */
const costly = (i: number) => `${'.{0,1000}'.repeat(110)}.{0,${100 + i}}`;

describe('a client regular expression', () => {
  it('is refused as too costly from its text, before it is compiled', () => {
    for (let i = 0; i < 20; i++) {
      expect(costly(i).length).toBeLessThanOrEqual(1000);
      expect(() => SafeRegex.compile(costly(i))).toThrow(expect.objectContaining({ status: 422, code: 'too-costly' }));
    }
    const error = (() => { try { SafeRegex.compile(costly(0)); } catch (e) { return e as FhirError; } })();
    expect(error?.options.da).toContain('regulære udtryk');
  });

  it('is counted as RE2 compiles it, or more, and a pattern just within the limit is compiled and matched', () => {
    const patterns = ['a', 'Social.*', '(a+)+b', '.{0,1000}', '^.{0,1000}$', '(?:.?){0,500}q', '(?i:ab)c', '(?P<x>a|b|c){3}',
      '(?<y>ab)*', '[]a]{3}', '[^]a-z]{3}', '[[:alpha:]]{10}', '\\d{3}-\\d{4}', '\\p{Greek}{5}', '\\x{41}{10}', '\\Qa.b\\E{5}',
      'a{2,}', 'a{,5}', '(?:a|bc|def){10}', 'a||b', '()', '(?:(?:.?){0,22}){0,22}q', '(?:.*a.{8}|.*e.{8}).*', '(?U)a*?b+?', '😀{5}',
      '(a|b|c|d|e){1,500}', '(?i)(a|b){1,100}', '(æ|ø|å|😀){1,300}', '(a|.){1,100}', '(a|\\.){1,100}', '(a|bc){1,300}'];
    for (const p of patterns) expect(programSizeOf(p)).toBeGreaterThanOrEqual(RE2JS.compile(p).programSize() - 2);
    expect(programSizeOf('.{0,1000}')).toBe(2000);
    // alternatives of single characters are one character class to RE2: such a repeat is not refused for 3 times its size
    expect(programSizeOf('(a|b|c|d|e){1,500}')).toBeLessThanOrEqual(RE2JS.compile('(a|b|c|d|e){1,500}').programSize());
    expect(SafeRegex.compile('(a|b|c|d|e){1,500}').matchesWhole('abcde')).toBe(true);
    const large = SafeRegex.compile('.{0,1000}x{0,499}');
    expect(programSizeOf('.{0,1000}x{0,499}')).toBeLessThanOrEqual(MAX_PROGRAM_SIZE);
    expect(large.matchesWhole('Afklarende samtale')).toBe(true);
    expect(SafeRegex.compile('Afklarende.*').matchesWhole('Afklarende samtale')).toBe(true);
    expect(SafeRegex.compile('Afklarende.*').matchesWhole('Ikke afklarende')).toBe(false);
  });

  it('keeps at most 16 compiled programs and 12,000 instructions for reuse', () => {
    for (let i = 0; i < 20; i++) SafeRegex.compile(`.{0,${900 + i}}x`);
    for (let i = 0; i < 40; i++) SafeRegex.compile(`kode-${i}`);
    const kept = regexCacheSize();
    expect(kept.programs).toBeLessThanOrEqual(16);
    expect(kept.instructions).toBeLessThanOrEqual(4 * MAX_PROGRAM_SIZE);
    SafeRegex.compile('.{0,999}x');
    expect(regexCacheSize().instructions).toBeLessThanOrEqual(4 * MAX_PROGRAM_SIZE);
  });

  it('refuses to match a long value with a large program, which the time budget could not interrupt', () => {
    const large = SafeRegex.compile('.{0,1000}y');
    const value = 'a'.repeat(Math.ceil(MAX_MATCH_WORK / 1000));
    expect(() => large.matchesWhole(value)).toThrow(expect.objectContaining({ status: 422, code: 'too-costly' }));
    expect(SafeRegex.compile('a*').matchesWhole(value)).toBe(true);
  });
});
