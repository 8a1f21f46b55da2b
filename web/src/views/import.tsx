import { useState } from 'preact/hooks';
import { statusNameDa } from '../../../src/terminology/status-name';
import { FhirRequestError, InputError, type Issue } from '../fhir';
import { useAsync, usePageTitle } from '../hooks';
import { DEFAULT_NAME, LOCAL_STATUSES, NAME_PATTERN, nameOf } from '../local-model';
import { loadMunicipality } from '../municipality';
import { href } from '../router';
import type { Session } from '../session';
import { type ImportMode, type ImportPlan, type ImportRequest, importIssues, largestImportFile, previewImport, runImport } from '../import-plan';
import { ErrorBox, FilePicker, IssueList, NoMunicipality, Notice } from './common';
import { ImportPlanView } from './import-plan';
import { count, formatNumber, kommuneNavn } from '../words';

/** The values a file's `status` column may have, as the server reads them: the Danish names, or FHIR's codes. */
function StatusValues() {
  const list = (values: string[]) => values.map((v, i) => <span key={v}>{i > 0 && ', '}<code>{v}</code></span>);
  const [standard, ...others] = LOCAL_STATUSES.map(statusNameDa);
  return <><code>{standard}</code> (standard), {list(others)} eller FHIR's koder {list([...LOCAL_STATUSES])}, uanset store og små bogstaver</>;
}

function base64(bytes: ArrayBuffer): string {
  const view = new Uint8Array(bytes);
  let binary = '';
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** BODY_LIMIT_BYTES's default (README "Configuration"), for a session that did not name the server's own. */
const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toLocaleString('da-DK', { maximumFractionDigits: 1 })} MB`;
}

function tooLarge(largest: number): string {
  return `Filen er for stor til at blive importeret på én gang (højst ${megabytes(largest)}); del den op, og importér delene én ad gangen med »Flet«.`;
}

/** The import's own titles: a conflict is the catalog changed since the plan was shown, and »Vis ændringer« shows it anew. */
const IMPORT_TITLES = { 412: 'Kataloget er ændret, siden ændringerne blev vist.' };

interface ImportResult {
  ok: boolean;
  issues: Issue[];
  plan?: ImportPlan;
}

/**
 * CSV import from the page: the file goes to the server's CodeSystem/$import-local, which runs the same importer
 * as `npm run import-local` (same columns, same validation, all rows or none) and answers errors by line. The page
 * asks for the plan first (preview), shows what is added, changed and removed, and imports only after a
 * confirmation when codes would be removed.
 */
export function Import({ session }: { session: Session }) {
  const kommunekode = session.kommunekode;
  const largest = largestImportFile(session.bodyLimitBytes ?? DEFAULT_BODY_LIMIT);
  usePageTitle(['Importér CSV']);
  const municipality = useAsync(() => (kommunekode ? loadMunicipality(kommunekode) : Promise.resolve(undefined)), [kommunekode]);
  const [file, setFile] = useState<File>();
  const [name, setName] = useState(DEFAULT_NAME);
  const [version, setVersion] = useState('');
  const [mode, setMode] = useState<ImportMode>('merge');
  const [busy, setBusy] = useState(false);
  const [planned, setPlanned] = useState<{ request: ImportRequest; plan: ImportPlan }>();
  const [confirmed, setConfirmed] = useState(false);
  const [result, setResult] = useState<ImportResult>();
  const [error, setError] = useState<unknown>();
  const published = municipality.data?.codeSystems.find((cs) => nameOf(cs) === name && cs.meta?.versionId === undefined);
  const existing = municipality.data?.codeSystems.find((cs) => nameOf(cs) === name && cs.meta?.versionId !== undefined);

  /** Any change to the form makes the plan shown stale: it is dropped, and must be asked for again. */
  const changed = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setPlanned(undefined);
    setConfirmed(false);
    setResult(undefined);
  };

  const focusResult = () => setTimeout(() => document.getElementById('import-result')?.focus());

  const preview = async (e: Event) => {
    e.preventDefault();
    setResult(undefined);
    setError(undefined);
    setPlanned(undefined);
    setConfirmed(false);
    if (!file) {
      setError(new InputError('Vælg en CSV-fil.'));
      return;
    }
    if (!NAME_PATTERN.test(name)) {
      setError(new InputError('Katalogets navn skal være 1–52 tegn: bogstaver a–z, tal, bindestreg og punktum.'));
      return;
    }
    if (file.size > largest) {
      setError(new InputError(`${tooLarge(largest)} Filen fylder ${megabytes(file.size)}.`));
      return;
    }
    setBusy(true);
    try {
      const request: ImportRequest = {
        data: base64(await file.arrayBuffer()), fileName: file.name, kommunekode, name, version: version.trim() || undefined, mode,
      };
      setPlanned({ request, plan: await previewImport(request, session.token) });
    } catch (err) {
      if (err instanceof FhirRequestError && err.status === 422) setResult({ ok: false, issues: err.issues });
      else if (err instanceof FhirRequestError && err.status === 413) setError(new InputError(tooLarge(largest)));
      else setError(err);
    } finally {
      setBusy(false);
      focusResult();
    }
  };

  const run = async () => {
    if (!planned) return;
    setBusy(true);
    setError(undefined);
    try {
      const issues = await runImport({ ...planned.request, basedOn: planned.plan.basedOn }, session.token);
      setResult({ ok: true, issues, plan: planned.plan });
      setPlanned(undefined);
      setConfirmed(false);
      municipality.reload();
    } catch (err) {
      if (err instanceof FhirRequestError && err.status === 422) setResult({ ok: false, issues: err.issues });
      else if (err instanceof FhirRequestError && err.status === 412) {
        setPlanned(undefined);
        setConfirmed(false);
        setError(new FhirRequestError(412, [{ severity: 'error', text: 'Intet er gemt; tryk »Vis ændringer« igen.' }]));
      } else setError(err);
    } finally {
      setBusy(false);
      focusResult();
    }
  };

  if (!kommunekode) {
    return (
      <div class="import">
        <h1>Importér lokale indsatser fra CSV</h1>
        <NoMunicipality what="importere til dens katalog" />
      </div>
    );
  }
  const shown = importIssues(result?.issues ?? []);
  return (
    <div class="import">
      <h1>Importér lokale indsatser fra CSV{kommunekode && ` (${session.kommunenavn ?? kommuneNavn(kommunekode)})`}</h1>
      <div class="import-grid">
        <form onSubmit={preview}>
          <div class="field">
            <label for="csv-file">CSV-fil</label>
            <FilePicker id="csv-file" accept=".csv,text/csv" onFile={changed(setFile)} />
          </div>
          <div class="field">
            <label for="csv-name">Katalogets navn</label>
            <input id="csv-name" value={name} onInput={(e) => changed(setName)((e.target as HTMLInputElement).value)} aria-describedby="csv-name-hint" />
            <p class="hint" id="csv-name-hint">Importen opretter eller opdaterer kataloget og koblingen med dette navn: …/kommune/{kommunekode ?? '…'}/CodeSystem/{name || '…'}
              {existing ? ` (findes, ${count(existing.concept?.length ?? 0, 'kode', 'koder')}).` : ' (findes ikke endnu).'}</p>
            {published && <p class="hint warn">Kataloget {name} er et offentliggjort eksempel og kan ikke erstattes; vælg et andet navn.</p>}
          </div>
          <div class="field">
            <label for="csv-version">Version (valgfri)</label>
            <input id="csv-version" value={version} placeholder="fx 1.1.0" onInput={(e) => changed(setVersion)((e.target as HTMLInputElement).value)} />
          </div>
          <fieldset class="field radios">
            <legend>Koder i kataloget, som ikke er i filen</legend>
            <label><input type="radio" name="import-mode" value="merge" checked={mode === 'merge'} onChange={() => changed(setMode)('merge')} />
              <span><strong>Flet</strong>: bevar dem (filen tilføjer og opdaterer kun)</span></label>
            <label><input type="radio" name="import-mode" value="replace" checked={mode === 'replace'} onChange={() => changed(setMode)('replace')} />
              <span><strong>Erstat</strong>: slet dem (kataloget bliver præcis filen)</span></label>
          </fieldset>
          <p class="actions"><button type="submit" disabled={busy}>{busy && !planned ? 'Læser filen …' : 'Vis ændringer'}</button></p>
          <p class="hint">Intet gemmes, før du har set ændringerne og trykket »Importér«.</p>
        </form>
        <aside class="help" aria-labelledby="csv-help">
          <h2 id="csv-help">Filens format</h2>
          <p>UTF-8 (»CSV UTF-8« i Excel), adskilt af komma eller semikolon, med en overskriftslinje:</p>
          <dl>
            <dt><code>kode</code></dt><dd>den lokale kode (entydig)</dd>
            <dt><code>titel</code></dt><dd>titlen</dd>
            <dt><code>type</code></dt><dd><code>indsats</code> eller <code>tilbud</code></dd>
            <dt><code>maal</code></dt><dd>de fælleskommunale mål adskilt af <code>;</code>: FSIII/FFB-koder eller den nøjagtige titel på ét begreb</dd>
            <dt><code>definition</code>, <code>status</code></dt><dd>valgfri; status <StatusValues /></dd>
          </dl>
          <p>Alle rækker importeres, eller ingen: er der én fejl, gemmes intet.</p>
          <p>»Flet« tilføjer filens nye koder og opdaterer dem, der findes; »Erstat« sletter desuden de koder, som ikke er i filen.</p>
        </aside>
      </div>
      <div id="import-result" tabIndex={-1}>
        <ErrorBox error={error} titles={IMPORT_TITLES} />
        {planned && (
          <section class="import-preview" aria-labelledby="import-preview-title">
            <h3 id="import-preview-title">Det sker ved importen ({planned.request.mode === 'merge' ? 'flet' : 'erstat'})</h3>
            <ImportPlanView plan={planned.plan} />
            {planned.plan.removed.length > 0 && (
              <p class="confirm">
                <label><input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed((e.target as HTMLInputElement).checked)} />
                  {' '}Ja, slet {planned.plan.removed.length === 1 ? 'koden' : `de ${formatNumber(planned.plan.removed.length)} koder`} fra kataloget</label>
              </p>
            )}
            <p class="actions">
              <button type="button" onClick={run} disabled={busy || (planned.plan.removed.length > 0 && !confirmed)}>{busy ? 'Importerer …' : 'Importér'}</button>
              <button type="button" class="secondary" onClick={() => { setPlanned(undefined); setConfirmed(false); }}>Annullér</button>
            </p>
          </section>
        )}
        {result && (result.ok
          ? (
            <Notice kind="ok">
              <p><strong>Importeret.</strong>{result.plan && ` ${formatNumber(result.plan.added.length)} tilføjet, ${formatNumber(result.plan.changed.length)} ændret, ${formatNumber(result.plan.removed.length)} slettet.`}</p>
              {shown.listed.length > 0 && <><p>Advarsler:</p><IssueList issues={shown.listed} lines /></>}
              {shown.omitted && <p>{shown.omitted}</p>}
              <p><a href={href('kommune')}>Se kommunens katalog</a></p>
            </Notice>
          )
          : (
            <div class="notice error" role="alert">
              <p><strong>{shown.summary}</strong> Ret filen og prøv igen.</p>
              <IssueList issues={shown.listed} lines />
              {shown.omitted && <p>{shown.omitted}</p>}
            </div>
          ))}
      </div>
    </div>
  );
}
