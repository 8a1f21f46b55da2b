import { loadConfigOrExit, type Config } from '../src/config';
import { counted } from '../src/errors/counted';
import { BackupError, type BackupContents } from '../src/store/sqlite-backup';
import { parseCommandLine } from './command-line';

/**
 * Runs a tool on the embedded store of DATA_DIR and one file named on its command line (`npm run backup`, `npm run
 * restore`), with its string options: prints the lines `run` returns, or why it failed, and exits with the failure's
 * status.
 */
export async function runOnEmbeddedStore(
  tool: { name: string; usage: string; does: string; options?: readonly string[] },
  run: (dataDir: string, file: string, options: Record<string, string | undefined>) => Promise<string[]>,
): Promise<void> {
  const { name, usage, does } = tool;
  const options = Object.fromEntries((tool.options ?? []).map((o) => [o, { type: 'string' as const }]));
  const { positionals, values } = parseCommandLine({ allowPositionals: true, options }, usage);
  if (positionals.length !== 1) {
    console.error(usage);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  embeddedStoreOrExit(config, does);
  try {
    for (const line of await run(config.dataDir, positionals[0]!, values as Record<string, string | undefined>)) console.log(line);
  } catch (e) {
    console.error(`${name}: ${(e as Error).message}`);
    process.exit(e instanceof BackupError ? e.status : 1);
  }
}

/** Exits (2) unless the servers use the embedded store: PostgreSQL's backups are the database's own (pg_dump), memory keeps nothing. */
function embeddedStoreOrExit(config: Config, what: string): void {
  if (config.store === 'sqlite') return;
  if (config.store === 'memory') {
    console.error(`STORE=memory: the server keeps nothing on disk, so there is nothing to ${what}`);
    process.exit(2);
  }
  console.error(`DATABASE_URL is set: the servers keep what users write in PostgreSQL, which this tool does not ${what}; ` +
    `use the database's own tools (pg_dump --schema=${config.database?.schema ?? 'public'}, pg_restore)`);
  process.exit(2);
}

export function describeContents(c: BackupContents): string {
  return `${counted(c.resources, 'resource', 'resources')} (${counted(c.versions, 'version', 'versions')}), ` +
    `${counted(c.auditEvents, 'audit event', 'audit events')}, ${counted(c.packages, 'package', 'packages')}, schema version ${c.schemaVersion}`;
}
