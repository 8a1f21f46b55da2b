import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { App } from '../../src/app';
import { ConfigError, defaultBodiesInFlightMb, loadConfig } from '../../src/config';
import { createHttpServer } from '../../src/http/server';
import { FSIII, testApp } from '../support/app';

/** The budget of the request bodies read at once (BODIES_IN_FLIGHT_MB), through HTTP on raw sockets. */

const MB = 1024 * 1024;
const BUDGET = MB;
const BODY = 600 * 1024;
const PATH = '/fhir/CodeSystem/$validate-code';

/** A Parameters body of `size` bytes that $validate-code answers 200. */
function body(size: number): Buffer {
  const head = `{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"${FSIII}"},{"name":"code","valueCode":"x"},{"name":"display","valueString":"`;
  const tail = '"}]}';
  return Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail);
}

interface Served {
  port: number;
  close(): Promise<void>;
}

async function serve(app: App): Promise<Served> {
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A request on its own connection, sent in parts: what the server answers (status line, headers, body) when it closes. */
class RawRequest {
  private readonly socket: net.Socket;
  private text = '';
  readonly answered: Promise<string>;

  constructor(port: number, head: string) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('error', () => undefined);
    this.socket.on('data', (c: Buffer) => {
      this.text += c.toString('latin1');
    });
    this.answered = new Promise((resolve) => this.socket.on('close', () => resolve(this.text)));
    this.socket.write(head);
  }

  send(bytes: Buffer | string): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  abort(): void {
    this.socket.destroy();
  }
}

const identityHead = (length: number, extra = ''): string =>
  `POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: ${length}\r\nConnection: close\r\n${extra}\r\n`;
const chunkedHead = `POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
const chunk = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
const LAST_CHUNK = '0\r\n\r\n';

function metric(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path: '/metrics' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve(Number(/^faelles_tx_request_bodies_in_flight_bytes (\d+)$/m.exec(text)?.[1])));
    }).on('error', reject);
  });
}

/** Waits until the bytes of the bodies being read are `wanted` (or at least `wanted`); what they were last. */
async function bodiesInFlight(port: number, wanted: (bytes: number) => boolean): Promise<number> {
  let bytes = await metric(port);
  for (let i = 0; i < 500 && !wanted(bytes); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    bytes = await metric(port);
  }
  return bytes;
}

const status = (answer: string): number => Number(answer.slice(9, 12));

describe('BODIES_IN_FLIGHT_MB', () => {
  it('is a sixteenth of the memory by default, from 64 to 256 MB, with room for four bodies at the limit; checked at start', () => {
    const GB = 1024 * MB;
    expect([0.5, 1, 2, 4, 16].map((gb) => defaultBodiesInFlightMb(gb * GB, 10 * MB))).toEqual([64, 64, 128, 256, 256]);
    expect(defaultBodiesInFlightMb(16 * GB, 100 * MB)).toBe(400);
    expect(loadConfig({ BODIES_IN_FLIGHT_MB: '20' }).bodiesInFlightBytes).toBe(20 * MB);
    expect(() => loadConfig({ BODIES_IN_FLIGHT_MB: '5' })).toThrow(ConfigError);
    expect(() => loadConfig({ BODIES_IN_FLIGHT_MB: 'lots' })).toThrow(/BODIES_IN_FLIGHT_MB/);
  });
});

describe('request bodies read at once, within BODIES_IN_FLIGHT_MB', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(await testApp({ bodiesInFlightBytes: BUDGET }));
  });
  afterAll(() => served.close());
  afterEach(async () => {
    expect(await bodiesInFlight(served.port, (b) => b === 0)).toBe(0);
  });

  it('counts a body by what of it has arrived, not by its declared length: connections that only declare bodies hold nothing', async () => {
    const declaring = Array.from({ length: 5 }, () => new RawRequest(served.port, identityHead(BODY)));
    const payload = body(BODY);
    const sent = new RawRequest(served.port, identityHead(BODY));
    sent.send(payload);
    expect(status(await sent.answered)).toBe(200);
    for (const r of declaring) r.abort();
  });

  it('refuses a body when what has arrived of it would pass the budget, 503 throttled with Retry-After; takes one again once the first is read', async () => {
    const payload = body(BODY);
    const first = new RawRequest(served.port, identityHead(BODY));
    first.send(payload.subarray(0, BODY - 1000));
    expect(await bodiesInFlight(served.port, (b) => b >= BODY - 1000)).toBe(BODY - 1000);

    const refused = new RawRequest(served.port, identityHead(BODY));
    refused.send(payload);
    const second = await refused.answered;
    expect(status(second)).toBe(503);
    expect(second).toMatch(/^Retry-After: \d+\r$/im);
    expect(second).toMatch(/^Connection: close\r$/im);
    expect(second).toContain('"code":"throttled"');

    first.send(payload.subarray(BODY - 1000));
    expect(status(await first.answered)).toBe(200);
    const third = new RawRequest(served.port, identityHead(BODY));
    third.send(payload);
    expect(status(await third.answered)).toBe(200);
  });

  it('counts a chunked body by what has arrived, and refuses it when that passes the budget', async () => {
    const payload = body(BODY);
    const first = new RawRequest(served.port, chunkedHead);
    first.send(chunk(payload.subarray(0, BODY - 1000)));
    expect(await bodiesInFlight(served.port, (b) => b >= BODY - 1000)).toBe(BODY - 1000);

    const second = new RawRequest(served.port, chunkedHead);
    second.send(chunk(payload));
    second.send(LAST_CHUNK);
    const refused = await second.answered;
    expect(status(refused)).toBe(503);
    expect(refused).toContain('"code":"throttled"');

    first.send(chunk(payload.subarray(BODY - 1000)));
    first.send(LAST_CHUNK);
    expect(status(await first.answered)).toBe(200);
  });

  it('counts a compressed body by what it inflates to', async () => {
    const held = new RawRequest(served.port, identityHead(BODY));
    held.send(body(BODY).subarray(0, BODY - 1000));
    expect(await bodiesInFlight(served.port, (b) => b >= BODY - 1000)).toBe(BODY - 1000);
    const packed = gzipSync(body(BODY));
    const inflating = new RawRequest(served.port, identityHead(packed.length, 'Content-Encoding: gzip\r\n'));
    inflating.send(packed);
    expect(status(await inflating.answered)).toBe(503);
    held.abort();
  });

  it('gives back what a body held when it fails or its client goes away', async () => {
    const invalid = new RawRequest(served.port, identityHead(BODY));
    invalid.send(Buffer.alloc(BODY, '{'));
    expect(status(await invalid.answered)).toBe(400);
    expect(await bodiesInFlight(served.port, (b) => b === 0)).toBe(0);

    const aborted = new RawRequest(served.port, identityHead(BODY));
    aborted.send(body(BODY).subarray(0, 1000));
    expect(await bodiesInFlight(served.port, (b) => b >= 1000)).toBe(1000);
    aborted.abort();
    expect(await bodiesInFlight(served.port, (b) => b === 0)).toBe(0);

    const abortedChunked = new RawRequest(served.port, chunkedHead);
    abortedChunked.send(chunk(body(BODY).subarray(0, 5000)));
    expect(await bodiesInFlight(served.port, (b) => b >= 5000)).toBe(5000);
    abortedChunked.abort();
  });
});

describe('a body that does not arrive in time', () => {
  it('gives back what it held once its request times out', async () => {
    const served = await serve(await testApp({ bodiesInFlightBytes: BUDGET, requestTimeoutMs: 300 }));
    try {
      const slow = new RawRequest(served.port, identityHead(BODY));
      slow.send(body(BODY).subarray(0, 1000));
      expect(status(await slow.answered)).toBe(408);
      expect(await bodiesInFlight(served.port, (b) => b === 0)).toBe(0);
    } finally {
      await served.close();
    }
  });
});
