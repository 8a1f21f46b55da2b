import type { Bundle, CodeSystem, Parameters } from 'fhir/r4';
import type { Page } from 'playwright-core';
import { describeInChromium, searchTargets } from '../support/chromium';
import { CODES, localCodeSystem, localConceptMap, type LocalConcept } from '../support/local';
import { axeViolations } from './axe';

/**
 * The page's shell in headless Chromium: Danish throughout (server messages, municipality names, footnotes),
 * phones to wide screens, a 2,000-code catalog, and not losing work (unsaved changes, an expired token, two tabs,
 * focus). axe-core checks every view for accessibility violations.
 */
jest.setTimeout(180_000);

async function signIn(page: Page, kommunekode: string, heading: string, token?: string): Promise<void> {
  await page.goto(`${web.server.origin}/app/#/kommune`);
  await page.getByLabel('Kommunens token').fill(token ?? await web.server.token(kommunekode));
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.getByRole('heading', { level: 1, name: `${heading}: lokale indsatser og tilbud` }).waitFor();
}

async function seed(kommunekode: string, concepts: LocalConcept[], targets: (c: LocalConcept, i: number) => string[]): Promise<void> {
  const codeSystem = localCodeSystem(kommunekode, 'lokale-indsatser', concepts);
  const conceptMap = localConceptMap(kommunekode, 'lokale-indsatser', concepts.map((c, i) => ({ code: c.code, display: c.display, targets: targets(c, i) })));
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } },
      { resource: conceptMap, request: { method: 'PUT', url: `ConceptMap/${conceptMap.id}` } },
    ],
  };
  const res = await fetch(web.server.fhirBase, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await web.server.token(kommunekode)}` },
    body: JSON.stringify(bundle),
  });
  if (!res.ok) throw new Error(`seeding ${kommunekode}: ${res.status} ${await res.text()}`);
}

/** Waits until `read` gives `expected` (deep equality), or fails with the last value after 10 s. */
function poll<T>(read: () => T | Promise<T>): { toBe(expected: T): Promise<void>; toEqual(expected: T): Promise<void> } {
  const until = async (expected: T) => {
    const end = Date.now() + 10_000;
    let last = await read();
    while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      last = await read();
    }
    expect(last).toEqual(expected);
  };
  return { toBe: until, toEqual: until };
}

/** Laptop-sized; each test opens the pages it needs (web.newPage). */
const SHELL = { viewport: { width: 1366, height: 900 }, pagePerTest: false };

const web = describeInChromium('the page in Danish, on every screen, with large catalogs and without losing work (headless Chromium)', SHELL, () => {
  describe('5. Danish for every message the page shows', () => {
    it("names the municipality, shows no developer command, and says the server's refusals in Danish", async () => {
      const page = await web.newPage();
      await page.goto(`${web.server.origin}/app/#/kommune`);
      const box = await page.locator('.sign-in').textContent();
      expect(box).not.toContain('npm run');
      await signIn(page, '751', 'Aarhus Kommune');
      expect(await page.locator('header .who').textContent()).toContain('Aarhus Kommune');
      expect(await page.locator('header').textContent()).not.toContain('Kommune 751');

      // The import's refusal of an ambiguous title, row by row, in the server's Danish.
      await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Importér CSV' }).click();
      await page.getByRole('heading', { level: 1, name: /Aarhus Kommune/ }).waitFor();
      const csv = 'kode;titel;type;maal\n751-A;Gåtur;indsats;Fysisk træning\n';
      // the file field in Danish, not in the browser's language ("Choose File", "No file chosen"), and reached by Tab
      const picker = page.locator('.file-picker');
      expect(await picker.textContent()).toBe('Vælg filIngen fil valgt');
      await page.getByLabel('Katalogets navn').focus();
      await page.keyboard.press('Shift+Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('csv-file');
      await page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
      expect(await picker.locator('.file-name').textContent()).toBe('lokale.csv');
      await page.getByRole('button', { name: 'Vis ændringer' }).click();
      const alert = page.getByRole('alert');
      await alert.getByText('er titlen på 2 fælleskommunale begreber').waitFor();
      const text = await alert.textContent();
      expect(text).not.toMatch(/names 2 common concepts|nothing was written/);

      // A file saved as Latin-1 rather than UTF-8.
      await page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'latin1') });
      await page.getByRole('button', { name: 'Vis ændringer' }).click();
      await page.getByRole('alert').getByText('Filen er ikke gemt som UTF-8').waitFor();
    });

    it("names each status with the server's Danish name: the import's format help and the editor's Status list", async () => {
      const page = await web.newPage();
      await signIn(page, '370', 'Næstved Kommune');
      await page.goto(`${web.server.origin}/app/#/import`);
      const help = page.getByRole('complementary', { name: 'Filens format' });
      await help.waitFor();
      expect(await help.innerText()).toContain("status aktiv (standard), kladde, udgået, udgående eller FHIR's koder active, draft, retired, deprecated");
      await page.goto(`${web.server.origin}/app/#/kommune/ny`);
      const statuses = page.getByLabel('Status').locator('option');
      await statuses.first().waitFor({ state: 'attached' });
      expect(await statuses.allTextContents()).toEqual(['aktiv', 'kladde', 'udgået', 'udgående']);
    });

    it('renders catalog footnote markers as footnotes, as the server gives them in $lookup', async () => {
      const lookup = await web.fhirGet<Parameters>(`CodeSystem/$lookup?system=urn:oid:1.2.208.176.2.21&code=${CODES.fysiskTraening119}`);
      const props = (lookup.parameter ?? []).filter((p) => p.name === 'property');
      const value = (code: string) => props.find((p) => p.part?.some((x) => x.name === 'code' && x.valueCode === code))?.part?.find((x) => x.name === 'value')?.valueString;
      expect(value('beskrivelse')).toMatch(/^Superviserede² aktiviteter/);
      expect(value('fodnote')).toMatch(/^² Med superviserede aktiviteter/);

      const page = await web.newPage();
      await page.goto(`${web.server.origin}/app/#/kataloger/119/${CODES.fysiskTraening119}`);
      const concept = page.getByRole('article');
      await concept.getByRole('heading', { name: 'Beskrivelse' }).waitFor();
      const beskrivelse = concept.locator('.concept-text section').first();
      expect(await beskrivelse.locator('sup').textContent()).toContain('2');
      expect(await beskrivelse.textContent()).not.toContain('Superviserede2');
      const note = concept.getByRole('note', { name: 'Fodnote' });
      expect(await note.locator('sup').textContent()).toBe('2');
      expect(await note.textContent()).toContain('Med superviserede aktiviteter menes');
      // Where it is used: the municipality by name.
      const used = concept.getByRole('listitem').filter({ hasText: '370-BOLDSPIL' });
      expect(await used.textContent()).toMatch(/^Næstved Kommune: /);
    });

    it('counts in Danish grammar and names map relationships in Danish words', async () => {
      const page = await web.newPage();
      await page.goto(`${web.server.origin}/app/#/kataloger/119`);
      await page.getByLabel('Søg i §119 Forebyggelse').fill('kostvejledning');
      const status = page.getByRole('status').filter({ hasText: 'matcher' });
      await status.waitFor();
      expect(await status.textContent()).toMatch(/^1 begreb matcher »kostvejledning«/);

      await seed('330', [{ code: '330-BOLD', display: 'Boldspil', type: 'indsats' }], () => [CODES.fysiskTraening119]);
      await signIn(page, '330', 'Slagelse Kommune');
      const row = page.getByRole('row', { name: /330-BOLD/ });
      expect(await row.textContent()).toContain('hører under');
      expect(await row.textContent()).not.toContain('subsumes');
    });
  });

  describe('6. Phones to wide screens', () => {
    async function views(page: Page): Promise<string[]> {
      const seen: string[] = [];
      const check = async (name: string) => {
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        const viewport = page.viewportSize()!.width;
        if (width > viewport) seen.push(`${name}: ${width} px wide at ${viewport}`);
      };
      await page.goto(`${web.server.origin}/app/#/kataloger/119/${CODES.fysiskTraening119}`);
      await page.getByRole('article').getByRole('heading', { name: 'Formål' }).waitFor();
      await check('concept');
      await page.goto(`${web.server.origin}/app/#/kommune`);
      await page.getByLabel('Kommunens token').waitFor();
      await check('sign-in');
      await signIn(page, '370', 'Næstved Kommune');
      await page.getByRole('heading', { name: 'Dækning' }).waitFor();
      await check('kommune');
      await page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
      await page.getByLabel('Lokal kode').waitFor();
      await check('editor');
      await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Importér CSV' }).click();
      await page.getByLabel('CSV-fil').waitFor();
      await check('import');
      return seen;
    }

    it('at 390 px: no sideways scroll, the menu and "Log ind" in view, columns stacked', async () => {
      const page = await web.newPage();
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${web.server.origin}/app/`);
      for (const name of ['Kataloger', 'Min kommune', 'Importér CSV']) {
        const box = await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name }).boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
      }
      const login = await page.getByRole('banner').getByRole('link', { name: 'Log ind' }).boundingBox();
      expect(login && login.x >= 0 && login.x + login.width <= 390).toBe(true);
      expect(await views(page)).toEqual([]);
      // The editor's two columns stack: the picker is below the form, not beside it.
      await page.goto(`${web.server.origin}/app/#/kommune/ny`);
      const form = await page.locator('.editor-grid > fieldset').boundingBox();
      const picker = await page.locator('.targets-column').boundingBox();
      expect(picker!.y).toBeGreaterThan(form!.y + form!.height - 1);
    });

    it('at 1920 px: the municipality view uses the width, and codes never wrap inside', async () => {
      const page = await web.newPage();
      await page.setViewportSize({ width: 1920, height: 1080 });
      await signIn(page, '370', 'Næstved Kommune');
      await page.getByRole('heading', { name: 'Dækning' }).waitFor();
      const main = await page.locator('main').boundingBox();
      expect(main!.width).toBeGreaterThan(1700);
      // The coverage report stands beside the catalog instead of below it.
      const catalog = await page.locator('.local-catalog').first().boundingBox();
      const coverage = await page.locator('.coverage').boundingBox();
      expect(coverage!.x).toBeGreaterThan(catalog!.x + catalog!.width - 1);
      for (const width of [1920, 390]) {
        await page.setViewportSize({ width, height: 900 });
        const wrapped = await page.locator('code.code').evaluateAll((els) => els.filter((e) => e.getClientRects().length > 1).map((e) => e.textContent));
        expect(wrapped).toEqual([]);
      }
    });
  });

  describe('6b. Long titles, codes, unknown addresses and tab titles', () => {
    it('a title of 3,000 letters without a space wraps in its cell: no sideways scroll, "Redigér" in view', async () => {
      await seed('461', [{ code: '461-LANG', display: 'Æ'.repeat(3000), type: 'indsats' }], () => [CODES.fysiskTraening119]);
      const page = await web.newPage();
      await signIn(page, '461', 'Odense Kommune');
      await page.getByRole('heading', { name: 'Dækning' }).waitFor();
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        const edit = await page.getByRole('link', { name: /^Redigér Æ/ }).boundingBox();
        expect(edit!.x + edit!.width).toBeLessThanOrEqual(width);
      }
    });

    it('at 390 px: codes never break inside, in the editor\'s chosen targets and on a concept\'s page', async () => {
      const page = await web.newPage();
      await page.setViewportSize({ width: 390, height: 844 });
      const wrapped = () => page.locator('code').evaluateAll((els) => els.filter((e) => e.getClientRects().length > 1).map((e) => e.textContent));
      await page.goto(`${web.server.origin}/app/#/kataloger/119/${CODES.fysiskTraening119}`);
      await page.getByRole('article').getByRole('heading', { name: 'Formål' }).waitFor();
      expect(await page.getByRole('article').locator('dl.meta code').textContent()).toBe(CODES.fysiskTraening119);
      expect(await wrapped()).toEqual([]);
      // the release is a Danish date
      expect(await page.getByRole('article').locator('dl.meta').innerText()).toMatch(/FSIII \(udgave \d{1,2}\. [a-z]+ \d{4}\)/);
      await signIn(page, '370', 'Næstved Kommune');
      await page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
      await page.getByRole('radio', { name: 'Tilbud (sammensat af flere indsatser)' }).check();
      await page.getByLabel('Katalog', { exact: true }).selectOption('119');
      await searchTargets(page, 'træning');
      for (const name of ['Fysisk træning', 'Færdighedstræning']) {
        await page.locator('fieldset.candidates').getByRole('checkbox', { name: new RegExp(`^${name}`) }).first().check();
      }
      await page.getByRole('list', { name: 'Valgte mål' }).getByRole('listitem').nth(1).waitFor();
      expect(await page.getByRole('list', { name: 'Valgte mål' }).locator('code').count()).toBe(2);
      expect(await wrapped()).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    });

    it('an unknown address says the page does not exist, with the way back; each view names itself in the tab', async () => {
      const page = await web.newPage();
      const unknown = ['kataloger/ukendt', 'noget-andet', 'sammenlign/ukendt', 'kommune/zzz', 'kommune/ny/extra', 'kommune/rediger',
        'kommune/rediger/kommune-101-lokale-indsatser', 'import/zzz'];
      for (const hash of unknown) {
        await page.goto(`${web.server.origin}/app/#/${hash}`);
        await page.getByRole('heading', { level: 1, name: 'Siden findes ikke' }).waitFor();
        expect(await page.getByRole('main').innerText()).toContain(`#/${hash}`);
        expect(await page.title()).toBe('Siden findes ikke – Fælles Sprog');
        expect(await page.getByRole('main').getByRole('link', { name: 'Gå til katalogerne' }).getAttribute('href')).toBe('#/kataloger');
        expect(await page.locator('h1').count()).toBe(1);
      }
      expect(await axeViolations(page)).toEqual([]);
      await page.goto(`${web.server.origin}/app/#/kataloger/140`);
      await page.getByRole('heading', { level: 1, name: /§140/ }).waitFor();
      await poll(() => page.title()).toBe('§140 Genoptræning – Kataloger – Fælles Sprog');
      await page.goto(`${web.server.origin}/app/#/kataloger/119/${CODES.fysiskTraening119}`);
      await page.getByRole('article').getByRole('heading', { name: 'Fysisk træning', level: 2 }).waitFor();
      await poll(() => page.title()).toBe('Fysisk træning – §119 Forebyggelse – Kataloger – Fælles Sprog');
      await page.goto(`${web.server.origin}/app/#/kataloger/119`);
      await poll(() => page.title()).toBe('§119 Forebyggelse – Kataloger – Fælles Sprog');
      await page.goto(`${web.server.origin}/app/#/kommune`);
      await page.getByLabel('Kommunens token').waitFor();
      expect(await page.title()).toBe('Log ind – Min kommune – Fælles Sprog');
    });
  });

  describe('7. Large catalogs', () => {
    it('a 2,000-code catalog: paged, filtered, and its coverage grouped by catalog', async () => {
      const concepts: LocalConcept[] = Array.from({ length: 2000 }, (_, i) => ({
        code: `400-K${String(i).padStart(4, '0')}`, display: i === 1234 ? 'Mindfulness for unge' : `Lokal indsats ${i}`, type: 'indsats',
      }));
      await seed('400', concepts, (_c, i) => [i % 2 === 0 ? CODES.fysiskTraening119 : CODES.fysiskTraening140]);
      const page = await web.newPage();
      await signIn(page, '400', 'Bornholms Regionskommune');
      await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Kataloger' }).click();
      await page.getByRole('heading', { level: 1, name: /§119 Forebyggelse/ }).waitFor();

      const started = Date.now();
      await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Min kommune' }).click();
      const filter = page.getByLabel('Find i Kommune 400 test');
      await filter.waitFor();
      await page.getByRole('row', { name: /400-K0000/ }).waitFor();
      const interactiveMs = Date.now() - started;
      console.log(`"Min kommune" with 2,000 local codes: interactive (rows and filter) ${interactiveMs} ms after the click`);

      const elements = await page.evaluate(() => document.querySelectorAll('*').length);
      console.log(`"Min kommune" with 2,000 local codes: ${elements} elements`);
      expect(await page.locator('table.entries tbody tr').count()).toBe(50);
      expect(await page.getByRole('status').filter({ hasText: 'lokale koder' }).textContent()).toContain('2.000 lokale koder');

      await page.getByRole('button', { name: 'Næste' }).click();
      await page.getByRole('row', { name: /400-K0050/ }).waitFor();
      expect(await page.getByRole('navigation', { name: /^Sider i/ }).textContent()).toContain('Side 2 af 40');

      await filter.fill('mindful');
      await page.getByRole('row', { name: /400-K1234/ }).waitFor();
      expect(await page.locator('table.entries tbody tr').count()).toBe(1);
      expect(await page.getByRole('status').filter({ hasText: 'matcher' }).textContent()).toMatch(/^1 kode matcher »mindful«/);

      const groups = await page.locator('details.uncovered summary').allTextContents();
      expect(groups.some((g) => g.startsWith('§119 Forebyggelse:'))).toBe(true);
      expect(groups.some((g) => g.startsWith('§140 Genoptræning:'))).toBe(true);
    });
  });

  describe('8. Not losing work', () => {
    it('asks before leaving unsaved changes (inside the page and when the tab closes), and moves focus after actions', async () => {
      const page = await web.newPage();
      await signIn(page, '250', 'Frederikssund Kommune');
      await page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
      await page.getByLabel('Titel').fill('Stavgang');

      const questions: string[] = [];
      page.once('dialog', (d) => { questions.push(d.message()); void d.dismiss(); });
      await page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Kataloger' }).click();
      await poll(() => questions.length).toBe(1);
      expect(questions[0]).toContain('ændringer, der ikke er gemt');
      expect(await page.getByLabel('Titel').inputValue()).toBe('Stavgang');
      expect(page.url()).toContain('#/kommune/ny');
      // Signing out asks the same; kept, the draft stays.
      page.once('dialog', (d) => { questions.push(d.message()); void d.dismiss(); });
      await page.getByRole('banner').getByRole('button', { name: 'Log ud' }).click();
      await poll(() => questions.length).toBe(2);
      expect(questions[1]).toBe('Du har ændringer, der ikke er gemt. Vil du logge ud og miste dem?');
      expect(await page.getByLabel('Titel').inputValue()).toBe('Stavgang');
      expect(await page.getByRole('banner').getByRole('button', { name: 'Log ud' }).count()).toBe(1);

      // Focus follows the action: ticking a candidate chooses it and leaves focus in the list (the arrow keys go on
      // through the candidates); after saving, focus is on the saved message.
      await page.getByLabel('Lokal kode').fill('250-STAVGANG');
      await page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
      await searchTargets(page, 'fysisk');
      await page.getByRole('radio', { name: 'Fysisk træning' }).first().check();
      await page.getByRole('list', { name: 'Valgte mål' }).getByText('Fysisk træning').waitFor();
      expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('candidate');
      await page.getByRole('button', { name: 'Gem' }).click();
      await page.locator('.translate-check').waitFor();
      await poll(() => page.evaluate(() => document.activeElement?.id)).toBe('municipality-flash');

      // Closing the tab mid-edit: the browser's own question.
      await page.getByRole('link', { name: 'Redigér Stavgang' }).click();
      await page.getByLabel('Titel').fill('Stavgang i grupper');
      const kinds: string[] = [];
      page.on('dialog', (d) => { kinds.push(d.type()); void d.accept(); });
      await page.close({ runBeforeUnload: true });
      await poll(() => kinds).toEqual(['beforeunload']);
    });

    it('an expired token: signing in again in place keeps the draft, and the save goes through', async () => {
      const page = await web.newPage();
      // Valid for the server (which allows 30 s of clock skew) but past its expiry for the page in a few seconds.
      await signIn(page, '260', 'Halsnæs Kommune', await web.server.token('260', Math.floor(Date.now() / 1000) + 4));
      await page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
      await page.getByLabel('Lokal kode').fill('260-GANG');
      await page.getByLabel('Titel').fill('Gangtræning');
      const dialog = page.getByRole('dialog', { name: 'Dit login er udløbet' });
      await dialog.waitFor({ timeout: 15_000 });
      expect(await page.locator('header').getByRole('button', { name: 'Log ud' }).count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);

      // Closed (Esc): the draft can be read and copied, not changed or saved; focus is back where it was.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('display');
      expect(await page.getByLabel('Titel').inputValue()).toBe('Gangtræning');
      expect(await page.getByLabel('Titel').getAttribute('readonly')).not.toBeNull();
      expect(await page.getByRole('button', { name: 'Gem' }).isDisabled()).toBe(true);
      // The header opens it again; its "Log ud" asks before the draft is thrown away, and "Luk" closes it.
      await page.getByRole('banner').getByRole('button', { name: 'Log ind igen' }).click();
      await dialog.waitFor();
      const questions: string[] = [];
      page.once('dialog', (d) => { questions.push(d.message()); void d.dismiss(); });
      await dialog.getByRole('button', { name: 'Log ud' }).click();
      await poll(() => questions).toEqual(['Du har ændringer, der ikke er gemt. Vil du logge ud og miste dem?']);
      expect(await dialog.isVisible()).toBe(true);
      await dialog.getByRole('button', { name: 'Luk' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByRole('main').getByRole('button', { name: 'Log ind igen' }).click();
      await dialog.waitFor();
      await dialog.getByLabel('Kommunens token').fill(await web.server.token('260'));
      await dialog.getByRole('button', { name: 'Log ind' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect(await page.getByLabel('Lokal kode').inputValue()).toBe('260-GANG');
      expect(await page.getByLabel('Titel').inputValue()).toBe('Gangtræning');
      await page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
      await searchTargets(page, 'fysisk');
      await page.getByRole('radio', { name: 'Fysisk træning' }).first().check();
      await page.getByRole('button', { name: 'Gem' }).click();
      await page.locator('.translate-check').waitFor();
      expect((await web.fhirGet<CodeSystem>('CodeSystem/kommune-260-lokale-indsatser')).concept?.map((c) => c.code)).toEqual(['260-GANG']);
    });

    it('two tabs: edits of different codes are merged; an edit of the same code is a conflict, in Danish, with the form kept', async () => {
      await seed('270', [
        { code: '270-A', display: 'Alfa', type: 'indsats' }, { code: '270-B', display: 'Beta', type: 'indsats' },
      ], () => [CODES.fysiskTraening119]);
      const one = await web.newPage();
      const two = await web.newPage();
      await signIn(one, '270', 'Gribskov Kommune');
      await signIn(two, '270', 'Gribskov Kommune');
      await one.getByRole('link', { name: 'Redigér Alfa' }).click();
      await two.getByRole('link', { name: 'Redigér Beta' }).click();
      await one.getByLabel('Titel').fill('Alfa ændret');
      await two.getByLabel('Titel').fill('Beta ændret');
      await one.getByRole('button', { name: 'Gem' }).click();
      await one.locator('.translate-check').waitFor();
      await two.getByRole('button', { name: 'Gem' }).click();
      await two.getByText('din ændring er lagt oven på den nye version').waitFor();
      const cs = await web.fhirGet<CodeSystem>('CodeSystem/kommune-270-lokale-indsatser');
      expect(cs.concept?.map((c) => c.display)).toEqual(['Alfa ændret', 'Beta ændret']);

      // Both tabs now edit 270-A: the second save must not overwrite the first.
      await one.getByRole('link', { name: 'Redigér Alfa ændret' }).click();
      await two.getByRole('link', { name: 'Redigér Alfa ændret' }).click();
      await one.getByLabel('Titel').fill('Alfa fra fane 1');
      await two.getByLabel('Titel').fill('Alfa fra fane 2');
      await one.getByRole('button', { name: 'Gem' }).click();
      await one.locator('.translate-check').waitFor();
      await two.getByRole('button', { name: 'Gem' }).click();
      const alert = two.getByRole('alert');
      await alert.getByText('Koden 270-A er ændret af en anden i mellemtiden').waitFor();
      expect(await alert.textContent()).not.toMatch(/If-Match\)|changed since it was read/);
      expect(await two.getByLabel('Titel').inputValue()).toBe('Alfa fra fane 2');
      const after = await web.fhirGet<CodeSystem>('CodeSystem/kommune-270-lokale-indsatser');
      expect(after.concept?.find((c) => c.code === '270-A')?.display).toBe('Alfa fra fane 1');
    });
  });

  describe('every view: one h1, and axe-core finds no violations', () => {
    it("the editor's addresses that show only a notice: an h1 saying what the address was for, and the way back", async () => {
      const page = await web.newPage();
      const expectNotice = async (hash: string, h1: string, notice: RegExp) => {
        await page.goto(`${web.server.origin}/app/#/${hash}`);
        await page.getByRole('heading', { level: 1, name: h1 }).waitFor();
        expect(await page.locator('h1').count()).toBe(1);
        expect(await page.locator('main .notice').innerText()).toMatch(notice);
        expect(await page.getByRole('main').getByRole('link', { name: 'Tilbage til Min kommune' }).getAttribute('href')).toBe('#/kommune');
      };
      await signIn(page, '370', 'Næstved Kommune');
      await expectNotice('kommune/rediger/kommune-370-lokale-indsatser/FINDES-IKKE', 'Redigér FINDES-IKKE', /findes ikke/);
      await expectNotice('kommune/rediger/kommune-370-lokale-indsatser/370-BOLDSPIL', 'Redigér Boldspil', /offentliggjort eksempel/);
      // another municipality's catalog
      await page.getByRole('banner').getByRole('button', { name: 'Log ud' }).click();
      await signIn(page, '751', 'Aarhus Kommune');
      await expectNotice('kommune/rediger/kommune-370-lokale-indsatser/370-BOLDSPIL', 'Redigér 370-BOLDSPIL', /findes ikke .*Aarhus Kommunes kataloger/);
      // an administrator's token names no municipality
      await page.getByRole('banner').getByRole('button', { name: 'Log ud' }).click();
      await page.goto(`${web.server.origin}/app/#/kommune`);
      await page.getByLabel('Kommunens token').fill(await web.server.adminToken());
      await page.getByRole('button', { name: 'Log ind' }).click();
      await page.getByRole('banner').getByText('Administrator').waitFor();
      await expectNotice('kommune/ny', 'Ny lokal indsats eller tilbud', /ingen bestemt kommune/);
      expect(await axeViolations(page)).toEqual([]);
    });

    it.each([[1366], [390]])('at %i px', async (width) => {
      const page = await web.newPage();
      await page.setViewportSize({ width, height: 900 });
      const found: Record<string, string[]> = {};
      const check = async (name: string) => {
        expect(`${name}: ${await page.locator('h1').count()}`).toBe(`${name}: 1`);
        const v = await axeViolations(page);
        if (v.length > 0) found[name] = v;
      };
      await page.goto(`${web.server.origin}/app/`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check('kataloger');
      await page.goto(`${web.server.origin}/app/#/kataloger/119/${CODES.fysiskTraening119}`);
      await page.getByRole('article').getByRole('heading', { name: 'Formål' }).waitFor();
      await check('begreb');
      // A retired concept, selected in the tree: crossed out, and as readable as any selected concept.
      await page.goto(`${web.server.origin}/app/#/kataloger/fsiii/${CODES.tobaksafvaenningRetired}`);
      await page.locator('.node a.inactive[aria-current="true"]').waitFor();
      await check('udgået begreb valgt');
      await page.goto(`${web.server.origin}/app/#/kataloger/kommune-370-tilbud`);
      await page.getByRole('button', { name: 'Fold ud: KOL rehabilitering' }).waitFor();
      await check('bilag 6');
      await page.goto(`${web.server.origin}/app/#/kommune`);
      await page.getByLabel('Kommunens token').waitFor();
      await check('log ind');
      await signIn(page, '370', 'Næstved Kommune');
      await page.getByRole('heading', { name: 'Dækning' }).waitFor();
      await check('min kommune');
      // The editor: a retired target chosen, its replacement offered in the preview.
      await page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
      await page.getByLabel('Lokalt katalog').selectOption({ label: 'Nyt katalog …' });
      await page.getByLabel('Navn på det nye katalog').fill(`axe-${width}`);
      await page.getByLabel('Lokal kode').fill(`370-AXE${width}`);
      await page.getByLabel('Titel').fill(`Rygestop ${width}`);
      await page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
      await page.getByLabel('Katalog', { exact: true }).selectOption('fsiii');
      await searchTargets(page, 'tobaksafvænning');
      await page.locator('fieldset.candidates').getByRole('radio', { name: /^Tobaksafvænning/ }).check();
      await page.locator('.picker-preview').getByRole('button', { name: /^Brug i stedet/ }).waitFor();
      await check('rediger');
      // Saved with a warning, and "Brug i stedet" in the message.
      await page.getByRole('button', { name: 'Gem' }).click();
      await page.locator('.save-warnings').waitFor();
      await check('gemt med advarsler');
      // A catalog's history, opened: each saved version with its author and what changed.
      await page.locator('details.resource-history > summary', { hasText: 'Historik for kataloget' }).first().click();
      await page.locator('details.resource-history ol.history li').first().waitFor();
      await check('historik');
      // Editing a code linked to a retired target.
      await page.getByRole('link', { name: `Redigér Rygestop ${width}` }).click();
      await page.getByRole('list', { name: 'Valgte mål' }).getByText('udgået').waitFor();
      await check('rediger eksisterende');
      // The import, and its preview of what would change: a code added (with a warning), the editor's code removed.
      await page.goto(`${web.server.origin}/app/#/import`);
      await page.getByLabel('CSV-fil').waitFor();
      await check('import');
      await page.getByLabel('Katalogets navn').fill(`axe-${width}`);
      const csv = `kode;titel;type;maal\n370-NY${width};Ny;indsats;${CODES.tobaksafvaenningRetired}\n`;
      await page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
      await page.getByRole('radio', { name: /Erstat/ }).check();
      await page.getByRole('button', { name: 'Vis ændringer' }).click();
      await page.getByRole('list', { name: 'Koder der slettes' }).getByText('oprettet i redigeringen').waitFor();
      await check('import: ændringerne');
      // Comparing municipalities.
      await page.goto(`${web.server.origin}/app/#/sammenlign/119`);
      await page.getByRole('table', { name: /^§119/ }).waitFor();
      await check('sammenlign');
      expect(found).toEqual({});
    });
  });
});
