import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Bundle, BundleEntry, OperationOutcome } from 'fhir/r4';
import { errorAnswer } from '../../operations/invoke';
import { answerBatch, answerEntries, checkTransactionReads, MAX_BATCH_RESPONSE_BYTES, statusText, type BatchCall, type BatchDeps } from '../../operations/batch';
import { sendAnswersThrottled } from '../pipeline/answers-in-flight';
import { bodyBytesOf } from '../pipeline/fhir-json';
import type { OperationContext } from '../../operations/context';
import { handlingPreference } from '../../fhir/prefer-handling';
import { JSON_CONTENT_TYPE, sendResource } from '../pipeline/send';
import { bearerToken, type Principal, type TokenPurpose, type TokenVerifier } from '../../auth/verifier';
import { returnPreference } from '../../fhir/prefer-handling';
import { transactionResponseEntry, writeRequestOf } from '../../write/interactions';
import { CommitGate } from '../../store/commit-gate';
import { abandonWriteOnTimeout } from '../pipeline/request-timeout';
import { writeLanguage } from './writes';

export type BatchRouteDeps = BatchDeps & { contextFor(req: Request): OperationContext; logFor(req: Request): Logger; verifier: TokenVerifier };

/**
 * How the entries of a request's Bundle are answered: its context, `Prefer: handling`, until the request is answered
 * or gone, and its token for the audit log's entries.
 */
function callOf(deps: BatchRouteDeps, req: Request, res: Response): BatchCall {
  const abandoned = () => res.headersSent || res.destroyed; // timed out, or the client went away
  const handling = handlingPreference(req.headers.prefer);
  const context: OperationContext = { ...deps.contextFor(req), batchEntryGate: () => entryGate(res) };
  return {
    context, strict: handling === 'strict', lenient: handling === 'lenient', abandoned, logger: deps.logFor(req),
    auditReader: verifiedOnce(deps.verifier, req, 'audit'),
    write: batchWriter(deps, req, res, context.baseUrl, verifiedOnce(deps.verifier, req, 'write')),
  };
}

/** The request's token verified for `purpose` when first asked for, once per request (a 401 AuthError without a valid one). */
function verifiedOnce(verifier: TokenVerifier, req: Request, purpose: TokenPurpose): () => Promise<Principal> {
  let verified: Promise<Principal> | undefined;
  return () => {
    const header = req.headers.authorization;
    verified ??= (async () => verifier.verify(bearerToken(typeof header === 'string' ? header : undefined, purpose)))();
    return verified;
  };
}

/**
 * A batch entry's own gate, which the request's timeout abandons (an entry waiting for the writer or its commit is then
 * not written), answering that earlier entries may have been.
 */
function entryGate(res: Response): CommitGate {
  const gate = new CommitGate();
  abandonWriteOnTimeout(res, gate, true);
  return gate;
}

/**
 * A batch's write entries, each made on its own as the same request alone would be (R4: a batch's entries succeed or
 * fail each by itself), with the request's token, verified once: the entry's response as a transaction's.
 */
function batchWriter(deps: BatchRouteDeps, req: Request, res: Response, base: string, principal: () => Promise<Principal>): NonNullable<BatchCall['write']> {
  return async (entry, index, method, url) => {
    // a write's messages are for municipal staff: Danish unless English is asked for, as the request alone
    const lang = writeLanguage(req);
    try {
      // checked before the token, as the request alone is: a malformed entry is 400 whoever sends it
      const request = { ...writeRequestOf(entry, index, method, url, base, new Map()), entry: undefined };
      const [result] = await deps.writer.write(await principal(), [request], entryGate(res));
      return transactionResponseEntry(result!, base, returnPreference(req.headers.prefer), lang);
    } catch (e) {
      const refused = errorAnswer(e, lang);
      if (refused.error !== undefined) deps.logFor(req).error({ err: refused.error, entry: index }, 'batch entry failed');
      return { response: { status: statusText(refused.status), outcome: JSON.parse(refused.text!) as OperationOutcome } };
    }
  };
}

/**
 * `POST {base}` with a `batch` Bundle (src/operations/batch.ts): every entry answered on its own. Other Bundle types go
 * on to the transaction route.
 */
export function batchRoute(deps: BatchRouteDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const bundle = req.body as Bundle | undefined;
    if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle' || bundle.type !== 'batch') return next();
    // a batch's answer may be as large as MAX_BATCH_RESPONSE_BYTES: not computed when the budget could not take it
    if (req.answersInFlight && !req.answersInFlight.hasRoomFor(MAX_BATCH_RESPONSE_BYTES)) return sendAnswersThrottled(req, res, [], JSON_CONTENT_TYPE);
    const call = callOf(deps, req, res);
    // a large batch takes its turn as a large call does (its entries then take none)
    const answer = await deps.invoker.inTurn(bodyBytesOf(req), call.context.limits.deadline, async () => {
      // asked again in its turn, which may have come long after
      if (req.answersInFlight && !req.answersInFlight.hasRoomFor(MAX_BATCH_RESPONSE_BYTES)) return 'throttled' as const;
      return answerBatch(bundle, deps, call);
    }, call.abandoned);
    if (answer === 'throttled') return sendAnswersThrottled(req, res, [], JSON_CONTENT_TYPE);
    if (answer) sendResource(res, 200, answer);
  };
}

type Reads = readonly { entry: BundleEntry; index: number }[];

/**
 * The GET and HEAD entries of a transaction (http/routes/writes.ts): checked before its writes (`check`: `writes`,
 * `Type/id` → the method of each write), answered after them as a batch's are (`answer`).
 */
export interface TransactionReads {
  check(req: Request, reads: Reads, writes: ReadonlyMap<string, string>): Promise<void>;
  answer(req: Request, res: Response, reads: Reads): Promise<Buffer[][] | undefined>;
}

export function transactionReads(deps: BatchRouteDeps): TransactionReads {
  return {
    check: (req, reads, writes) => checkTransactionReads(reads, writes, deps, deps.contextFor(req).baseUrl),
    answer: (req, res, reads) => answerEntries(reads, deps, callOf(deps, req, res)),
  };
}
