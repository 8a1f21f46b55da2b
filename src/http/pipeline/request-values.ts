import { ownEntry } from '../../fhir/own-entry';
import type { IncomingMessage } from 'node:http';
import { messageLanguage, parseLanguages, type MessageLanguage } from '../../errors/message-language';
import type { ClientCaches } from '../../operations/caches/client-caches';

/** A header given once, as its text; undefined when it is absent or (as node gives a repeated one) a list. */
export function headerText(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The FHIR base URL a request was sent to, as Express's `req.protocol` and `req.get('host')` give it without a
 * trusted proxy (TRUST_PROXY is trusted for the client's address only, never for X-Forwarded-Proto or -Host): behind a
 * proxy that terminates TLS or rewrites the host, PUBLIC_BASE_URL says what clients use.
 */
export function requestBaseUrl(req: IncomingMessage, basePath: string): string {
  const protocol = (req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http';
  return `${protocol}://${req.headers.host ?? 'localhost'}${basePath}`;
}

/**
 * The largest expansion returned without paging for this request: the configured limit, or a lower one the
 * client asks for with the X-Too-Costly-Threshold header (a client may only lower it).
 */
export function expansionLimit(req: IncomingMessage, configured: number): number {
  const raw = req.headers['x-too-costly-threshold'];
  const value = typeof raw === 'string' && /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
  return value !== undefined && value > 0 && value < configured ? value : configured;
}

/**
 * The client's terminology cache the request names by X-Cache-Id (`$cache-control`), whether the server holds it or
 * not (an operation answers 404 cache-id-unknown for one it does not); none without the header, or with it empty.
 */
export function clientCacheOf(req: IncomingMessage, caches: ClientCaches): { caches: ClientCaches; id: string } | undefined {
  const id = headerText(req, 'x-cache-id')?.trim();
  return id ? { caches, id } : undefined;
}

/** The languages of Accept-Language, preferred first. */
export function acceptLanguages(req: IncomingMessage): string[] {
  const header = req.headers['accept-language'];
  return parseLanguages(typeof header === 'string' ? header : undefined);
}

/** The language of a refusal of the request by the server's rule alone (`messageLanguage`), where no other rule is given. */
export function acceptedMessageLanguage(req: IncomingMessage): MessageLanguage {
  return messageLanguage(req.headers['accept-language']);
}

/** Content codings by the names RFC 9110 §8.4.1 has a recipient read them as: `x-gzip` is `gzip`, `x-compress` is `compress`. */
const CODING_ALIASES: Readonly<Record<string, string>> = { 'x-gzip': 'gzip', 'x-compress': 'compress' };

/** The request's Content-Encoding, by the name body-parser knows it (`identity` when it names none; `gzip` for `x-gzip`). */
export function contentEncoding(req: IncomingMessage): string {
  const named = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  return ownEntry(CODING_ALIASES, named) ?? named;
}
