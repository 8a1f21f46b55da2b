import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CodeSystem, ValueSet } from 'fhir/r4';
import type { TerminologyRegistry } from '../../src/terminology/registry';
import { expandValueSet, expansionRequest, serializedExpansion } from '../../src/terminology/expansion/value-set-expansion';
import { publishedRegistry } from '../support/catalogs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CS_URL = 'http://example.org/fhir/CodeSystem/request-supplied';
const VS_URL = 'http://example.org/fhir/ValueSet/request-supplied';

let registry: TerminologyRegistry;
beforeAll(() => {
  registry = publishedRegistry();
});

/**
 * Expands a value set of a code system given with one request (as tx-resources are: an overlay of the server's
 * registry), in every way an answer is made, and returns a weak reference to the code system's provider, which every
 * expansion entry of it points to.
 */
function expandRequestSupplied(concepts: number): WeakRef<object> {
  const cs: CodeSystem = {
    resourceType: 'CodeSystem', url: CS_URL, version: '1', status: 'active', content: 'complete',
    concept: Array.from({ length: concepts }, (_, i) => ({ code: `K${i}`, display: `Kode ${i}` })),
  };
  const vs: ValueSet = { resourceType: 'ValueSet', url: VS_URL, status: 'active', compose: { include: [{ system: CS_URL }] } };
  const overlay = registry.withOverlay([cs, vs]);
  for (const count of [1, undefined]) {
    expect(expandValueSet(overlay, vs, expansionRequest({ count })).expansion?.contains?.[0]?.code).toBe('K0');
    expect(serializedExpansion(overlay, vs, expansionRequest({ count })).byteLength).toBeGreaterThan(0);
  }
  return new WeakRef(overlay.codeSystemProvider(CS_URL)!);
}

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef's target is kept until the job that read it ends
    gc();
  }
  return ref.deref() === undefined;
}

describe('memory of expansions of request-supplied code systems', () => {
  it('keeps nothing of a code system given with one request once its expansions are answered', async () => {
    const refs = [expandRequestSupplied(500), expandRequestSupplied(500)];
    for (const ref of refs) expect(await collected(ref)).toBe(true);
  });
});
