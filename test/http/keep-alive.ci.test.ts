import net from 'node:net';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { serveOverHttp } from '../support/server';

/**
 * An idle keep-alive connection stays open longer than Node's default of 5 s, so that a proxy reusing it (HAProxy's
 * and load balancers' idle timeouts are 60 s) does not send a request on a connection the server is closing.
 */
let app: App;
let served: Awaited<ReturnType<typeof serveOverHttp>>;

beforeAll(async () => {
  app = await testApp();
  served = await serveOverHttp(app);
});

afterAll(() => served.close());

/** Sends a request on the socket and resolves with the answer's status line once its body (Content-Length) is read. */
function ask(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length - end - 4 < length) return;
      socket.off('data', onData);
      resolve(text.slice(0, text.indexOf('\r\n')));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after: ${text.slice(0, 80)}`)));
    socket.write('GET /fhir/metadata?_summary=true HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });
}

describe('keep-alive', () => {
  it('answers a second request on a connection left idle for longer than 5 s', async () => {
    const socket = net.connect(served.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    try {
      expect(await ask(socket)).toBe('HTTP/1.1 200 OK');
      await new Promise((r) => setTimeout(r, 6_000));
      expect(await ask(socket)).toBe('HTTP/1.1 200 OK');
    } finally {
      socket.destroy();
    }
  }, 20_000);
});
