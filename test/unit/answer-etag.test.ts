import { etagOfAnswer as tagOfTemplateOrAnswer, etagOfCached } from '../../src/operations/caches/answer-etag';
import { expansionTemplate, expansionTemplateOf } from '../../src/operations/caches/response-cache';
import { SerializedExpansion } from '../../src/fhir/serialized';

const expansion = (identifier: string, timestamp: string) => ({
  resourceType: 'ValueSet', url: 'http://example.org/vs', status: 'active',
  expansion: { identifier, timestamp, total: 1, contains: [{ system: 'http://example.org/cs', code: 'a', display: 'Æble' }] },
});
/** The tag invoke gives an answer of this kind: an expansion's by its template (expansionTemplateOf), another's by its bytes. */
function etagOfAnswer(kind: 'answer' | 'expansion', result: unknown, answer: { text?: string; chunks: Buffer[] }) {
  const json = () => answer.text ?? Buffer.concat(answer.chunks).toString('utf8');
  return tagOfTemplateOrAnswer(kind === 'expansion' ? expansionTemplateOf(result, json) : undefined, answer);
}
const ID = 'urn:uuid:5d1c0c6e-0000-4000-8000-000000000001';
const TS = '2026-12-07T12:00:00.000Z';

describe('the ETag of an answer', () => {
  it('of an expansion is that of its text without the identifier and timestamp, as an object, serialized or kept as a template', () => {
    const object = expansion(ID, TS);
    const text = JSON.stringify(object);
    const tag = etagOfAnswer('expansion', object, { text, chunks: [] });
    expect(tag.ETag).toMatch(/^W\/"sha256-[A-Za-z0-9_-]{22}"$/);
    expect(etagOfAnswer('expansion', expansion('urn:uuid:other', '2027-01-01T00:00:00.000Z'), { text: JSON.stringify(expansion('urn:uuid:other', '2027-01-01T00:00:00.000Z')), chunks: [] })).toEqual(tag);
    expect(etagOfCached(expansionTemplate(text, ID, TS)!)).toEqual(tag);

    const body = Buffer.from(text, 'utf8');
    const serialized = new SerializedExpansion(body, ID, TS, Buffer.byteLength(text.slice(0, text.indexOf(JSON.stringify(ID))), 'utf8'));
    expect(etagOfAnswer('expansion', serialized, { chunks: [body] })).toEqual(tag);

    // another code's display is another answer
    const other = expansion(ID, TS);
    other.expansion.contains[0]!.display = 'Pære';
    expect(etagOfAnswer('expansion', other, { text: JSON.stringify(other), chunks: [] })).not.toEqual(tag);
  });

  it('of any other answer is that of all its bytes, as text or as the bytes the cache keeps', () => {
    const text = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: true }] });
    const tag = etagOfAnswer('answer', undefined, { text, chunks: [] });
    expect(etagOfCached(Buffer.from(text, 'utf8'))).toEqual(tag);
    expect(etagOfAnswer('answer', undefined, { chunks: [Buffer.from(text.slice(0, 10)), Buffer.from(text.slice(10))] })).toEqual(tag);
    // an expansion answer whose stamps cannot be told from its content is tagged by all of it
    const doubled = expansion(ID, ID);
    expect(etagOfAnswer('expansion', doubled, { text: JSON.stringify(doubled), chunks: [] })).toEqual(etagOfAnswer('answer', undefined, { text: JSON.stringify(doubled), chunks: [] }));
  });

  it('is not made for a kept not-found', () => {
    expect(etagOfCached({ status: 404, body: Buffer.from('{}') })).toBeUndefined();
  });
});
