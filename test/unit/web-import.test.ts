import type { OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { outcomeIssues } from '../../web/src/fhir';
import { importIssues, largestImportFile, removalNotice } from '../../web/src/import-plan';
import { testApp } from '../support/app';
import { CODES, tokenFor } from '../support/local';

/** The web page's reading of an $import-local answer, and the largest file it sends. */
let app: App;

beforeAll(async () => {
  app = await testApp();
});

async function importAnswer(rows: string[]): Promise<OperationOutcome> {
  const token = await tokenFor({ kommunekode: '230' });
  const res = await request(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).set('Accept-Language', 'da')
    .type('application/fhir+json')
    .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: ['kode;titel;type;maal', ...rows].join('\n') }] });
  return res.body as OperationOutcome;
}

it('counts every error of a refused import, also those the server does not list', async () => {
  const shown = importIssues(outcomeIssues(await importAnswer(Array.from({ length: 150 }, (_, i) => `230-R${i};R${i}`))));
  expect(shown.listed).toHaveLength(100);
  expect(shown.summary).toBe('Ikke importeret: 150 fejl; intet blev gemt.');
  expect(shown.omitted).toBe('… og 50 problemer mere, som ikke er vist (kun 100 vises: de alvorligste)');
});

it('lists the errors of a small refused import, none left out', async () => {
  const shown = importIssues(outcomeIssues(await importAnswer(['230-A;A', `230-B;B;indsats;${CODES.kostvejledning}`])));
  expect(shown.listed.map((i) => i.line)).toEqual([2]);
  expect(shown.summary).toBe('Ikke importeret: 1 fejl; intet blev gemt.');
  expect(shown.omitted).toBeUndefined();
});

it('counts the errors itself, in Danish numbers, when the server does not', () => {
  const issues = Array.from({ length: 1200 }, (_, i) => ({ severity: 'error' as const, text: 'x', line: i + 2 }));
  expect(importIssues(issues).summary).toBe('Ikke importeret: 1.200 fejl; intet blev gemt.');
  expect(importIssues([]).summary).toBeUndefined();
});

it('sends a file only when its base64 form fits in the server\'s body limit', () => {
  const limit = 10 * 1024 * 1024;
  const largest = largestImportFile(limit);
  expect(largest).toBeGreaterThan(7.4 * 1024 * 1024);
  expect(4 * Math.ceil(largest / 3) + 4096).toBeLessThanOrEqual(limit);
  expect(largestImportFile(1024)).toBe(0);
});

it('says why codes are deleted in Danish grammar, for one code and for many, naming those made in the editor', () => {
  const sentence = (removed: number, editorMade: number) => {
    const { lead, rest } = removalNotice(removed, editorMade);
    return lead + rest;
  };
  expect(sentence(1, 0)).toBe('1 kode slettes fra kataloget, fordi den ikke er i filen. Vælg »Flet«, hvis den skal bevares.');
  expect(sentence(1, 1)).toBe('1 kode slettes fra kataloget, fordi den ikke er i filen; den er oprettet i redigeringen (ikke ved en import). Vælg »Flet«, hvis den skal bevares.');
  expect(sentence(3, 0)).toBe('3 koder slettes fra kataloget, fordi de ikke er i filen. Vælg »Flet«, hvis de skal bevares.');
  expect(sentence(3, 3)).toBe('3 koder slettes fra kataloget, fordi de ikke er i filen; de er alle oprettet i redigeringen (ikke ved en import). Vælg »Flet«, hvis de skal bevares.');
  expect(sentence(1200, 1)).toBe('1.200 koder slettes fra kataloget, fordi de ikke er i filen; 1 af dem er oprettet i redigeringen (ikke ved en import). Vælg »Flet«, hvis de skal bevares.');
});
