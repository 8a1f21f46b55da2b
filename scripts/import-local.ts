/**
 * Imports a municipality's local catalog (niveau 3) from CSV into its CodeSystem and ConceptMap.
 *
 *   npm run import-local -- --kommunekode 370 FILE.csv                       embedded store in DATA_DIR
 *   npm run import-local -- --kommunekode 370 --server URL --token JWT FILE.csv   a running server
 *   options: --name lokale-indsatser (the {name} in the canonical URLs), --version 1.1.0
 *
 * Columns: kode, titel, type (indsats|tilbud), maal (targets separated by ';': FSIII/FFB codes or exact common
 * titles), optional definition and status. All rows or none: any error leaves everything as it was.
 * Exit status: 0 imported, 1 rejected (errors listed by line), 2 usage or configuration error.
 */
import fs from 'node:fs';
import { loadConfigOrExit } from '../src/config';
import { parseCommandLine } from './command-line';
import { formatMessage } from '../src/municipal/csv-records';
import { DEFAULT_LOCAL_NAME, importLocalCsv } from '../src/write/import-runner';

const USAGE = 'usage: npm run import-local -- --kommunekode 370 [--name lokale-indsatser] [--version 1.0.0] [--server URL --token JWT] FILE.csv';

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine({
    allowPositionals: true,
    options: {
      kommunekode: { type: 'string' },
      name: { type: 'string', default: DEFAULT_LOCAL_NAME },
      version: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
    },
  }, USAGE);
  if (!values.kommunekode || positionals.length !== 1) {
    console.error(USAGE);
    process.exit(2);
  }
  if (values.server && !values.token) {
    console.error('--server needs --token (a token for the municipality: npm run token -- --kommunekode …)');
    process.exit(2);
  }
  const config = loadConfigOrExit();
  if (!values.server && config.store === 'postgres') {
    console.error('DATABASE_URL is set: the servers use the PostgreSQL store, which the embedded import does not write; import with --server URL --token JWT');
    process.exit(2);
  }
  const file = positionals[0]!;
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (e) {
    console.error(`Cannot read ${file}: ${(e as Error).message}`);
    process.exit(2);
  }
  const started = Date.now();
  const outcome = await importLocalCsv({
    content,
    kommunekode: values.kommunekode,
    name: values.name,
    version: values.version,
    target: values.server ? { kind: 'server', baseUrl: values.server, token: values.token! } : { kind: 'embedded', dataDir: config.dataDir },
    terminologyDir: config.terminologyDir,
    includeExamples: config.loadExamples,
    csvLimits: config.importLimits,
    log: (line) => console.error(`${file}: ${line}`),
  });
  for (const m of outcome.messages) console.error(`${file}: ${formatMessage(m)}`);
  if (!outcome.ok) {
    const errors = outcome.messages.filter((m) => m.severity === 'error').length;
    console.error(`${file}: not imported: ${errors} error${errors === 1 ? '' : 's'}; nothing was written`);
    process.exit(1);
  }
  console.log(`imported ${outcome.rows} rows for kommunekode ${values.kommunekode} in ${Date.now() - started} ms as version ${outcome.written!.version}: ${outcome.written!.codeSystem}, ${outcome.written!.conceptMap}`);
}

void main().catch((e: unknown) => {
  console.error(`import-local failed: ${(e as Error).message}`);
  process.exit(1);
});
