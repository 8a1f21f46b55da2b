import type { Bundle, CodeSystem, ConceptMap } from 'fhir/r4';
import type { Page } from 'playwright-core';
import { launchChromium, type Browser } from '../../scripts/chromium';
import { startWebServer, type WebServer } from '../../scripts/web-server';
import { publishedCatalogs } from '../support/app';
import { describeWithChromium } from '../support/chromium';
import { CODES } from '../support/local';

/**
 * The web page's linking flow in headless Chromium: a CSV import previewed (added, changed, removed) with merge or
 * replace and a confirmation before codes are removed; choosing a target in one step with its catalog named; search
 * in the catalog text; and the warnings of a save with the replacement one click away.
 */
jest.setTimeout(120_000);

let server: WebServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function fhirGet<T>(path: string): Promise<T> {
  const res = await fetch(`${server.fhirBase}/${path}`, { headers: { Accept: 'application/fhir+json' } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function localCodes(kommunekode: string): Promise<string[]> {
  const bundle = await fhirGet<Bundle>(`CodeSystem?identifier=${kommunekode}`);
  return ((bundle.entry?.[0]?.resource as CodeSystem | undefined)?.concept ?? []).map((c) => c.code);
}

async function signIn(kommunekode: string): Promise<void> {
  await page.goto(`${server.origin}/app/#/kommune`);
  await page.getByLabel('Kommunens token').fill(await server.token(kommunekode));
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.getByRole('heading', { name: new RegExp(`lokale indsatser og tilbud`) }).first().waitFor();
}

async function chooseFile(csv: string): Promise<void> {
  await page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
}

describeWithChromium('web page: linking flow (headless Chromium)', () => {
  beforeAll(async () => {
    server = await startWebServer({ published: publishedCatalogs() });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    page = await browser.context.newPage();
    pageErrors.length = 0;
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterEach(async () => {
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('import: previews what is added, changed and removed; merge keeps an editor-made code; replace asks before deleting it', async () => {
    await signIn('161');
    await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Importér CSV' }).click();
    const first = ['kode;titel;type;maal', `161-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, `161-KOST;Kost;indsats;${CODES.kostvejledning}`].join('\n');
    await chooseFile(first);
    await page.getByRole('button', { name: 'Vis ændringer' }).click();
    await page.getByRole('list', { name: 'Koder der tilføjes' }).getByText('161-BOLD').waitFor();
    expect(await localCodes('161')).toEqual([]);
    await page.getByRole('button', { name: 'Importér', exact: true }).click();
    await page.getByText('Importeret.').waitFor();
    expect(await localCodes('161')).toEqual(['161-BOLD', '161-KOST']);

    // A code made in the editor (the editor's transaction) after the first import.
    const cs = await fhirGet<CodeSystem>('CodeSystem/kommune-161-lokale-indsatser');
    const cm = await fhirGet<ConceptMap>('ConceptMap/kommune-161-lokale-indsatser');
    cs.concept!.push({ code: '161-EDITOR', display: 'Lavet i redigeringen', property: [{ code: 'type', valueCode: 'indsats' }, { code: 'status', valueCode: 'active' }] });
    cm.group![0]!.element.push({ code: '161-EDITOR', target: [{ code: CODES.nikotin, equivalence: 'subsumes' }] });
    const written = await fetch(server.fhirBase, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await server.token('161')}` },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [
        { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}`, ifMatch: `W/"${cs.meta?.versionId}"` } },
        { resource: cm, request: { method: 'PUT', url: `ConceptMap/${cm.id}`, ifMatch: `W/"${cm.meta?.versionId}"` } },
      ] }),
    });
    expect(written.status).toBe(200);

    // The second file changes KOST's title, adds NY and does not name KOST's neighbour EDITOR.
    const second = ['kode;titel;type;maal', `161-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, `161-KOST;Kostvejledning;indsats;${CODES.kostvejledning}`,
      `161-NY;Ny;indsats;${CODES.fysiskTraening140}`].join('\n');
    await page.reload();
    await chooseFile(second);
    // Flet (merge) is the default: nothing is removed.
    expect(await page.getByRole('radio', { name: /Flet/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Vis ændringer' }).click();
    const changed = page.getByRole('list', { name: 'Koder der ændres' });
    await changed.waitFor();
    expect(await changed.textContent()).toContain('161-KOST Kostvejledning – ændrer titel');
    expect(await page.getByRole('list', { name: 'Koder der slettes' }).count()).toBe(0);

    // Erstat (replace): the editor-made code would be deleted; the import waits for a confirmation.
    await page.getByRole('radio', { name: /Erstat/ }).check();
    await page.getByRole('button', { name: 'Vis ændringer' }).click();
    const removed = page.getByRole('list', { name: 'Koder der slettes' });
    await removed.waitFor();
    expect(await removed.textContent()).toContain('161-EDITOR');
    const importButton = page.getByRole('button', { name: 'Importér', exact: true });
    expect(await importButton.isDisabled()).toBe(true);
    // Back to merge: imported without deleting.
    await page.getByRole('radio', { name: /Flet/ }).check();
    await page.getByRole('button', { name: 'Vis ændringer' }).click();
    await changed.waitFor();
    await importButton.click();
    await page.getByText('Importeret.').waitFor();
    expect((await localCodes('161')).sort()).toEqual(['161-BOLD', '161-EDITOR', '161-KOST', '161-NY']);

    // Replace after confirming deletes it.
    await chooseFile(second);
    await page.getByRole('radio', { name: /Erstat/ }).check();
    await page.getByRole('button', { name: 'Vis ændringer' }).click();
    await removed.waitFor();
    await page.getByRole('checkbox', { name: /Ja, slet koden fra kataloget/ }).check();
    await importButton.click();
    await page.getByText('Importeret.').waitFor();
    expect(await localCodes('161')).toEqual(['161-BOLD', '161-KOST', '161-NY']);
  });
});
