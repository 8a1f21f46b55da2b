import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { TokenVerifier } from '../../auth/verifier';
import { FhirError } from '../../errors/fhir-error';
import { noRoute } from '../../errors/common-errors';
import { kommuneByKode } from '../../municipal/kommuner';
import { authenticate } from '../pipeline/authenticate';

/** Where `npm run build` puts the web page (scripts/build-web.ts). */
export function defaultWebDir(root: string): string {
  return path.join(root, 'dist', 'web');
}

export interface WebAppDeps {
  /** The built page: index.html, main.js, main.css. */
  dir: string;
  /** The FHIR endpoint's path as the browser sees it (from PUBLIC_BASE_URL when set, else BASE_PATH). */
  fhirBasePath: string;
  verifier: TokenVerifier;
  /** BODY_LIMIT_BYTES: the page checks a file against it before sending it (an import's CSV goes base64 in a Parameters body). */
  bodyLimitBytes: number;
}

/**
 * The page's own policy: the server's (helmet: 'self' only), minus upgrade-insecure-requests, which would make a
 * browser fetch the page's scripts over https when the server is reached over plain http on an intranet host.
 */
const PAGE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "font-src 'self'",
  "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'self'",
].join('; ');

function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The web page for municipal staff at /app: the built files (no inline scripts), index.html with the FHIR base
 * filled in, and GET /app/api/session, which checks a token and names what it may write (the page's sign-in) and the
 * largest request body the server takes.
 */
export function webAppRoutes(deps: WebAppDeps): Router {
  const router = Router();
  const indexFile = path.join(deps.dir, 'index.html');
  let index: string | undefined;
  const page = (): string | undefined => {
    if (index === undefined && fs.existsSync(indexFile)) {
      index = fs.readFileSync(indexFile, 'utf8').replace('{{FHIR_BASE}}', escapeAttribute(deps.fhirBasePath));
    }
    return index;
  };

  router.use('/app', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    next();
  });
  router.get('/app', (req, res, next) => {
    // Relative asset URLs need the trailing slash.
    if (req.path === '/app' && req.originalUrl.split('?')[0] === '/app') return res.redirect(301, 'app/');
    next();
  });
  router.get('/app/api/session', authenticate(deps.verifier, 'session'), (req, res) => {
    const p = req.principal!;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ kommunekode: p.kommunekode, kommunenavn: kommuneByKode(p.kommunekode)?.officieltNavn, admin: p.admin, subject: p.subject, scopes: p.scopes,
      bodyLimitBytes: deps.bodyLimitBytes,
    });
  });
  router.all(/^\/app\/api(\/.*)?$/, (req) => {
    throw noRoute(req);
  });
  router.get(['/app/', '/app/index.html'], (_req, res, next) => {
    const html = page();
    if (html === undefined) {
      return next(new FhirError(404, 'not-found', 'The web page is not built; run npm run build (it writes dist/web)', { da: 'Websiden er ikke bygget; kør npm run build (den skriver dist/web)' }));
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  router.use('/app', express.static(deps.dir, {
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
  }));
  return router;
}
