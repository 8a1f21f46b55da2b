import type { IncomingMessage } from 'node:http';

/**
 * The FHIR base URL a request was sent to, as Express's `req.protocol` and `req.get('host')` give it without a
 * trusted proxy (the app trusts none): behind a proxy that terminates TLS or rewrites the host, PUBLIC_BASE_URL says
 * what clients use.
 */
export function requestBaseUrl(req: IncomingMessage, basePath: string): string {
  const protocol = (req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http';
  return `${protocol}://${req.headers.host ?? 'localhost'}${basePath}`;
}
