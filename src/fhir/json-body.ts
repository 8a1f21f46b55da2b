import { MAX_JSON_DEPTH, nestedTooDeep, TOO_DEEP, valueEnd } from './json-depth';
import { repeatedNameError } from './json-names';
import { inexactNumberError } from './json-numbers';
import { scanJsonText } from './json-scan';
import { parseParametersBody, type ParsedBody } from './parameters-body';

/**
 * A JSON request body (UTF-8 bytes) as body-parser's `express.json({ strict: true })` reads it — a leading byte order
 * mark dropped, an empty body taken as `{}`, only an object or array at the top, JSON.parse's value and errors — with
 * Parameters bodies parsed by parseParametersBody (identical parameters parsed once; a list longer than
 * `maxParameters` is refused as soon as it is seen), and FHIR's rule that an object names each property once (400).
 * A number whose value JSON.parse would change (more significant digits than a double holds) in any body but a
 * Parameters is refused (422, fhir/json-numbers.ts): the server would store and serve another value than the one sent.
 * A body nested deeper than MAX_JSON_DEPTH is refused (400) from its bytes, before any of it is parsed.
 * test/unit/json-body.test.ts holds it to body-parser's answers.
 */
export function parseJsonBody(body: Buffer, maxParameters?: number): ParsedBody {
  const start = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  if (start === body.length) return { value: {} };
  const parameters = parseParametersBody(body, start, maxParameters);
  if (parameters) return parameters;
  if (valueEnd(body, start, MAX_JSON_DEPTH) === TOO_DEEP) throw nestedTooDeep();
  const text = body.toString('utf8', start);
  if (text[0] !== '{' && text[0] !== '[') {
    const first = FIRST_NON_WHITESPACE.exec(text)?.[1] || undefined;
    if (first !== '{' && first !== '[') throw strictViolation(text, first);
  }
  const value = JSON.parse(text) as unknown;
  // an operation's Parameters (whatever the order of its members) is read as the parameters' values, and not stored
  const root = pathRoot(value);
  const { repeated, inexact } = scanJsonText(body, start, body.length, root, root !== 'Parameters');
  if (repeated) throw repeatedNameError(repeated);
  if (inexact) throw inexactNumberError(inexact);
  return { value };
}

/** A resource's paths start at its type, as a validator's expressions do; anything else's at `$`. */
function pathRoot(value: unknown): string {
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  return typeof type === 'string' && /^[A-Z][A-Za-z]{0,63}$/.test(type) ? type : '$';
}

const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;

/** body-parser's error for a body that is not an object or array: JSON.parse's message for that first character. */
function strictViolation(text: string, first: string | undefined): SyntaxError {
  const index = first === undefined ? -1 : text.indexOf(first);
  const partial = index === -1 ? '' : text.substring(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(partial);
    return new SyntaxError('strict violation');
  } catch (e) {
    return new SyntaxError((e as Error).message.replace(/#+/g, (placeholder) => text.substring(index, index + placeholder.length)));
  }
}
