import { useState } from 'preact/hooks';
import { signIn } from '../session';
import { ErrorBox } from './common';

/** Sign-in with the municipality's token (kept in this browser tab only, until it is closed or you sign out). */
export function SignIn({ purpose }: { purpose: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Log ind som kommune</h2>
      <p>{purpose}</p>
      <form onSubmit={submit}>
        <label for="token">Kommunens token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} required value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <p class="hint">Tokenet udleveres af den, der driver serveren, og gælder én kommune. Det gemmes kun i denne fane, indtil du logger ud
          eller lukker fanen. Til afprøvning: <code>npm run token -- --kommunekode 370</code>.</p>
        <button type="submit" disabled={busy}>{busy ? 'Logger ind …' : 'Log ind'}</button>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}
