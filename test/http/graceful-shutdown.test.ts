/**
 * Closing the server gracefully (what SIGTERM does, src/index.ts): no new connections; a request in flight is answered
 * in full, with `Connection: close`, so a client keeping its connection alive sends nothing more on it; connections
 * that were idle are closed; the close completes as soon as the last connection is gone, not at the hard deadline.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CodeSystem } from 'fhir/r4';
import request from 'supertest';
import { closeGracefully, createHttpServer } from '../../src/http/server';
import { MemoryStore } from '../../src/store/memory-store';
import { testApp } from '../support/app';
import { localCodeSystem, tokenFor } from '../support/local';

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

describe('the writes still running when the last request is answered', () => {
  const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** A store whose commits and audit records take their time, as a busy database's do. */
  class SlowStore extends MemoryStore {
    /** Commits begun, and those that have run their course, written or abandoned (their request timed out meanwhile). */
    begun = 0;
    done = 0;
    /** Set when the server would close the store (the app is settled); a commit begun after it counts as late. */
    closed = false;
    late = 0;
    override async apply(...args: Parameters<MemoryStore['apply']>) {
      if (this.closed) this.late++;
      this.begun++;
      await later(40);
      try {
        return await super.apply(...args);
      } finally {
        this.done++;
      }
    }
    override async recordAudit(...args: Parameters<MemoryStore['recordAudit']>) {
      await later(120);
      return super.recordAudit(...args);
    }
  }

  async function slowApp(requestTimeoutMs = 60) {
    const store = new SlowStore();
    const app = await testApp({ requestTimeoutMs }, { store });
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    const put = (cs: CodeSystem) => request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs);
    return { store, app, put };
  }

  const catalogs = (n: number, name: string) => Array.from({ length: n }, (_, i) => localCodeSystem('101', `${name}-${i}`, [{ code: `101-${name}${i}`, display: `${name} ${i}`, type: 'indsats' }]));

  /** Settles the app, closes the store as the server would, and waits long enough for a straggler to reach it. */
  async function settleAndClose(app: Awaited<ReturnType<typeof slowApp>>['app'], store: SlowStore): Promise<void> {
    await app.settled();
    expect(store.done).toBe(store.begun);
    store.closed = true;
    await later(300);
  }

  it('have run their course once the app is settled, also those whose request timed out while they were queued', async () => {
    const { store, app, put } = await slowApp();
    const queued = catalogs(6, 'koe');
    const statuses = (await Promise.all(queued.map(put))).map((r) => r.status);
    expect(statuses).toContain(503);
    await settleAndClose(app, store);
    expect(store.late).toBe(0);
    // and the store holds what the answers said
    const holds = await Promise.all(queued.map(async (cs) => (await store.history('CodeSystem', cs.id!)).length));
    expect(holds).toEqual(statuses.map((s) => (s === 503 ? 0 : 1)));
  });

  it('a refusal answered before is in the audit log once the app is settled', async () => {
    const { store, app, put } = await slowApp();
    // another municipality's id: refused (403), its audit record written after the answer
    expect((await put(localCodeSystem('102', 'fremmed', [{ code: '102-A', display: 'A', type: 'indsats' }]))).status).toBe(403);
    await app.settled();
    const { events } = await store.searchAudit({ offset: 0, count: 10 });
    expect(events.some((e) => e.outcome === '4' && e.outcomeDesc?.includes('kommune-102-fremmed'))).toBe(true);
  });
});
