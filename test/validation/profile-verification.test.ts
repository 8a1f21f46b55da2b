import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FhirSchemaValidator } from '../../src/fhir/schema-validator';
import { loadProfiles, type ElementNode } from '../../src/profile-validation/profile-registry';
import { profilesVerified, recordVerification, VERIFIED_FILE } from '../../src/profile-validation/profile-verification';
import { ROOT } from '../support/catalogs';

const PROFILES_DIR = path.join(ROOT, 'profiles');
const schema = new FhirSchemaValidator();

function nodesOf(node: ElementNode): ElementNode[] {
  return [node, ...node.children.flatMap(nodesOf), ...node.slices.flatMap(nodesOf)];
}

/** What a compiled profile amounts to, without the compiled FHIRPath functions. */
function shape(node: ElementNode) {
  return nodesOf(node).map((n) => ({ id: n.id, binding: n.binding, fixed: n.fixed, slice: n.sliceValue, invariants: n.invariants.map((i) => i.key) }));
}

describe('profiles verified by the build', () => {
  let work: string;
  let profilesDir: string;
  let codeDir: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-verified-'));
    profilesDir = path.join(work, 'profiles');
    codeDir = path.join(work, 'build', 'validation');
    fs.mkdirSync(profilesDir);
    fs.mkdirSync(codeDir, { recursive: true });
    fs.mkdirSync(path.join(work, 'build', 'fhir'));
    for (const f of fs.readdirSync(PROFILES_DIR).filter((n) => n.endsWith('.json'))) fs.copyFileSync(path.join(PROFILES_DIR, f), path.join(profilesDir, f));
    fs.writeFileSync(path.join(codeDir, 'checks.js'), '// the checking code of a build');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('are verified until a file, a byte or the checking code changes', () => {
    expect(profilesVerified(profilesDir, codeDir)).toBe(false);
    expect(recordVerification(profilesDir, schema, codeDir)).toBeUndefined();
    expect(profilesVerified(profilesDir, codeDir)).toBe(true);

    const one = path.join(profilesDir, fs.readdirSync(profilesDir)[0]!);
    const content = fs.readFileSync(one, 'utf8');
    fs.writeFileSync(one, `${content} `);
    expect(profilesVerified(profilesDir, codeDir)).toBe(false);
    fs.writeFileSync(one, content);
    expect(profilesVerified(profilesDir, codeDir)).toBe(true);

    fs.writeFileSync(path.join(profilesDir, 'StructureDefinition-extra.json'), content);
    expect(profilesVerified(profilesDir, codeDir)).toBe(false);
    fs.rmSync(path.join(profilesDir, 'StructureDefinition-extra.json'));
    expect(profilesVerified(profilesDir, codeDir)).toBe(true);

    fs.writeFileSync(path.join(codeDir, 'checks.js'), '// another build of the checks');
    expect(profilesVerified(profilesDir, codeDir)).toBe(false);
  });

  it('are not recorded when a profile is broken, so that the start checks and refuses them', () => {
    fs.writeFileSync(path.join(profilesDir, 'StructureDefinition-broken.json'), '{ "resourceType": ');
    expect(recordVerification(profilesDir, schema, codeDir)?.message).toMatch(/broken\.json: not valid JSON/);
    expect(fs.existsSync(path.join(codeDir, VERIFIED_FILE))).toBe(false);
    expect(profilesVerified(profilesDir, codeDir)).toBe(false);
  });

  it('are read when the registry is first asked, not when it is made, and once', () => {
    const names = fs.readdirSync(profilesDir).filter((n) => n.endsWith('.json'));
    const read = jest.spyOn(fs, 'readFileSync');
    try {
      const profileReads = () => read.mock.calls.filter(([file]) => String(file).startsWith(profilesDir)).length;
      const registry = loadProfiles(profilesDir, schema, { verified: true });
      expect(profileReads()).toBe(0);
      const listed = registry.list();
      expect(listed).toHaveLength(names.length);
      expect(profileReads()).toBe(names.length);
      expect(registry.find(listed[0]!.url)).toBe(listed[0]);
      expect(registry.byResourceId(listed[1]!.resource.id!)).toBe(listed[1]);
      expect(profileReads()).toBe(names.length);
    } finally {
      read.mockRestore();
    }
  });

  it('load as the checked ones do, each compiled on first use', () => {
    const checked = loadProfiles(PROFILES_DIR, schema);
    const readOnly = loadProfiles(PROFILES_DIR, schema, { verified: true });
    expect(readOnly.list().map((p) => [p.url, p.version, p.type, p.klProfile, p.file])).toEqual(checked.list().map((p) => [p.url, p.version, p.type, p.klProfile, p.file]));
    for (const p of checked.list()) {
      const lazy = readOnly.find(p.url)!;
      expect(lazy.resource).toEqual(p.resource);
      expect(shape(lazy.root)).toEqual(shape(p.root));
      expect(lazy.root).toBe(lazy.root);
    }
  });
});
