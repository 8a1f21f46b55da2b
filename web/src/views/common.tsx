import type { ComponentChildren, RefObject } from 'preact';
import { useState } from 'preact/hooks';
import { statusNameDa } from '../../../src/terminology/status-name';
import type { ConceptText } from '../concept';
import { FhirRequestError, InputError, type Issue } from '../fhir';
import { usePageTitle } from '../hooks';
import { href } from '../router';

/** An address the page has no view for (a mistyped link, a catalog that is not there): said so, with the way on. */
export function NotFound({ address }: { address: string }) {
  usePageTitle(['Siden findes ikke']);
  return (
    <div class="not-found">
      <h1>Siden findes ikke</h1>
      <p>Der er ingen side på adressen <code>{address}</code>. Linket kan være skrevet forkert, eller det, det pegede på, findes ikke længere.</p>
      <p class="actions">
        <a class="button" href={href('kataloger')}>Gå til katalogerne</a>
        <a class="button secondary" href={href('kommune')}>Min kommune</a>
      </p>
    </div>
  );
}

/** Moves keyboard focus to an element once the view has re-rendered (after an action that changes what is shown). */
export function focusLater(id: string): void {
  setTimeout(() => document.getElementById(id)?.focus());
}

const SUPERSCRIPT = /([⁰¹²³⁴⁵⁶⁷⁸⁹]+)/;

/**
 * A catalog text with its footnote markers (superscript digits, as the catalog prints them) shown as footnote
 * references; the footnote itself is FootnoteView below.
 */
export function FootnotedText({ text }: { text: string }) {
  const parts = text.split(SUPERSCRIPT);
  if (parts.length === 1) return <>{text}</>;
  return <>{parts.map((p, i) => (i % 2 === 1 ? <sup key={i} class="fn-ref"><span class="sr-only">fodnote </span>{fromSuperscript(p)}</sup> : p))}</>;
}

function fromSuperscript(s: string): string {
  return [...s].map((c) => String('⁰¹²³⁴⁵⁶⁷⁸⁹'.indexOf(c))).join('');
}

/** A footnote ("² Med superviserede aktiviteter menes …"): its marker raised, as in the printed catalog. */
export function FootnoteView({ text }: { text: string }) {
  const m = /^([⁰¹²³⁴⁵⁶⁷⁸⁹]+)\s+(.*)$/s.exec(text);
  return (
    <p class="footnote" role="note" aria-label="Fodnote">
      {m ? <><sup>{fromSuperscript(m[1]!)}</sup> {m[2]}</> : text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="loading" role="status">Henter {what} …</p>;
}

const SEVERITY_LABEL: Record<Issue['severity'], string> = { fatal: 'Fejl', error: 'Fejl', warning: 'Advarsel', information: 'Info' };

/** The issues of a refused request (or of an import), with the line they belong to. */
export function IssueList({ issues, lines = false }: { issues: Issue[]; lines?: boolean }) {
  if (issues.length === 0) return null;
  if (lines) {
    return (
      <table class="issues">
        <thead><tr><th scope="col">Linje</th><th scope="col">Type</th><th scope="col">Besked</th></tr></thead>
        <tbody>
          {issues.map((i, n) => (
            <tr key={n} class={`sev-${i.severity}`}>
              <td>{i.line ?? '–'}</td>
              <td>{SEVERITY_LABEL[i.severity]}</td>
              <td>{i.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <ul class="issues">
      {issues.map((i, n) => (
        <li key={n} class={`sev-${i.severity}`}><strong>{SEVERITY_LABEL[i.severity]}:</strong> {i.text}</li>
      ))}
    </ul>
  );
}

/**
 * What went wrong, in Danish where the page knows the case; the server's own words otherwise. `titles` gives a view's
 * own title for a status (signing in: a 401 is the token just pasted, not a session that has run out). What the page
 * found itself (InputError) has no title: its text says it all.
 */
export function explain(error: unknown, own: Record<number, string> = {}): { title?: string; issues: Issue[] } {
  if (error instanceof InputError) return { issues: error.issues };
  if (error instanceof FhirRequestError) {
    const titles: Record<number, string> = {
      0: 'Serveren kunne ikke nås',
      400: 'Serveren afviste forespørgslen:',
      401: 'Dit login er ikke gyldigt (udløbet eller forkert token). Log ind igen; det, du har skrevet, bliver stående.',
      403: 'Dit login må ikke skrive dette.',
      404: 'Findes ikke',
      405: 'Kan ikke ændres: det er et offentliggjort katalog.',
      409: 'Kataloget er ændret af en anden i mellemtiden. Hent siden igen.',
      412: 'Kataloget er ændret af en anden i mellemtiden. Hent siden igen.',
      422: 'Serveren afviste ændringen:',
      ...own,
    };
    return { title: titles[error.status] ?? `Serveren svarede ${error.status}`, issues: error.issues };
  }
  return { title: 'Der skete en fejl', issues: [{ severity: 'error', text: (error as Error)?.message ?? String(error) }] };
}

export function ErrorBox({ error, titles }: { error: unknown; titles?: Record<number, string> }) {
  if (!error) return null;
  const { title, issues } = explain(error, titles);
  return (
    <div class="notice error" role="alert">
      {title && <p><strong>{title}</strong></p>}
      <IssueList issues={issues} />
    </div>
  );
}

/** An administrator's token names no municipality: what needs one (its catalog, an import) is not offered. */
export function NoMunicipality({ what }: { what: string }) {
  return <p class="notice warn">Dit token gælder ingen bestemt kommune (intet kommunekode-claim). Log ind med en kommunes token for at {what}.</p>;
}

/**
 * A file field whose button and text are Danish whatever the browser's language (the browser's own file control speaks
 * its language: "Choose File"). The input stays the one the field's label names and keyboard focus reaches; it is
 * only hidden from sight, and the label styled as a button opens it.
 */
export function FilePicker({ id, accept, describedBy, inputRef, onFile }: {
  id: string;
  accept: string;
  describedBy?: string;
  inputRef?: RefObject<HTMLInputElement | null>;
  onFile?: (file: File | undefined) => void;
}) {
  const [name, setName] = useState<string>();
  return (
    <div class="file-picker">
      <input id={id} ref={inputRef} class="sr-only" type="file" accept={accept} aria-describedby={describedBy}
        onChange={(e) => {
          const file = (e.target as HTMLInputElement).files?.[0];
          setName(file?.name);
          onFile?.(file);
        }} />
      <label for={id} class="button secondary">Vælg fil</label>
      <span class="file-name">{name ?? 'Ingen fil valgt'}</span>
    </div>
  );
}

export function Notice({ kind, children }: { kind: 'info' | 'ok' | 'warn' | 'error'; children: ComponentChildren }) {
  return <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>{children}</div>;
}

export function StatusBadge({ status }: { status: string }) {
  if (status === 'active') return null;
  return <span class={`badge status-${status}`}>{statusNameDa(status)}</span>;
}

/** The catalog text of a concept: beskrivelse, formål, eksempler, fodnote; the definition where there is none. */
export function ConceptTextView({ c, headingLevel = 3 }: { c: ConceptText; headingLevel?: 3 | 4 }) {
  const H = headingLevel === 3 ? 'h3' : 'h4';
  const hasCatalogText = c.beskrivelse || c.formaal || c.eksempler.length > 0;
  return (
    <div class="concept-text">
      {c.beskrivelse && (<section><H>Beskrivelse</H><p><FootnotedText text={c.beskrivelse} /></p></section>)}
      {c.formaal && (<section><H>Formål</H><p><FootnotedText text={c.formaal} /></p></section>)}
      {c.eksempler.length > 0 && (
        <section>
          <H>Eksempler</H>
          {c.eksempelIndledning && <p>{c.eksempelIndledning}</p>}
          <ul>{c.eksempler.map((e, i) => <li key={i}>{e}</li>)}</ul>
        </section>
      )}
      {c.fodnote && <FootnoteView text={c.fodnote} />}
      {!hasCatalogText && c.definition && (<section><H>Definition</H><p class="multiline">{c.definition}</p></section>)}
      {!hasCatalogText && !c.definition && <p class="muted">Kataloget har ingen beskrivelse af dette begreb.</p>}
    </div>
  );
}
