import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, RequestHandler } from 'express';
import { FhirError } from '../../errors/fhir-error';
import { excerpt } from '../../errors/excerpt';

/** A Host value: a host name or IPv4 address (RFC 3986 reg-name without its sub-delims), or an IP literal, and a port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%]+)(?::[0-9]{0,5})?$/;
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/i;

/** The port of a Host value that HOST matches (0 when it has none). */
function portOf(host: string): number {
  const colon = host.lastIndexOf(':');
  return colon < 0 || host.endsWith(']') ? 0 : Number(host.slice(colon + 1));
}

/** How many Host fields the request head has (Node keeps the first as `headers.host`). */
function hostFields(req: IncomingMessage): number {
  const raw = req.rawHeaders;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') n++;
  }
  return n;
}

function badHost(what: string, whatDa: string): FhirError {
  return FhirError.invalid(`The request's Host header ${what}`, { da: `Forespørgslens Host-header ${whatDa}` });
}

/**
 * A request in absolute form (`GET http://host/fhir/… HTTP/1.1`, as proxies send it) is addressed by its target's
 * authority (RFC 9112 §3.2.2): it becomes the Host, and the path and query are the target routes see. Done before
 * Express sees the request, whose router keeps the scheme and authority of an absolute target in front of every path
 * it routes.
 */
export function originForm(req: IncomingMessage): void {
  const url = req.url ?? '';
  if (url.charCodeAt(0) === 0x2f) return;
  const absolute = ABSOLUTE_FORM.exec(url);
  if (!absolute) return;
  req.headers.host = absolute[1]!;
  req.url = absolute[2]!.startsWith('/') ? absolute[2]! : `/${absolute[2]!}`;
}

/** The last segment of a path that names an operation with its `$` percent-encoded. */
const ENCODED_OPERATION = /\/%24([A-Za-z-]+)$/;

/**
 * `…/%24expand` is `…/$expand`: some URI builders percent-encode the `$` of an operation's name (RFC 3986 lets them),
 * and HAPI decodes it; a resource id cannot hold a `%`, so nothing else is read differently.
 */
export function operationNameDecoded(req: IncomingMessage): void {
  const url = req.url ?? '';
  const at = url.indexOf('%24');
  if (at < 0) return;
  const q = url.indexOf('?');
  if (q >= 0 && q < at) return;
  const path = q < 0 ? url : url.slice(0, q);
  if (ENCODED_OPERATION.test(path)) req.url = path.replace(ENCODED_OPERATION, '/$$$1') + (q < 0 ? '' : url.slice(q));
}

/**
 * The Host as RFC 9112 §3.2 requires it, before anything builds a URL from it (paging links, `fullUrl`, `Location`,
 * without PUBLIC_BASE_URL): one that is not a host and port, an HTTP/1.1 request without one and a request with two
 * are 400.
 */
export function hostChecked(): RequestHandler {
  return ((req: IncomingMessage, _res: ServerResponse, next: NextFunction): void => {
    const host = req.headers.host;
    if (host === undefined) {
      return next(req.httpVersionMajor === 1 && req.httpVersionMinor === 0 ? undefined : badHost('is missing (HTTP/1.1 requires it)', 'mangler (HTTP/1.1 kræver den)'));
    }
    if (!HOST.test(host) || portOf(host) > 65535) {
      return next(badHost(`'${excerpt(host, 60)}' is not a host name and port`, `'${excerpt(host, 60)}' er ikke et værtsnavn og en port`));
    }
    if (hostFields(req) > 1) return next(badHost('is given more than once', 'er angivet mere end én gang'));
    next();
  }) as unknown as RequestHandler;
}
