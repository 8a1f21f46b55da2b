import { createHash, hash } from 'node:crypto';

/**
 * A weak entity tag (RFC 9110 §8.8.3) of what these pieces of text or bytes say, in order: a digest of their bytes
 * as one. Weak, because a tagged answer whose bytes differ but say the same (indented by `_pretty`, compressed by a
 * proxy, an expansion with a new identifier and timestamp) keeps its tag.
 */
export function contentEtag(pieces: readonly (string | Buffer)[]): string {
  let digest: string;
  if (pieces.length === 1) {
    digest = hash('sha256', pieces[0]!, 'base64url');
  } else {
    const h = createHash('sha256');
    for (const piece of pieces) h.update(piece);
    digest = h.digest('base64url');
  }
  return `W/"sha256-${digest.slice(0, 22)}"`;
}

/**
 * The Cache-Control of an answer with an entity tag (a read, an operation's GET answer): a cache may keep it but asks
 * again before each use (If-None-Match, answered 304 when nothing changed), so no client is answered from catalogs a
 * write or a new release has changed since. Without it a cache may take a written resource as fresh for a tenth of
 * its age, by its Last-Modified (RFC 9111 §4.2.2).
 */
export const REVALIDATE = 'no-cache';
