import os from 'node:os';
import { defaultResponseCacheMb, loadConfig, processMemoryBytes } from '../../src/config';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

describe('RESPONSE_CACHE_MB', () => {
  it('is a sixteenth of the memory by default, from 128 MB to 512 MB', () => {
    expect(defaultResponseCacheMb(1 * GB)).toBe(128);
    expect(defaultResponseCacheMb(2 * GB)).toBe(128);
    expect(defaultResponseCacheMb(3 * GB)).toBe(192);
    expect(defaultResponseCacheMb(4 * GB)).toBe(256);
    expect(defaultResponseCacheMb(8 * GB)).toBe(512);
    expect(defaultResponseCacheMb(64 * GB)).toBe(512);
  });

  it('follows the memory given to the configuration when not set', () => {
    expect(loadConfig({}, 1 * GB).responseCacheBytes).toBe(128 * MB);
    expect(loadConfig({}, 6 * GB).responseCacheBytes).toBe(384 * MB);
    expect(loadConfig({}, 32 * GB).responseCacheBytes).toBe(512 * MB);
    expect(loadConfig({ RESPONSE_CACHE_MB: '' }, 4 * GB).responseCacheBytes).toBe(256 * MB);
  });

  it('takes a value set by the operator, whatever the memory', () => {
    expect(loadConfig({ RESPONSE_CACHE_MB: '64' }, 32 * GB).responseCacheBytes).toBe(64 * MB);
    expect(loadConfig({ RESPONSE_CACHE_MB: '2048' }, 1 * GB).responseCacheBytes).toBe(2048 * MB);
    expect(loadConfig({ RESPONSE_CACHE_MB: '0' }, 32 * GB).responseCacheBytes).toBe(0);
  });

  it('refuses what is not a whole number from 0 to 4096', () => {
    for (const bad of ['-1', '4097', 'lots', '1.5']) {
      expect(() => loadConfig({ RESPONSE_CACHE_MB: bad }, 8 * GB)).toThrow(/RESPONSE_CACHE_MB/);
    }
  });

  it('reads the memory of this process as a positive amount no larger than the machine has', () => {
    const memory = processMemoryBytes();
    expect(memory).toBeGreaterThan(0);
    expect(memory).toBeLessThanOrEqual(os.totalmem());
    expect(loadConfig({}).responseCacheBytes).toBe(defaultResponseCacheMb(memory) * MB);
  });
});

describe('ANSWERS_IN_FLIGHT_MB', () => {
  it('is the response cache default (a sixteenth of the memory, 128–512 MB), set by the operator from 64 MB, checked at start', () => {
    expect(loadConfig({}, 1 * GB).answersInFlightBytes).toBe(128 * MB);
    expect(loadConfig({}, 6 * GB).answersInFlightBytes).toBe(384 * MB);
    expect(loadConfig({ ANSWERS_IN_FLIGHT_MB: '1024' }, 1 * GB).answersInFlightBytes).toBe(1024 * MB);
    expect(() => loadConfig({ ANSWERS_IN_FLIGHT_MB: '10' })).toThrow(/ANSWERS_IN_FLIGHT_MB/);
  });
});
