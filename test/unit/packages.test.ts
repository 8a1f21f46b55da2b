/**
 * The FHIR package format: what the writer writes is read back unchanged, is checked as the specification asks, and
 * is loaded by a maintained package reader (fhir-package-loader, as SUSHI uses it) from its package cache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { CodeSystem, ConceptMap, ConceptMapGroup, ValueSet } from 'fhir/r4';
import { BasePackageLoader, createSQLJSPackageDB, DiskBasedPackageCache, LoadStatus } from 'fhir-package-loader';
import type { Bilingual } from '../../src/errors/issue';
import { checkPackage } from '../../src/packages/package-check';
import { PackageError } from '../../src/packages/package-error';
import { resourcesResolver, unresolvedReferences } from '../../src/packages/package-references';
import { MAX_UNPACKED_BYTES, readPackageFile, readPackageFolder, readPackageTarball, UPLOADED } from '../../src/packages/package-reader';
import { packageFiles, writePackageTarball } from '../../src/packages/package-writer';
import { PublishedLayer } from '../../src/packages/published-layer';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';
import { heldForOtherUrl } from '../../src/terminology/served-ids';
import { nextFsiiiRelease } from '../../scripts/next-fsiii-release';
import { publishedCatalogs } from '../support/catalogs';
import { packageBomb } from '../support/package-bomb';

const fsiii = (): CodeSystem => publishedCatalogs().resources.find((r) => r.resourceType === 'CodeSystem' && r.id === 'FSIII') as CodeSystem;
const valueSet: ValueSet = { resourceType: 'ValueSet', id: 'vs', url: 'http://example.org/ValueSet/vs', version: '1', status: 'active', compose: { include: [{ system: 'urn:oid:1.2.208.176.2.21' }] } };

async function problemsOf(fn: () => Promise<unknown>): Promise<string[]> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PackageError);
    return (e as PackageError).problems;
  }
  throw new Error('expected a PackageError');
}

describe('package writer and reader', () => {
  it('writes package.json, .index.json and one resource per file, and reads them back equal', async () => {
    const two = { ...fsiii(), version: '2' };
    const archive = await writePackageTarball({ name: 'example.terminology', version: '1.0.0' }, [fsiii(), two, valueSet]);
    const pkg = await readPackageTarball(archive, 'x');
    expect(pkg.manifest).toEqual(expect.objectContaining({ name: 'example.terminology', version: '1.0.0', fhirVersions: ['4.0.1'], dependencies: { 'hl7.fhir.r4.core': '4.0.1' } }));
    expect(pkg.files.map((f) => f.name)).toEqual(['CodeSystem-FSIII-2.json', 'CodeSystem-FSIII.json', 'ValueSet-vs.json']);
    const checked = await checkPackage(pkg);
    expect(checked.resources).toEqual(expect.arrayContaining([fsiii(), two, valueSet]));
    const index = JSON.parse(packageFiles({ name: 'example.terminology', version: '1.0.0' }, [fsiii(), two]).find((f) => f.name === '.index.json')!.text);
    expect(index).toEqual({
      'index-version': 1,
      files: [
        { filename: 'CodeSystem-FSIII.json', resourceType: 'CodeSystem', id: 'FSIII', url: fsiii().url, version: '20240530' },
        { filename: 'CodeSystem-FSIII-2.json', resourceType: 'CodeSystem', id: 'FSIII', url: fsiii().url, version: '2' },
      ],
    });
  });

  it('refuses an archive that ends inside a file, or unpacks to more than a package may hold, with the reason', async () => {
    const archive = await writePackageTarball({ name: 'example.terminology', version: '1.0.0' }, [fsiii(), valueSet]);
    const tar = zlib.gunzipSync(archive);
    // cut inside the first file's data (after its 512-byte header), then gzipped whole again
    for (const cut of [700, Math.floor(tar.length / 2)]) {
      const truncated = zlib.gzipSync(tar.subarray(0, cut));
      await expect(readPackageTarball(truncated, 'x')).rejects.toThrow(PackageError);
      await expect(readPackageTarball(truncated, 'x')).rejects.toThrow(/tar file cannot be read/);
    }
    // a file the package does not serve (other/) counts towards what the archive unpacks to
    await expect(readPackageTarball(packageBomb('package/other/big.bin', MAX_UNPACKED_BYTES + 1), UPLOADED)).rejects.toThrow(/the package: unpacks to more than 512 MB/);
  });

  it('refuses a file of package/ larger than a file may be by its header, before holding it; a large file elsewhere is passed over', async () => {
    const big = packageBomb('package/CodeSystem-big.json', 100 * 1024 * 1024);
    await expect(readPackageTarball(big, UPLOADED)).rejects.toThrow('the package: package/CodeSystem-big.json is 100.0 MB, more than the 16 MB one file of a package may hold');
    const daProblems = await readPackageTarball(big, UPLOADED).catch((e: PackageError) => e.problems);
    expect(daProblems).toEqual(['pakken: package/CodeSystem-big.json fylder 100.0 MB, mere end de 16 MB en fil i en pakke må']);
    // the same size where the reader does not keep it: read past
    expect((await readPackageTarball(packageBomb('package/other/big.bin', 100 * 1024 * 1024), UPLOADED)).files).toEqual([]);
  });

  it('a file that cannot be read is refused as such, not as a broken archive, and in Danish words', async () => {
    const missing = path.join(os.tmpdir(), 'faelles-tx-no-such-package.tgz');
    const error = await readPackageFile(missing).catch((e: PackageError) => e);
    expect(error).toBeInstanceOf(PackageError);
    expect((error as PackageError).message).toMatch(new RegExp(`^${missing}: the file cannot be read: ENOENT`));
    expect((error as PackageError).problems).toEqual([`${missing}: filen kan ikke læses: den findes ikke (ENOENT)`]);
  });

  it('reads an unpacked package folder; other folders of the package (example/) and other resource types are left out', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-pkg-'));
    try {
      fs.mkdirSync(path.join(dir, 'package', 'example'), { recursive: true });
      for (const f of packageFiles({ name: 'example.folder', version: '1.0.0' }, [valueSet])) fs.writeFileSync(path.join(dir, 'package', f.name), f.text);
      fs.writeFileSync(path.join(dir, 'package', 'example', 'ValueSet-x.json'), JSON.stringify({ ...valueSet, id: 'x', url: 'http://example.org/x' }));
      fs.writeFileSync(path.join(dir, 'package', 'ImplementationGuide-ig.json'), JSON.stringify({ resourceType: 'ImplementationGuide', id: 'ig' }));
      const checked = await checkPackage(readPackageFolder(dir));
      expect(checked.resources).toEqual([valueSet]);
      expect(checked.skipped).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('package check', () => {
  const raw = (manifest: unknown, files = [{ name: 'ValueSet-vs.json', text: JSON.stringify(valueSet) }]) => ({ source: 'p', manifest, files });

  it('needs a package name, a semantic version and FHIR R4', async () => {
    expect((await problemsOf(() => checkPackage(raw({ name: 'Not A Name', version: 'one' })))).join('\n')).toMatch(/FHIR-pakkenavn[\s\S]*semantisk version[\s\S]*ingen FHIR-version/);
    expect((await problemsOf(() => checkPackage(raw({ name: 'a.b', version: '1.0.0', fhirVersions: ['5.0.0'] }))))[0]).toContain('FHIR 5.0.0');
    expect((await problemsOf(() => checkPackage(raw({ name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'], dependencies: { 'hl7.fhir.r4.core': '4.3.0' } }))))[0]).toContain('4.3.0');
    expect((await checkPackage(raw({ name: 'a.b', version: '1.0.0', dependencies: { 'hl7.fhir.r4.core': '4.0.1' } }))).fhirVersion).toBe('4.0.1');
  });

  it('says that a package.json has no name or no version, rather than quoting it as undefined', async () => {
    expect(await problemsOf(() => checkPackage({ ...raw({ fhirVersions: ['4.0.1'] }), source: UPLOADED }))).toEqual([
      'pakken: package.json har intet navn (et FHIR-pakkenavn: små bogstaver, punktum-adskilte dele, fx kl.dk.fhir.term)',
      'pakken: package.json har ingen version (en semantisk version MAJOR.MINOR.PATCH, fx 1.2.0, som npm og FHIR-pakker kræver)',
    ]);
  });

  it("names an upload by its package.json's name#version once that is valid, a file by its path and name#version", async () => {
    const files = [{ name: 'd.json', text: JSON.stringify({ ...valueSet, status: undefined }) }];
    const manifest = { name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] };
    expect(await problemsOf(() => checkPackage({ ...raw(manifest, files), source: UPLOADED }))).toEqual(['a.b#1.0.0: package/d.json: ikke en gyldig FHIR R4 ValueSet: $.status er påkrævet']);
    expect(await problemsOf(() => checkPackage(raw(manifest, files)))).toEqual(['p (a.b#1.0.0): package/d.json: ikke en gyldig FHIR R4 ValueSet: $.status er påkrævet']);
  });

  it('needs the whole semantic version MAJOR.MINOR.PATCH, as npm and the FHIR package specification do (not 1.0)', async () => {
    const r4 = { name: 'a.b', fhirVersions: ['4.0.1'] };
    for (const version of ['1.0', '1', '1.0.0.0', '01.0.0', '1.0.0-01', '1.0.0-', '1.0.0+']) {
      expect(await problemsOf(() => checkPackage(raw({ ...r4, version })))).toEqual([`p: package.json version '${version}' er ikke en semantisk version MAJOR.MINOR.PATCH (fx 1.2.0), som npm og FHIR-pakker kræver`]);
    }
    for (const version of ['0.0.0', '2025.6.1', '1.0.0-ballot.2', '1.0.0-0.3.7', '1.0.0-x-y.1+build.20250601']) {
      expect((await checkPackage(raw({ ...r4, version }))).version).toBe(version);
    }
  });

  it('reports every invalid resource and a url|version given twice, and refuses a package without terminology', async () => {
    const files = [
      { name: 'a.json', text: JSON.stringify(valueSet) },
      { name: 'b.json', text: JSON.stringify(valueSet) },
      { name: 'c.json', text: '{' },
      { name: 'd.json', text: JSON.stringify({ ...valueSet, url: undefined }) },
    ];
    const problems = await problemsOf(() => checkPackage(raw({ name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] }, files)));
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/b\.json.*findes allerede i package\/a\.json[\s\S]*c\.json: ikke gyldig JSON[\s\S]*d\.json.*url/);
    expect((await problemsOf(() => checkPackage(raw({ name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] }, [])))).join()).toContain('ingen CodeSystem');
  });

  it('refuses a resource with a number whose value JSON.parse would change, naming the number, where it is and what it would become', async () => {
    const cs = { resourceType: 'CodeSystem', url: 'http://example.org/cs', version: '1', status: 'active', content: 'complete',
      property: [{ code: 'w', type: 'decimal' }], concept: [{ code: 'a', display: 'A', property: [{ code: 'w', valueDecimal: 1.5 }] }] };
    const manifest = { name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] };
    const file = (number: string) => [{ name: 'CodeSystem-cs.json', text: JSON.stringify(cs).replace('"valueDecimal":1.5', `"valueDecimal":${number}`) }];
    expect(await problemsOf(() => checkPackage(raw(manifest, file('9007199254740993'))))).toEqual([
      'p (a.b#1.0.0): package/CodeSystem-cs.json: tallet 9007199254740993 ved CodeSystem.concept[0].property[0].valueDecimal har flere betydende cifre, end serveren gemmer nøjagtigt (15): det ville blive gemt som 9007199254740992',
    ]);
    expect((await checkPackage(raw(manifest, file('1.50')))).resources).toHaveLength(1);
  });

  it('refuses a code system that defines a code twice (csd-1), nested or not, naming both places', async () => {
    const cs: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://example.org/cs', version: '1', status: 'active', content: 'complete',
      concept: [{ code: 'a', display: 'A' }, { code: 'b', concept: [{ code: 'a', display: 'Second A' }] }],
    };
    const problems = await problemsOf(() => checkPackage(raw({ name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] }, [{ name: 'cs.json', text: JSON.stringify(cs) }])));
    expect(problems).toEqual([expect.stringContaining("cs.json: koden 'a' er defineret to gange (CodeSystem.concept[0] og CodeSystem.concept[1].concept[0])")]);
    cs.concept![1]!.concept![0]!.code = 'c';
    expect((await checkPackage(raw({ name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] }, [{ name: 'cs.json', text: JSON.stringify(cs) }]))).resources).toHaveLength(1);
  });

  it('refuses a code system whose hierarchy is a cycle, as a write is refused, naming its codes and where', async () => {
    const cs: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://example.org/cs', version: '1', status: 'active', content: 'complete', hierarchyMeaning: 'is-a',
      property: [{ code: 'parent', type: 'code' }],
      concept: [{ code: 'a', concept: [{ code: 'b' }] }, { code: 'c', property: [{ code: 'parent', valueCode: 'b' }], concept: [{ code: 'd' }] }],
    };
    const manifest = { name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] };
    expect((await checkPackage(raw(manifest, [{ name: 'cs.json', text: JSON.stringify(cs) }]))).resources).toHaveLength(1);
    cs.concept![0]!.property = [{ code: 'parent', valueCode: 'd' }];
    expect(await problemsOf(() => checkPackage(raw(manifest, [{ name: 'cs.json', text: JSON.stringify(cs) }])))).toEqual([
      expect.stringContaining("cs.json: hierarkiet går i ring: 'a' -> 'd' -> 'c' -> 'b' -> 'a' (hver kodes overbegreb efter den); et begreb kan ikke ligge under sig selv (CodeSystem.concept[0])"),
    ]);
    await expect(checkPackage(raw(manifest, [{ name: 'cs.json', text: JSON.stringify(cs) }]))).rejects.toThrow("cs.json: the hierarchy is a cycle: 'a' -> 'd' -> 'c' -> 'b' -> 'a'");
  });

  it('refuses a resource that breaks an R4 invariant a write would be refused for, naming the rule, the element and the file', async () => {
    const manifest = { name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] };
    const target = (code: string) => ({ code, equivalence: 'inexact' as const });
    const map: ConceptMap = {
      resourceType: 'ConceptMap', url: 'http://example.org/cm', version: '1', status: 'active',
      group: [{ source: 'http://example.org/cs', target: 'urn:oid:1.2.208.176.2.21', element: [{ code: 'x', target: [target('a'), target('b')] }] }],
    };
    const phoneless: ValueSet = { ...valueSet, url: 'http://example.org/ValueSet/phone', contact: [{ telecom: [{ value: '12345678' }] }] };
    const problems = await problemsOf(() => checkPackage(raw(manifest, [
      { name: 'cm.json', text: JSON.stringify(map) },
      { name: 'vs.json', text: JSON.stringify(phoneless) },
      { name: 'ok.json', text: JSON.stringify(valueSet) },
    ])));
    expect(problems).toEqual([
      expect.stringMatching(/cm\.json: overholder ikke FHIR R4's regler: ConceptMap\.group\[0\]\.element\[0\]\.target\[0\]: Reglen cmd-1 .*; ConceptMap\.group\[0\]\.element\[0\]\.target\[1\]: Reglen cmd-1/),
      expect.stringMatching(/vs\.json: overholder ikke FHIR R4's regler: ValueSet\.contact\[0\]\.telecom\[0\]: Reglen cpt-2/),
    ]);
    // the English reason says the same
    await expect(checkPackage(raw(manifest, [{ name: 'cm.json', text: JSON.stringify(map) }])))
      .rejects.toThrow(/cm\.json: breaks FHIR R4's invariants: .*Constraint failed: cmd-1/);

    const many: ConceptMap = { ...map, group: [{ ...map.group![0]!, element: [{ code: 'x', target: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(target) }] }] };
    const [listed] = await problemsOf(() => checkPackage(raw(manifest, [{ name: 'cm.json', text: JSON.stringify(many) }])));
    expect(listed!.match(/Reglen cmd-1/g)).toHaveLength(5);
    expect(listed).toMatch(/\(og 2 mere\)$/);

    const commented = { ...map, group: [{ ...map.group![0]!, element: [{ code: 'x', target: [{ ...target('a'), comment: 'bredere' }] }] }] };
    expect((await checkPackage(raw(manifest, [{ name: 'cm.json', text: JSON.stringify(commented) }]))).resources).toHaveLength(1);
  });

  it('gives the event loop a turn before each file and between its parse and its check; a checkpoint that throws stops it there', async () => {
    const manifest = { name: 'a.b', version: '1.0.0', fhirVersions: ['4.0.1'] };
    const files = Array.from({ length: 5 }, (_, i) => ({ name: `vs-${i}.json`, text: JSON.stringify({ ...valueSet, url: `http://example.org/ValueSet/vs-${i}` }) }));
    let turns = 0;
    let counting = true;
    const count = () => {
      if (!counting) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    const checked = await checkPackage(raw(manifest, files));
    counting = false;
    expect(checked.resources).toHaveLength(5);
    expect(turns).toBeGreaterThanOrEqual(2 * files.length);
    let checkpoints = 0;
    const stopped = checkPackage(raw(manifest, files), { checkpoint: () => {
      if (++checkpoints === 3) throw new Error('answered by its timeout');
    } });
    await expect(stopped).rejects.toThrow('answered by its timeout');
    expect(checkpoints).toBe(3);
  });

  it('gives every reason in English and in Danish, the same reasons in the same order; an upload without a valid name#version is "the package"/"pakken"', async () => {
    const files = [{ name: 'c.json', text: '{' }, { name: 'd.json', text: JSON.stringify({ ...valueSet, status: undefined }) }];
    let error: PackageError | undefined;
    try {
      await checkPackage({ ...raw({ name: 'a.b', version: 'one', fhirVersions: ['5.0.0'] }, files), source: UPLOADED });
    } catch (e) {
      error = e as PackageError;
    }
    const issues = [error!.issue, ...error!.options.extraIssues ?? []].map((i) => i.text as Bilingual);
    expect(issues.map((t) => t.en)).toEqual([
      "the package: package.json version 'one' is not a semantic version MAJOR.MINOR.PATCH (e.g. 1.2.0), as npm and FHIR packages require",
      'the package: the package is for FHIR 5.0.0; the server speaks FHIR R4 (4.0.1)',
      expect.stringMatching(/^the package: package\/c\.json: not valid JSON \(/),
      'the package: package/d.json: not a valid FHIR R4 ValueSet: $.status is required',
    ]);
    expect(issues.map((t) => t.da)).toEqual(error!.problems);
    expect(error!.problems).toEqual([
      "pakken: package.json version 'one' er ikke en semantisk version MAJOR.MINOR.PATCH (fx 1.2.0), som npm og FHIR-pakker kræver",
      'pakken: pakken er til FHIR 5.0.0; serveren taler FHIR R4 (4.0.1)',
      expect.stringMatching(/^pakken: package\/c\.json: ikke gyldig JSON \(/),
      'pakken: package/d.json: ikke en gyldig FHIR R4 ValueSet: $.status er påkrævet',
    ]);
    expect(error!.message).toBe(issues[0]!.en);
  });
});

describe('code systems and value sets a package uses', () => {
  const served = resourcesResolver([fsiii(), { resourceType: 'ValueSet', url: 'http://example.org/ValueSet/served', version: '2.1.0', status: 'active' } as ValueSet]);
  const vs = (compose: ValueSet['compose']): ValueSet => ({ ...valueSet, url: 'http://example.org/ValueSet/user', version: '1', compose });

  it('are found in the package or among what is served, by url and by version', () => {
    const own: CodeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/own', version: '3', status: 'active', content: 'complete' };
    expect(unresolvedReferences([vs({ include: [{ system: fsiii().url }, { system: fsiii().url, version: '20240530' }, { system: own.url, version: '3' }, { valueSet: ['http://example.org/ValueSet/served|2.1'] }] }), own], served, 'p')).toEqual([]);
  });

  it('each one missing is a reason, naming the resource, the element and the canonical, in English and Danish', () => {
    const problems = unresolvedReferences([
      vs({ include: [{ system: fsiii().url, version: '20991231' }], exclude: [{ valueSet: ['http://example.org/ValueSet/gone'] }] }),
      { resourceType: 'ConceptMap', url: 'http://example.org/map', status: 'active', group: [{ source: 'http://example.org/a', target: fsiii().url } as ConceptMapGroup] },
      { resourceType: 'CodeSystem', url: 'http://example.org/supplement', status: 'active', content: 'supplement', supplements: 'http://example.org/base' },
    ], served, 'p#1.0.0');
    expect(problems.map((p) => p.en)).toEqual([
      expect.stringMatching(/^p#1\.0\.0: ValueSet http:\/\/example\.org\/ValueSet\/user\|1 \(ValueSet\.compose\.include\[0\]\.system\) uses the code system urn:oid:1\.2\.208\.176\.2\.21\|20991231,/),
      expect.stringContaining('(ValueSet.compose.exclude[0].valueSet[0]) uses the value set http://example.org/ValueSet/gone,'),
      expect.stringContaining('ConceptMap http://example.org/map (ConceptMap.group[0].source) uses the code system http://example.org/a,'),
      expect.stringContaining('(CodeSystem.supplements) uses the code system http://example.org/base,'),
    ]);
    expect(problems[0]!.da).toContain('bruger kodesystemet urn:oid:1.2.208.176.2.21|20991231, som hverken er i pakken');
  });
});

describe('the synthetic next FSIII release', () => {
  it('retires one code with a replacement, adds one, changes one display, moves one and drops one; the input is unchanged', () => {
    const before = JSON.stringify(fsiii());
    const { codeSystem, changes } = nextFsiiiRelease(fsiii());
    expect(JSON.stringify(fsiii())).toBe(before);
    type C = NonNullable<CodeSystem['concept']>[number];
    const index = (cs: CodeSystem) => {
      const out = new Map<string, { concept: C; parent?: string }>();
      const walk = (list: C[] = [], parent?: string) => list.forEach((c) => { out.set(c.code, { concept: c, parent }); walk(c.concept, c.code); });
      walk(cs.concept);
      return out;
    };
    const oldIdx = index(fsiii());
    const newIdx = index(codeSystem);
    expect(codeSystem.version).not.toBe(fsiii().version);
    expect(newIdx.get(changes.retired)?.concept.property).toEqual([{ code: 'status', valueCode: 'retired' }, { code: 'replacedBy', valueCode: changes.replacement }]);
    expect(oldIdx.has(changes.added)).toBe(false);
    expect(newIdx.get(changes.added)?.parent).toBe(changes.addedUnder);
    expect(oldIdx.get(changes.redisplayed.code)?.concept.display).toBe(changes.redisplayed.before);
    expect(newIdx.get(changes.redisplayed.code)?.concept.display).toBe(changes.redisplayed.after);
    expect(oldIdx.get(changes.moved.code)?.parent).toBe(changes.moved.from);
    expect(newIdx.get(changes.moved.code)?.parent).toBe(changes.moved.to);
    expect(changes.moved.to).not.toBe(changes.moved.from);
    expect(oldIdx.has(changes.dropped) && !newIdx.has(changes.dropped)).toBe(true);
    expect(newIdx.size).toBe(oldIdx.size);
    expect(codeSystem.count).toBe(newIdx.size);
  });
});

describe('a maintained package reader loads what the writer writes', () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-fhir-cache-'));
  });
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it('fhir-package-loader loads the published catalogs package from its cache, every resource findable by url', async () => {
    const resources = publishedCatalogs().resources;
    const archive = await writePackageTarball({ name: 'faelles-tx.catalogs', version: '0.1.0' }, resources);
    const cache = new DiskBasedPackageCache(cacheDir);
    await cache.cachePackageTarball('faelles-tx.catalogs', '0.1.0', Readable.from([archive]));
    const offline = { resolveVersion: async (_n: string, v: string) => v, download: async () => { throw new Error('offline'); } };
    const noCurrent = { downloadCurrentBuild: async () => { throw new Error('offline'); }, getCurrentBuildDate: async () => { throw new Error('offline'); } };
    const loader = new BasePackageLoader(await createSQLJSPackageDB(), cache, offline, noCurrent);
    expect(await loader.loadPackage('faelles-tx.catalogs', '0.1.0')).toBe(LoadStatus.LOADED);
    expect(loader.findPackageJSON('faelles-tx.catalogs', '0.1.0')).toMatchObject({ fhirVersions: ['4.0.1'] });
    for (const r of resources) {
      const found = loader.findResourceJSONs(r.url!, { type: [r.resourceType] }) as { version?: string }[];
      expect(found.find((x) => x.version === r.version)).toEqual(r);
    }
  });
});

describe('unloading a package (the published layer)', () => {
  const A = 'http://example.org/CodeSystem/a';
  const cs: CodeSystem = { resourceType: 'CodeSystem', id: 'a', url: A, version: '1', status: 'active', content: 'complete', concept: [{ code: 'x' }] };
  const stored = (name: string, resources: TerminologyResource[], dependencies: Record<string, string> = {}) =>
    ({ name, version: '1.0.0', fhirVersion: '4.0.1', dependencies, resources, loadedAt: '2026-12-02T10:00:00.000Z' });

  function layerWith(written: ResourceSet) {
    const published = new ResourceSet([]);
    const registry = new TerminologyRegistry([written, published]);
    const layer = new PublishedLayer(published, registry, []);
    return { layer, registry };
  }

  it('names what municipalities wrote against it, and what else serves the same code system keeps it resolving', () => {
    const map: ConceptMap = { resourceType: 'ConceptMap', url: 'http://example.org/map', version: '2', status: 'active', group: [{ source: 'http://example.org/local', target: A } as ConceptMapGroup] };
    const written = new ResourceSet([map]);
    const { layer } = layerWith(written);
    layer.applyPackages([stored('example.a', [cs])]);
    expect(layer.writtenUsing('example.a', '1.0.0', written).map((w) => w.en)).toEqual([
      `ConceptMap http://example.org/map|2 (ConceptMap.group[0].target) uses the code system ${A}, which only example.a#1.0.0 serves`,
    ]);
    expect(layer.unloadProblems('example.a', '1.0.0').problems).toEqual([]);
    // a second package serving the same code system (another version): nothing depends on example.a alone
    layer.applyPackages([stored('example.a2', [{ ...cs, version: '2' }])]);
    expect(layer.writtenUsing('example.a', '1.0.0', written)).toEqual([]);
  });

  it("ids follow what municipalities wrote, in whichever order a replica receives a package and a write under the same id", () => {
    const written = new ResourceSet([]);
    const published = new ResourceSet([]);
    const registry = new TerminologyRegistry([written, published]);
    const layer = new PublishedLayer(published, registry, [], undefined, { takenElsewhere: heldForOtherUrl(written) });
    layer.applyPackages([stored('example.a', [cs])]);
    expect(published.byResourceId('CodeSystem', 'a')?.url).toBe(A);
    // the municipality's write, committed at the same moment on another replica, arrives after the package
    const local: CodeSystem = { resourceType: 'CodeSystem', id: 'a', url: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/a', status: 'active', content: 'complete' };
    written.add(local);
    registry.touch([local]);
    expect(published.byResourceId('CodeSystem', 'a')).toBeUndefined();
    expect(published.byResourceId('CodeSystem', 'a-1')?.url).toBe(A);
    // and once it is deleted, the package's resource has its id again
    written.remove(local);
    registry.touch([local]);
    expect(published.byResourceId('CodeSystem', 'a')?.url).toBe(A);
    expect(published.byResourceId('CodeSystem', 'a-1')).toBeUndefined();
  });

  it('an unload of an earlier load of the same name#version is ignored; the later load stays served', () => {
    const { layer, registry } = layerWith(new ResourceSet([]));
    layer.applyPackages([stored('example.a', [cs])]);
    layer.applyPackages([{ ...stored('example.a', [{ ...cs, concept: [{ code: 'y' }] }]), loadedAt: '2026-12-02T11:00:00.000Z' }]);
    layer.unloadPackages([{ name: 'example.a', version: '1.0.0', loadedAt: '2026-12-02T10:00:00.000Z', unloadedAt: '2026-12-02T10:30:00.000Z' }]);
    expect(registry.findCodeSystem(A)?.concept?.map((c) => c.code)).toEqual(['y']);
    expect(layer.packages().map((p) => `${p.name}#${p.version}@${p.loadedAt}`)).toEqual(['example.a#1.0.0@2026-12-02T11:00:00.000Z']);
    layer.unloadPackages([{ name: 'example.a', version: '1.0.0', loadedAt: '2026-12-02T11:00:00.000Z', unloadedAt: '2026-12-02T11:30:00.000Z' }]);
    expect(layer.packages()).toEqual([]);
    expect(registry.findCodeSystem(A)).toBeUndefined();
  });

  it('a load of a name#version PACKAGES serves with other content (by a replica configured without it) is not served, and is said', () => {
    const { layer, registry } = layerWith(new ResourceSet([]));
    layer.addConfigured({ ...stored('example.a', [cs]), skipped: 0 });
    const refused = layer.applyPackages([stored('example.a', [{ ...cs, concept: [{ code: 'y' }] }])]);
    expect(refused.map((p) => p.en)).toEqual([expect.stringContaining('Package example.a#1.0.0 in PACKAGES has other content than example.a#1.0.0, loaded at run time on 2026-12-02T10:00:00.000Z')]);
    expect(registry.findCodeSystem(A)?.concept?.map((c) => c.code)).toEqual(['x']);
    expect(layer.packages().map((p) => `${p.name}#${p.version} ${p.origin}`)).toEqual(['example.a#1.0.0 configured']);
    // the same content is the same package
    expect(layer.applyPackages([stored('example.a', [cs])])).toEqual([]);
  });
});
