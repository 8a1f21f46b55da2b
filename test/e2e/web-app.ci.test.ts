import type { Bundle, CodeSystem, Parameters } from 'fhir/r4';
import type { Page } from 'playwright-core';
import { describeInChromium, searchTargets } from '../support/chromium';
import { kommuneByKode } from '../../src/municipal/kommuner';
import { CODES } from '../support/local';

/**
 * The web page at /app in headless Chromium, against the server running in this process (fresh embedded store,
 * known JWT secret): browsing the catalogs, mapping a local intervention as a municipality, and the CSV import.
 */
jest.setTimeout(120_000);

async function signIn(kommunekode: string): Promise<void> {
  await web.page.goto(`${web.server.origin}/app/#/kommune`);
  await web.page.getByLabel('Kommunens token').fill(await web.server.token(kommunekode));
  await web.page.getByRole('button', { name: 'Log ind' }).click();
  await web.page.getByRole('heading', { name: `${kommuneByKode(kommunekode)!.officieltNavn}: lokale indsatser og tilbud` }).waitFor();
}

/**
 * The page's confirmation of a save: the server's $translate of the saved code, shown on the municipality page. When
 * it does not come, the test fails with what the page shows instead (an error, a problem, "no translation yet") and
 * the requests that failed or are still unanswered.
 */
async function savedTranslation(): Promise<string> {
  const check = web.page.locator('.translate-check');
  try {
    await check.waitFor();
  } catch (e) {
    const shown = await web.page.locator('main').innerText().catch(() => '(no page)');
    const requests = web.requestProblems();
    throw new Error(`No $translate confirmation after saving (${(e as Error).message.split('\n')[0]}). The page shows:\n${shown.slice(0, 3000)}\n`
      + `Requests that failed or are unanswered: ${requests.length === 0 ? 'none' : requests.join('\n')}`);
  }
  return (await check.textContent()) ?? '';
}

const web = describeInChromium('web page (headless Chromium)', {}, () => {
  it('serves the built page at /app with no inline script, under the self-only policy', async () => {
    const res = await fetch(`${web.server.origin}/app/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<html lang="da">');
    expect(html).toMatch(/<script type="module" src="main\.js"><\/script>/);
    expect(html).not.toMatch(/<script>[^<]/);
  });

  it('browses to a §119 intervention and shows its formål, and where it is used', async () => {
    await web.page.goto(`${web.server.origin}/app/`);
    await web.page.getByRole('navigation', { name: 'Kataloger' }).getByRole('link', { name: '§119 Forebyggelse' }).click();
    await web.page.getByRole('list', { name: '§119 Forebyggelse: begreber' }).getByRole('link', { name: 'Fysisk træning' }).click();
    const concept = web.page.getByRole('article');
    await concept.getByRole('heading', { name: 'Fysisk træning', level: 2 }).waitFor();
    await concept.getByRole('heading', { name: 'Formål' }).waitFor();
    const text = await concept.textContent();
    expect(text).toContain('Formålet med fysisk træning er, at borgeren tilegner sig erfaringer med fysiske aktiviteter');
    expect(text).toContain('Superviserede');
    expect(text).toContain('Boldspil');
    expect(text).toContain('Sundhedsloven §119');
    // Where it is used: the catalog and the example municipality's local intervention mapped to it.
    expect(text).toContain('§119 Forebyggelse');
    expect(text).toContain('370-BOLDSPIL');
    expect(web.page.url()).toContain(`#/kataloger/119/${CODES.fysiskTraening119}`);
  });

  it("shows a municipality's pick lists (bilag 6): offers with their interventions, and niveau 1 → 2 → 3", async () => {
    await web.page.goto(`${web.server.origin}/app/`);
    const nav = web.page.getByRole('navigation', { name: 'Kataloger' });
    await nav.getByRole('heading', { name: 'Næstved Kommune (bilag 6)' }).waitFor();
    await nav.getByRole('link', { name: 'Vælg indsats (niveau 1–3)' }).last().click();
    expect(web.page.url()).toContain('#/kataloger/kommune-370-indsatsvaelger');
    const tree = web.page.getByRole('list', { name: 'Vælg indsats (niveau 1–3): begreber' });
    // niveau 1 starts open; a niveau-2 code opens to the local interventions mapped to it
    await web.page.getByRole('button', { name: 'Fold ud: Sygdomshåndtering' }).click();
    await tree.getByRole('link', { name: 'Medicinundervisning' }).click();
    await web.page.getByRole('article').getByRole('heading', { name: 'Medicinundervisning', level: 2 }).waitFor();
    expect(await web.page.getByRole('article').textContent()).toContain('370-MEDICINUNDERVISNING');
    // what the EOJ system records for it: the niveau-2 coding with the niveau-3 coding in KL's gateway system
    const recorded = web.page.getByRole('list', { name: 'Registreres som' });
    await recorded.waitFor();
    expect(await recorded.textContent()).toBe('Sygdomshåndtering FSIII + Medicinundervisning http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions');

    await web.page.goto(`${web.server.origin}/app/#/kataloger/kommune-370-tilbud`);
    await web.page.getByRole('button', { name: 'Fold ud: KOL rehabilitering' }).click();
    const offers = web.page.getByRole('list', { name: 'Tilbud og deres indsatser: begreber' });
    await offers.getByRole('link', { name: 'Nikotin- og tobaksafvænning' }).waitFor();
    expect(await offers.getByRole('link').count()).toBe(7);
  });

  it('searches with the Danish-aware filter of $expand and works from the keyboard', async () => {
    await web.page.goto(`${web.server.origin}/app/#/kataloger/fsiii`);
    // The whole of FSIII as a tree: a branch opens from the keyboard.
    const toggle = web.page.getByRole('button', { name: 'Fold ud: Kommunale sundhedsfremme og forebyggelsesindsatser' });
    await toggle.focus();
    await web.page.keyboard.press('Enter');
    await web.page.getByRole('button', { name: 'Fold sammen: Kommunale sundhedsfremme og forebyggelsesindsatser' }).waitFor();
    await web.page.getByRole('list', { name: 'Hele FSIII: begreber' }).getByRole('link', { name: 'Kostvejledning' }).waitFor();

    await web.page.getByLabel('Søg i Hele FSIII').fill('faerdighedstraening');
    const results = web.page.getByRole('list', { name: 'Søgeresultater' });
    await results.getByRole('link', { name: 'Færdighedstræning' }).first().focus();
    await web.page.keyboard.press('Enter');
    await web.page.getByRole('article').getByRole('heading', { name: 'Færdighedstræning', level: 2 }).waitFor();
    // The legacy-key twins of FSIII are not listed.
    const listed = await results.getByRole('link').allTextContents();
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((t) => /færdighed/i.test(t))).toBe(true);
    expect(await results.getByRole('link', { name: 'Færdighedstræning' }).count()).toBe(1);
  });

  it('signs in as a municipality, maps a new local intervention, and $translate answers it', async () => {
    await signIn('101');
    await web.page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
    await web.page.getByRole('heading', { name: 'Ny lokal indsats eller tilbud' }).waitFor();
    expect(await web.page.title()).toBe('Ny lokal indsats eller tilbud – Min kommune – Fælles Sprog');
    // No catalog yet: the editor creates one.
    expect(await web.page.getByLabel('Navn på det nye katalog').inputValue()).toBe('lokale-indsatser');
    await web.page.getByLabel('Lokal kode').fill('101-HOLDTRAENING');
    // A title is at most 250 characters.
    await web.page.getByLabel('Titel').fill('Æ'.repeat(251));
    await web.page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();

    // Saving without a target is stopped by the page, in Danish.
    await web.page.getByRole('button', { name: 'Gem' }).click();
    const summary = web.page.locator('#editor-problems');
    await summary.getByRole('alert').getByText('En lokal indsats kobles til præcis én fælleskommunal indsats').waitFor();
    await summary.getByText('Titlen er længere end 250 tegn').waitFor();
    // The summary follows the form: the title fixed, that problem leaves it.
    await web.page.getByLabel('Titel').fill('Holdtræning for ældre');
    await summary.getByText('Titlen er længere end 250 tegn').waitFor({ state: 'detached' });
    await summary.getByText('der er valgt 0').waitFor();

    // Pick the target in the §119 catalog, with its catalog text in view.
    await searchTargets(web.page, 'fysisk');
    await web.page.getByRole('radio', { name: 'Fysisk træning' }).check();
    const preview = web.page.locator('.picker-preview');
    await preview.getByRole('heading', { name: 'Formål' }).waitFor();
    expect(await preview.textContent()).toContain('Formålet med fysisk træning');
    await web.page.getByRole('list', { name: 'Valgte mål' }).getByText('Fysisk træning').waitFor();
    // The target chosen, the summary has nothing left to say.
    await summary.getByRole('alert').waitFor({ state: 'detached' });
    // Only the short status line is read out, not the catalog text at each arrow key.
    expect(await preview.getAttribute('aria-live')).toBeNull();
    const live = await preview.locator('[aria-live], [role="status"], [role="alert"], [role="log"]').allTextContents();
    expect(live).toHaveLength(1);
    expect(live[0]).toMatch(/^Valgt: Fysisk træning\s*§119$/);

    await web.page.getByRole('button', { name: 'Gem' }).click();
    expect(await savedTranslation()).toContain('Fysisk træning');
    const row = web.page.getByRole('row', { name: /101-HOLDTRAENING/ });
    expect(await row.textContent()).toContain('Fysisk træning');

    // The server answers the new local code by $translate, from the map the page wrote.
    const t = await web.fhirGet<Parameters>(
      `ConceptMap/$translate?system=${encodeURIComponent('http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser')}&code=101-HOLDTRAENING`);
    expect(t.parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(true);
    const match = t.parameter?.find((p) => p.name === 'match');
    expect(match?.part?.find((p) => p.name === 'concept')?.valueCoding).toMatchObject({ code: CODES.fysiskTraening119 });
    expect(match?.part?.find((p) => p.name === 'equivalence')?.valueCode).toBe('subsumes');

    // A second intervention goes into the same catalog, conditional on the version just written.
    await web.page.getByRole('link', { name: 'Ny lokal indsats eller tilbud' }).click();
    await web.page.getByLabel('Lokal kode').fill('101-KOSTHOLD');
    await web.page.getByLabel('Titel').fill('Kostholdsvejledning');
    await web.page.getByRole('radio', { name: 'Indsats (niveau 3)' }).check();
    await searchTargets(web.page, 'kost');
    await web.page.getByRole('radio', { name: 'Kostvejledning' }).check();
    await web.page.getByRole('list', { name: 'Valgte mål' }).getByText('Kostvejledning').waitFor();
    await web.page.locator('.picker-preview').getByRole('heading', { name: 'Formål' }).waitFor();
    await web.page.getByRole('button', { name: 'Gem' }).click();
    expect(await savedTranslation()).toContain('Kostvejledning');
    const cs = await web.fhirGet<CodeSystem>('CodeSystem/kommune-101-lokale-indsatser');
    expect(cs.meta?.versionId).toBe('2');
    expect(cs.concept?.map((c) => c.code)).toEqual(['101-HOLDTRAENING', '101-KOSTHOLD']);
  });

  it('imports a CSV: an error shows its row and nothing is written; the corrected file is imported', async () => {
    await signIn('147');
    await web.page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Importér CSV' }).click();
    const broken = [
      'kode;titel;type;maal',
      `147-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`,
      '147-SVOEM;Svømning;forløb;Fysisk træning',
      '',
    ].join('\n');
    await web.page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale.csv', mimeType: 'text/csv', buffer: Buffer.from(broken, 'utf8') });
    await web.page.getByRole('button', { name: 'Vis ændringer' }).click();
    const alert = web.page.getByRole('alert');
    await alert.getByText('Ikke importeret').waitFor();
    const rows = await alert.getByRole('row').allTextContents();
    expect(rows.some((r) => r.startsWith('3') && r.includes("type 'forløb' skal være indsats eller tilbud"))).toBe(true);
    expect(rows.some((r) => r.startsWith('3') && r.includes('er titlen på 2 fælleskommunale begreber'))).toBe(true);
    const none = await web.fhirGet<Bundle>('CodeSystem?identifier=147');
    expect(none.entry ?? []).toEqual([]);

    const fixed = broken.replace('forløb;Fysisk træning', `indsats;${CODES.fysiskTraening140}`);
    await web.page.getByLabel('CSV-fil').setInputFiles({ name: 'lokale.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed, 'utf8') });
    await web.page.getByRole('button', { name: 'Vis ændringer' }).click();
    await web.page.getByRole('button', { name: 'Importér', exact: true }).click();
    await web.page.getByText('Importeret.').waitFor();
    const written = await web.fhirGet<Bundle>('CodeSystem?identifier=147');
    expect((written.entry?.[0]?.resource as CodeSystem).concept?.map((c) => c.code)).toEqual(['147-BOLD', '147-SVOEM']);
  });
});
