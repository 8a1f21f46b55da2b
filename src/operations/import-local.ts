import type { OperationOutcome, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { listedIssues, MAX_LISTED_ISSUES, omittedIssue } from '../errors/issue-cap';
import { messageIssue, type Issue } from '../errors/issue';
import { primaryLanguage } from '../errors/message-language';
import type { OperationInput } from '../fhir/parameters';
import { formatMessage } from '../municipal/csv-records';
import { importMode, planParameters, planSummary } from '../municipal/import-plan';
import { IMPORT_REFUSED } from '../municipal/import-plan-types';
import { DEFAULT_LOCAL_NAME, importLocalCsv, type ImportOutcome } from '../write/import-runner';
import type { AuditTarget } from '../write/audit';
import type { Principal } from '../auth/verifier';
import { isKommunekode, isValidLocalName, municipalId, municipalUrl } from '../municipal/municipality';
import { OperationResult, type OperationContext, type OperationHandler } from './context';
import { excerpt } from '../errors/excerpt';
import { isBase64Binary } from '../fhir/base64-binary';
import { mediaTypeParameters } from '../fhir/fhir-format';
import { csvText } from './call-input';
import { municipalityGenitive } from '../municipal/kommuner';

export { ISSUE_LINE_EXTENSION } from '../errors/issue';

/**
 * The CSV of the request: an Attachment (base64 `data`, so the bytes reach the importer as sent; read in the charset
 * its contentType names, when it names one), a string, or a `text/csv` body (read in the charset its Content-Type names).
 */
function csvContent(input: OperationInput): Buffer | string {
  const p = input.one<ParametersParameter | string>('csv');
  if (typeof p === 'string') return p;
  if (!p) {
    throw FhirError.invalid("Give the file as parameter 'csv' (valueAttachment with base64 data, or valueString), or as a text/csv body", {
      expression: ['csv'], da: "Angiv filen som parameteren 'csv' (valueAttachment med base64-data, eller valueString) eller som en text/csv-krop",
    });
  }
  if (typeof p.valueString === 'string') return p.valueString;
  const data = p.valueAttachment?.data;
  if (typeof data !== 'string' || !isBase64Binary(data)) {
    throw FhirError.invalid("Parameter 'csv' needs valueAttachment.data (base64) or valueString", { expression: ['csv'], da: "Parameteren 'csv' skal have valueAttachment.data (base64) eller valueString" });
  }
  const bytes = Buffer.from(data, 'base64');
  // a charset the attachment names is read as a text/csv body's is; without one, the importer reads UTF-8 and says
  // so of a file that is not
  const contentType = p.valueAttachment?.contentType;
  return typeof contentType === 'string' && mediaTypeParameters(contentType).has('charset') ? csvText(bytes, contentType, 'attachment') : bytes;
}

/** The import the request asks for, as the token's principal: 400 and 403 for a request it may not make. */
async function importCsv(input: OperationInput, ctx: OperationContext, principal: Principal, kommunekode: string | undefined, name: string, preview: boolean): Promise<ImportOutcome> {
  const services = ctx.services!;
  if (!kommunekode) throw FhirError.invalid('Give kommunekode: the token names no municipality', { expression: ['kommunekode'], da: 'Angiv kommunekode: tokenet angiver ingen kommune' });
  if (!isKommunekode(kommunekode)) {
    throw FhirError.invalid(`kommunekode must be three digits, not '${excerpt(kommunekode)}'`, { expression: ['kommunekode'], da: `kommunekode skal være tre cifre, ikke '${excerpt(kommunekode)}'` });
  }
  if (!principal.admin && principal.kommunekode !== kommunekode) {
    throw new FhirError(403, 'forbidden', principal.kommunekode
      ? `The token may write only ${municipalityGenitive(principal.kommunekode).en} resources, not ${municipalityGenitive(kommunekode).en}`
      : `The token names no municipality (claim kommunekode), so it cannot write ${municipalityGenitive(kommunekode).en} resources`, {
      da: principal.kommunekode
        ? `Dit token må kun ændre ${municipalityGenitive(principal.kommunekode).da} kataloger, ikke ${municipalityGenitive(kommunekode).da}.`
        : `Dit token gælder ingen bestemt kommune, så det kan ikke ændre ${municipalityGenitive(kommunekode).da} kataloger.`,
    });
  }
  return importLocalCsv({
    content: csvContent(input),
    kommunekode,
    name,
    version: input.string('version') || undefined,
    csvLimits: services.csvLimits,
    timeBudgetMs: ctx.limits.timeBudgetMs ?? 0,
    target: { kind: 'writer', writer: services.writer, registry: ctx.registry, store: services.store, principal, gate: ctx.caller!.gate() },
    terminologyDir: services.terminologyDir,
    includeExamples: services.includeExamples,
    mode: importMode(input.string('mode')),
    preview,
    basedOn: input.string('basedOn'),
  });
}

/**
 * What an import writes, for the audit log: the municipality's CodeSystem and ConceptMap of that name (when the request
 * names them), by the id the catalog written under that url has, else the id a new one is given.
 */
function importTargets(kommunekode: string | undefined, name: string, writtenId: (type: 'CodeSystem' | 'ConceptMap', url: string) => string | undefined): AuditTarget[] {
  const named = kommunekode !== undefined && isKommunekode(kommunekode) && isValidLocalName(name);
  return (['CodeSystem', 'ConceptMap'] as const).map((type): AuditTarget => {
    if (!named) return { resourceType: type, method: 'update' };
    const url = municipalUrl(kommunekode, type, name);
    return { resourceType: type, method: 'update', id: writtenId(type, url) ?? municipalId(kommunekode, name), url };
  });
}

/** An import refused for its file (or the catalog it builds) as the audit log describes it: the first error, on its line. */
function importRefusal(messages: readonly Issue[], status = 422): FhirError {
  const first = messages.find((m) => m.severity === 'error')!;
  return new FhirError(status, first.code, formatMessage(first), { da: typeof first.text === 'object' ? formatMessage(first, 'da') : undefined });
}

/**
 * `POST {base}/CodeSystem/$import-local` (this server's operation, for the web page): the CSV import of
 * `npm run import-local` run inside the server, as the token's municipality. `mode` `replace` (the default: the
 * catalog becomes the file) or `merge` (add and update only); `preview=true` checks and plans and writes nothing (the
 * answer is the plan as Parameters, src/municipal/import-plan.ts); `basedOn` (the catalog version a preview answered) makes
 * the import 412 when the catalog has changed since. Messages in Danish unless the caller prefers English. Same rules as the command-line tool
 * (src/write/import-runner.ts): all rows or none. The answer is an OperationOutcome: 200 with an information issue
 * and the warnings when imported, 422 with every error when not, 412 (or the store's 409) `conflict` when another
 * write changed the catalog since it was read and the import is not a merge it may make again; issues about a row
 * carry its line (extension operationoutcome-issue-line) and `diagnostics` "line N: …".
 */
export const importLocalOperation: OperationHandler = {
  spec: {
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
  },
  resourceType: 'CodeSystem',
  levels: ['type'],
  needsToken: true,
  methods: ['POST'],
  csvParameter: 'csv',
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/CodeSystem-import-local',
  affectsState: true,
  // its messages are read by municipal staff, as a write's are: Danish unless English is asked for
  messageLanguage: primaryLanguage,
  // the import bounds its catalog building itself (import-runner.ts); its writes are not bounded by the operation budget
  ownTimeBudget: true,
  documentation: {
    description: "Imports a municipality's local catalog (niveau 3) from a CSV file: a CodeSystem of the local codes and a ConceptMap to the " +
      'common catalogs, all rows or none. Needs a Bearer token for the municipality (or the admin scope).',
    inputs: {
      csv: { type: 'Attachment', documentation: 'The CSV file: valueAttachment with base64 data, or valueString; or POST the file itself as a text/csv body, the other parameters in the URL' },
      kommunekode: "The municipality (three digits); default the token's",
      name: 'The name of the local catalog (default lokale-indsatser)',
      version: 'The version to give the written resources; without it, a new catalog is 1.0.0, and a file with other content than the current version gets the next version (its last number one up)',
      mode: 'replace (default: the catalog becomes the file, codes not in it are removed) or merge (add and update only)',
      preview: 'true: check the file and answer the plan (added, changed, removed, unchanged, kept) as Parameters; nothing is written',
      basedOn: 'The catalog version a preview answered (0 for none): the import is 412 when the catalog has changed since',
    },
    outputs: [{ name: 'return', type: 'Resource', documentation: '200: imported (an OperationOutcome with the warnings) or, with preview, the plan (Parameters); 422: not imported, every error with its CSV line; 412 (409): not imported, the catalog was changed by another write meanwhile' }],
  },
  async handle(input, ctx) {
    // needsToken: invoke answers a call without a caller (a batch entry) before this
    const principal = await ctx.caller!.principal();
    const services = ctx.services!;
    const kommunekode = input.string('kommunekode') ?? principal.kommunekode;
    const name = input.string('name') || DEFAULT_LOCAL_NAME;
    // A refused import is recorded as a refused write is, beside the answer (the writer records those it refuses
    // itself); a preview writes nothing and is not recorded, as the writer's checks are not.
    const preview = input.boolean('preview') === true;
    const refused = (error: FhirError): void => {
      if (!preview) services.writer.recordRefusal(principal, 'import-local', importTargets(kommunekode, name, (type, url) => services.writer.written(type, url)?.id), error);
    };
    let outcome: ImportOutcome;
    try {
      outcome = await importCsv(input, ctx, principal, kommunekode, name, preview);
    } catch (e) {
      if (e instanceof FhirError && e.status < 500) refused(e);
      throw e;
    }
    if (!outcome.ok && !outcome.recorded) refused(importRefusal(outcome.messages, outcome.status));
    const lang = primaryLanguage(ctx.acceptLanguages);
    // the listed ones only are written out: a file may have an issue on each of its thousands of lines
    const listed = listedIssues(outcome.messages, omittedIssue);
    const issues = listed.map((m, i) => messageIssue(i < MAX_LISTED_ISSUES ? { ...m, diagnostics: formatMessage(m) } : m, lang));
    if (outcome.ok && !outcome.written) return new OperationResult(200, planParameters(outcome.plan!, { resourceType: 'OperationOutcome', issue: issues }));
    if (outcome.ok) {
      const { codeSystem, conceptMap, version } = outcome.written!;
      const text = `Imported ${outcome.rows} row${outcome.rows === 1 ? '' : 's'} for kommunekode ${kommunekode} as version ${version}: ` +
        `${codeSystem}, ${conceptMap} (${planSummary(outcome.plan!)})`;
      const da = `Importeret: ${outcome.rows} ${outcome.rows === 1 ? 'række' : 'rækker'} for kommunekode ${kommunekode} som version ${version} ` +
        `(${codeSystem}, ${conceptMap}; ${planSummary(outcome.plan!, 'da')}).`;
      issues.unshift(messageIssue({ severity: 'information', code: 'informational', text: { da, en: text }, diagnostics: text }, lang));
    } else {
      const errors = outcome.messages.filter((m) => m.severity === 'error').length;
      const text = `Not imported: ${errors} error${errors === 1 ? '' : 's'}; nothing was written`;
      const da = `Ikke importeret: ${errors} fejl; intet blev gemt.`;
      issues.push(messageIssue({ severity: 'information', code: 'informational', text: { da, en: text }, diagnostics: text, messageId: IMPORT_REFUSED }, lang));
    }
    const result: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
    return new OperationResult(outcome.ok ? 200 : outcome.status ?? 422, result);
  },
};
