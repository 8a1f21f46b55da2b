import type { IncomingMessage } from 'node:http';
import { Router, type Request, type Response } from 'express';
import type { Bundle } from 'fhir/r4';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../../auth/verifier';
import { FhirError } from '../../errors/fhir-error';
import { primaryLanguage, type MessageLanguage } from '../../errors/message-language';
import { returnPreference } from '../../fhir/prefer-handling';
import { CommitGate } from '../../store/commit-gate';
import type { TerminologyType } from '../../terminology/resource-set';
import { HISTORY_PATH, isWritableType, resourceMethodNotAllowed, SEARCH_PATH, transactionRequests, transactionResponseEntry, versionHeaders, writeOutcome } from '../../write/interactions';
import { responseBundle } from '../../operations/batch';
import type { TransactionReads } from './batch';
import type { ResourceWriter, WriteRequest, WriteResult } from '../../write/writer';
import { authenticate } from '../pipeline/authenticate';
import { resourceBody } from '../pipeline/fhir-json';
import { abandonWriteOnTimeout } from '../pipeline/request-timeout';
import { acceptLanguages, headerText } from '../pipeline/request-values';
import { sendResource } from '../pipeline/send';

export interface WriteRouteDeps {
  writer: ResourceWriter;
  verifier: TokenVerifier;
  baseUrlOf(req: Request): string;
  /** Entries one transaction Bundle may have (MAX_TRANSACTION_ENTRIES); 413 above. */
  maxTransactionEntries: number;
  /** A transaction's GET and HEAD entries, answered after its writes as a batch's entries are (http/routes/batch.ts). */
  transactionReads: TransactionReads;
  logFor(req: IncomingMessage): Logger;
}

/** The language of a write's messages (isWriteRequest). */
export function writeLanguage(req: IncomingMessage): MessageLanguage {
  return primaryLanguage(acceptLanguages(req));
}

/** The commit gate of one write request, tied to its request timeout. */
export function writeGate(res: Response): CommitGate {
  const gate = new CommitGate();
  abandonWriteOnTimeout(res, gate);
  return gate;
}

/** 400 for If-None-Exist on an update or delete. */
function ifNoneExistNotOfCreate(): FhirError {
  return FhirError.invalid('If-None-Exist is the condition of a create (POST [type]); an update or delete names its resource by id', {
    da: 'If-None-Exist er betingelsen for en oprettelse (POST [type]); en opdatering eller sletning angiver ressourcen med dens id',
  });
}

/** FHIR create, update, delete and transaction for CodeSystem, ValueSet and ConceptMap (src/write/). */
export function writeRoutes(deps: WriteRouteDeps): Router {
  const { writer } = deps;
  const router = Router();
  const auth = authenticate(deps.verifier);

  const respond = (req: Request, res: Response, r: WriteResult): void => {
    if (res.headersSent) return; // answered by the request timeout (the write was abandoned before its commit)
    const resource = r.version?.resource ?? r.matched;
    const headers = resource ? versionHeaders(resource) : {};
    if (resource) headers[r.status === 201 ? 'Location' : 'Content-Location'] = `${deps.baseUrlOf(req)}/${r.resourceType}/${r.id}${r.version ? `/_history/${r.version.versionId}` : ''}`;
    const prefer = returnPreference(req.headers.prefer);
    if (r.request.method === 'DELETE' || prefer === 'OperationOutcome') return sendResource(res, r.status, writeOutcome(r, writeLanguage(req)), headers);
    if (prefer === 'minimal' || !resource) {
      res.set(headers).status(r.status).end();
      return;
    }
    sendResource(res, r.status, resource, headers);
  };

  const single = (method: WriteRequest['method']) => async (req: Request, res: Response) => {
    if (method !== 'POST' && req.headers['if-none-exist'] !== undefined) throw ifNoneExistNotOfCreate();
    // the preconditions of RFC 9110 §13.1 a write honours (If-Modified-Since is for GET and HEAD only, and ignored), and FHIR's If-None-Exist
    const request: WriteRequest = {
      method, resourceType: String(req.params.type), id: req.params.id ? String(req.params.id) : undefined, body: resourceBody(req),
      ifMatch: headerText(req, 'if-match'), ifNoneMatch: headerText(req, 'if-none-match'), ifUnmodifiedSince: headerText(req, 'if-unmodified-since'),
      ifNoneExist: headerText(req, 'if-none-exist'),
    };
    const [result] = await writer.write(req.principal!, [request], writeGate(res));
    respond(req, res, result!);
  };

  // Other paths (other resource types, $operations) are left to the routes after this router, unauthenticated.
  router.param('type', (_req, _res, next, type: string) => next(isWritableType(type) ? undefined : 'route'));
  router.post('/:type', auth, single('POST'));
  // `[type]/_search` and `[type]/_history` are not resources to write: their 405 is the last route's, token or not
  const resourcesOnly = (req: Request, _res: Response, next: (route?: 'route') => void): void =>
    next(SEARCH_PATH.test(req.path) || HISTORY_PATH.test(req.path) ? 'route' : undefined);
  router.put('/:type/:id', resourcesOnly, auth, single('PUT'));
  router.delete('/:type/:id', resourcesOnly, auth, single('DELETE'));
  router.patch('/:type/:id', (req, _res, next) => {
    // `[type]/_search` and `[type]/_history` are not resources: their 405 is the last route's
    if (SEARCH_PATH.test(req.path) || HISTORY_PATH.test(req.path)) return next();
    throw resourceMethodNotAllowed(writer, req.params.type as TerminologyType, String(req.params.id), 'PATCH is not supported; PUT the whole resource', 'PATCH understøttes ikke; send hele ressourcen med PUT');
  });
  // conditional update and delete (R4 http.html#cond-update, #cdelete): the URL's search names the resource
  const conditional = (method: 'PUT' | 'DELETE') => async (req: Request, res: Response) => {
    const at = req.originalUrl.indexOf('?');
    const search = at < 0 ? '' : req.originalUrl.slice(at + 1);
    if (search === '') {
      throw FhirError.invalid(`${method} names its resource by id (${method} [type]/[id]) or by a search (${method} [type]?[search parameters])`,
        { da: `${method} angiver ressourcen med dens id (${method} [type]/[id]) eller med en søgning (${method} [type]?[søgeparametre])` });
    }
    if (req.headers['if-none-exist'] !== undefined) throw ifNoneExistNotOfCreate();
    const request: WriteRequest = {
      method, resourceType: String(req.params.type), body: resourceBody(req), search,
      ifMatch: headerText(req, 'if-match'), ifNoneMatch: headerText(req, 'if-none-match'), ifUnmodifiedSince: headerText(req, 'if-unmodified-since'),
    };
    const [result] = await writer.write(req.principal!, [request], writeGate(res));
    respond(req, res, result!);
  };
  router.put('/:type', auth, conditional('PUT'));
  router.delete('/:type', auth, conditional('DELETE'));

  router.post('/', async (req: Request, res: Response) => {
    const base = deps.baseUrlOf(req);
    const { writes, reads, size } = transactionRequests(resourceBody(req) as Bundle | undefined, base, deps.maxTransactionEntries);
    // a transaction that writes needs a writer's token; its reads alone are open, as reads are
    if (writes.length > 0) await new Promise<void>((resolve, reject) => void auth(req, res, (e?: unknown) => (e ? reject(e) : resolve())));
    // a read that cannot be answered refuses the transaction before anything is written (all or nothing)
    if (reads.length > 0) await deps.transactionReads.check(req, reads, new Map(writes.filter((w) => w.id !== undefined).map((w) => [`${w.resourceType}/${w.id}`, w.method])));
    const results = writes.length === 0 ? [] : await writer.write(req.principal!, writes, writeGate(res)).catch((e: unknown) => {
      // an entry's 405 names the methods of the entry's resource, not of the transaction's URL
      if (e instanceof FhirError) delete (e as { allow?: string }).allow;
      throw e;
    });
    if (res.headersSent) return; // answered by the request timeout
    const entries: Buffer[][] = new Array<Buffer[]>(size);
    const prefer = returnPreference(req.headers.prefer);
    const lang = writeLanguage(req);
    for (const r of results) entries[r.request.entry!] = [Buffer.from(JSON.stringify(transactionResponseEntry(r, base, prefer, lang)), 'utf8')];
    if (reads.length > 0) {
      // R4's transaction rules: the reads after the writes, which they see (a replica's written layer brought up to date first)
      // Its own writes are in the layer already; when the other replicas' cannot be fetched now, its reads still see
      // its own: the writes have committed, and are not answered as failed.
      if (results.length > 0) await writer.catchUp().catch((e: unknown) => deps.logFor(req).warn({ err: e }, 'transaction reads: the other replicas\' writes could not be fetched'));
      const answers = await deps.transactionReads.answer(req, res, reads);
      if (!answers) return; // answered by the request timeout, or the client went away
      reads.forEach((read, i) => {
        entries[read.index] = answers[i]!;
      });
    }
    sendResource(res, 200, responseBundle('transaction-response', entries));
  });
  return router;
}
