import { useEffect, useLayoutEffect, useState } from 'preact/hooks';

export interface Async<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  /** Loads again (after a write). */
  reload(): void;
}

/** Runs `load` when `deps` change; an older answer that arrives late is dropped (and its request aborted). */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    load(controller.signal).then(
      (data) => { if (!controller.signal.aborted) setState({ data, loading: false }); },
      (error: unknown) => { if (!controller.signal.aborted) setState({ error, loading: false }); },
    );
    return () => controller.abort();
  }, [...deps, round]);
  return { ...state, reload: () => setRound((r) => r + 1) };
}

/**
 * The browser tab's title for the view: its own name, then its section's ("Fysisk træning – §119 Forebyggelse –
 * Kataloger – Fælles Sprog"), so tabs, history and screen readers tell the views apart. Nothing while `parts` is
 * undefined (a view whose name is still loading keeps the title it has). Set with the view's DOM, before the browser
 * paints it: an effect ran after the paint, so for a moment the new view showed under the old view's title.
 */
export function usePageTitle(parts: readonly (string | undefined)[] | undefined): void {
  const title = parts && [...parts, 'Fælles Sprog'].filter((p) => p).join(' – ');
  useLayoutEffect(() => {
    if (title) document.title = title;
  }, [title]);
}

/** The value, once it has not changed for `ms` (search as you type without a request per key). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, set] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => set(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
