/**
 * The data-use example (docs/data-use/): local catalogs of municipalities 101 and 147 as import CSV files (370 is the
 * published example), and counts from all three. Loaded through the server's own import; the expectations of the
 * tests are computed from the files by the plain reading below, not by the server's code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { App } from '../../src/app';
import { ROOT } from './catalogs';
import { readJson } from './files';
import { tokenFor } from './local';

export const DATA_USE_DIR = path.join(ROOT, 'docs', 'data-use');
export const COUNTS_CSV = path.join(DATA_USE_DIR, 'taellinger-2026-k1.csv');
export const IMPORTED = ['101', '147'];

/**
 * Imports kommune-101.csv and kommune-147.csv through POST CodeSystem/$import-local, as each municipality: to an app,
 * or to a server's origin with that server's tokens.
 */
export async function importDataUseCatalogs(
  app: App | string, token: (kommunekode: string) => Promise<string> = (kommunekode) => tokenFor({ kommunekode }),
): Promise<void> {
  for (const kommunekode of IMPORTED) {
    const csv = fs.readFileSync(path.join(DATA_USE_DIR, `kommune-${kommunekode}.csv`), 'utf8');
    await request(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${await token(kommunekode)}`).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }] }).expect(200);
  }
}

export interface LocalEntry {
  kind: string;
  targets: string[];
}

/** kommunekode → local code → kind and targets, read from the import files and the published example. */
export function localCatalogs(): Map<string, Map<string, LocalEntry>> {
  const out = new Map<string, Map<string, LocalEntry>>();
  for (const kommunekode of IMPORTED) {
    const text = fs.readFileSync(path.join(DATA_USE_DIR, `kommune-${kommunekode}.csv`), 'utf8');
    const delimiter = text.split('\n')[0]!.includes(';') ? ';' : ',';
    const rows = parse(text, { columns: true, delimiter }) as Record<string, string>[];
    out.set(kommunekode, new Map(rows.map((r) => [r.kode!, { kind: r.type!, targets: r.maal!.split(';') }])));
  }
  const cs = readJson<CodeSystem>('examples/kommune-370/CodeSystem-kommune-370-lokale-indsatser.json');
  const cm = readJson<ConceptMap>('examples/kommune-370/ConceptMap-kommune-370-lokale-indsatser.json');
  const m370 = new Map<string, LocalEntry>();
  for (const c of cs.concept ?? []) {
    const kind = c.property?.find((p) => p.code === 'type')?.valueCode ?? '';
    const el = cm.group?.[0]?.element?.find((e) => e.code === c.code);
    m370.set(c.code, { kind, targets: (el?.target ?? []).map((t) => t.code!) });
  }
  out.set('370', m370);
  return out;
}

export interface CountRow {
  line: number;
  kommunekode: string;
  system: string;
  code: string;
  count: number;
  period: string;
}

export function countRows(): CountRow[] {
  const rows = parse(fs.readFileSync(COUNTS_CSV, 'utf8'), { columns: true }) as Record<string, string>[];
  return rows.map((r, i) => ({ line: i + 2, kommunekode: r.kommunekode!, system: r.system!, code: r.kode!, count: Number(r.antal), period: r.periode! }));
}

/** FSIII code → the code that replaces it, from the status supplement. */
export function replacedByOfStatusSupplement(): Map<string, string> {
  const cs = readJson<CodeSystem>('supplements/CodeSystem-fsiii-status.json');
  const out = new Map<string, string>();
  for (const c of cs.concept ?? []) {
    const by = c.property?.find((p) => p.code === 'replacedBy')?.valueCode;
    if (by) out.set(c.code, by);
  }
  return out;
}

/** The catalog's codes, as its file lists them. */
export function catalogCodes(file: string): string[] {
  return readJson<ValueSet>(`catalogs/${file}`).compose!.include.flatMap((i) => (i.concept ?? []).map((c) => c.code));
}

/** "kommunekode|intervention" → indsats/tilbud counts, from the import files and the published example, retired targets followed. */
export function expectedCoverage(codes: string[]): Map<string, { indsats: number; tilbud: number }> {
  const replacedBy = replacedByOfStatusSupplement();
  const out = new Map<string, { indsats: number; tilbud: number }>();
  for (const [kommunekode, catalog] of localCatalogs()) {
    for (const entry of catalog.values()) {
      for (const target of new Set(entry.targets.map((t) => replacedBy.get(t) ?? t))) {
        if (!codes.includes(target)) continue;
        const key = `${kommunekode}|${target}`;
        const cell = out.get(key) ?? { indsats: 0, tilbud: 0 };
        if (entry.kind === 'tilbud') cell.tilbud++;
        else cell.indsats++;
        out.set(key, cell);
      }
    }
  }
  return out;
}
