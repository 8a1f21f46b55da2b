import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { markWorksOnNodeObjects } from './node-middleware';

/**
 * Middleware that does nothing but set the same response headers on every request (helmet's security headers) can be
 * replaced, on the hot path, by a loop setting those headers: the same headers in the same order, without a dozen
 * nested middleware calls per request. The middleware has to be marked; the mark is then checked by running it on
 * probes that record every access, and a marked middleware that does anything else is kept as it is.
 */

const STATIC_HEADERS = Symbol('faelles-tx.staticHeaders');

export type HeaderCall = ['set', string, unknown] | ['remove', string];

/** Marks a middleware as setting only fixed response headers (and calling `next()` at once). */
export function markStaticHeaders<T extends RequestHandler>(mw: T): T {
  (mw as unknown as Record<symbol, boolean>)[STATIC_HEADERS] = true;
  return mw;
}

/** The header calls of a marked middleware, recorded on two probes; undefined when it is not marked or not static. */
export function staticHeaderCalls(mw: RequestHandler): HeaderCall[] | undefined {
  if ((mw as unknown as Record<symbol, boolean>)[STATIC_HEADERS] !== true) return undefined;
  const probe = (): HeaderCall[] | undefined => {
    const calls: HeaderCall[] = [];
    let other = false;
    let nextCalls = 0;
    const req = new Proxy({}, {
      get: () => { other = true; return undefined; },
      has: () => { other = true; return false; },
      set: () => { other = true; return true; },
    });
    const res: object = new Proxy({}, {
      get: (_t, key) => {
        if (key === 'setHeader') return (name: string, value: unknown) => { calls.push(['set', name, value]); return res; };
        if (key === 'removeHeader') return (name: string) => { calls.push(['remove', name]); };
        other = true;
        return undefined;
      },
      has: () => { other = true; return false; },
      set: () => { other = true; return true; },
    });
    try {
      mw(req as Request, res as Response, (err?: unknown) => {
        if (err === undefined) nextCalls++;
        else other = true;
      });
    } catch {
      return undefined;
    }
    return other || nextCalls !== 1 ? undefined : calls;
  };
  const a = probe();
  const b = probe();
  if (!a || !b || JSON.stringify(a) !== JSON.stringify(b)) return undefined;
  return a;
}

/** The middleware list with marked static-header middleware replaced by a loop over the headers it sets. */
export function compileStaticHeaders(chain: RequestHandler[]): RequestHandler[] {
  return chain.map((mw) => {
    const calls = staticHeaderCalls(mw);
    if (!calls) return mw;
    return markWorksOnNodeObjects((_req: Request, res: Response, next: NextFunction) => {
      applyHeaderCalls(res, calls);
      next();
    });
  });
}

/**
 * The header calls of the marked static-header middleware at the start of a chain, merged into one list, and the
 * middleware after them (unchanged): a caller can set the headers with `applyHeaderCalls` and run only the rest.
 */
export function leadingStaticHeaders(chain: RequestHandler[]): { calls: HeaderCall[]; rest: RequestHandler[] } {
  const calls: HeaderCall[] = [];
  let i = 0;
  for (; i < chain.length; i++) {
    const own = staticHeaderCalls(chain[i]!);
    if (!own) break;
    calls.push(...own);
  }
  return { calls, rest: chain.slice(i) };
}

/** Sets (and removes) the headers of `leadingStaticHeaders`, in order. */
export function applyHeaderCalls(res: { setHeader(name: string, value: string): unknown; removeHeader(name: string): void }, calls: HeaderCall[]): void {
  for (const c of calls) {
    if (c[0] === 'set') res.setHeader(c[1], c[2] as string);
    else res.removeHeader(c[1]);
  }
}
