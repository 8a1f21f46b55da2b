import { useEffect, useRef } from 'preact/hooks';
import { setNavigationGuard } from './router';

export const LEAVE_QUESTION = 'Du har ændringer, der ikke er gemt. Vil du forlade siden og miste dem?';
export const SIGN_OUT_QUESTION = 'Du har ændringer, der ikke er gemt. Vil du logge ud og miste dem?';

/**
 * Guards unsaved changes: closing or reloading the tab asks the browser's own question (beforeunload), and leaving
 * the view inside the page asks LEAVE_QUESTION (signing out: SIGN_OUT_QUESTION). `release()` before a navigation the view makes itself (after saving).
 */
export function useUnsavedChanges(dirty: boolean): { release(): void } {
  const released = useRef(false);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  useEffect(() => {
    const active = () => dirtyRef.current && !released.current;
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (!active()) return;
      e.preventDefault();
      e.returnValue = '';
    };
    addEventListener('beforeunload', beforeUnload);
    setNavigationGuard((question) => !active() || confirm(question ?? LEAVE_QUESTION));
    return () => {
      removeEventListener('beforeunload', beforeUnload);
      setNavigationGuard(undefined);
    };
  }, []);
  return { release: () => void (released.current = true) };
}
