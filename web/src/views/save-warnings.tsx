import { useEffect, useState } from 'preact/hooks';
import { displaysOf } from '../catalogs';
import { lookupConcept } from '../concept';
import type { Issue } from '../fhir';
import { useAsync } from '../hooks';
import { CATALOG_CHANGED, type Replacement, replacementsFor, replaceTarget } from '../save-warnings';
import type { Session } from '../session';
import { CatalogTag } from './catalog-tag';
import type { Target } from '../local-model';
import { ErrorBox, IssueList, StatusBadge } from './common';

/** A counter that changes whenever the page changed a catalog from another view (to load it again). */
export function useCatalogChanges(): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const on = () => setN((x) => x + 1);
    addEventListener(CATALOG_CHANGED, on);
    return () => removeEventListener(CATALOG_CHANGED, on);
  }, []);
  return n;
}

/**
 * One click: link the local code to the replacement instead of the retired or legacy-key target. `onDone`: the view
 * says it was done outside the button, which the write's reload of the list may remove (the coverage report).
 */
export function ReplaceTargetButton({ session, kommunekode, replacement, onDone }: {
  session: Session; kommunekode: string; replacement: Replacement; onDone?(replacement: Replacement, warnings: Issue[]): void;
}) {
  const [state, setState] = useState<{ busy?: boolean; done?: Issue[]; error?: unknown }>({});
  const use = replacement.use;
  if (state.done) {
    if (onDone) return <span class="replaced">Koblet til {use.display ?? use.code} i stedet.</span>;
    return (
      <span class="replaced" role="status">
        Koblet til {use.display ?? use.code} i stedet.
        {state.done.length > 0 && <IssueList issues={state.done} />}
      </span>
    );
  }
  return (
    <>
      <button type="button" class="secondary small" disabled={state.busy} onClick={async () => {
        setState({ busy: true });
        try {
          const warnings = await replaceTarget(session.token, kommunekode, replacement);
          setState({ done: warnings });
          onDone?.(replacement, warnings);
        } catch (error) {
          setState({ error });
        }
      }}>
        Brug i stedet {use.display ?? use.code}
      </button>
      {use.system && use.code && <> <CatalogTag system={use.system} code={use.code} /></>}
      <ErrorBox error={state.error} />
    </>
  );
}

/** The warnings a save answered, with the replacement of each retired or legacy-key target one click away. */
export function SaveWarnings({ session, kommunekode, system, code, warnings }: {
  session: Session; kommunekode: string; system: string; code: string; warnings: Issue[];
}) {
  const replacements = useAsync(() => replacementsFor(kommunekode, system, code), [kommunekode, system, code]);
  return (
    <div class="notice warn save-warnings" role="alert">
      <p><strong>Serveren advarer om {warnings.length === 1 ? 'koblingen' : 'koblingerne'}:</strong></p>
      <IssueList issues={warnings} />
      {(replacements.data ?? []).map((r) => (
        <p key={`${r.target.code}|${r.use.code}`}>
          {r.target.display ?? r.target.code} {r.why === 'retired' ? 'er udgået' : 'er en ældre FSIII-nøgle'}:{' '}
          <ReplaceTargetButton session={session} kommunekode={kommunekode} replacement={r} />
        </p>
      ))}
    </div>
  );
}

/**
 * Beside a chosen target in the editor: whether it is retired or outgoing, and its replacement as a one-click
 * swap in the draft (what the coverage report suggests, carried into the form).
 */
export function ChosenTargetStatus({ target, onReplace }: { target: Target; onReplace(next: Target): void }) {
  const status = useAsync(async (signal) => {
    const c = await lookupConcept(target.system, target.code, signal);
    return { c, names: c.replacedBy.length > 0 ? await displaysOf(target.system, c.replacedBy) : new Map<string, string>() };
  }, [target.system, target.code]);
  const c = status.data?.c;
  if (!c || c.code !== target.code || c.status === 'active') return null;
  return (
    <>
      <StatusBadge status={c.status} />
      {c.replacedBy.map((r) => (
        <button key={r} type="button" class="secondary small" onClick={() => onReplace({ system: target.system, code: r, display: status.data!.names.get(r) ?? r })}>
          Brug i stedet {status.data!.names.get(r) ?? r}
        </button>
      ))}
    </>
  );
}
