import type { Server } from 'node:http';
import request from 'supertest';

/**
 * supertest for a caller who asks for English (`Accept-Language: en`), as terminology clients do: a write's and an
 * import's messages are in Danish for anyone else (municipal staff read them; test/http/danish-messages.test.ts).
 * For suites that check what those messages say in English.
 */
export function inEnglish(app: Parameters<typeof request>[0] | Server): ReturnType<typeof request.agent> {
  return request.agent(app).set('Accept-Language', 'en');
}
