import type { CodeSystem, Parameters } from 'fhir/r4';
import { lookupResult } from '../../src/operations/lookup-result';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';

describe('lookupResult', () => {
  it('answers no designation or property part without its value (Parameters inv-1), whatever the code system lacks', () => {
    // R4 requires both values (requests and writes are refused without them); a code system held anyway is answered without the parts
    const cs: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://example.org/cs/values', status: 'active', content: 'complete', property: [{ code: 'p', type: 'string' }],
      concept: [{
        code: 'a', display: 'A', designation: [{ language: 'de' } as never, { language: 'de', value: 'Ah' }], property: [{ code: 'p' } as never, { code: 'p', valueString: 'v' }],
      }],
    };
    const registry = new TerminologyRegistry([new ResourceSet([cs])]);
    const provider = registry.codeSystemProvider(cs.url!)!;
    const answer = JSON.parse(lookupResult(registry, provider, provider.locate('a')!, [], []).bytes.toString('utf8')) as Parameters;
    const parts = (name: string) => (answer.parameter ?? []).filter((p) => p.name === name).map((p) => p.part);
    expect(parts('designation').map((d) => d?.find((x) => x.name === 'value')?.valueString)).toEqual(['A', 'Ah']);
    expect(parts('property').filter((p) => p?.[0]?.valueCode === 'p')).toEqual([[{ name: 'code', valueCode: 'p' }, { name: 'value', valueString: 'v' }]]);
    expect(JSON.stringify(answer)).not.toContain('{"name":"value"}');
  });
});
