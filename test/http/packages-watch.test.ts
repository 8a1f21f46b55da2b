/**
 * PACKAGES_WATCH: a package archive put in the watched folder is loaded as $load-package would load it (checked
 * whole, kept in the store, served without a restart, audited); a bad one is logged with its reasons and left alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { AuditEvent, Bundle, CodeSystem, ValueSet } from 'fhir/r4';
import pino from 'pino';
import request from 'supertest';
import { createApp, type App } from '../../src/app';
import { ConfigError, loadConfig } from '../../src/config';
import { writePackageTarball } from '../../src/packages/package-writer';
import { MemoryStore } from '../../src/store/memory-store';
import { publishedCatalogs, testConfig } from '../support/app';
import { tokenFor } from '../support/local';
import { packageBomb } from '../support/package-bomb';

const A_URL = 'http://example.org/CodeSystem/watched';
const codeSystemA: CodeSystem = { resourceType: 'CodeSystem', id: 'watched', url: A_URL, version: '1', status: 'active', content: 'complete', concept: [{ code: 'x', display: 'X' }] };
const valueSetUsingA: ValueSet = { resourceType: 'ValueSet', id: 'uses-watched', url: 'http://example.org/ValueSet/uses-watched', version: '1', status: 'active', compose: { include: [{ system: A_URL }] } };

let dir: string;
let lines: { level: number; msg: string; reasons?: string[]; file?: string }[];
let app: App;

async function watchedApp(store = new MemoryStore()): Promise<App> {
  const logger = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  }));
  return createApp({ config: testConfig({ packagesWatch: { dir, intervalMs: 100 } }), store, logger, published: publishedCatalogs() });
}

async function served(url: string, target = app): Promise<boolean> {
  const res = await request(target).get(`/fhir/CodeSystem?url=${encodeURIComponent(url)}`).expect(200);
  return ((res.body as Bundle).entry ?? []).length > 0;
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-watch-'));
  lines = [];
  app = await watchedApp();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('PACKAGES_WATCH', () => {
  it('is checked at start: an existing folder; the interval only with it', () => {
    expect(loadConfig({}).packagesWatch).toBeUndefined();
    expect(loadConfig({ PACKAGES_WATCH: dir }).packagesWatch).toEqual({ dir, intervalMs: 2000 });
    expect(loadConfig({ PACKAGES_WATCH: dir, PACKAGES_WATCH_INTERVAL_MS: '500' }).packagesWatch).toEqual({ dir, intervalMs: 500 });
    expect(() => loadConfig({ PACKAGES_WATCH: path.join(dir, 'missing') })).toThrow(ConfigError);
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(() => loadConfig({ PACKAGES_WATCH: path.join(dir, 'file') })).toThrow(/not an existing folder/);
    expect(() => loadConfig({ PACKAGES_WATCH: dir, PACKAGES_WATCH_INTERVAL_MS: '5' })).toThrow(ConfigError);
    expect(() => loadConfig({ PACKAGES_WATCH_INTERVAL_MS: '500' })).toThrow(/PACKAGES_WATCH/);
  });

  it('loads a .tgz put in the folder once it is complete (unchanged since the last scan); the loader is in the audit log', async () => {
    fs.writeFileSync(path.join(dir, 'a.tgz'), await writePackageTarball({ name: 'example.watched', version: '1.0.0' }, [codeSystemA]));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a package');
    expect(await app.packageWatch!.scan()).toEqual({ loaded: [], known: [], refused: [], unloaded: [], waiting: ['a.tgz'] });
    expect(await served(A_URL)).toBe(false);
    expect((await app.packageWatch!.scan()).loaded).toEqual(['a.tgz']);
    expect(await served(A_URL)).toBe(true);
    expect(lines.some((l) => l.msg.includes('a.tgz loaded as example.watched#1.0.0'))).toBe(true);
    // nothing more to do; the file stays where it is
    expect(await app.packageWatch!.scan()).toEqual({ loaded: [], known: [], refused: [], unloaded: [], waiting: [] });
    expect(fs.existsSync(path.join(dir, 'a.tgz'))).toBe(true);
    const admin = await tokenFor({ scope: 'openid admin' });
    const events = ((await request(app).get('/fhir/AuditEvent?entity=example.watched%231.0.0').set('Authorization', `Bearer ${admin}`).expect(200)).body as Bundle)
      .entry?.map((e) => e.resource as AuditEvent) ?? [];
    expect(events.map((e) => [e.subtype?.[0]?.display, e.outcome, e.agent?.[0]?.who?.identifier?.value])).toEqual([['$load-package', '0', 'faelles-tx:PACKAGES_WATCH']]);
  });

  it('logs a bad package with its reasons and leaves it alone; the catalogs stay as they were', async () => {
    const bad = path.join(dir, 'bad.tgz');
    fs.writeFileSync(bad, await writePackageTarball({ name: 'example.bad', version: '1.0.0' }, [valueSetUsingA]));
    await app.packageWatch!.scan();
    expect((await app.packageWatch!.scan()).refused).toEqual(['bad.tgz']);
    const logged = lines.filter((l) => l.level >= 50 && l.msg.includes('bad.tgz is refused'));
    expect(logged).toHaveLength(1);
    expect(logged[0]!.reasons?.join('\n')).toContain(`bruger kodesystemet ${A_URL}, som hverken er i pakken`);
    expect(logged[0]!.file).toBe(bad);
    expect(fs.existsSync(bad)).toBe(true);
    expect((await request(app).get('/fhir/ValueSet?url=http%3A%2F%2Fexample.org%2FValueSet%2Fuses-watched').expect(200)).body.entry ?? []).toEqual([]);
    // not tried (nor logged) again while nothing changes
    expect((await app.packageWatch!.scan()).refused).toEqual([]);
    expect(lines.filter((l) => l.msg.includes('bad.tgz is refused'))).toHaveLength(1);
    fs.writeFileSync(path.join(dir, 'broken.tgz'), 'not an archive');
    await app.packageWatch!.scan();
    expect((await app.packageWatch!.scan()).refused).toEqual(['broken.tgz']);
  });

  it('a package waiting for its dependency in the same folder loads once the dependency has, in any name order', async () => {
    fs.writeFileSync(path.join(dir, 'a-uses.tgz'), await writePackageTarball({ name: 'example.uses', version: '1.0.0', dependencies: { 'example.watched': '1.0.0' } }, [valueSetUsingA]));
    fs.writeFileSync(path.join(dir, 'z-base.tgz'), await writePackageTarball({ name: 'example.watched', version: '1.0.0' }, [codeSystemA]));
    await app.packageWatch!.scan();
    const result = await app.packageWatch!.scan();
    expect(result.loaded).toEqual(['z-base.tgz', 'a-uses.tgz']);
    expect(result.refused).toEqual([]);
  });

  it('reads a file once per try; one refused is tried again only once it changes, unless it waits for another package', async () => {
    // the module object the reader calls extract on (an import would be a copy of it)
    const unpacked = jest.spyOn(jest.requireActual<typeof import('tar-stream')>('tar-stream'), 'extract');
    try {
      const bomb = path.join(dir, 'bomb.tgz');
      fs.writeFileSync(bomb, packageBomb('package/CodeSystem-big.json', 100 * 1024 * 1024));
      fs.writeFileSync(path.join(dir, 'uses.tgz'), await writePackageTarball({ name: 'example.uses', version: '1.0.0', dependencies: { 'example.watched': '1.0.0' } }, [valueSetUsingA]));
      await app.packageWatch!.scan();
      expect((await app.packageWatch!.scan()).refused).toEqual(['bomb.tgz', 'uses.tgz']);
      expect(unpacked).toHaveBeenCalledTimes(2);
      expect(lines.find((l) => l.msg.includes('bomb.tgz is refused'))?.reasons).toEqual([`${bomb}: package/CodeSystem-big.json fylder 100.0 MB, mere end de 16 MB en fil i en pakke må`]);
      // the package it waits for arrives: it is tried again and loads; the bomb, unchanged, is not tried
      fs.writeFileSync(path.join(dir, 'z-base.tgz'), await writePackageTarball({ name: 'example.watched', version: '1.0.0' }, [codeSystemA]));
      await app.packageWatch!.scan();
      expect(await app.packageWatch!.scan()).toEqual({ loaded: ['z-base.tgz', 'uses.tgz'], known: [], refused: [], unloaded: [], waiting: [] });
      expect(unpacked).toHaveBeenCalledTimes(4);
      expect(await app.packageWatch!.scan()).toEqual({ loaded: [], known: [], refused: [], unloaded: [], waiting: [] });
      expect(unpacked).toHaveBeenCalledTimes(4);
      // written again: tried again
      fs.utimesSync(bomb, new Date(), new Date(Date.now() + 1000));
      await app.packageWatch!.scan();
      expect((await app.packageWatch!.scan()).refused).toEqual(['bomb.tgz']);
      expect(unpacked).toHaveBeenCalledTimes(5);
      const admin = await tokenFor({ scope: 'openid admin' });
      const refusals = ((await request(app).get('/fhir/AuditEvent?entity=bomb.tgz').set('Authorization', `Bearer ${admin}`).expect(200)).body as Bundle).entry ?? [];
      expect(refusals.map((e) => (e.resource as AuditEvent).outcome)).toEqual(['4', '4']);
    } finally {
      unpacked.mockRestore();
    }
  });

  it('passes over a package loaded already (another replica, or before a restart)', async () => {
    const archive = await writePackageTarball({ name: 'example.watched', version: '1.0.0' }, [codeSystemA]);
    const admin = await tokenFor({ scope: 'openid admin' });
    await request(app).post('/fhir/$load-package').set('Authorization', `Bearer ${admin}`).type('application/gzip').send(archive).expect(200);
    fs.writeFileSync(path.join(dir, 'a.tgz'), archive);
    await app.packageWatch!.scan();
    expect(await app.packageWatch!.scan()).toEqual({ loaded: [], known: ['a.tgz'], refused: [], unloaded: [], waiting: [] });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('reports each file as what happened to it: another package under a name#version loaded is refused with every reason, not passed over', async () => {
    const id = { name: 'example.test', version: '1.0.0' };
    fs.writeFileSync(path.join(dir, 'bad.tgz'), await writePackageTarball(id, [{ ...codeSystemA, concept: [{ code: 'x' }, { code: 'x' }] }]));
    fs.writeFileSync(path.join(dir, 'good.tgz'), await writePackageTarball(id, [codeSystemA]));
    fs.writeFileSync(path.join(dir, 'dep.tgz'), await writePackageTarball({ ...id, dependencies: { 'example.other': '2.0.0' } }, [codeSystemA]));
    await app.packageWatch!.scan();
    expect(await app.packageWatch!.scan()).toEqual({ loaded: ['good.tgz'], known: [], refused: ['bad.tgz', 'dep.tgz'], unloaded: [], waiting: [] });
    expect(lines.filter((l) => l.msg.includes('dep.tgz') && l.level < 50)).toEqual([]);
    const dep = lines.filter((l) => l.level >= 50 && l.msg.includes('dep.tgz is refused'));
    expect(dep).toHaveLength(1);
    expect(dep[0]!.reasons).toEqual([
      expect.stringContaining('afhænger af example.other#2.0.0, som ikke er indlæst'),
      'Pakken example.test#1.0.0 er allerede indlæst med et andet indhold; en ændret pakke skal have et nyt versionsnummer',
    ]);
    expect(lines.filter((l) => l.level >= 50 && l.msg.includes('bad.tgz is refused'))).toHaveLength(1);
    // a copy of the very file loaded is passed over as loaded already
    fs.copyFileSync(path.join(dir, 'good.tgz'), path.join(dir, 'same.tgz'));
    await app.packageWatch!.scan();
    expect(await app.packageWatch!.scan()).toMatchObject({ known: ['same.tgz'], refused: [] });
  });

  it('leaves a package an administrator unloaded alone, after a restart too, until its file is written again', async () => {
    const store = new MemoryStore();
    app = await watchedApp(store);
    const file = path.join(dir, 'a.tgz');
    fs.writeFileSync(file, await writePackageTarball({ name: 'example.watched', version: '1.0.0' }, [codeSystemA]));
    fs.utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await app.packageWatch!.scan();
    expect((await app.packageWatch!.scan()).loaded).toEqual(['a.tgz']);
    const admin = await tokenFor({ scope: 'openid admin' });
    await request(app).post('/fhir/$unload-package').set('Authorization', `Bearer ${admin}`).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'example.watched' }, { name: 'version', valueString: '1.0.0' }] }).expect(200);
    expect(await served(A_URL)).toBe(false);

    const restarted = await watchedApp(store);
    await restarted.packageWatch!.scan();
    expect(await restarted.packageWatch!.scan()).toEqual({ loaded: [], known: [], refused: [], unloaded: ['a.tgz'], waiting: [] });
    expect(await served(A_URL, restarted)).toBe(false);
    expect(lines.some((l) => l.msg.includes('a.tgz is example.watched#1.0.0, which was unloaded at'))).toBe(true);
    // not looked at again while the file stays as it is
    expect((await restarted.packageWatch!.scan()).unloaded).toEqual([]);

    // a new copy of the file is loaded again
    fs.utimesSync(file, new Date(), new Date(Date.now() + 1000));
    await restarted.packageWatch!.scan();
    expect((await restarted.packageWatch!.scan()).loaded).toEqual(['a.tgz']);
    expect(await served(A_URL, restarted)).toBe(true);
  });

  it('scans on its own once started', async () => {
    fs.writeFileSync(path.join(dir, 'a.tgz'), await writePackageTarball({ name: 'example.watched', version: '1.0.0' }, [codeSystemA]));
    app.packageWatch!.start(50);
    try {
      const until = Date.now() + 5000;
      while (!(await served(A_URL)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await served(A_URL)).toBe(true);
    } finally {
      app.packageWatch!.stop();
    }
  });
});
