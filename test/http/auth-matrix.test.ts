/**
 * Write authorization as a matrix: every kind of token (none, broken, expired, wrongly signed, wrong algorithm
 * including `none`, another municipality, no municipality, admin) against every kind of write (a municipality's
 * resource, a common resource, a published one). Each cell has its expected status; a refused cell must leave the
 * store exactly as it was, an allowed one must have made its change.
 */
import type { CodeSystem, OperationOutcome } from 'fhir/r4';
import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { type App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { localCodeSystem, tokenFor } from '../support/local';
import { testApp } from '../support/app';

const JSON_TYPE = 'application/fhir+json';
const OWN_ID = 'kommune-101-matrix';
const COMMON_ID = 'matrix-common';
const PUBLISHED_CS = 'kommune-370-lokale-indsatser';
const PUBLISHED_VS = 'indsatskatalog-119';

const TOKENS = [
  'no Authorization header', 'not a Bearer token', 'not a JWT', 'expired', 'wrong signature', 'wrong algorithm (HS512)',
  'wrong algorithm (RS256)', 'alg none', 'without exp', 'municipality 101', 'other municipality (147)', 'no municipality, no admin', 'admin',
] as const;
type TokenKind = (typeof TOKENS)[number];

const COLUMNS = ['create 101', 'update 101', 'delete 101', 'create common', 'update common', 'update published', 'delete published'] as const;
type Column = (typeof COLUMNS)[number];

/* eslint-disable no-multi-spaces */
const MATRIX: [TokenKind, ...number[]][] = [
  //                               create 101  update 101  delete 101  create common  update common  update published  delete published
  ['no Authorization header',      401,        401,        401,        401,           401,           401,              401],
  ['not a Bearer token',           401,        401,        401,        401,           401,           401,              401],
  ['not a JWT',                    401,        401,        401,        401,           401,           401,              401],
  ['expired',                      401,        401,        401,        401,           401,           401,              401],
  ['wrong signature',              401,        401,        401,        401,           401,           401,              401],
  ['wrong algorithm (HS512)',      401,        401,        401,        401,           401,           401,              401],
  ['wrong algorithm (RS256)',      401,        401,        401,        401,           401,           401,              401],
  ['alg none',                     401,        401,        401,        401,           401,           401,              401],
  ['without exp',                  401,        401,        401,        401,           401,           401,              401],
  ['municipality 101',             201,        200,        200,        403,           403,           405,              405],
  ['other municipality (147)',     403,        403,        403,        403,           403,           405,              405],
  ['no municipality, no admin',    403,        403,        403,        403,           403,           405,              405],
  ['admin',                        201,        200,        200,        201,           200,           405,              405],
];

const ISSUE_CODE: Record<number, string> = { 401: 'login', 403: 'forbidden', 405: 'not-supported' };

let app: App;
let store: MemoryStore;
let adminToken: string;
const authorization = new Map<TokenKind, string | undefined>();

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const exp = () => Math.floor(Date.now() / 1000) + 600;

async function tokens(): Promise<void> {
  const bearer = (t: string) => `Bearer ${t}`;
  const rsa = await generateKeyPair('RS256');
  authorization.set('no Authorization header', undefined);
  authorization.set('not a Bearer token', 'Basic dXNlcjpwYXNzd29yZA==');
  authorization.set('not a JWT', 'Bearer not-a-jwt');
  authorization.set('expired', bearer(await tokenFor({ kommunekode: '101', scope: 'admin' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 })));
  authorization.set('wrong signature', bearer(await tokenFor({ kommunekode: '101', scope: 'admin' }, { secret: 'another-secret-that-is-long-enough-for-hs256' })));
  authorization.set('wrong algorithm (HS512)', bearer(await tokenFor({ kommunekode: '101', scope: 'admin' }, { alg: 'HS512' })));
  authorization.set('wrong algorithm (RS256)', bearer(await new SignJWT({ kommunekode: '101', scope: 'admin' }).setProtectedHeader({ alg: 'RS256' })
    .setExpirationTime('1h').sign(rsa.privateKey)));
  authorization.set('alg none', bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ kommunekode: '101', scope: 'admin', exp: exp() })}.`));
  authorization.set('without exp', bearer(await new SignJWT({ kommunekode: '101', scope: 'admin' }).setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode('faelles-tx-development-secret-not-for-production'))));
  authorization.set('municipality 101', bearer(await tokenFor({ kommunekode: '101' })));
  authorization.set('other municipality (147)', bearer(await tokenFor({ kommunekode: '147' })));
  authorization.set('no municipality, no admin', bearer(await tokenFor({ scope: 'openid profile' })));
  adminToken = await tokenFor({ scope: 'openid admin' });
  authorization.set('admin', bearer(adminToken));
}

const ownResource = (): CodeSystem => localCodeSystem('101', 'matrix', [{ code: 'M', display: 'Matrix', type: 'indsats' }]);
const commonResource = (): CodeSystem => ({
  resourceType: 'CodeSystem', id: COMMON_ID, url: 'http://faelles-tx.dk/fhir/CodeSystem/matrix-common', version: '1.0.0', status: 'draft',
  content: 'complete', concept: [{ code: 'a', display: 'A' }],
});

/** Puts the resources every cell starts from back as they were (as admin): the municipality's and the common one. */
async function resetTargets(): Promise<void> {
  const admin = `Bearer ${adminToken}`;
  await request(app).put(`/fhir/CodeSystem/${OWN_ID}`).set('Authorization', admin).type(JSON_TYPE).send(ownResource()).expect((r) => expect([200, 201]).toContain(r.status));
  await request(app).put(`/fhir/CodeSystem/${COMMON_ID}`).set('Authorization', admin).type(JSON_TYPE).send(commonResource()).expect((r) => expect([200, 201]).toContain(r.status));
}

/** Everything the store holds: each current resource and the length of every history. */
async function snapshot(): Promise<unknown> {
  const all = await store.loadAll();
  const histories = await Promise.all(all.map(async (r) => `${r.resourceType}/${r.id}: ${(await store.history(r.resourceType, r.id!)).length}`));
  const deleted = await Promise.all([OWN_ID, COMMON_ID].map(async (id) => `${id}: ${(await store.history('CodeSystem', id)).length}`));
  return { all, histories, deleted };
}

let cell = 0;

/** The request of one column; `check` verifies the change an allowed request made. */
async function send(column: Column, auth: string | undefined): Promise<{ status: number; body: unknown; headers: Record<string, string>; check(): Promise<void> }> {
  const n = cell++;
  let req: request.Test;
  let check: () => Promise<void>;
  switch (column) {
    case 'create 101': {
      const cs = localCodeSystem('101', `matrix-new-${n}`, [{ code: 'N', display: 'New', type: 'indsats' }]);
      delete cs.id;
      req = request(app).post('/fhir/CodeSystem').type(JSON_TYPE).send(cs);
      check = async () => expect((await store.read('CodeSystem', `kommune-101-matrix-new-${n}`))?.url).toBe(cs.url);
      break;
    }
    case 'update 101':
      req = request(app).put(`/fhir/CodeSystem/${OWN_ID}`).type(JSON_TYPE).send({ ...ownResource(), title: `changed ${n}` });
      check = async () => expect((await store.read('CodeSystem', OWN_ID))?.title).toBe(`changed ${n}`);
      break;
    case 'delete 101':
      req = request(app).delete(`/fhir/CodeSystem/${OWN_ID}`);
      check = async () => expect(await store.read('CodeSystem', OWN_ID)).toBeUndefined();
      break;
    case 'create common': {
      const cs = { ...commonResource(), id: undefined, url: `http://faelles-tx.dk/fhir/CodeSystem/matrix-new-${n}` };
      req = request(app).post('/fhir/CodeSystem').type(JSON_TYPE).send(cs);
      check = async () => expect((await store.loadAll()).some((r) => r.url === cs.url)).toBe(true);
      break;
    }
    case 'update common':
      req = request(app).put(`/fhir/CodeSystem/${COMMON_ID}`).type(JSON_TYPE).send({ ...commonResource(), title: `changed ${n}` });
      check = async () => expect((await store.read('CodeSystem', COMMON_ID))?.title).toBe(`changed ${n}`);
      break;
    case 'update published': {
      const published = (await request(app).get(`/fhir/CodeSystem/${PUBLISHED_CS}`).expect(200)).body as CodeSystem;
      req = request(app).put(`/fhir/CodeSystem/${PUBLISHED_CS}`).type(JSON_TYPE).send({ ...published, title: `changed ${n}` });
      check = async () => undefined;
      break;
    }
    case 'delete published':
      req = request(app).delete(`/fhir/ValueSet/${PUBLISHED_VS}`);
      check = async () => undefined;
      break;
  }
  if (auth !== undefined) req = req.set('Authorization', auth);
  const res = await req;
  return { status: res.status, body: res.body, headers: res.headers as Record<string, string>, check };
}

/** The published resources as the server started with them: no cell may change them. */
let published: unknown[];
/** Whether a cell may have changed the targets since they were last put back (a refused cell is checked to change nothing). */
let targetsChanged = true;

const publishedNow = async () => [
  (await request(app).get(`/fhir/CodeSystem/${PUBLISHED_CS}`).expect(200)).body,
  (await request(app).get(`/fhir/ValueSet/${PUBLISHED_VS}`).expect(200)).body,
];

beforeAll(async () => {
  store = new MemoryStore();
  app = await testApp({}, { store });
  await tokens();
  published = await publishedNow();
});

describe.each(MATRIX)('token: %s', (kind, ...statuses) => {
  it.each(COLUMNS.map((column, i) => [column, statuses[i]!] as const))('%s → %i', async (column, expected) => {
    if (targetsChanged) await resetTargets();
    targetsChanged = true;
    const before = await snapshot();
    const res = await send(column, authorization.get(kind));
    expect(res.status).toBe(expected);
    if (expected >= 400) {
      const outcome = res.body as OperationOutcome;
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: ISSUE_CODE[expected] });
      if (expected === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="faelles-tx", error="invalid_(token|request)"/);
      expect(await snapshot()).toEqual(before); // refused: nothing changed
      targetsChanged = false;
    } else {
      await res.check();
      expect(await snapshot()).not.toEqual(before);
    }
    expect(await publishedNow()).toEqual(published);
  });
});

it('covers every token kind and every column', () => {
  expect(MATRIX.map((row) => row[0])).toEqual([...TOKENS]);
  for (const row of MATRIX) expect(row.length).toBe(COLUMNS.length + 1);
});
