import { Router, type NextFunction, type Request, type Response } from 'express';
import type { OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import type { TokenVerifier } from '../auth/verifier';
import { FhirError } from '../errors/fhir-error';
import type { OperationOutcomeIssue } from '../errors/operation-outcome';
import { formatMessage, type LineMessage } from '../local/csv-import';
import { DEFAULT_LOCAL_NAME, importLocalCsv } from '../local/import-runner';
import { isKommunekode } from '../local/municipality';
import type { TerminologyStore } from '../store/store';
import type { TerminologyRegistry } from '../terminology/registry';
import type { ResourceWriter } from '../write/writer';
import { sendResource } from './fhir-json';
import { authenticate, writeGate } from './write-routes';

/** FHIR's extension for the line an issue is about (here: the line of the CSV file, 1 = header). */
export const ISSUE_LINE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line';

export interface ImportLocalRouteDeps {
  writer: ResourceWriter;
  verifier: TokenVerifier;
  registry: TerminologyRegistry;
  store: TerminologyStore;
  terminologyDir: string;
  includeExamples: boolean;
}

function value(p: ParametersParameter | undefined): unknown {
  if (!p) return undefined;
  const key = Object.keys(p).find((k) => k.startsWith('value'));
  return key ? (p as unknown as Record<string, unknown>)[key] : undefined;
}

function stringParam(body: Parameters, name: string): string | undefined {
  const v = value(body.parameter?.find((p) => p.name === name));
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw FhirError.invalid(`Parameter '${name}' must be a string`, { expression: [name] });
  return v;
}

/** The CSV of the request: an Attachment (base64 `data`, so the bytes reach the importer as sent) or a string. */
function csvContent(body: Parameters): Buffer | string {
  const p = body.parameter?.find((x) => x.name === 'csv');
  if (!p) throw FhirError.invalid("Give the file as parameter 'csv' (valueAttachment with base64 data, or valueString)", { expression: ['csv'] });
  if (typeof p.valueString === 'string') return p.valueString;
  const data = p.valueAttachment?.data;
  if (typeof data !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(data)) {
    throw FhirError.invalid("Parameter 'csv' needs valueAttachment.data (base64) or valueString", { expression: ['csv'] });
  }
  return Buffer.from(data, 'base64');
}

function toIssue(m: LineMessage): OperationOutcomeIssue {
  return {
    severity: m.severity,
    code: m.severity === 'error' ? 'invalid' : 'business-rule',
    ...(m.line !== undefined ? { extension: [{ url: ISSUE_LINE_EXTENSION, valueInteger: m.line }] } : {}),
    details: { text: m.message },
    diagnostics: formatMessage(m),
  };
}

/**
 * `POST {base}/CodeSystem/$import-local` (this server's operation, for the web page): the CSV import of
 * `npm run import-local` run inside the server, as the token's municipality. Body: Parameters with `csv`
 * (valueAttachment, base64 `data`), optional `kommunekode` (default: the token's), `name` and `version`.
 * Same rules as the command-line tool (src/local/import-runner.ts): all rows or none. The answer is an
 * OperationOutcome: 200 with an information issue and the warnings when imported, 422 with every error when
 * not; issues about a row carry its line (extension operationoutcome-issue-line) and `diagnostics` "line N: …".
 */
export function importLocalRoute(deps: ImportLocalRouteDeps): Router {
  const router = Router();
  router.post(/^\/CodeSystem\/\$import-local$/, authenticate(deps.verifier), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const body = req.body as Parameters | undefined;
      if (!body || typeof body !== 'object' || body.resourceType !== 'Parameters') {
        throw FhirError.invalid('The body must be a Parameters resource with the CSV file as parameter csv');
      }
      const principal = req.principal!;
      const kommunekode = stringParam(body, 'kommunekode') ?? principal.kommunekode;
      if (!kommunekode) throw FhirError.invalid('Give kommunekode: the token names no municipality', { expression: ['kommunekode'] });
      if (!isKommunekode(kommunekode)) throw FhirError.invalid(`kommunekode must be three digits, not '${kommunekode}'`, { expression: ['kommunekode'] });
      if (!principal.admin && principal.kommunekode !== kommunekode) {
        throw new FhirError(403, 'forbidden', principal.kommunekode
          ? `The token may write only municipality ${principal.kommunekode}'s resources, not ${kommunekode}'s`
          : `The token names no municipality (claim kommunekode), so it cannot write municipality ${kommunekode}'s resources`);
      }
      const outcome = await importLocalCsv({
        content: csvContent(body),
        kommunekode,
        name: stringParam(body, 'name') || DEFAULT_LOCAL_NAME,
        version: stringParam(body, 'version') || undefined,
        target: { kind: 'writer', writer: deps.writer, registry: deps.registry, store: deps.store, principal, gate: writeGate(res) },
        terminologyDir: deps.terminologyDir,
        includeExamples: deps.includeExamples,
      });
      const issues = outcome.messages.map(toIssue);
      if (outcome.ok) {
        const text = `Imported ${outcome.rows} row${outcome.rows === 1 ? '' : 's'} for kommunekode ${kommunekode}: ` +
          `${outcome.written!.codeSystem}, ${outcome.written!.conceptMap}`;
        issues.unshift({ severity: 'information', code: 'informational', details: { text }, diagnostics: text });
      } else {
        const errors = outcome.messages.filter((m) => m.severity === 'error').length;
        const text = `Not imported: ${errors} error${errors === 1 ? '' : 's'}; nothing was written`;
        issues.push({ severity: 'information', code: 'informational', details: { text }, diagnostics: text });
      }
      const result: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
      sendResource(res, outcome.ok ? 200 : 422, result);
    } catch (e) {
      next(e);
    }
  });
  return router;
}
