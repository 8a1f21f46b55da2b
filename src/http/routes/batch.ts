import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Bundle } from 'fhir/r4';
import { answerBatch, type BatchDeps } from '../../operations/batch';
import type { OperationContext } from '../../operations/context';
import { handlingPreference } from '../../fhir/prefer-handling';
import { sendResource } from '../pipeline/send';

/**
 * `POST {base}` with a `batch` Bundle (src/operations/batch.ts): every entry answered on its own. Other Bundle types go
 * on to the transaction route.
 */
export function batchRoute(deps: BatchDeps & { contextFor(req: Request): OperationContext; logFor(req: Request): Logger }) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const bundle = req.body as Bundle | undefined;
    if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle' || bundle.type !== 'batch') return next();
    const abandoned = () => res.headersSent || res.destroyed; // timed out, or the client went away
    const handling = handlingPreference(req.headers.prefer);
    const answer = await answerBatch(bundle, deps, { context: deps.contextFor(req), strict: handling === 'strict', lenient: handling === 'lenient', abandoned, logger: deps.logFor(req) });
    if (answer) sendResource(res, 200, answer);
  };
}
