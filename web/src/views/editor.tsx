import type { Parameters } from 'fhir/r4';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { statusNameDa } from '../../../src/terminology/status-name';
import { fhir, param, paramValue, params } from '../fhir';
import { setFlash } from '../flash';
import { useAsync, usePageTitle } from '../hooks';
import { checkDraft, type Draft, isWritable, LOCAL_STATUSES, localEntries, NAME_PATTERN, nameOf, suggestName, type Target, TITLE_MAX_LENGTH } from '../local-model';
import { loadMunicipality, type MunicipalityData } from '../municipality';
import { href, navigate } from '../router';
import { warningsAbout, writeWarnings } from '../save-warnings';
import { closeSignInAgain, type Session } from '../session';
import { saveLocalCode } from '../save-local';
import { useUnsavedChanges } from '../unsaved';
import { equivalenceLabel, kommunes } from '../words';
import { ErrorBox, Loading, NoMunicipality, Notice } from './common';
import { TargetLink } from './municipality';
import { CatalogTag } from './catalog-tag';
import { ChosenTargetStatus, SaveWarnings } from './save-warnings';
import { TargetPicker } from './target-picker';

const NEW = '__new__';

interface TranslateAnswer {
  result: boolean;
  matches: { display?: string; code?: string; system?: string; equivalence?: string }[];
}

/**
 * How long the saved message waits for the server's $translate of the saved code. The save is confirmed at once; the
 * server's answer follows in the same message when it comes, so a slow answer holds nobody up.
 */
const TRANSLATE_CHECK_TIMEOUT_MS = 15_000;

/** Asks the server what the saved local code translates to: the proof that the link is in place. */
async function translateCheck(system: string, code: string, signal: AbortSignal): Promise<TranslateAnswer> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal.addEventListener('abort', stop);
  const timer = setTimeout(stop, TRANSLATE_CHECK_TIMEOUT_MS);
  let p: Parameters;
  try {
    p = (await fhir<Parameters>('GET', 'ConceptMap/$translate', { query: { system, code }, signal: controller.signal })).body;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
  return {
    result: paramValue(param(p, 'result')) === true,
    matches: params(p, 'match').map((m) => {
      const c = paramValue(param(m, 'concept')) as { display?: string; code?: string; system?: string } | undefined;
      return { ...c, equivalence: paramValue(param(m, 'equivalence')) as string | undefined };
    }),
  };
}

/** The server's translation of a saved local code, in the saved message: asked for once the message is shown. */
function TranslateCheck({ system, code }: { system: string; code: string }) {
  const check = useAsync((signal) => translateCheck(system, code, signal), [system, code]);
  if (check.loading) return <p class="muted">Henter serverens oversættelse af <code class="code">{code}</code> …</p>;
  if (!check.data) return <p>Serverens oversættelse af <code class="code">{code}</code> kunne ikke hentes; koblingen er gemt og vises i listen herunder.</p>;
  if (!check.data.result) return <p>Serveren har endnu ingen oversættelse af {code}.</p>;
  return (
    <p class="translate-check">Serveren oversætter nu <code class="code">{code}</code> til:{' '}
      {check.data.matches.map((m, i) => <span key={i}>{i > 0 && ', '}<TargetLink c={m} /> ({equivalenceLabel(m.equivalence)})</span>)}
    </p>
  );
}

/**
 * The editor's address when there is no form to show (a code that is not there, a catalog that cannot be changed,
 * a token without a municipality, loading): the view's h1, what it says, and the way back.
 */
function EditorNotice({ title, children }: { title: string; children: ComponentChildren }) {
  usePageTitle([title, 'Min kommune']);
  useEffect(() => {
    document.getElementById('editor-title')?.focus();
  }, []);
  return (
    <div class="editor">
      <h1 id="editor-title" tabIndex={-1}>{title}</h1>
      {children}
      <p class="actions"><a class="button secondary" href={href('kommune')}>Tilbage til Min kommune</a></p>
    </div>
  );
}

function EditorForm({ data, session, csId, code }: { data: MunicipalityData; session: Session; csId?: string; code?: string }) {
  const kommunekode = data.kommunekode;
  const writable = data.codeSystems.filter(isWritable);
  const editing = csId !== undefined && code !== undefined;
  // The login has expired and the dialog asking to sign in again is closed: what is typed can be read and copied, not changed or saved.
  const locked = session.expired === true && session.signInAgainClosed === true;
  const existingCs = editing ? data.codeSystems.find((cs) => cs.id === csId) : undefined;
  const existingEntry = existingCs ? localEntries(existingCs, data.conceptMaps).find((e) => e.code === code) : undefined;

  const [catalogChoice, setCatalogChoice] = useState<string>(csId ?? writable[0]?.id ?? NEW);
  const [newName, setNewName] = useState(() => suggestName([...data.codeSystems, ...data.conceptMaps]));
  const [draft, setDraft] = useState<Draft>(() => ({
    code: existingEntry?.code ?? '',
    display: existingEntry?.display ?? '',
    definition: existingEntry?.definition ?? '',
    kind: existingEntry?.kind === 'indsats' || existingEntry?.kind === 'tilbud' ? existingEntry.kind : '',
    status: existingEntry?.status ?? 'active',
    targets: existingEntry?.targets.map((t) => ({ system: t.system, code: t.code, display: t.display })) ?? [],
  }));
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [initialDraft] = useState(() => JSON.stringify(draft));
  const unsaved = useUnsavedChanges(JSON.stringify(draft) !== initialDraft);
  // the view's h1 (and the notices' below, which say the same)
  usePageTitle([editing ? `Redigér ${existingEntry?.display ?? code}` : 'Ny lokal indsats eller tilbud', 'Min kommune']);
  useEffect(() => {
    document.getElementById('editor-title')?.focus();
  }, []);
  /** The form's problems as it is now: the new catalog's name, then the draft's (checkDraft). */
  const findProblems = (): string[] => {
    const found: string[] = [];
    if (catalogChoice === NEW) {
      if (!NAME_PATTERN.test(newName)) found.push('Katalogets navn skal være 1–52 tegn: bogstaver a–z, tal, bindestreg og punktum (uden æ, ø, å).');
      else if ([...data.codeSystems, ...data.conceptMaps].some((r) => nameOf(r) === newName)) found.push(`Der findes allerede et katalog med navnet ${newName}.`);
    }
    const previousCs = catalogChoice === NEW ? undefined : data.codeSystems.find((cs) => cs.id === catalogChoice);
    return [...found, ...checkDraft(draft, previousCs, !editing)];
  };

  // Once shown, the summary follows the form: a problem fixed leaves it (and the summary goes when none is left),
  // so it never says "der er valgt 0" beside a chosen target.
  const formState = JSON.stringify([draft, catalogChoice, newName]);
  useEffect(() => {
    if (problems.length === 0) return;
    const found = findProblems();
    if (found.join('\n') !== problems.join('\n')) setProblems(found);
  }, [formState]);

  if (editing && (!existingCs || !existingEntry)) {
    return (
      <EditorNotice title={`Redigér ${code}`}>
        <Notice kind="error">Den lokale kode {code} findes ikke i kataloget {csId} blandt {kommunes(kommunekode)} kataloger.</Notice>
      </EditorNotice>
    );
  }
  if (existingCs && !isWritable(existingCs)) {
    return (
      <EditorNotice title={`Redigér ${existingEntry?.display ?? code}`}>
        <Notice kind="warn">{existingCs.title ?? csId} er et offentliggjort eksempel og kan ikke ændres her.</Notice>
      </EditorNotice>
    );
  }

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const addTarget = (t: Target) => setDraft((d) => ({ ...d, targets: d.kind === 'tilbud' ? [...d.targets, t] : [t] }));
  const removeTarget = (t: Target) => setDraft((d) => ({ ...d, targets: d.targets.filter((x) => x.system !== t.system || x.code !== t.code) }));

  const save = async (e: Event) => {
    e.preventDefault();
    if (locked) return;
    setError(undefined);
    const previousCs = catalogChoice === NEW ? undefined : data.codeSystems.find((cs) => cs.id === catalogChoice);
    const found = findProblems();
    setProblems(found);
    if (found.length > 0) {
      document.getElementById('editor-problems')?.focus();
      return;
    }
    const entry = { code: draft.code, display: draft.display.trim() };
    setSaving(true);
    try {
      const saved = await saveLocalCode({ data, csId: previousCs?.id, newName, draft }, session.token, existingEntry);
      const cs = saved.codeSystem;
      const warnings = warningsAbout(writeWarnings(saved.response), saved.conceptMap, entry.code);
      setFlash(
        <>
          <p><strong>{warnings.length > 0 ? 'Gemt med advarsler' : 'Gemt'}:</strong> {entry.display} (<code class="code">{entry.code}</code>) i {cs.title ?? nameOf(cs)}.</p>
          {saved.merged && <p>Kataloget var ændret i mellemtiden (andre koder); din ændring er lagt oven på den nye version.</p>}
          {warnings.length > 0 && <SaveWarnings session={session} kommunekode={kommunekode} system={cs.url!} code={entry.code} warnings={warnings} />}
          <TranslateCheck system={cs.url!} code={entry.code} />
        </>,
      );
      unsaved.release();
      navigate('kommune');
    } catch (err) {
      setError(err);
      setSaving(false);
      setTimeout(() => document.getElementById('editor-error')?.focus());
    }
  };

  const kindHelp = draft.kind === 'tilbud'
    ? 'Et tilbud kobles til alle de fælleskommunale indsatser, det består af (én eller flere).'
    : 'En lokal indsats kobles til præcis én fælleskommunal indsats (niveau 2).';

  return (
    <form class="editor" onSubmit={save} noValidate>
      <h1 id="editor-title" tabIndex={-1}>{editing ? `Redigér ${existingEntry!.display}` : 'Ny lokal indsats eller tilbud'}</h1>
      <div id="editor-problems" tabIndex={-1}>
        {problems.length > 0 && (
          <div class="notice error" role="alert">
            <p><strong>Ret dette, før du gemmer:</strong></p>
            <ul>{problems.map((p) => <li key={p}>{p}</li>)}</ul>
          </div>
        )}
      </div>
      <div class="editor-grid">
        <fieldset>
          <legend>{draft.kind === 'tilbud' ? 'Det lokale tilbud' : 'Den lokale indsats'}</legend>
          {!editing && (
            <div class="field">
              <label for="catalog">Lokalt katalog</label>
              <select id="catalog" value={catalogChoice} disabled={locked} onChange={(e) => setCatalogChoice((e.target as HTMLSelectElement).value)}>
                {writable.map((cs) => <option key={cs.id} value={cs.id}>{cs.title ?? nameOf(cs)}</option>)}
                <option value={NEW}>Nyt katalog …</option>
              </select>
            </div>
          )}
          {!editing && catalogChoice === NEW && (
            <div class="field">
              <label for="catalog-name">Navn på det nye katalog</label>
              <input id="catalog-name" value={newName} readOnly={locked} onInput={(e) => setNewName((e.target as HTMLInputElement).value)} aria-describedby="catalog-name-hint" />
              <p class="hint" id="catalog-name-hint">Bliver en del af katalogets adresse: …/kommune/{kommunekode}/CodeSystem/{newName || '…'}</p>
            </div>
          )}
          <div class="field">
            <label for="code">Lokal kode</label>
            <input id="code" value={draft.code} readOnly={editing || locked} required aria-describedby="code-hint"
              onInput={(e) => set('code', (e.target as HTMLInputElement).value)} />
            <p class="hint" id="code-hint">Fx {kommunekode}-BOLDSPIL. Koden sendes til KL sammen med den fælleskommunale kode og bør ikke ændres senere.</p>
          </div>
          <div class="field">
            <label for="display">Titel</label>
            <input id="display" value={draft.display} readOnly={locked} required aria-describedby="display-hint"
              onInput={(e) => set('display', (e.target as HTMLInputElement).value)} />
            <p class="hint" id="display-hint">Højst {TITLE_MAX_LENGTH} tegn; en længere forklaring hører til i beskrivelsen.</p>
          </div>
          <fieldset class="field radios">
            <legend>Type</legend>
            <label><input type="radio" name="kind" value="indsats" checked={draft.kind === 'indsats'} disabled={locked}
              onChange={() => setDraft((d) => ({ ...d, kind: 'indsats', targets: d.targets.slice(0, 1) }))} /> Indsats (niveau 3)</label>
            <label><input type="radio" name="kind" value="tilbud" checked={draft.kind === 'tilbud'} disabled={locked}
              onChange={() => set('kind', 'tilbud')} /> Tilbud (sammensat af flere indsatser)</label>
          </fieldset>
          <div class="field">
            <label for="definition">Beskrivelse (valgfri)</label>
            <textarea id="definition" rows={3} value={draft.definition} readOnly={locked} onInput={(e) => set('definition', (e.target as HTMLTextAreaElement).value)} />
          </div>
          <div class="field">
            <label for="status">Status</label>
            <select id="status" value={draft.status} disabled={locked} onChange={(e) => set('status', (e.target as HTMLSelectElement).value)}>
              {LOCAL_STATUSES.map((s) => <option key={s} value={s}>{statusNameDa(s)}</option>)}
            </select>
          </div>
        </fieldset>
        <div class="targets-column">
          <fieldset class="targets" id="chosen-targets" tabIndex={-1}>
            <legend>Koblet til fælleskommunale begreber</legend>
            <p class="hint">{kindHelp}</p>
            {draft.targets.length === 0 ? <p class="muted">Intet valgt endnu. Find begrebet herunder.</p> : (
              <ul class="chosen" aria-label="Valgte mål">
                {draft.targets.map((t) => (
                  <li key={`${t.system}|${t.code}`}>
                    <span><strong>{t.display ?? t.code}</strong> <CatalogTag system={t.system} code={t.code} /> <code class="code small muted">{t.code}</code>
                      {' '}<ChosenTargetStatus target={t} onReplace={(next) => setDraft((d) => ({ ...d, targets: d.targets.map((x) => (x === t ? next : x)) }))} /></span>
                    <button type="button" class="link" disabled={locked} onClick={() => removeTarget(t)} aria-label={`Fjern ${t.display ?? t.code}`}>Fjern</button>
                  </li>
                ))}
              </ul>
            )}
          </fieldset>
          {!locked && (
            <section class="picker-section" aria-labelledby="picker-title">
              <h2 id="picker-title">Find det fælleskommunale begreb</h2>
              <TargetPicker chosen={draft.targets} multiple={draft.kind === 'tilbud'} onAdd={addTarget} onRemove={removeTarget} />
            </section>
          )}
        </div>
      </div>
      <div id="editor-error" tabIndex={-1}><ErrorBox error={error} /></div>
      {locked && (
        <div class="notice warn" role="status">
          <p>Dit login er udløbet. Det, du har skrevet, kan læses og kopieres, men ikke ændres eller gemmes, før du logger ind igen.{' '}
            <button type="button" class="secondary small" onClick={() => closeSignInAgain(false)}>Log ind igen</button></p>
        </div>
      )}
      <p class="actions">
        <button type="submit" disabled={saving || locked}>{saving ? 'Gemmer …' : 'Gem'}</button>
        <a class="button secondary" href={href('kommune')}>Annullér</a>
      </p>
    </form>
  );
}

export function Editor({ session, csId, code }: { session: Session; csId?: string; code?: string }) {
  const kommunekode = session.kommunekode;
  const data = useAsync(() => (kommunekode ? loadMunicipality(kommunekode) : Promise.resolve(undefined)), [kommunekode]);
  const title = csId !== undefined && code !== undefined ? `Redigér ${code}` : 'Ny lokal indsats eller tilbud';
  if (!kommunekode) return <EditorNotice title={title}><NoMunicipality what="oprette og redigere dens lokale indsatser" /></EditorNotice>;
  if (data.error) return <EditorNotice title={title}><ErrorBox error={data.error} /></EditorNotice>;
  if (!data.data) return <EditorNotice title={title}><Loading what="kommunens katalog" /></EditorNotice>;
  return <EditorForm key={`${csId}|${code}`} data={data.data} session={session} csId={csId} code={code} />;
}
