import { wantsBinaryResource } from '../../src/fhir/fhir-format';

/** Which representation of content in a media type of its own a request asks for: the content, or its Binary resource. */
describe('wantsBinaryResource', () => {
  const GZIP = 'application/gzip';

  it('gives the content to a request that does not ask for FHIR: no Accept, any type, the content type itself', () => {
    for (const accept of [undefined, '', '*/*', GZIP, 'application/*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', `${GZIP}, application/fhir+json;q=0.5`]) {
      expect([accept, wantsBinaryResource(undefined, accept, GZIP)]).toEqual([accept, false]);
    }
  });

  it('gives the Binary resource to a request preferring a JSON type, as FHIR clients send it, or naming JSON in _format', () => {
    for (const accept of ['application/fhir+json', 'application/json', 'application/fhir+json;fhirVersion=4.0', `application/fhir+json, ${GZIP};q=0.5`, 'application/fhir+json, */*;q=0.8']) {
      expect([accept, wantsBinaryResource(undefined, accept, GZIP)]).toEqual([accept, true]);
    }
    for (const format of ['json', 'application/fhir+json', 'application/json']) expect(wantsBinaryResource(format, GZIP, GZIP)).toBe(true);
    expect(wantsBinaryResource('csv', 'application/fhir+json', GZIP)).toBe(false);
  });
});
