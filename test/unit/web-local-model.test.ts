import type { Bundle, CodeSystem, ConceptMap } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import {
  checkDraft, entryMatches, localEntries, newCodeSystem, newConceptMap, saveBundle, suggestName, withConcept, withMapping, type Draft,
} from '../../web/src/local-model';
import { searchTerms } from '../../web/src/catalog-search';
import { FSIII, FFB, testApp } from '../support/app';
import { CODES, tokenFor } from '../support/local';

/** The web page's editor model: what it writes must pass the server's write validation, as the CSV import's does. */

let app: App;
let token: string;

beforeAll(async () => {
  app = await testApp();
  token = await tokenFor({ kommunekode: '461' });
});

async function save(bundle: Bundle): Promise<request.Response> {
  return request(app).post('/fhir').set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(bundle);
}

async function read<T>(path: string): Promise<T> {
  return (await request(app).get(`/fhir/${path}`).expect(200)).body as T;
}

const draft = (d: Partial<Draft>): Draft => ({ code: '', display: '', definition: '', kind: '', status: 'active', targets: [], ...d });

describe('editing a local catalog', () => {
  it('creates a new catalog and map that the server accepts and translates', async () => {
    const cs = withConcept(newCodeSystem('461', 'lokale-indsatser'), { code: '461-BOLD', display: 'Boldspil', kind: 'indsats', status: 'active' });
    const cm = withMapping(newConceptMap('461', 'lokale-indsatser', cs), cs, '461-BOLD', 'Boldspil', 'indsats',
      [{ system: FSIII, code: CODES.fysiskTraening119, display: 'Fysisk træning' }]);
    const res = await save(saveBundle(cs, cm, {}));
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);
    const t = await request(app).get('/fhir/ConceptMap/$translate')
      .query({ system: 'http://faelles-tx.dk/fhir/kommune/461/CodeSystem/lokale-indsatser', code: '461-BOLD' }).expect(200);
    expect(JSON.stringify(t.body)).toContain(CODES.fysiskTraening119);
  });

  it('adds an offer with targets in two code systems and edits an intervention, each write conditional on the version read', async () => {
    const cs1 = await read<CodeSystem>('CodeSystem/kommune-461-lokale-indsatser');
    const cm1 = await read<ConceptMap>('ConceptMap/kommune-461-lokale-indsatser');
    const cs2 = withConcept(cs1, { code: '461-KOL', display: 'KOL-forløb', kind: 'tilbud', status: 'active', definition: 'Et forløb' });
    const ffbCode = ((await read<{ expansion: { contains: { code: string }[] } }>('ValueSet/ffb-sociale-tilbud/$expand')).expansion.contains[0]!).code;
    const cm2 = withMapping(cm1, cs2, '461-KOL', 'KOL-forløb', 'tilbud', [
      { system: FSIII, code: CODES.sygdomshaandtering }, { system: FSIII, code: CODES.kostvejledning }, { system: FFB, code: ffbCode },
    ]);
    expect(cm2.group?.map((g) => g.target)).toEqual([FSIII, FFB]);
    expect(cm2.group?.[0]?.element.find((e) => e.code === '461-KOL')?.target?.map((t) => t.equivalence)).toEqual(['inexact', 'inexact']);
    expect((await save(saveBundle(cs2, cm2, { codeSystem: cs1, conceptMap: cm1 }))).status).toBe(200);

    // Someone else's copy (read at version 1) is refused: 412, nothing changes.
    const stale = withConcept(cs1, { code: '461-NY', display: 'Ny', kind: 'indsats', status: 'active' });
    const staleMap = withMapping(cm1, stale, '461-NY', 'Ny', 'indsats', [{ system: FSIII, code: CODES.nikotin }]);
    expect((await save(saveBundle(stale, staleMap, { codeSystem: cs1, conceptMap: cm1 }))).status).toBe(412);

    // Re-targeting an intervention replaces its one target.
    const cs3 = await read<CodeSystem>('CodeSystem/kommune-461-lokale-indsatser');
    const cm3 = await read<ConceptMap>('ConceptMap/kommune-461-lokale-indsatser');
    const cs4 = withConcept(cs3, { code: '461-BOLD', display: 'Boldspil (hold)', kind: 'indsats', status: 'active' });
    const cm4 = withMapping(cm3, cs4, '461-BOLD', 'Boldspil (hold)', 'indsats', [{ system: FSIII, code: CODES.fysiskTraening140 }]);
    expect((await save(saveBundle(cs4, cm4, { codeSystem: cs3, conceptMap: cm3 }))).status).toBe(200);

    const entries = localEntries(await read<CodeSystem>('CodeSystem/kommune-461-lokale-indsatser'), [await read<ConceptMap>('ConceptMap/kommune-461-lokale-indsatser')]);
    expect(entries.map((e) => [e.code, e.display, e.kind, e.targets.map((t) => t.code)])).toEqual([
      ['461-BOLD', 'Boldspil (hold)', 'indsats', [CODES.fysiskTraening140]],
      ['461-KOL', 'KOL-forløb', 'tilbud', [CODES.sygdomshaandtering, CODES.kostvejledning, ffbCode]],
    ]);
  });

  it('leaves the rules to the server: an intervention with two targets is refused (422)', async () => {
    const cs = await read<CodeSystem>('CodeSystem/kommune-461-lokale-indsatser');
    const cm = await read<ConceptMap>('ConceptMap/kommune-461-lokale-indsatser');
    const two = withMapping(cm, cs, '461-BOLD', 'Boldspil', 'indsats', [{ system: FSIII, code: CODES.fysiskTraening119 }, { system: FSIII, code: CODES.nikotin }]);
    const res = await save(saveBundle(cs, two, { codeSystem: cs, conceptMap: cm }));
    expect(res.status).toBe(422);
  });
});

describe('the editor checks before saving, in Danish', () => {
  const cs = withConcept(newCodeSystem('461', 'x'), { code: '461-A', display: 'A', kind: 'indsats', status: 'active' });

  it('asks for code, title, type and the right number of targets', () => {
    expect(checkDraft(draft({}), undefined, true)).toEqual([
      'Giv den lokale indsats en kode.', 'Giv den lokale indsats en titel.', 'Vælg om det er en indsats eller et tilbud.',
    ]);
    expect(checkDraft(draft({ code: '461-B', display: 'B', kind: 'indsats' }), cs, true)).toEqual([
      'En lokal indsats kobles til præcis én fælleskommunal indsats (niveau 2); der er valgt 0.',
    ]);
    expect(checkDraft(draft({ code: '461-B', display: 'B', kind: 'tilbud' }), cs, true)).toEqual(['Et tilbud kobles til mindst én fælleskommunal indsats.']);
    expect(checkDraft(draft({ code: '461-A', display: 'A', kind: 'indsats', targets: [{ system: FSIII, code: 'x' }] }), cs, true)[0]).toContain('findes allerede');
    expect(checkDraft(draft({ code: '461-A', display: 'A', kind: 'indsats', targets: [{ system: FSIII, code: 'x' }] }), cs, false)).toEqual([]);
  });

  it('limits a title to 250 characters (counted as letters, so æ, ø and å count once)', () => {
    const ok = { code: '461-B', kind: 'indsats' as const, targets: [{ system: FSIII, code: 'x' }] };
    expect(checkDraft(draft({ ...ok, display: 'Æ'.repeat(250) }), cs, true)).toEqual([]);
    expect(checkDraft(draft({ ...ok, display: `  ${'ø'.repeat(250)}  ` }), cs, true)).toEqual([]);
    expect(checkDraft(draft({ ...ok, display: 'Æ'.repeat(3000) }), cs, true)).toEqual([
      'Titlen er længere end 250 tegn; forkort den, og skriv en længere forklaring i beskrivelsen.',
    ]);
  });

  it('suggests a free catalog name', () => {
    expect(suggestName([])).toBe('lokale-indsatser');
    expect(suggestName([newCodeSystem('370', 'lokale-indsatser'), newCodeSystem('370', 'lokale-indsatser-2')])).toBe('lokale-indsatser-3');
  });
});

describe("the filter of Min kommune's tables", () => {
  const entry = { code: '101-SMØR', display: 'Smørrebrødskursus for ældre', status: 'active', targets: [{ system: FSIII, code: 'c1', display: 'Madlavning i praksis' }] };

  it('folds æ, ø and å as the catalog search does, and needs every word', () => {
    expect(entryMatches(entry, searchTerms('smoer'))).toBe(true);
    expect(entryMatches(entry, searchTerms('SMØR'))).toBe(true);
    expect(entryMatches(entry, searchTerms('aeldre smørrebrød'))).toBe(true);
    expect(entryMatches(entry, searchTerms('101-smoer'))).toBe(true);
    expect(entryMatches(entry, searchTerms('madlavning'))).toBe(true);
    expect(entryMatches(entry, searchTerms('smoer yngre'))).toBe(false);
    expect(entryMatches(entry, searchTerms(''))).toBe(true);
  });
});
