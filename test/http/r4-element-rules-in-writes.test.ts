/**
 * FHIR R4's rules for the elements R4 requires (Extension.url, ext-1: an extension has a value or extensions),
 * applied alike by every write (422 at the element, nothing stored) and by $validate (an error at the same element).
 */
import type { CodeSystem, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { localCodeSystem, tokenFor } from '../support/local';
import { validateWith } from '../validation/outcome';

const JSON_TYPE = 'application/fhir+json';

let app: App;
let token101: string;

beforeAll(async () => {
  app = await testApp();
  token101 = await tokenFor({ kommunekode: '101' });
});

let n = 0;
/** A valid local CodeSystem of municipality 101, changed by `change`. */
function catalog(change: (cs: CodeSystem) => void): CodeSystem {
  const cs = localCodeSystem('101', `regler-${++n}`, [{ code: `101-${n}`, display: 'Hjælp', type: 'indsats' }]);
  change(cs);
  return cs;
}

const put = (cs: CodeSystem, lang = 'en') => request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${token101}`)
  .set('Accept-Language', lang).type(JSON_TYPE).send(cs);

function issues(res: request.Response): { severity: string; code: string; expression?: string[]; text?: string }[] {
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome.issue.map((i) => ({ severity: i.severity, code: i.code, expression: i.expression, text: i.details?.text }));
}

async function refused(cs: CodeSystem, lang = 'en') {
  const res = await put(cs, lang).expect(422);
  await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  return issues(res);
}

describe("an extension has a url, and a value or extensions (ext-1)", () => {
  it('a write with an extension without url is 422 at its url', async () => {
    const found = await refused(catalog((cs) => { cs.extension = [{ valueString: 'x' } as never]; }));
    expect(found).toEqual([expect.objectContaining({ severity: 'error', code: 'required', expression: ['CodeSystem.extension[0].url'] })]);
  });

  it('a write with an extension of neither a value nor extensions, or of both, is 422 ext-1 at the extension', async () => {
    const found = await refused(catalog((cs) => {
      cs.extension = [{ url: 'http://example.org/u' }];
      cs.concept![0]!.extension = [{ url: 'http://example.org/v', valueString: 'x', extension: [{ url: 'a', valueString: 'y' }] }];
    }));
    expect(found.map((i) => [i.code, i.expression])).toEqual([
      ['invariant', ['CodeSystem.concept[0].extension[0]']],
      ['invariant', ['CodeSystem.extension[0]']],
    ]);
    expect(found[0]!.text).toMatch(/ext-1/);
  });

  it("in a primitive's extensions and a contained resource too; R4's other required elements as well", async () => {
    const found = await refused(catalog((cs) => {
      (cs as { _status?: unknown })._status = { extension: [{ url: 'http://example.org/u' }] };
      cs.contained = [{ resourceType: 'ValueSet', id: 'vs' } as never];
    }));
    expect(found.map((i) => i.expression)).toEqual([['CodeSystem.status.extension[0]'], ['CodeSystem.contained[0].status']]);
  });

  it('an extension with a value, or with extensions, is written', async () => {
    await put(catalog((cs) => {
      cs.extension = [{ url: 'http://example.org/u', valueString: 'x' }, { url: 'http://example.org/v', extension: [{ url: 'a', valueCode: 'b' }] }];
    })).expect(201);
  });

  it('$validate reports ext-1 as the write does', async () => {
    const cs = catalog((c) => { c.extension = [{ url: 'http://example.org/u' }]; });
    const found = await validateWith(app, cs, '/fhir/CodeSystem/$validate');
    expect(found.filter((i) => i.severity === 'error').map((i) => [i.code, i.expression, i.id])).toEqual([['invariant', ['CodeSystem.extension[0]'], 'ext-1']]);
  });
});
