/** The server calls of "Sammenlign kommuner": ConceptMap/$coverage-matrix and ConceptMap/$rollup (a CSV body). */
import type { OperationOutcome, Parameters } from 'fhir/r4';
import { readMatrix, readRollup, type CompareCatalog, type Matrix, type Rollup } from './compare-model';
import { spreadsheetCsv } from './download';
import { fhir, FHIR_BASE, FhirRequestError, outcomeIssues } from './fhir';

export type OfferRule = 'each-target' | 'exclude';

/**
 * How the counts are rolled up: offers counted or not, and the date whose maps and local catalogs count them
 * (YYYY-MM-DD; none: the newest), or each row's own period read as a date (dateFromPeriod).
 */
export interface RollupChoice {
  offers: OfferRule;
  date?: string;
  dateFromPeriod?: boolean;
}

/** The operation's query for the catalog (valueSet repeats); a GET, so the server's response cache answers it again. */
function matrixQuery(catalog: CompareCatalog, extra: [string, string][] = []): string {
  return new URLSearchParams([...catalog.valueSets.map((vs): [string, string] => ['valueSet', vs.url]), ...extra]).toString();
}

export async function loadMatrix(catalog: CompareCatalog, signal?: AbortSignal): Promise<Matrix> {
  return readMatrix(catalog, (await fhir<Parameters>('GET', `ConceptMap/$coverage-matrix?${matrixQuery(catalog)}`, { signal })).body);
}

/**
 * The matrix as the server's CSV (one column per municipality), for a download as a spreadsheet opens it. Fetched
 * rather than linked: the server names its file coverage-matrix.csv, and a link's own name gives way to that.
 */
export async function matrixCsv(catalog: CompareCatalog): Promise<Blob> {
  const res = await request(`ConceptMap/$coverage-matrix?${matrixQuery(catalog)}`, { headers: { Accept: 'text/csv', 'Accept-Language': 'da' } });
  return spreadsheetCsv(await res.text());
}

/** POSTs the counts file to $rollup; the answer as FHIR Parameters (Danish counting rule) or as the wide CSV table. */
function postRollup(csv: string, choice: RollupChoice, accept: string, layout?: 'wide'): Promise<Response> {
  const query = new URLSearchParams({
    offers: choice.offers, ...(choice.date ? { date: choice.date } : {}), ...(choice.dateFromPeriod ? { dateFromPeriod: 'true' } : {}), ...(layout ? { layout } : {}),
  });
  return request(`ConceptMap/$rollup?${query.toString()}`, {
    method: 'POST', headers: { 'Content-Type': 'text/csv', Accept: accept, 'Accept-Language': 'da' }, body: csv,
  });
}

/** A request whose answer is not FHIR JSON when it succeeds (a CSV table); a refusal throws FhirRequestError. */
async function request(path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${FHIR_BASE}/${path}`, init);
  } catch {
    throw new FhirRequestError(0, [{ severity: 'error', text: 'Serveren kunne ikke nås. Tjek forbindelsen og prøv igen.' }]);
  }
  if (!res.ok) {
    let outcome: OperationOutcome | undefined;
    try {
      outcome = (await res.json()) as OperationOutcome;
    } catch {
      outcome = undefined;
    }
    const issues = outcome?.resourceType === 'OperationOutcome' ? outcomeIssues(outcome) : [];
    throw new FhirRequestError(res.status, issues.length > 0 ? issues : [{ severity: 'error', text: `Serveren svarede ${res.status}` }]);
  }
  return res;
}

export async function rollupCounts(csv: string, choice: RollupChoice): Promise<Rollup> {
  return readRollup((await (await postRollup(csv, choice, 'application/fhir+json')).json()) as Parameters);
}

/** The comparison table of the roll-up (layout=wide: a line per intervention, niveau 1 and area; a column per municipality). */
export async function rollupTableCsv(csv: string, choice: RollupChoice): Promise<Blob> {
  return spreadsheetCsv(await (await postRollup(csv, choice, 'text/csv', 'wide')).text());
}
