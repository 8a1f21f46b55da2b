import { defaultClientCacheMb, loadConfig } from '../../src/config';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

describe("the bounds of the clients' terminology caches ($cache-control)", () => {
  it('keep 1,000 caches for 30 minutes by default, and a sixteenth of the memory, from 32 MB to 256 MB', () => {
    expect([0.25, 0.5, 1, 2, 3, 4, 32].map((gb) => defaultClientCacheMb(gb * GB))).toEqual([32, 32, 64, 128, 192, 256, 256]);
    expect(loadConfig({}, 1 * GB).clientCacheLimits).toEqual({ caches: 1000, bytes: 64 * MB, idleMs: 30 * 60_000 });
    expect(loadConfig({}, 16 * GB).clientCacheLimits.bytes).toBe(256 * MB);
  });

  it('take the values set by the operator, whatever the memory', () => {
    const env = { CLIENT_CACHES: '5', CLIENT_CACHE_MB: '256', CLIENT_CACHE_IDLE_MINUTES: '120' };
    expect(loadConfig(env, 1 * GB).clientCacheLimits).toEqual({ caches: 5, bytes: 256 * MB, idleMs: 120 * 60_000 });
  });

  it('refuse what is not a whole number in range, naming the variable', () => {
    for (const [name, bad] of [['CLIENT_CACHES', '0'], ['CLIENT_CACHES', 'many'], ['CLIENT_CACHE_MB', '0'], ['CLIENT_CACHE_MB', '16385'],
      ['CLIENT_CACHE_IDLE_MINUTES', '0'], ['CLIENT_CACHE_IDLE_MINUTES', '1.5'], ['CLIENT_CACHE_IDLE_MINUTES', '10081']] as const) {
      expect(() => loadConfig({ [name]: bad }, 8 * GB)).toThrow(new RegExp(name));
    }
  });
});
