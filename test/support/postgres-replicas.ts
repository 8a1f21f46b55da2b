import type { App } from '../../src/app';
import { PostgresStore } from '../../src/store/postgres-store';
import { testApp } from './app';
import { dropSchemas, TEST_DATABASE_URL, uniqueSchema } from './postgres';

/**
 * Apps on PostgreSQL stores sharing one schema, as the replicas of a deployment do: `replica()` opens a store on the
 * schema as it is now (what was written before is read at its start) and the app on it. Call inside a describe: after
 * the suite every store is closed and the schema dropped.
 */
export function replicasOfOneSchema(): { schema: string; replica: () => Promise<App> } {
  const schema = uniqueSchema();
  const stores: PostgresStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
    await dropSchemas([schema]);
  });
  return {
    schema,
    replica: async () => {
      const store = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 });
      stores.push(store);
      return testApp({}, { store });
    },
  };
}
