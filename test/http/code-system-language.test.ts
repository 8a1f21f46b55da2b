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

describe('the display for a language, as $lookup, $expand and $validate-code show it', () => {
  const SYSTEM = 'http://example.org/cs/pref';
  // English, with a German synonym, the display preferred for German, and an Austrian one
  const pref: CodeSystem = {
    resourceType: 'CodeSystem', url: SYSTEM, status: 'active', content: 'complete', language: 'en',
    concept: [{
      code: 'a', display: 'Heart attack', designation: [
        { language: 'de', use: { system: 'http://snomed.info/sct', code: '900000000000013009' }, value: 'Herzanfall' },
        { language: 'de', use: { system: 'http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra', code: 'preferredForLanguage' }, value: 'Herzinfarkt' },
        { language: 'de-AT', value: 'Infarkt AT' },
      ],
    }],
  };
  const vs: ValueSet = { resourceType: 'ValueSet', url: 'http://example.org/vs/pref', status: 'active', compose: { include: [{ system: SYSTEM }] } };
  const txResource: ParametersParameter = { name: 'tx-resource', resource: pref };
  const displayOf = (answer: Parameters) => answer.parameter?.find((p) => p.name === 'display')?.valueString;

  async function shown(language: string): Promise<(string | undefined)[]> {
    const displayLanguage: ParametersParameter = { name: 'displayLanguage', valueCode: language };
    const lookup = await post('CodeSystem/$lookup', [{ name: 'system', valueUri: SYSTEM }, { name: 'code', valueCode: 'a' }, displayLanguage, txResource]).expect(200);
    const expand = await post('ValueSet/$expand', [{ name: 'valueSet', resource: vs }, displayLanguage, txResource]).expect(200);
    const validate = await post('ValueSet/$validate-code', [
      { name: 'valueSet', resource: vs }, { name: 'system', valueUri: SYSTEM }, { name: 'code', valueCode: 'a' }, displayLanguage, txResource,
    ]).expect(200);
    return [displayOf(lookup.body), (expand.body as ValueSet).expansion?.contains?.[0]?.display, displayOf(validate.body)];
  }

  it('is the one preferred for the language among several in it, and the one in the very tag asked for, in every operation', async () => {
    expect(await shown('de')).toEqual(['Herzinfarkt', 'Herzinfarkt', 'Herzinfarkt']);
    expect(await shown('de-AT')).toEqual(['Infarkt AT', 'Infarkt AT', 'Infarkt AT']);
  });
});
