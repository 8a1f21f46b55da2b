import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Bundle, BundleEntry, OperationOutcome } from 'fhir/r4';
import { AuthError, bearerToken, type Principal, type TokenVerifier } from '../../auth/verifier';
import { FhirError } from '../../errors/fhir-error';
import { messageLanguage, type MessageLanguage } from '../../errors/message-language';
import { issue, operationOutcome } from '../../errors/operation-outcome';
import { toOutcomeIssue } from '../../municipal/write-rules';
import type { StoredVersion, TerminologyStore } from '../../store/store';
import { FHIR_ID, WRITABLE_TYPES } from '../../store/store-support';
import type { TerminologyRegistry } from '../../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../../terminology/resource-set';
import type { ResourceWriter, WriteRequest, WriteResult } from '../../write/writer';
import { CommitGate } from '../../store/commit-gate';
import { sendResource } from '../pipeline/fhir-json';
import { abandonWriteOnTimeout } from '../pipeline/request-timeout';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export interface WriteRouteDeps {
  writer: ResourceWriter;
  verifier: TokenVerifier;
  registry: TerminologyRegistry;
  store: TerminologyStore;
  baseUrlOf(req: Request): string;
  /** Entries one transaction Bundle may have (MAX_TRANSACTION_ENTRIES); 413 above. */
  maxTransactionEntries: number;
}

function isWritableType(type: string): type is TerminologyType {
  return (WRITABLE_TYPES as readonly string[]).includes(type);
}

/** The id of a URL, checked before it is used to ask the store: [A-Za-z0-9-.]{1,64}, else 400. */
function validId(id: string): string {
  if (!FHIR_ID.test(id)) throw FhirError.invalid(`'${id.slice(0, 100)}' is not a valid resource id (1-64 of A-Z, a-z, 0-9, '-' and '.')`);
  return id;
}

export function etagOf(versionId: string): string {
  return `W/"${versionId}"`;
}

/** ETag and Last-Modified for a resource that has meta.versionId / meta.lastUpdated (written resources). */
export function setVersionHeaders(res: Response, resource: { meta?: { versionId?: string; lastUpdated?: string } }): void {
  if (resource.meta?.versionId) res.setHeader('ETag', etagOf(resource.meta.versionId));
  if (resource.meta?.lastUpdated) res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
}

/** Verifies the Bearer token; a 401 carries WWW-Authenticate as RFC 6750 asks. */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      req.principal = await verifier.verify(bearerToken(typeof header === 'string' ? header : undefined));
      next();
    } catch (e) {
      if (e instanceof AuthError) res.setHeader('WWW-Authenticate', e.challenge);
      next(e);
    }
  };
}

type Prefer = 'minimal' | 'representation' | 'OperationOutcome';

function preferReturn(req: Request): Prefer {
  const header = req.headers.prefer;
  const m = /return=(minimal|representation|OperationOutcome)/i.exec(Array.isArray(header) ? header.join(',') : header ?? '');
  if (!m) return 'representation';
  const v = m[1]!.toLowerCase();
  return v === 'minimal' ? 'minimal' : v === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

function resultOutcome(r: WriteResult, lang: MessageLanguage): OperationOutcome {
  const what = `${r.resourceType}/${r.id}`;
  const text = !r.version ? `${what} was already deleted`
    : r.version.method === 'delete' ? `Deleted ${what} (version ${r.version.versionId})`
      : `${r.version.method === 'create' ? 'Created' : 'Updated'} ${what} (version ${r.version.versionId})`;
  return operationOutcome([issue({ severity: 'information', code: 'informational', text }), ...r.warnings.map((w) => toOutcomeIssue(w, lang))]);
}

function historyEntry(base: string, v: StoredVersion): BundleEntry {
  const path = `${v.resourceType}/${v.id}`;
  return {
    fullUrl: `${base}/${path}`,
    ...(v.resource ? { resource: v.resource } : {}),
    request: { method: v.method === 'create' ? 'POST' : v.method === 'update' ? 'PUT' : 'DELETE', url: v.method === 'create' ? v.resourceType : path },
    response: {
      status: v.method === 'create' ? '201 Created' : v.method === 'update' ? '200 OK' : '204 No Content',
      etag: etagOf(v.versionId),
      lastModified: v.lastUpdated,
    },
  };
}

/** The commit gate of one write request, tied to its request timeout. */
export function writeGate(res: Response): CommitGate {
  const gate = new CommitGate();
  abandonWriteOnTimeout(res, gate);
  return gate;
}

const STATUS_TEXT: Record<number, string> = { 200: '200 OK', 201: '201 Created' };

/** FHIR create, update, delete, history, vread and transaction for CodeSystem, ValueSet and ConceptMap. */
export function writeRoutes(deps: WriteRouteDeps): Router {
  const { writer, store, registry } = deps;
  const router = Router();
  const auth = authenticate(deps.verifier);

  const respond = (req: Request, res: Response, r: WriteResult): void => {
    if (res.headersSent) return; // answered by the request timeout (the write was abandoned before its commit)
    const base = deps.baseUrlOf(req);
    if (r.version?.resource) {
      const location = `${base}/${r.resourceType}/${r.id}/_history/${r.version.versionId}`;
      res.setHeader(r.status === 201 ? 'Location' : 'Content-Location', location);
      setVersionHeaders(res, r.version.resource);
    }
    const prefer = preferReturn(req);
    if (r.request.method === 'DELETE' || prefer === 'OperationOutcome') return sendResource(res, r.status, resultOutcome(r, messageLanguage(req.headers['accept-language'])));
    if (prefer === 'minimal') {
      res.status(r.status).end();
      return;
    }
    sendResource(res, r.status, r.version?.resource);
  };

  const single = (method: WriteRequest['method']) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      const type = String(req.params.type);
      if (!isWritableType(type)) return next();
      if (req.headers['if-none-exist'] !== undefined) throw FhirError.notSupported('Conditional create (If-None-Exist) is not supported');
      const ifMatch = typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined;
      const request: WriteRequest = { method, resourceType: type, id: req.params.id ? String(req.params.id) : undefined, body: req.body, ifMatch };
      const [result] = await writer.write(req.principal!, [request], writeGate(res));
      respond(req, res, result!);
    } catch (e) {
      next(e);
    }
  };

  // Other paths (other resource types, $operations) are left to the routes after this router, unauthenticated.
  const writable: RequestHandler = (req, _res, next) => (isWritableType(String(req.params.type)) ? next() : next('route'));
  router.post('/:type', writable, auth, single('POST'));
  router.put('/:type/:id', writable, auth, single('PUT'));
  router.delete('/:type/:id', writable, auth, single('DELETE'));
  router.patch('/:type/:id', (req, _res, next) => {
    if (!isWritableType(String(req.params.type))) return next();
    next(new FhirError(405, 'not-supported', 'PATCH is not supported; PUT the whole resource'));
  });
  for (const method of ['put', 'delete'] as const) {
    router[method]('/:type', (req, _res, next) => {
      if (!isWritableType(String(req.params.type))) return next();
      next(new FhirError(405, 'not-supported', `Conditional ${method === 'put' ? 'update' : 'delete'} is not supported; address the resource by id`));
    });
  }

  router.get('/:type/:id/_history', async (req, res, next) => {
    try {
      const type = String(req.params.type);
      if (!isWritableType(type)) return next();
      const id = validId(String(req.params.id));
      const base = deps.baseUrlOf(req);
      const versions = await store.history(type, id);
      let entries: BundleEntry[];
      if (versions.length > 0) {
        entries = versions.map((v) => historyEntry(base, v));
      } else {
        const published = registry.byId(type, id);
        if (!published) throw FhirError.notFound(`${type}/${id} is not known`);
        entries = [{ fullUrl: `${base}/${type}/${id}`, resource: published, request: { method: 'PUT', url: `${type}/${id}` }, response: { status: '200 OK' } }];
      }
      const bundle: Bundle = { resourceType: 'Bundle', type: 'history', total: entries.length, link: [{ relation: 'self', url: `${base}${req.url}` }], entry: entries };
      sendResource(res, 200, bundle);
    } catch (e) {
      next(e);
    }
  });

  router.get('/:type/:id/_history/:vid', async (req, res, next) => {
    try {
      const type = String(req.params.type);
      if (!isWritableType(type)) return next();
      const id = validId(String(req.params.id));
      const vid = String(req.params.vid);
      if (!/^\d{1,15}$/.test(vid)) throw FhirError.notFound(`${type}/${id} has no version ${vid.slice(0, 100)}`);
      const v = await store.readVersion(type, id, vid);
      if (!v) throw FhirError.notFound(`${type}/${id} has no version ${vid}`);
      if (!v.resource) throw new FhirError(410, 'deleted', `${type}/${id} version ${vid} is a delete`);
      setVersionHeaders(res, v.resource);
      sendResource(res, 200, v.resource);
    } catch (e) {
      next(e);
    }
  });

  router.post('/', auth, async (req, res, next) => {
    try {
      const bundle = req.body as Bundle | undefined;
      if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
        throw FhirError.invalid('POST to the base URL needs a Bundle of type transaction or batch');
      }
      if (bundle.type !== 'transaction') throw FhirError.notSupported(`Only transaction and batch Bundles are supported, not '${String(bundle.type)}'`);
      if (Array.isArray(bundle.entry) && bundle.entry.length > deps.maxTransactionEntries) {
        throw new FhirError(413, 'too-long', `The transaction has ${bundle.entry.length} entries; at most ${deps.maxTransactionEntries} are accepted in one transaction`);
      }
      const base = deps.baseUrlOf(req);
      const requests = (Array.isArray(bundle.entry) ? bundle.entry : []).map((entry, i): WriteRequest => {
        const method = entry?.request?.method;
        const url = entry?.request?.url;
        if (method !== 'POST' && method !== 'PUT' && method !== 'DELETE') {
          throw FhirError.invalid(`Bundle.entry[${i}].request.method must be POST, PUT or DELETE`, { expression: [`Bundle.entry[${i}].request.method`] });
        }
        if (typeof url !== 'string') throw FhirError.invalid(`Bundle.entry[${i}].request.url is missing`, { expression: [`Bundle.entry[${i}].request.url`] });
        const rel = url.startsWith(`${base}/`) ? url.slice(base.length + 1) : url;
        const m = /^(CodeSystem|ValueSet|ConceptMap)(?:\/([A-Za-z0-9\-.]{1,64}))?$/.exec(rel);
        if (!m || (method === 'POST') !== (m[2] === undefined)) {
          throw FhirError.invalid(`Bundle.entry[${i}].request.url '${url}' must be [type] for POST or [type]/[id] for PUT and DELETE (CodeSystem, ValueSet, ConceptMap)`,
            { expression: [`Bundle.entry[${i}].request.url`] });
        }
        return { method, resourceType: m[1]!, id: m[2], body: entry.resource, ifMatch: entry.request?.ifMatch };
      });
      if (requests.length === 0) throw FhirError.invalid('The transaction has no entries');
      const results = await writer.write(req.principal!, requests, writeGate(res));
      const prefer = preferReturn(req);
      const response: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction-response',
        entry: results.map((r): BundleEntry => ({
          ...(r.version?.resource && prefer === 'representation' ? { fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r.version.resource } : {}),
          response: {
            status: STATUS_TEXT[r.status]!,
            ...(r.version?.resource ? { location: `${r.resourceType}/${r.id}/_history/${r.version.versionId}`, etag: etagOf(r.version.versionId), lastModified: r.version.lastUpdated } : {}),
            ...(r.warnings.length > 0 || prefer === 'OperationOutcome' ? { outcome: resultOutcome(r, messageLanguage(req.headers['accept-language'])) } : {}),
          },
        })),
      };
      sendResource(res, 200, response);
    } catch (e) {
      next(e);
    }
  });

  return router;
}

/** Read of one resource: ETag/Last-Modified for written resources, 410 for deleted ones, 304 for If-None-Match. */
export async function readResource(
  req: Request, res: Response, registry: TerminologyRegistry, writer: ResourceWriter, type: TerminologyType, id: string,
): Promise<void> {
  const resource: TerminologyResource | undefined = registry.byId(type, id);
  if (!resource) {
    if (await writer.isDeleted(type, validId(id))) throw new FhirError(410, 'deleted', `${type}/${id} has been deleted`);
    throw FhirError.notFound(`${type}/${id} is not known`);
  }
  setVersionHeaders(res, resource);
  const etag = resource.meta?.versionId ? etagOf(resource.meta.versionId) : undefined;
  const inm = req.headers['if-none-match'];
  if (etag && typeof inm === 'string' && inm.split(',').map((s) => s.trim()).includes(etag)) {
    res.status(304).end();
    return;
  }
  sendResource(res, 200, resource);
}
