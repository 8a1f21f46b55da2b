import type { NextFunction, Request, Response } from 'express';
import { allowHeader, methodNotAllowed, noRoute } from '../../errors/common-errors';
import { operationAt, operationMethodsAt, type Invoker } from '../../operations/invoke';
import type { TerminologyType } from '../../terminology/resource-set';
import { HISTORY_PATH, RESOURCE_PATH, resourceMethods, SEARCH_PATH } from '../../write/interactions';
import type { ResourceWriter } from '../../write/writer';
import { readOnlyTypeMethods } from '../../operations/read-only-types';
import { AUDIT_POST_SEARCH_PATH, AUDIT_READ_PATH } from '../../write/audit-search';

export interface PathMethodsDeps {
  writer: ResourceWriter;
  invoker: Invoker;
}

/** The paths only read (GET, and HEAD with it): the CapabilityStatement and the audit log. */
const READ_ONLY_PATH = /^\/(?:metadata|AuditEvent)\/?$/;

/**
 * The methods a FHIR path (below the base) takes, by the routes that answer it: the one list that both the 405 of a
 * method it does not take (its Allow header) and OPTIONS answer with; undefined for a path no route answers (404),
 * none for an operation path where the operation is not taken (at this level, or at all: every method is refused there).
 * The package operations, `$load-package` and `$package`, have their own router (packages.ts).
 */
export function pathMethods(path: string, deps: PathMethodsDeps): readonly string[] | undefined {
  if (path === '/') return ['POST']; // batch and transaction Bundles
  if (READ_ONLY_PATH.test(path) || HISTORY_PATH.test(path) || AUDIT_READ_PATH.test(path)) return ['GET'];
  if (SEARCH_PATH.test(path) || AUDIT_POST_SEARCH_PATH.test(path)) return ['GET', 'POST'];
  const readOnly = readOnlyTypeMethods(path);
  if (readOnly) return readOnly;
  const call = operationAt(deps.invoker, path);
  if (call) return operationMethodsAt(call.op, call.type, call.id, call.name);
  const resource = RESOURCE_PATH.exec(path);
  return resource ? resourceMethods(deps.writer, resource[1] as TerminologyType, resource[2]) : undefined;
}

/** An answer to OPTIONS (RFC 9110 §9.3.7): 204, the Allow header of the methods the path takes, no body. */
export function answerOptions(res: Response, methods: readonly string[]): void {
  res.set('Allow', allowHeader(methods)).status(204).end();
}

/**
 * OPTIONS of any FHIR path, before the routes (Express would answer it with the methods of the first router that
 * has the path, as text): `answerOptions` with `pathMethods`, 404 for a path no route answers. A path that takes no
 * method (an operation at a level it is not taken at) is left to its route, which answers every method, OPTIONS too,
 * with why (invoke's 400 or 404). A CORS preflight is answered before it (http/pipeline/security.ts).
 */
export function optionsRoute(deps: PathMethodsDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'OPTIONS') return next();
    const methods = pathMethods(req.path, deps);
    if (!methods) return next(noRoute(req));
    if (methods.length === 0) return next();
    answerOptions(res, methods);
  };
}

/** After the FHIR routes: 405 with Allow for a method a path does not take (e.g. POST to an instance), 404 for a path none answers. */
export function notAnsweredRoute(deps: PathMethodsDeps) {
  return (req: Request): never => {
    const methods = pathMethods(req.path, deps);
    if (!methods) throw noRoute(req);
    throw methodNotAllowed(methods, `${req.method} is not supported on ${req.path}`, `${req.method} understøttes ikke på ${req.path}`);
  };
}
