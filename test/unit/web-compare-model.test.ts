import fs from 'node:fs';
import type { Parameters } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { App } from '../../src/app';
import { layoutBarChart, svgMarkup, type Shape } from '../../web/src/chart';
import { danishTable, spreadsheetCsv } from '../../web/src/download';
import { danishDate } from '../../web/src/words';
import {
  cellText, chartData, columnName, compareCatalog, countsFileText, heatLevel, missingRollupColumns, plainCounting, readMatrix, readRollup, type Matrix, type Rollup,
} from '../../web/src/compare-model';
import { testApp } from '../support/app';
import { catalogCodes, COUNTS_CSV, expectedCoverage, importDataUseCatalogs, localCatalogs } from '../support/data-use';

/** The web page's "Sammenlign kommuner" model, read from the server's real answers, and the chart's layout. */

let app: App;
const counts = fs.readFileSync(COUNTS_CSV, 'utf8');

beforeAll(async () => {
  app = await testApp();
  await importDataUseCatalogs(app);
});

async function matrixOf(key: string): Promise<Matrix> {
  const catalog = compareCatalog(key);
  const body = { resourceType: 'Parameters', parameter: catalog.valueSets.map((vs) => ({ name: 'valueSet', valueCanonical: vs.url })) };
  const res = await request(app).post('/fhir/ConceptMap/$coverage-matrix').type('application/fhir+json').send(body).expect(200);
  return readMatrix(catalog, res.body as Parameters);
}

async function rollup(query = ''): Promise<Rollup> {
  const res = await request(app).post(`/fhir/ConceptMap/$rollup${query}`).set('Content-Type', 'text/csv').set('Accept-Language', 'da').send(counts).expect(200);
  return readRollup(res.body as Parameters);
}

describe('coverage matrix model', () => {
  it('reads $coverage-matrix: the municipalities, and a line per intervention with its cells', async () => {
    const m = await matrixOf('119');
    const codes = catalogCodes('ValueSet-indsatskatalog-119.json');
    expect(m.municipalities.map((x) => x.kommunekode)).toEqual([...localCatalogs().keys()].sort());
    expect(m.interventions).toBe(codes.length);
    expect(m.groups).toHaveLength(1);
    expect(m.groups[0]!.label).toBeUndefined();
    const expected = expectedCoverage(codes);
    for (const line of m.groups[0]!.lines) {
      for (const k of ['101', '147', '370']) expect(line.cells.get(k)).toEqual(expected.get(`${k}|${line.code}`));
    }
  });

  it('groups FFB by its two value sets, each linked to its catalog in the Kataloger view', async () => {
    const m = await matrixOf('ffb');
    expect(m.groups.map((g) => [g.label, g.browseKey])).toEqual([['Sociale tilbud', 'ffb-sociale-tilbud'], ['Ydelser', 'ffb-ydelser']]);
    expect(m.groups.map((g) => g.lines.length)).toEqual([catalogCodes('ValueSet-ffb-sociale-tilbud.json').length, catalogCodes('ValueSet-ffb-ydelser.json').length]);
  });

  it('says a cell in words, and steps the heat map', () => {
    expect(cellText(undefined)).toBe('ingen lokale koder');
    expect(cellText({ indsats: 1, tilbud: 0 })).toBe('1 indsats');
    expect(cellText({ indsats: 2, tilbud: 1 })).toBe('2 indsatser og 1 tilbud');
    expect([0, 1, 2, 3, 4, 5, 40].map(heatLevel)).toEqual([0, 1, 2, 3, 3, 4, 4]);
  });
});

describe('roll-up model and chart data', () => {
  it("gives the chart the roll-up's niveau-2 counts on the catalog's interventions, as the server's wide table has them", async () => {
    const r = await rollup();
    expect(r.columns).toEqual(['101', '147', '370']);
    expect(r.counting).toMatch(/^Tallene er dokumenterede indsatser/);
    // said to staff without the API's names and URLs
    for (const text of [r.counting, (await rollup('?offers=exclude&date=2025-06-30')).counting]) {
      const plain = plainCounting(text);
      expect(plain).not.toMatch(/offers=|conflicting-maps|exclude|http|\d{4}-\d{2}-\d{2}/);
      expect(plain).toMatch(/^Tallene er dokumenterede indsatser/);
    }
    expect(plainCounting((await rollup('?date=2025-06-30')).counting)).toContain('som de var 30. juni 2025');
    const wide = parse((await request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', 'text/csv').send(counts)
      .expect(200)).text, { columns: true }) as Record<string, string>[];
    for (const key of ['119', '140']) {
      const codes = new Set(catalogCodes(`ValueSet-indsatskatalog-${key}.json`));
      const data = chartData(r, await matrixOf(key), r.columns);
      const lines = wide.filter((l) => l.level === 'niveau2' && codes.has(l.code!));
      expect(data.categories.map((c) => c.code).sort()).toEqual(lines.map((l) => l.code).sort());
      for (const c of data.categories) expect(c.values).toEqual(r.columns.map((k) => Number(lines.find((l) => l.code === c.code)![k])));
      // what is outside the catalog is said, and everything adds up to the niveau-2 total
      const inside = data.categories.reduce((n, c) => n + c.values.reduce((a, b) => a + b, 0), 0);
      expect(inside + data.outside).toBe(r.summary.niveau2Total);
    }
  });

  it('keeps only the chosen columns, and reads what was not counted, replaced and outdated', async () => {
    const r = await rollup('?offers=exclude');
    const data = chartData(r, await matrixOf('119'), ['147']);
    expect(data.series).toEqual(['Frederiksberg']);
    expect(data.categories.every((c) => c.values.length === 1)).toBe(true);
    expect(r.notCounted.map((n) => n.reason)).toContain('offer-excluded');
    expect(r.replaced.map((x) => x.code)).toEqual(['101-RYGESTOP']);
    expect(r.outdated.length).toBeGreaterThan(0);
  });

  it('names a column by its municipality (in full, or short for the chart), with its district and period', () => {
    expect(columnName('101')).toBe('Københavns Kommune (101)');
    expect(columnName('101', true)).toBe('København');
    expect(columnName('751 Bydel 1 2026-K1')).toBe('Aarhus Kommune (751) Bydel 1 2026-K1');
    expect(columnName('751 Bydel 1 2026-K1', true)).toBe('Aarhus Bydel 1 2026-K1');
    expect(columnName('999')).toBe('Kommune 999');
    expect(columnName('999', true)).toBe('Kommune 999');
  });

  it("names the columns a counts file's header lacks (Danish or English names, comma or semicolon)", () => {
    expect(missingRollupColumns(counts)).toEqual([]);
    expect(missingRollupColumns('\uFEFFkommunekode;system;code;count\n')).toEqual([]);
    expect(missingRollupColumns('kommune,kode\n')).toEqual(['system', 'antal']);
    expect(missingRollupColumns('')).toEqual(['kommunekode', 'system', 'kode', 'antal']);
  });

  it('reads a counts file as UTF-8 (its byte order mark dropped), and says in Danish how to save one that is not', () => {
    const rows = 'kommunekode;system;kode;antal;bydel\n101;s;c;1;Østerbro\n';
    expect(countsFileText(Buffer.from(`\uFEFF${rows}`, 'utf8'))).toEqual({ text: rows });
    expect(countsFileText(Buffer.from(rows, 'latin1'))).toEqual({
      problem: 'Filen er ikke gemt som UTF-8. Gem den som "CSV UTF-8 (kommasepareret)" i Excel, og prøv igen.',
    });
  });
});

describe('CSV downloads', () => {
  /** The cells a spreadsheet or the server's readers see in a downloaded file. */
  const cellsOf = async (blob: Blob) => parse(await blob.text(), { delimiter: ';', bom: true, relax_column_count: true }) as string[][];

  it('saves the CSV with a byte order mark and ";" between cells, the same cells as the server wrote', async () => {
    const wide = (await request(app).post('/fhir/ConceptMap/$rollup?layout=wide').set('Content-Type', 'text/csv').set('Accept', 'text/csv')
      .set('Accept-Language', 'da').send(counts).expect(200)).text;
    const matrix = (await request(app).get('/fhir/ConceptMap/$coverage-matrix?valueSet=http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119')
      .set('Accept', 'text/csv').set('Accept-Language', 'da').expect(200)).text;
    for (const text of [wide, matrix]) {
      const blob = spreadsheetCsv(text);
      expect(new Uint8Array(await blob.arrayBuffer()).slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
      expect((await blob.text()).split('\r\n', 1)[0]).toContain(';');
      expect(await cellsOf(blob)).toEqual(danishTable(parse(text, { relax_column_count: true }) as string[][]));
    }
    // Danish column names and kinds of row; a municipality's column keeps its kommunekode
    expect((await cellsOf(spreadsheetCsv(matrix)))[0]!.slice(0, 6)).toEqual(['kode', 'titel', 'lovparagraf', 'værdisæt', 'kommuner', '101']);
    const wideCells = await cellsOf(spreadsheetCsv(wide));
    expect(wideCells[0]!.slice(0, 5)).toEqual(['niveau', 'kode', 'titel', 'lovparagraf', '101']);
    expect(new Set(wideCells.slice(1).map((r) => r[0]))).toEqual(new Set(['niveau 2', 'niveau 1', 'tilstandsområde', 'ikke talt']));
  });

  it('quotes a cell holding ";", a quote or a line break, and no longer needs to quote one holding ","', async () => {
    const text = 'navn,note\r\n"Aarhus, Midt","a;b"\r\n"sagde ""ja""","to\nlinjer"\r\n\'=1+1,\r\n';
    const blob = spreadsheetCsv(text);
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(await blob.arrayBuffer())).toBe('\uFEFFnavn;note\r\nAarhus, Midt;"a;b"\r\n"sagde ""ja""";"to\nlinjer"\r\n\'=1+1;\r\n');
    expect(await cellsOf(blob)).toEqual(parse(text));
  });
});

describe('bar chart layout', () => {
  const input = {
    title: 'Dokumenterede indsatser & tilbud',
    series: ['101', '147'],
    categories: [{ label: 'Vejledning og introduktion til fysiske aktiviteter', values: [40, 10] }, { label: 'Kostvejledning', values: [0, 20] }],
  };
  const rects = (shapes: Shape[]) => shapes.filter((s): s is Extract<Shape, { kind: 'rect' }> => s.kind === 'rect');
  const texts = (shapes: Shape[]) => shapes.filter((s): s is Extract<Shape, { kind: 'text' }> => s.kind === 'text');

  it('draws bars in proportion to their values, labelled with the series and the value, inside the width', () => {
    for (const width of [320, 390, 960]) {
      const layout = layoutBarChart(input, width);
      const bars = rects(layout.shapes);
      // 40, 10, (0 has no bar), 20: in proportion, to the pixel
      [1, 0.25, 0.5].forEach((share, i) => expect(Math.abs(bars[i]!.width - share * bars[0]!.width)).toBeLessThanOrEqual(1));
      expect(bars).toHaveLength(3);
      expect(texts(layout.shapes).map((t) => t.text)).toEqual(expect.arrayContaining(['101', '147', '40', '10', '0', '20']));
      for (const b of bars) expect(b.x + b.width).toBeLessThanOrEqual(width);
      expect(layout.width).toBe(width);
      expect(Math.max(...layout.shapes.map((s) => (s.kind === 'line' ? s.y2 : s.y)))).toBeLessThan(layout.height);
    }
  });

  it('cuts a series label too long for its column with an ellipsis, so that it stays inside the chart', () => {
    const long = { ...input, series: ['Ringkøbing-Skjern Kommune', 'Lyngby-Taarbæk Kommune'] };
    const charWidth = 12 * 0.56; // the layout's own estimate of a 12 px character
    for (const width of [320, 390]) {
      const labels = texts(layoutBarChart(long, width).shapes).filter((t) => t.anchor === 'end');
      expect(labels.length).toBeGreaterThan(0);
      for (const label of labels) {
        expect(label.text).toMatch(/…$/);
        expect(label.x - Array.from(label.text).length * charWidth).toBeGreaterThanOrEqual(0);
      }
    }
    const wide = texts(layoutBarChart(long, 960).shapes).filter((t) => t.anchor === 'end').map((t) => t.text);
    expect(wide).toEqual(expect.arrayContaining(long.series));
  });

  it('writes the values as Danish numbers', () => {
    const large = { ...input, categories: [{ label: 'Kostvejledning', values: [2000, 1234567] }] };
    expect(texts(layoutBarChart(large, 960).shapes).map((t) => t.text)).toEqual(expect.arrayContaining(['2.000', '1.234.567']));
  });

  it('wraps a long category title at a narrow width', () => {
    const narrow = texts(layoutBarChart(input, 300).shapes).filter((t) => t.bold && t.size === 13).map((t) => t.text);
    expect(narrow.length).toBeGreaterThan(2);
    expect(narrow.join(' ')).toContain('Vejledning og introduktion til fysiske aktiviteter');
    const wide = texts(layoutBarChart(input, 960).shapes).filter((t) => t.bold && t.size === 13).map((t) => t.text);
    expect(wide).toEqual(['Vejledning og introduktion til fysiske aktiviteter', 'Kostvejledning']);
  });

  it('writes a stand-alone SVG file with the title and description, its text escaped', () => {
    const svg = svgMarkup(layoutBarChart(input, 600), input.title, 'Søjler <pr.> kommune');
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="600"/);
    expect(svg).toContain('<title id="title">Dokumenterede indsatser &amp; tilbud</title>');
    expect(svg).toContain('<desc id="desc">Søjler &lt;pr.&gt; kommune</desc>');
    expect((svg.match(/<rect /g) ?? []).length).toBe(1 + 3); // the background and three bars
  });
});

describe('dates in Danish', () => {
  it('writes a date, and a FSIII release version, as Danish does', () => {
    expect(danishDate('20240530')).toBe('30. maj 2024');
    expect(danishDate('2025-01-01')).toBe('1. januar 2025');
    expect(danishDate('2026-12-31')).toBe('31. december 2026');
    expect(danishDate('1.0.0')).toBe('1.0.0');
    expect(danishDate('20241399')).toBe('20241399');
  });
});
