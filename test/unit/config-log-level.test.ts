import { ConfigError, loadConfig } from '../../src/config';

describe('LOG_LEVEL', () => {
  it('is info by default, and when empty, as every other variable (a compose file passes ${VAR:-})', () => {
    expect(loadConfig({}).logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: '' }).logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('refuses a level pino does not have, naming the variable and the value', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow("LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not 'verbose'");
  });
});
