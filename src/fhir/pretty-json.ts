import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';

/**
 * Compact JSON text indented by two spaces per level, as `JSON.stringify(value, null, 2)` would write it, without
 * parsing it: every number keeps its text (a FHIR decimal's `1.50` stays `1.50`). The text must be valid JSON.
 */
export function indentJson(text: string): string {
  let out = '';
  let depth = 0;
  let from = 0;
  const newline = (level: number) => `\n${'  '.repeat(level)}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: on to its closing quote, past escaped characters
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      out += text.slice(from, i + 1);
      if (text.charCodeAt(i + 1) === close) {
        out += text[i + 1];
        i++;
      } else {
        out += newline(++depth);
      }
      from = i + 1;
    } else if (c === 0x7d || c === 0x5d) {
      out += text.slice(from, i) + newline(--depth) + text[i];
      from = i + 1;
    } else if (c === 0x2c) {
      out += text.slice(from, i + 1) + newline(depth);
      from = i + 1;
    } else if (c === 0x3a) {
      out += text.slice(from, i + 1) + ' ';
      from = i + 1;
    }
  }
  return out + text.slice(from);
}

/**
 * `_pretty` of a URL's query (a request's, or a batch entry's), as the query parser gives it: absent, or `true` or
 * `false` once (400 otherwise: a value the server would read as `false` without a word, or a contradiction).
 */
export function checkPrettyParameter(pretty: unknown): void {
  if (pretty === undefined || pretty === 'true' || pretty === 'false') return;
  if (typeof pretty !== 'string') throw FhirError.invalid("'_pretty' may be given once", { expression: ['_pretty'], da: "'_pretty' må kun angives én gang" });
  const named = excerpt(pretty, 40);
  throw FhirError.invalid(`_pretty must be true or false, not '${named}'`, { expression: ['_pretty'], da: `_pretty skal være true eller false, ikke '${named}'` });
}

/** FHIR's `_pretty=true` in a request's query. */
const PRETTY = /[?&]_pretty=true(?:&|$)/;

/** Whether the URL's query asks for indented answers (`_pretty=true`). */
export function wantsPretty(url: string | undefined): boolean {
  return url !== undefined && url.includes('_pretty') && PRETTY.test(url);
}

/** A JSON answer's bytes (its text when known) indented; the response cache keeps answers compact. */
export function indentedBytes(answer: { chunks: readonly Buffer[]; byteLength: number; text?: string }): { chunks: Buffer[]; byteLength: number; text: undefined } {
  const body = Buffer.from(indentJson(answer.text ?? Buffer.concat(answer.chunks as Buffer[], answer.byteLength).toString('utf8')), 'utf8');
  return { chunks: [body], byteLength: body.length, text: undefined };
}
