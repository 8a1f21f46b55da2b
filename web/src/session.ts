import { useEffect, useState } from 'preact/hooks';
import { ACCEPT_LANGUAGE, FhirRequestError, InputError, outcomeIssues, setUnauthorizedHandler } from './fhir';
import { mayLeave } from './router';
import { SIGN_OUT_QUESTION } from './unsaved';

/** A signed-in municipality (or administrator): the token, kept in sessionStorage for this browser tab only. */
export interface Session {
  token: string;
  kommunekode?: string;
  /** The municipality's name from the server's list of the 98 kommunekoder ("Aarhus Kommune"). */
  kommunenavn?: string;
  admin: boolean;
  subject?: string;
  /** The largest request body the server takes (its BODY_LIMIT_BYTES); the import checks a file against it. */
  bodyLimitBytes?: number;
  /** Expiry of the token (ms since 1970), from its `exp` claim. */
  expiresAt?: number;
  /**
   * The server refused the token (expired or revoked) while the page was open. The session is kept, so that the
   * view and whatever is typed in it stay, until the user signs in again in place (views/sign-in.tsx).
   */
  expired?: boolean;
  /**
   * The user closed the dialog that asks to sign in again, to read or copy what is on the page (which cannot be
   * saved meanwhile); the header offers it again.
   */
  signInAgainClosed?: boolean;
}

const KEY = 'faelles-tx.session';
const listeners = new Set<(s: Session | undefined) => void>();

function read(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Session) : undefined;
    if (s?.expiresAt !== undefined && s.expiresAt < Date.now()) {
      sessionStorage.removeItem(KEY);
      return undefined;
    }
    return s;
  } catch {
    return undefined;
  }
}

let current: Session | undefined = read();

function publish(s: Session | undefined): void {
  current = s;
  if (s && !s.expired) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  for (const l of listeners) l(s);
}

export function currentSession(): Session | undefined {
  return current;
}

/** Marks the session as expired (the server answered 401 to its token, or its `exp` has passed). */
export function sessionExpired(): void {
  if (current && !current.expired) publish({ ...current, expired: true });
}

setUnauthorizedHandler((token) => {
  if (current?.token === token) sessionExpired();
});

export function useSession(): Session | undefined {
  const [s, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    set(current);
    return () => void listeners.delete(set);
  }, []);
  // The token's own expiry: the header stops offering "Log ud" as if signed in, and the page offers to sign in again.
  useEffect(() => {
    if (!s || s.expired || s.expiresAt === undefined) return undefined;
    const t = setTimeout(sessionExpired, Math.max(0, Math.min(s.expiresAt - Date.now(), 2 ** 31 - 1)));
    return () => clearTimeout(t);
  }, [s]);
  return s;
}

/** The `exp` claim of a JWT (not verified here; the server verifies the token on every write). */
function expiryOf(token: string): number | undefined {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs in with a token: the server checks it (GET /app/api/session) and names the municipality it may write.
 * `sameAs`: signing in again in place must be as the same municipality, so that the open draft stays its own.
 */
export async function signIn(rawToken: string, sameAs?: Session): Promise<Session> {
  const token = rawToken.trim().replace(/^Bearer\s+/i, '');
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    throw new InputError('Det ligner ikke et token. Indsæt hele tokenet (tre dele adskilt af punktum).');
  }
  let res: Response;
  try {
    res = await fetch('api/session', { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Accept-Language': ACCEPT_LANGUAGE } });
  } catch {
    throw new FhirRequestError(0, [{ severity: 'error', text: 'Serveren kunne ikke nås.' }]);
  }
  const body = (await res.json().catch(() => undefined)) as
    { kommunekode?: string; kommunenavn?: string; admin?: boolean; subject?: string; bodyLimitBytes?: number; resourceType?: string } | undefined;
  if (!res.ok) {
    const issues = body?.resourceType === 'OperationOutcome' ? outcomeIssues(body as never) : [];
    throw new FhirRequestError(res.status, issues.length > 0 ? issues : [{ severity: 'error', text: `Serveren afviste tokenet (${res.status})` }]);
  }
  const session: Session = {
    token, kommunekode: body?.kommunekode, kommunenavn: body?.kommunenavn, admin: body?.admin === true, subject: body?.subject,
    ...(typeof body?.bodyLimitBytes === 'number' ? { bodyLimitBytes: body.bodyLimitBytes } : {}), expiresAt: expiryOf(token),
  };
  if (sameAs && sameAs.kommunekode !== session.kommunekode) {
    throw new InputError(
      `Tokenet gælder ${session.kommunenavn ?? session.kommunekode ?? 'ingen bestemt kommune'}, men du arbejder i ${sameAs.kommunenavn ?? sameAs.kommunekode}. Log ind med et token for samme kommune, eller log ud.`,
    );
  }
  publish(session);
  return session;
}

/** Signs out, after asking when the view has unsaved changes (the same question as leaving it); false if kept. */
export function signOut(): boolean {
  if (!mayLeave(SIGN_OUT_QUESTION)) return false;
  publish(undefined);
  return true;
}

/** Closes (true) or opens again (false) the dialog of an expired session that asks to sign in again. */
export function closeSignInAgain(closed: boolean): void {
  if (current?.expired && (current.signInAgainClosed ?? false) !== closed) publish({ ...current, signInAgainClosed: closed });
}
