import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Catalog, catalogNames, loadCatalogIndex, loadSearchEntries } from '../catalogs';
import { type SearchEntry, type SearchHit, searchCatalog } from '../catalog-search';

let known: Map<string, Catalog[]> | undefined;

/** Which catalogs each concept belongs to (loaded once per page; undefined until then). */
export function useCatalogIndex(): Map<string, Catalog[]> | undefined {
  const [index, setIndex] = useState(known);
  useEffect(() => {
    if (index) return;
    let live = true;
    loadCatalogIndex().then((i) => {
      known = i;
      if (live) setIndex(i);
    }, () => undefined);
    return () => { live = false; };
  }, []);
  return index;
}

/** The catalog of a common concept, named beside it so that §119's and §140's "Fysisk træning" are told apart. */
export function CatalogTag({ system, code }: { system: string; code: string }) {
  const index = useCatalogIndex();
  return <span class="catalog-tag">{catalogNames(index, system, code)}</span>;
}

/** The catalog's concepts with their text, for search; undefined until loaded for this very catalog (never another's). */
export function useSearchEntries(catalog: Catalog | undefined): { entries?: SearchEntry[]; error?: unknown } {
  const [loaded, setLoaded] = useState<{ key: string; entries?: SearchEntry[]; error?: unknown }>();
  useEffect(() => {
    if (!catalog || catalog.pickList) return;
    let live = true;
    loadSearchEntries(catalog).then((entries) => { if (live) setLoaded({ key: catalog.key, entries }); },
      (error: unknown) => { if (live) setLoaded({ key: catalog.key, error }); });
    return () => { live = false; };
  }, [catalog?.key]);
  return loaded && loaded.key === catalog?.key ? loaded : {};
}

/**
 * The hits of a search over loaded entries, with the query they answer: computed in the render from the query
 * shown, so results of an earlier query are never shown under a new one.
 */
export function useCatalogSearch(entries: SearchEntry[] | undefined, query: string): { query: string; hits: SearchHit[] } | undefined {
  return useMemo(() => (entries && query ? { query, hits: searchCatalog(entries, query) } : undefined), [entries, query]);
}

/** Marks on `el` how long after `since` the results were on screen (data-search-ms): what the browser tests report. */
export function useResultTiming(el: { current: HTMLElement | null }, since: number, shown: unknown): void {
  useEffect(() => {
    if (shown) el.current?.setAttribute('data-search-ms', (performance.now() - since).toFixed(1));
  }, [since, shown]);
}
