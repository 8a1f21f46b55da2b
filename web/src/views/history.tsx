import type { Bundle } from 'fhir/r4';
import { useState } from 'preact/hooks';
import { fhir } from '../fhir';
import { loadVersionHistory, operationLabel, versionChanges, type VersionHistory } from '../history-model';
import { useAsync } from '../hooks';
import { currentSession } from '../session';
import { formatNumber, kommuneNavn } from '../words';
import { ErrorBox, Loading } from './common';

const METHOD_DA: Record<string, string> = { create: 'oprettet', update: 'ændret', delete: 'slettet' };

function when(instant: string | undefined): string {
  return instant ? new Date(instant).toLocaleString('da-DK', { dateStyle: 'medium', timeStyle: 'short' }) : '–';
}

function loadHistory(type: string, id: string, signal: AbortSignal): Promise<VersionHistory> {
  // the audit log needs the municipality's token; without it the versions are shown without their author
  const token = currentSession()?.token;
  const fetchBundle = (withToken?: string) => async (pathOrUrl: string) => (await fhir<Bundle>('GET', pathOrUrl, { signal, token: withToken })).body;
  return loadVersionHistory(type, id, fetchBundle(), token === undefined ? undefined : fetchBundle(token));
}

function Versions({ type, id }: { type: string; id: string }) {
  const data = useAsync((signal) => loadHistory(type, id, signal), [type, id]);
  if (data.error) return <ErrorBox error={data.error} />;
  if (!data.data) return <Loading what="historikken" />;
  const { versions, cut } = data.data;
  return (
    <>
      <ol class="history plain">
        {versions.map((v, i) => {
          const changes = versionChanges(versions[i + 1]?.resource, v.resource);
          return (
            <li key={v.versionId}>
              <strong>Gemt version {v.versionId}</strong> {METHOD_DA[v.method] ?? v.method} {when(v.lastUpdated)}
              {' · '}{v.author ? <>af <code>{v.author}</code>{v.kommunekode && <> ({kommuneNavn(v.kommunekode)})</>}</> : <span class="muted">forfatter ukendt</span>}
              {operationLabel(v.operation) && <span class="muted small"> via {operationLabel(v.operation)}</span>}
              {i === versions.length - 1 ? (v.versionId === '1' && <div class="muted small">Første version</div>) : changes.length === 0 ? <div class="muted small">Ingen ændringer i koder, titler eller koblinger</div> : (
                <ul class="small">{changes.map((c, j) => <li key={j} class={`change-${c.kind === 'ændret' ? 'aendret' : c.kind}`}>{c.text}</li>)}</ul>
              )}
            </li>
          );
        })}
      </ol>
      {cut && <p class="muted small">Viser de {formatNumber(versions.length)} nyeste versioner; ældre versioner er ikke vist.</p>}
    </>
  );
}

/** A resource's saved versions, newest first, with who saved each and what changed from the version before; loaded when opened. */
export function ResourceHistory({ type, id, title = 'Historik' }: { type: 'CodeSystem' | 'ConceptMap' | 'ValueSet'; id: string; title?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details class="resource-history" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{title}</summary>
      {open && <Versions type={type} id={id} />}
    </details>
  );
}
