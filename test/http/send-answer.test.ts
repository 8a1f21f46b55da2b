import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendAnswer } from '../../src/http/pipeline/send';
import { answerOf } from '../../src/operations/invoke';

/** Text that takes 1, 2, 3 and 4 bytes a character in UTF-8, as Danish displays and free text do. */
const RESOURCE = {
  resourceType: 'Parameters',
  parameter: [
    { name: 'display', valueString: 'Støtte til økonomi og bolig – “særlig” indsats' },
    { name: 'message', valueString: 'Ærø, Åbenrå 😀, and a lone surrogate: \ud800' },
  ],
};

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((req, res) => void sendAnswer(res, answerOf(200, RESOURCE), undefined, ['X-Common', 'yes']));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function fetchRaw(path: string, method = 'GET'): Promise<{ headers: Headers; body: Buffer }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('sendAnswer of an answer invoke serialized as text', () => {
  it('writes the text with its length in bytes, not in characters, and the common headers', async () => {
    const { headers, body } = await fetchRaw('/');
    expect(Number(headers.get('content-length'))).toBe(body.length);
    expect(body.length).toBeGreaterThan(JSON.stringify(RESOURCE).length);
    expect(JSON.parse(body.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(RESOURCE)));
    expect(headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(headers.get('x-common')).toBe('yes');
  });

  it('answers HEAD with the same length and no body', async () => {
    const get = await fetchRaw('/');
    const head = await fetchRaw('/', 'HEAD');
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(head.body.length).toBe(0);
  });

  it('indents it when _pretty=true is asked for, with the indented length', async () => {
    const { headers, body } = await fetchRaw('/?_pretty=true');
    const text = body.toString('utf8');
    expect(text).toContain('\n');
    expect(Number(headers.get('content-length'))).toBe(body.length);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(RESOURCE)));
  });

  it('gives its byte length without its bytes being made, and the same bytes when they are', () => {
    const answer = answerOf(200, RESOURCE);
    const length = answer.byteLength;
    expect(length).toBe(Buffer.byteLength(JSON.stringify(RESOURCE), 'utf8'));
    expect(Buffer.concat(answer.chunks).length).toBe(length);
    expect(answer.byteLength).toBe(length);
  });
});
