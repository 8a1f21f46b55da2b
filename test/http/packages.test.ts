/**
 * FHIR packages in and out: a KL release loaded at run time ($load-package) is served beside the version in use,
 * a package that fails is refused whole with its reasons, and a package written by $package loads back into a fresh
 * server with every resource equal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Binary, Bundle, CapabilityStatement, CodeSystem, ConceptMap, OperationDefinition, OperationOutcome, Parameters, ParametersParameter, ValueSet } from 'fhir/r4';
import { Client } from 'fhir-kit-client';
import pino from 'pino';
import request from 'supertest';
import { inEnglish } from '../support/english';
import { createApp, type App } from '../../src/app';
import { FhirSchemaValidator } from '../../src/fhir/schema-validator';
import { MemoryStore } from '../../src/store/memory-store';
import { loadTerminology } from '../../src/terminology/loader';
import { MAX_UNPACKED_BYTES, readPackageTarball } from '../../src/packages/package-reader';
import { PackageService } from '../../src/packages/package-service';
import { writePackageTarball } from '../../src/packages/package-writer';
import { NEXT_FSIII_PACKAGE, NEXT_FSIII_VERSION, nextFsiiiPackage, type ReleaseChanges } from '../../scripts/next-fsiii-release';
import { FSIII, publishedCatalogs, TERMINOLOGY_DIR, testApp, testConfig } from '../support/app';
import { localCodeSystem, sampleCatalog, tokenFor } from '../support/local';
import { serveOverHttp } from '../support/server';
import { packageArchive, packageBomb } from '../support/package-bomb';
import { issueTranslated } from '../support/translation';
import { keysReversed } from '../support/keys-reversed';

const JSON_TYPE = 'application/fhir+json';
const OLD = '20240530';

let app: App;
let adminToken: string;
let release: { archive: Buffer; codeSystem: CodeSystem; changes: ReleaseChanges };

function loadPackage(target: App, archive: Buffer, token = adminToken) {
  return inEnglish(target).post('/fhir/$load-package').set('Authorization', `Bearer ${token}`).type('application/gzip').send(archive);
}

async function downloadPackage(target: App, query = ''): Promise<Buffer> {
  const res = await inEnglish(target).get(`/fhir/$package${query}`).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/gzip/);
  return res.body as Buffer;
}

function lookup(code: string, version?: string) {
  const v = version ? `&version=${version}` : '';
  return inEnglish(app).get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=${code}${v}`);
}

function display(body: Parameters): string | undefined {
  return body.parameter?.find((p) => p.name === 'display')?.valueString;
}

function texts(outcome: OperationOutcome): string[] {
  return outcome.issue.map((i) => i.details?.text ?? i.diagnostics ?? '');
}

function packageNames(res: { body: unknown }): unknown[] {
  return ((res.body as Parameters).parameter ?? []).map((p) => p.part?.find((x) => x.name === 'name')?.valueString);
}

beforeAll(async () => {
  app = await testApp();
  adminToken = await tokenFor({ scope: 'openid admin' });
  release = await nextFsiiiPackage(TERMINOLOGY_DIR);
});

describe('a KL release loaded at run time ($load-package)', () => {
  it('needs an admin token', async () => {
    const none = await inEnglish(app).post('/fhir/$load-package').type('application/gzip').send(release.archive);
    expect(none.status).toBe(401);
    const municipal = await loadPackage(app, release.archive, await tokenFor({ kommunekode: '101' }));
    expect(municipal.status).toBe(403);
    expect((await lookup(release.changes.added)).status).toBe(404);
  });

  it('is refused whole, with every reason, when it fails validation; the catalogs stay as they were', async () => {
    const broken = structuredClone(release.codeSystem);
    broken.version = '20250602';
    (broken as unknown as Record<string, unknown>).status = 'in-force';
    const second: CodeSystem = { ...structuredClone(release.codeSystem), id: 'other', url: 'http://example.org/other', version: '1' };
    delete (second as Partial<CodeSystem>).content;
    const archive = await writePackageTarball({ name: 'kl.synthetic.broken', version: '1.0.0' }, [broken, second]);
    const res = await loadPackage(app, archive);
    expect(res.status).toBe(422);
    const reasons = texts(res.body as OperationOutcome);
    expect(reasons.some((t) => t.includes('CodeSystem-FSIII.json') && t.includes('status'))).toBe(true);
    expect(reasons.some((t) => t.includes('CodeSystem-other.json') && t.includes('content'))).toBe(true);
    // nothing of it is served
    const search = await inEnglish(app).get(`/fhir/CodeSystem?url=${encodeURIComponent(FSIII)}`);
    expect((search.body as Bundle).entry?.map((e) => (e.resource as CodeSystem).version)).toEqual([OLD]);
  });

  it('refuses a package for another FHIR version, and one whose dependency is not loaded', async () => {
    const files = await readPackageTarball(release.archive, 'x');
    expect(files.manifest).toMatchObject({ fhirVersions: ['4.0.1'] });
    const r5 = await writePackageTarball({ name: 'kl.synthetic.r5', version: '1.0.0', dependencies: { 'hl7.fhir.r5.core': '5.0.0' } }, [release.codeSystem]);
    const r5Answer = await loadPackage(app, r5);
    expect(r5Answer.status).toBe(422);
    expect(texts(r5Answer.body as OperationOutcome).join(' ')).toContain('hl7.fhir.r5.core');
    const dependent = await writePackageTarball({ name: 'kl.synthetic.dependent', version: '1.0.0', dependencies: { 'kl.dk.fhir.term': '2.0.0' } }, [release.codeSystem]);
    const depAnswer = await loadPackage(app, dependent);
    expect(depAnswer.status).toBe(422);
    expect(texts(depAnswer.body as OperationOutcome).join(' ')).toContain('kl.dk.fhir.term#2.0.0');
    const notPackage = await loadPackage(app, Buffer.from('not a package'));
    expect(notPackage.status).toBe(422);
    const wrongType = await inEnglish(app).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).type('text/plain').send('x');
    expect(wrongType.status).toBe(415);
    // a JSON body is a Parameters with the package as a Binary, or the Binary itself; another resource is not a package
    const otherResource = await inEnglish(app).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).type(JSON_TYPE).send({ resourceType: 'Basic' });
    expect([otherResource.status, texts(otherResource.body as OperationOutcome)]).toEqual([415, ['Send the package as .tgz with Content-Type application/gzip (not a Basic)']]);
    const untyped = await inEnglish(app).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).set('Content-Type', '').send(Buffer.from('x'));
    expect([untyped.status, texts(untyped.body as OperationOutcome)]).toEqual([415, ["Send the package as .tgz with Content-Type application/gzip (not 'none')"]]);
    const empty = await inEnglish(app).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).type(JSON_TYPE).send('{}');
    expect([empty.status, empty.body.issue[0].code, texts(empty.body as OperationOutcome)]).toEqual([400, 'required', ["$load-package needs a request body (or the parameter 'package' in a Parameters body)"]]);
  });

  it('refuses a package whose value set or map uses a code system neither in it, in its dependencies nor loaded (Danish on request)', async () => {
    const fresh = await testApp();
    const missing = 'http://example.org/CodeSystem/not-loaded';
    const valueSet: ValueSet = {
      resourceType: 'ValueSet', id: 'uses-missing', url: 'http://example.org/ValueSet/uses-missing', version: '1.0.0', status: 'active',
      compose: { include: [{ system: FSIII }, { system: missing }] },
    };
    const map: ConceptMap = {
      resourceType: 'ConceptMap', id: 'maps-missing', url: 'http://example.org/ConceptMap/maps-missing', version: '1.0.0', status: 'active',
      group: [{ source: FSIII, target: `${missing}-too`, element: [{ code: 'a', target: [{ code: 'b', equivalence: 'equivalent' }] }] }],
    };
    const archive = await writePackageTarball({ name: 'kl.synthetic.dangling', version: '1.0.0' }, [valueSet, map]);
    const res = await loadPackage(fresh, archive);
    expect(res.status).toBe(422);
    const reasons = texts(res.body as OperationOutcome);
    expect(reasons).toHaveLength(2);
    expect(reasons).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`ValueSet ${valueSet.url}\\|1\\.0\\.0 .*uses the code system ${missing},`)),
      expect.stringMatching(new RegExp(`ConceptMap ${map.url}\\|1\\.0\\.0 .*uses the code system ${missing}-too,`)),
    ]));
    expect(reasons.join(' ')).not.toContain(`${FSIII},`);
    const da = await loadPackage(fresh, archive).set('Accept-Language', 'da');
    expect(da.status).toBe(422);
    expect(texts(da.body as OperationOutcome).join('\n')).toMatch(new RegExp(`bruger kodesystemet ${missing}, som hverken er i pakken`));
    // nothing of it is served
    const search = await inEnglish(fresh).get(`/fhir/ValueSet?url=${encodeURIComponent(valueSet.url!)}`).expect(200);
    expect(search.body).toMatchObject({ total: 0 });
    expect(search.body).not.toHaveProperty('entry');
    // with the code system in the package it loads
    const system: CodeSystem = { resourceType: 'CodeSystem', id: 'not-loaded', url: missing, version: '1', status: 'active', content: 'complete', concept: [{ code: 'x' }] };
    const whole = await writePackageTarball({ name: 'kl.synthetic.whole', version: '1.0.0' }, [valueSet, system]);
    expect((await loadPackage(fresh, whole)).status).toBe(200);
    expect(((await inEnglish(fresh).get(`/fhir/ValueSet?url=${encodeURIComponent(valueSet.url!)}`).expect(200)).body as Bundle).entry).toHaveLength(1);
  });

  describe('with PACKAGE_REFERENCES=warn (packages such as HL7\'s hl7.terminology.r4, whose value sets use code systems no package carries)', () => {
    const missing = 'http://example.org/CodeSystem/not-loaded';
    const valueSet: ValueSet = {
      resourceType: 'ValueSet', id: 'uses-missing', url: 'http://example.org/ValueSet/uses-missing', version: '1.0.0', status: 'active',
      compose: { include: [{ system: missing }] },
    };
    const dependent = () => writePackageTarball({ name: 'kl.synthetic.lenient', version: '1.0.0', dependencies: { 'kl.dk.fhir.term': '2.0.0' } }, [valueSet]);

    it('loads a package whose dependency is not loaded and whose value set uses a code system not served, warning of each; using it answers as for any unknown code system', async () => {
      const lenient = await testApp({ packageReferences: 'warn' });
      const res = await loadPackage(lenient, await dependent()).set('Accept-Language', 'da');
      expect(res.status).toBe(200);
      const issues = (res.body as OperationOutcome).issue;
      expect(issues.map((i) => i.severity)).toEqual(['information', 'warning', 'warning']);
      expect(texts(res.body as OperationOutcome).slice(1)).toEqual([
        expect.stringMatching(/^kl\.synthetic\.lenient#1\.0\.0 afhænger af kl\.dk\.fhir\.term#2\.0\.0, som ikke er indlæst/),
        expect.stringMatching(new RegExp(`bruger kodesystemet ${missing}, som hverken er i pakken`)),
      ]);
      expect(packageNames(await inEnglish(lenient).get('/fhir/$packages').expect(200))).toContain('kl.synthetic.lenient');
      const expansion = await inEnglish(lenient).get(`/fhir/ValueSet/$expand?url=${encodeURIComponent(valueSet.url!)}`).expect(404);
      expect(texts(expansion.body as OperationOutcome)[0]).toContain(missing);
      // the default refuses the same package
      expect((await loadPackage(await testApp(), await dependent())).status).toBe(422);
    });

    it('still refuses a package for anything else, with those among its reasons', async () => {
      const lenient = await testApp({ packageReferences: 'warn' });
      const changed = { ...structuredClone(release.codeSystem), version: OLD, title: 'Another FSIII 20240530' };
      const clash = await writePackageTarball({ name: 'kl.synthetic.clash', version: '1.0.0', dependencies: { 'kl.dk.fhir.term': '2.0.0' } }, [changed, valueSet]);
      const res = await loadPackage(lenient, clash);
      expect(res.status).toBe(422);
      const reasons = texts(res.body as OperationOutcome).join('\n');
      expect(reasons).toContain(`${FSIII}|${OLD} is already served with other content`);
      expect(reasons).toContain('kl.dk.fhir.term#2.0.0, which is not loaded');
      expect(reasons).toContain(`uses the code system ${missing}`);
      expect(packageNames(await inEnglish(lenient).get('/fhir/$packages').expect(200))).not.toContain('kl.synthetic.clash');
    });

    it('is listed by $packages with what it lacks, until a later package brings it', async () => {
      const lenient = await testApp({ packageReferences: 'warn' });
      expect((await loadPackage(lenient, await dependent())).status).toBe(200);
      const listed = async (name: string) => (((await inEnglish(lenient).get('/fhir/$packages').expect(200)).body as Parameters).parameter ?? [])
        .find((p) => p.part?.some((x) => x.name === 'name' && x.valueString === name))!.part!;
      const lacking = (part: ParametersParameter[]) => ({
        dependencies: part.filter((x) => x.name === 'missingDependency').map((x) => x.valueString),
        unserved: part.filter((x) => x.name === 'unserved').map((x) => Object.fromEntries(x.part!.map((y) => [y.name, y.valueCode ?? y.valueUri ?? y.valueString ?? y.valueInteger]))),
      });
      expect(lacking(await listed('kl.synthetic.lenient'))).toEqual({
        dependencies: ['kl.dk.fhir.term#2.0.0'], unserved: [{ type: 'CodeSystem', url: missing, resources: 1 }],
      });
      const system: CodeSystem = { resourceType: 'CodeSystem', id: 'not-loaded', url: missing, version: '1', status: 'active', content: 'complete', concept: [{ code: 'x' }] };
      expect((await loadPackage(lenient, await writePackageTarball({ name: 'kl.synthetic.system', version: '1.0.0' }, [system]))).status).toBe(200);
      expect(lacking(await listed('kl.synthetic.lenient'))).toEqual({ dependencies: ['kl.dk.fhir.term#2.0.0'], unserved: [] });
      expect(lacking(await listed('kl.synthetic.system'))).toEqual({ dependencies: [], unserved: [] });
      const expansion = (await inEnglish(lenient).get(`/fhir/ValueSet/$expand?url=${encodeURIComponent(valueSet.url!)}`).expect(200)).body as ValueSet;
      expect(expansion.expansion?.contains?.map((c) => c.code)).toEqual(['x']);
    });

    it('serves such a package named in PACKAGES, logging a warning for each, where the default does not start', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-lenient-'));
      try {
        const file = path.join(dir, 'lenient.tgz');
        fs.writeFileSync(file, await dependent());
        const lines: string[] = [];
        const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line).msg as string) });
        const lenient = await testApp({ packages: [file], packageReferences: 'warn' }, { logger });
        expect(packageNames(await inEnglish(lenient).get('/fhir/$packages').expect(200))).toContain('kl.synthetic.lenient');
        expect(lines.filter((l) => l.startsWith('PACKAGES: '))).toEqual([
          expect.stringContaining('afhænger af kl.dk.fhir.term#2.0.0'), expect.stringContaining(`bruger kodesystemet ${missing}`),
        ]);
        await expect(testApp({ packages: [file] })).rejects.toThrow('afhænger af kl.dk.fhir.term#2.0.0');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('says what was loaded, and why a package is refused, in English, and in Danish with Accept-Language: da: every reason, the English as its translation', async () => {
    const fresh = await testApp();
    const invalid = { ...structuredClone(release.codeSystem), status: 'in-force' } as unknown as CodeSystem;
    const missing = 'http://example.org/CodeSystem/not-loaded';
    const dangling: ValueSet = { resourceType: 'ValueSet', id: 'dangling', url: 'http://example.org/ValueSet/dangling', version: '1', status: 'active', compose: { include: [{ system: missing }] } };
    const ok: CodeSystem = { resourceType: 'CodeSystem', id: 'ok', url: 'http://example.org/CodeSystem/ok', version: '1', status: 'active', content: 'complete', concept: [{ code: 'x' }] };
    const loaded = await writePackageTarball({ name: 'kl.synthetic.ok', version: '1.0.0' }, [ok]);
    const done = await loadPackage(fresh, loaded);
    expect(done.status).toBe(200);
    expect(texts(done.body as OperationOutcome)).toEqual(['Package kl.synthetic.ok#1.0.0 is loaded: 1 code system, 0 value sets and 0 concept maps']);
    const doneDa = await loadPackage(fresh, await writePackageTarball({ name: 'kl.synthetic.ok', version: '1.0.1' }, [{ ...ok, version: '2' }])).set('Accept-Language', 'da');
    expect(texts(doneDa.body as OperationOutcome)).toEqual(['Pakken kl.synthetic.ok#1.0.1 er indlæst: 1 kodesystem, 0 værdisæt og 0 mapninger']);
    const cases: { archive: Buffer; status?: number; en: RegExp[]; da: RegExp[] }[] = [
      { archive: Buffer.alloc(0), status: 400, en: [/^\$load-package needs a request body \(or the parameter 'package' in a Parameters body\)$/], da: [/^\$load-package kræver en krop \(eller parameteren 'package' i en Parameters-krop\)$/] },
      {
        archive: Buffer.from('not a package'),
        en: [/^the package: not a gzip-compressed tar file \(\.tgz\): /],
        da: [/^pakken: ikke en gzip-komprimeret tar-fil \(\.tgz\): /],
      },
      {
        archive: await writePackageTarball({ name: 'kl.synthetic.r5', version: '1.0.0', dependencies: { 'hl7.fhir.r5.core': '5.0.0' } }, [invalid]),
        en: [/^kl\.synthetic\.r5#1\.0\.0: the package depends on hl7\.fhir\.r5\.core#5\.0\.0, which is not FHIR R4$/, /^kl\.synthetic\.r5#1\.0\.0: package\/CodeSystem-FSIII\.json: not a valid FHIR R4 CodeSystem: .*status/],
        da: [/^kl\.synthetic\.r5#1\.0\.0: pakken afhænger af hl7\.fhir\.r5\.core#5\.0\.0, som ikke er FHIR R4$/, /^kl\.synthetic\.r5#1\.0\.0: package\/CodeSystem-FSIII\.json: ikke en gyldig FHIR R4 CodeSystem: .*status/],
      },
      {
        archive: await writePackageTarball({ name: 'kl.synthetic.dependent', version: '1.0.0', dependencies: { 'kl.dk.fhir.term': '2.0.0' } }, [dangling]),
        en: [/^kl\.synthetic\.dependent#1\.0\.0 depends on kl\.dk\.fhir\.term#2\.0\.0, which is not loaded; load it first$/, /uses the code system http:\/\/example\.org\/CodeSystem\/not-loaded, which is neither in the package/],
        da: [/^kl\.synthetic\.dependent#1\.0\.0 afhænger af kl\.dk\.fhir\.term#2\.0\.0, som ikke er indlæst; indlæs den først$/, /bruger kodesystemet http:\/\/example\.org\/CodeSystem\/not-loaded, som hverken er i pakken/],
      },
      { archive: loaded, status: 409, en: [/^Package kl\.synthetic\.ok#1\.0\.0 is already loaded; a new release needs a new version number$/], da: [/^Pakken kl\.synthetic\.ok#1\.0\.0 er allerede indlæst; en ny udgave skal have et nyt versionsnummer$/] },
      {
        archive: await writePackageTarball({ name: 'kl.synthetic.ok', version: '1.0.0' }, [{ ...ok, concept: [{ code: 'y' }] }]), status: 409,
        en: [/^Package kl\.synthetic\.ok#1\.0\.0 is already loaded, with other content; a changed package needs a new version number$/],
        da: [/^Pakken kl\.synthetic\.ok#1\.0\.0 er allerede indlæst med et andet indhold; en ændret pakke skal have et nyt versionsnummer$/],
      },
    ];
    const translation = (i: OperationOutcome['issue'][number]) => issueTranslated(i).translation;
    for (const c of cases) {
      const en = await loadPackage(fresh, c.archive);
      const da = await loadPackage(fresh, c.archive).set('Accept-Language', 'da-DK, en;q=0.5');
      expect([en.status, da.status]).toEqual([c.status ?? 422, c.status ?? 422]);
      const enIssues = (en.body as OperationOutcome).issue;
      const daIssues = (da.body as OperationOutcome).issue;
      expect(enIssues.map((i) => i.details?.text)).toEqual(c.en.map((r) => expect.stringMatching(r)));
      expect(enIssues.map((i) => i.details?._text)).toEqual(c.en.map(() => undefined));
      expect(daIssues.map((i) => i.details?.text)).toEqual(c.da.map((r) => expect.stringMatching(r)));
      expect(daIssues.map(translation)).toEqual(enIssues.map((i) => i.details?.text));
    }
    const wrongType = (lang: string) => inEnglish(fresh).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).set('Accept-Language', lang).type('text/plain').send('x');
    expect(texts((await wrongType('en')).body as OperationOutcome)).toEqual(["Send the package as .tgz with Content-Type application/gzip (not 'text/plain')"]);
    expect(texts((await wrongType('da')).body as OperationOutcome)).toEqual(["Send pakken som .tgz med Content-Type application/gzip (ikke 'text/plain')"]);
  });

  it('is served beside the version in use, without a restart; the same package twice is refused', async () => {
    const res = await loadPackage(app, release.archive);
    expect(res.status).toBe(200);
    expect(texts(res.body as OperationOutcome)[0]).toContain(`${NEXT_FSIII_PACKAGE.name}#${NEXT_FSIII_PACKAGE.version}`);
    const again = await loadPackage(app, release.archive);
    expect(again.status).toBe(409);
    const search = await inEnglish(app).get(`/fhir/CodeSystem?url=${encodeURIComponent(FSIII)}`);
    expect((search.body as Bundle).entry?.map((e) => (e.resource as CodeSystem).version).sort()).toEqual([OLD, NEXT_FSIII_VERSION]);
  });

  it('an unversioned reference uses the latest active version; url|version and version pick the one asked for', async () => {
    const { added, redisplayed } = release.changes;
    const latest = await lookup(added);
    expect(latest.status).toBe(200);
    expect((latest.body as Parameters).parameter?.find((p) => p.name === 'version')?.valueString).toBe(NEXT_FSIII_VERSION);
    expect((await lookup(added, OLD)).status).toBe(404);
    expect(display((await lookup(redisplayed.code)).body as Parameters)).toBe(redisplayed.after);
    expect(display((await lookup(redisplayed.code, OLD)).body as Parameters)).toBe(redisplayed.before);
    const pinned = await inEnglish(app).get(`/fhir/CodeSystem/$validate-code?url=${encodeURIComponent(`${FSIII}|${OLD}`)}&code=${added}`);
    expect((pinned.body as Parameters).parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(false);
  });

  it('a code only in the older version: $lookup says in which version it is', async () => {
    const res = await lookup(release.changes.dropped);
    expect(res.status).toBe(404);
    const said = texts(res.body as OperationOutcome).join(' ');
    expect(said).toContain(`'${OLD}'`);
    expect(said).toContain('older');
    expect((await lookup(release.changes.dropped, OLD)).status).toBe(200);
  });

  it('the retired code names its replacement; the moved code has its new parent', async () => {
    const retired = await lookup(release.changes.retired);
    const props = (retired.body as Parameters).parameter?.filter((p) => p.name === 'property') ?? [];
    const value = (code: string) => props.find((p) => p.part?.find((x) => x.name === 'code')?.valueCode === code)?.part?.find((x) => x.name === 'value');
    expect(value('status')?.valueCode).toBe('retired');
    expect(value('replacedBy')?.valueCode).toBe(release.changes.replacement);
    const { moved } = release.changes;
    const subsumes = (version?: string) => inEnglish(app).get(`/fhir/CodeSystem/$subsumes?system=${encodeURIComponent(FSIII)}&codeA=${moved.to}&codeB=${moved.code}${version ? `&version=${version}` : ''}`);
    const outcome = (body: Parameters) => body.parameter?.find((p) => p.name === 'outcome')?.valueCode;
    expect(outcome((await subsumes()).body as Parameters)).toBe('subsumes');
    expect(outcome((await subsumes(OLD)).body as Parameters)).toBe('not-subsumed');
  });

  it('CodeSystem/{id}/$subsumes answers from that instance\'s version, and refuses another system', async () => {
    const { moved } = release.changes;
    const found = await inEnglish(app).get(`/fhir/CodeSystem?url=${encodeURIComponent(FSIII)}&version=${OLD}`);
    const older = ((found.body as Bundle).entry ?? []).map((e) => e.resource as CodeSystem).find((cs) => cs.version === OLD);
    expect(older?.id).toBeDefined();
    const onOlder = (query: string) => inEnglish(app).get(`/fhir/CodeSystem/${older!.id}/$subsumes?${query}`);
    const outcome = (body: Parameters) => body.parameter?.find((p) => p.name === 'outcome')?.valueCode;
    expect(outcome((await onOlder(`codeA=${moved.to}&codeB=${moved.code}`)).body as Parameters)).toBe('not-subsumed');
    expect(outcome((await onOlder(`codeA=${moved.to}&codeB=${moved.code}&version=${NEXT_FSIII_VERSION}`)).body as Parameters)).toBe('subsumes');
    const other = await onOlder(`system=${encodeURIComponent('urn:oid:1.2.208.176.2.22')}&codeA=${moved.to}&codeB=${moved.code}`);
    expect(other.status).toBe(400);
    expect(texts(other.body as OperationOutcome).join(' ')).toContain(`CodeSystem/${older!.id}`);
    const otherCoding = await inEnglish(app).post(`/fhir/CodeSystem/${older!.id}/$subsumes`).type(JSON_TYPE).send({
      resourceType: 'Parameters',
      parameter: [{ name: 'codingA', valueCoding: { system: 'urn:oid:1.2.208.176.2.22', code: moved.to } }, { name: 'codingB', valueCoding: { system: FSIII, code: moved.code } }],
    });
    expect(otherCoding.status).toBe(400);
  });

  it('the value sets follow system-version: an FSIII value set expanded with the older version lacks the added code', async () => {
    const vs = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: FSIII, filter: [{ property: 'concept', op: 'is-a', value: release.changes.addedUnder }] }] } };
    const expand = (systemVersion?: string) => inEnglish(app).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send({
      resourceType: 'Parameters',
      parameter: [{ name: 'valueSet', resource: vs }, ...(systemVersion ? [{ name: 'system-version', valueUri: `${FSIII}|${systemVersion}` }] : [])],
    });
    type Contains = { code?: string; contains?: Contains[] };
    const flat = (list: Contains[] = []): string[] => list.flatMap((c) => [c.code ?? '', ...flat(c.contains)]);
    const codes = (body: { expansion?: { contains?: Contains[] } }) => flat(body.expansion?.contains);
    expect(codes((await expand()).body)).toContain(release.changes.added);
    expect(codes((await expand(OLD)).body)).not.toContain(release.changes.added);
  });
});

describe('what a package may be ($load-package)', () => {
  it('a package that unpacks to more than a package may hold is refused while other requests are answered meanwhile', async () => {
    const fresh = await testApp();
    const bomb = packageBomb('package/other/big.bin', 2 * MAX_UNPACKED_BYTES);
    const order: string[] = [];
    const original = PackageService.prototype.loadOutcome;
    let unpacking!: () => void;
    const started = new Promise<void>((resolve) => {
      unpacking = resolve;
    });
    const spy = jest.spyOn(PackageService.prototype, 'loadOutcome').mockImplementation(function (this: PackageService, ...args) {
      unpacking();
      return original.apply(this, args);
    });
    try {
      const load = loadPackage(fresh, bomb).then((res) => {
        order.push('load');
        return res;
      });
      await started;
      // asked once the archive is being unpacked: answered before the unpacking ends
      const health = inEnglish(fresh).get('/health').then((res) => {
        order.push('health');
        return res;
      });
      const [loaded, healthy] = await Promise.all([load, health]);
      expect(healthy.status).toBe(200);
      expect(loaded.status).toBe(422);
      expect(texts(loaded.body as OperationOutcome)).toEqual(['the package: unpacks to more than 512 MB, more than a package may hold']);
      expect(order).toEqual(['health', 'load']);
    } finally {
      spy.mockRestore();
    }
  });

  describe('while its files are checked', () => {
    const FILES = 12;
    const url = (i: number) => `http://example.org/CodeSystem/large-${i}`;
    // 12 code systems of 5,000 concepts, ~0.3 MB each: what the check spends its time on is parsing and checking files
    const large = (i: number): CodeSystem => ({
      resourceType: 'CodeSystem', id: `large-${i}`, url: url(i), version: '1', status: 'active', content: 'complete',
      concept: Array.from({ length: 5000 }, (_, k) => ({ code: `c${k}`, display: `Begreb ${k} i kodesystem ${i}` })),
    });
    let archive: Buffer;
    beforeAll(async () => {
      archive = await writePackageTarball({ name: 'kl.synthetic.large', version: '1.0.0' }, Array.from({ length: FILES }, (_, i) => large(i)));
    });

    /** Calls `onCheck` with each file's index as its schema check begins; `slow` makes each check take that long. */
    function watchChecks(onCheck: (i: number) => void, slowMs = 0) {
      const original = FhirSchemaValidator.prototype.validate;
      return jest.spyOn(FhirSchemaValidator.prototype, 'validate').mockImplementation(function (this: FhirSchemaValidator, resource) {
        const i = Array.from({ length: FILES }, (_, k) => url(k)).indexOf((resource as { url?: string }).url ?? '');
        if (i >= 0) {
          onCheck(i);
          const until = Date.now() + slowMs;
          while (Date.now() < until); // as long as a large file's check takes
        }
        return original.call(this, resource);
      });
    }

    it('other requests are answered between its files', async () => {
      const fresh = await testApp();
      const order: string[] = [];
      let health: Promise<unknown> | undefined;
      const spy = watchChecks((i) => {
        order.push(`check ${i}`);
        health ??= inEnglish(fresh).get('/health').then((res) => order.push(`health ${res.status}`));
      });
      try {
        const res = await loadPackage(fresh, archive);
        expect(res.status).toBe(200);
        await health;
        // asked as the first file was checked, answered within the next few files, long before the last
        const answered = order.indexOf('health 200');
        expect(order).toHaveLength(FILES + 1);
        expect(answered).toBeGreaterThan(0);
        expect(answered).toBeLessThan(FILES / 2);
      } finally {
        spy.mockRestore();
      }
    });

    it('the request timeout answers it, and the check stops there: nothing is loaded', async () => {
      const fresh = await testApp({ requestTimeoutMs: 150 });
      const checked: number[] = [];
      const spy = watchChecks((i) => checked.push(i), 40);
      try {
        const res = await loadPackage(fresh, archive);
        expect(res.status).toBe(503);
        expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'timeout' });
        // the check was stopped at the turn after the timeout, not run to its end
        await new Promise((r) => setTimeout(r, 50));
        expect(checked.length).toBeLessThan(FILES);
      } finally {
        spy.mockRestore();
      }
      const list = (await inEnglish(fresh).get('/fhir/$packages').expect(200)).body as Parameters;
      expect(JSON.stringify(list)).not.toContain('kl.synthetic.large');
    });
  });

  it('an archive or a file that cannot be read (or names a property twice in an object) is refused in Danish words only; the English keeps the library\'s detail', async () => {
    const manifest = JSON.stringify({ name: 'kl.synthetic.broken', version: '1.0.0', fhirVersions: ['4.0.1'] });
    const tar = zlib.gunzipSync(release.archive);
    const cases: { archive: Buffer; da: string; en: RegExp }[] = [
      { archive: Buffer.from('not a package'), da: 'pakken: ikke en gzip-komprimeret tar-fil (.tgz): den begynder ikke som en gzip-fil', en: /: incorrect header check$/ },
      {
        archive: release.archive.subarray(0, release.archive.length / 2),
        da: 'pakken: ikke en gzip-komprimeret tar-fil (.tgz): den slutter midt i de komprimerede data (filen er afkortet)',
        en: /: unexpected end of file$/,
      },
      { archive: zlib.gzipSync(tar.subarray(0, 700)), da: 'pakken: tar-filen kan ikke læses: den slutter midt i en fil (filen er afkortet)', en: /: Unexpected end of data$/ },
      {
        archive: packageArchive({ 'package.json': '{\n  "name": "kl.synthetic.broken",\n}' }),
        da: "pakken: package/package.json er ikke gyldig JSON (uventet tegn '}' i linje 3, position 1)",
        en: /^the package: package\/package\.json is not valid JSON \(Expected double-quoted property name/,
      },
      {
        archive: packageArchive({ 'package.json': manifest, 'CodeSystem-cut.json': '{\n  "resourceType": "CodeSystem",\n  "concept": [{"code": "a"' }),
        da: 'kl.synthetic.broken#1.0.0: package/CodeSystem-cut.json: ikke gyldig JSON (teksten slutter i linje 3, før JSON-værdien er færdig: filen er afkortet eller ufuldstændig)',
        en: /^kl\.synthetic\.broken#1\.0\.0: package\/CodeSystem-cut\.json: not valid JSON \(Expected ',' or '}' after property value/,
      },
      {
        archive: packageArchive({ 'package.json': manifest, 'CodeSystem-twice.json': '{"resourceType": "CodeSystem", "url": "http://example.org/twice", "status": "active", "content": "complete", "concept": [{"code": "a", "code": "b"}]}' }),
        da: "kl.synthetic.broken#1.0.0: package/CodeSystem-twice.json: ikke gyldig FHIR JSON: objektet ved CodeSystem.concept[0] har egenskaben 'code' to gange",
        en: /^kl\.synthetic\.broken#1\.0\.0: package\/CodeSystem-twice\.json: not valid FHIR JSON: the object at CodeSystem\.concept\[0\] has the property 'code' twice$/,
      },
      {
        archive: packageArchive({ 'package.json': manifest, 'CodeSystem-empty.json': '' }),
        da: 'kl.synthetic.broken#1.0.0: package/CodeSystem-empty.json: ikke gyldig JSON (filen er tom)',
        en: /^kl\.synthetic\.broken#1\.0\.0: package\/CodeSystem-empty\.json: not valid JSON \(Unexpected end of JSON input\)$/,
      },
    ];
    for (const c of cases) {
      const res = await loadPackage(app, c.archive).set('Accept-Language', 'da');
      expect(res.status).toBe(422);
      const [issue] = (res.body as OperationOutcome).issue;
      expect(issue!.details?.text).toBe(c.da);
      expect(issueTranslated(issue).translation).toMatch(c.en);
    }
  });

  it('a file of package/ larger than one file may be is refused with its name and size', async () => {
    const res = await loadPackage(app, packageBomb('package/CodeSystem-big.json', 100 * 1024 * 1024)).set('Accept-Language', 'da');
    expect(res.status).toBe(422);
    expect(texts(res.body as OperationOutcome)).toEqual(['pakken: package/CodeSystem-big.json fylder 100.0 MB, mere end de 16 MB en fil i en pakke må']);
  });

  it('a body over BODY_LIMIT_BYTES is answered 413 too-long with the connection closed, as every other body', async () => {
    const small = await testApp({ bodyLimitBytes: 2048 });
    const res = await loadPackage(small, Buffer.alloc(5000));
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'too-long', details: { text: 'The request body is larger than 2048 bytes' } });
  });

  it('the package version must be a whole semantic version: 1.0 is refused, 1.0.0 loads', async () => {
    const fresh = await testApp();
    const cs: CodeSystem = { resourceType: 'CodeSystem', id: 'v', url: 'http://example.org/CodeSystem/v', version: '1', status: 'active', content: 'complete', concept: [{ code: 'x' }] };
    const short = await loadPackage(fresh, await writePackageTarball({ name: 'kl.synthetic.short', version: '1.0' }, [cs]));
    expect(short.status).toBe(422);
    expect(texts(short.body as OperationOutcome)).toEqual(["the package: package.json version '1.0' is not a semantic version MAJOR.MINOR.PATCH (e.g. 1.2.0), as npm and FHIR packages require"]);
    expect((await loadPackage(fresh, await writePackageTarball({ name: 'kl.synthetic.short', version: '1.0.0' }, [cs]))).status).toBe(200);
  });

  it('a resource served already loads again with its keys in another order (as another tool writes it); with other content it is refused', async () => {
    const fresh = await testApp();
    const fsiii = publishedCatalogs().resources.find((r) => r.resourceType === 'CodeSystem' && r.id === 'FSIII') as CodeSystem;
    const reordered = keysReversed(JSON.parse(JSON.stringify(fsiii))) as CodeSystem;
    expect(Object.keys(reordered)[0]).not.toBe('resourceType');
    const res = await loadPackage(fresh, await writePackageTarball({ name: 'kl.synthetic.reordered', version: '1.0.0' }, [reordered]));
    expect(texts(res.body as OperationOutcome)).toEqual(['Package kl.synthetic.reordered#1.0.0 is loaded: 1 code system, 0 value sets and 0 concept maps']);
    const changed = { ...reordered, title: 'Another title' };
    const refused = await loadPackage(fresh, await writePackageTarball({ name: 'kl.synthetic.changed', version: '1.0.0' }, [changed]));
    expect(refused.status).toBe(422);
    expect(texts(refused.body as OperationOutcome)).toEqual([`CodeSystem ${FSIII}|${OLD} is already served with other content; a changed resource needs a new version`]);
  });
});

describe('a package brings no version of a url written here ($load-package, PACKAGES)', () => {
  const RYGESTOP = { code: '101-RYG', display: 'Rygestop', type: 'indsats' as const };
  const BOLD = { code: '101-BOLD', display: 'Boldspil', type: 'indsats' as const };

  function put(target: App, auth: string, r: CodeSystem) {
    return inEnglish(target).put(`/fhir/CodeSystem/${r.id}`).set('Authorization', auth).type(JSON_TYPE).send(r);
  }

  function lookupIn(target: App, system: string, code: string, version?: string) {
    return inEnglish(target).get('/fhir/CodeSystem/$lookup').query({ system, code, ...(version ? { version } : {}) });
  }

  function parameter(body: Parameters, name: string): unknown {
    const p = body.parameter?.find((x) => x.name === name);
    return p?.valueString ?? p?.valueBoolean;
  }

  /** 101's catalog at 1.0.0 with 101-RYG "Rygestop", then 2.0.0 without it: 1.0.0 is a version a later write replaced. */
  async function writtenTwice(target: App, auth: string): Promise<CodeSystem> {
    const v1 = localCodeSystem('101', 'lokale-indsatser', [RYGESTOP, BOLD]);
    await put(target, auth, v1).expect(201);
    await put(target, auth, { ...v1, version: '2.0.0', concept: v1.concept!.filter((c) => c.code !== RYGESTOP.code) }).expect(200);
    return v1;
  }

  const hijacked = (v1: CodeSystem): CodeSystem => ({ ...v1, concept: v1.concept!.map((c) => (c.code === RYGESTOP.code ? { ...c, display: 'HIJACKED' } : c)) });

  it("an older version of a municipality's url, one a later write replaced, is refused; the versions it wrote answer as written and its id stays its own", async () => {
    const fresh = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    const v1 = await writtenTwice(fresh, auth);
    const archive = await writePackageTarball({ name: 'example.hijack', version: '1.0.0' }, [hijacked(v1)]);
    const refused = await loadPackage(fresh, archive);
    expect(refused.status).toBe(422);
    expect(texts(refused.body as OperationOutcome)).toEqual([
      `CodeSystem ${v1.url}|1.0.0: ${v1.url} was written here by municipality 101 (versions 1.0.0, 2.0.0); a package cannot publish any version of a url written through the write API`,
    ]);
    const da = await loadPackage(fresh, archive).set('Accept-Language', 'da');
    expect(texts(da.body as OperationOutcome)).toEqual([
      `CodeSystem ${v1.url}|1.0.0: ${v1.url} er skrevet her af kommune 101 (versionerne 1.0.0, 2.0.0); en pakke kan ikke udgive nogen version af en URL, der er skrevet gennem skrive-API'et`,
    ]);
    // the catalogs are as they were: 1.0.0 answers as 101 wrote it, and 101 goes on writing and deleting its own id
    expect(packageNames(await inEnglish(fresh).get('/fhir/$packages').expect(200))).not.toContain('example.hijack');
    expect(parameter((await lookupIn(fresh, v1.url!, RYGESTOP.code, '1.0.0').expect(200)).body as Parameters, 'display')).toBe('Rygestop');
    const validated = await inEnglish(fresh).get('/fhir/CodeSystem/$validate-code').query({ url: v1.url, version: '1.0.0', code: RYGESTOP.code, display: 'Rygestop' }).expect(200);
    expect(parameter(validated.body as Parameters, 'result')).toBe(true);
    await put(fresh, auth, { ...v1, version: '3.0.0' }).expect(200);
    await inEnglish(fresh).delete(`/fhir/CodeSystem/${v1.id}`).set('Authorization', auth).expect(200);
  });

  it("a newer version of a municipality's url is refused: it would take the url over from the municipality", async () => {
    const fresh = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '147' })}`;
    const local = localCodeSystem('147', 'lokale-indsatser', [{ code: '147-BOLD', display: 'Boldspil', type: 'indsats' }]);
    await put(fresh, auth, local).expect(201);
    const newer = { ...local, version: '9.0.0', concept: [{ ...local.concept![0]!, display: 'Fodbold' }] };
    const refused = await loadPackage(fresh, await writePackageTarball({ name: 'example.newer', version: '1.0.0' }, [newer]));
    expect(refused.status).toBe(422);
    expect(texts(refused.body as OperationOutcome)).toEqual([
      `CodeSystem ${local.url}|9.0.0: ${local.url} was written here by municipality 147 (version 1.0.0); a package cannot publish any version of a url written through the write API`,
    ]);
    const looked = (await lookupIn(fresh, local.url!, '147-BOLD').expect(200)).body as Parameters;
    expect([parameter(looked, 'version'), parameter(looked, 'display')]).toEqual(['1.0.0', 'Boldspil']);
    const validated = await inEnglish(fresh).get('/fhir/CodeSystem/$validate-code').query({ url: local.url, code: '147-BOLD', display: 'Boldspil' }).expect(200);
    expect([parameter(validated.body as Parameters, 'result'), parameter(validated.body as Parameters, 'version')]).toEqual([true, '1.0.0']);
    await put(fresh, auth, { ...local, version: '1.1.0' }).expect(200);
  });

  it("an id kommune-{kommunekode}-… is refused for a resource that is not that municipality's; the municipality's own loads under it", async () => {
    const fresh = await testApp();
    const foreign: CodeSystem = { resourceType: 'CodeSystem', id: 'kommune-147-nyt3', url: 'http://example.org/CodeSystem/nyt3', version: '1', status: 'active', content: 'complete', concept: [{ code: 'x' }] };
    const other = { ...localCodeSystem('101', 'lokale-indsatser', [{ code: '101-X', display: 'X', type: 'indsats' }]), id: 'kommune-147-andet' };
    const refused = await loadPackage(fresh, await writePackageTarball({ name: 'example.ids', version: '1.0.0' }, [foreign, other]));
    expect(refused.status).toBe(422);
    expect(texts(refused.body as OperationOutcome)).toEqual([
      `example.ids#1.0.0: package/CodeSystem-kommune-147-andet.json: the id kommune-147-andet is reserved for Frederiksberg Kommune's resources, and this CodeSystem (${other.url}) belongs to municipality 101; give it another id`,
      `example.ids#1.0.0: package/CodeSystem-kommune-147-nyt3.json: the id kommune-147-nyt3 is reserved for Frederiksberg Kommune's resources, and this CodeSystem (${foreign.url}) belongs to the common catalogs; give it another id`,
    ]);
    expect((await inEnglish(fresh).get('/fhir/CodeSystem/kommune-147-nyt3')).status).toBe(404);
    const own = localCodeSystem('147', 'nyt3', [{ code: '147-X', display: 'X', type: 'indsats' }]);
    expect((await loadPackage(fresh, await writePackageTarball({ name: 'example.ids', version: '1.0.0' }, [own]))).status).toBe(200);
    expect(((await inEnglish(fresh).get(`/fhir/CodeSystem/${own.id}`).expect(200)).body as CodeSystem).url).toBe(own.url);
  });

  it("a deleted resource's url and a url an administrator wrote are refused too, each named once with its writer", async () => {
    const fresh = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '103' })}`;
    const deleted = localCodeSystem('103', 'nedlagt', [{ code: '103-X', display: 'X', type: 'indsats' }]);
    await put(fresh, auth, deleted).expect(201);
    await inEnglish(fresh).delete(`/fhir/CodeSystem/${deleted.id}`).set('Authorization', auth).expect(200);
    const common: CodeSystem = { resourceType: 'CodeSystem', id: 'common-example', url: 'http://example.org/CodeSystem/common', version: '1', status: 'active', content: 'complete', concept: [{ code: 'x' }] };
    await put(fresh, `Bearer ${adminToken}`, common).expect(201);
    const archive = await writePackageTarball({ name: 'example.taken', version: '1.0.0' }, [
      { ...deleted, version: '5.0.0' }, { ...deleted, version: '6.0.0' }, { ...common, version: '2' },
    ]);
    const refused = await loadPackage(fresh, archive);
    expect(refused.status).toBe(422);
    const problems = texts(refused.body as OperationOutcome);
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining(`: ${deleted.url} was written here by municipality 103 (version 1.0.0); a package cannot publish any version of a url written through the write API`),
      `CodeSystem ${common.url}|2: ${common.url} was written here by an administrator (the common catalogs) (version 1); a package cannot publish any version of a url written through the write API`,
    ]));
  });

  it('a url a package brings cannot be written while it is served; once written, the package cannot be loaded again', async () => {
    const fresh = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '104' })}`;
    const local = localCodeSystem('104', 'lokale-indsatser', [{ code: '104-BOLD', display: 'Boldspil', type: 'indsats' }]);
    const archive = await writePackageTarball({ name: 'example.kommune-104', version: '1.0.0' }, [local]);
    expect((await loadPackage(fresh, archive)).status).toBe(200);
    expect((await put(fresh, auth, { ...local, version: '2.0.0' })).status).toBe(405);
    const created = await inEnglish(fresh).post('/fhir/CodeSystem').set('Authorization', auth).type(JSON_TYPE).send({ ...local, id: undefined, version: '2.0.0' });
    expect(created.status).toBe(422);
    expect(texts(created.body as OperationOutcome)).toEqual([expect.stringMatching(/is a canonical of a published catalog/)]);
    await inEnglish(fresh).post('/fhir/$unload-package').set('Authorization', `Bearer ${adminToken}`).type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'example.kommune-104' }, { name: 'version', valueString: '1.0.0' }] }).expect(200);
    await put(fresh, auth, { ...local, version: '2.0.0' }).expect(201);
    const again = await loadPackage(fresh, archive);
    expect(again.status).toBe(422);
    expect(texts(again.body as OperationOutcome)).toEqual([expect.stringContaining(`was written here by municipality 104 (version 2.0.0)`)]);
  });

  it('a load waits for a write under way: a url written and published at once is not both', async () => {
    // a store whose next write waits, once its checks have passed, until the test lets it commit
    let release!: () => void;
    let entered!: () => void;
    const inWrite = new Promise<void>((r) => { entered = r; });
    const held = new Promise<void>((r) => { release = r; });
    type Args<F> = F extends (...a: infer A) => unknown ? A : never;
    class HeldStore extends MemoryStore {
      holding = true;
      override async apply(...args: Args<MemoryStore['apply']>) {
        if (this.holding) {
          this.holding = false;
          entered();
          await held;
        }
        return super.apply(...args);
      }
    }
    const fresh = await testApp({}, { store: new HeldStore() });
    const auth = `Bearer ${await tokenFor({ kommunekode: '106' })}`;
    const local = localCodeSystem('106', 'lokale-indsatser', [{ code: '106-BOLD', display: 'Boldspil', type: 'indsats' }]);
    const archive = await writePackageTarball({ name: 'example.kommune-106', version: '1.0.0' }, [local]);
    const writing = put(fresh, auth, local).then((r) => r);
    await inWrite;
    const loading = loadPackage(fresh, archive).then((r) => r);
    // the load has every chance to run before the write commits
    await new Promise((r) => setTimeout(r, 200));
    release();
    const [written, loaded] = await Promise.all([writing, loading]);
    expect(written.status).toBe(201);
    expect(loaded.status).toBe(422);
    expect(texts(loaded.body as OperationOutcome)).toEqual([expect.stringContaining('was written here by municipality 106 (version 1.0.0)')]);
  });

  it('PACKAGES at start is checked against what the store holds written: the server does not start', async () => {
    const store = new MemoryStore();
    const first = await testApp({}, { store });
    const v1 = await writtenTwice(first, `Bearer ${await tokenFor({ kommunekode: '101' })}`);
    const file = path.join(os.tmpdir(), `faelles-tx-hijack-${process.pid}.tgz`);
    fs.writeFileSync(file, await writePackageTarball({ name: 'example.hijack', version: '1.0.0' }, [hijacked(v1)]));
    try {
      await expect(testApp({ packages: [file] }, { store })).rejects.toThrow(`${v1.url} er skrevet her af kommune 101 (versionerne 1.0.0, 2.0.0)`);
      // the same package in a server where no one wrote the url starts
      expect(packageNames(await request(await testApp({ packages: [file] })).get('/fhir/$packages').expect(200))).toContain('example.hijack');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});

describe('packages out ($package) load back with every resource equal', () => {
  let emptyDir: string;

  beforeAll(() => {
    emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-empty-'));
  });
  afterAll(() => fs.rmSync(emptyDir, { recursive: true, force: true }));

  async function freshServer(packages: string[], terminologyDir = emptyDir): Promise<App> {
    const config = testConfig({ terminologyDir, packages });
    return createApp({ config, store: new MemoryStore(), logger: pino({ level: 'silent' }), published: loadTerminology(terminologyDir, { includeExamples: true }) });
  }

  async function served(target: App, r: { resourceType: string; url?: string; version?: string }): Promise<unknown> {
    const res = await inEnglish(target).get(`/fhir/${r.resourceType}?url=${encodeURIComponent(r.url!)}${r.version ? `&version=${encodeURIComponent(r.version)}` : ''}`);
    const entries = (res.body as Bundle).entry ?? [];
    const found = entries.map((e) => e.resource).find((x) => (x as { version?: string }).version === r.version);
    // what each server assigns (meta.versionId, meta.lastUpdated) is its own: a package carries neither
    if (!found) return found;
    const { meta, ...rest } = found as { meta?: Record<string, unknown> };
    const { versionId: _v, lastUpdated: _l, ...kept } = meta ?? {};
    return Object.keys(kept).length > 0 ? { ...rest, meta: kept } : rest;
  }

  it('the published catalogs (with the loaded release) as a package, named in PACKAGES of a server without a terminology folder', async () => {
    const archive = await downloadPackage(app);
    const pkg = await readPackageTarball(archive, 'catalogs');
    expect(pkg.manifest).toMatchObject({ name: 'faelles-tx.catalogs', fhirVersions: ['4.0.1'] });
    expect(zlib.gunzipSync(archive).toString('latin1')).toContain('package/.index.json');
    const file = path.join(emptyDir, '..', `faelles-tx-catalogs-${process.pid}.tgz`);
    fs.writeFileSync(file, archive);
    try {
      const fresh = await freshServer([file]);
      const resources = pkg.files.map((f) => JSON.parse(f.text) as { resourceType: string; url?: string; version?: string });
      expect(resources.length).toBe(publishedCatalogs().resources.filter((r) => !r.url?.includes('/kommune/')).length + 1);
      for (const r of resources) expect(await served(fresh, r)).toEqual(await served(app, r));
      expect(resources.some((r) => r.url === FSIII && r.version === NEXT_FSIII_VERSION)).toBe(true);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("a municipality's catalogs and maps, loaded into a fresh server with $load-package", async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const { codeSystem, conceptMap } = sampleCatalog('101');
    await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(codeSystem).expect(201);
    await inEnglish(app).post('/fhir/ConceptMap').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(conceptMap).expect(201);
    const archive = await downloadPackage(app, '?kommunekode=101&version=1.0.0');
    const pkg = await readPackageTarball(archive, 'kommune-101');
    expect(pkg.manifest).toMatchObject({ name: 'faelles-tx.kommune-101', version: '1.0.0', dependencies: { 'faelles-tx.catalogs': '0.1.0' } });
    expect(pkg.files.map((f) => (JSON.parse(f.text) as { resourceType: string }).resourceType).sort()).toEqual(['CodeSystem', 'ConceptMap']);
    const fresh = await freshServer([], TERMINOLOGY_DIR);
    expect((await loadPackage(fresh, archive)).status).toBe(200);
    for (const f of pkg.files) {
      const r = JSON.parse(f.text) as { resourceType: string; url?: string; version?: string };
      expect(await served(fresh, r)).toEqual(await served(app, r));
    }
    // and its maps work there
    const translate = await inEnglish(fresh).get(`/fhir/ConceptMap/$translate?url=${encodeURIComponent(conceptMap.url!)}&system=${encodeURIComponent(codeSystem.url!)}&code=101-BOLD`);
    expect((translate.body as Parameters).parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(true);
    expect((await inEnglish(app).get('/fhir/$package?kommunekode=999')).status).toBe(404);
    expect((await inEnglish(app).get('/fhir/$package?kommunekode=abc')).status).toBe(400);
  });

  it('is invoked by POST as well (R4 invokes operations by POST): with Parameters, with an empty body and in a batch, as by GET', async () => {
    const byGet = await downloadPackage(app, '?version=1.0.0');
    const byPost = await inEnglish(app).post('/fhir/$package').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'version', valueString: '1.0.0' }] })
      .buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect([byPost.status, byPost.headers['content-type']]).toEqual([200, 'application/gzip']);
    expect((byPost.body as Buffer).equals(byGet)).toBe(true);
    const empty = await inEnglish(app).post('/fhir/$package').set('Accept', JSON_TYPE);
    expect([empty.status, (empty.body as Binary).resourceType]).toEqual([200, 'Binary']);
    expect((await readPackageTarball(Buffer.from((empty.body as Binary).data!, 'base64'), 'post')).manifest).toMatchObject({ name: 'faelles-tx.catalogs' });
    const batch = await inEnglish(app).post('/fhir').type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'batch',
      entry: [{ request: { method: 'POST', url: '$package' }, resource: { resourceType: 'Parameters', parameter: [{ name: 'version', valueString: '1.0.0' }] } }],
    }).expect(200);
    const entry = (batch.body as Bundle).entry![0]!;
    expect([entry.response?.status, Buffer.from((entry.resource as Binary).data!, 'base64').equals(byGet)]).toEqual(['200 OK', true]);
  });

  it('as the operations of the table: a Binary in a batch and to a FHIR client, and loaded from a Parameters carrying it as a Binary (as from the archive itself)', async () => {
    const token = await tokenFor({ kommunekode: '103' });
    const { codeSystem, conceptMap } = sampleCatalog('103');
    for (const r of [codeSystem, conceptMap]) await inEnglish(app).post(`/fhir/${r.resourceType}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(r).expect(201);
    const batch = await inEnglish(app).post('/fhir').type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: '$package?kommunekode=103&version=1.0.0' } }],
    }).expect(200);
    const entry = (batch.body as Bundle).entry![0]!;
    expect([entry.response?.status, entry.resource?.resourceType, (entry.resource as { contentType?: string }).contentType]).toEqual(['200 OK', 'Binary', 'application/gzip']);
    const archive = Buffer.from((entry.resource as Binary).data!, 'base64');
    expect((await readPackageTarball(archive, 'batch')).manifest).toMatchObject({ name: 'faelles-tx.kommune-103', version: '1.0.0' });
    expect((await readPackageTarball(await downloadPackage(app, '?kommunekode=103&version=1.0.0'), 'get')).files.map((f) => f.text))
      .toEqual((await readPackageTarball(archive, 'batch')).files.map((f) => f.text));

    // a FHIR client (Accept: application/fhir+json) is answered with the Binary resource; _format=json too
    const server = await serveOverHttp(app);
    try {
      const viaClient = await new Client({ baseUrl: `http://127.0.0.1:${server.port}/fhir` })
        .operation({ name: '$package', method: 'GET', input: { kommunekode: '103', version: '1.0.0' } }) as unknown as Binary;
      expect([viaClient.resourceType, viaClient.contentType, viaClient.data]).toEqual(['Binary', 'application/gzip', archive.toString('base64')]);
    } finally {
      await server.close();
    }
    const asJson = await inEnglish(app).get('/fhir/$package?kommunekode=103&version=1.0.0&_format=json').expect(200);
    expect([asJson.headers['content-type'], (asJson.body as Binary).data]).toEqual(['application/fhir+json; charset=utf-8', archive.toString('base64')]);
    const native = await inEnglish(app).get('/fhir/$package?kommunekode=103&version=1.0.0').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8').expect(200);
    expect(native.headers['content-type']).toBe('application/gzip');

    const fresh = await freshServer([], TERMINOLOGY_DIR);
    const asParameters = { resourceType: 'Parameters', parameter: [{ name: 'package', resource: { resourceType: 'Binary', contentType: 'application/gzip', data: archive.toString('base64') } }] };
    const loaded = await inEnglish(fresh).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).type(JSON_TYPE).send(asParameters);
    expect([loaded.status, texts(loaded.body as OperationOutcome)]).toEqual([200, ['Package faelles-tx.kommune-103#1.0.0 is loaded: 1 code system, 0 value sets and 1 concept map']]);
    expect(await served(fresh, conceptMap as { resourceType: string; url?: string; version?: string })).toEqual(await served(app, conceptMap as { resourceType: string; url?: string; version?: string }));
  });

  it("a municipality's package keeps the versions later writes replaced (a map names the catalog version it was made for), not a deleted catalog's", async () => {
    const auth = `Bearer ${await tokenFor({ kommunekode: '102' })}`;
    const write = (r: CodeSystem | ConceptMap, method: 'put' | 'delete' = 'put') => inEnglish(app)[method](`/fhir/${r.resourceType}/${r.id}`)
      .set('Authorization', auth).type(JSON_TYPE).send(method === 'put' ? r : undefined).expect((res) => expect(res.status).toBeLessThan(300));
    const { codeSystem, conceptMap } = sampleCatalog('102');
    await write(codeSystem);
    await write(conceptMap);
    await write({ ...codeSystem, version: '2.0.0', concept: [...codeSystem.concept!, { code: '102-ANDET', display: 'Andet', property: [{ code: 'type', valueCode: 'indsats' }] }] });
    const dropped = { ...sampleCatalog('102', 'nedlagt').codeSystem };
    await write(dropped);
    await write(dropped, 'delete');

    const archive = await downloadPackage(app, '?kommunekode=102&version=1.0.0');
    const files = (await readPackageTarball(archive, 'kommune-102')).files.map((f) => JSON.parse(f.text) as CodeSystem | ConceptMap);
    expect(files.map((r) => `${r.resourceType} ${r.url}|${r.version}`).sort()).toEqual([
      `CodeSystem ${codeSystem.url}|1.0.0`, `CodeSystem ${codeSystem.url}|2.0.0`, `ConceptMap ${conceptMap.url}|1.0.0`,
    ]);
    const history = ((await inEnglish(app).get(`/fhir/CodeSystem/${codeSystem.id}/_history`).expect(200)).body as Bundle).entry!.map((e) => e.resource as CodeSystem);
    const withoutMeta = ({ meta: _meta, ...rest }: CodeSystem | ConceptMap) => rest;
    expect(withoutMeta(files.find((r) => r.version === '1.0.0' && r.resourceType === 'CodeSystem')!))
      .toEqual(withoutMeta(history.find((r) => r.version === '1.0.0')!));

    const fresh = await freshServer([], TERMINOLOGY_DIR);
    expect((await loadPackage(fresh, archive)).status).toBe(200);
    const old = await inEnglish(fresh).get('/fhir/CodeSystem/$lookup').query({ system: codeSystem.url, version: '1.0.0', code: '102-BOLD' }).expect(200);
    expect((old.body as Parameters).parameter?.find((p) => p.name === 'version')?.valueString).toBe('1.0.0');
    const current = await inEnglish(fresh).get('/fhir/CodeSystem/$lookup').query({ system: codeSystem.url, code: '102-ANDET' }).expect(200);
    expect((current.body as Parameters).parameter?.find((p) => p.name === 'version')?.valueString).toBe('2.0.0');
  });

  it('answers another method than the operation takes with 405 and Allow, as the other operations', async () => {
    for (const [method, path, allow] of [['get', '/fhir/$load-package', 'POST'], ['delete', '/fhir/$package', 'GET, HEAD, POST']] as const) {
      const res = await inEnglish(app)[method](path);
      expect([method, path, res.status, res.headers.allow]).toEqual([method, path, 405, allow]);
      expect((res.body as OperationOutcome).issue[0]?.code).toBe('not-supported');
    }
  });

  it('answers a parameter given twice as the other operations answer a repeated single parameter', async () => {
    const issue = (res: request.Response) => (res.body as OperationOutcome).issue[0];
    for (const [name, value, operation] of [['kommunekode', '101', 'ConceptMap/$coverage'], ['version', '1.0.0', 'CodeSystem/$lookup']]) {
      const res = await inEnglish(app).get(`/fhir/$package?${name}=${value}&${name}=${value}`);
      const other = await inEnglish(app).get(`/fhir/${operation}?${name}=${value}&${name}=${value}`);
      expect(other.status).toBe(400);
      expect([res.status, issue(res)]).toEqual([400, issue(other)]);
      expect(issue(res)?.details?.text).toMatch(new RegExp(`'${name}' may only be given once`));
    }
  });

  it('answers a bad request in English, and in Danish to a caller asking for Danish', async () => {
    const text = (res: request.Response) => (res.body as OperationOutcome).issue[0]?.details?.text;
    for (const [query, status, en, da] of [
      ['?url=x', 400, /^Unknown parameter 'url'/, /^Ukendt parameter 'url'/],
      ['?kommunekode=abc', 400, /^kommunekode must be three digits/, /^kommunekode skal være tre cifre/],
      ['?version=x', 400, /^version must be a semantic version/, /^version skal være en semantisk version/],
      ['?version=1.0', 400, /^version must be a semantic version MAJOR\.MINOR\.PATCH/, /^version skal være en semantisk version MAJOR\.MINOR\.PATCH/],
      ['?kommunekode=999', 404, /^Municipality 999 has no local catalogs or maps/, /^Kommune 999 har ingen lokale kataloger eller mapninger/],
    ] as const) {
      // strict: an unknown parameter is refused, as for every operation (otherwise it is ignored)
      const english = await inEnglish(app).get(`/fhir/$package${query}`).set('Prefer', 'handling=strict');
      expect([english.status, text(english)]).toEqual([status, expect.stringMatching(en)]);
      const danish = await inEnglish(app).get(`/fhir/$package${query}`).set('Prefer', 'handling=strict').set('Accept-Language', 'da');
      expect([danish.status, text(danish)]).toEqual([status, expect.stringMatching(da)]);
    }
  });
});

describe('the package operations are described', () => {
  it('in the CapabilityStatement, each with an OperationDefinition that can be read', async () => {
    const cs = (await inEnglish(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const ops = cs.rest![0]!.operation!.filter((o) => o.name === 'load-package' || o.name === 'package');
    expect(ops.map((o) => o.name).sort()).toEqual(['load-package', 'package']);
    for (const o of ops) {
      const def = (await inEnglish(app).get(`/fhir/OperationDefinition/${o.definition.split('/').pop()}`).expect(200)).body as OperationDefinition;
      expect(def).toMatchObject({ url: o.definition, code: o.name, system: true });
    }
  });
});

