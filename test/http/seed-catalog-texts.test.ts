/**
 * The 24 interventions of the §119 and §140 seed catalogs: $lookup gives each one's title, beskrivelse, formål (§119)
 * and every eksempel exactly as the seed text has them, and $validate-code places it in its own catalog only.
 *
 * The expectations come from the seed files themselves (terminology/seeds/), read here without the project's
 * generators: the seed is split into the interventions' sections by their titles, and every returned text must sit
 * in its section, in the order title → beskrivelse → formål → eksempler, with nothing but the catalog's own
 * connecting words between them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Parameters } from 'fhir/r4';
import { FSIII, TERMINOLOGY_DIR } from '../support/catalogs';
import { fsiiiIndex, norm, readJson } from '../support/files';
import { asParameters, param, propertyValues, valueOf } from '../support/parameters';
import { useRunningServer } from '../support/server';

const CATALOG = {
  '119': 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119',
  '140': 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-140',
} as const;
type Paragraph = keyof typeof CATALOG;

const SEED_FILE: Record<Paragraph, string> = {
  '119': 'indsatskatalog-sundhedsloven-119-forebyggelse.txt',
  '140': 'indsatskatalog-sundhedsloven-140-genoptraening.txt',
};

interface Seed {
  /** The seed's non-empty lines, whitespace-normalised, joined by one space. */
  text: string;
  /** Where each line starts in `text`, and the line. */
  lines: { start: number; text: string }[];
  /** Offsets where a line starts / ends in `text`. */
  lineStarts: Set<number>;
  lineEnds: Set<number>;
}

/**
 * A text as the seed writes it: a footnote marker is given as the superscript digit of the printed catalog
 * ("Superviserede² aktiviteter"), where the seed's extracted text has lost the raise ("Superviserede2 aktiviteter").
 */
function asSeedWrites(s: string): string {
  return s.replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹]/g, (c) => String('⁰¹²³⁴⁵⁶⁷⁸⁹'.indexOf(c)));
}

function readSeed(file: string): Seed {
  const lines: Seed['lines'] = [];
  let offset = 0;
  for (const raw of fs.readFileSync(path.join(TERMINOLOGY_DIR, 'seeds', file), 'utf8').split('\n')) {
    const t = norm(raw);
    if (!t) continue;
    lines.push({ start: offset, text: t });
    offset += t.length + 1;
  }
  return {
    text: lines.map((l) => l.text).join(' '),
    lines,
    lineStarts: new Set(lines.map((l) => l.start)),
    lineEnds: new Set(lines.map((l) => l.start + l.text.length)),
  };
}

interface Intervention {
  paragraph: Paragraph;
  /** The title as the catalog prints it (KL's seed-to-code mapping names it). */
  seedTitle: string;
  /** The code the catalog value set uses: the mapped code, or its replacement when the mapped code is retired. */
  code: string;
  replaced: boolean;
}

interface Section {
  start: number;
  end: number;
  /** Lines of the section. */
  lines: string[];
}

function interventions(): Intervention[] {
  const mapping = readJson<Record<string, { interventions: { seedTitle: string; code: string }[] }>>('kl/seed-catalog-mapping.json');
  const status = readJson<{ concept: { code: string; property?: { code: string; valueCode?: string }[] }[] }>('supplements/CodeSystem-fsiii-status.json');
  const replacement = new Map<string, string>();
  for (const c of status.concept) {
    const retired = c.property?.some((p) => p.code === 'status' && p.valueCode === 'retired');
    const by = c.property?.find((p) => p.code === 'replacedBy')?.valueCode;
    if (retired && by) replacement.set(c.code, by);
  }
  const out: Intervention[] = [];
  for (const paragraph of ['119', '140'] as const) {
    for (const i of mapping[`para${paragraph}`]!.interventions) {
      const by = replacement.get(i.code);
      out.push({ paragraph, seedTitle: i.seedTitle, code: by ?? i.code, replaced: by !== undefined });
    }
  }
  return out;
}

/** Splits a seed into the sections of the given titles (in seed order): each starts at the first line after the previous section's start that begins with its title. */
function sections(seed: Seed, titles: string[]): Section[] {
  const starts: number[] = [];
  let line = 0;
  for (const title of titles) {
    while (line < seed.lines.length && !seed.text.startsWith(title, seed.lines[line]!.start)) line++;
    if (line >= seed.lines.length) throw new Error(`title '${title}' not found in the seed after the previous one`);
    starts.push(line);
    line++;
  }
  return starts.map((first, k) => {
    const last = k + 1 < starts.length ? starts[k + 1]! : seed.lines.length;
    const start = seed.lines[first]!.start;
    const end = last < seed.lines.length ? seed.lines[last]!.start - 1 : seed.text.length;
    return { start, end, lines: seed.lines.slice(first, last).map((l) => l.text) };
  });
}

const ALL = interventions();
const SEEDS = { '119': readSeed(SEED_FILE['119']), '140': readSeed(SEED_FILE['140']) };
const SECTIONS = new Map<Intervention, Section>();
for (const paragraph of ['119', '140'] as const) {
  const list = ALL.filter((i) => i.paragraph === paragraph);
  sections(SEEDS[paragraph], list.map((i) => i.seedTitle)).forEach((s, k) => SECTIONS.set(list[k]!, s));
}

const server = useRunningServer();

const lookup = async (code: string): Promise<Parameters> =>
  asParameters(await server.client.operation({ name: 'lookup', resourceType: 'CodeSystem', method: 'GET', input: { system: FSIII, code } }));

const validate = async (url: string, code: string): Promise<boolean> => {
  const p = asParameters(await server.client.operation({ name: 'validate-code', resourceType: 'ValueSet', method: 'GET', input: { url, system: FSIII, code } }));
  return valueOf(param(p, 'result')) as boolean;
};

it('finds the 14 + 10 interventions of the seed catalogs', () => {
  expect(ALL.filter((i) => i.paragraph === '119')).toHaveLength(14);
  expect(ALL.filter((i) => i.paragraph === '140')).toHaveLength(10);
  expect(new Set(ALL.map((i) => `${i.paragraph} ${i.code}`)).size).toBe(24);
});

describe.each(ALL.map((i) => [`§${i.paragraph} ${i.seedTitle}`, i] as const))('%s', (_name, item) => {
  const seed = SEEDS[item.paragraph];
  const section = SECTIONS.get(item)!;
  const sectionText = seed.text.slice(section.start, section.end);

  /** Position of a value in the section, searching from `from`; fails the test when it is not there. */
  const at = (value: string, from: number, what: string): number => {
    const pos = seed.text.indexOf(asSeedWrites(norm(value)), from);
    if (pos < 0 || pos + norm(value).length > section.end) {
      throw new Error(`${what} '${value}' is not in the seed section of ${item.seedTitle} (after offset ${from - section.start})`);
    }
    return pos;
  };

  it('$lookup gives the catalog title and texts exactly as the seed has them, in seed order', async () => {
    const p = await lookup(item.code);
    const display = valueOf(param(p, 'display')) as string;
    expect(display).toBe(fsiiiIndex().nodes.get(item.code)!.display);

    // title: the FSIII display, or the supplement's indsatstitel where the catalog code was replaced
    const indsatstitel = propertyValues(p, 'indsatstitel') as string[];
    const title = item.replaced ? indsatstitel[0] : display;
    expect(title).toBe(item.seedTitle);
    if (item.replaced) expect(display).not.toBe(item.seedTitle);
    expect(seed.text.startsWith(norm(title!), section.start)).toBe(true);
    let cursor = section.start + norm(title!).length;

    // beskrivelse directly after the title (a footnote marker may sit between them)
    const beskrivelse = propertyValues(p, 'beskrivelse') as string[];
    expect(beskrivelse).toHaveLength(1);
    const b = at(beskrivelse[0]!, cursor, 'beskrivelse');
    expect(seed.text.slice(cursor, b)).toMatch(/^\d*\s*$/);
    cursor = b + norm(beskrivelse[0]!).length;
    expect(seed.lineEnds.has(cursor)).toBe(true); // the whole beskrivelse, up to where the next part begins

    // formål (§119 only) directly after the beskrivelse
    const formaal = propertyValues(p, 'formaal') as string[];
    if (item.paragraph === '119') {
      expect(formaal).toHaveLength(1);
      const f = at(formaal[0]!, cursor, 'formål');
      expect(seed.text.slice(cursor, f)).toMatch(/^\s*$/);
      cursor = f + norm(formaal[0]!).length;
      expect(seed.lineStarts.has(f) && seed.lineEnds.has(cursor)).toBe(true);
    } else {
      expect(formaal).toHaveLength(0);
    }

    // eksempler: after the line that introduces them (ending with ':'), one after the other, nothing left out
    const eksempler = propertyValues(p, 'eksempel') as string[];
    expect(eksempler.length).toBeGreaterThan(0);
    const separator = item.paragraph === '119' ? ' - ' : ', ';
    eksempler.forEach((e, k) => {
      const pos = at(e, cursor, `eksempel ${k + 1}`);
      const gap = seed.text.slice(cursor, pos);
      if (k === 0) {
        // the introducing line(s) and nothing else: starts on a new line, ends with ':'
        expect(gap).toMatch(item.paragraph === '119' ? /^\s.*:\s-\s$/ : /^\s.*:\s$/);
        expect(seed.lineStarts.has(cursor + 1)).toBe(true);
        if (item.paragraph === '140') expect(seed.lineStarts.has(pos)).toBe(true);
      }
      else expect(gap).toBe(separator);
      cursor = pos + norm(e).length;
      // a §119 example is a whole bullet item ("- " starts its line, it runs to a line end)
      if (item.paragraph === '119') expect(seed.lineStarts.has(pos - 2) && seed.lineEnds.has(cursor)).toBe(true);
    });
    // after the last example: the catalog's closing "mm." (and more) in §119, the sentence's full stop in §140
    const rest = seed.text.slice(cursor, section.end);
    if (item.paragraph === '119') expect(rest).toMatch(/^\s(-\s)?mm\./i);
    else expect(rest).toMatch(/^\.(\s|$)/);
  });

  if (item.paragraph === '119') {
    it('has one eksempel per bullet item of the seed section (the closing "mm." is not an example)', async () => {
      const bullets = section.lines.filter((l) => l.startsWith('- ') && !/^-\s*mm\.$/i.test(l));
      const eksempler = propertyValues(await lookup(item.code), 'eksempel') as string[];
      expect(bullets.length).toBeGreaterThan(0);
      expect(eksempler).toHaveLength(bullets.length);
      // each bullet line starts the corresponding eksempel (continuation lines are joined on)
      bullets.forEach((line, k) => expect(norm(eksempler[k]!).startsWith(line.slice(2))).toBe(true));
    });
  } else {
    it('gives the examples sentence of the seed section back completely', async () => {
      const eksempler = propertyValues(await lookup(item.code), 'eksempel') as string[];
      const intro = sectionText.indexOf(': ');
      expect(intro).toBeGreaterThan(0);
      expect(norm(sectionText.slice(intro + 1))).toBe(`${eksempler.map(norm).join(', ')}.`);
    });
  }

  it(`$validate-code: true in the §${item.paragraph} catalog, false in the other`, async () => {
    const other: Paragraph = item.paragraph === '119' ? '140' : '119';
    expect(await validate(CATALOG[item.paragraph], item.code)).toBe(true);
    expect(await validate(CATALOG[other], item.code)).toBe(false);
  });
});
