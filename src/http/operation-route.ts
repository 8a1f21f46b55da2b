import type { NextFunction, Request, Response } from 'express';
import { FhirError } from '../errors/fhir-error';
import { parseParametersResource, parseQuery, type OperationInput } from '../fhir/parameters';
import type { OperationContext, OperationHandler } from '../operations/context';
import { findOperation } from '../operations';
import { parseLanguages } from '../terminology/language';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { sendResource } from './fhir-json';

export const OPERATION_PATH = /^\/(CodeSystem|ValueSet|ConceptMap)(?:\/([^/]+))?\/\$([A-Za-z-]+)$/;

function hasBody(req: Request): boolean {
  return req.body !== undefined && req.body !== null && typeof req.body === 'object' && Object.keys(req.body as object).length > 0;
}

/**
 * The handler an operation request addresses (shared with the lean dispatcher in fast-path.ts); throws the FhirError
 * the request is answered with when the method, operation or level does not fit.
 */
export function resolveOperation(type: TerminologyType, id: string | undefined, name: string, method: string): OperationHandler {
  if (method !== 'GET' && method !== 'POST') {
    throw new FhirError(405, 'not-supported', `Operation $${name} accepts GET and POST, not ${method}`);
  }
  const op = findOperation(type, name);
  if (!op) throw new FhirError(404, 'not-supported', `The operation $${name} is not supported on ${type}`);
  const level = id ? 'instance' : 'type';
  if (!op.levels.includes(level)) throw new FhirError(400, 'not-supported', `The operation $${name} is not supported at ${level} level`);
  return op;
}

/** The resource an instance-level call addresses (undefined at type level). */
export function operationTarget(ctx: OperationContext, type: TerminologyType, id: string | undefined): TerminologyResource | undefined {
  if (!id) return undefined;
  const target = ctx.registry.byId(type, id);
  if (!target) throw FhirError.notFound(`${type}/${id} is not known`, { expression: ['id'] });
  return target;
}

/**
 * One route for every terminology operation: GET (query) and POST (Parameters), at type and instance level.
 * It turns the request into a typed OperationInput and hands it to the handler, which knows nothing of HTTP.
 */
export function operationRoute(contextFor: (req: Request) => OperationContext) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const match = OPERATION_PATH.exec(req.path);
      if (!match) return next();
      const [, type, id, name] = match as unknown as [string, TerminologyType, string | undefined, string];
      const op = resolveOperation(type, id, name, req.method);

      let input: OperationInput;
      if (req.method === 'POST' && hasBody(req)) input = parseParametersResource(op.spec, req.body);
      else input = parseQuery(op.spec, req.query as Record<string, unknown>);

      const ctx = contextFor(req);
      const result = await op.handle(input, ctx, operationTarget(ctx, type, id));
      sendResource(res, 200, result);
    } catch (err) {
      next(err);
    }
  };
}

export function acceptLanguages(req: Request): string[] {
  const header = req.headers['accept-language'];
  return parseLanguages(typeof header === 'string' ? header : undefined);
}
