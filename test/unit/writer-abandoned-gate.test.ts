/**
 * A write whose request was answered by its timeout (the commit gate abandoned) before its turn in the write queue
 * is not run: the client was told nothing was written, so nothing of it reaches the store, also when it arrives at
 * the writer only after the writes were settled (graceful shutdown closes the store then).
 */
import type { Principal } from '../../src/auth/verifier';
import { FhirError } from '../../src/errors/fhir-error';
import { sharedFhirSchemaValidator } from '../../src/fhir/schema-validator';
import { CommitGate } from '../../src/store/commit-gate';
import { MemoryStore } from '../../src/store/memory-store';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { ResourceWriter, type WriteRequest } from '../../src/write/writer';
import { publishedCatalogs } from '../support/catalogs';
import { localCodeSystem } from '../support/local';

class CountingStore extends MemoryStore {
  applied = 0;
  /** Holds each commit until released, so that a write can be made to wait its turn. */
  hold: Promise<void> = Promise.resolve();
  override async apply(...args: Parameters<MemoryStore['apply']>) {
    this.applied++;
    await this.hold;
    return super.apply(...args);
  }
}

function writerOn(store: CountingStore): ResourceWriter {
  const catalogs = publishedCatalogs();
  const written = new ResourceSet();
  const published = new ResourceSet(catalogs.resources);
  const registry = new TerminologyRegistry([written, published], catalogs.defaultSupplements);
  return new ResourceWriter({ store, registry, written, published, schema: sharedFhirSchemaValidator() });
}

const principal: Principal = { kommunekode: '101', admin: false, scopes: [], subject: 'test' };
const put = (name: string): WriteRequest => {
  const body = localCodeSystem('101', name, [{ code: `101-${name}`, display: name, type: 'indsats' }]);
  return { method: 'PUT', resourceType: 'CodeSystem', id: body.id, body };
};

const timedOut = (e: unknown) => e instanceof FhirError && e.status === 503 && e.code === 'timeout';

it('a write abandoned before it reaches the writer is refused as not written, and never queued or stored', async () => {
  const store = new CountingStore();
  const writer = writerOn(store);
  const gate = new CommitGate();
  gate.abandon();
  const refused = await writer.write(principal, [put('sen')], gate).catch((e: unknown) => e);
  expect(timedOut(refused)).toBe(true);
  await writer.settled();
  expect(store.applied).toBe(0);
  expect(await store.history('CodeSystem', 'kommune-101-sen')).toHaveLength(0);
});

it('a write abandoned while it waits for the one before it is not checked or stored; the one before is', async () => {
  const store = new CountingStore();
  let release!: () => void;
  store.hold = new Promise((resolve) => { release = resolve; });
  const writer = writerOn(store);
  const first = writer.write(principal, [put('foerst')], new CommitGate());
  const gate = new CommitGate();
  const second = writer.write(principal, [put('anden')], gate).catch((e: unknown) => e);
  // the first is committing; the second's request times out meanwhile
  while (store.applied === 0) await new Promise((resolve) => setImmediate(resolve));
  expect(gate.abandon()).toBe(true);
  release();
  expect((await first)[0]!.status).toBe(201);
  expect(timedOut(await second)).toBe(true);
  await writer.settled();
  expect(store.applied).toBe(1);
  expect(await store.history('CodeSystem', 'kommune-101-anden')).toHaveLength(0);
});

it("a check (an import's preview) whose request was answered by its timeout is not run", async () => {
  const store = new CountingStore();
  const writer = writerOn(store);
  const read = jest.spyOn(store, 'history');
  const before = new CommitGate();
  before.abandon();
  expect(timedOut(await writer.check(principal, [put('eftersyn')], before).catch((e: unknown) => e))).toBe(true);
  // and one whose request times out while it waits for a write
  let release!: () => void;
  store.hold = new Promise((resolve) => { release = resolve; });
  const first = writer.write(principal, [put('foerst')], new CommitGate());
  const gate = new CommitGate();
  const waiting = writer.check(principal, [put('eftersyn')], gate).catch((e: unknown) => e);
  while (store.applied === 0) await new Promise((resolve) => setImmediate(resolve));
  const readsBefore = read.mock.calls.length;
  gate.abandon();
  release();
  await first;
  expect(timedOut(await waiting)).toBe(true);
  expect(read.mock.calls.length).toBe(readsBefore);
  // a check not abandoned is run, and reads what it checks against
  const [checked] = await writer.check(principal, [put('eftersyn')], new CommitGate());
  expect(checked!.id).toBe('kommune-101-eftersyn');
  expect(read.mock.calls.length).toBeGreaterThan(readsBefore);
});
