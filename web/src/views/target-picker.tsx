import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { CATALOGS, catalogByKey, catalogOf, displaysOf, SEARCH_DEBOUNCE_MS, type TreeNode } from '../catalogs';
import { FIELD_LABEL } from '../catalog-search';
import { lookupConcept, statusWarning } from '../concept';
import { useAsync, useDebounced } from '../hooks';
import type { Target } from '../local-model';
import { CatalogTag, useCatalogIndex, useCatalogSearch, useResultTiming, useSearchEntries } from './catalog-tag';
import { ConceptTextView, ErrorBox, Loading, StatusBadge } from './common';
import { formatNumber } from '../words';

const LIMIT = 60;
const LAST_CATALOG = 'faelles-tx.picker-catalog';

function lastCatalog(): string | undefined {
  try {
    return localStorage.getItem(LAST_CATALOG) ?? undefined;
  } catch {
    return undefined;
  }
}

function rememberCatalog(key: string): void {
  try {
    localStorage.setItem(LAST_CATALOG, key);
  } catch {
    // private mode: the picker opens on §119 next time
  }
}

/** The catalog text of a candidate; a retired or outgoing one names its replacement with a button to choose that instead. */
function Preview({ node, onUse }: { node: TreeNode; onUse(t: Target): void }) {
  const c = useAsync(async (signal) => {
    const concept = await lookupConcept(node.system, node.code, signal);
    return { concept, names: await displaysOf(node.system, concept.replacedBy) };
  }, [node.system, node.code]);
  if (c.error) return <ErrorBox error={c.error} />;
  if (!c.data || c.data.concept.code !== node.code) return <Loading what="beskrivelsen" />;
  const { concept, names } = c.data;
  return (
    <div>
      <h3 class="preview-title">{concept.display} <StatusBadge status={concept.status} /></h3>
      <p class="muted small"><CatalogTag system={concept.system} code={concept.code} />{concept.lovparagraf && ` · ${concept.lovparagraf}`} · <code class="code">{concept.code}</code></p>
      {concept.status !== 'active' && (
        <div class="notice warn">
          <p>{statusWarning(concept.status)}</p>
          {concept.replacedBy.map((r) => (
            <p key={r}>
              <button type="button" class="secondary" onClick={() => onUse({ system: concept.system, code: r, display: names.get(r) ?? r })}>
                Brug i stedet {names.get(r) ?? r}
              </button>
            </p>
          ))}
        </div>
      )}
      <ConceptTextView c={concept} headingLevel={4} />
    </div>
  );
}

/**
 * Finds and chooses a common concept to link to, in one step: ticking a candidate chooses it (an intervention has
 * one target, so a radio group; an offer several, so checkboxes); the catalog text of the last one ticked is shown
 * beside the list. Search is in the page over the catalog's titles and text (catalog-search.ts). The picker opens on
 * the catalog of the targets already chosen, else on the one last used.
 */
export function TargetPicker({ chosen, multiple, onAdd, onRemove }: {
  chosen: Target[]; multiple: boolean; onAdd(t: Target): void; onRemove(t: Target): void;
}) {
  const index = useCatalogIndex();
  const [catalogKey, setCatalogKey] = useState(() => lastCatalog() ?? '119');
  const [touched, setTouched] = useState(false);
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<TreeNode>();
  const filter = useDebounced(query.trim(), SEARCH_DEBOUNCE_MS);
  const catalog = catalogByKey(catalogKey) ?? CATALOGS[0]!;
  // the catalog of what is already chosen, once the page knows which catalogs the concepts are in
  useEffect(() => {
    const first = chosen[0];
    const fits = first && index ? catalogOf(index, first.system, first.code) : undefined;
    if (fits && !touched) setCatalogKey(fits.key);
  }, [index]);
  const { entries, error } = useSearchEntries(catalog);
  const since = useMemo(() => performance.now(), [filter]);
  const search = useCatalogSearch(entries, filter);
  const list = useRef<HTMLFieldSetElement>(null);
  useResultTiming(list, since, search);
  const small = entries !== undefined && entries.length <= LIMIT;
  const candidates: TreeNode[] = search ? search.hits.map((h) => h.node) : small ? entries.map((e) => e.node) : [];
  const passage = new Map((search?.hits ?? []).filter((h) => h.snippet).map((h) => [h.node.code, `${FIELD_LABEL[h.field!]}: ${h.snippet}`]));
  const isChosen = (n: { system: string; code: string }) => chosen.some((t) => t.system === n.system && t.code === n.code);
  const choose = (n: TreeNode) => {
    setSelected(n);
    if (multiple && isChosen(n)) onRemove(n);
    else onAdd({ system: n.system, code: n.code, display: n.display });
  };
  const use = (t: Target) => {
    if (selected && isChosen(selected)) onRemove(selected);
    onAdd(t);
    setSelected({ system: t.system, code: t.code, display: t.display ?? t.code, inactive: false, children: [] });
  };
  const legend = !search && !small ? '' : candidates.length === 0
    ? `Ingen begreber i ${catalog.label} matcher »${filter}«`
    : `${multiple ? 'Vælg de begreber, tilbuddet består af' : 'Vælg begrebet'} (${formatNumber(Math.min(candidates.length, LIMIT))}${candidates.length > LIMIT ? ` af ${formatNumber(candidates.length)}` : ''})`;
  return (
    <div class="picker">
      <div class="picker-list">
        <div class="row">
          <div>
            <label for="picker-catalog">Katalog</label>
            <select id="picker-catalog" value={catalog.key} onChange={(e) => {
              const key = (e.target as HTMLSelectElement).value;
              setCatalogKey(key);
              setTouched(true);
              rememberCatalog(key);
              setSelected(undefined);
            }}>
              {[...new Set(CATALOGS.map((c) => c.group))].map((g) => (
                <optgroup key={g} label={g}>
                  {CATALOGS.filter((c) => c.group === g).map((c) => <option key={c.key} value={c.key}>{c.label}</option>)}
                </optgroup>
              ))}
            </select>
          </div>
          <div class="grow">
            <label for="picker-search">Søg</label>
            <input id="picker-search" type="search" autocomplete="off" value={query} placeholder="fx træning, gang, kost"
              aria-describedby="picker-search-hint" onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
            <p class="hint" id="picker-search-hint">Søger i titel, beskrivelse, formål og eksempler.</p>
          </div>
        </div>
        {error !== undefined && <ErrorBox error={error} />}
        {!entries && error === undefined && <Loading what="begreber" />}
        {entries && !search && !small && <p class="muted small">Skriv i søgefeltet for at finde begreber i {catalog.label}.</p>}
        {(search || small) && (
          // busy while the typed text is not yet searched: the list shown is the one before it
          <fieldset class="candidates" ref={list} aria-busy={query.trim() !== filter}>
            <legend>{legend}</legend>
            {candidates.slice(0, LIMIT).map((n) => (
              <label key={n.code} class={`candidate${isChosen(n) ? ' selected' : ''}`}>
                <input type={multiple ? 'checkbox' : 'radio'} name="candidate" value={n.code} checked={isChosen(n)}
                  onChange={() => choose(n)} />
                <span>{n.display}</span>
                <CatalogTag system={n.system} code={n.code} />
                {n.inactive && <span class="badge status-retired">udgået</span>}
                {passage.has(n.code) && <span class="snippet small muted">{passage.get(n.code)}</span>}
              </label>
            ))}
          </fieldset>
        )}
      </div>
      {/* Not a live region: its catalog text would be read out at each arrow key; the short status line below says the choice. */}
      <div class="picker-preview" role="region" aria-label="Katalogets tekst for det valgte begreb">
        {selected
          ? <Preview node={selected} onUse={use} />
          : <p class="muted">Vælg et begreb i listen: det kobles straks, og katalogets beskrivelse, formål og eksempler vises her.</p>}
        {/* always in the page, so that the first choice is announced too */}
        <p class="muted small" role="status">{chosen.length > 0 && <>Valgt: {chosen.map((t, i) => (
          <span key={`${t.system}|${t.code}`}>{i > 0 && ', '}{t.display ?? t.code} <CatalogTag system={t.system} code={t.code} /></span>
        ))}</>}</p>
      </div>
    </div>
  );
}
