/**
 * Marks middleware that needs nothing Express adds to request and response: it reads only what node:http gives
 * (method, url, headers, socket) and answers only through node:http's response methods. The lean dispatcher
 * (fast-path.ts) runs such middleware on the plain objects; any unmarked middleware makes it give them Express's
 * prototypes first.
 */
const NODE_OBJECTS = Symbol('faelles-tx.worksOnNodeObjects');

export function markWorksOnNodeObjects<T extends object>(mw: T): T {
  (mw as Record<symbol, boolean>)[NODE_OBJECTS] = true;
  return mw;
}

export function worksOnNodeObjects(mw: object): boolean {
  return (mw as Record<symbol, boolean>)[NODE_OBJECTS] === true;
}
