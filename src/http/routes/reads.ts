import { Router, type Request, type Response } from 'express';
import { FormParameters, parseQueryString, withForm } from '../../fhir/query-string';
import { FhirError } from '../../errors/fhir-error';
import type { TokenVerifier } from '../../auth/verifier';
import { handlingPreference } from '../../fhir/prefer-handling';
import { readSubset } from '../../fhir/resource-subset';
import type { ProfileRegistry } from '../../profile-validation/profile-registry';
import { READ_ONLY_TYPE_PATH, ReadOnlyTypes } from '../../operations/read-only-types';
import type { TerminologyStore } from '../../store/store';
import type { TerminologyRegistry } from '../../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../../terminology/resource-set';
import { searchTerminology } from '../../terminology/search';
import { AUDIT_POST_SEARCH_PATH, AUDIT_READ_PATH, AUDIT_SEARCH_PATHS, readAuditEvent, searchAudit } from '../../write/audit-search';
import { HISTORY_PATH, historyAt, notModified, parseHttpDate, readResource, RESOURCE_PATH, SEARCH_PATH, versionHeaders } from '../../write/interactions';
import type { ResourceWriter } from '../../write/writer';
import { authenticate } from '../pipeline/authenticate';
import { headerText } from '../pipeline/request-values';
import { sendResource } from '../pipeline/send';

export interface ReadRouteDeps {
  registry: TerminologyRegistry;
  writer: ResourceWriter;
  store: TerminologyStore;
  profiles: ProfileRegistry;
  verifier: TokenVerifier;
  baseUrlOf(req: Request): string;
}

/**
 * Reads and searches (src/write/interactions.ts, the searches of src/fhir/search.ts): CodeSystem, ValueSet and
 * ConceptMap (read and vread with ETag, If-None-Match and If-Modified-Since, history of one resource, of a type and of all, search), the StructureDefinitions of the profiles
 * and the OperationDefinitions of the operations (read-only: read and search),
 * and the audit log (AuditEvent, with a token). (Express 5 passes a rejected handler's error on.)
 */
export function readRoutes(deps: ReadRouteDeps): Router {
  const { registry, writer, store } = deps;
  const router = Router();
  const query = (req: Request) => req.query as Record<string, unknown>;
  const selfUrl = (req: Request) => `${deps.baseUrlOf(req)}${req.url}`;
  const lenient = (req: Request) => ({ lenient: handlingPreference(req.headers.prefer) === 'lenient' });

  /** A search's parameters (a POSTed form's too) and its self link, the search as a GET of [type]. */
  const searchOf = (req: Request, type: string): { query: Record<string, unknown>; self: string } => {
    if (req.body !== undefined && !(req.body instanceof FormParameters)) throw searchBodyNotForm();
    const q = req.url.indexOf('?');
    const search = withForm(q < 0 ? '' : req.url.slice(q + 1), req.body);
    return { query: parseQueryString(search), self: `${deps.baseUrlOf(req)}/${type}${search ? `?${search}` : ''}` };
  };
  // the audit log: GET of AuditEvent, and of AuditEvent/_search by GET and POST (a form), as the other searches
  const auditReader = authenticate(deps.verifier, 'audit');
  router.get(AUDIT_SEARCH_PATHS, auditReader, searchAuditLog);
  router.post(AUDIT_POST_SEARCH_PATH, auditReader, searchAuditLog);
  router.get(AUDIT_READ_PATH, auditReader, async (req, res) => {
    sendResource(res, 200, await readAuditEvent(store, req.principal!, AUDIT_READ_PATH.exec(req.path)![1]!));
  });
  async function searchAuditLog(req: Request, res: Response): Promise<void> {
    const { query: q, self } = searchOf(req, 'AuditEvent');
    sendResource(res, 200, await searchAudit(store, req.principal!, q, self, deps.baseUrlOf(req), lenient(req)));
  }
  const readOnlyTypes = new ReadOnlyTypes(deps.profiles);
  router.all(READ_ONLY_TYPE_PATH, (req, res) => {
    const { type, search } = ReadOnlyTypes.targetAt(req.path)!;
    // `_search`'s parameters are the url's and a POSTed form's; a search of the type has the url's
    const { query: q, self } = search ? searchOf(req, type) : { query: query(req), self: selfUrl(req) };
    sendResource(res, 200, readOnlyTypes.answer({ path: req.path, method: req.method, query: q, self, baseUrl: deps.baseUrlOf(req), lenient: lenient(req).lenient }));
  });

  // search by POST (a form, read with the URL's parameters) and by GET of _search, as the search of [type]
  router.route(SEARCH_PATH).get(searchType).post(searchType);
  function searchType(req: Request, res: Response): void {
    const type = SEARCH_PATH.exec(req.path)![1] as TerminologyType;
    const { query: q, self } = searchOf(req, type);
    sendResource(res, 200, searchTerminology(registry, type, q, self, deps.baseUrlOf(req), lenient(req)));
  }
  router.get(HISTORY_PATH, async (req, res) => {
    const q = query(req);
    const answer = await historyAt(store, registry, req.path, q, selfUrl(req), deps.baseUrlOf(req), lenient(req));
    if (answer.resourceType === 'Bundle') return sendResource(res, 200, answer);
    sendVersion(req, res, answer, q);
  });

  router.get(RESOURCE_PATH, async (req, res) => {
    const [, type, id] = RESOURCE_PATH.exec(req.path) as unknown as [string, TerminologyType, string | undefined];
    const q = query(req);
    if (!id) return sendResource(res, 200, searchTerminology(registry, type, q, selfUrl(req), deps.baseUrlOf(req), lenient(req)));
    sendVersion(req, res, await readResource(registry, writer, type, id), q);
  });
  return router;
}

/**
 * A read's or a vread's answer: the resource (`_summary`, `_elements`) with its ETag and Last-Modified, or 304 without
 * it when If-None-Match or If-Modified-Since holds (RFC 9110 §13.1.2, §13.1.3).
 */
function sendVersion(req: Request, res: Response, resource: TerminologyResource, query: Record<string, unknown>): void {
  const headers = versionHeaders(resource);
  const since = headerText(req, 'if-modified-since');
  if (notModified({ ifNoneMatch: headerText(req, 'if-none-match'), modifiedSince: since === undefined ? undefined : parseHttpDate(since) }, headers.ETag!, resource.meta?.lastUpdated)) {
    res.set(headers).status(304).end();
    return;
  }
  sendResource(res, 200, readSubset(resource, query), headers);
}

/** R4 (http.html#search): a search by POST sends its parameters as a form; a body of another kind would be ignored. */
function searchBodyNotForm(): FhirError {
  return new FhirError(415, 'not-supported', 'A search by POST takes its parameters as a form (application/x-www-form-urlencoded), or in the URL', {
    da: 'En søgning med POST tager sine parametre som en formular (application/x-www-form-urlencoded) eller i URL\'en',
  });
}
