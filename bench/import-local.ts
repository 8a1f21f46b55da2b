/**
 * Benchmark: imports a generated 2,000-row local catalog into a fresh embedded store and checks it takes under
 * 5 seconds (CSV parsing, target resolution, validation, one transaction). Run on demand, not in `npm test`:
 *
 *   npm run bench:import-local [-- --rows 2000 --limit-ms 5000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCommandLine, wholeNumber } from '../scripts/command-line';
import { projectRoot } from '../src/config';
import { formatMessage } from '../src/municipal/csv-records';
import { importLocalCsv } from '../src/write/import-runner';

interface CatalogConcept {
  code: string;
  display: string;
}

/** The §119 and §140 interventions (niveau 2) as targets; titles that occur in both catalogs are given by code. */
function commonInterventions(root: string): { code: string; title?: string }[] {
  const out: { code: string; title?: string }[] = [];
  const titles = new Map<string, number>();
  const all: CatalogConcept[] = [];
  for (const file of ['ValueSet-indsatskatalog-119.json', 'ValueSet-indsatskatalog-140.json']) {
    const vs = JSON.parse(fs.readFileSync(path.join(root, 'terminology', 'catalogs', file), 'utf8')) as { compose: { include: { concept?: CatalogConcept[] }[] } };
    for (const inc of vs.compose.include) all.push(...(inc.concept ?? []));
  }
  for (const c of all) titles.set(c.display, (titles.get(c.display) ?? 0) + 1);
  for (const c of all) out.push({ code: c.code, title: titles.get(c.display) === 1 ? c.display : undefined });
  return out;
}

export function generateCsv(rows: number, root = projectRoot()): string {
  const targets = commonInterventions(root);
  const lines = ['kode;titel;type;maal;definition'];
  for (let i = 1; i <= rows; i++) {
    const offer = i % 25 === 0;
    const picks = offer ? [0, 1, 2, 3, 4, 5].map((k) => targets[(i + k * 3) % targets.length]!) : [targets[i % targets.length]!];
    // every other target by its exact common title, the rest by code
    const maal = picks.map((t, k) => ((i + k) % 2 === 0 && t.title ? t.title : t.code)).join(';');
    const kode = `B-${String(i).padStart(5, '0')}`;
    lines.push([kode, `Lokal ${offer ? 'tilbud' : 'indsats'} nr. ${i}`, offer ? 'tilbud' : 'indsats', `"${maal}"`, `Genereret lokal ${offer ? 'tilbud' : 'indsats'} ${i}`].join(';'));
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const usage = 'usage: npm run bench:import-local -- [--rows 2000] [--limit-ms 5000]';
  const { values } = parseCommandLine({ options: { rows: { type: 'string' }, 'limit-ms': { type: 'string' } } }, usage);
  const rows = wholeNumber(values.rows, '--rows', { fallback: 2000, min: 1, max: 1_000_000 }, usage);
  const limit = wholeNumber(values['limit-ms'], '--limit-ms', { fallback: 5000, min: 1, max: 3_600_000 }, usage);
  const root = projectRoot();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-bench-'));
  const csv = generateCsv(rows, root);
  const started = process.hrtime.bigint();
  try {
    const outcome = await importLocalCsv({
      content: Buffer.from(csv, 'utf8'),
      kommunekode: '101',
      target: { kind: 'embedded', dataDir },
      terminologyDir: path.join(root, 'terminology'),
      includeExamples: true,
      log: (line) => console.error(`  ${line}`),
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    for (const m of outcome.messages.filter((x) => x.severity === 'error').slice(0, 10)) console.error(formatMessage(m));
    if (!outcome.ok) {
      console.error(`import-local benchmark: the import was rejected (${outcome.messages.length} messages)`);
      process.exit(1);
    }
    const verdict = ms < limit ? 'ok' : 'TOO SLOW';
    console.log(`import-local: ${rows} rows into the embedded store in ${ms.toFixed(0)} ms (limit ${limit} ms): ${verdict}`);
    process.exit(ms < limit ? 0 : 1);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) void main();
