import { ownEntry } from '../fhir/own-entry';
import type { RE2JS } from 're2js';
import { FhirError } from '../errors/fhir-error';
import { checkTimeBudget } from './time-budget';

/** Longest pattern accepted from a client. */
const MAX_PATTERN_LENGTH = 1000;
/**
 * Most instructions a client's pattern may compile to. The text's length does not bound the program: a repeat holds
 * its expression as many times as it may repeat, so `.{0,1000}` is 2,000 instructions and 1,000 characters of such
 * repeats 220,000 (35 MB and seconds to compile in re2js, which has no limit of its own as C++ RE2 has).
 */
export const MAX_PROGRAM_SIZE = 3000;
/**
 * Most instructions × characters of one match. A match cannot be interrupted by the time budget, and on input that
 * keeps making the engine new states it costs up to ~200 ns per instruction and character (1 s here).
 */
export const MAX_MATCH_WORK = 5_000_000;
/** Programs kept for reuse, by count and by their instructions in all; each one's match state re2js bounds at 8 MB. */
const CACHE_LIMIT = 16;
const CACHE_INSTRUCTIONS = 4 * MAX_PROGRAM_SIZE;

const cache = new Map<string, RE2JS>();
let cachedInstructions = 0;

/** The RE2 engine, loaded with the first pattern (few value sets have regex filters). */
function re2(): typeof RE2JS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
}

const NAMED_GROUP = /\?P?<(?![=!])[^>]*>/y;
const FLAGS = /\?[a-zA-Z-]*/y;
const COUNTED_REPEAT = /\{(\d+)(,(\d*))?\}/y;

/** One character that stands for itself in a pattern. */
const LITERAL_CHARACTER = /^[^.^$()[\]{}|*+?\\]$/u;

/**
 * How many instructions RE2 compiles a pattern to, at most, read from its text as RE2's parser counts them
 * (its calcSize; re2js does not expose its parser): a capture adds 2, `*` 2, `+` and `?` 1, `x{n,m}` is m copies of x
 * and m−n more, an alternation one per `|` (alternatives of single characters are one character class). A pattern
 * that is not valid is counted as far as it reads; the engine refuses it afterwards.
 */
export function programSizeOf(pattern: string): number {
  let i = 0;
  /** The syntax at i, consumed. */
  const match = (syntax: RegExp): RegExpExecArray | null => {
    syntax.lastIndex = i;
    const m = syntax.exec(pattern);
    if (m) i += m[0].length;
    return m;
  };
  const alternation = (): number => {
    let start = i;
    let size = concatenation();
    let literals = LITERAL_CHARACTER.test(pattern.slice(start, i));
    let alternatives = 1;
    while (pattern[i] === '|') {
      start = ++i;
      size += concatenation() + 1;
      literals &&= LITERAL_CHARACTER.test(pattern.slice(start, i));
      alternatives++;
    }
    // RE2 makes alternatives of single characters one character class (a|b|c is [a-c])
    return alternatives > 1 && literals ? 1 : size;
  };
  const concatenation = (): number => {
    let size = 0;
    let piece = 0;
    while (i < pattern.length && pattern[i] !== '|' && pattern[i] !== ')') {
      const next = atom();
      if (next === undefined) size -= piece; // a repeat after (?i) repeats what came before it
      else piece = next;
      for (let r = repeat(); r; r = repeat()) {
        const [min, max] = r;
        piece = Math.max(1, max < 0 ? (min === 0 ? 2 + piece : 1 + min * piece) : max * piece + (max - min));
      }
      size += piece;
    }
    return Math.max(1, size);
  };
  /** The size of the expression at i, consumed; undefined for flags that stand alone, (?i). */
  const atom = (): number | undefined => {
    const c = pattern[i++];
    if (c === '[') {
      characterClass();
      return 1;
    }
    if (c === '\\') return escape();
    if (c !== '(') return 1;
    let capture = true;
    if (pattern[i] === '?' && !match(NAMED_GROUP)) { // (?P<name>…) and (?<name>…) capture
      match(FLAGS);
      if (pattern[i] === ')') {
        i++;
        return undefined;
      }
      if (pattern[i] === ':') {
        capture = false;
        i++;
      } else {
        i += 2; // a lookbehind (?<= (?<!, counted as a capture
      }
    }
    const inner = alternation();
    if (pattern[i] === ')') i++;
    return capture ? inner + 2 : inner;
  };
  const escape = (): number => {
    const c = pattern[i++];
    if (c === 'Q') { // \Q…\E: the text between as it is
      const end = pattern.indexOf('\\E', i);
      const literal = (end < 0 ? pattern.length : end) - i;
      i = end < 0 ? pattern.length : end + 2;
      return Math.max(1, literal);
    }
    if ((c === 'x' || c === 'p' || c === 'P') && pattern[i] === '{') {
      const end = pattern.indexOf('}', i);
      i = end < 0 ? pattern.length : end + 1;
    } else if (c === 'x') {
      i += 2;
    } else if (c === 'p' || c === 'P') {
      i++;
    }
    return 1;
  };
  /** A class to its `]`: a `]` first is a character, and so is the end of a range (`[*-[:a]` holds no [:alpha:]). */
  const characterClass = (): void => {
    /** One character or escape, consumed; false for a class such as \\d or \\pL, which starts no range. */
    const classCharacter = (): boolean => {
      if (pattern[i++] !== '\\') return true;
      const named = 'dDsSwWpP'.includes(pattern[i]);
      escape();
      return !named;
    };
    if (pattern[i] === '^') i++;
    for (let first = true; i < pattern.length && (pattern[i] !== ']' || first); first = false) {
      const posix = pattern.startsWith('[:', i) ? pattern.indexOf(':]', i + 2) : -1;
      if (posix >= 0) {
        i = posix + 2;
        continue;
      }
      if (classCharacter() && pattern[i] === '-' && i + 1 < pattern.length && pattern[i + 1] !== ']') {
        i++;
        classCharacter();
      }
    }
    i++;
  };
  /** The next repetition operator as [min, max] (max −1: no upper bound), consumed with its `?` (non-greedy). */
  const repeat = (): [number, number] | undefined => {
    let r: [number, number] | undefined;
    const c = pattern[i];
    if (c === '*') r = [0, -1];
    else if (c === '+') r = [1, -1];
    else if (c === '?') r = [0, 1];
    if (r) {
      i++;
    } else if (c === '{') {
      const m = match(COUNTED_REPEAT);
      if (!m) return undefined; // a `{` that is no repeat is a literal
      const min = Number(m[1]);
      r = [min, m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3])];
    } else {
      return undefined;
    }
    if (pattern[i] === '?') i++;
    return r;
  };
  let size = 0;
  while (i < pattern.length) {
    size += alternation();
    if (pattern[i] === ')') i++; // an unmatched `)`: the engine refuses the pattern
  }
  return size;
}

/** RE2's syntax errors (RE2JSSyntaxException's `error`, its parser's fixed texts) in Danish. */
const SYNTAX_ERRORS_DA: Readonly<Record<string, string>> = {
  'invalid character class range': 'ugyldigt interval i en tegnklasse',
  'invalid escape sequence': 'ugyldig escape-sekvens',
  'invalid named capture': 'ugyldig navngiven gruppe',
  'invalid or unsupported Perl syntax': 'ugyldig eller ikke understøttet Perl-syntaks',
  'invalid nested repetition operator': 'gentagelse af en gentagelse',
  'invalid repeat count': 'ugyldigt antal gentagelser',
  'missing closing ]': "der mangler en afsluttende ']'",
  'missing closing )': "der mangler en afsluttende ')'",
  'missing argument to repetition operator': 'en gentagelse uden noget at gentage',
  'trailing backslash at end of expression': 'udtrykket slutter med en omvendt skråstreg',
  'duplicate capture group name': 'et gruppenavn bruges to gange',
  'unexpected )': "en ')' uden en '(' før",
  'expression nests too deeply': 'udtrykket er indlejret for dybt',
  'expression too large': 'udtrykket er for stort',
};

/**
 * What RE2's error says, in Danish (`: der mangler en afsluttende ')'`, with the part of the pattern it names); '' for
 * an error without a Danish text, whose English stays in the English message only.
 */
function syntaxErrorDa(e: unknown): string {
  const { error, input } = e as { error?: unknown; input?: unknown };
  const da = typeof error === 'string' ? ownEntry(SYNTAX_ERRORS_DA, error) : undefined;
  if (!da) return '';
  return typeof input === 'string' && input !== '' ? `: ${da} ('${input}')` : `: ${da}`;
}

/**
 * A regular expression given by a client (a `regex` filter in a value set), matched against a whole value.
 * It runs on RE2 (linear time in the input, no backtracking), so patterns such as `(a+)+$` cannot hang the server;
 * the native RegExp must never see client patterns. What it costs is bounded before it is compiled (the program's
 * size) and before each match (the program's size times the value's length).
 */
export class SafeRegex {
  private constructor(private readonly program: RE2JS, private readonly size: number, private readonly expression?: string[]) {}

  /** `expression`: where the pattern was given (a filter's value), named by the errors. */
  static compile(pattern: string, expression?: string[]): SafeRegex {
    if (pattern.length > MAX_PATTERN_LENGTH) {
      throw new FhirError(400, 'too-long', `The regular expression is longer than ${MAX_PATTERN_LENGTH} characters`, {
        txIssueType: 'vs-invalid', expression, da: `Det regulære udtryk er længere end ${MAX_PATTERN_LENGTH} tegn`,
      });
    }
    let program = cache.get(pattern);
    if (!program) {
      if (programSizeOf(pattern) > MAX_PROGRAM_SIZE) {
        throw FhirError.tooCostly(`The regular expression would compile to more than ${MAX_PROGRAM_SIZE} instructions ` +
          '(a repeat such as {0,1000} holds its expression that many times); write it with fewer or smaller repeats', {
          expression, da: `Det regulære udtryk ville blive til mere end ${MAX_PROGRAM_SIZE} instruktioner ` +
            '(en gentagelse som {0,1000} rummer sit udtryk så mange gange); skriv det med færre eller mindre gentagelser',
        });
      }
      checkTimeBudget();
      try {
        program = re2().compile(pattern);
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        throw new FhirError(400, 'invalid', `The regular expression '${pattern}' is not valid: ${reason}`, {
          txIssueType: 'vs-invalid', expression, da: `Det regulære udtryk '${pattern}' er ikke gyldigt${syntaxErrorDa(e)}`,
        });
      }
      keep(pattern, program);
    }
    return new SafeRegex(program, program.programSize(), expression);
  }

  /** True when the whole value matches the pattern (FHIR regex filters match the entire value). */
  matchesWhole(value: string): boolean {
    if (this.size * value.length > MAX_MATCH_WORK) {
      throw FhirError.tooCostly(`Matching the regular expression (${this.size} instructions) against a value of ` +
        `${value.length} characters is too costly: at most ${MAX_MATCH_WORK} instructions × characters`, {
        expression: this.expression, da: `Det regulære udtryk (${this.size} instruktioner) er for dyrt at afprøve mod en værdi på ` +
          `${value.length} tegn: højst ${MAX_MATCH_WORK} instruktioner × tegn`,
      });
    }
    checkTimeBudget();
    // testExact asks for no submatches, so RE2's DFA answers; a Matcher's matches() always runs the slower NFA
    return this.program.testExact(value);
  }
}

/** Keeps a compiled program, the oldest ones leaving while the cache holds too many or too many instructions. */
function keep(pattern: string, program: RE2JS): void {
  cache.set(pattern, program);
  cachedInstructions += program.programSize();
  for (const [oldest, old] of cache) {
    if (cache.size <= CACHE_LIMIT && cachedInstructions <= CACHE_INSTRUCTIONS) break;
    cache.delete(oldest);
    cachedInstructions -= old.programSize();
  }
}

/** What the cache holds, for tests. */
export function regexCacheSize(): { programs: number; instructions: number } {
  return { programs: cache.size, instructions: cachedInstructions };
}
