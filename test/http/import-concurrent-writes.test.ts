/**
 * CodeSystem/$import-local racing other writes of the catalog: a merge reads the catalog, merges and writes
 * conditionally on the version it read; refused because another write came in between, it reads and merges again, so
 * concurrent merges all land. A replace, or an import with `basedOn`, is not tried again: 412 `conflict` naming the
 * versions. Two apps on one store that tells both of every write stand for two replicas on PostgreSQL.
 */
import type { AuditEvent, Bundle, CodeSystem, OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import { inEnglish } from '../support/english';
import type { App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import type { ChangeFeed, ChangeSink, StoredVersion, WriteOperation } from '../../src/store/store';
import type { AuditOfWrite } from '../../src/store/audit-log';
import type { CommitGate } from '../../src/store/commit-gate';
import type { TerminologyResource, TerminologyType } from '../../src/terminology/resource-set';
import { MERGE_ATTEMPTS } from '../../src/write/import-runner';
import { testApp } from '../support/app';
import { CODES, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
const TARGET = CODES.fysiskTraening119;

/**
 * One store for two apps, as PostgreSQL is for two replicas: every committed write reaches both apps' written layers
 * (a change feed). `holdRead` stops the next read of one resource by a write (the writer reads the current version
 * when it checks a write, after the import read the catalog) until the test lets it go on.
 */
class SharedStore extends MemoryStore implements ChangeFeed {
  private readonly sinks: ChangeSink[] = [];
  private held?: { key: string; reached: () => void; go: Promise<void> };
  /** Runs before every read of a resource (after a hold): lets a test write in between. */
  beforeRead?: (type: TerminologyType, id: string) => Promise<void>;

  async follow(sink: ChangeSink): Promise<void> {
    this.sinks.push(sink);
    sink.apply((await this.loadAll()).map((r) => ({ resourceType: r.resourceType, id: r.id!, versionId: Number(r.meta?.versionId), resource: r })));
  }

  async catchUp(): Promise<void> {}

  override async apply(changes: WriteOperation[], gate?: CommitGate, audit?: AuditOfWrite): Promise<(StoredVersion | undefined)[]> {
    const versions = await super.apply(changes, gate, audit);
    const delivered = versions.flatMap((v) => (v ? [{ resourceType: v.resourceType, id: v.id, versionId: Number(v.versionId), resource: v.resource }] : []));
    for (const sink of this.sinks) sink.apply(delivered);
    return versions;
  }

  override async read(type: TerminologyType, id: string): Promise<TerminologyResource | undefined> {
    const held = this.held;
    if (held?.key === `${type}/${id}`) {
      this.held = undefined;
      held.reached();
      await held.go;
    }
    await this.beforeRead?.(type, id);
    return super.read(type, id);
  }

  /** Holds the next read of type/id: `reached` once it waits, `release` lets it go on. */
  holdRead(type: TerminologyType, id: string): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => { reached = r; });
    const go = new Promise<void>((r) => { release = r; });
    this.held = { key: `${type}/${id}`, reached, go };
    return { reached: reachedP, release };
  }
}

let store: SharedStore;
let a: App;
let b: App;
let auth: string;
let admin: string;

beforeAll(async () => {
  store = new SharedStore();
  a = await testApp({}, { store });
  b = await testApp({}, { store });
  auth = `Bearer ${await tokenFor({ kommunekode: '230', sub: 'ida@kommune230' })}`;
  admin = `Bearer ${await tokenFor({ scope: 'openid admin', sub: 'kl-admin' })}`;
});

const csvOf = (codes: string[]) => ['kode;titel;type;maal', ...codes.map((c) => `${c};Titel ${c};indsats;${TARGET}`)].join('\n');
const codesFrom = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `230-${prefix}${i + 1}`);

function importCsv(app: App, name: string, codes: string[], extra: Parameters['parameter'] = [], language?: string) {
  const req = inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', auth).type(JSON_TYPE);
  if (language) req.set('Accept-Language', language);
  return req.send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csvOf(codes) }, { name: 'name', valueString: name }, ...extra] });
}
const merge = { name: 'mode', valueCode: 'merge' };

async function storedCodes(app: App, name: string): Promise<string[]> {
  const res = await inEnglish(app).get(`/fhir/CodeSystem/kommune-230-${name}`).expect(200);
  return ((res.body as CodeSystem).concept ?? []).map((c) => c.code).sort();
}

/** Sends `first` (an import on app b) and holds its write's read of the catalog while `meanwhile` runs on app a. */
async function raced<T>(name: string, first: () => PromiseLike<request.Response>, meanwhile: () => Promise<T>): Promise<{ first: request.Response; meanwhile: T }> {
  const hold = store.holdRead('CodeSystem', `kommune-230-${name}`);
  const answer = Promise.resolve(first());
  await hold.reached;
  const other = await meanwhile();
  hold.release();
  return { first: await answer, meanwhile: other };
}

const text = (res: request.Response) => (res.body as OperationOutcome).issue.map((i) => i.details?.text ?? '').join('\n');

async function auditOf(name: string): Promise<string[]> {
  const res = await inEnglish(a).get('/fhir/AuditEvent').query({ entity: `CodeSystem/kommune-230-${name}` }).set('Authorization', admin).expect(200);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent)
    .map((e) => `${e.outcome}${e.outcome === '0' ? '' : ` ${e.outcomeDesc?.slice(0, 4)}`}`).reverse();
}

describe('concurrent merges keep every code', () => {
  it('parallel merges into a new catalog on one server', async () => {
    const files = Array.from({ length: 12 }, (_, i) => codesFrom(`P${i}K`, 20));
    const answers = await Promise.all(files.map((codes) => importCsv(a, 'parallel', codes, [merge])));
    expect(answers.map((r) => r.status)).toEqual(files.map(() => 200));
    expect(await storedCodes(a, 'parallel')).toEqual(files.flat().sort());
  });

  it('parallel merges into an existing catalog on both servers', async () => {
    await importCsv(a, 'parallel2', codesFrom('FIRST', 5)).expect(200);
    const files = Array.from({ length: 8 }, (_, i) => codesFrom(`Q${i}K`, 10));
    const answers = await Promise.all(files.map((codes, i) => importCsv(i % 2 ? a : b, 'parallel2', codes, [merge])));
    expect(answers.map((r) => r.status)).toEqual(files.map(() => 200));
    expect(await storedCodes(b, 'parallel2')).toEqual([...codesFrom('FIRST', 5), ...files.flat()].sort());
  });

  it('a merge into a new catalog that another server creates between its read and its write merges into that one', async () => {
    const mine = codesFrom('B', 50);
    const theirs = codesFrom('A', 50);
    const { first, meanwhile } = await raced('ny', () => importCsv(b, 'ny', mine, [merge]), () => importCsv(a, 'ny', theirs, [merge]));
    expect(meanwhile.status).toBe(200);
    expect(first.status).toBe(200);
    expect(text(first)).toMatch(/added 50, changed 0, removed 0, unchanged 0, kept 50/);
    expect(await storedCodes(a, 'ny')).toEqual([...mine, ...theirs].sort());
    expect(await storedCodes(b, 'ny')).toEqual([...mine, ...theirs].sort());
    // the attempt refused for the conflict and tried again is no refusal: two imports, two successes
    expect(await auditOf('ny')).toEqual(['0', '0']);
  });

  it('a merge into an existing catalog changed between its read and its write merges into the change', async () => {
    await importCsv(a, 'fast', codesFrom('START', 3)).expect(200);
    const { first } = await raced('fast', () => importCsv(b, 'fast', codesFrom('B', 10), [merge]), () => importCsv(a, 'fast', codesFrom('A', 10), [merge]));
    expect(first.status).toBe(200);
    expect(await storedCodes(a, 'fast')).toEqual([...codesFrom('START', 3), ...codesFrom('A', 10), ...codesFrom('B', 10)].sort());
  });

  it(`gives up after ${MERGE_ATTEMPTS} attempts, each raced by another write: 412 conflict, nothing of it written, recorded once`, async () => {
    await importCsv(a, 'travl', codesFrom('START', 2)).expect(200);
    let bumps = 0;
    store.beforeRead = async (type, id) => {
      // each attempt's write finds a version newer than the one it read (the answer's own read of it, after the last, not)
      if (type !== 'CodeSystem' || id !== 'kommune-230-travl' || bumps === MERGE_ATTEMPTS) return;
      const current = (await store.history(type, id))[0]!.resource!;
      await store.apply([{ kind: 'update', resource: current }]);
      bumps++;
    };
    try {
      const res = await importCsv(b, 'travl', codesFrom('B', 3), [merge]);
      expect(res.status).toBe(412);
      expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'conflict' });
      expect(text(res)).toMatch(new RegExp(`CodeSystem/kommune-230-travl was changed by another write during the import: it is now at version ${MERGE_ATTEMPTS + 1}, not version ${MERGE_ATTEMPTS} as the import read it; nothing was written after ${MERGE_ATTEMPTS} attempts`));
      expect(bumps).toBe(MERGE_ATTEMPTS);
    } finally {
      store.beforeRead = undefined;
    }
    expect(await storedCodes(a, 'travl')).toEqual(codesFrom('START', 2));
    expect(await auditOf('travl')).toEqual(['0', '4 412:']);
  });
});

describe('a replace or an import with basedOn is not tried again: 412 conflict', () => {
  it('basedOn=0 (no catalog at the preview) and the catalog created meanwhile: 412, in Danish, nothing of it written', async () => {
    const { first } = await raced('nul',
      () => importCsv(b, 'nul', codesFrom('B', 2), [{ name: 'basedOn', valueString: '0' }], 'da'),
      () => importCsv(a, 'nul', codesFrom('A', 2)).expect(200));
    expect(first.status).toBe(412);
    const issue = (first.body as OperationOutcome).issue[0]!;
    expect(issue).toMatchObject({ severity: 'error', code: 'conflict' });
    expect(issue.details?.text).toBe('Kataloget har version 1, ikke 0 som planlagt (basedOn): det er ændret siden forhåndsvisningen; lav forhåndsvisningen igen');
    expect(text(first)).toMatch(/Ikke importeret: 1 fejl; intet blev gemt\./);
    expect(await storedCodes(a, 'nul')).toEqual(codesFrom('A', 2));
    expect(await auditOf('nul')).toEqual(['0', '4 412:']);
  });

  it('basedOn the version read, changed before the write: 412 naming both versions', async () => {
    await importCsv(a, 'plan', codesFrom('START', 2)).expect(200);
    const { first } = await raced('plan',
      () => importCsv(b, 'plan', codesFrom('B', 2), [merge, { name: 'basedOn', valueString: '1' }]),
      () => importCsv(a, 'plan', codesFrom('A', 2), [merge]).expect(200));
    expect(first.status).toBe(412);
    expect((first.body as OperationOutcome).issue[0]).toMatchObject({
      code: 'conflict', details: { text: 'The catalog is at version 2, not 1 as planned (basedOn): it was changed since the preview; preview again' },
    });
    expect(await storedCodes(a, 'plan')).toEqual([...codesFrom('START', 2), ...codesFrom('A', 2)].sort());
  });

  it('a stale basedOn found before writing: 412 conflict as before', async () => {
    await importCsv(a, 'gammel', codesFrom('START', 1)).expect(200);
    await importCsv(a, 'gammel', codesFrom('A', 1), [merge]).expect(200);
    const res = await importCsv(b, 'gammel', codesFrom('B', 1), [merge, { name: 'basedOn', valueString: '1' }]).expect(412);
    expect((res.body as OperationOutcome).issue[0]?.code).toBe('conflict');
  });

  it('a replace into a new catalog created meanwhile: 412 naming the version, not written over', async () => {
    const { first } = await raced('erstat', () => importCsv(b, 'erstat', codesFrom('B', 2), [], 'da'), () => importCsv(a, 'erstat', codesFrom('A', 2)).expect(200));
    expect(first.status).toBe(412);
    expect((first.body as OperationOutcome).issue[0]).toMatchObject({
      code: 'conflict',
      details: { text: 'CodeSystem/kommune-230-erstat er ændret af en anden under importen: den er nu i version 1, og importen fandt ingen; intet blev gemt, importér igen (se forhåndsvisningen først).' },
    });
    expect(await storedCodes(a, 'erstat')).toEqual(codesFrom('A', 2));
  });

  it('a replace of an existing catalog changed meanwhile: 412, the change kept', async () => {
    await importCsv(a, 'erstat2', codesFrom('START', 2)).expect(200);
    const { first } = await raced('erstat2', () => importCsv(b, 'erstat2', codesFrom('B', 2)), () => importCsv(a, 'erstat2', codesFrom('A', 2), [merge]).expect(200));
    expect(first.status).toBe(412);
    expect(text(first)).toMatch(/^CodeSystem\/kommune-230-erstat2 was changed by another write during the import: it is now at version 2, not version 1 as the import read it; nothing was written/);
    expect(await storedCodes(a, 'erstat2')).toEqual([...codesFrom('START', 2), ...codesFrom('A', 2)].sort());
  });
});
