/**
 * A request body in a Content-Encoding the server unpacks (gzip, deflate, br) is read as the same body sent as it is;
 * `x-gzip` is gzip, as RFC 9110 §8.4.1.3 has a recipient read it (old clients and proxies still send it).
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { FSIII } from '../support/catalogs';
import { parametersOf } from '../support/parameters';
import { useRunningServer } from '../support/server';

const CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';
const BODY = Buffer.from(JSON.stringify(parametersOf({ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE })));

const server = useRunningServer();

/** A $lookup POSTed as these bytes (fetch sends them as they are; supertest would serialise a Buffer given with a JSON type). */
async function lookup(encoding: string | undefined, body: Buffer): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.baseUrl}/CodeSystem/$lookup`, {
    method: 'POST', headers: { 'Content-Type': 'application/fhir+json', ...(encoding ? { 'Content-Encoding': encoding } : {}) }, body: new Uint8Array(body),
  });
  return { status: res.status, text: await res.text() };
}

it.each([
  ['gzip', gzipSync], ['x-gzip', gzipSync], ['X-GZIP', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync],
] as const)('a body sent with Content-Encoding %s is read as the body sent as it is', async (encoding, compress) => {
  const plain = await lookup(undefined, BODY);
  expect(plain.status).toBe(200);
  expect(await lookup(encoding, compress(BODY))).toEqual(plain);
});

it('an x-gzip body that is not gzip is refused as a gzip body that is not is (400), and x-compress as compress (415)', async () => {
  expect((await lookup('x-gzip', BODY)).status).toBe(400);
  expect((await lookup('x-compress', BODY)).status).toBe(415);
});
