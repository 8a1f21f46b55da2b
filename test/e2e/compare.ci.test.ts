import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { parse } from 'csv-parse/sync';
import { describeInChromium } from '../support/chromium';
import { catalogCodes, COUNTS_CSV, expectedCoverage, importDataUseCatalogs, localCatalogs } from '../support/data-use';
import { CODES } from '../support/local';
import { axeViolations } from './axe';
import kommuner from '../../src/municipal/kommuner.json';

/**
 * "Sammenlign kommuner" in headless Chromium, with the data-use example loaded (the local catalogs of 101 and 147
 * imported, 370 published): the coverage matrix per catalog, the roll-up of the counts file as a chart, its
 * downloads, the keyboard, and a phone's width.
 */
jest.setTimeout(120_000);

const counts = fs.readFileSync(COUNTS_CSV);
const municipalities = [...localCatalogs().keys()].sort();
/** The municipality's name from the maintained list of the 98 (the page names municipalities, not only their codes). */
const navn = (kode: string) => kommuner.kommuner.find((k) => k.kode === kode)!.officieltNavn;
/** The short name ("København"), where room is short: the chart's bar labels. */
const kortNavn = (kode: string) => kommuner.kommuner.find((k) => k.kode === kode)!.navn;

/** The server's comparison table of the counts (layout=wide, in Danish as the page asks), what the page must show and offer for download. */
async function wideTable(): Promise<{ text: string; rows: Record<string, string>[] }> {
  const res = await fetch(`${web.server.fhirBase}/ConceptMap/$rollup?layout=wide`, {
    method: 'POST', headers: { 'Content-Type': 'text/csv', Accept: 'text/csv', 'Accept-Language': 'da' }, body: counts,
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, rows: parse(text, { columns: true }) as Record<string, string>[] };
}

/** The rows of a table on the page: header cell texts, then each body row's cell texts. */
async function tableCells(page: Page, name: string): Promise<string[][]> {
  const table = page.getByRole('table', { name });
  await table.waitFor();
  return table.locator('thead tr, tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim())));
}

async function countUp(): Promise<void> {
  await web.page.getByLabel('Tællinger (CSV-fil)').setInputFiles({ name: 'taellinger.csv', mimeType: 'text/csv', buffer: counts });
  await web.page.getByRole('button', { name: 'Tæl op' }).click();
  await web.page.getByRole('img', { name: /Dokumenterede indsatser pr\. fælleskommunal indsats/ }).waitFor();
}

const web = describeInChromium('web page: Sammenlign kommuner (headless Chromium)', {
  setup: (server) => importDataUseCatalogs(server.origin, (k) => server.token(k)),
}, () => {
  it('shows per municipality which §119 interventions its local catalog covers, as a table', async () => {
    await web.page.goto(`${web.server.origin}/app/`);
    await web.page.getByRole('navigation', { name: 'Hovedmenu' }).getByRole('link', { name: 'Sammenlign kommuner' }).click();
    await web.page.getByRole('heading', { name: 'Sammenlign kommuner', level: 1 }).waitFor();
    expect(await web.page.title()).toBe('§119 Forebyggelse – Sammenlign kommuner – Fælles Sprog');
    expect(await web.page.getByRole('radio', { name: '§119 Forebyggelse' }).isChecked()).toBe(true);

    const [header, ...rows] = await tableCells(web.page, '§119 Forebyggelse: lokale koder pr. fælleskommunal indsats og kommune');
    expect(header).toEqual(['Fælleskommunal indsats', ...municipalities.map((k) => `${navn(k)} (${k})`), 'Kommuner']);
    const codes = catalogCodes('ValueSet-indsatskatalog-119.json');
    expect(rows).toHaveLength(codes.length);
    const expected = expectedCoverage(codes);
    const links = web.page.getByRole('table', { name: /^§119/ }).locator('tbody th a');
    for (const [i, row] of rows.entries()) {
      const code = decodeURIComponent((await links.nth(i).getAttribute('href'))!.split('/').pop()!);
      municipalities.forEach((k, j) => {
        const cell = expected.get(`${k}|${code}`);
        const n = cell ? cell.indsats + cell.tilbud : 0;
        // the number, and what it is made of for a screen reader
        expect(row[j + 1]).toMatch(n === 0 ? /^–\s*ingen$/ : new RegExp(`^${n}\\s*\\(`));
      });
      expect(row[municipalities.length + 1]).toBe(String(municipalities.filter((k) => expected.has(`${k}|${code}`)).length));
    }
    // 101's smoking-cessation group is mapped to the retired Tobaksafvænning: it covers Nikotin- og tobaksafvænning
    const nikotin = web.page.getByRole('row', { name: /^Nikotin- og tobaksafvænning/ });
    expect(await nikotin.getByRole('cell').first().getAttribute('title')).toBe(`${navn('101')}: 1 indsats`);
    // a row leads to the intervention in the catalogs
    await web.page.getByRole('link', { name: 'Nikotin- og tobaksafvænning' }).click();
    expect(web.page.url()).toContain(`#/kataloger/119/${CODES.nikotin}`);
  });

  it('switches catalog from the keyboard, and offers the matrix as CSV', async () => {
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await web.page.getByRole('table', { name: /^§119/ }).waitFor();
    await web.page.getByRole('radio', { name: '§119 Forebyggelse' }).focus();
    await web.page.keyboard.press('ArrowDown');
    await web.page.getByRole('table', { name: /^§140 Genoptræning/ }).waitFor();
    expect(web.page.url()).toContain('#/sammenlign/140');
    // FFB: its two value sets as groups of rows
    await web.page.keyboard.press('ArrowDown');
    const ffb = web.page.getByRole('table', { name: /^FFB/ });
    await ffb.waitFor();
    expect(await ffb.getByRole('rowheader', { name: 'Sociale tilbud' }).count()).toBe(1);
    expect(await ffb.getByRole('rowheader', { name: 'Ydelser' }).count()).toBe(1);

    await web.page.goto(`${web.server.origin}/app/#/sammenlign/140`);
    await web.page.getByRole('table', { name: /^§140/ }).waitFor();
    const [download] = await Promise.all([web.page.waitForEvent('download'), web.page.getByRole('button', { name: 'Hent dækningen (CSV)' }).click()]);
    // the page's name for it, not the server's (coverage-matrix.csv)
    expect(download.suggestedFilename()).toBe('daekning-140.csv');
    // as Danish Excel opens it: a byte order mark and ';' between cells
    const saved = fs.readFileSync((await download.path())!);
    expect([...saved.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(saved, { columns: true, delimiter: ';', bom: true }) as Record<string, string>[];
    const codes = catalogCodes('ValueSet-indsatskatalog-140.json');
    // with Danish column names; a municipality's column is its kommunekode
    expect((parse(saved, { delimiter: ';', bom: true, to: 1 }) as string[][])[0]!.slice(0, 5)).toEqual(['kode', 'titel', 'lovparagraf', 'værdisæt', 'kommuner']);
    expect(rows.map((r) => r.kode).sort()).toEqual([...codes].sort());
    const expected = expectedCoverage(codes);
    for (const r of rows) for (const k of municipalities) expect(Number(r[k])).toBe((expected.get(`${k}|${r.kode}`)?.indsats ?? 0) + (expected.get(`${k}|${r.kode}`)?.tilbud ?? 0));
  });

  it('rolls up an uploaded counts file: a bar chart per niveau-2 intervention and municipality, with the numbers as a table', async () => {
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await countUp();
    // the matrix, the chart, its table and the rows not counted: no accessibility violations (one h1, as every view)
    expect(await axeViolations(web.page)).toEqual([]);
    expect(await web.page.locator('h1').count()).toBe(1);
    const wide = await wideTable();
    const columns = municipalities;
    const [, ...rows] = await tableCells(web.page, 'Tallene i diagrammet: §119 Forebyggelse');
    // the municipalities by name: as the bars are labelled, and in full (with the kommunekode) for a screen reader
    const numbers = web.page.getByRole('table', { name: 'Tallene i diagrammet: §119 Forebyggelse' });
    expect(await numbers.locator('thead th [aria-hidden="true"]').allTextContents()).toEqual(columns.map(kortNavn));
    for (const k of columns) expect(await numbers.getByRole('columnheader', { name: `${navn(k)} (${k})`, exact: true }).count()).toBe(1);
    const codes = new Set(catalogCodes('ValueSet-indsatskatalog-119.json'));
    const lines = wide.rows.filter((r) => r.level === 'niveau2' && codes.has(r.code!));
    expect(rows.map((r) => r[0]).sort()).toEqual(lines.map((l) => l.display).sort());
    for (const line of lines) expect(rows.find((r) => r[0] === line.display)!.slice(1)).toEqual(columns.map((k) => line[k]));
    // the chart has a bar label per municipality and intervention, with the same numbers
    const chartTexts = await web.page.locator('.chart-box svg text').allTextContents();
    for (const line of lines) {
      expect(chartTexts.join(' ')).toContain(line.display);
      for (const k of columns) expect(chartTexts).toContain(line[k]);
    }
    for (const k of columns) expect(chartTexts).toContain(kortNavn(k));
    expect(chartTexts).not.toContain('101');
    expect(await web.page.locator('.chart-box svg desc').textContent())
      .toContain(`én søjle pr. kommune (${columns.map((k) => `${navn(k)} (${k})`).join(', ')})`);
    // what was not counted, and the retired target counted on its successor, said in Danish
    const body = await web.page.locator('.rollup-result').innerText();
    expect(body).toContain('ukendt kode');
    expect(body).toContain('en anden kommunes lokale kode');
    expect(body).toMatch(/101-RYGESTOP.*udgåede Tobaksafvænning.*Nikotin- og tobaksafvænning/);
    expect(body).toContain('Tallene er dokumenterede indsatser og tilstande');
    // in words for staff, not the API's names
    expect(body).not.toMatch(/offers=|conflicting-maps|http:|ConceptMap|\$rollup/);
    expect(await web.page.locator('.chart-box svg').textContent()).not.toMatch(/ConceptMap|\$rollup|offers=/);

    // the other catalog from the same counts: §140
    await web.page.getByRole('radio', { name: '§140 Genoptræning' }).check();
    const [, ...rows140] = await tableCells(web.page, 'Tallene i diagrammet: §140 Genoptræning');
    const codes140 = new Set(catalogCodes('ValueSet-indsatskatalog-140.json'));
    expect(rows140.map((r) => r[0]).sort()).toEqual(wide.rows.filter((r) => r.level === 'niveau2' && codes140.has(r.code!)).map((l) => l.display).sort());
  });

  it('rolls up with the maps of a date, and says so: municipalities whose maps came later have their local codes not mapped then', async () => {
    const wanted = async (date?: string) => {
      const res = await fetch(`${web.server.fhirBase}/ConceptMap/$rollup${date ? `?date=${date}` : ''}`, {
        method: 'POST', headers: { 'Content-Type': 'text/csv', Accept: 'application/fhir+json' }, body: counts,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { parameter: { name: string }[] };
      return body.parameter.filter((p) => p.name === 'notCounted').length;
    };
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await web.page.getByLabel('Tællinger (CSV-fil)').setInputFiles({ name: 'taellinger.csv', mimeType: 'text/csv', buffer: counts });
    await web.page.getByLabel('Koblinger pr. dato (valgfri)').fill('2020-01-01');
    await web.page.getByRole('button', { name: 'Tæl op' }).click();
    await web.page.locator('.rollup-result').getByText(/som de var 1\. januar 2020/).waitFor();
    // the imported municipalities' maps were written today: on that date their codes were not mapped
    const notMapped = await web.page.locator('.rollup-result tbody tr', { hasText: 'ikke koblet til en fælleskommunal indsats' }).count();
    expect(notMapped).toBeGreaterThan(0);
    expect(await web.page.locator('.rollup-result table.entries tbody tr').count()).toBe(await wanted('2020-01-01'));
    expect(await wanted('2020-01-01')).toBeGreaterThan(await wanted());
  });

  it('rolls each row up with the maps at the end of its own period, when asked: one file with several years', async () => {
    // the counts file twice, as 2020's rows (before the imported maps were written) and as this year's
    const [header, ...lines] = counts.toString('utf8').trim().split('\n');
    const year = String(new Date().getUTCFullYear());
    const file = Buffer.from([header, ...lines.map((l) => l.replace(/,[^,]*$/, ',2020')), ...lines.map((l) => l.replace(/,[^,]*$/, `,${year}`))].join('\n'));
    const res = await fetch(`${web.server.fhirBase}/ConceptMap/$rollup?dateFromPeriod=true`, {
      method: 'POST', headers: { 'Content-Type': 'text/csv', Accept: 'application/fhir+json' }, body: file,
    });
    expect(res.status).toBe(200);
    const notCounted = ((await res.json()) as { parameter: { name: string; part?: { name: string; valueString?: string }[] }[] }).parameter
      .filter((p) => p.name === 'notCounted').map((p) => p.part!.find((x) => x.name === 'period')!.valueString);
    // 2020's local codes were not mapped then; this year's are, as without a date
    expect(notCounted.filter((p) => p === '2020').length).toBeGreaterThan(notCounted.filter((p) => p === year).length);
    const withoutDate = await fetch(`${web.server.fhirBase}/ConceptMap/$rollup`, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: file });
    expect(((await withoutDate.json()) as { parameter: { name: string }[] }).parameter.filter((p) => p.name === 'notCounted').length).toBeLessThan(notCounted.length);

    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await web.page.getByLabel('Tællinger (CSV-fil)').setInputFiles({ name: 'to-aar.csv', mimeType: 'text/csv', buffer: file });
    await web.page.getByLabel('Koblinger pr. rækkens periode').check();
    expect(await web.page.getByLabel('Koblinger pr. dato (valgfri)').isDisabled()).toBe(true);
    await web.page.getByRole('button', { name: 'Tæl op' }).click();
    await web.page.locator('.rollup-result').getByText(/ved udgangen af hver rækkes periode \(2020 → 2020/).waitFor();
    expect(await web.page.locator('.rollup-result table.entries tbody tr').count()).toBe(notCounted.length);
    expect(await axeViolations(web.page)).toEqual([]);
  });

  it('chooses the municipalities of the chart (at most 8) by name', async () => {
    const nine = ['101', '147', '151', '153', '155', '157', '159', '161', '163'];
    const file = ['kommunekode,system,kode,antal', ...nine.map((k, i) => `${k},urn:oid:1.2.208.176.2.21,${CODES.fysiskTraening119},${i + 1}`)].join('\n');
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await web.page.getByLabel('Tællinger (CSV-fil)').setInputFiles({ name: 'ni.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await web.page.getByRole('button', { name: 'Tæl op' }).click();
    const choice = web.page.getByRole('group', { name: 'Kommuner i diagrammet (højst 8)' });
    await choice.waitFor();
    expect(await choice.getByRole('checkbox').evaluateAll((boxes) => boxes.map((b) => b.parentElement!.textContent))).toEqual(nine.map((k) => `${navn(k)} (${k})`));
    expect(await choice.getByRole('checkbox', { name: `${navn('163')} (163)` }).isDisabled()).toBe(true);
    await choice.getByRole('checkbox', { name: `${navn('101')} (101)` }).uncheck();
    await choice.getByRole('checkbox', { name: `${navn('163')} (163)` }).check();
    await web.page.locator('.chart-box svg text', { hasText: kortNavn('163') }).waitFor();
  });

  it('downloads the roll-up as CSV, and the chart as SVG and PNG', async () => {
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await countUp();
    const save = async (name: string) => {
      const [download] = await Promise.all([web.page.waitForEvent('download'), web.page.getByRole('button', { name }).click()]);
      return { name: download.suggestedFilename(), data: fs.readFileSync((await download.path())!) };
    };
    const csv = await save('Hent optællingen (CSV)');
    expect(csv.name).toBe('rollup-119.csv');
    expect([...csv.data.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    // the server's cells, with Danish column names and kinds of row
    const cells = parse(csv.data, { delimiter: ';', bom: true, relax_column_count: true }) as string[][];
    const server = parse((await wideTable()).text, { relax_column_count: true }) as string[][];
    expect(cells[0]).toEqual(['niveau', 'kode', 'titel', 'lovparagraf', ...server[0]!.slice(4)]);
    expect(cells.slice(1).map((r) => r.slice(1))).toEqual(server.slice(1).map((r) => r.slice(1)));
    expect(csv.data.toString('utf8')).toMatch(/\nikke talt;;ikke talt \(hver række og årsagen står i den lange opstilling\);;/);
    expect(csv.data.toString('utf8')).toMatch(/\nniveau 2;/);

    const svg = await save('Hent diagrammet (SVG)');
    expect(svg.name).toBe('rollup-119.svg');
    const svgText = svg.data.toString('utf8');
    expect(svgText).toMatch(/^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svgText).toContain('<title id="title">Dokumenterede indsatser pr. fælleskommunal indsats (niveau 2): §119 Forebyggelse</title>');
    expect(svgText).toContain('>Nikotin- og tobaksafvænning</text>');

    const png = await save('Hent diagrammet (PNG)');
    expect(png.name).toBe('rollup-119.png');
    expect(png.data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // twice the chart's size on the page
    const box = await web.page.locator('.chart-box svg').boundingBox();
    expect(png.data.readUInt32BE(16)).toBe(2 * Math.round(box!.width));
  });

  it('refuses a file without the needed columns, in Danish, before it is sent', async () => {
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await web.page.getByLabel('Tællinger (CSV-fil)').setInputFiles({ name: 'x.csv', mimeType: 'text/csv', buffer: Buffer.from('kommune;kode\n101;X\n') });
    await web.page.getByRole('button', { name: 'Tæl op' }).click();
    await web.page.getByRole('alert').getByText('der mangler: system, antal').waitFor();
  });

  it('works 390 px wide: the matrix scrolls inside its own box, not the page', async () => {
    await web.page.setViewportSize({ width: 390, height: 844 });
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await countUp();
    expect(await axeViolations(web.page)).toEqual([]);
    const region = web.page.getByRole('region', { name: /^§119 Forebyggelse: lokale koder/ });
    const sizes = await region.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(sizes.scroll).toBeGreaterThan(sizes.client);
    const main = await web.page.locator('main').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(main.scroll).toBeLessThanOrEqual(main.client);
    expect(await web.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const chart = await web.page.locator('.chart-box svg').boundingBox();
    expect(chart!.x + chart!.width).toBeLessThanOrEqual(390);
    // the rows not counted, one card each (the header row hidden): each value under its column's name
    const notCounted = web.page.locator('table.entries tbody tr').first();
    expect(await web.page.locator('table.entries thead').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(1);
    expect(await notCounted.locator('td').evaluateAll((cells) => cells.map((c) => getComputedStyle(c, '::before').content)))
      .toEqual(['"Linje"', '"Kommune"', '"Kode"', '"Antal"', '"Årsag"']);
    // the scrolling box is reached and scrolled from the keyboard
    await region.focus();
    await web.page.keyboard.press('ArrowRight');
    await web.page.waitForFunction(() => (document.querySelector('.matrix-scroll') as HTMLElement).scrollLeft > 0);
    // the row titles wrap between words, never inside one (no "Behovssamta|le")
    const brokenWords = () => web.page.locator('table.matrix tbody th[scope="row"]').evaluateAll((cells) => cells.flatMap((cell) => {
      const broken: string[] = [];
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index!);
          range.setEnd(node, m.index! + m[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
      }
      return broken;
    }));
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/119`);
    await web.page.getByRole('table', { name: /^§119/ }).waitFor();
    expect(await brokenWords()).toEqual([]);
    // and a long word in the sticky first column does not run into the next cell (FFB's names)
    await web.page.goto(`${web.server.origin}/app/#/sammenlign/ffb`);
    await web.page.getByRole('table', { name: /^FFB/ }).waitFor();
    const overflowing = await web.page.locator('table.matrix th[scope="row"]')
      .evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent));
    expect(overflowing).toEqual([]);
    expect(await brokenWords()).toEqual([]);
  });
});
