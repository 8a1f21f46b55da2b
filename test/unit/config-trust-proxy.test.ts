import { ConfigError, loadConfig } from '../../src/config';

describe('TRUST_PROXY', () => {
  it('trusts no proxy unless set: the client is the connection', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  it('takes a number of proxies, or their addresses and subnets, as Express reads them', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: ' 2 ' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 172.16.0.0/12, loopback' }).trustProxy).toBe('10.0.0.5, 172.16.0.0/12, loopback');
  });

  it.each([
    ['true', /TRUST_PROXY=true would take X-Forwarded-For from any client/],
    ['haproxy', /TRUST_PROXY must be a number of proxies \(1\) or their addresses and subnets .*, not 'haproxy': invalid IP address: haproxy/],
    ['10.0.0.0/33', /TRUST_PROXY must be .*, not '10\.0\.0\.0\/33'/],
    ['10.0.0.5,', /TRUST_PROXY must be .*, not '10\.0\.0\.5,'/],
    ['101', /TRUST_PROXY must be between 0 and 100, not 101/],
  ])('refuses %s at start, naming the variable', (value, message) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(message);
  });
});
