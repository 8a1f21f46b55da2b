import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FhirSchemaValidator } from '../../src/fhir/schema-validator';
import { loadTerminology, TerminologyLoadError } from '../../src/terminology/loader';
import { jsonFilesUnder, readJson } from '../support/files';
import { TERMINOLOGY_DIR } from '../support/catalogs';

const validator = new FhirSchemaValidator();
const dirs: string[] = [];

/** A terminology folder in the temp directory with the given files (path → JSON value or raw text). */
function folder(files: Record<string, unknown>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-loader-'));
  dirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return root;
}

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const valueSet = (id: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'ValueSet', id, url: `http://example.org/fhir/ValueSet/${id}`, version: '1.0.0', status: 'active',
  compose: { include: [{ system: 'http://example.org/cs', concept: [{ code: 'a', display: 'A' }] }] },
  ...extra,
});

const codeSystem = (id: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'CodeSystem', id, url: `http://example.org/fhir/CodeSystem/${id}`, version: '1.0.0', status: 'active',
  content: 'complete', concept: [{ code: 'a', display: 'A' }],
  ...extra,
});

/** The message loadTerminology throws for a folder; fails when it does not throw a TerminologyLoadError. */
function loadError(root: string): string {
  try {
    loadTerminology(root, { includeExamples: true }, validator);
  } catch (e) {
    expect(e).toBeInstanceOf(TerminologyLoadError);
    return (e as Error).message;
  }
  throw new Error('loadTerminology did not throw');
}

describe('loadTerminology', () => {
  it('loads valid resources, skips non-FHIR JSON and the build and seeds folders', () => {
    const root = folder({
      'catalogs/ValueSet-one.json': valueSet('one'),
      'local/CodeSystem-cs.json': codeSystem('cs'),
      'kl/key-table.json': { pairs: [{ legacyCode: 'A1', uuidCode: 'x' }] },
      'build/not-loaded.json': valueSet('not-loaded'),
      'seeds/not-loaded-either.json': valueSet('not-loaded-either'),
    });
    const loaded = loadTerminology(root, { includeExamples: true }, validator);
    expect(loaded.resources.map((r) => r.id).sort()).toEqual(['cs', 'one']);
    expect([...loaded.files.values()].sort()).toEqual([path.join('catalogs', 'ValueSet-one.json'), path.join('local', 'CodeSystem-cs.json')]);
  });

  it('loads examples/ only when asked', () => {
    const root = folder({ 'catalogs/ValueSet-one.json': valueSet('one'), 'examples/x/ValueSet-ex.json': valueSet('ex') });
    expect(loadTerminology(root, { includeExamples: false }, validator).resources.map((r) => r.id)).toEqual(['one']);
    expect(loadTerminology(root, { includeExamples: true }, validator).resources.map((r) => r.id).sort()).toEqual(['ex', 'one']);
  });

  it('registers supplements as applied by default', () => {
    const root = folder({
      'supplements/CodeSystem-sup.json': codeSystem('sup', { content: 'supplement', supplements: 'http://example.org/fhir/CodeSystem/cs|1.0.0' }),
    });
    expect([...loadTerminology(root, { includeExamples: true }, validator).defaultSupplements]).toEqual(['http://example.org/fhir/CodeSystem/sup']);
  });

  it.each([
    ['a display that is a number', { 'catalogs/ValueSet-broken.json': valueSet('broken', { compose: { include: [{ system: 'http://example.org/cs', concept: [{ code: 'a', display: 42 }] }] } }) },
      path.join('catalogs', 'ValueSet-broken.json'), '$.compose.include[0].concept[0].display'],
    ['a status that is not a string', { 'supplements/CodeSystem-broken.json': codeSystem('broken', { status: 7 }) },
      path.join('supplements', 'CodeSystem-broken.json'), '$.status'],
    ['a concept list that is an object', { 'kl/deep/CodeSystem-broken.json': codeSystem('broken', { concept: { code: 'a' } }) },
      path.join('kl', 'deep', 'CodeSystem-broken.json'), '$.concept'],
    ['a nested concept without a code', { 'catalogs/CodeSystem-broken.json': codeSystem('broken', { concept: [{ code: 'a', concept: [{ display: 'no code' }] }] }) },
      path.join('catalogs', 'CodeSystem-broken.json'), '$.concept[0].concept[0]'],
    ['a filter without a value', { 'kl/ValueSet-broken.json': valueSet('broken', { compose: { include: [{ system: 'http://example.org/cs', filter: [{ property: 'concept', op: 'is-a' }] }] } }) },
      path.join('kl', 'ValueSet-broken.json'), '$.compose.include[0].filter[0].value'],
    ['no status', { 'catalogs/CodeSystem-broken.json': codeSystem('broken', { status: undefined }) },
      path.join('catalogs', 'CodeSystem-broken.json'), '$.status'],
    ['an element FHIR does not have', { 'catalogs/ValueSet-broken.json': valueSet('broken', { bogusElement: true }) },
      path.join('catalogs', 'ValueSet-broken.json'), 'bogusElement'],
    ['no canonical url', { 'catalogs/ValueSet-broken.json': valueSet('broken', { url: undefined }) },
      path.join('catalogs', 'ValueSet-broken.json'), '$.url'],
    ['a resource type the server does not publish', { 'catalogs/Patient-broken.json': { resourceType: 'Patient', id: 'p' } },
      path.join('catalogs', 'Patient-broken.json'), '$.resourceType'],
  ])('stops at a file with %s, naming the file and the JSON path', (_what, files, file, jsonPath) => {
    const root = folder({ 'catalogs/ValueSet-ok.json': valueSet('ok'), ...files });
    const message = loadError(root);
    expect(message).toContain(file);
    expect(message).toContain(jsonPath);
    expect(message).not.toContain('ValueSet-ok.json');
  });

  it('stops at a code system that breaks R4: a designation or a concept property without its value, codes one in a code system not case sensitive', () => {
    const designation = loadError(folder({ 'CodeSystem-d.json': codeSystem('d', { concept: [{ code: 'a', display: 'A', designation: [{ language: 'de' }] }] }) }));
    expect(designation).toContain('$.concept[0].designation[0].value');
    const property = loadError(folder({
      'CodeSystem-p.json': codeSystem('p', { property: [{ code: 'p', type: 'string' }], concept: [{ code: 'a', display: 'A', property: [{ code: 'p' }] }] }),
    }));
    expect(property).toContain('$.concept[0].property[0].value[x]');
    const cases = loadError(folder({ 'CodeSystem-c.json': codeSystem('c', { caseSensitive: false, concept: [{ code: 'abc' }, { code: 'ABC' }] }) }));
    expect(cases).toContain("the codes 'abc' and 'ABC' are one code defined twice");
  });

  it('stops at a file that is not JSON, naming the file', () => {
    const message = loadError(folder({ 'catalogs/ValueSet-ok.json': valueSet('ok'), 'catalogs/ValueSet-broken.json': '{"resourceType": "ValueSet",' }));
    expect(message).toContain(path.join('catalogs', 'ValueSet-broken.json'));
    expect(message).toMatch(/JSON/);
  });

  it('stops at a second resource with the same canonical and version, naming both files', () => {
    const message = loadError(folder({ 'a/ValueSet-one.json': valueSet('one'), 'b/ValueSet-one-again.json': valueSet('one-again', { url: 'http://example.org/fhir/ValueSet/one' }) }));
    expect(message).toContain(path.join('a', 'ValueSet-one.json'));
    expect(message).toContain(path.join('b', 'ValueSet-one-again.json'));
    expect(message).toContain('$.url');
  });

  it('stops when the folder does not exist, or is a file', () => {
    expect(() => loadTerminology(path.join(os.tmpdir(), 'faelles-tx-no-such-folder'), { includeExamples: true }, validator)).toThrow(TerminologyLoadError);
    expect(() => loadTerminology('/dev/null', { includeExamples: true }, validator)).toThrow(new TerminologyLoadError('The terminology folder /dev/null is not a folder'));
  });

  it('loads the published terminology folder: every FHIR resource file, nothing else', () => {
    const loaded = loadTerminology(TERMINOLOGY_DIR, { includeExamples: true }, validator);
    const fhirFiles = jsonFilesUnder('.')
      .filter((f) => !f.startsWith('build') && !f.startsWith('seeds'))
      .filter((f) => typeof readJson<{ resourceType?: unknown }>(f).resourceType === 'string');
    expect([...loaded.files.values()].sort()).toEqual(fhirFiles.map((f) => path.normalize(f)).sort());
  });
});
