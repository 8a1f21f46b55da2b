/** The page's side of CodeSystem/$import-local: the preview (the plan of added, changed and removed codes) and the import. */
import type { OperationOutcome, Parameters } from 'fhir/r4';
import { ISSUES_OMITTED } from '../../src/errors/issue-cap';
import { IMPORT_REFUSED, type EntryField, type ImportMode, type ImportPlan as CatalogPlan, type PlannedCode } from '../../src/municipal/import-plan-types';
import { fhir, type Issue, outcomeIssues, param, paramValue, params } from './fhir';
import { count, formatNumber } from './words';

export type { ImportMode, PlannedCode };

/** The server's plan (the import is refused, 412, if the catalog has changed since `basedOn`) with its warnings. */
export interface ImportPlan extends CatalogPlan {
  warnings: Issue[];
}

/** The parts of a code an import changes, as the page names them. */
export const FIELD_LABEL: Record<EntryField, string> = {
  titel: 'titel', definition: 'beskrivelse', type: 'type', status: 'status', maal: 'fælleskommunale mål',
};

export interface ImportRequest {
  data: string;
  fileName: string;
  kommunekode?: string;
  name: string;
  version?: string;
  mode: ImportMode;
  basedOn?: string;
}

function body(r: ImportRequest, preview: boolean): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'csv', valueAttachment: { contentType: 'text/csv', title: r.fileName, data: r.data } },
      ...(r.kommunekode ? [{ name: 'kommunekode', valueCode: r.kommunekode }] : []),
      { name: 'name', valueString: r.name },
      ...(r.version ? [{ name: 'version', valueString: r.version }] : []),
      { name: 'mode', valueCode: r.mode },
      ...(preview ? [{ name: 'preview', valueBoolean: true }] : []),
      ...(!preview && r.basedOn ? [{ name: 'basedOn', valueString: r.basedOn }] : []),
    ],
  };
}

export function parsePlan(p: Parameters): ImportPlan {
  const coded = (name: string): PlannedCode[] => params(p, name).map((x) => ({
    code: String(paramValue(param(x, 'code')) ?? ''),
    display: paramValue(param(x, 'display')) as string | undefined,
    fields: params(x, 'field').map((f) => String(paramValue(f)) as EntryField),
    madeOutsideImport: paramValue(param(x, 'madeOutsideImport')) === true,
  }));
  return {
    mode: paramValue(param(p, 'mode')) === 'merge' ? 'merge' : 'replace',
    added: coded('added'),
    changed: coded('changed'),
    removed: coded('removed'),
    unchanged: Number(paramValue(param(p, 'unchanged')) ?? 0),
    kept: Number(paramValue(param(p, 'kept')) ?? 0),
    basedOn: String(paramValue(param(p, 'basedOn')) ?? ''),
    warnings: outcomeIssues(param(p, 'issues')?.resource as OperationOutcome | undefined).filter((i) => i.severity === 'warning'),
  };
}

/** What the import would do; nothing is written. A file with errors throws FhirRequestError 422 with the errors by line. */
export async function previewImport(r: ImportRequest, token: string): Promise<ImportPlan> {
  return parsePlan((await fhir<Parameters>('POST', 'CodeSystem/$import-local', { body: body(r, true), token })).body);
}

export async function runImport(r: ImportRequest, token: string): Promise<Issue[]> {
  return outcomeIssues((await fhir<OperationOutcome>('POST', 'CodeSystem/$import-local', { body: body(r, false), token })).body);
}

/** The issues of an import's answer as the page shows them: those about the file, and what the server says of them all. */
export interface ImportIssues {
  /** The errors and warnings listed (the server lists the first 100). */
  listed: Issue[];
  /** The server's count of the errors of a refused import ("Ikke importeret: 150 fejl; intet blev gemt."). */
  summary?: string;
  /** How many more there are than those listed, when not all are ("… og 50 problemer mere …"). */
  omitted?: string;
}

export function importIssues(issues: Issue[]): ImportIssues {
  const listed = issues.filter((i) => i.severity !== 'information');
  const summary = issues.find((i) => i.messageId === IMPORT_REFUSED)?.text;
  const omitted = issues.find((i) => i.messageId === ISSUES_OMITTED)?.text;
  const errors = listed.filter((i) => i.severity === 'error' || i.severity === 'fatal').length;
  const total = summary ?? (errors > 0 ? `Ikke importeret: ${count(errors, 'fejl', 'fejl')}; intet blev gemt.` : undefined);
  return { listed, ...(total ? { summary: total } : {}), ...(omitted ? { omitted } : {}) };
}

/**
 * Why a replace deletes codes, in Danish grammar for one code or many: `lead` ("2 koder slettes fra kataloget",
 * shown in bold) and the rest of the sentence, naming those made in the editor (not by an import).
 */
export function removalNotice(removed: number, editorMade: number): { lead: string; rest: string } {
  const one = removed === 1;
  const they = one ? 'den' : 'de';
  const made = editorMade === 0 ? ''
    : `; ${one ? 'den er' : editorMade === removed ? 'de er alle' : `${formatNumber(editorMade)} af dem er`} oprettet i redigeringen (ikke ved en import)`;
  return {
    lead: `${count(removed, 'kode slettes', 'koder slettes')} fra kataloget`,
    rest: `, fordi ${they} ikke er i filen${made}. Vælg »Flet«, hvis ${they} skal bevares.`,
  };
}

/**
 * The import sends the file base64-encoded (4 bytes for every 3) in a Parameters body, which the server takes up to
 * its BODY_LIMIT_BYTES (GET /app/api/session names it); the rest of the body (names, mode, the file's name) is well
 * under PARAMETERS_ROOM.
 */
const PARAMETERS_ROOM = 4096;

/** The largest CSV file (in bytes) an import can send to a server taking bodies up to `bodyLimitBytes`. */
export function largestImportFile(bodyLimitBytes: number): number {
  return Math.max(0, Math.floor((bodyLimitBytes - PARAMETERS_ROOM) / 4) * 3);
}
