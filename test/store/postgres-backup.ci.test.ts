/**
 * The PostgreSQL store backed up and restored as README's "Operating it" says, with the database's own tools: the
 * schema dumped with pg_dump while a store writes to it, and restored with pg_restore after the schema was renamed
 * away. The schema must hold everything the store needs (no table, sequence or function elsewhere), so a store opened
 * on the restored schema has the backed-up versions, history and audit log, and writes again.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CodeSystem } from 'fhir/r4';
import { PostgresStore } from '../../src/store/postgres-store';
import { describeNeeding } from '../support/ci-only';
import { describeWithPostgres, dropSchemas, TEST_DATABASE_URL, uniqueSchema, withClient } from '../support/postgres';

const schemas = new Set<string>();
const files: string[] = [];

afterAll(async () => {
  for (const f of files) fs.rmSync(f, { recursive: true, force: true });
  await dropSchemas(schemas);
});

/** The PostgreSQL client tool's path, or undefined when it is not installed. */
function tool(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const cs = (title: string): CodeSystem => ({
  resourceType: 'CodeSystem', id: 'backup-check', url: 'http://example.org/CodeSystem/backup-check', title, status: 'active', content: 'complete', concept: [{ code: 'a' }],
});

describeWithPostgres('the PostgreSQL store, backed up with pg_dump and restored with pg_restore', () => {
  const missing = ['pg_dump', 'pg_restore'].filter((t) => !tool(t));
  describeNeeding('pg_dump and pg_restore', missing.length > 0 ? `${missing.join(' and ')} not installed (Debian: postgresql-client)` : undefined, 'the schema', () => {
    it('comes back as it was dumped, with its history and audit log, and takes writes again', async () => {
      const schema = uniqueSchema();
      const replaced = `${schema}_before`;
      schemas.add(schema).add(replaced);
      const dump = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-pgdump-')), 'faelles-tx.dump');
      files.push(path.dirname(dump));

      const store = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 });
      try {
        await store.create(cs('Første'));
        await store.update(cs('Anden'));
        await store.recordAudit({
          event: { resourceType: 'AuditEvent', id: 'backed-up-event', recorded: '2026-12-06T10:00:00Z', type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'faelles-tx' } } },
          owners: [], agents: ['backup-test'], entities: [],
        });
        // while the store is open, as the servers run
        execFileSync('pg_dump', ['--format=custom', `--schema=${schema}`, '-f', dump, TEST_DATABASE_URL], { stdio: 'pipe' });
        await store.update(cs('Efter dumpet'));
      } finally {
        await store.close();
      }

      await withClient((client) => client.query(`ALTER SCHEMA "${schema}" RENAME TO "${replaced}"`));
      execFileSync('pg_restore', ['-d', TEST_DATABASE_URL, dump], { stdio: 'pipe' });

      const restored = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 });
      try {
        expect(((await restored.read('CodeSystem', 'backup-check')) as CodeSystem).title).toBe('Anden');
        expect((await restored.history('CodeSystem', 'backup-check')).map((v) => v.versionId)).toEqual(['2', '1']);
        expect((await restored.searchAudit({ agent: ['backup-test'], offset: 0, count: 10 })).events.map((e) => e.id)).toEqual(['backed-up-event']);
        // the next version follows the restored history's
        expect((await restored.update(cs('Efter gendannelsen'))).versionId).toBe('3');
      } finally {
        await restored.close();
      }
      // the replaced schema is kept, with the write after the dump
      const kept = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema: replaced, poolSize: 2 });
      try {
        expect(((await kept.read('CodeSystem', 'backup-check')) as CodeSystem).title).toBe('Efter dumpet');
      } finally {
        await kept.close();
      }
    }, 60_000);
  });
});
