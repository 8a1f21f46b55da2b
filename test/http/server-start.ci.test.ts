/**
 * A server process that cannot start says why in one log line and exits with the status README's "Exit status at
 * start" gives: 2 for a configuration it cannot use, also one found only when it listens (a PORT in use, a HOST that
 * is not an address of this machine).
 */
import net from 'node:net';
import { TERMINOLOGY_DIR } from '../support/app';
import { compileServer, serverExit } from '../support/server-process';

let compiled: ReturnType<typeof compileServer> | undefined;
beforeAll(() => {
  compiled = compileServer();
});
afterAll(() => compiled?.remove());

const env = { STORE: 'memory', TERMINOLOGY_DIR, LOAD_EXAMPLES: 'false', NODE_ENV: 'test' };

describe('a PORT or HOST the server cannot listen on', () => {
  it('a PORT in use: exit 2 with one line naming PORT, no stack', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const { code, output } = await serverExit(compiled!.entry, { ...env, PORT: String(port) });
      expect({ code, output }).toEqual({ code: 2, output: expect.stringContaining(`Configuration error: PORT ${port} is in use on 127.0.0.1`) });
      expect(output).not.toMatch(/Unhandled|    at /);
    } finally {
      taken.close();
    }
  });

  it('a HOST that is not an address of this machine: exit 2 with one line naming HOST', async () => {
    const { code, output } = await serverExit(compiled!.entry, { ...env, HOST: '192.0.2.1' });
    expect({ code, output }).toEqual({ code: 2, output: expect.stringContaining('Configuration error: HOST 192.0.2.1 is not an address of this machine') });
    expect(output).not.toMatch(/Unhandled|    at /);
  });
});
