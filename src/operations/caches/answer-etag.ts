import { contentEtag, REVALIDATE } from '../../fhir/content-etag';
import { SerializedExpansion } from '../../fhir/serialized';
import type { CachedAnswer } from './response-cache';

/** The headers an operation's answer carries for HTTP caches: its entity tag (contentEtag), and that it is revalidated. */
export type AnswerHeaders = Readonly<{ ETag: string; 'Cache-Control': string }>;

/** The tag of what these pieces say, in order. */
export function etagOfPieces(pieces: readonly (string | Buffer)[]): AnswerHeaders {
  return Object.freeze({ ETag: contentEtag(pieces), 'Cache-Control': REVALIDATE });
}

/** Where an expansion's identifier and timestamp are in its JSON (offsets and lengths of their JSON strings, in order). */
export interface StampRanges {
  first: number;
  firstLength: number;
  second: number;
  secondLength: number;
  identifierFirst: boolean;
}

/** The ranges of the identifier and timestamp; undefined when either does not occur exactly once (then there is no telling them from the content). */
export function stampRanges(json: string, identifier: string, timestamp: string): StampRanges | undefined {
  const id = JSON.stringify(identifier);
  const ts = JSON.stringify(timestamp);
  const i = json.indexOf(id);
  const t = json.indexOf(ts);
  if (i < 0 || t < 0 || json.lastIndexOf(id) !== i || json.lastIndexOf(ts) !== t) return undefined;
  const identifierFirst = i < t;
  const [first, firstLength, second, secondLength] = identifierFirst ? [i, id.length, t, ts.length] : [t, ts.length, i, id.length];
  return first + firstLength > second ? undefined : { first, firstLength, second, secondLength, identifierFirst };
}

/** The text of an expansion around its identifier and timestamp. */
export function aroundStamps(json: string, at: StampRanges): [string, string, string] {
  return [json.slice(0, at.first), json.slice(at.first + at.firstLength, at.second), json.slice(at.second + at.secondLength)];
}

/** The tag of an answer the response cache keeps: its bytes, or an expansion's bytes around its identifier and timestamp. */
export function etagOfCached(answer: CachedAnswer): AnswerHeaders | undefined {
  if (Buffer.isBuffer(answer)) return etagOfPieces([answer]);
  return 'parts' in answer ? etagOfPieces(answer.parts) : undefined;
}

/**
 * The tag of an answer just computed, equal to the one the response cache gives it once kept (etagOfCached): for an
 * expansion, what it says besides its identifier and timestamp.
 */
export function etagOfAnswer(kind: 'answer' | 'expansion', result: unknown, answer: { readonly text?: string; readonly chunks: readonly Buffer[] }): AnswerHeaders {
  const text = answer.text;
  if (kind === 'expansion') {
    if (result instanceof SerializedExpansion) return etagOfPieces(result.aroundStamp());
    const made = (result as { expansion?: { identifier?: unknown; timestamp?: unknown } } | null)?.expansion;
    if (typeof made?.identifier === 'string' && typeof made.timestamp === 'string') {
      const json = text ?? Buffer.concat(answer.chunks as Buffer[]).toString('utf8');
      const at = stampRanges(json, made.identifier, made.timestamp);
      if (at) return etagOfPieces(aroundStamps(json, at));
    }
  }
  return etagOfPieces(text !== undefined ? [text] : answer.chunks);
}
