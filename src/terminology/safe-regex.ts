import type { RE2JS } from 're2js';
import { FhirError } from '../errors/fhir-error';

/** Longest pattern accepted from a client; RE2 is linear in the input, but the compiled program grows with the pattern. */
const MAX_PATTERN_LENGTH = 1000;
const CACHE_LIMIT = 200;

const cache = new Map<string, RE2JS>();

/** The RE2 engine, loaded with the first pattern (few value sets have regex filters). */
function re2(): typeof RE2JS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
}

/**
 * A regular expression given by a client (a `regex` filter in a value set), matched against a whole value.
 * It runs on RE2 (linear time in the input, no backtracking), so patterns such as `(a+)+$` cannot hang the server;
 * the native RegExp must never see client patterns.
 */
export class SafeRegex {
  private constructor(private readonly program: RE2JS) {}

  static compile(pattern: string): SafeRegex {
    if (pattern.length > MAX_PATTERN_LENGTH) {
      throw new FhirError(400, 'too-long', `The regular expression is longer than ${MAX_PATTERN_LENGTH} characters`, {
        txIssueType: 'vs-invalid', da: `Det regulære udtryk er længere end ${MAX_PATTERN_LENGTH} tegn`,
      });
    }
    let program = cache.get(pattern);
    if (!program) {
      try {
        program = re2().compile(pattern);
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        throw new FhirError(400, 'invalid', `The regular expression '${pattern}' is not valid: ${reason}`, {
          txIssueType: 'vs-invalid', da: `Det regulære udtryk '${pattern}' er ikke gyldigt: ${reason}`,
        });
      }
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
      cache.set(pattern, program);
    }
    return new SafeRegex(program);
  }

  /** True when the whole value matches the pattern (FHIR regex filters match the entire value). */
  matchesWhole(value: string): boolean {
    return this.program.matcher(value).matches();
  }
}
