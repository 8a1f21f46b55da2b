import { useEffect, useState } from 'preact/hooks';
import { FhirRequestError, outcomeIssues } from './fhir';

/** A signed-in municipality (or administrator): the token, kept in sessionStorage for this browser tab only. */
export interface Session {
  token: string;
  kommunekode?: string;
  admin: boolean;
  subject?: string;
  /** Expiry of the token (ms since 1970), from its `exp` claim. */
  expiresAt?: number;
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
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  for (const l of listeners) l(s);
}

export function currentSession(): Session | undefined {
  return current;
}

export function useSession(): Session | undefined {
  const [s, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    set(current);
    return () => void listeners.delete(set);
  }, []);
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

/** Signs in with a token: the server checks it (GET /app/api/session) and names the municipality it may write. */
export async function signIn(rawToken: string): Promise<Session> {
  const token = rawToken.trim().replace(/^Bearer\s+/i, '');
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    throw new FhirRequestError(400, [{ severity: 'error', text: 'Det ligner ikke et token. Indsæt hele tokenet (tre dele adskilt af punktum).' }]);
  }
  let res: Response;
  try {
    res = await fetch('api/session', { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  } catch {
    throw new FhirRequestError(0, [{ severity: 'error', text: 'Serveren kunne ikke nås.' }]);
  }
  const body = (await res.json().catch(() => undefined)) as { kommunekode?: string; admin?: boolean; subject?: string; resourceType?: string } | undefined;
  if (!res.ok) {
    const issues = body?.resourceType === 'OperationOutcome' ? outcomeIssues(body as never) : [];
    throw new FhirRequestError(res.status, issues.length > 0 ? issues : [{ severity: 'error', text: `Serveren afviste tokenet (${res.status})` }]);
  }
  const session: Session = { token, kommunekode: body?.kommunekode, admin: body?.admin === true, subject: body?.subject, expiresAt: expiryOf(token) };
  publish(session);
  return session;
}

export function signOut(): void {
  publish(undefined);
}
