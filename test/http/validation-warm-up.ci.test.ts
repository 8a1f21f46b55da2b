/**
 * A server process loads the $validate profile stack in the background once it listens, so the first client does not
 * wait for it; /ready waits for a load under way. (The app's side: validation-warm-up.test.ts.)
 */
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
    // /ready does not start the load (validation-warm-up.test.ts): the server did, on its own
    expect(await ready.json()).toMatchObject({ status: 'ready', validation: 'loaded' });
  }, 120_000);
});
