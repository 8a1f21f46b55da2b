import { useEffect, useState } from 'preact/hooks';
import { parseHash } from './routes';

/**
 * Hash routes (#/kataloger/119/<code>), so every view has an address that can be bookmarked and shared, and the
 * server needs no fallback route. Segments are URI-encoded; which addresses have a view is `routes.ts`.
 */
export function href(...segments: (string | undefined)[]): string {
  return `#/${segments.filter((s): s is string => s !== undefined && s !== '').map(encodeURIComponent).join('/')}`;
}

/**
 * Asked before the route changes (a link, the back button, a typed address) and before signing out: false keeps the
 * current view. At most one view guards at a time (the editor with unsaved changes: unsaved.ts). `question`: what
 * to ask, when leaving is something else than following a link (signing out).
 */
let guard: ((question?: string) => boolean) | undefined;

export function setNavigationGuard(g: ((question?: string) => boolean) | undefined): void {
  guard = g;
}

/** Whether the current view may be left (asks the guarding view, if any). */
export function mayLeave(question?: string): boolean {
  return !guard || guard(question);
}

export function navigate(...segments: (string | undefined)[]): void {
  const target = href(...segments);
  if (location.hash !== target) location.hash = target;
}

let accepted = location.hash;

export function useRoute(): string[] {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => {
      if (location.hash === accepted) return;
      if (!mayLeave()) {
        // Back to the guarded view's address without a new history entry.
        history.replaceState(history.state, '', accepted || '#/');
        return;
      }
      accepted = location.hash;
      setRoute(parseHash(location.hash));
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
