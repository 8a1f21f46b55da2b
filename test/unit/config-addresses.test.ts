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

describe('BASE_PATH', () => {
  it('is /fhir by default, or segments of letters, digits, ".", "_" and "-"', () => {
    expect(loadConfig({}).basePath).toBe('/fhir');
    expect(loadConfig({ BASE_PATH: '/api/r4.fhir' }).basePath).toBe('/api/r4.fhir');
    expect(loadConfig({ BASE_PATH: '/v1/..x' }).basePath).toBe('/v1/..x');
  });

  it.each(['fhir', '/', '/fhir/', '/fhir?x', '/a/../b', '/./fhir', '/fhir/..', '/a//b'])('refuses %s, which no client would send as the path', (value) => {
    expect(() => loadConfig({ BASE_PATH: value })).toThrow(new ConfigError(`BASE_PATH must look like /fhir, not '${value}'`));
  });
});

describe('CORS_ORIGINS', () => {
  it('is a list of origins as a browser sends them, or *', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' https://eoj.example.dk, http://localhost:5173 ' }).corsOrigins).toEqual(['https://eoj.example.dk', 'http://localhost:5173']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it.each([
    ['https://eoj.example.dk/', " (as a browser sends it: https://eoj.example.dk)"],
    ['https://eoj.example.dk/app', " (as a browser sends it: https://eoj.example.dk)"],
    ['https://EOJ.example.dk', " (as a browser sends it: https://eoj.example.dk)"],
    ['https://eoj.example.dk:443', " (as a browser sends it: https://eoj.example.dk)"],
    ['eoj.example.dk', ''],
    ['ftp://eoj.example.dk', ''],
  ])('refuses %s, which would never match a request\'s Origin', (value, suggestion) => {
    expect(() => loadConfig({ CORS_ORIGINS: `https://ok.example.dk,${value}` }))
      .toThrow(new ConfigError(`CORS_ORIGINS: '${value}' is not an origin like https://eoj.example.dk (scheme, host and port, no path)${suggestion}`));
  });
});
