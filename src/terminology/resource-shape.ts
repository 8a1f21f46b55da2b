import type { CodeSystem, ConceptMap, Resource, ValueSet } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';
import { packedConcepts } from './packed/codesystem';
import { excerpt } from '../errors/excerpt';
import { duplicateCodesOf, duplicateCodeText } from './concept-walk';
import { hierarchyCycles, hierarchyCycleText } from './hierarchy-cycle';

/**
 * Structural checks of the parts of ValueSet, CodeSystem and ConceptMap resources the server computes with, so that a
 * malformed resource from a request is answered with a 400 naming the offending paths.
 */

type Shape =
  | 'string'
  | 'boolean'
  | { array: Shape }
  | { object: Record<string, Shape>; required?: string[]; choice?: Choice }
  | { lazy: () => Shape };

/** A choice element R4 requires (`value[x]`, 1..1): one of its fields is there. */
interface Choice {
  name: string;
  fields: string[];
}

const EXTENSIONS: Shape = { array: { object: { url: 'string', extension: { lazy: () => EXTENSIONS } }, required: ['url'] } };
const CODING: Shape = { object: { system: 'string', code: 'string', display: 'string' } };
// R4 requires a designation's value (CodeSystem.concept.designation.value, ValueSet.compose.include.concept.designation.value 1..1)
const DESIGNATION: Shape = { object: { language: 'string', value: 'string', use: CODING, extension: EXTENSIONS }, required: ['value'] };
const CONCEPT_REFERENCE: Shape = {
  object: { code: 'string', display: 'string', designation: { array: DESIGNATION }, extension: EXTENSIONS },
  required: ['code'],
};
const FILTER: Shape = {
  object: { property: 'string', op: 'string', value: 'string', _op: { object: { extension: EXTENSIONS } }, extension: EXTENSIONS },
};
const COMPOSE_SET: Shape = {
  object: {
    system: 'string', version: 'string', valueSet: { array: 'string' }, concept: { array: CONCEPT_REFERENCE },
    filter: { array: FILTER }, extension: EXTENSIONS,
  },
};
const CONTAINS: Shape = {
  object: {
    system: 'string', version: 'string', code: 'string', display: 'string', abstract: 'boolean', inactive: 'boolean',
    designation: { array: DESIGNATION }, contains: { lazy: () => ({ array: CONTAINS }) }, extension: EXTENSIONS,
  },
};
const VALUE_SET: Shape = {
  object: {
    id: 'string', url: 'string', version: 'string', language: 'string', status: 'string', experimental: 'boolean', extension: EXTENSIONS,
    contained: { array: { object: { resourceType: 'string', id: 'string' } } },
    compose: {
      object: { include: { array: COMPOSE_SET }, exclude: { array: COMPOSE_SET }, lockedDate: 'string', inactive: 'boolean', extension: EXTENSIONS },
    },
    expansion: { object: { contains: { array: CONTAINS }, parameter: { array: { object: { name: 'string' } } } } },
  },
};
// R4 requires a concept property's value (CodeSystem.concept.property.value[x] 1..1), of one of these types
const CONCEPT_PROPERTY: Shape = {
  object: { code: 'string', valueCode: 'string', valueString: 'string', valueBoolean: 'boolean' }, required: ['code'],
  choice: { name: 'value[x]', fields: ['valueCode', 'valueCoding', 'valueString', 'valueInteger', 'valueBoolean', 'valueDateTime', 'valueDecimal'] },
};
const CODE_SYSTEM_CONCEPT: Shape = {
  object: {
    code: 'string', display: 'string', definition: 'string', designation: { array: DESIGNATION }, property: { array: CONCEPT_PROPERTY },
    extension: EXTENSIONS, concept: { lazy: () => ({ array: CODE_SYSTEM_CONCEPT }) },
  },
  required: ['code'],
};
const CODE_SYSTEM: Shape = {
  object: {
    url: 'string', version: 'string', language: 'string', status: 'string', content: 'string', supplements: 'string',
    caseSensitive: 'boolean', experimental: 'boolean', extension: EXTENSIONS,
    property: { array: { object: { code: 'string', uri: 'string', type: 'string' }, required: ['code'] } },
    concept: { array: CODE_SYSTEM_CONCEPT },
  },
};

const MAP_VALUE: Shape = { object: { property: 'string', system: 'string', value: 'string', display: 'string' } };
const MAP_TARGET: Shape = {
  object: {
    code: 'string', display: 'string', equivalence: 'string', comment: 'string', dependsOn: { array: MAP_VALUE }, product: { array: MAP_VALUE },
    extension: EXTENSIONS,
  },
};
const CONCEPT_MAP: Shape = {
  object: {
    id: 'string', url: 'string', version: 'string', status: 'string', sourceUri: 'string', sourceCanonical: 'string', targetUri: 'string',
    targetCanonical: 'string', extension: EXTENSIONS,
    group: {
      array: {
        object: {
          source: 'string', sourceVersion: 'string', target: 'string', targetVersion: 'string', extension: EXTENSIONS,
          element: { array: { object: { code: 'string', display: 'string', target: { array: MAP_TARGET }, extension: EXTENSIONS } } },
          unmapped: { object: { mode: 'string', code: 'string', display: 'string', url: 'string' } },
        },
      },
    },
  },
};

function describe(shape: Shape): Bilingual {
  if (typeof shape === 'string') return shape === 'string' ? { en: 'a string', da: 'en streng' } : { en: 'a boolean', da: 'en boolean' };
  if ('lazy' in shape) return describe(shape.lazy());
  return 'array' in shape ? { en: 'an array', da: 'en liste' } : { en: 'an object', da: 'et objekt' };
}

/** What is wrong at a path: the path, and the rest of the sentence in both languages. */
interface Problem {
  path: string;
  en: string;
  da: string;
}

const absent = (value: unknown): boolean => value === undefined || value === null;
const chosen = (record: Record<string, unknown>, choice: Choice): boolean => choice.fields.some((f) => !absent(record[f]));

function mustBe(path: string, shape: Shape): Problem {
  const what = describe(shape);
  return { path, en: `must be ${what.en}`, da: `skal være ${what.da}` };
}

function check(value: unknown, shape: Shape, path: string, problems: Problem[]): void {
  if (problems.length >= 5) return;
  if (typeof shape === 'object' && 'lazy' in shape) return check(value, shape.lazy(), path, problems);
  if (typeof shape === 'string') {
    if (typeof value !== shape) problems.push(mustBe(path, shape));
    return;
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return void problems.push(mustBe(path, shape));
    value.forEach((item, i) => check(item, shape.array, `${path}[${i}]`, problems));
    return;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return void problems.push(mustBe(path, shape));
  const record = value as Record<string, unknown>;
  for (const key of shape.required ?? []) {
    if (absent(record[key])) problems.push({ path: `${path}.${key}`, en: 'is missing', da: 'mangler' });
  }
  if (shape.choice && !chosen(record, shape.choice)) problems.push({ path: `${path}.${shape.choice.name}`, en: 'is missing', da: 'mangler' });
  for (const [key, inner] of Object.entries(shape.object)) {
    if (record[key] !== undefined && record[key] !== null) check(record[key], inner, `${path}.${key}`, problems);
  }
}

/** The resource as the Danish texts name it, and the ending of an adjective after it (neuter -t). */
const DANISH_NAME: Record<string, { noun: string; ending: string }> = {
  CodeSystem: { noun: 'Kodesystemet', ending: 't' }, ValueSet: { noun: 'Værdisættet', ending: 't' }, ConceptMap: { noun: 'Mapningen', ending: '' },
};

/** A lazy shape's shape, made once (check asks for it anew each time). */
const lazyShapes = new WeakMap<object, Shape>();
/** An object shape's fields, with lazy shapes made. */
const fieldLists = new WeakMap<object, [string, Shape][]>();

function made(shape: Shape): Shape {
  if (typeof shape !== 'object' || !('lazy' in shape)) return shape;
  let kept = lazyShapes.get(shape);
  if (!kept) lazyShapes.set(shape, kept = made(shape.lazy()));
  return kept;
}

function fieldsOf(shape: { object: Record<string, Shape> }): [string, Shape][] {
  let fields = fieldLists.get(shape);
  if (!fields) fieldLists.set(shape, fields = Object.entries(shape.object).map(([key, inner]) => [key, made(inner)]));
  return fields;
}

/**
 * Whether check finds nothing wrong, found without naming paths: a catalog's 2,000 concepts are gone through several
 * times faster so. Only a value that does not fit is checked again to say what is wrong.
 */
function fits(value: unknown, shape: Shape): boolean {
  if (typeof shape === 'string') return typeof value === shape;
  if ('lazy' in shape) return fits(value, made(shape));
  if ('array' in shape) {
    if (!Array.isArray(value)) return false;
    const inner = made(shape.array);
    for (let i = 0; i < value.length; i++) if (!fits(value[i], inner)) return false;
    return true;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  for (const key of shape.required ?? []) if (absent(record[key])) return false;
  if (shape.choice && !chosen(record, shape.choice)) return false;
  for (const [key, inner] of fieldsOf(shape)) {
    const field = record[key];
    if (field !== undefined && field !== null && !fits(field, inner)) return false;
  }
  return true;
}

/**
 * What the check reads of a resource: a packed code system's concepts from the parse the computation running now
 * shares (its evaluation reads them next), not from the field, which parses a copy of its own on every read.
 */
function checkedForm(resource: ValueSet | CodeSystem | ConceptMap, shape: Shape): unknown {
  const packed = resource.resourceType === 'CodeSystem' ? packedConcepts(resource) : undefined;
  if (!packed || typeof shape !== 'object' || !('object' in shape)) return resource;
  const form: Record<string, unknown> = {};
  for (const key of Object.keys(shape.object)) form[key] = key === 'concept' ? packed.concepts.parsedNow() : (resource as unknown as Record<string, unknown>)[key];
  return form;
}

const checked = new WeakSet<object>();

function assertShape(resource: ValueSet | CodeSystem | ConceptMap, shape: Shape): void {
  if (checked.has(resource)) return;
  const form = checkedForm(resource, shape);
  if (fits(form, shape)) {
    checked.add(resource);
    return;
  }
  const problems: Problem[] = [];
  check(form, shape, resource.resourceType, problems);
  if (problems.length > 0) {
    const name = typeof resource.url === 'string' ? ` '${resource.url}'` : typeof resource.id === 'string' ? ` '${resource.id}'` : '';
    const danish = DANISH_NAME[resource.resourceType]!;
    throw FhirError.invalid(`The ${resource.resourceType}${name} is not valid: ${problems.map((p) => `${p.path} ${p.en}`).join('; ')}`, {
      txIssueType: 'vs-invalid', expression: problems.map((p) => p.path),
      da: `${danish.noun}${name} er ikke gyldig${danish.ending}: ${problems.map((p) => `${p.path} ${p.da}`).join('; ')}`,
    });
  }
  checked.add(resource);
}

export function assertValueSetShape(vs: ValueSet): void {
  assertShape(vs, VALUE_SET);
}

export function assertCodeSystemShape(cs: CodeSystem): void {
  assertShape(cs, CODE_SYSTEM);
}

export function assertConceptMapShape(cm: ConceptMap): void {
  assertShape(cm, CONCEPT_MAP);
}

/**
 * The check of a CodeSystem, ValueSet or ConceptMap a request brings (tx-resource, or an operation's own resource). A
 * code system's codes are unique (csd-1) and its hierarchy has no cycle, as a write and a package must have them:
 * with a code defined twice, or a cycle (where each concept subsumes the others), its answers would contradict each
 * other.
 */
export function assertTerminologyResourceShape(resource: Resource): void {
  if (resource.resourceType === 'CodeSystem') {
    const cs = resource as CodeSystem;
    assertCodeSystemShape(cs);
    assertCodeSystemIntegrity(cs);
  } else if (resource.resourceType === 'ValueSet') assertValueSetShape(resource as ValueSet);
  else if (resource.resourceType === 'ConceptMap') assertConceptMapShape(resource as ConceptMap);
}

function assertCodeSystemIntegrity(cs: CodeSystem): void {
  const named = `CodeSystem '${excerpt(cs.url ?? cs.id ?? '')}'`;
  const [twice] = duplicateCodesOf(cs, 1);
  if (twice) {
    const text = duplicateCodeText(twice);
    throw FhirError.invalid(`${named}: ${text.en} (csd-1)`, { expression: [twice.at()], da: `${named}: ${text.da} (csd-1)` });
  }
  const [cycle] = hierarchyCycles(cs, 1);
  if (cycle) {
    const text = hierarchyCycleText(cycle);
    throw FhirError.invalid(`${named}: its hierarchy ${text.en}`, { expression: [cycle.at()], da: `${named}: dets hierarki ${text.da}` });
  }
}
