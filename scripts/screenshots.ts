/**
 * Screenshots of the web page's main views for the README, taken in headless Chromium against a server started
 * here (fresh store; municipality 101 gets a small local catalog first):
 *
 *   npm run screenshots [-- OUTDIR]        (default docs/)
 *
 * "Sammenlign kommuner" is taken against a second server holding the data-use example (docs/data-use/).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, CodeSystem, CodeSystemConcept, ConceptMap, ConceptMapGroupElement } from 'fhir/r4';
import type { Page } from 'playwright-core';
import { projectRoot } from '../src/config';
import { KOMMUNEKODE_SYSTEM, LOCAL_TYPE_URI, localTargetEquivalence, STATUS_PROPERTY_URI } from '../src/municipal/municipality';
import { CHROMIUM_PATH, chromiumInstalled, launchChromium } from './chromium';
import { outputFolder } from './command-line';
import { startWebServer, type WebServer } from './web-server';

const USAGE = 'usage: npm run screenshots [-- OUTDIR]   (default docs/)';
const FSIII = 'urn:oid:1.2.208.176.2.21';
const FYSISK_TRAENING_119 = 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d';

/** Municipality 101's example catalog: mapped interventions, an offer, one code not mapped, one mapped to a retired code. */
function seedBundle(): Bundle {
  const url = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser';
  const concept = (code: string, display: string, type: string, definition?: string): CodeSystemConcept => ({
    code, display, ...(definition ? { definition } : {}), property: [{ code: 'type', valueCode: type }, { code: 'status', valueCode: 'active' }],
  });
  const el = (code: string, display: string, targets: [string, string][], kind = 'indsats'): ConceptMapGroupElement => ({
    code, display, target: targets.map(([c, d]) => ({ code: c, display: d, ...localTargetEquivalence(kind) })),
  });
  const codeSystem: CodeSystem = {
    resourceType: 'CodeSystem', id: 'kommune-101-lokale-indsatser', url, version: '1.0.0', status: 'active', content: 'complete',
    name: 'Kommune101LokaleIndsatser', title: 'Kommune 101 – lokale indsatser og tilbud', caseSensitive: true,
    identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '101' }],
    property: [{ code: 'type', uri: LOCAL_TYPE_URI, type: 'code' }, { code: 'status', uri: STATUS_PROPERTY_URI, type: 'code' }],
    concept: [
      concept('101-HJERTE', 'Hjerterehabilitering', 'tilbud', 'Holdforløb for borgere med hjertesygdom.'),
      concept('101-STAVGANG', 'Stavgang', 'indsats', 'Superviseret stavgang i grupper.'),
      concept('101-RYGESTOP', 'Rygestopkursus', 'indsats'),
      concept('101-SPISEVENNER', 'Spisevenner', 'indsats', 'Fællesspisning med vejledning.'),
    ],
  };
  const conceptMap: ConceptMap = {
    resourceType: 'ConceptMap', id: 'kommune-101-lokale-indsatser', url: 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser',
    version: '1.0.0', status: 'active', identifier: { system: KOMMUNEKODE_SYSTEM, value: '101' }, sourceUri: url,
    group: [{
      source: url, sourceVersion: '1.0.0', target: FSIII,
      element: [
        el('101-HJERTE', 'Hjerterehabilitering', [['e71b7d85-5c78-49c2-8624-8499d162317b', 'Sygdomshåndtering'],
          [FYSISK_TRAENING_119, 'Fysisk træning'], ['c9a99304-1788-43b7-b7be-e187b092ae9c', 'Kostvejledning']], 'tilbud'),
        el('101-STAVGANG', 'Stavgang', [[FYSISK_TRAENING_119, 'Fysisk træning']]),
        el('101-RYGESTOP', 'Rygestopkursus', [['c203c6b5-3be0-40a8-8204-e93751deabf5', 'Tobaksafvænning']]),
      ],
    }],
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { request: { method: 'PUT', url: 'CodeSystem/kommune-101-lokale-indsatser' }, resource: codeSystem },
      { request: { method: 'PUT', url: 'ConceptMap/kommune-101-lokale-indsatser' }, resource: conceptMap },
    ],
  };
}

async function seed(server: WebServer): Promise<void> {
  const res = await fetch(server.fhirBase, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await server.token('101')}` },
    body: JSON.stringify(seedBundle()),
  });
  if (!res.ok) throw new Error(`seeding municipality 101 failed: ${res.status} ${await res.text()}`);
}

async function shot(page: Page, file: string, fullPage = false): Promise<void> {
  await page.evaluate('document.fonts.ready');
  await page.screenshot({ path: file, fullPage });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

const DATA_USE = path.join(projectRoot(), 'docs', 'data-use');

/** The data-use example's local catalogs of 101 and 147 (370 is published), imported as each municipality would. */
async function importDataUse(server: WebServer): Promise<void> {
  for (const kommunekode of ['101', '147']) {
    const csv = fs.readFileSync(path.join(DATA_USE, `kommune-${kommunekode}.csv`), 'utf8');
    const res = await fetch(`${server.fhirBase}/CodeSystem/$import-local`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await server.token(kommunekode)}` },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }] }),
    });
    if (!res.ok) throw new Error(`importing kommune-${kommunekode}.csv failed: ${res.status} ${await res.text()}`);
  }
}

/** "Sammenlign kommuner" with the example's counts rolled up: on a laptop and 390 px wide. */
async function compareShots(out: string): Promise<void> {
  const server = await startWebServer();
  const browser = await launchChromium({ width: 1440, height: 900 });
  try {
    await importDataUse(server);
    const page = await browser.context.newPage();
    for (const [file, width] of [['web-sammenlign.png', 1440], ['web-sammenlign-390.png', 390]] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${server.origin}/app/#/sammenlign/119`);
      await page.getByRole('table', { name: /^§119 Forebyggelse: lokale koder/ }).waitFor();
      await page.getByLabel('Tællinger (CSV-fil)').setInputFiles(path.join(DATA_USE, 'taellinger-2026-k1.csv'));
      await page.getByRole('button', { name: 'Tæl op' }).click();
      await page.getByRole('img', { name: /Dokumenterede indsatser/ }).waitFor();
      await shot(page, path.join(out, file), true);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

async function main(): Promise<void> {
  if (!chromiumInstalled()) throw new Error(`no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  const out = outputFolder(USAGE, path.join(projectRoot(), 'docs'));
  fs.mkdirSync(out, { recursive: true });
  const server = await startWebServer();
  const browser = await launchChromium({ width: 1440, height: 900 });
  try {
    await seed(server);
    const page = await browser.context.newPage();
    // Leaving the editor with what the script typed: yes, leave (the page asks, as it should).
    page.on('dialog', (d) => void d.accept());
    const app = `${server.origin}/app/`;

    await page.goto(`${app}#/kataloger/119/${FYSISK_TRAENING_119}`);
    await page.getByRole('article').getByRole('heading', { name: 'Formål' }).waitFor();
    await page.getByRole('article').getByText('Næstved Kommune').waitFor();
    await shot(page, path.join(out, 'web-kataloger.png'));

    // bilag 6's three scenarios in the catalog view (the example municipality 370)
    const local370 = encodeURIComponent('http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser');
    await page.goto(`${app}#/kataloger/kommune-370-tilbud/370-KOL-REHAB/${local370}`);
    await page.getByRole('button', { name: 'Fold ud: KOL rehabilitering' }).click();
    await page.getByRole('list', { name: 'Tilbud og deres indsatser: begreber' }).getByRole('link', { name: 'Kostvejledning' }).waitFor();
    await page.getByRole('article').getByRole('heading', { name: 'KOL rehabilitering' }).waitFor();
    await shot(page, path.join(out, 'web-bilag6-scenarie1.png'));

    await page.goto(`${app}#/kataloger/119`);
    await page.getByRole('list', { name: '§119 Forebyggelse: begreber' }).getByRole('link', { name: 'Samtale om alkohol' }).waitFor();
    await shot(page, path.join(out, 'web-bilag6-scenarie2.png'));

    await page.goto(`${app}#/kataloger/kommune-370-indsatsvaelger/370-BOLDSPIL/${local370}`);
    await page.getByRole('list', { name: 'Vælg indsats (niveau 1–3): begreber' }).getByRole('link', { name: 'Boldspil' }).waitFor();
    await page.getByRole('button', { name: 'Fold ud: Sygdomshåndtering' }).click();
    await page.getByRole('article').getByRole('heading', { name: 'Boldspil' }).waitFor();
    await shot(page, path.join(out, 'web-bilag6-scenarie3.png'));

    await page.goto(`${app}#/kataloger/fsiii`);
    await page.getByLabel('Søg i Hele FSIII').fill('faerdig');
    await page.getByRole('list', { name: 'Søgeresultater' }).getByRole('link').first().waitFor();
    await page.getByRole('list', { name: 'Søgeresultater' }).getByRole('link', { name: 'Færdighedstræning' }).click();
    await page.getByRole('article').getByRole('heading', { name: 'Anvendes i' }).waitFor();
    await shot(page, path.join(out, 'web-soeg.png'));

    await page.goto(`${app}#/kommune`);
    await page.getByLabel('Kommunens token').fill(await server.token('101'));
    await page.getByRole('button', { name: 'Log ind' }).click();
    await page.getByRole('heading', { name: 'Dækning' }).waitFor();
    await shot(page, path.join(out, 'web-kommune.png'), true);

    await page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
    await page.getByLabel('Lokal kode').fill('101-BOLDSPIL');
    await page.getByLabel('Titel').fill('Boldspil for seniorer');
    await page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
    await page.getByLabel('Søg', { exact: true }).fill('fysisk');
    await page.locator('fieldset.candidates[data-search-ms]').waitFor();
    await page.getByRole('radio', { name: 'Fysisk træning' }).check();
    await page.locator('.picker-preview').getByRole('heading', { name: 'Eksempler' }).waitFor();
    await shot(page, path.join(out, 'web-rediger.png'), true);

    await page.goto(`${app}#/import`);
    const csv = ['kode;titel;type;maal', `101-BOLD;Boldspil;indsats;${FYSISK_TRAENING_119}`, '101-SVOEM;Svømning;forløb;Fysisk træning',
      '101-BOLD;Boldspil igen;indsats;Kostvejledning', ''].join('\n');
    await page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale-indsatser.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.getByLabel('Katalogets navn').fill('import-eksempel');
    await page.getByRole('button', { name: 'Vis ændringer' }).click();
    await page.getByRole('alert').getByText('Ikke importeret').waitFor();
    await shot(page, path.join(out, 'web-import.png'));

    // The main views on a phone (390 px, whole page) and on a common laptop screen (1366 px).
    for (const [width, height] of [[390, 844], [1366, 768]] as const) {
      await page.setViewportSize({ width, height });
      const phone = width === 390;
      await page.goto(`${app}#/kataloger/119/${FYSISK_TRAENING_119}`);
      await page.getByRole('article').getByRole('heading', { name: 'Formål' }).waitFor();
      await shot(page, path.join(out, `web-${width}-kataloger.png`), phone);
      await page.goto(`${app}#/kommune`);
      await page.getByRole('heading', { name: 'Dækning' }).waitFor();
      await shot(page, path.join(out, `web-${width}-kommune.png`), phone);
      await page.goto(`${app}#/kommune/ny`);
      await page.getByLabel('Søg', { exact: true }).fill('fysisk');
      await page.locator('fieldset.candidates[data-search-ms]').waitFor();
      await page.getByRole('radio', { name: 'Fysisk træning' }).first().check();
      await page.locator('.picker-preview').getByRole('heading', { name: 'Eksempler' }).waitFor();
      await shot(page, path.join(out, `web-${width}-rediger.png`), phone);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  await compareShots(out);
}

main().catch((e: unknown) => {
  console.error(`screenshots failed: ${(e as Error).message}`);
  process.exit(1);
});
