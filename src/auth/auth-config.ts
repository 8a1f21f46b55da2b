import { createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';

/**
 * How write requests are authenticated: a Bearer JWT checked against exactly one key source.
 *  - JWT_SECRET      shared secret, HS256 only (at least 32 bytes)
 *  - JWT_PUBLIC_KEY  PEM public key (SPKI), or a path to a PEM file; RS256/PS256/ES256/EdDSA by key type
 *  - JWT_JWKS_URL    an https (or http) URL of a JSON Web Key Set
 * Optional: JWT_ALGORITHMS (comma separated, for the public key / JWKS, refused without them), JWT_ISSUER, JWT_AUDIENCE.
 * With none of the three and NODE_ENV != production, a fixed development secret is used (DEV_JWT_SECRET);
 * in production with none, the server accepts no writes.
 */
export type AuthConfig =
  | ({ kind: 'secret'; secret: Uint8Array; algorithms: ['HS256']; development: boolean } & ClaimChecks)
  | ({ kind: 'public-key'; key: KeyObject; algorithms: string[] } & ClaimChecks)
  | ({ kind: 'jwks'; url: URL; algorithms: string[] } & ClaimChecks)
  | { kind: 'none' };

export interface ClaimChecks {
  issuer?: string;
  audience?: string;
}

/** The development secret: only ever used when NODE_ENV is not production and no key is configured. */
export const DEV_JWT_SECRET = 'faelles-tx-development-secret-not-for-production';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function defaultAlgorithms(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256'];
    case 'rsa-pss':
      return ['PS256'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return [curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256'];
    }
    case 'ed25519':
      return ['EdDSA'];
    default:
      return [];
  }
}

/** Far above any PEM public key (an RSA key of 16,384 bits is ~3 KB). */
const MAX_PEM_FILE_BYTES = 64 * 1024;

function readPem(raw: string, fail: (message: string) => never): string {
  if (raw.includes('-----BEGIN')) return raw.replace(/\\n/g, '\n');
  const unreadable = `JWT_PUBLIC_KEY must be a PEM public key or the path of a PEM file; cannot read '${raw}'`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(raw);
  } catch {
    return fail(unreadable);
  }
  // a device such as /dev/zero would be read for ever: only a file of a key's size is read
  if (!stat.isFile() || stat.size > MAX_PEM_FILE_BYTES) {
    return fail(`JWT_PUBLIC_KEY must be a PEM public key or the path of a PEM file; '${raw}' is not a file of at most ${MAX_PEM_FILE_BYTES / 1024} KB`);
  }
  try {
    return fs.readFileSync(raw, 'utf8');
  } catch {
    return fail(unreadable);
  }
}

/** Reads and checks the JWT settings; `fail` throws the caller's configuration error. */
export function parseAuthConfig(env: NodeJS.ProcessEnv, fail: (message: string) => never): AuthConfig {
  const secret = env.JWT_SECRET || undefined;
  const publicKey = env.JWT_PUBLIC_KEY || undefined;
  const jwksUrl = env.JWT_JWKS_URL || undefined;
  const production = env.NODE_ENV === 'production';
  const given = [secret && 'JWT_SECRET', publicKey && 'JWT_PUBLIC_KEY', jwksUrl && 'JWT_JWKS_URL'].filter(Boolean);
  if (given.length > 1) fail(`Set only one of JWT_SECRET, JWT_PUBLIC_KEY and JWT_JWKS_URL, not ${given.join(' and ')}`);
  const checks: ClaimChecks = { issuer: env.JWT_ISSUER || undefined, audience: env.JWT_AUDIENCE || undefined };
  const algorithmsRaw = (env.JWT_ALGORITHMS || undefined)?.split(',').map((a) => a.trim()).filter((a) => a.length > 0);

  if (secret !== undefined) {
    if (Buffer.byteLength(secret, 'utf8') < 32) fail('JWT_SECRET must be at least 32 bytes (HS256 needs a 256-bit key)');
    if (production && secret === DEV_JWT_SECRET) fail('JWT_SECRET is the published development secret; set a secret of your own in production');
    if (algorithmsRaw && algorithmsRaw.some((a) => a !== 'HS256')) fail('With JWT_SECRET the only algorithm is HS256; remove JWT_ALGORITHMS');
    return { kind: 'secret', secret: new TextEncoder().encode(secret), algorithms: ['HS256'], development: false, ...checks };
  }
  // the development secret's algorithm is HS256 too: the algorithms would do nothing
  if (algorithmsRaw && publicKey === undefined && jwksUrl === undefined) fail('JWT_ALGORITHMS is set, but neither JWT_PUBLIC_KEY nor JWT_JWKS_URL is: it is for those');
  for (const a of algorithmsRaw ?? []) {
    if (!ASYMMETRIC.includes(a)) fail(`JWT_ALGORITHMS: '${a}' is not one of ${ASYMMETRIC.join(', ')}`);
  }
  if (publicKey !== undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey(readPem(publicKey, fail));
    } catch (e) {
      return fail(`JWT_PUBLIC_KEY is not a usable public key: ${(e as Error).message}`);
    }
    const algorithms = algorithmsRaw ?? defaultAlgorithms(key);
    if (algorithms.length === 0) fail(`JWT_PUBLIC_KEY has key type '${key.asymmetricKeyType}'; set JWT_ALGORITHMS`);
    return { kind: 'public-key', key, algorithms, ...checks };
  }
  if (jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      return fail(`JWT_JWKS_URL must be a URL, not '${jwksUrl}'`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('JWT_JWKS_URL must be an http(s) URL');
    if (production && url.protocol !== 'https:') fail('JWT_JWKS_URL must use https in production');
    return { kind: 'jwks', url, algorithms: algorithmsRaw ?? ['RS256', 'PS256', 'ES256', 'EdDSA'], ...checks };
  }
  if (production) return { kind: 'none' };
  return { kind: 'secret', secret: new TextEncoder().encode(DEV_JWT_SECRET), algorithms: ['HS256'], development: true, ...checks };
}

export function describeAuth(auth: AuthConfig): string {
  switch (auth.kind) {
    case 'secret':
      return auth.development ? 'HS256 with the development secret (NODE_ENV is not production; set JWT_SECRET)' : 'HS256 (JWT_SECRET)';
    case 'public-key':
      return `${auth.algorithms.join('/')} public key (JWT_PUBLIC_KEY)`;
    case 'jwks':
      return `JWKS at ${auth.url.href}`;
    case 'none':
      return 'none configured: writes are refused (set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL)';
  }
}
