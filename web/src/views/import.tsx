import type { OperationOutcome } from 'fhir/r4';
import { useState } from 'preact/hooks';
import { fhir, FhirRequestError, type Issue, outcomeIssues } from '../fhir';
import { useAsync } from '../hooks';
import { DEFAULT_NAME, NAME_PATTERN, nameOf } from '../local-model';
import { loadMunicipality } from '../municipality';
import { href } from '../router';
import type { Session } from '../session';
import { ErrorBox, IssueList, Notice } from './common';
import { kommuneNavn } from '../words';

function base64(bytes: ArrayBuffer): string {
  const view = new Uint8Array(bytes);
  let binary = '';
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

interface ImportResult {
  ok: boolean;
  issues: Issue[];
}

/**
 * CSV import from the page: the file goes to the server's CodeSystem/$import-local, which runs the same importer
 * as `npm run import-local` (same columns, same validation, all rows or none) and answers errors by line.
 */
export function Import({ session }: { session: Session }) {
  const kommunekode = session.kommunekode;
  const municipality = useAsync(() => (kommunekode ? loadMunicipality(kommunekode) : Promise.resolve(undefined)), [kommunekode]);
  const [file, setFile] = useState<File>();
  const [name, setName] = useState(DEFAULT_NAME);
  const [version, setVersion] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ImportResult>();
  const [error, setError] = useState<unknown>();
  const published = municipality.data?.codeSystems.find((cs) => nameOf(cs) === name && cs.meta?.versionId === undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    setResult(undefined);
    setError(undefined);
    if (!file) {
      setError(new FhirRequestError(400, [{ severity: 'error', text: 'Vælg en CSV-fil.' }]));
      return;
    }
    if (!NAME_PATTERN.test(name)) {
      setError(new FhirRequestError(400, [{ severity: 'error', text: 'Katalogets navn skal være 1–52 tegn: bogstaver a–z, tal, bindestreg og punktum.' }]));
      return;
    }
    setBusy(true);
    try {
      const parameter = [
        { name: 'csv', valueAttachment: { contentType: 'text/csv', title: file.name, data: base64(await file.arrayBuffer()) } },
        ...(kommunekode ? [{ name: 'kommunekode', valueCode: kommunekode }] : []),
        { name: 'name', valueString: name },
        ...(version.trim() ? [{ name: 'version', valueString: version.trim() }] : []),
      ];
      const res = await fhir<OperationOutcome>('POST', 'CodeSystem/$import-local', { body: { resourceType: 'Parameters', parameter }, token: session.token });
      setResult({ ok: true, issues: outcomeIssues(res.body) });
      municipality.reload();
    } catch (err) {
      if (err instanceof FhirRequestError && err.status === 422) setResult({ ok: false, issues: err.issues });
      else setError(err);
    } finally {
      setBusy(false);
      setTimeout(() => document.getElementById('import-result')?.focus());
    }
  };

  const rowIssues = result?.issues.filter((i) => i.severity !== 'information') ?? [];
  const errors = rowIssues.filter((i) => i.severity === 'error' || i.severity === 'fatal').length;
  return (
    <div class="import">
      <h1>Importér lokale indsatser fra CSV{kommunekode && ` (${session.kommunenavn ?? kommuneNavn(kommunekode)})`}</h1>
      <div class="import-grid">
        <form onSubmit={submit}>
          <div class="field">
            <label for="csv-file">CSV-fil</label>
            <input id="csv-file" type="file" accept=".csv,text/csv" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])} />
          </div>
          <div class="field">
            <label for="csv-name">Katalogets navn</label>
            <input id="csv-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-describedby="csv-name-hint" />
            <p class="hint" id="csv-name-hint">Importen opretter eller erstatter kataloget og koblingen med dette navn: …/kommune/{kommunekode ?? '…'}/CodeSystem/{name || '…'}.</p>
            {published && <p class="hint warn">Kataloget {name} er et offentliggjort eksempel og kan ikke erstattes; vælg et andet navn.</p>}
          </div>
          <div class="field">
            <label for="csv-version">Version (valgfri)</label>
            <input id="csv-version" value={version} placeholder="fx 1.1.0" onInput={(e) => setVersion((e.target as HTMLInputElement).value)} />
          </div>
          <p class="actions"><button type="submit" disabled={busy}>{busy ? 'Importerer …' : 'Importér'}</button></p>
        </form>
        <aside class="help" aria-labelledby="csv-help">
          <h2 id="csv-help">Filens format</h2>
          <p>UTF-8 (»CSV UTF-8« i Excel), adskilt af komma eller semikolon, med en overskriftslinje:</p>
          <dl>
            <dt><code>kode</code></dt><dd>den lokale kode (entydig)</dd>
            <dt><code>titel</code></dt><dd>titlen</dd>
            <dt><code>type</code></dt><dd><code>indsats</code> eller <code>tilbud</code></dd>
            <dt><code>maal</code></dt><dd>de fælleskommunale mål adskilt af <code>;</code>: FSIII/FFB-koder eller den nøjagtige titel på ét begreb</dd>
            <dt><code>definition</code>, <code>status</code></dt><dd>valgfri; status <code>active</code> (standard), <code>retired</code>, <code>deprecated</code>, <code>draft</code></dd>
          </dl>
          <p>Alle rækker importeres, eller ingen: er der én fejl, gemmes intet.</p>
        </aside>
      </div>
      <div id="import-result" tabIndex={-1}>
        <ErrorBox error={error} />
        {result && (result.ok
          ? (
            <Notice kind="ok">
              <p><strong>Importeret.</strong> {result.issues.find((i) => i.severity === 'information')?.text}</p>
              {rowIssues.length > 0 && <><p>Advarsler:</p><IssueList issues={rowIssues} lines /></>}
              <p><a href={href('kommune')}>Se kommunens katalog</a></p>
            </Notice>
          )
          : (
            <div class="notice error" role="alert">
              <p><strong>Ikke importeret: {errors} {errors === 1 ? 'fejl' : 'fejl'}. Intet er gemt.</strong> Ret filen og prøv igen.</p>
              <IssueList issues={rowIssues} lines />
            </div>
          ))}
      </div>
    </div>
  );
}
