import { ConfigError, loadConfig } from '../../src/config';

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
