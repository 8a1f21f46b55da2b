import { useState } from 'preact/hooks';
import { CATALOGS, catalogByKey, expandCatalog, systemName, type TreeNode } from '../catalogs';
import { lookupConcept } from '../concept';
import { useAsync, useDebounced } from '../hooks';
import type { Target } from '../local-model';
import { ConceptTextView, ErrorBox, Loading, StatusBadge } from './common';

const LIMIT = 60;

function flat(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flat(n.children)]);
}

function Preview({ node }: { node: TreeNode }) {
  const c = useAsync((signal) => lookupConcept(node.system, node.code, signal), [node.system, node.code]);
  if (c.error) return <ErrorBox error={c.error} />;
  if (!c.data || c.data.code !== node.code) return <Loading what="beskrivelsen" />;
  return (
    <div>
      <h3 class="preview-title">{c.data.display} <StatusBadge status={c.data.status} /></h3>
      <p class="muted small">{c.data.lovparagraf ?? systemName(c.data.system)} · <code>{c.data.code}</code></p>
      <ConceptTextView c={c.data} headingLevel={4} />
    </div>
  );
}

/**
 * Finds a common concept to link to: a catalog, a search (the server's $expand filter), the candidates as a radio
 * group (arrow keys move between them) and the catalog text of the one selected, beside the list.
 */
export function TargetPicker({ chosen, onAdd, addLabel }: { chosen: Target[]; onAdd(t: Target): void; addLabel: string }) {
  const [catalogKey, setCatalogKey] = useState('119');
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<TreeNode>();
  const filter = useDebounced(query.trim(), 250);
  const catalog = catalogByKey(catalogKey) ?? CATALOGS[0]!;
  const small = Boolean(catalog.valueSet);
  const result = useAsync((signal) => (filter || small ? expandCatalog(catalog, filter || undefined, signal) : Promise.resolve(undefined)),
    [catalog.key, filter]);
  const candidates = result.data ? flat(result.data.nodes) : [];
  const isChosen = (n: TreeNode) => chosen.some((t) => t.system === n.system && t.code === n.code);
  return (
    <div class="picker">
      <div class="picker-list">
        <div class="row">
          <div>
            <label for="picker-catalog">Katalog</label>
            <select id="picker-catalog" value={catalogKey} onChange={(e) => { setCatalogKey((e.target as HTMLSelectElement).value); setSelected(undefined); }}>
              {[...new Set(CATALOGS.map((c) => c.group))].map((g) => (
                <optgroup key={g} label={g}>
                  {CATALOGS.filter((c) => c.group === g).map((c) => <option key={c.key} value={c.key}>{c.label}</option>)}
                </optgroup>
              ))}
            </select>
          </div>
          <div class="grow">
            <label for="picker-search">Søg</label>
            <input id="picker-search" type="search" autocomplete="off" value={query} placeholder="fx træning"
              onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
          </div>
        </div>
        {result.error && <ErrorBox error={result.error} />}
        {!filter && !small && <p class="muted small">Skriv i søgefeltet for at finde begreber i {catalog.label}.</p>}
        {(filter || small) && !result.data && !result.error && <Loading what="begreber" />}
        {result.data && (
          <fieldset class="candidates">
            <legend>{candidates.length === 0 ? 'Ingen begreber matcher' : `Begreber (${Math.min(candidates.length, LIMIT)}${candidates.length > LIMIT ? ` af ${candidates.length}` : ''})`}</legend>
            {candidates.slice(0, LIMIT).map((n) => (
              <label key={n.code} class={`candidate${selected?.code === n.code ? ' selected' : ''}`}>
                <input type="radio" name="candidate" value={n.code} checked={selected?.code === n.code} onChange={() => setSelected(n)} />
                <span>{n.display}</span>
                {n.inactive && <span class="badge status-retired">udgået</span>}
                {isChosen(n) && <span class="badge">valgt</span>}
              </label>
            ))}
          </fieldset>
        )}
      </div>
      <div class="picker-preview" aria-live="polite">
        {selected
          ? (
            <>
              <Preview node={selected} />
              <button type="button" disabled={isChosen(selected)}
                onClick={() => onAdd({ system: selected.system, code: selected.code, display: selected.display })}>
                {isChosen(selected) ? 'Allerede valgt' : `${addLabel}: ${selected.display}`}
              </button>
            </>
          )
          : <p class="muted">Vælg et begreb i listen for at læse katalogets beskrivelse, formål og eksempler, før du kobler.</p>}
      </div>
    </div>
  );
}
