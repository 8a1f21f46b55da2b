import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DEV_JWT_SECRET, parseAuthConfig, type AuthConfig } from '../../src/auth/auth-config';
import { signToken } from '../../src/auth/dev-token';
import { bearerToken, createTokenVerifier } from '../../src/auth/verifier';
import { ConfigError, loadConfig } from '../../src/config';

function parse(env: NodeJS.ProcessEnv): AuthConfig {
  return parseAuthConfig(env, (m) => {
    throw new ConfigError(m);
  });
}

const SECRET = 'a-shared-secret-that-is-long-enough-for-hs256';
const exp = () => Math.floor(Date.now() / 1000) + 600;

describe('auth configuration', () => {
  it('uses the development secret only outside production', () => {
    expect(parse({})).toMatchObject({ kind: 'secret', development: true });
    expect(parse({ NODE_ENV: 'production' })).toEqual({ kind: 'none' });
    expect(parse({ JWT_SECRET: SECRET, NODE_ENV: 'production' })).toMatchObject({ kind: 'secret', development: false });
  });

  it('checks the settings and names the variable', () => {
    expect(() => parse({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32 bytes/);
    expect(() => parse({ JWT_SECRET: DEV_JWT_SECRET, NODE_ENV: 'production' })).toThrow(/development secret/);
    expect(() => parse({ JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://idp.example/jwks' })).toThrow(/only one of JWT_SECRET, JWT_PUBLIC_KEY and JWT_JWKS_URL/);
    expect(() => parse({ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----' })).toThrow(/JWT_PUBLIC_KEY is not a usable public key/);
    expect(() => parse({ JWT_PUBLIC_KEY: '/no/such/file.pem' })).toThrow(/cannot read/);
    // a device is not read (/dev/zero has no end), nor a folder or a file larger than a key
    expect(() => parse({ JWT_PUBLIC_KEY: '/dev/zero' })).toThrow(/'\/dev\/zero' is not a file of at most 64 KB/);
    expect(() => parse({ JWT_PUBLIC_KEY: os.tmpdir() })).toThrow(/is not a file of at most 64 KB/);
    expect(() => parse({ JWT_JWKS_URL: 'not a url' })).toThrow(/JWT_JWKS_URL must be a URL/);
    expect(() => parse({ JWT_JWKS_URL: 'http://idp.example/jwks', NODE_ENV: 'production' })).toThrow(/https in production/);
    expect(() => parse({ JWT_JWKS_URL: 'https://idp.example/jwks', JWT_ALGORITHMS: 'none' })).toThrow(/JWT_ALGORITHMS: 'none'/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(ConfigError);
  });

  it('refuses JWT_ALGORITHMS without JWT_PUBLIC_KEY or JWT_JWKS_URL, as it would do nothing; an empty one is not set', () => {
    for (const env of [{ JWT_ALGORITHMS: 'RS256' }, { JWT_ALGORITHMS: 'HS256', NODE_ENV: 'production' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(/^JWT_ALGORITHMS is set, but neither JWT_PUBLIC_KEY nor JWT_JWKS_URL is/);
    }
    expect(parse({ JWT_ALGORITHMS: '' })).toMatchObject({ kind: 'secret', development: true });
    expect(parse({ JWT_JWKS_URL: 'https://idp.example/jwks', JWT_ALGORITHMS: '' })).toMatchObject({ kind: 'jwks', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] });
    expect(parse({ JWT_JWKS_URL: 'https://idp.example/jwks', JWT_ALGORITHMS: 'ES384' })).toMatchObject({ kind: 'jwks', algorithms: ['ES384'] });
  });

  it('reads a PEM public key and picks the algorithm from the key type', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(parse({ JWT_PUBLIC_KEY: pem })).toMatchObject({ kind: 'public-key', algorithms: ['ES256'] });
    expect(parse({ JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') })).toMatchObject({ kind: 'public-key' });
  });
});

describe('token verification', () => {
  const auth = parse({ JWT_SECRET: SECRET });
  const verifier = createTokenVerifier(auth);
  const key = new TextEncoder().encode(SECRET);

  it('accepts a valid HS256 token and reads kommunekode and scope', async () => {
    const t = await new SignJWT({ kommunekode: '370', scope: 'read admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key);
    await expect(verifier.verify(t)).resolves.toEqual({ subject: undefined, kommunekode: '370', scopes: ['read', 'admin'], admin: true });
    const numeric = await new SignJWT({ kommunekode: 101, scp: ['write'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key);
    await expect(verifier.verify(numeric)).resolves.toMatchObject({ kommunekode: '101', admin: false, scopes: ['write'] });
  });

  it('rejects expired, unsigned, wrongly signed, wrong-algorithm and exp-less tokens with 401', async () => {
    const cases: [string, RegExp][] = [
      [await new SignJWT({ kommunekode: '370' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(key), /expired/],
      [await new SignJWT({ kommunekode: '370' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(`${SECRET}-other`)), /signature/],
      [await new SignJWT({ kommunekode: '370' }).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('5m').sign(key), /algorithm/],
      [await new SignJWT({ kommunekode: '370' }).setProtectedHeader({ alg: 'HS256' }).sign(key), /"exp" claim/],
      [`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ kommunekode: '370', exp: exp() })).toString('base64url')}.`, /not valid|algorithm/],
      ['abc.def.ghi', /not valid/],
      [await new SignJWT({ kommunekode: 'x370' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key), /kommunekode claim/],
    ];
    for (const [token, message] of cases) {
      await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, code: 'login', message: expect.stringMatching(message) });
    }
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT({ kommunekode: '370' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey);
    await expect(verifier.verify(rs)).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/algorithm/) });
  });

  it('checks issuer and audience when they are configured', async () => {
    const strict = createTokenVerifier(parse({ JWT_SECRET: SECRET, JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'faelles-tx' }));
    const wrong = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://evil.example').setAudience('faelles-tx').setExpirationTime('5m').sign(key);
    await expect(strict.verify(wrong)).rejects.toMatchObject({ status: 401 });
    const right = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp.example').setAudience('faelles-tx').setExpirationTime('5m').sign(key);
    await expect(strict.verify(right)).resolves.toMatchObject({ admin: false });
  });

  it('verifies with a configured public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const v = createTokenVerifier(parse({ JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString() }));
    const ok = await new SignJWT({ kommunekode: '461' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey);
    await expect(v.verify(ok)).resolves.toMatchObject({ kommunekode: '461' });
    const hs = await new SignJWT({ kommunekode: '461' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key);
    await expect(v.verify(hs)).rejects.toMatchObject({ status: 401 });
  });

  it('verifies against a JWKS URL, and answers 503 when the key set cannot be fetched', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      const v = createTokenVerifier(parse({ JWT_JWKS_URL: url }));
      const ok = await new SignJWT({ kommunekode: '751' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setExpirationTime('5m').sign(privateKey);
      await expect(v.verify(ok)).resolves.toMatchObject({ kommunekode: '751' });
      const other = await generateKeyPair('ES256');
      const forged = await new SignJWT({ kommunekode: '751' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setExpirationTime('5m').sign(other.privateKey);
      await expect(v.verify(forged)).rejects.toMatchObject({ status: 401 });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const down = createTokenVerifier(parse({ JWT_JWKS_URL: 'http://127.0.0.1:1/jwks' }));
    const t = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setExpirationTime('5m').sign(privateKey);
    await expect(down.verify(t)).rejects.toMatchObject({ status: 503 });
  });

  it('refuses every token when no key is configured', async () => {
    const v = createTokenVerifier({ kind: 'none' });
    await expect(v.verify('a.b.c')).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/no token key is configured/) });
  });

  it('signs development tokens the server accepts', async () => {
    const dev = parse({});
    if (dev.kind !== 'secret') throw new Error('expected the development secret');
    const t = await signToken(dev, { kommunekode: '370', scopes: ['admin'], expiresIn: '1h' });
    await expect(createTokenVerifier(dev).verify(t)).resolves.toMatchObject({ kommunekode: '370', admin: true, subject: 'kommune-370' });
  });

  it('reads only "Bearer <JWT>" from the Authorization header', () => {
    expect(bearerToken('Bearer aaa.bbb.ccc')).toBe('aaa.bbb.ccc');
    expect(bearerToken('bearer aaa.bbb.')).toBe('aaa.bbb.');
    expect(() => bearerToken(undefined)).toThrow(/Authorization: Bearer/);
    expect(() => bearerToken('Bearer')).toThrow(/Bearer <JWT>/);
    expect(() => bearerToken('Basic abc')).toThrow(/Bearer <JWT>/);
  });
});
