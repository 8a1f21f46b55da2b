import net from 'node:net';
import { ConfigError, listenProblem, loadConfig } from '../../src/config';

describe('PUBLIC_BASE_URL', () => {
  it('is an http(s) URL, kept without its trailing slash', () => {
    expect(loadConfig({}).publicBaseUrl).toBeUndefined();
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://tx.example.dk/fhir/' }).publicBaseUrl).toBe('https://tx.example.dk/fhir');
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://[::1]:8080/fhir' }).publicBaseUrl).toBe('http://[::1]:8080/fhir');
  });

  it.each([
    ['http://[bad', /PUBLIC_BASE_URL must be an http\(s\) URL like https:\/\/tx\.example\.dk\/fhir, not 'http:\/\/\[bad'/],
    ['ftp://tx.example.dk/fhir', /PUBLIC_BASE_URL must be an http\(s\) URL/],
    ['tx.example.dk/fhir', /PUBLIC_BASE_URL must be an http\(s\) URL/],
    ['https://tx.example.dk/fhir?tenant=1', /PUBLIC_BASE_URL .* without a query \(\?\) or fragment \(#\)/],
    ['https://tx.example.dk/fhir#top', /PUBLIC_BASE_URL .* without a query \(\?\) or fragment \(#\)/],
    ['https://tx.example.dk/fhir?', /PUBLIC_BASE_URL .* without a query/],
    ['https://anna:hunter2@tx.example.dk/fhir', /PUBLIC_BASE_URL .* without a user name or password$/],
    ['https://anna:hunter2@[bad', /PUBLIC_BASE_URL .* without a user name or password$/],
  ])('refuses %s, naming the variable', (value, message) => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: value })).toThrow(ConfigError);
    expect(() => loadConfig({ PUBLIC_BASE_URL: value })).toThrow(message);
    expect(() => loadConfig({ PUBLIC_BASE_URL: value })).not.toThrow(/hunter2/);
  });
});

describe('PORT and HOST the server cannot listen on', () => {
  const listenError = (port: number, host: string) => new Promise<NodeJS.ErrnoException>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', resolve);
    server.listen(port, host, () => server.close(() => reject(new Error(`listened on ${host}:${port}`))));
  });

  it('names PORT when the port is in use, HOST when it is not an address of this machine', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      expect(listenProblem(await listenError(port, '127.0.0.1'), '127.0.0.1', port))
        .toBe(`PORT ${port} is in use on 127.0.0.1: another process listens there; choose another PORT, or stop that process`);
    } finally {
      taken.close();
    }
    // TEST-NET-1 (RFC 5737): never an address of this machine
    expect(listenProblem(await listenError(0, '192.0.2.1'), '192.0.2.1', 0)).toMatch(/^HOST 192\.0\.2\.1 is not an address of this machine/);
  });

  it.each([
    ['EACCES', /^PORT 80 may not be used by this process/],
    ['ENOTFOUND', /^HOST 'tx\.example' is not an address, nor a name this machine can resolve/],
    ['EAI_AGAIN', /^HOST 'tx\.example' is not an address/],
    ['EMFILE', /^Cannot listen on HOST tx\.example, PORT 80: too many open files$/],
  ])('%s', (code, message) => {
    expect(listenProblem(Object.assign(new Error('too many open files'), { code }), 'tx.example', 80)).toMatch(message);
  });
});
