import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthError, bearerToken, type Principal, type TokenVerifier } from '../../auth/verifier';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Verifies the Bearer token into `req.principal`; a 401 carries WWW-Authenticate as RFC 6750 asks. */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      req.principal = await verifier.verify(bearerToken(typeof header === 'string' ? header : undefined));
      next();
    } catch (e) {
      if (e instanceof AuthError) res.setHeader('WWW-Authenticate', e.challenge);
      next(e);
    }
  };
}
