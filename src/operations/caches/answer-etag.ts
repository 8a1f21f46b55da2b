import { contentEtag, REVALIDATE } from '../../fhir/content-etag';
import type { CachedAnswer, ExpansionTemplate } from './response-cache';

/** The headers an operation's answer carries for HTTP caches: its entity tag (contentEtag), and that it is revalidated. */
export type AnswerHeaders = Readonly<{ ETag: string; 'Cache-Control': string }>;

/** The tag of what these pieces say, in order. */
export function etagOfPieces(pieces: readonly (string | Buffer)[]): AnswerHeaders {
  return Object.freeze({ ETag: contentEtag(pieces), 'Cache-Control': REVALIDATE });
}

/** The tag of an answer the response cache keeps: its bytes, or an expansion's bytes around its identifier and timestamp. */
export function etagOfCached(answer: CachedAnswer): AnswerHeaders | undefined {
  if (Buffer.isBuffer(answer)) return etagOfPieces([answer]);
  return 'parts' in answer ? etagOfPieces(answer.parts) : undefined;
}

/**
 * The tag of an answer just computed, equal to the one the response cache gives it once kept (etagOfCached): of an
 * expansion's template (expansionTemplateOf), what it says besides its identifier and timestamp; else of all its bytes.
 */
export function etagOfAnswer(template: ExpansionTemplate | undefined, answer: { readonly text?: string; readonly chunks: readonly Buffer[] }): AnswerHeaders {
  if (template) return etagOfPieces(template.parts);
  return etagOfPieces(answer.text !== undefined ? [answer.text] : answer.chunks);
}
