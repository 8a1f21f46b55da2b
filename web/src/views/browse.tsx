import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { FIELD_LABEL } from '../catalog-search';
import {
  CATALOGS, type Catalog, catalogByKey, expandCatalog, FSIII, loadSearchEntries, municipalitiesWithPickLists, pickListCatalog, SEARCH_DEBOUNCE_MS, systemName,
  type TreeNode,
} from '../catalogs';
import { conceptUse, isLocalSystem, lookupConcept, recordedAs, relatedDisplays, statusWarning } from '../concept';
import { useAsync, useDebounced, usePageTitle } from '../hooks';
import { href } from '../router';
import { CatalogTag, useCatalogSearch, useResultTiming, useSearchEntries } from './catalog-tag';
import { ConceptTextView, ErrorBox, Loading, Notice, StatusBadge } from './common';
import { count, danishDate, formatNumber, kommuneNavn } from '../words';
import { childrenLabel } from '../tree';

/** The catalog that shows a concept of a code system when the page does not know which catalog it came from. */
export function catalogKeyFor(system: string): string {
  return CATALOGS.find((c) => c.system === system)?.key ?? CATALOGS[0]!.key;
}

/** The page's catalogs, then each municipality's pick lists (bilag 6) as the server publishes them. */
function useCatalogs(current: Catalog): Catalog[] {
  const municipalities = useAsync((signal) => municipalitiesWithPickLists(signal), []);
  const pickLists = (municipalities.data ?? []).flatMap((k) => [pickListCatalog(k, 'tilbud'), pickListCatalog(k, 'indsatsvaelger')]);
  const all = [...CATALOGS, ...pickLists];
  return all.some((c) => c.key === current.key) ? all : [...all, current];
}

/** A link to a concept in a catalog; the code system is named when it is not the catalog's (local codes in a pick list). */
function conceptHref(catalog: Catalog, n: { system: string; code: string }): string {
  return href('kataloger', catalog.key, n.code, n.system === catalog.codeSystem ? undefined : n.system);
}

function CatalogNav({ current }: { current: Catalog }) {
  const catalogs = useCatalogs(current);
  const groups = [...new Set(catalogs.map((c) => c.group))];
  return (
    <nav class="catalog-nav" aria-label="Kataloger">
      {groups.map((g) => (
        <div key={g}>
          <h2 class="nav-group">{g}</h2>
          <ul>
            {catalogs.filter((c) => c.group === g).map((c) => (
              <li key={c.key}>
                <a href={href('kataloger', c.key)} aria-current={c.key === current.key ? 'page' : undefined}>{c.label}</a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

function pathTo(nodes: TreeNode[], code: string): string[] | undefined {
  for (const n of nodes) {
    if (n.code === code) return [n.code];
    const sub = pathTo(n.children, code);
    if (sub) return [n.code, ...sub];
  }
  return undefined;
}

function TreeItems({ nodes, catalog, selected, open, toggle }: {
  nodes: TreeNode[]; catalog: Catalog; selected?: string; open: Set<string>; toggle(code: string): void;
}) {
  return (
    <>
      {nodes.map((n) => {
        const expanded = open.has(n.code);
        return (
          <li key={n.code}>
            <div class="node">
              {n.children.length > 0
                ? (
                  <button type="button" class="toggle" aria-expanded={expanded} onClick={() => toggle(n.code)}
                    aria-label={`${expanded ? 'Fold sammen' : 'Fold ud'}: ${n.display}`}>
                    <span aria-hidden="true">{expanded ? '▾' : '▸'}</span>
                  </button>
                )
                : <span class="toggle-spacer" aria-hidden="true" />}
              <a href={conceptHref(catalog, n)} aria-current={n.code === selected ? 'true' : undefined}
                class={n.inactive ? 'inactive' : undefined}>
                {n.display}
              </a>
              {n.inactive && <span class="badge status-retired">udgået</span>}
              {n.children.length > 0 && <span class="count" aria-label={childrenLabel(n)}>{formatNumber(n.children.length)}</span>}
            </div>
            {expanded && n.children.length > 0 && (
              <ul>
                <TreeItems nodes={n.children} catalog={catalog} selected={selected} open={open} toggle={toggle} />
              </ul>
            )}
          </li>
        );
      })}
    </>
  );
}

function CatalogTree({ catalog, selected }: { catalog: Catalog; selected?: string }) {
  const tree = useAsync((signal) => expandCatalog(catalog, undefined, signal), [catalog.key]);
  const [open, setOpen] = useState<Set<string>>(new Set());
  // Groups that are there to navigate by (niveau 1) start open.
  useEffect(() => {
    if (tree.data) setOpen((o) => new Set([...o, ...tree.data!.nodes.filter((n) => n.abstract).map((n) => n.code)]));
  }, [tree.data]);
  // Open the branches down to the selected concept.
  useEffect(() => {
    if (!tree.data || !selected) return;
    const path = pathTo(tree.data.nodes, selected);
    if (path && path.length > 1) setOpen((o) => new Set([...o, ...path.slice(0, -1)]));
  }, [tree.data, selected]);
  const toggle = (code: string) => setOpen((o) => {
    const next = new Set(o);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    return next;
  });
  if (tree.error) return <ErrorBox error={tree.error} />;
  if (!tree.data) return <Loading what="kataloget" />;
  return (
    <div>
      <p class="muted small">{tree.data.title ?? catalog.label} · {tree.data.total} begreber</p>
      <ul class="tree" aria-label={`${catalog.label}: begreber`}>
        <TreeItems nodes={tree.data.nodes} catalog={catalog} selected={selected} open={open} toggle={toggle} />
      </ul>
    </div>
  );
}

/** A pick list (local codes) is searched by the server's $expand filter; the answer is shown only under its own query. */
function PickListResults({ catalog, filter, selected }: { catalog: Catalog; filter: string; selected?: string }) {
  const result = useAsync(async (signal) => ({ filter, data: await expandCatalog(catalog, filter, signal) }), [catalog.key, filter]);
  if (result.error) return <ErrorBox error={result.error} />;
  if (!result.data || result.data.filter !== filter) return <Loading what="søgeresultater" />;
  const nodes = result.data.data.nodes;
  return (
    <div>
      <p class="muted small" role="status">{nodes.length === 0 ? `Ingen begreber i ${catalog.label} matcher »${filter}«.` : `${count(nodes.length, 'begreb matcher', 'begreber matcher')} »${filter}«`}</p>
      <ul class="results" aria-label="Søgeresultater">
        {nodes.map((n) => (
          <li key={n.code}>
            <a href={conceptHref(catalog, n)} aria-current={n.code === selected ? 'true' : undefined}>{n.display}</a>
            {n.inactive && <span class="badge status-retired">udgået</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function matchCount(n: number, catalog: Catalog, filter: string): string {
  if (n === 0) return `Ingen begreber i ${catalog.label} matcher »${filter}«.`;
  return `${count(n, 'begreb matcher', 'begreber matcher')} »${filter}« (titel, beskrivelse, formål og eksempler)`;
}

/** Search in the catalog's titles and text, in the page (catalog-search.ts): title hits first, each with its catalog. */
function SearchResults({ catalog, filter, selected }: { catalog: Catalog; filter: string; selected?: string }) {
  const { entries, error } = useSearchEntries(catalog);
  const since = useMemo(() => performance.now(), [filter]);
  const result = useCatalogSearch(entries, filter);
  const list = useRef<HTMLUListElement>(null);
  useResultTiming(list, since, result);
  if (catalog.pickList) return <PickListResults catalog={catalog} filter={filter} selected={selected} />;
  if (error) return <ErrorBox error={error} />;
  if (!result) return <Loading what="søgeresultater" />;
  return (
    <div>
      <p class="muted small" role="status">{matchCount(result.hits.length, catalog, result.query)}</p>
      <ul class="results" aria-label="Søgeresultater" ref={list}>
        {result.hits.map((h) => (
          <li key={h.node.code}>
            <a href={conceptHref(catalog, h.node)} aria-current={h.node.code === selected ? 'true' : undefined}>{h.node.display}</a>
            {' '}<CatalogTag system={h.node.system} code={h.node.code} />
            {h.node.inactive && <span class="badge status-retired">udgået</span>}
            {h.snippet && <p class="snippet small"><span class="muted">{FIELD_LABEL[h.field!]}:</span> {h.snippet}</p>}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ConceptPanel({ system, code, catalogKey }: { system: string; code: string; catalogKey: string }) {
  const concept = useAsync(async (signal) => {
    const c = await lookupConcept(system, code, signal);
    const [names, use, recorded] = await Promise.all([relatedDisplays(c), conceptUse(system, code, signal),
      isLocalSystem(system) ? recordedAs(system, code, signal) : Promise.resolve(undefined)]);
    return { c, names, use, recorded };
  }, [system, code]);
  const loaded = concept.data?.c.code === code ? concept.data.c : undefined;
  usePageTitle(loaded && [loaded.display, catalogByKey(catalogKey)?.label, 'Kataloger']);
  if (concept.error) return <ErrorBox error={concept.error} />;
  if (!concept.data || concept.data.c.code !== code) return <Loading what="begrebet" />;
  const { c, names, use, recorded } = concept.data;
  const link = (x: string) => <a href={href('kataloger', catalogKey, x)}>{names.get(x) ?? x}</a>;
  // a local code is linked to common ones (Registreres som); no municipality links its codes to it
  const local = isLocalSystem(c.system);
  const byKommune = new Map<string, typeof use.local>();
  for (const u of use.local) byKommune.set(u.kommunekode ?? '?', [...(byKommune.get(u.kommunekode ?? '?') ?? []), u]);
  return (
    <article class="concept" aria-labelledby="concept-title">
      {c.parents.length > 0 && (
        <p class="crumbs">Under: {c.parents.map((p, i) => <span key={p.code}>{i > 0 && ', '}{link(p.code)}</span>)}</p>
      )}
      <h2 id="concept-title" tabIndex={-1}>{c.display} <StatusBadge status={c.status} /></h2>
      {c.indsatstitel && c.indsatstitel !== c.display && <p class="muted">Katalogets titel: {c.indsatstitel}</p>}
      <dl class="meta">
        <dt>Kode</dt><dd><code class="code">{c.code}</code></dd>
        <dt>Kodesystem</dt><dd>{local ? systemName(c.system) : c.systemName ?? systemName(c.system)} {c.version && <span class="muted">({/^\d{8}$/.test(c.version) ? `udgave ${danishDate(c.version)}` : c.version})</span>}</dd>
        {c.lovparagraf && (<><dt>Lovgrundlag</dt><dd>{c.lovparagraf}</dd></>)}
        {c.niveau && (<><dt>Niveau</dt><dd>{c.niveau}</dd></>)}
      </dl>
      {c.status !== 'active' && (
        <Notice kind="warn">
          {statusWarning(c.status)}
          {c.replacedBy.length > 0 && <> Brug i stedet: {c.replacedBy.map((r, i) => <span key={r}>{i > 0 && ', '}{link(r)}</span>)}.</>}
        </Notice>
      )}
      <ConceptTextView c={c} />
      {recorded && (
        <section>
          <h3>Registreres som</h3>
          {recorded.length === 0
            ? <p class="muted">Koden er endnu ikke koblet til en fælleskommunal indsats og kan ikke indberettes.</p>
            : (
              <ul aria-label="Registreres som">
                {recorded.map((codings, i) => (
                  <li key={i}>{codings.map((x, j) => (
                    <span key={j}>{j > 0 && ' + '}{x.display ?? x.code} <code class="small">{x.system === FSIII ? 'FSIII' : x.system}</code></span>
                  ))}</li>
                ))}
              </ul>
            )}
        </section>
      )}
      {c.children.length > 0 && (
        <section>
          <h3>Underbegreber ({formatNumber(c.children.length)})</h3>
          <ul class="columns">{c.children.map((ch) => <li key={ch.code}>{link(ch.code)}</li>)}</ul>
        </section>
      )}
      {(!local || use.catalogs.length > 0 || use.legacyKeys.length > 0) && <section>
        <h3>Anvendes i</h3>
        {use.catalogs.length > 0 && (
          <ul>
            {use.catalogs.map((k) => <li key={k.key}><a href={href('kataloger', k.key, c.code)}>{k.group}: {k.label}</a></li>)}
          </ul>
        )}
        {local ? null : use.local.length > 0
          ? (
            <>
              <h4>Lokale indsatser og tilbud koblet hertil</h4>
              <ul>
                {[...byKommune].map(([k, list]) => (
                  <li key={k}>{kommuneNavn(k)}: {list.map((u, i) => (
                    <span key={u.code}>{i > 0 && ', '}{u.display ?? u.code} <code class="small code">{u.code}</code></span>
                  ))}</li>
                ))}
              </ul>
            </>
          )
          : <p class="muted">Ingen kommune har koblet lokale indsatser eller tilbud til begrebet.</p>}
        {use.legacyKeys.length > 0 && <p class="muted small">Ældre FSIII-nøgle: {use.legacyKeys.join(', ')}</p>}
      </section>}
    </article>
  );
}

export function Browse({ catalogKey, code, system }: { catalogKey?: string; code?: string; system?: string }) {
  const catalog = catalogByKey(catalogKey) ?? CATALOGS[0]!;
  // the query belongs to the catalog it was typed in: another catalog starts empty, and what is typed right after the
  // switch is kept (a reset in an effect ran after the first keystrokes and cleared them)
  const [typed, setTyped] = useState({ catalog: catalog.key, text: '' });
  const query = typed.catalog === catalog.key ? typed.text : '';
  const filter = useDebounced(query.trim(), SEARCH_DEBOUNCE_MS);
  // the catalog's text is fetched when it opens, so a search answers from the page
  useEffect(() => { if (!catalog.pickList) loadSearchEntries(catalog).catch(() => undefined); }, [catalog.key]);
  const searchId = `search-${catalog.key}`;
  // a concept's page is named by the concept once it is loaded (ConceptPanel); until then "Begreb"
  usePageTitle([code ? 'Begreb' : undefined, catalog.label, 'Kataloger']);
  return (
    <div class="browse">
      <CatalogNav current={catalog} />
      <section class="tree-pane" aria-labelledby="catalog-title">
        <h1 id="catalog-title">{catalog.group}: {catalog.label}</h1>
        <form role="search" onSubmit={(e) => e.preventDefault()}>
          <label for={searchId}>Søg i {catalog.label}</label>
          <input id={searchId} type="search" value={query} autocomplete="off" placeholder="fx træning, kost, faerdighed"
            onInput={(e) => setTyped({ catalog: catalog.key, text: (e.target as HTMLInputElement).value })} />
        </form>
        {filter ? <SearchResults catalog={catalog} filter={filter} selected={code} /> : <CatalogTree catalog={catalog} selected={code} />}
      </section>
      <section class="concept-pane" aria-label="Begreb">
        {code
          ? <ConceptPanel system={system ?? catalog.codeSystem} code={code} catalogKey={catalog.key} />
          : (
            <div class="intro">
              <h2>Fælles Sprog III og FFB</h2>
              <p>Vælg et katalog til venstre og et begreb i træet for at se katalogets tekst: beskrivelse, formål og eksempler, og hvor begrebet bruges.</p>
              <p>Søgningen finder begreber i det valgte katalog ud fra titel, beskrivelse, formål og eksempler; den tåler manglende danske tegn (»faerdighed« finder »færdighed«), og et ord findes også inde i andre (»gang« finder »gangtræning«).</p>
            </div>
          )}
      </section>
    </div>
  );
}
