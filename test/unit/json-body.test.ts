import { Readable } from 'node:stream';
import express from 'express';
import { jsonDepth } from '../../src/fhir/json-depth';
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

function ours(body: Buffer): { value?: unknown; depth?: number; error?: string } {
  try {
    return parseJsonBody(body);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function expectSameAsExpressJson(body: Buffer, cuts?: number[]): Promise<void> {
  const expected = await expressJson(body, cuts);
  const actual = ours(body);
  if (expected.error !== undefined) {
    expect({ body: body.toString('latin1'), error: actual.error }).toEqual({ body: body.toString('latin1'), error: expected.error });
    return;
  }
  expect(actual.error).toBeUndefined();
  expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.value));
  expect(actual.value).toEqual(expected.value);
  if (actual.depth !== undefined) expect(actual.depth).toBe(jsonDepth(expected.value, Infinity));
}


const FSIII = 'urn:oid:1.2.208.176.2.21';
const validation = (code: string, extra: Record<string, unknown> = {}) => ({
  name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code, ...extra } }] },
});
const batch = (entries: unknown[]) => ({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: 'http://x/vs' }, ...entries] });

const random = prng(4711);
const codes = ['6d24992e-e0a2-43e7-bc27-0234622a8655', '2abe20c7-5f0d-4bc4-9c5d-f1f2d5ba1ef0', 'H1.1', 'nope', 'æøå'];
const entries = Array.from({ length: 40 }, (_, i) => (i % 7 === 3
  ? validation(codes[i % codes.length]!, { display: 'Forkert "citat" \\ æ\u0000\ud800' })
  : validation(codes[Math.floor(random() * codes.length)]!)));
const BATCH = JSON.stringify(batch(entries));

describe('parseJsonBody reads a body as express.json does', () => {
  const cases: [string, string | Buffer][] = [
    ['a batch', BATCH],
    ['a batch, pretty-printed', JSON.stringify(batch(entries), null, 2)],
    ['a batch with \\r\\n and tabs', JSON.stringify(batch(entries), null, '\t').replace(/\n/g, '\r\n')],
    ['a batch after a byte order mark', `\ufeff${BATCH}`],
    ['a batch with unicode escapes', BATCH.replace(/æ/g, '\\u00e6')],
    ['a batch of one entry', JSON.stringify(batch([entries[0]]))],
    ['Parameters without parameters', '{"resourceType":"Parameters","parameter":[]}'],
    ['Parameters with an empty parameter', '{"resourceType":"Parameters","parameter":[{}, {}]}'],
    ['Parameters with keys in another order', '{"parameter":[{"name":"a"}],"resourceType":"Parameters"}'],
    ['Parameters with an id', '{"resourceType":"Parameters","id":"x","parameter":[{"name":"a"}]}'],
    ['Parameters with a repeated key', '{"resourceType":"Parameters","parameter":[{"name":"a"}],"parameter":[]}'],
    ['Parameters with a parameter that is not an object', '{"resourceType":"Parameters","parameter":[{"name":"a"},"x",null,1,[]]}'],
    ['Parameters with __proto__ in a parameter', '{"resourceType":"Parameters","parameter":[{"__proto__":{"x":1},"name":"a"},{"__proto__":{"x":1},"name":"a"}]}'],
    ['Parameters with an escaped key', '{"resource\\u0054ype":"Parameters","parameter":[{"name":"a"}]}'],
    ['a Bundle', '{"resourceType":"Bundle","type":"batch","entry":[]}'],
    ['an array', '[1,2,{"a":[]}]'],
    ['an empty body', ''],
    ['a byte order mark only', '\ufeff'],
    ['whitespace only', ' \n\t '],
    ['a string', '"Parameters"'],
    ['a number after whitespace', '  42'],
    ['null', 'null'],
    ['a trailing comma', '{"resourceType":"Parameters","parameter":[{"name":"a"},]}'],
    ['a missing comma', '{"resourceType":"Parameters","parameter":[{"name":"a"} {"name":"b"}]}'],
    ['crossed brackets', '{"resourceType":"Parameters","parameter":[{"name":[}],{"name":"b"}]}'],
    ['a repeated broken parameter', '{"resourceType":"Parameters","parameter":[{"name":01},{"name":01}]}'],
    ['an unterminated string', '{"resourceType":"Parameters","parameter":[{"name":"a}]}'],
    ['a raw control character in a string', '{"resourceType":"Parameters","parameter":[{"name":"a\u0001"}]}'],
    ['a bad escape', '{"resourceType":"Parameters","parameter":[{"name":"\\x41"}]}'],
    ['text after the body', '{"resourceType":"Parameters","parameter":[{"name":"a"}]} x'],
    ['a second value after the body', '{"resourceType":"Parameters","parameter":[]}{}'],
    ['a truncated batch', BATCH.slice(0, BATCH.length - 3)],
    ['a batch cut in a parameter', BATCH.slice(0, 500)],
    ['invalid UTF-8 in a parameter', Buffer.concat([Buffer.from('{"resourceType":"Parameters","parameter":[{"name":"a\xff\xc3'), Buffer.from([0xff, 0xe2, 0x82]), Buffer.from('"},{"name":"b"}]}')])],
  ];

  it.each(cases)('%s', async (_name, body) => {
    await expectSameAsExpressJson(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  });

  it('the same for 3,000 mutations of a batch (bytes deleted, inserted, replaced, cut), however the body arrives', async () => {
    const rnd = prng(20261123);
    const base = Buffer.from(JSON.stringify(batch(entries.slice(0, 12))), 'utf8');
    const alphabet = Buffer.from('{}[]",:\\ a1\n\u00e6e-.', 'utf8');
    for (let n = 0; n < 3000; n++) {
      let body = Buffer.from(base);
      for (let edits = 1 + Math.floor(rnd() * 3); edits > 0; edits--) {
        const at = Math.floor(rnd() * body.length);
        const byte = alphabet[Math.floor(rnd() * alphabet.length)]!;
        const kind = rnd();
        if (kind < 0.3) body = Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
        else if (kind < 0.6) body = Buffer.concat([body.subarray(0, at), Buffer.from([byte]), body.subarray(at)]);
        else if (kind < 0.9) body[at] = byte;
        else body = body.subarray(0, at);
      }
      const cuts = [Math.floor(rnd() * body.length)];
      await expectSameAsExpressJson(body, cuts);
    }
  });

  it('parses each distinct parameter once: identical ones are one object', () => {
    const { value, depth } = parseJsonBody(Buffer.from(BATCH, 'utf8')) as { value: { parameter: unknown[] }; depth: number };
    const parameters = value.parameter;
    expect(parameters).toHaveLength(entries.length + 1);
    const first = new Map<string, unknown>();
    for (const p of parameters) {
      const text = JSON.stringify(p);
      if (!first.has(text)) first.set(text, p);
      expect(p).toBe(first.get(text));
    }
    expect(first.size).toBeLessThan(parameters.length);
    expect(depth).toBe(jsonDepth(JSON.parse(BATCH), Infinity));
  });

  it('stays linear when many distinct parameters share the end of their text', () => {
    // parameters that differ only at the start land on one hash: they are compared with a few, then parsed apiece
    const many = Array.from({ length: 3000 }, (_, i) => ({ name: `n${i}`, valueString: 'x'.repeat(60) }));
    const text = JSON.stringify({ resourceType: 'Parameters', parameter: [...many, ...many] });
    const { value } = parseJsonBody(Buffer.from(text, 'utf8'));
    expect(value).toEqual(JSON.parse(text));
  });
});
