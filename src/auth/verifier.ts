import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { FhirError } from '../errors/fhir-error';
import { isKommunekode } from '../municipal/municipality';
import type { AuthConfig } from './auth-config';

/** Who is writing, from a verified token. */
export interface Principal {
  subject?: string;
  /** The municipality whose resources the token may write (claim `kommunekode`). */
  kommunekode?: string;
  /** Scopes from `scope` (space separated) or `scp`; `admin` may write the common catalogs. */
  scopes: string[];
  admin: boolean;
}

export interface TokenVerifier {
  /** Resolves the principal, or rejects with a 401 FhirError (503 when the key set cannot be fetched). */
  verify(token: string): Promise<Principal>;
}

export class AuthError extends FhirError {
  constructor(message: string, da: string, readonly bearerError = 'invalid_token') {
    super(401, 'login', message, { da });
    this.name = 'AuthError';
  }

  /**
   * The WWW-Authenticate value (RFC 6750). Its error_description may hold only printable ASCII without `"` and `\`:
   * anything else (a character of a claim, a non-ASCII letter) becomes `?`, so the header is always valid and unambiguous.
   */
  get challenge(): string {
    const description = this.message.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
    return `Bearer realm="faelles-tx", error="${this.bearerError}", error_description="${description}"`;
  }
}

/** Turns verified claims into a principal; rejects claims that cannot be used. */
export function principalFromClaims(payload: JWTPayload): Principal {
  const raw = payload.kommunekode;
  let kommunekode: string | undefined;
  if (raw !== undefined && raw !== null) {
    // the claim's value is not repeated in the answer: it is the caller's, of any type and any characters
    const s = typeof raw === 'number' ? String(raw) : raw;
    if (!isKommunekode(s)) throw new AuthError('The token\'s kommunekode claim is not a three-digit municipality code (three digits 0-9, such as 101)',
      'Tokenets kommunekode er ikke en kommunekode på tre cifre (0-9, fx 101)');
    kommunekode = s;
  }
  // RFC 7519: `sub` is a string; another type would reach the audit log and the web page as an object
  if (payload.sub !== undefined && typeof payload.sub !== 'string') {
    throw new AuthError('The token\'s sub claim is not a string', 'Tokenets sub (hvem du er) er ikke en tekst');
  }
  const scopeClaim = payload.scope ?? payload.scp;
  const scopes = typeof scopeClaim === 'string' ? scopeClaim.split(/\s+/).filter((s) => s.length > 0)
    : Array.isArray(scopeClaim) ? scopeClaim.filter((s): s is string => typeof s === 'string') : [];
  return { subject: payload.sub, kommunekode, scopes, admin: scopes.includes('admin') };
}

function explain(e: unknown): FhirError {
  if (e instanceof FhirError) return e;
  if (e instanceof joseErrors.JWTExpired) return new AuthError('The token has expired', 'Dit login er udløbet. Log ind igen med et nyt token.');
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthError('The token signature does not verify', 'Tokenets signatur kan ikke godkendes; tokenet er ikke udstedt til denne server eller er ændret.');
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new AuthError(`The token is signed with an algorithm this server does not accept: ${e.message}`, 'Tokenet er signeret med en algoritme, som serveren ikke accepterer.');
  if (e instanceof joseErrors.JWTClaimValidationFailed) return new AuthError(`The token's claims are not accepted: ${e.message}`, `Tokenets oplysninger godkendes ikke (${e.claim}).`);
  if (e instanceof joseErrors.JWKSNoMatchingKey) return new AuthError('No key of the configured key set matches the token', 'Ingen af serverens nøgler passer til tokenet.');
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid) {
    return new FhirError(503, 'transient', 'The key set for verifying tokens cannot be fetched; try again later', { da: 'Serveren kan ikke hente nøglerne til at kontrollere tokens lige nu. Prøv igen om lidt.' });
  }
  if (e instanceof joseErrors.JOSEError) return new AuthError(`The token is not valid: ${e.message}`, 'Tokenet er ikke gyldigt.');
  return new FhirError(503, 'transient', 'Tokens cannot be verified right now; try again later', { da: 'Tokens kan ikke kontrolleres lige nu. Prøv igen om lidt.' });
}

export function createTokenVerifier(auth: AuthConfig): TokenVerifier {
  if (auth.kind === 'none') {
    return {
      async verify() {
        throw new AuthError('This server accepts no writes: no token key is configured (JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL)',
          'Serveren tager ikke imod ændringer: der er ikke sat en nøgle til tokens op.');
      },
    };
  }
  const options: JWTVerifyOptions = {
    algorithms: auth.algorithms,
    issuer: auth.issuer,
    audience: auth.audience,
    requiredClaims: ['exp'],
    clockTolerance: 30,
  };
  const jwks = auth.kind === 'jwks' ? createRemoteJWKSet(auth.url, { timeoutDuration: 5000, cooldownDuration: 30_000 }) : undefined;
  return {
    async verify(token: string): Promise<Principal> {
      try {
        const { payload } = auth.kind === 'secret'
          ? await jwtVerify(token, auth.secret, options)
          : auth.kind === 'public-key'
            ? await jwtVerify(token, auth.key, options)
            : await jwtVerify(token, jwks!, options);
        return principalFromClaims(payload);
      } catch (e) {
        throw explain(e);
      }
    },
  };
}

/** What a request needs a token for, as its 401 says when it came without one. */
export type TokenPurpose = 'write' | 'audit' | 'session';

const NO_TOKEN: Record<TokenPurpose, { en: string; da: string }> = {
  write: { en: 'Writing needs an Authorization: Bearer <token> header', da: 'Du skal være logget ind for at ændre noget.' },
  audit: { en: 'Reading the audit log needs an Authorization: Bearer <token> header', da: 'Du skal være logget ind for at se, hvem der har ændret hvad.' },
  session: { en: 'Signing in needs an Authorization: Bearer <token> header', da: 'Du skal angive en login-nøgle (token) for at logge ind.' },
};

/** The Bearer token of an Authorization header, or a 401 explaining what is wrong with the header. */
export function bearerToken(header: string | undefined, purpose: TokenPurpose = 'write'): string {
  if (!header) throw new AuthError(NO_TOKEN[purpose].en, NO_TOKEN[purpose].da, 'invalid_request');
  const m = /^Bearer[ ]+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)\s*$/i.exec(header);
  if (!m) throw new AuthError('The Authorization header must be "Bearer <JWT>"', 'Login-oplysningen (Authorization) skal være "Bearer <token>".', 'invalid_request');
  return m[1]!;
}
