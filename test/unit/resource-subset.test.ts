import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { FhirError } from '../../src/errors/fhir-error';
import { readSubset, requestedSubset, subsetter } from '../../src/fhir/resource-subset';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

const plain = (): CodeSystem => ({ resourceType: 'CodeSystem', id: 'p', language: 'da', url: 'http://x.org/p', status: 'active', content: 'complete',
  description: 'd', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">p</div>' }, concept: [{ code: 'a' }] });

/** A packed catalog's shape: its concepts a getter that parses (here: fails) on each read. */
function packed(): CodeSystem {
  const cs = plain();
  Object.defineProperty(cs, 'concept', { enumerable: true, get: () => { throw new Error('parsed'); } });
  return cs;
}
const keysOf = (query: Record<string, unknown>) => Object.keys(readSubset(packed(), query));

describe('_summary and _elements (R4 search §3.1.1.5.8–9)', () => {
  it('true keeps the Σ elements and the mandatory ones, without reading the others', () => {
    expect(keysOf({ _summary: 'true' })).toEqual(['resourceType', 'id', 'url', 'status', 'content', 'meta']);
  });

  it('text keeps the narrative, id, meta and the mandatory elements; data all but the narrative', () => {
    expect(keysOf({ _summary: 'text' })).toEqual(['resourceType', 'id', 'status', 'content', 'text', 'meta']);
    expect(Object.keys(readSubset(plain(), { _summary: 'data' }))).toEqual(['resourceType', 'id', 'language', 'url', 'status', 'content', 'description', 'concept', 'meta']);
  });

  it('_elements keeps the named elements and the mandatory ones; an unknown name is absent; it wins over _summary', () => {
    expect(keysOf({ _elements: 'description,no-such' })).toEqual(['resourceType', 'id', 'status', 'content', 'description', 'meta']);
    expect(keysOf({ _elements: 'url', _summary: 'true' })).toEqual(['resourceType', 'id', 'url', 'status', 'content', 'meta']);
  });

  it("a choice element by its name or its JSON key, and a primitive's extensions with it", () => {
    const map = { resourceType: 'ConceptMap', id: 'm', status: 'active', sourceUri: 'http://x.org/s', targetCanonical: 'http://x.org/t',
      _sourceUri: { extension: [] }, group: [] } as unknown as ConceptMap;
    expect(Object.keys(subsetter<ConceptMap>('ConceptMap', { kind: 'elements', names: new Set(['source']) })(map)))
      .toEqual(['resourceType', 'id', 'status', 'sourceUri', '_sourceUri', 'meta']);
    expect(Object.keys(subsetter<ConceptMap>('ConceptMap', { kind: 'elements', names: new Set(['targetCanonical']) })(map)))
      .toEqual(['resourceType', 'id', 'status', 'targetCanonical', 'meta']);
    expect(Object.keys(subsetter<ConceptMap>('ConceptMap', { kind: 'true' })(map))).toEqual(['resourceType', 'id', 'status', 'sourceUri', 'targetCanonical', '_sourceUri', 'meta']);
  });

  it('tags the subset SUBSETTED, keeping the tags and the version it had', () => {
    const cs: CodeSystem = { ...plain(), meta: { versionId: '3', tag: [{ system: 'http://x.org/tags', code: 't' }] } };
    expect(readSubset(cs, { _summary: 'true' }).meta).toEqual({ versionId: '3', tag: [{ system: 'http://x.org/tags', code: 't' }, SUBSETTED] });
    expect(readSubset({ ...cs, meta: { tag: [SUBSETTED] } }, { _summary: 'true' }).meta).toEqual({ tag: [SUBSETTED] });
  });

  it('the whole resource without either, or with _summary=false', () => {
    const cs = packed();
    expect(readSubset(cs, {})).toBe(cs);
    expect(readSubset(cs, { _summary: 'false' })).toBe(cs);
  });

  it('count is a search\'s only; another value is refused', () => {
    expect(requestedSubset({ _summary: 'count', _elements: 'url' }, true)).toBe('count');
    expect(() => requestedSubset({ _summary: 'count' }, false)).toThrow(FhirError);
    expect(() => requestedSubset({ _summary: 'yes' }, true)).toThrow("_summary must be true, false, count, data or text, not 'yes'");
  });
});
