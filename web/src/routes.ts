import { catalogByKey } from './catalogs';
import { compareCatalogKnown } from './compare-model';

/** The view an address shows, with what the address names. */
export type View =
  | { name: 'catalogs'; catalogKey?: string; code?: string; system?: string }
  | { name: 'compare'; catalogKey?: string }
  | { name: 'municipality' }
  | { name: 'new-code' }
  | { name: 'edit-code'; csId: string; code: string }
  | { name: 'import' };

/** A segment of an address: the word itself, or a test of the value it carries. */
type Segment = string | ((value: string) => boolean);

const anyValue = (): boolean => true;
const knownCatalog = (key: string): boolean => catalogByKey(key) !== undefined;

/** Every address the page has a view for, segment by segment; `view` is given the values of the non-word segments. */
const ROUTES: readonly { path: readonly Segment[]; view: (values: string[]) => View }[] = [
  { path: [], view: () => ({ name: 'catalogs' }) },
  { path: ['kataloger'], view: () => ({ name: 'catalogs' }) },
  { path: ['kataloger', knownCatalog], view: ([catalogKey]) => ({ name: 'catalogs', catalogKey }) },
  { path: ['kataloger', knownCatalog, anyValue], view: ([catalogKey, code]) => ({ name: 'catalogs', catalogKey, code }) },
  {
    path: ['kataloger', knownCatalog, anyValue, anyValue],
    view: ([catalogKey, code, system]) => ({ name: 'catalogs', catalogKey, code, system }),
  },
  { path: ['sammenlign'], view: () => ({ name: 'compare' }) },
  { path: ['sammenlign', compareCatalogKnown], view: ([catalogKey]) => ({ name: 'compare', catalogKey }) },
  { path: ['kommune'], view: () => ({ name: 'municipality' }) },
  { path: ['kommune', 'ny'], view: () => ({ name: 'new-code' }) },
  { path: ['kommune', 'rediger', anyValue, anyValue], view: ([csId, code]) => ({ name: 'edit-code', csId: csId!, code: code! }) },
  { path: ['import'], view: () => ({ name: 'import' }) },
];

/** The values an address gives the path's tests, or undefined when the address is not the path (exactly, segment for segment). */
function valuesAt(path: readonly Segment[], route: readonly string[]): string[] | undefined {
  if (path.length !== route.length) return undefined;
  const values: string[] = [];
  for (const [i, segment] of path.entries()) {
    const value = route[i]!;
    if (typeof segment === 'string') {
      if (segment !== value) return undefined;
    } else if (segment(value)) {
      values.push(value);
    } else {
      return undefined;
    }
  }
  return values;
}

/** The segments of an address (`#/kataloger/119/<code>`), URI-decoded. */
export function parseHash(hash: string): string[] {
  return hash.replace(/^#\/?/, '').split('/').filter((s) => s.length > 0).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

/** The view of an address (its segments, as `parseHash` gives them); undefined when the page has no view for it. */
export function viewAt(route: readonly string[]): View | undefined {
  for (const { path, view } of ROUTES) {
    const values = valuesAt(path, route);
    if (values) return view(values);
  }
  return undefined;
}
