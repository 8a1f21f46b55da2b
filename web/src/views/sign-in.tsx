import { useEffect, useRef, useState } from 'preact/hooks';
import { closeSignInAgain, signIn, signOut, type Session } from '../session';
import { usePageTitle } from '../hooks';
import { ErrorBox } from './common';

/** A 401 here is the token just pasted, not a session that ran out while something was typed. */
const REFUSED_TOKEN = { 401: 'Tokenet blev ikke godkendt (udløbet eller forkert). Indsæt et gyldigt token.' };

function TokenForm({ sameAs, onDone, onClose }: { sameAs?: Session; onDone?: () => void; onClose?: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token, sameAs);
      onDone?.();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const id = sameAs ? 'token-again' : 'token';
  return (
    <>
      <form onSubmit={submit}>
        <label for={id}>Kommunens token</label>
        <input id={id} name="token" type="password" autocomplete="off" spellcheck={false} required value={token} aria-describedby={`${id}-hint`}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <p class="hint" id={`${id}-hint`}>Tokenet udleveres af den, der driver serveren, og gælder én kommune. Det gemmes kun i denne fane, indtil du
          logger ud eller lukker fanen.</p>
        <p class="actions">
          <button type="submit" disabled={busy}>{busy ? 'Logger ind …' : 'Log ind'}</button>
          {onClose && <button type="button" class="secondary" onClick={onClose}>Luk</button>}
          {sameAs && <button type="button" class="secondary" onClick={() => signOut()}>Log ud</button>}
        </p>
      </form>
      <ErrorBox error={error} titles={REFUSED_TOKEN} />
    </>
  );
}

/** Sign-in with the municipality's token (kept in this browser tab only, until it is closed or you sign out). */
export function SignIn({ purpose, section }: { purpose: string; section: string }) {
  usePageTitle(['Log ind', section]);
  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" tabIndex={-1}>Log ind som kommune</h1>
      <p>{purpose}</p>
      <TokenForm />
    </section>
  );
}

/**
 * Signing in again where you are, when the token has expired: a modal dialog over the open view, so that the view
 * and what is typed in it stay; focus returns to where it was. Closing it (Esc, "Luk") leaves the view to be read
 * and copied from (the editor cannot save meanwhile); the header's "Log ind igen" opens it again.
 */
export function SignInAgain({ session }: { session: Session }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<Element | null>(null);
  useEffect(() => {
    returnTo.current = document.activeElement;
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
      if (returnTo.current instanceof HTMLElement && returnTo.current.isConnected) returnTo.current.focus();
      else document.getElementById('main')?.focus();
    };
  }, []);
  return (
    <dialog ref={dialog} class="sign-in-again" aria-labelledby="sign-in-again-title" onClose={() => closeSignInAgain(true)}>
      <h2 id="sign-in-again-title">Dit login er udløbet</h2>
      <p>Log ind igen for at fortsætte som {session.kommunenavn ?? (session.kommunekode ? `kommune ${session.kommunekode}` : 'administrator')}. Det, du
        har skrevet, bliver stående; gem derefter igen. Luk for at læse eller kopiere det, der står på siden.</p>
      <TokenForm sameAs={session} onClose={() => dialog.current?.close()} />
    </dialog>
  );
}
