/**
 * The $validate profile stack is loaded on first use, or in the background when the server asks for it (a server
 * process does once it listens: validation-warm-up.ci.test.ts); /ready waits for a load under way.
 */
import request from 'supertest';
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
});
