/**
 * Screenshots of the linking flow at a phone's and a laptop's width (390 px and 1366 px): search in the catalog text,
 * choosing a target with its catalog named, the import's plan with codes to be deleted, and the warnings after a
 * save. Headless Chromium against a server started here (fresh store; municipality 101 imports a small catalog first).
 *
 *   npm run screenshots:flow [-- OUTDIR]        (default docs/)
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { projectRoot } from '../src/config';
import { CHROMIUM_PATH, chromiumInstalled, launchChromium } from './chromium';
import { outputFolder } from './command-line';
import { startWebServer, type WebServer } from './web-server';

const USAGE = 'usage: npm run screenshots:flow [-- OUTDIR]   (default docs/)';
const FYSISK_TRAENING_119 = 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d';
const KOSTVEJLEDNING = 'c9a99304-1788-43b7-b7be-e187b092ae9c';

const WIDTHS = [{ width: 390, height: 844 }, { width: 1366, height: 768 }];

async function importCsv(server: WebServer, csv: string): Promise<void> {
  const res = await fetch(`${server.fhirBase}/CodeSystem/$import-local`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await server.token('101')}` },
    body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }] }),
  });
  if (!res.ok) throw new Error(`seeding municipality 101 failed: ${res.status} ${await res.text()}`);
}

async function shot(page: Page, file: string): Promise<void> {
  await page.evaluate('document.fonts.ready');
  await page.screenshot({ path: file, fullPage: true });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

async function views(server: WebServer, page: Page, out: string, width: number): Promise<void> {
  const app = `${server.origin}/app/`;
  // Leaving the editor with what the script typed: yes, leave (the page asks, as it should).
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${app}#/kataloger/140`);
  await page.getByLabel('Søg i §140 Genoptræning').fill('gang');
  await page.getByRole('list', { name: 'Søgeresultater' }).getByText('Funktionstræning').waitFor();
  await shot(page, path.join(out, `web-soeg-tekst-${width}.png`));

  await page.goto(`${app}#/kommune`);
  await page.getByLabel('Kommunens token').fill(await server.token('101'));
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).waitFor();

  await page.goto(`${app}#/kommune/ny`);
  await page.getByLabel('Lokal kode').fill('101-GENOPTRAEN');
  await page.getByLabel('Titel').fill('Genoptræning på hold');
  await page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
  await page.getByLabel('Katalog', { exact: true }).selectOption('fsiii');
  await page.getByLabel('Søg', { exact: true }).fill('fysisk træning');
  await page.locator('fieldset.candidates').getByRole('radio', { name: 'Fysisk træning §140' }).check();
  await page.locator('.picker-preview').getByRole('heading', { name: 'Eksempler' }).waitFor();
  await shot(page, path.join(out, `web-vaelg-maal-${width}.png`));

  await page.goto(`${app}#/kommune/ny`);
  await page.getByLabel('Lokal kode').fill(`101-RYGESTOP-${width}`);
  await page.getByLabel('Titel').fill('Rygestop');
  await page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
  await page.getByLabel('Katalog', { exact: true }).selectOption('fsiii');
  await page.getByLabel('Søg', { exact: true }).fill('tobaksafvænning');
  await page.locator('fieldset.candidates').getByRole('radio', { name: /^Tobaksafvænning/ }).check();
  await page.locator('.picker-preview').getByRole('button', { name: /Brug i stedet/ }).waitFor();
  await page.getByRole('button', { name: 'Gem' }).click();
  await page.locator('.save-warnings').getByRole('button', { name: /Brug i stedet/ }).waitFor();
  await shot(page, path.join(out, `web-advarsel-${width}.png`));

  await page.goto(`${app}#/import`);
  const csv = ['kode;titel;type;maal', `101-BOLD;Boldspil for seniorer;indsats;${FYSISK_TRAENING_119}`, `101-KOST;Kostvejledning;indsats;${KOSTVEJLEDNING}`,
    `101-NY;Ny indsats;indsats;${KOSTVEJLEDNING}`, ''].join('\n');
  await page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale-indsatser.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('radio', { name: /Erstat/ }).check();
  await page.getByRole('button', { name: 'Vis ændringer' }).click();
  await page.getByRole('list', { name: 'Koder der slettes' }).waitFor();
  await shot(page, path.join(out, `web-import-plan-${width}.png`));
}

async function main(): Promise<void> {
  if (!chromiumInstalled()) throw new Error(`no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  const out = outputFolder(USAGE, path.join(projectRoot(), 'docs'));
  fs.mkdirSync(out, { recursive: true });
  const server = await startWebServer();
  try {
    await importCsv(server, ['kode;titel;type;maal', `101-BOLD;Boldspil;indsats;${FYSISK_TRAENING_119}`, `101-KOST;Kost;indsats;${KOSTVEJLEDNING}`].join('\n'));
    for (const viewport of WIDTHS) {
      const browser = await launchChromium(viewport);
      try {
        await views(server, await browser.context.newPage(), out, viewport.width);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
  }
}

main().catch((e: unknown) => {
  console.error(`screenshots failed: ${(e as Error).message}`);
  process.exit(1);
});
