/**
 * parseJsonBody against express.json on 3,000 seeded mutations of a batch body, each also sent in two pieces: the
 * same value, or the same error, for every one. A fuzz run, so in CI and `npm run test:all` rather than in `npm test`
 * (jest.config.js); the hand-picked bodies are in json-body.test.ts.
 */
import { prng } from '../../scripts/prng';
import { batch, entries, expectSameAsExpressJson } from '../support/json-body-oracle';

describe('parseJsonBody reads a body as express.json does', () => {
  it('the same for 3,000 mutations of a batch (bytes deleted, inserted, replaced, cut), however the body arrives', async () => {
    const rnd = prng(20261123);
    const base = Buffer.from(JSON.stringify(batch(entries.slice(0, 12))), 'utf8');
    const alphabet = Buffer.from('{}[]",:\\ a1\n\u00e6e-.', 'utf8');
    for (let n = 0; n < 3000; n++) {
      let body = Buffer.from(base);
      for (let edits = 1 + Math.floor(rnd() * 3); edits > 0; edits--) {
        const at = Math.floor(rnd() * body.length);
        const byte = alphabet[Math.floor(rnd() * alphabet.length)]!;
        const kind = rnd();
        if (kind < 0.3) body = Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
        else if (kind < 0.6) body = Buffer.concat([body.subarray(0, at), Buffer.from([byte]), body.subarray(at)]);
        else if (kind < 0.9) body[at] = byte;
        else body = body.subarray(0, at);
      }
      const cuts = [Math.floor(rnd() * body.length)];
      await expectSameAsExpressJson(body, cuts);
    }
  });
});
