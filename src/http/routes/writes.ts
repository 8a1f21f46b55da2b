import { Router, type Request, type Response } from 'express';
import type { Bundle } from 'fhir/r4';
import type { TokenVerifier } from '../../auth/verifier';
import { FhirError } from '../../errors/fhir-error';
import { messageLanguage } from '../../errors/message-language';
import { returnPreference } from '../../fhir/prefer-handling';
import { CommitGate } from '../../store/commit-gate';
import type { TerminologyType } from '../../terminology/resource-set';
import { HISTORY_PATH, isWritableType, resourceMethodNotAllowed, SEARCH_PATH, transactionRequests, transactionResponse, versionHeaders, writeOutcome } from '../../write/interactions';
import type { ResourceWriter, WriteRequest, WriteResult } from '../../write/writer';
import { authenticate } from '../pipeline/authenticate';
import { abandonWriteOnTimeout } from '../pipeline/request-timeout';
import { headerText } from '../pipeline/request-values';
import { sendResource } from '../pipeline/send';

export interface WriteRouteDeps {
  writer: ResourceWriter;
  verifier: TokenVerifier;
  baseUrlOf(req: Request): string;
  /** Entries one transaction Bundle may have (MAX_TRANSACTION_ENTRIES); 413 above. */
  maxTransactionEntries: number;
}

/** The commit gate of one write request, tied to its request timeout. */
export function writeGate(res: Response): CommitGate {
  const gate = new CommitGate();
  abandonWriteOnTimeout(res, gate);
  return gate;
}

/** FHIR create, update, delete and transaction for CodeSystem, ValueSet and ConceptMap (src/write/). */
export function writeRoutes(deps: WriteRouteDeps): Router {
  const { writer } = deps;
  const router = Router();
  const auth = authenticate(deps.verifier);

  const respond = (req: Request, res: Response, r: WriteResult): void => {
    if (res.headersSent) return; // answered by the request timeout (the write was abandoned before its commit)
    const resource = r.version?.resource;
    const headers = resource ? versionHeaders(resource) : {};
    if (resource) headers[r.status === 201 ? 'Location' : 'Content-Location'] = `${deps.baseUrlOf(req)}/${r.resourceType}/${r.id}/_history/${r.version!.versionId}`;
    const prefer = returnPreference(req.headers.prefer);
    if (r.request.method === 'DELETE' || prefer === 'OperationOutcome') return sendResource(res, r.status, writeOutcome(r, messageLanguage(req.headers['accept-language'])), headers);
    if (prefer === 'minimal' || !resource) {
      res.set(headers).status(r.status).end();
      return;
    }
    sendResource(res, r.status, resource, headers);
  };

  const single = (method: WriteRequest['method']) => async (req: Request, res: Response) => {
    if (req.headers['if-none-exist'] !== undefined) throw FhirError.notSupported('Conditional create (If-None-Exist) is not supported', { da: 'Betinget oprettelse (If-None-Exist) understøttes ikke' });
    // the preconditions of RFC 9110 §13.1 a write honours (If-Modified-Since is for GET and HEAD only, and ignored)
    const request: WriteRequest = {
      method, resourceType: String(req.params.type), id: req.params.id ? String(req.params.id) : undefined, body: req.body,
      ifMatch: headerText(req, 'if-match'), ifNoneMatch: headerText(req, 'if-none-match'), ifUnmodifiedSince: headerText(req, 'if-unmodified-since'),
    };
    const [result] = await writer.write(req.principal!, [request], writeGate(res));
    respond(req, res, result!);
  };

  // Other paths (other resource types, $operations) are left to the routes after this router, unauthenticated.
  router.param('type', (_req, _res, next, type: string) => next(isWritableType(type) ? undefined : 'route'));
  router.post('/:type', auth, single('POST'));
  router.put('/:type/:id', auth, single('PUT'));
  router.delete('/:type/:id', auth, single('DELETE'));
  router.patch('/:type/:id', (req, _res, next) => {
    // `[type]/_search` and `[type]/_history` are not resources: their 405 is the last route's
    if (SEARCH_PATH.test(req.path) || HISTORY_PATH.test(req.path)) return next();
    throw resourceMethodNotAllowed(writer, req.params.type as TerminologyType, String(req.params.id), 'PATCH is not supported; PUT the whole resource', 'PATCH understøttes ikke; send hele ressourcen med PUT');
  });
  router.all('/:type', (req, _res, next) => {
    if (req.method !== 'PUT' && req.method !== 'DELETE') return next();
    const update = req.method === 'PUT';
    next(resourceMethodNotAllowed(writer, req.params.type as TerminologyType, undefined, `Conditional ${update ? 'update' : 'delete'} is not supported; address the resource by id`,
      `Betinget ${update ? 'opdatering' : 'sletning'} understøttes ikke; angiv ressourcen med dens id`));
  });

  router.post('/', auth, async (req: Request, res: Response) => {
    const base = deps.baseUrlOf(req);
    const requests = transactionRequests(req.body as Bundle | undefined, base, deps.maxTransactionEntries);
    const results = await writer.write(req.principal!, requests, writeGate(res)).catch((e: unknown) => {
      // an entry's 405 names the methods of the entry's resource, not of the transaction's URL
      if (e instanceof FhirError) delete (e as { allow?: string }).allow;
      throw e;
    });
    sendResource(res, 200, transactionResponse(results, base, returnPreference(req.headers.prefer), messageLanguage(req.headers['accept-language'])));
  });
  return router;
}
