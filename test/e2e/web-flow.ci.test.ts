import type { Bundle, CodeSystem, ConceptMap } from 'fhir/r4';
import type { Page } from 'playwright-core';
import { describeInChromium, searchTargets } from '../support/chromium';
import { CODES } from '../support/local';

/**
 * The web page's linking flow in headless Chromium: a CSV import previewed (added, changed, removed) with merge or
 * replace and a confirmation before codes are removed; choosing a target in one step with its catalog named; search
 * in the catalog text; and the warnings of a save with the replacement one click away.
 */
jest.setTimeout(120_000);

async function localCodes(kommunekode: string): Promise<string[]> {
  const bundle = await web.fhirGet<Bundle>(`CodeSystem?identifier=${kommunekode}`);
  return ((bundle.entry?.[0]?.resource as CodeSystem | undefined)?.concept ?? []).map((c) => c.code);
}

async function signIn(kommunekode: string): Promise<void> {
  await web.page.goto(`${web.server.origin}/app/#/kommune`);
  await web.page.getByLabel('Kommunens token').fill(await web.server.token(kommunekode));
  await web.page.getByRole('button', { name: 'Log ind' }).click();
  await web.page.getByRole('heading', { name: new RegExp(`lokale indsatser og tilbud`) }).first().waitFor();
}

async function chooseFile(csv: string): Promise<void> {
  await web.page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
}

const web = describeInChromium('web page: linking flow (headless Chromium)', {}, () => {
  it('import: previews what is added, changed and removed; merge keeps an editor-made code; replace asks before deleting it', async () => {
    await signIn('161');
    await web.page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Importér CSV' }).click();
    const first = ['kode;titel;type;maal', `161-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, `161-KOST;Kost;indsats;${CODES.kostvejledning}`].join('\n');
    await chooseFile(first);
    await web.page.getByRole('button', { name: 'Vis ændringer' }).click();
    await web.page.getByRole('list', { name: 'Koder der tilføjes' }).getByText('161-BOLD').waitFor();
    expect(await localCodes('161')).toEqual([]);
    await web.page.getByRole('button', { name: 'Importér', exact: true }).click();
    await web.page.getByText('Importeret.').waitFor();
    expect(await localCodes('161')).toEqual(['161-BOLD', '161-KOST']);

    // A code made in the editor after the first import.
    await web.page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Min kommune' }).click();
    await web.page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
    await web.page.getByLabel('Lokal kode').fill('161-EDITOR');
    await web.page.getByLabel('Titel').fill('Lavet i redigeringen');
    await web.page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
    await web.page.getByLabel('Katalog', { exact: true }).selectOption('119');
    await web.page.locator('fieldset.candidates').getByRole('radio', { name: /^Nikotin- og tobaksafvænning/ }).check();
    await web.page.getByRole('button', { name: 'Gem' }).click();
    await web.page.getByRole('row', { name: /161-EDITOR/ }).waitFor();
    await web.page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Importér CSV' }).click();

    // The second file changes KOST's title, adds NY and does not name KOST's neighbour EDITOR.
    const second = ['kode;titel;type;maal', `161-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, `161-KOST;Kostvejledning;indsats;${CODES.kostvejledning}`,
      `161-NY;Ny;indsats;${CODES.fysiskTraening140}`].join('\n');
    await chooseFile(second);
    // Flet (merge) is the default: nothing is removed.
    expect(await web.page.getByRole('radio', { name: /Flet/ }).isChecked()).toBe(true);
    await web.page.getByRole('button', { name: 'Vis ændringer' }).click();
    const changed = web.page.getByRole('list', { name: 'Koder der ændres' });
    await changed.waitFor();
    expect(await changed.textContent()).toContain('161-KOST Kostvejledning – ændrer titel');
    expect(await web.page.getByRole('list', { name: 'Koder der slettes' }).count()).toBe(0);

    // Erstat (replace): the editor-made code would be deleted; the import waits for a confirmation.
    await web.page.getByRole('radio', { name: /Erstat/ }).check();
    await web.page.getByRole('button', { name: 'Vis ændringer' }).click();
    const removed = web.page.getByRole('list', { name: 'Koder der slettes' });
    await removed.waitFor();
    expect(await removed.textContent()).toContain('161-EDITOR Lavet i redigeringenoprettet i redigeringen');
    const importButton = web.page.getByRole('button', { name: 'Importér', exact: true });
    expect(await importButton.isDisabled()).toBe(true);
    // Back to merge: imported without deleting.
    await web.page.getByRole('radio', { name: /Flet/ }).check();
    await web.page.getByRole('button', { name: 'Vis ændringer' }).click();
    await changed.waitFor();
    await importButton.click();
    await web.page.getByText('Importeret.').waitFor();
    expect((await localCodes('161')).sort()).toEqual(['161-BOLD', '161-EDITOR', '161-KOST', '161-NY']);

    // Replace after confirming deletes it; but not when the catalog changed after the plan was shown.
    await chooseFile(second);
    await web.page.getByRole('radio', { name: /Erstat/ }).check();
    await web.page.getByRole('button', { name: 'Vis ændringer' }).click();
    await removed.waitFor();
    await web.page.getByRole('checkbox', { name: /Ja, slet koden fra kataloget/ }).check();
    const meanwhile = await fetch(`${web.server.fhirBase}/CodeSystem/$import-local`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await web.server.token('161')}` },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'merge' },
        { name: 'csv', valueString: `kode;titel;type;maal\n161-ANDEN;Lavet i mellemtiden;indsats;${CODES.kostvejledning}` }] }),
    });
    expect(meanwhile.status).toBe(200);
    await importButton.click();
    await web.page.getByRole('alert').getByText('Kataloget er ændret, siden ændringerne blev vist').waitFor();
    expect((await localCodes('161')).sort()).toEqual(['161-ANDEN', '161-BOLD', '161-EDITOR', '161-KOST', '161-NY']);
    await web.page.getByRole('button', { name: 'Vis ændringer' }).click();
    await removed.waitFor();
    expect(await removed.textContent()).toContain('161-ANDEN');
    await web.page.getByRole('checkbox', { name: /Ja, slet de 2 koder fra kataloget/ }).check();
    await importButton.click();
    await web.page.getByText('Importeret.').waitFor();
    expect(await localCodes('161')).toEqual(['161-BOLD', '161-KOST', '161-NY']);
  });

  it('target choice: one step, each concept named with its catalog (§119 / §140); the picker opens on the catalog last used or of the target', async () => {
    await signIn('162');
    await web.page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
    await web.page.getByLabel('Lokal kode').fill('162-GENOPTRAEN');
    await web.page.getByLabel('Titel').fill('Genoptræning på hold');
    await web.page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
    await web.page.getByLabel('Katalog', { exact: true }).selectOption('fsiii');
    await searchTargets(web.page, 'fysisk træning');
    // §119's and §140's "Fysisk træning" are told apart by their catalog
    const candidates = web.page.locator('fieldset.candidates');
    await candidates.getByRole('radio', { name: 'Fysisk træning §140' }).waitFor();
    await candidates.getByRole('radio', { name: 'Fysisk træning §119' }).waitFor();
    // ticking it is choosing it
    await candidates.getByRole('radio', { name: 'Fysisk træning §140' }).check();
    const chosen = web.page.getByRole('list', { name: 'Valgte mål' });
    await chosen.getByText('Fysisk træning').waitFor();
    expect(await chosen.textContent()).toContain('§140');
    await web.page.getByRole('button', { name: 'Gem' }).click();
    const row = web.page.getByRole('row', { name: /162-GENOPTRAEN/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Fysisk træning §140');

    // the next new code opens the picker on the catalog used last
    await web.page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
    expect(await web.page.getByLabel('Katalog', { exact: true }).inputValue()).toBe('fsiii');
    // an offer: its own title, several targets by checkboxes
    await web.page.getByRole('radio', { name: 'Tilbud (sammensat af flere indsatser)' }).check();
    await web.page.getByRole('group', { name: 'Det lokale tilbud' }).waitFor();
    // editing the code opens the picker on its target's catalog (leaving the unsaved new offer: the page asks first)
    const questions: string[] = [];
    web.page.once('dialog', (d) => { questions.push(d.message()); void d.accept(); });
    await web.page.goto(`${web.server.origin}/app/#/kommune/rediger/kommune-162-lokale-indsatser/162-GENOPTRAEN`);
    await web.page.getByRole('heading', { name: 'Redigér Genoptræning på hold' }).waitFor();
    await web.page.waitForFunction(() => (document.getElementById('picker-catalog') as HTMLSelectElement | null)?.value === '140');
    expect(await web.page.locator('fieldset.candidates').getByRole('radio', { name: 'Fysisk træning §140' }).isChecked()).toBe(true);
    expect(questions).toEqual([expect.stringContaining('ændringer, der ikke er gemt')]);
  });

  it('search: finds words in the catalog text (gang → gangtræning), title hits first, with the catalog; results always match the query shown', async () => {
    await web.page.goto(`${web.server.origin}/app/#/kataloger/140`);
    const box = web.page.getByLabel('Søg i §140 Genoptræning');
    await box.fill('gang');
    const results = web.page.getByRole('list', { name: 'Søgeresultater' });
    const hit = results.getByRole('listitem').filter({ hasText: 'Funktionstræning' });
    await hit.waitFor();
    expect(await hit.textContent()).toMatch(/gangtræning/);
    // the catalog beside the hit comes with the page's catalog index, which may load after the first results
    await hit.filter({ hasText: '§140' }).waitFor();
    console.log(`search "gang" in §140: results ${await results.getAttribute('data-search-ms')} ms after the debounce`);
    await box.fill('gangtraening');
    await results.getByRole('listitem').filter({ hasText: 'Funktionstræning' }).waitFor();

    // title hits before text hits
    await box.fill('træning');
    await web.page.getByRole('status').filter({ hasText: '»træning«' }).waitFor();
    const items = await results.getByRole('listitem').evaluateAll((els) => els.map((e) => e.querySelector('.snippet') !== null));
    expect(items.length).toBeGreaterThan(2);
    expect(items.indexOf(true)).toBeGreaterThan(0);
    expect(items.slice(items.indexOf(true)).every((x) => x)).toBe(true);

    // While the query changes, the results shown always belong to the query named above them.
    await web.page.goto(`${web.server.origin}/app/#/kataloger/fsiii`);
    const whole = web.page.getByLabel('Søg i Hele FSIII');
    await whole.fill('kost');
    await web.page.getByRole('status').filter({ hasText: '»kost«' }).waitFor();
    const sampling = web.page.evaluate(() => new Promise<{ status: string; titles: string[] }[]>((resolve) => {
      const samples: { status: string; titles: string[] }[] = [];
      const started = performance.now();
      const tick = () => {
        const status = document.querySelector('.tree-pane [role="status"]')?.textContent ?? '';
        const titles = [...document.querySelectorAll('ul.results > li')].map((li) => li.textContent ?? '');
        samples.push({ status, titles });
        if (performance.now() - started < 900) requestAnimationFrame(tick);
        else resolve(samples);
      };
      tick();
    }));
    await whole.fill('faerdighed');
    const samples = await sampling;
    expect(samples.some((x) => x.status.includes('»faerdighed«'))).toBe(true);
    for (const x of samples) {
      const query = /»(.+)«/.exec(x.status)?.[1];
      if (!query || x.titles.length === 0) continue;
      const needle = query === 'kost' ? /kost/i : /færdighed|faerdighed/i;
      expect(x.titles.every((t) => needle.test(t))).toBe(true);
    }
    console.log(`search "faerdighed" in Hele FSIII: results ${await web.page.getByRole('list', { name: 'Søgeresultater' }).getAttribute('data-search-ms')} ms after the debounce`);
  });

  it('warnings after save: a retired target is reported with its replacement, and "Brug i stedet" relinks in one click', async () => {
    await signIn('163');
    await web.page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
    await web.page.getByLabel('Lokal kode').fill('163-RYGESTOP');
    await web.page.getByLabel('Titel').fill('Rygestop');
    await web.page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
    await web.page.getByLabel('Katalog', { exact: true }).selectOption('fsiii');
    await searchTargets(web.page, 'tobaksafvænning');
    await web.page.locator('fieldset.candidates').getByRole('radio', { name: /^Tobaksafvænning/ }).check();
    // the preview names the replacement
    await web.page.locator('.picker-preview').getByRole('button', { name: 'Brug i stedet Nikotin- og tobaksafvænning' }).waitFor();
    await web.page.getByRole('button', { name: 'Gem' }).click();
    const warning = web.page.locator('.save-warnings');
    await warning.waitFor();
    expect(await web.page.getByText('Gemt med advarsler').count()).toBe(1);
    expect(await warning.textContent()).toContain('Tobaksafvænning');
    await warning.getByRole('button', { name: 'Brug i stedet Nikotin- og tobaksafvænning' }).click();
    await warning.getByText('Koblet til Nikotin- og tobaksafvænning i stedet').waitFor();
    const cm = await web.fhirGet<ConceptMap>('ConceptMap/kommune-163-lokale-indsatser');
    expect(cm.group?.flatMap((g) => g.element).find((e) => e.code === '163-RYGESTOP')?.target?.map((t) => t.code)).toEqual([CODES.nikotin]);
    // the list of the municipality shows the new link
    await web.page.getByRole('row', { name: /163-RYGESTOP/ }).getByText('Nikotin- og tobaksafvænning').waitFor();
  });

  it('a save whose $translate confirmation never comes is shown as saved at once, and then said to be without the confirmation', async () => {
    await signIn('166');
    // the server's answer to the page's confirmation is held back, as a stalled or very slow answer would be
    await web.page.route('**/ConceptMap/$translate*', () => undefined);
    await web.page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
    await web.page.getByLabel('Lokal kode').fill('166-GANG');
    await web.page.getByLabel('Titel').fill('Gangtræning');
    await web.page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
    await web.page.getByLabel('Katalog', { exact: true }).selectOption('119');
    await web.page.locator('fieldset.candidates').getByRole('radio', { name: /^Fysisk træning/ }).check();
    const started = Date.now();
    await web.page.getByRole('button', { name: 'Gem' }).click();
    const flash = web.page.locator('#municipality-flash');
    // saved is said without waiting for the confirmation, which the message says it is fetching
    await flash.getByText('Henter serverens oversættelse af 166-GANG').waitFor({ timeout: 5_000 });
    expect(await flash.textContent()).toContain('Gemt');
    expect(Date.now() - started).toBeLessThan(5_000);
    // and when it does not come, the message says so (after the page's 15 s)
    await flash.getByText('Serverens oversættelse af 166-GANG kunne ikke hentes').waitFor({ timeout: 30_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(14_000);
    expect(await web.page.locator('.translate-check').count()).toBe(0);
    // it was saved: the list and the server have the link
    await web.page.getByRole('row', { name: /166-GANG/ }).getByText('Fysisk træning').waitFor();
    const cm = await web.fhirGet<ConceptMap>('ConceptMap/kommune-166-lokale-indsatser');
    expect(cm.group?.flatMap((g) => g.element).find((e) => e.code === '166-GANG')?.target?.map((t) => t.code)).toEqual([CODES.fysiskTraening119]);
  });

  it('the coverage report\'s "Brug i stedet": what it did stays said, with focus on it, after the list is loaded again', async () => {
    const imported = await fetch(`${web.server.fhirBase}/CodeSystem/$import-local`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await web.server.token('165')}` },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [
        { name: 'csv', valueString: `kode;titel;type;maal\n165-RYG;Rygestop;indsats;${CODES.tobaksafvaenningRetired}` }] }),
    });
    expect(imported.status).toBe(200);
    await signIn('165');
    const coverage = web.page.locator('.coverage');
    const button = coverage.getByRole('button', { name: 'Brug i stedet Nikotin- og tobaksafvænning' });
    await button.click();
    // the reload: the list of retired targets is gone, the table shows the new link
    await button.waitFor({ state: 'detached' });
    await web.page.getByRole('row', { name: /165-RYG/ }).getByText('Nikotin- og tobaksafvænning').waitFor();
    expect(await coverage.getByRole('status').filter({ hasText: 'er nu koblet til' }).innerText())
      .toBe('Rygestop (165-RYG) er nu koblet til Nikotin- og tobaksafvænning i stedet for Tobaksafvænning.');
    expect(await web.page.evaluate(() => document.activeElement?.id)).toBe('coverage-replaced');
    const cm = await web.fhirGet<ConceptMap>('ConceptMap/kommune-165-lokale-indsatser');
    expect(cm.group?.flatMap((g) => g.element).find((e) => e.code === '165-RYG')?.target?.map((t) => t.code)).toEqual([CODES.nikotin]);
  });

  it('the editor carries the fix over: a chosen retired target shows its replacement, one click swaps it', async () => {
    const imported = await fetch(`${web.server.fhirBase}/CodeSystem/$import-local`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await web.server.token('164')}` },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [
        { name: 'csv', valueString: `kode;titel;type;maal\n164-RYG;Rygestop;indsats;${CODES.tobaksafvaenningRetired}` }] }),
    });
    expect(imported.status).toBe(200);
    await signIn('164');
    await web.page.goto(`${web.server.origin}/app/#/kommune/rediger/kommune-164-lokale-indsatser/164-RYG`);
    const chosen = web.page.getByRole('list', { name: 'Valgte mål' });
    await chosen.getByText('udgået').waitFor();
    await chosen.getByRole('button', { name: 'Brug i stedet Nikotin- og tobaksafvænning' }).click();
    await chosen.getByText('Nikotin- og tobaksafvænning').waitFor();
    expect(await chosen.getByText('Tobaksafvænning', { exact: true }).count()).toBe(0);
    await web.page.getByRole('button', { name: 'Gem' }).click();
    await web.page.getByText('Gemt:').waitFor();
    expect(await web.page.locator('.save-warnings').count()).toBe(0);
    const cm = await web.fhirGet<ConceptMap>('ConceptMap/kommune-164-lokale-indsatser');
    expect(cm.group?.flatMap((g) => g.element).find((e) => e.code === '164-RYG')?.target?.map((t) => t.code)).toEqual([CODES.nikotin]);
  });
});
