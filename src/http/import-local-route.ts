import { Router, type NextFunction, type Request, type Response } from 'express';
import type { OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import type { TokenVerifier } from '../auth/verifier';
import { FhirError } from '../errors/fhir-error';
import { localizedDetails, messageLanguage, type MessageLanguage } from '../errors/message-language';
import { listedOutcomeIssues } from '../errors/issue-cap';
import type { OperationOutcomeIssue } from '../errors/operation-outcome';
import { parseParametersResource, type OperationInput, type OperationSpec } from '../fhir/parameters';
import { formatMessage, type CsvLimits, type LineMessage } from '../local/csv-import';
import { importMode, planParameters, planSummary } from '../local/import-plan';
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
  csvLimits: CsvLimits;
  /** The operation time budget, for resolving the rows' targets. */
  timeBudgetMs: number;
}

/** The parameters of $import-local; each may be given once (twice is 400, as for every operation). */
const importLocalSpec: OperationSpec = {
  name: 'import-local',
  params: [
    { name: 'csv', type: 'part' },
    { name: 'kommunekode', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'mode', type: 'code' },
    { name: 'preview', type: 'boolean' },
    { name: 'basedOn', type: 'string' },
  ],
};

/** The CSV of the request: an Attachment (base64 `data`, so the bytes reach the importer as sent) or a string. */
function csvContent(input: OperationInput): Buffer | string {
  const p = input.one<ParametersParameter>('csv');
  if (!p) throw FhirError.invalid("Give the file as parameter 'csv' (valueAttachment with base64 data, or valueString)", { expression: ['csv'] });
  if (typeof p.valueString === 'string') return p.valueString;
  const data = p.valueAttachment?.data;
  if (typeof data !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(data)) {
    throw FhirError.invalid("Parameter 'csv' needs valueAttachment.data (base64) or valueString", { expression: ['csv'] });
  }
  return Buffer.from(data, 'base64');
}

function toIssue(m: LineMessage, lang: MessageLanguage): OperationOutcomeIssue {
  return {
    severity: m.severity,
    code: m.severity === 'error' ? 'invalid' : 'business-rule',
    ...(m.line !== undefined ? { extension: [{ url: ISSUE_LINE_EXTENSION, valueInteger: m.line }] } : {}),
    details: localizedDetails(m.message, m.da, lang),
    diagnostics: formatMessage(m),
  };
}

/**
 * `POST {base}/CodeSystem/$import-local` (this server's operation, for the web page): the CSV import of
 * `npm run import-local` run inside the server, as the token's municipality. Body: Parameters with `csv`
 * (valueAttachment, base64 `data`), optional `kommunekode` (default: the token's), `name`, `version`, `mode` (`replace`,
 * the default: the catalog becomes the file; `merge`: add and update only) and `preview` (true: check and plan, write
 * nothing; the answer is the plan as Parameters, see src/local/import-plan.ts) and `basedOn` (the catalog version a
 * preview answered: the import is 412 when the catalog has changed since), each at most once.
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
      const input = parseParametersResource(importLocalSpec, body);
      const principal = req.principal!;
      const kommunekode = input.string('kommunekode') ?? principal.kommunekode;
      if (!kommunekode) throw FhirError.invalid('Give kommunekode: the token names no municipality', { expression: ['kommunekode'] });
      if (!isKommunekode(kommunekode)) throw FhirError.invalid(`kommunekode must be three digits, not '${kommunekode}'`, { expression: ['kommunekode'] });
      if (!principal.admin && principal.kommunekode !== kommunekode) {
        throw new FhirError(403, 'forbidden', principal.kommunekode
          ? `The token may write only municipality ${principal.kommunekode}'s resources, not ${kommunekode}'s`
          : `The token names no municipality (claim kommunekode), so it cannot write municipality ${kommunekode}'s resources`, {
          da: principal.kommunekode
            ? `Dit token må kun ændre kommune ${principal.kommunekode}s kataloger, ikke kommune ${kommunekode}s.`
            : `Dit token gælder ingen bestemt kommune, så det kan ikke ændre kommune ${kommunekode}s kataloger.`,
        });
      }
      const outcome = await importLocalCsv({
        content: csvContent(input),
        kommunekode,
        name: input.string('name') || DEFAULT_LOCAL_NAME,
        version: input.string('version') || undefined,
        csvLimits: deps.csvLimits,
        timeBudgetMs: deps.timeBudgetMs,
        target: { kind: 'writer', writer: deps.writer, registry: deps.registry, store: deps.store, principal, gate: writeGate(res) },
        terminologyDir: deps.terminologyDir,
        includeExamples: deps.includeExamples,
        mode: importMode(input.string('mode')),
        preview: input.boolean('preview') === true,
        basedOn: input.string('basedOn'),
      });
      const lang = messageLanguage(req.headers['accept-language']);
      const issues = listedOutcomeIssues(outcome.messages.map((m) => toIssue(m, lang)));
      if (outcome.ok && !outcome.written) {
        sendResource(res, 200, planParameters(outcome.plan!, { resourceType: 'OperationOutcome', issue: issues }));
        return;
      }
      if (outcome.ok) {
        const text = `Imported ${outcome.rows} row${outcome.rows === 1 ? '' : 's'} for kommunekode ${kommunekode}: ` +
          `${outcome.written!.codeSystem}, ${outcome.written!.conceptMap} (${planSummary(outcome.plan!)})`;
        const da = `Importeret: ${outcome.rows} ${outcome.rows === 1 ? 'række' : 'rækker'} for kommunekode ${kommunekode} ` +
          `(${outcome.written!.codeSystem}, ${outcome.written!.conceptMap}; ${planSummary(outcome.plan!, 'da')}).`;
        issues.unshift({ severity: 'information', code: 'informational', details: localizedDetails(text, da, lang), diagnostics: text });
      } else {
        const errors = outcome.messages.filter((m) => m.severity === 'error').length;
        const text = `Not imported: ${errors} error${errors === 1 ? '' : 's'}; nothing was written`;
        const da = `Ikke importeret: ${errors} fejl; intet blev gemt.`;
        issues.push({ severity: 'information', code: 'informational', details: localizedDetails(text, da, lang), diagnostics: text });
      }
      const result: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
      sendResource(res, outcome.ok ? 200 : 422, result);
    } catch (e) {
      next(e);
    }
  });
  return router;
}
