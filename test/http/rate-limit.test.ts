import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';

const metadata = (app: App, forwardedFor?: string) => {
  const req = request(app).get('/fhir/metadata');
  return forwardedFor === undefined ? req : req.set('X-Forwarded-For', forwardedFor);
};

describe('rate limit (RATE_LIMIT_PER_MINUTE)', () => {
  it('never throttles the probes and the metrics scrape, nor counts them against the client', async () => {
    const app = await testApp({ rateLimitPerMinute: 2 });
    for (let i = 0; i < 3; i++) {
      for (const path of ['/health', '/ready', '/metrics', '/READY/']) await request(app).get(path).expect(200);
    }
    await metadata(app).expect(200);
    await metadata(app).expect(200);
    await metadata(app).expect(429);
    for (const path of ['/health', '/ready', '/metrics']) await request(app).get(path).expect(200);
  });

  it('counts each client behind a trusted proxy (TRUST_PROXY) by the address the proxy names', async () => {
    const app = await testApp({ rateLimitPerMinute: 1, trustProxy: 1 });
    await metadata(app, '10.0.0.1').expect(200);
    await metadata(app, '10.0.0.2').expect(200);
    await metadata(app, '10.0.0.1').expect(429);
    // the proxy appends the address it saw to what the client sent: only that last one is the client's
    await metadata(app, '10.0.0.9, 10.0.0.2').expect(429);
  });

  it('ignores X-Forwarded-For from a client that is no trusted proxy, quietly', async () => {
    const spies = [jest.spyOn(global.console, 'error').mockImplementation(), jest.spyOn(global.console, 'warn').mockImplementation()];
    try {
      const app = await testApp({ rateLimitPerMinute: 1 });
      await metadata(app, '10.0.0.1').expect(200);
      await metadata(app, '10.0.0.2').set('Forwarded', 'for=10.0.0.2').expect(429);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
