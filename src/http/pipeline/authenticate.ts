import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthError, bearerToken, type Principal, type TokenPurpose, type TokenVerifier } from '../../auth/verifier';
import { HISTORY_PATH, RESOURCE_PATH, SEARCH_PATH } from '../../write/interactions';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Verifies the Bearer token into `req.principal` (once); a 401 carries WWW-Authenticate as RFC 6750 asks. */
export function authenticate(verifier: TokenVerifier, purpose: TokenPurpose = 'write'): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.principal) return next();
    try {
      const header = req.headers.authorization;
      req.principal = await verifier.verify(bearerToken(typeof header === 'string' ? header : undefined, purpose));
      next();
    } catch (e) {
      if (e instanceof AuthError) res.setHeader('WWW-Authenticate', e.challenge);
      next(e);
    }
  };
}

/**
 * Verifies a write's token (a create: POST of a type; an update or delete: PUT, DELETE of an instance; a POST of an
 * operation that writes, `operationPaths`) before its body is read: an anonymous write is answered 401 without the
 * server reading and parsing a body of up to BODY_LIMIT_BYTES that it would refuse anyway (the connection is closed
 * on the unread body). The write route's own authenticate, and an operation's caller, find the principal set.
 */
export function authenticateWritesFirst(verifier: TokenVerifier, operationPaths?: RegExp): RequestHandler {
  const check = authenticate(verifier);
  return (req: Request, res: Response, next: NextFunction) => {
    const { method } = req;
    if (method !== 'PUT' && method !== 'DELETE' && method !== 'POST') return next();
    const writesResource = RESOURCE_PATH.test(req.path) && !(method === 'POST' && /^\/[A-Za-z]+\/./.test(req.path))
      && !SEARCH_PATH.test(req.path) && !HISTORY_PATH.test(req.path);
    if (!writesResource && !(method === 'POST' && operationPaths?.test(req.path))) return next();
    void check(req, res, (err?: unknown) => {
      const body = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
      if (err && body) res.setHeader('Connection', 'close');
      next(err);
    });
  };
}
