import type { CodeSystem, Parameters, ParametersParameter, ValueSet } from 'fhir/r4';
import request from 'supertest';
import { FSIII } from '../support/catalogs';
import { useRunningServer } from '../support/server';

/**
 * The language of a code system's own displays: what CodeSystem.language says; Danish for KL's catalogs and this
 * server's, which KL publishes without it; not known for any other code system that does not say.
 */
const server = useRunningServer();
const URL = 'http://example.org/fhir/CodeSystem/no-language';
const AFKLARENDE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';

const codeSystem = (language?: string): CodeSystem => ({
  resourceType: 'CodeSystem', url: URL, version: '1', status: 'active', content: 'complete', ...(language ? { language } : {}),
  concept: [{ code: 'A', display: 'Alpha', designation: [{ language: 'da', value: 'Alfa' }, { language: 'de', value: 'Alpha-de' }] }],
});

const post = (operation: string, parameter: ParametersParameter[]) => request(server.app).post(`/fhir/${operation}`)
  .set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Parameters', parameter }));

/** The language of the designation that is the code system's display ($lookup). */
function displayDesignationLanguage(answer: Parameters, display: string): string | undefined {
  const designation = answer.parameter?.filter((p) => p.name === 'designation')
    .find((d) => d.part?.some((p) => p.name === 'value' && p.valueString === display));
  expect(designation).toBeDefined();
  return designation!.part?.find((p) => p.name === 'language')?.valueCode;
}

describe('the language of a code system\'s displays', () => {
  it('is not said by $lookup of a code system that does not state it, and is when it does', async () => {
    const without = (await post('CodeSystem/$lookup', [{ name: 'system', valueUri: URL }, { name: 'code', valueCode: 'A' }, { name: 'tx-resource', resource: codeSystem() }]).expect(200)).body as Parameters;
    expect(displayDesignationLanguage(without, 'Alpha')).toBeUndefined();
    const english = (await post('CodeSystem/$lookup', [{ name: 'system', valueUri: URL }, { name: 'code', valueCode: 'A' }, { name: 'tx-resource', resource: codeSystem('en') }]).expect(200)).body as Parameters;
    expect(displayDesignationLanguage(english, 'Alpha')).toBe('en');
  });

  it('is Danish for KL\'s catalogs, which KL publishes without it', async () => {
    const answer = (await request(server.app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: AFKLARENDE, property: 'designation' }).expect(200)).body as Parameters;
    expect(displayDesignationLanguage(answer, 'Afklarende samtale')).toBe('da');
  });

  it('lets $expand with displayLanguage=da show the Danish designation of a code system that does not state its language', async () => {
    const valueSet: ValueSet = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: URL }] } };
    const expand = async (displayLanguage: string, cs: CodeSystem) => ((await post('ValueSet/$expand', [
      { name: 'valueSet', resource: valueSet }, { name: 'displayLanguage', valueCode: displayLanguage }, { name: 'tx-resource', resource: cs },
    ]).expect(200)).body as ValueSet).expansion?.contains?.[0]?.display;
    expect(await expand('da', codeSystem())).toBe('Alfa');
    expect(await expand('de', codeSystem())).toBe('Alpha-de');
    // a code system in Danish shows its own display
    expect(await expand('da', codeSystem('da'))).toBe('Alpha');
  });
});
