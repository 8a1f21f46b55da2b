import { SignJWT } from 'jose';
import type { AuthConfig } from './auth-config';

export interface TokenRequest {
  kommunekode?: string;
  scopes?: string[];
  /** A jose time span: 30m, 8h, 7d. */
  expiresIn?: string;
  subject?: string;
}

/** Signs a token the server accepts, with the configured shared secret (HS256). */
export async function signToken(auth: Extract<AuthConfig, { kind: 'secret' }>, request: TokenRequest): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (request.kommunekode) claims.kommunekode = request.kommunekode;
  const scopes = [...new Set(request.scopes ?? [])];
  if (scopes.length > 0) claims.scope = scopes.join(' ');
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setSubject(request.subject ?? (request.kommunekode ? `kommune-${request.kommunekode}` : 'admin'))
    .setExpirationTime(request.expiresIn ?? '8h');
  if (auth.issuer) jwt = jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt = jwt.setAudience(auth.audience);
  return jwt.sign(auth.secret);
}
