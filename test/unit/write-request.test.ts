/**
 * Which requests are writes (src/write/interactions.ts, isWriteRequest): their messages are read by municipal staff
 * and follow the Danish-unless-English rule; every other request the server's own (test/http/danish-messages.test.ts).
 */
import { isWriteRequest } from '../../src/write/interactions';

describe('isWriteRequest', () => {
  it.each([
    ['PUT', '/CodeSystem/kommune-101-x'],
    ['DELETE', '/ValueSet/kommune-101-x'],
    ['PATCH', '/ConceptMap/kommune-101-x'],
    ['POST', '/CodeSystem'],
    ['POST', '/ConceptMap/'],
    ['PUT', '/CodeSystem'],
    ['DELETE', '/ValueSet'],
  ])('%s %s is a write', (method, path) => {
    expect(isWriteRequest(method, path, undefined)).toBe(true);
  });

  it.each([
    ['GET', '/CodeSystem/kommune-101-x'],
    ['HEAD', '/CodeSystem/kommune-101-x'],
    ['OPTIONS', '/CodeSystem/kommune-101-x'],
    ['POST', '/CodeSystem/kommune-101-x'],
    ['POST', '/CodeSystem/$lookup'],
    ['POST', '/CodeSystem/kommune-101-x/$validate-code'],
    ['POST', '/CodeSystem/$import-local'],
    ['POST', '/ValueSet/_search'],
    ['DELETE', '/CodeSystem/_history'],
    ['PUT', '/CodeSystem/x/_history/1'],
    ['POST', '/$validate'],
    ['PUT', '/Patient/1'],
    ['POST', '/StructureDefinition'],
    ['GET', '/'],
  ])('%s %s is not', (method, path) => {
    expect(isWriteRequest(method, path, undefined)).toBe(false);
  });

  it('a POST of the base is a write when its body is a transaction, not when it is a batch or unread', () => {
    expect(isWriteRequest('POST', '', { resourceType: 'Bundle', type: 'transaction' })).toBe(true);
    expect(isWriteRequest('POST', '/', { resourceType: 'Bundle', type: 'transaction' })).toBe(true);
    expect(isWriteRequest('POST', '', { resourceType: 'Bundle', type: 'batch' })).toBe(false);
    expect(isWriteRequest('POST', '', undefined)).toBe(false);
    expect(isWriteRequest('GET', '', { type: 'transaction' })).toBe(false);
  });
});
