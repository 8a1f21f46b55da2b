import type { Bundle } from 'fhir/r4';
import { useState } from 'preact/hooks';
import { fhir, get } from '../fhir';
import { operationLabel, versionChanges, versionsWithAuthors, type VersionEntry } from '../history-model';
import { useAsync } from '../hooks';
import { currentSession } from '../session';
import { ErrorBox, Loading } from './common';

const METHOD_DA: Record<string, string> = { create: 'oprettet', update: 'ændret', delete: 'slettet' };

function when(instant: string | undefined): string {
  return instant ? new Date(instant).toLocaleString('da-DK', { dateStyle: 'medium', timeStyle: 'short' }) : '–';
}

async function loadHistory(type: string, id: string, signal: AbortSignal): Promise<VersionEntry[]> {
  // the versions on one page: as many as a page holds (the server's default page is smaller)
  const history = await get<Bundle>(`${type}/${id}/_history`, { _count: 1000 }, signal);
  const token = currentSession()?.token;
  // the audit log needs the municipality's token; without it the versions are shown without their author
  const audit = token
    ? (await fhir<Bundle>('GET', 'AuditEvent', { query: { entity: `${type}/${id}`, _count: 200 }, token, signal }).catch(() => undefined))?.body
    : undefined;
  return versionsWithAuthors(history, audit, type, id);
}

function Versions({ type, id }: { type: string; id: string }) {
  const data = useAsync((signal) => loadHistory(type, id, signal), [type, id]);
  if (data.error) return <ErrorBox error={data.error} />;
  if (!data.data) return <Loading what="historikken" />;
  const versions = data.data;
  return (
    <ol class="history plain">
      {versions.map((v, i) => {
        const changes = versionChanges(versions[i + 1]?.resource, v.resource);
        return (
          <li key={v.versionId}>
            <strong>Gemt version {v.versionId}</strong> {METHOD_DA[v.method] ?? v.method} {when(v.lastUpdated)}
            {' · '}{v.author ? <>af <code>{v.author}</code>{v.kommunekode && <> (kommune {v.kommunekode})</>}</> : <span class="muted">forfatter ukendt</span>}
            {operationLabel(v.operation) && <span class="muted small"> via {operationLabel(v.operation)}</span>}
            {i === versions.length - 1 ? <div class="muted small">Første version</div> : changes.length === 0 ? <div class="muted small">Ingen ændringer i koder, titler eller koblinger</div> : (
              <ul class="small">{changes.map((c, j) => <li key={j} class={`change-${c.kind === 'ændret' ? 'aendret' : c.kind}`}>{c.text}</li>)}</ul>
            )}
          </li>
        );
      })}
    </ol>
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
