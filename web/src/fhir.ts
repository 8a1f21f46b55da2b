import type { Bundle, BundleEntry, OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import { valueField } from '../../src/fhir/choice-value';

/** The FHIR endpoint of the server that serves the page (index.html names it; same origin). No document: jest tests a model. */
export const FHIR_BASE: string = (typeof document === 'undefined' ? undefined : document.querySelector<HTMLMetaElement>('meta[name="fhir-base"]'))?.content ?? '/fhir';

const FHIR_JSON = 'application/fhir+json';
/** The page is Danish: the server writes its messages (OperationOutcome texts) in Danish when asked so. */
export const ACCEPT_LANGUAGE = 'da';
const ISSUE_LINE = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line';
const MESSAGE_ID = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id';

/** One issue of an OperationOutcome, flattened for display. */
export interface Issue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  text: string;
  /** The line of a CSV file the issue is about. */
  line?: number;
  expression?: string;
  /** The server's id of the message, for the few the page acts on (an import's summary, the issues not listed). */
  messageId?: string;
}

export function outcomeIssues(outcome: OperationOutcome | undefined): Issue[] {
  return (outcome?.issue ?? []).map((i) => ({
    severity: i.severity,
    text: i.details?.text ?? i.diagnostics ?? i.code,
    line: i.extension?.find((e) => e.url === ISSUE_LINE)?.valueInteger,
    expression: i.expression?.[0],
    messageId: i.extension?.find((e) => e.url === MESSAGE_ID)?.valueString,
  }));
}

/** A request the server refused: the status and the issues of its OperationOutcome. */
export class FhirRequestError extends Error {
  constructor(readonly status: number, readonly issues: Issue[]) {
    super(issues.find((i) => i.severity === 'error' || i.severity === 'fatal')?.text ?? `Serveren svarede ${status}`);
    this.name = 'FhirRequestError';
  }
}

/**
 * What the page finds wrong itself, before asking the server (no file chosen, a token that is not one, a name the
 * server would refuse): no request was made, so there is no status.
 */
export class InputError extends Error {
  readonly issues: Issue[];
  constructor(text: string) {
    super(text);
    this.name = 'InputError';
    this.issues = [{ severity: 'error', text }];
  }
}

let onUnauthorized: ((token: string) => void) | undefined;

/** Called when the server refuses a request's token (401): the session marks itself expired (session.ts). */
export function setUnauthorizedHandler(handler: (token: string) => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  token?: string;
  ifMatch?: string;
  signal?: AbortSignal;
}

export interface FhirResponse<T> {
  status: number;
  body: T;
  etag?: string;
}

function url(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.append(k, String(v));
  const qs = params.toString();
  // a link the server gave (a page's `next`) is followed as given
  const base = /^https?:\/\//.test(path) ? path : `${FHIR_BASE}/${path}`;
  return `${base}${qs ? `${base.includes('?') ? '&' : '?'}${qs}` : ''}`;
}

/** One call to the FHIR API; a non-2xx answer throws FhirRequestError with the server's issues. */
export async function fhir<T>(method: string, path: string, options: RequestOptions = {}): Promise<FhirResponse<T>> {
  const headers: Record<string, string> = { Accept: FHIR_JSON, 'Accept-Language': ACCEPT_LANGUAGE };
  if (options.body !== undefined) headers['Content-Type'] = FHIR_JSON;
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  let res: Response;
  try {
    res = await fetch(url(path, options.query), {
      method, headers, signal: options.signal, body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new FhirRequestError(0, [{ severity: 'error', text: 'Serveren kunne ikke nås. Tjek forbindelsen og prøv igen.' }]);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    if (res.status === 401 && options.token) onUnauthorized?.(options.token);
    const issues = (body as { resourceType?: string } | undefined)?.resourceType === 'OperationOutcome' ? outcomeIssues(body as OperationOutcome) : [];
    throw new FhirRequestError(res.status, issues.length > 0 ? issues : [{ severity: 'error', text: `Serveren svarede ${res.status}` }]);
  }
  return { status: res.status, body: body as T, etag: res.headers.get('ETag') ?? undefined };
}

export async function get<T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<T> {
  return (await fhir<T>('GET', path, { query, signal })).body;
}

/** A Bundle by its path under the FHIR base (the first page) or by the absolute `next` link the server gave. */
export type FetchBundle = (pathOrUrl: string) => Promise<Bundle>;

/**
 * The entries of a paged Bundle, following its `next` links until there are none, `most` entries are read, or
 * `enough` says so; `cut`: entries were left out (more than `most`).
 */
export async function allPages(first: string, fetchBundle: FetchBundle, most: number, enough: (entries: BundleEntry[]) => boolean = () => false): Promise<{ entries: BundleEntry[]; cut: boolean }> {
  const entries: BundleEntry[] = [];
  let next: string | undefined = first;
  while (next !== undefined && entries.length < most && !enough(entries)) {
    const page: Bundle = await fetchBundle(next);
    entries.push(...(page.entry ?? []));
    next = page.link?.find((l) => l.relation === 'next')?.url;
  }
  return { entries: entries.slice(0, most), cut: entries.length > most || (next !== undefined && !enough(entries)) };
}

/** Every resource of a search Bundle, following `next` links. */
export async function searchAll<T>(type: string, query: Record<string, string>): Promise<T[]> {
  const first = `${type}?${new URLSearchParams({ ...query, _count: '200' }).toString()}`;
  const { entries } = await allPages(first, (pathOrUrl) => get<Bundle>(pathOrUrl), Infinity);
  return entries.flatMap((e) => (e.resource ? [e.resource as T] : []));
}

// ---- Parameters -----------------------------------------------------------------------------------------------------

export function paramValue(p: ParametersParameter | undefined): unknown {
  if (!p) return undefined;
  const key = valueField(p);
  return key ? (p as unknown as Record<string, unknown>)[key] : undefined;
}

export function params(p: Parameters | ParametersParameter, name: string): ParametersParameter[] {
  const list = 'resourceType' in p ? p.parameter : (p as ParametersParameter).part;
  return (list ?? []).filter((x) => x.name === name);
}

export function param(p: Parameters | ParametersParameter, name: string): ParametersParameter | undefined {
  return params(p, name)[0];
}
