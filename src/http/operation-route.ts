import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Resource } from 'fhir/r4';
import type { NextFunction, Request, Response } from 'express';
import { FhirError } from '../errors/fhir-error';
import type { OperationOutcomeIssue } from '../errors/operation-outcome';
import { parameterNamesOf, parseParametersResource, parseQuery, unknownParameterNames, type OperationInput } from '../fhir/parameters';
import type { OperationContext, OperationHandler } from '../operations/context';
import { findOperation, findSystemLevelOperation } from '../operations';
import { parseLanguages } from '../terminology/language';
import { withAsyncTimeBudget, withTimeBudget } from '../terminology/time-budget';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { FHIR_JSON, sendResource } from './fhir-json';
import { requestedTableFormat, sendTable } from './table-send';

export const OPERATION_PATH = /^\/(CodeSystem|ValueSet|ConceptMap)(?:\/([^/]+))?\/\$([A-Za-z-]+)$/;
/** An operation at the server's base, `[base]/$name` (for the operations that are systemLevel). */
const SYSTEM_OPERATION_PATH = /^\/\$([A-Za-z-]+)$/;

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
  if (op.affectsState && method !== 'POST') {
    throw new FhirError(405, 'not-supported', `Operation $${name} changes state on the server: use POST, not ${method}`);
  }
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

/** `Prefer: handling=strict` (FHIR's rule for search, applied to operations too): unknown parameters are an error. */
export function strictHandling(headers: IncomingHttpHeaders): boolean {
  const prefer = headers.prefer;
  if (prefer === undefined) return false;
  return /(?:^|[,;\s])handling\s*=\s*"?strict\b/i.test(Array.isArray(prefer) ? prefer.join(',') : prefer);
}

/** Unknown parameters named on an error answer: at most this many, then a count of the rest. */
const MAX_IGNORED_REPORTED = 20;

function ignoredParameterIssues(operation: string, names: string[]): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = names.slice(0, MAX_IGNORED_REPORTED).map((name) => ({
    severity: 'information', code: 'informational',
    diagnostics: `Parameter '${name.slice(0, 100)}' is not a parameter of $${operation} and was ignored`,
    expression: [name.slice(0, 100)],
  }));
  if (names.length > MAX_IGNORED_REPORTED) {
    issues.push({ severity: 'information', code: 'informational', diagnostics: `${names.length - MAX_IGNORED_REPORTED} more unknown parameters were ignored` });
  }
  return issues;
}

/** The error with the ignored parameters added as information issues (diagnostics only: terminology clients skip them). */
function withIgnoredParameters(err: unknown, operation: string, names: string[]): unknown {
  if (names.length === 0 || !(err instanceof FhirError)) return err;
  const extraIssues = [...(err.options.extraIssues ?? []), ...ignoredParameterIssues(operation, names)];
  return new FhirError(err.status, err.code, err.message, { ...err.options, extraIssues });
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

function isPromise<T>(v: unknown): v is Promise<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** An operation call as the HTTP edge received it. */
export interface OperationCall {
  /** The parameter names the request gives (query keys, or the names of the Parameters body). */
  names: string[];
  /** Prefer: handling=strict */
  strict: boolean;
  parse(): OperationInput;
}

/** The parameters of a call the operation does not define; refused (400) under `Prefer: handling=strict`. */
function checkedParameterNames(op: OperationHandler, call: OperationCall): string[] {
  const unknown = unknownParameterNames(op.spec, call.names);
  if (unknown.length > 0 && call.strict) {
    const listed = unknown.slice(0, MAX_IGNORED_REPORTED).map((n) => `'${n.slice(0, 100)}'`).join(', ');
    throw new FhirError(400, 'not-supported', `Unknown parameter${unknown.length > 1 ? 's' : ''} ${listed}${unknown.length > MAX_IGNORED_REPORTED ? ', …' : ''} ` +
      `for $${op.spec.name} (Prefer: handling=strict)`, { expression: unknown.slice(0, MAX_IGNORED_REPORTED).map((n) => n.slice(0, 100)) });
  }
  return unknown;
}

/**
 * Runs an operation (shared with the lean dispatcher in fast-path.ts): parameters the operation does not define are
 * refused under `Prefer: handling=strict`, otherwise ignored (as terminology servers do) and named as information
 * issues when the answer is an error; the handler runs under the operation time budget (limits.timeBudgetMs).
 */
export function runOperation(
  op: OperationHandler, call: OperationCall, ctx: OperationContext, type: TerminologyType, id: string | undefined,
): Resource | Promise<Resource> {
  const unknown = checkedParameterNames(op, call);
  try {
    const handle = () => op.handle(call.parse(), ctx, operationTarget(ctx, type, id));
    // an async handler needs its budget after awaits too; the others (all of them today) run within the call
    const result = isAsyncFunction(op.handle)
      ? withAsyncTimeBudget(ctx.limits.timeBudgetMs, async () => handle())
      : withTimeBudget(ctx.limits.timeBudgetMs, handle);
    if (!isPromise<Resource>(result) || unknown.length === 0) return result;
    return result.catch((e: unknown) => {
      throw withIgnoredParameters(e, op.spec.name, unknown);
    });
  } catch (e) {
    throw withIgnoredParameters(e, op.spec.name, unknown);
  }
}

/**
 * One route for every terminology operation: GET (query) and POST (Parameters), at type and instance level.
 * It turns the request into a typed OperationInput and hands it to the handler, which knows nothing of HTTP.
 */
export function operationRoute(contextFor: (req: Request) => OperationContext) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const match = OPERATION_PATH.exec(req.path);
      const atBase = match ? undefined : SYSTEM_OPERATION_PATH.exec(req.path);
      const systemOp = atBase ? findSystemLevelOperation(atBase[1]!) : undefined;
      if (!match && !systemOp) return next();
      const [, type, id, name] = match
        ? match as unknown as [string, TerminologyType, string | undefined, string]
        : [req.path, systemOp!.resourceType, undefined, systemOp!.spec.name];
      const op = resolveOperation(type, id, name, req.method);

      const query = req.query as Record<string, unknown>;
      const csv = req.method === 'POST' && Buffer.isBuffer(req.body) ? csvBody(op, req.body) : undefined;
      const body = csv === undefined && req.method === 'POST' && hasBody(req);
      const call: OperationCall = {
        names: body ? parameterNamesOf(req.body) : [...Object.keys(query), ...(csv !== undefined ? [op.csvParameter!] : [])],
        strict: strictHandling(req.headers),
        parse: () => {
          if (body) return parseParametersResource(op.spec, req.body);
          const input = parseQuery(op.spec, query);
          return csv !== undefined ? input.with(op.csvParameter!, csv) : input;
        },
      };
      const format = op.table ? requestedTableFormat(req, query) : undefined;
      if (format && op.table) {
        checkedParameterNames(op, call);
        const ctx = contextFor(req);
        await sendTable(res, await op.table(call.parse(), ctx, operationTarget(ctx, type, id)), format);
        return;
      }
      const result = await runOperation(op, call, contextFor(req), type, id);
      sendResource(res, 200, result);
    } catch (err) {
      next(err);
    }
  };
}

/** The text of a `text/csv` body, for an operation that takes one (415 for the others). */
function csvBody(op: OperationHandler, body: Buffer): string {
  if (!op.csvParameter) throw new FhirError(415, 'not-supported', `$${op.spec.name} does not take a text/csv body; send ${FHIR_JSON}`);
  const text = body.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function acceptLanguages(req: IncomingMessage): string[] {
  const header = req.headers['accept-language'];
  return parseLanguages(typeof header === 'string' ? header : undefined);
}
