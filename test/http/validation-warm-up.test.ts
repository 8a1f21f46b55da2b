/**
 * The $validate profile stack is loaded in the background once the server listens, so the first client does not wait
 * for it; /ready waits for a load under way.
 */
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { publishedCatalogs, testConfig } from '../support/app';
import { compileServer, startServerProcess, type ServerProcess } from '../support/server-process';

describe('loading the validation profiles', () => {
  let compiled: ReturnType<typeof compileServer> | undefined;
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    compiled?.remove();
  });

  it('starts after the server listens, without a $validate call, and is done when /ready answers', async () => {
    compiled = compileServer();
    server = await startServerProcess(compiled.entry, { STORE: 'memory', LOG_LEVEL: 'info', NODE_ENV: 'test' });
    const ready = await fetch(`${server.baseUrl.replace(/\/fhir$/, '')}/ready`);
    expect(ready.status).toBe(200);
    // /ready does not start the load (see below): the server did, on its own
    expect(await ready.json()).toMatchObject({ status: 'ready', validation: 'loaded' });
  }, 120_000);

  it('in the app: not before it is asked for (on first use), and /ready waits for a load under way', async () => {
    const app = await createApp({ config: testConfig(), store: new MemoryStore([]), logger: pino({ level: 'silent' }), published: publishedCatalogs() });
    expect((await request(app).get('/ready')).body.validation).toBe('on first use');
    const loading = app.warmUpValidation();
    expect(app.warmUpValidation()).toBe(loading);
    const res = await request(app).get('/ready');
    expect(res.status).toBe(200);
    expect(res.body.validation).toBe('loaded');
  });
});
