/**
 * Closing the server gracefully (what SIGTERM does, src/index.ts): no new connections; a request in flight is answered
 * in full, with `Connection: close`, so a client keeping its connection alive sends nothing more on it; connections
 * that were idle are closed; the close completes as soon as the last connection is gone, not at the hard deadline.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeGracefully, createHttpServer } from '../../src/http/server';
import { testApp } from '../support/app';

const LOOKUP = '/fhir/CodeSystem/$lookup?system=urn:oid:1.2.208.176.2.21&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c';

interface Answer { status: number; connection?: string; body: string }

function answerOf(req: http.ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
  });
}

it('answers the request in flight with Connection: close, closes idle connections, refuses new ones, and is done at once', async () => {
  const server = createHttpServer(await testApp());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  try {
    // an idle kept-alive connection, and one whose request is still being sent when the server closes
    const before = await answerOf(http.get({ port, host: '127.0.0.1', path: LOOKUP, agent }));
    expect(before).toMatchObject({ status: 200, connection: 'keep-alive' });
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'system', valueUri: 'urn:oid:1.2.208.176.2.21' }, { name: 'code', valueCode: '6eddbaf7-2a73-49d4-91e7-6138d419f58c' }] });
    const inFlight = http.request({
      port, host: '127.0.0.1', path: '/fhir/CodeSystem/$lookup', method: 'POST', agent,
      headers: { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(body) },
    });
    const inFlightAnswer = answerOf(inFlight);
    inFlight.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    const closed = closeGracefully(server);
    inFlight.end(body.slice(10));
    const answer = await inFlightAnswer;
    expect(answer.status).toBe(200);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body).resourceType).toBe('Parameters');
    await closed;
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(answerOf(http.get({ port, host: '127.0.0.1', path: LOOKUP, agent: false }))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  } finally {
    agent.destroy();
    server.closeAllConnections();
  }
});
