/** parseJsonBody checked against express.json, the parser it stands in for, on the same bytes; and a batch body to mutate. */
import { Readable } from 'node:stream';
import express from 'express';
import { parseJsonBody } from '../../src/fhir/json-body';
import { prng } from '../../scripts/prng';

const bodyParser = express.json({ limit: 10 * 1024 * 1024, strict: true, type: () => true });

/** What `express.json({ strict: true })` makes of the bytes, sent in the given pieces. */
function expressJson(body: Buffer, cuts: number[] = []): Promise<{ value?: unknown; error?: string }> {
  const req = new Readable({ read() {} }) as unknown as express.Request & Readable;
  req.headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    req.push(body.subarray(from, cut));
    from = cut;
  }
  req.push(null);
  return new Promise((resolve) => {
    bodyParser(req, {} as express.Response, (err?: unknown) => {
      resolve(err ? { error: (err as Error).message } : { value: req.body });
    });
  });
}

function ours(body: Buffer): { value?: unknown; error?: string } {
  try {
    return parseJsonBody(body);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export async function expectSameAsExpressJson(body: Buffer, cuts?: number[]): Promise<void> {
  const expected = await expressJson(body, cuts);
  const actual = ours(body);
  if (expected.error !== undefined) {
    expect({ body: body.toString('latin1'), error: actual.error }).toEqual({ body: body.toString('latin1'), error: expected.error });
    return;
  }
  expect(actual.error).toBeUndefined();
  expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.value));
  expect(actual.value).toEqual(expected.value);
}


const FSIII = 'urn:oid:1.2.208.176.2.21';
const validation = (code: string, extra: Record<string, unknown> = {}) => ({
  name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code, ...extra } }] },
});
export const batch = (entries: unknown[]) => ({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: 'http://x/vs' }, ...entries] });

const random = prng(4711);
const codes = ['6d24992e-e0a2-43e7-bc27-0234622a8655', '2abe20c7-5f0d-4bc4-9c5d-f1f2d5ba1ef0', 'H1.1', 'nope', 'æøå'];
export const entries = Array.from({ length: 40 }, (_, i) => (i % 7 === 3
  ? validation(codes[i % codes.length]!, { display: 'Forkert "citat" \\ æ\u0000\ud800' })
  : validation(codes[Math.floor(random() * codes.length)]!)));
export const BATCH = JSON.stringify(batch(entries));
