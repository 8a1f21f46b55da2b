/**
 * The $validate profile stack is loaded on first use, or in the background when the server asks for it (a server
 * process does once it listens: validation-warm-up.ci.test.ts); /ready waits for a load under way.
 */
import pino from 'pino';
import { Writable } from 'node:stream';
import request from 'supertest';
import { ValidationWarmUp } from '../../src/profile-validation/warm-up';
import { testApp } from '../support/app';

describe('loading the validation profiles', () => {
  it('in the app: not before it is asked for (on first use), and /ready waits for a load under way', async () => {
    const app = await testApp();
    expect((await request(app).get('/ready')).body.validation).toBe('on first use');
    const loading = app.warmUpValidation();
    expect(app.warmUpValidation()).toBe(loading);
    const res = await request(app).get('/ready');
    expect(res.status).toBe(200);
    expect(res.body.validation).toBe('loaded');
  });

  it('a /ready the request timeout answered while the load was under way is not answered again when it ends', async () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    const app = await testApp({ requestTimeoutMs: 20 }, { logger: pino({ level: 'warn' }, sink) });
    // a load that ends when the test says so, after the request timeout
    let finish!: () => void;
    const load = jest.spyOn(ValidationWarmUp.prototype, 'loading').mockReturnValue(new Promise<void>((r) => {
      finish = r;
    }));
    try {
      const res = await request(app).get('/ready');
      expect(res.status).toBe(503);
      expect(res.body.issue[0].code).toBe('timeout');
      finish();
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      load.mockRestore();
    }
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
