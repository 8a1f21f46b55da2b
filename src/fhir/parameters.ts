import type { CodeableConcept, Coding, Parameters, ParametersParameter, Resource } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';
import { valueField } from './choice-value';
import { describeTextProblem, refuseTextProblem, textProblem } from './primitive-text';
import { endOfDate } from './date-time';

export type ParamType =
  | 'code' | 'uri' | 'canonical' | 'string' | 'boolean' | 'integer' | 'dateTime'
  | 'Coding' | 'CodeableConcept' | 'Resource' | 'part';

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Whether the parameter may repeat. */
  repeats?: boolean;
  /** For a `part` parameter whose parts the operation defines: those parts (others, or none at all, are 400). */
  parts?: ParamSpec[];
  /**
   * For a `Resource` parameter: the resource is what the operation examines and reports on (`$validate`'s resource, a
   * `$batch-validate-code` validation), not one it uses; its text is not refused beforehand (`checkResourceParameters`).
   */
  examined?: boolean;
}

export interface OperationSpec {
  name: string;
  params: ParamSpec[];
}

export type ParamValue = string | boolean | number | Coding | CodeableConcept | Resource | ParametersParameter;

/** Parameters of one operation call, parsed against its spec. Same shape whether it came by GET or POST. */
export class OperationInput {
  constructor(private readonly values: Map<string, ParamValue[]>) {}

  has(name: string): boolean {
    return (this.values.get(name)?.length ?? 0) > 0;
  }
  all<T extends ParamValue>(name: string): T[] {
    return (this.values.get(name) ?? []) as T[];
  }
  one<T extends ParamValue>(name: string): T | undefined {
    return this.values.get(name)?.[0] as T | undefined;
  }
  string(name: string): string | undefined {
    const v = this.one(name);
    return typeof v === 'string' ? v : undefined;
  }
  boolean(name: string): boolean | undefined {
    const v = this.one(name);
    return typeof v === 'boolean' ? v : undefined;
  }
  integer(name: string): number | undefined {
    const v = this.one(name);
    return typeof v === 'number' ? v : undefined;
  }
  names(): string[] {
    return [...this.values.keys()];
  }
  /**
   * 400 when more than one of parameters that each give the same thing is given ($lookup's code and coding, $subsumes'
   * codeA and codingA, $validate-code's code, coding and codeableConcept): which one to take would be a guess.
   */
  refuseTogether(...names: string[]): void {
    const given = names.filter((n) => this.has(n));
    if (given.length < 2) return;
    const quoted = given.map((n) => `'${n}'`);
    if (given.length === 2) {
      throw FhirError.invalid(`Use either ${quoted[0]} or ${quoted[1]}, not both`, { expression: given, da: `Giv enten ${quoted[0]} eller ${quoted[1]}, ikke begge` });
    }
    const [last, ...rest] = [quoted.pop()!, ...quoted];
    throw FhirError.invalid(`Use only one of ${rest.join(', ')} and ${last}`, { expression: given, da: `Giv kun én af ${rest.join(', ')} og ${last}` });
  }
  /**
   * These parameters and `other`'s together (a POST's body and its URL's query); a parameter that may be given once
   * (`repeats` false), given in both, is 400.
   */
  merged(other: OperationInput, repeats: (name: string) => boolean): OperationInput {
    if (other.values.size === 0) return this;
    const copy = new Map(this.values);
    for (const [name, list] of other.values) {
      const mine = copy.get(name) ?? [];
      if (mine.length > 0 && !repeats(name)) throw FhirError.invalid(`Parameter '${name}' may only be given once (it is in the body and in the URL)`, {
        expression: [name], da: `Parameteren '${name}' må kun angives én gang (den er både i kroppen og i URL'en)`,
      });
      copy.set(name, [...mine, ...list]);
    }
    return new OperationInput(copy);
  }

  /** A copy with only the parameters whose names `keep` accepts. */
  picked(keep: (name: string) => boolean): OperationInput {
    return new OperationInput(new Map([...this.values].filter(([name]) => keep(name))));
  }

  /** A copy with one extra value (used when the instance id supplies a parameter). */
  with(name: string, value: ParamValue): OperationInput {
    return this.withAll(name, [value]);
  }
  /** These values of `name` before those given. */
  withAll(name: string, values: readonly ParamValue[]): OperationInput {
    if (values.length === 0) return this;
    const copy = new Map(this.values);
    copy.set(name, [...values, ...(copy.get(name) ?? [])]);
    return new OperationInput(copy);
  }
}

const PRIMITIVE_FIELDS: Record<string, ParamType> = {
  valueCode: 'code', valueUri: 'uri', valueUrl: 'uri', valueCanonical: 'canonical', valueString: 'string',
  valueBoolean: 'boolean', valueInteger: 'integer', valueDateTime: 'dateTime', valueDate: 'dateTime',
  valueId: 'code', valueMarkdown: 'string', valueDecimal: 'integer', valuePositiveInt: 'integer',
  valueUnsignedInt: 'integer', valueOid: 'uri', valueUuid: 'uri', valueInstant: 'dateTime',
};

const STRINGY: ParamType[] = ['code', 'uri', 'canonical', 'string', 'dateTime'];

/** The text value[x]s: a text parameter takes any of them (clients send urls as valueUri, valueCanonical or valueString, codes as valueString). */
const TEXT_FIELDS = ['valueString', 'valueCode', 'valueUri', 'valueUrl', 'valueCanonical', 'valueId', 'valueMarkdown', 'valueOid', 'valueUuid'];

/**
 * The value[x] a parameter must have, as HAPI requires: `includeDefinition` as `valueUri: "true"` or `count` as
 * `valueDecimal: 2.0` is refused, not read as true or 2; a text parameter (code, uri, canonical, string) takes any
 * text value[x], not a date, an instant or a number, whose text is not its value.
 */
const EXACT_FIELDS: Partial<Record<ParamType, readonly string[]>> = {
  boolean: ['valueBoolean'],
  integer: ['valueInteger', 'valuePositiveInt', 'valueUnsignedInt'],
  dateTime: ['valueDateTime', 'valueDate', 'valueInstant'],
  code: TEXT_FIELDS, uri: TEXT_FIELDS, canonical: TEXT_FIELDS, string: TEXT_FIELDS,
};

/** 400 for a value[x] of another type than the parameter's (EXACT_FIELDS), naming the parameter, what was sent and what is expected. */
function checkValueType(spec: ParamSpec, field: string, path: string): void {
  const fields = EXACT_FIELDS[spec.type];
  if (!fields || fields.includes(field)) return;
  const named = fields === TEXT_FIELDS ? { en: 'a text value[x] such as valueString', da: 'en tekstværdi som valueString' } : { en: fields.join(' or '), da: fields.join(' eller ') };
  throw FhirError.invalid(`Parameter '${spec.name}' is of type ${spec.type}: send it as ${named.en}, not ${field}`, {
    expression: [path], da: `Parameteren '${spec.name}' er af typen ${spec.type}: send den som ${named.da}, ikke ${field}`,
  });
}

/** The JSON type each primitive value[x] has in FHIR JSON (the others are strings). */
const JSON_TYPES: Record<string, 'boolean' | 'number'> = {
  valueBoolean: 'boolean', valueInteger: 'number', valueDecimal: 'number', valuePositiveInt: 'number', valueUnsignedInt: 'number',
};

/** FHIR's integer is 32 bits. */
const INTEGER_MIN = -2147483648;
const INTEGER_MAX = 2147483647;

/** Parameters that any operation may carry and that are not the operation's own. */
const GENERAL_QUERY_PARAMS = new Set(['_format', '_pretty', '_summary', '_elements']);

function onlyOnce(name: string, expression?: string[]): FhirError {
  return FhirError.invalid(`Parameter '${name}' may only be given once`, { expression, da: `Parameteren '${name}' må kun angives én gang` });
}

/** 400 for a value whose text no FHIR primitive may have (empty, control characters…); `where` is its expression. */
function checkText(name: string, text: string, where: string[] | undefined): void {
  refuseTextProblem(text, { en: `Parameter '${name}'`, da: `Parameteren '${name}'` }, where);
}

/** 400 for a dateTime parameter whose value is no FHIR date or dateTime (`2025`, `2025-06-30`, `2025-06-30T12:00:00+01:00`). */
function checkDateTime(name: string, text: string, where: string[]): void {
  if (endOfDate(text) !== undefined) return;
  throw FhirError.invalid(`Parameter '${name}' must be a FHIR date or dateTime (e.g. 2025-06-30 or 2025-06-30T12:00:00+01:00; a time needs its zone), not '${excerpt(text)}'`, {
    expression: where, da: `Parameteren '${name}' skal være en FHIR date eller dateTime (fx 2025-06-30 eller 2025-06-30T12:00:00+01:00; et klokkeslæt skal have sin tidszone), ikke '${excerpt(text)}'`,
  });
}

function convertQueryValue(spec: ParamSpec, raw: string): ParamValue {
  if (spec.type !== 'boolean' && spec.type !== 'integer') checkText(spec.name, raw, [spec.name]);
  if (spec.type === 'dateTime') checkDateTime(spec.name, raw, [spec.name]);
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw FhirError.invalid(`Parameter '${spec.name}' must be 'true' or 'false', not '${excerpt(raw)}'`, {
        expression: [spec.name], da: `Parameteren '${spec.name}' skal være 'true' eller 'false', ikke '${excerpt(raw)}'`,
      });
    case 'integer': {
      const n = /^-?\d{1,10}$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= INTEGER_MIN && n <= INTEGER_MAX)) {
        throw FhirError.invalid(`Parameter '${spec.name}' must be an integer (32 bits), not '${excerpt(raw)}'`, {
          expression: [spec.name], da: `Parameteren '${spec.name}' skal være et heltal (32 bit), ikke '${excerpt(raw)}'`,
        });
      }
      return n;
    }
    case 'Coding': {
      const bar = raw.indexOf('|');
      if (bar < 0) return { code: raw };
      const system = raw.slice(0, bar);
      const code = raw.slice(bar + 1);
      checkText(spec.name, code, [spec.name]);
      return system ? { system, code } : { code };
    }
    case 'CodeableConcept': {
      const bar = raw.indexOf('|');
      if (bar >= 0) checkText(spec.name, raw.slice(bar + 1), [spec.name]);
      return { coding: [bar < 0 ? { code: raw } : { system: raw.slice(0, bar), code: raw.slice(bar + 1) }] };
    }
    case 'Resource':
    case 'part':
      throw FhirError.invalid(`Parameter '${spec.name}' can only be sent in a Parameters resource (POST)`, {
        expression: [spec.name], da: `Parameteren '${spec.name}' kan kun sendes i en Parameters-ressource (POST)`,
      });
    default:
      return raw;
  }
}

const specIndexes = new WeakMap<OperationSpec, Map<string, ParamSpec>>();

/** The parameters of a spec by name, built once per spec (specs are constants; this runs on every request). */
function paramsByName(spec: OperationSpec): Map<string, ParamSpec> {
  let byName = specIndexes.get(spec);
  if (!byName) {
    byName = new Map(spec.params.map((p) => [p.name, p]));
    specIndexes.set(spec, byName);
  }
  return byName;
}

/** The names a request gives that are not parameters of the operation (nor general ones like _format), each once. */
export function unknownParameterNames(spec: OperationSpec, names: Iterable<string>): string[] {
  const byName = paramsByName(spec);
  const out = new Set<string>();
  for (const name of names) if (!byName.has(name) && !GENERAL_QUERY_PARAMS.has(name)) out.add(name);
  return [...out];
}

/** The parameter names of a Parameters body (those that have a name), for unknownParameterNames. */
export function parameterNamesOf(body: unknown): string[] {
  const list = (body as { parameter?: unknown } | null)?.parameter;
  if (!Array.isArray(list)) return [];
  const names: string[] = [];
  for (const p of list as unknown[]) {
    const name = p && typeof p === 'object' ? (p as { name?: unknown }).name : undefined;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

/** Parses URL query parameters (GET or form-less POST query) against an operation spec. */
export function parseQuery(spec: OperationSpec, query: Record<string, unknown>): OperationInput {
  const values = new Map<string, ParamValue[]>();
  const byName = paramsByName(spec);
  for (const [name, rawValue] of Object.entries(query)) {
    if (GENERAL_QUERY_PARAMS.has(name)) continue;
    const p = byName.get(name);
    if (!p) continue; // unknown parameters are ignored, as FHIR servers do for query parameters they do not know
    const raws = Array.isArray(rawValue) ? rawValue : [rawValue];
    for (const raw of raws) {
      if (typeof raw !== 'string') throw FhirError.invalid(`Parameter '${name}' has an invalid value`, { expression: [name], da: `Parameteren '${name}' har en ugyldig værdi` });
      const list = values.get(name) ?? [];
      if (list.length > 0 && !p.repeats) throw onlyOnce(name, [name]);
      list.push(convertQueryValue(p, raw));
      values.set(name, list);
    }
  }
  return new OperationInput(values);
}

/** What is wrong with an element of a Coding or CodeableConcept (absent is fine), in words; undefined when nothing. */
function badText(v: unknown): Bilingual | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return { en: 'is not a string', da: 'er ikke en streng' };
  const problem = textProblem(v);
  return problem && describeTextProblem(problem);
}

interface BadPart {
  path: string;
  why: Bilingual;
}

function notValid(name: string, type: 'Coding' | 'CodeableConcept', bad: BadPart): FhirError {
  return FhirError.invalid(`Parameter '${name}' is not a valid ${type}: ${bad.path} ${bad.why.en}`, {
    expression: [bad.path], da: `Parameteren '${name}' er ikke ${type === 'Coding' ? 'en' : 'et'} gyldig${type === 'Coding' ? '' : 't'} ${type}: ${bad.path} ${bad.why.da}`,
  });
}

/** The first element of a Coding that is not a fit string, with what is wrong; undefined when the Coding has the right shape. */
function badCodingPart(c: unknown, path: string): BadPart | undefined {
  if (!c || typeof c !== 'object' || Array.isArray(c)) return { path, why: { en: 'is not an object', da: 'er ikke et objekt' } };
  const rec = c as Record<string, unknown>;
  for (const field of ['system', 'version', 'code', 'display']) {
    const why = badText(rec[field]);
    if (why) return { path: `${path}.${field}`, why };
  }
  return undefined;
}

function badCodeableConceptPart(cc: Record<string, unknown>, path: string): BadPart | undefined {
  const textWhy = badText(cc.text);
  if (textWhy) return { path: `${path}.text`, why: textWhy };
  if (cc.coding === undefined) return undefined;
  if (!Array.isArray(cc.coding)) return { path: `${path}.coding`, why: { en: 'is not an array', da: 'er ikke en liste' } };
  for (let i = 0; i < cc.coding.length; i++) {
    const bad = badCodingPart(cc.coding[i], `${path}.coding[${i}]`);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * Where a parameter is, for error expressions (built only when needed: a batch body has 10,000 parameters); `parent`
 * for a part, the path of the parameter it is a part of.
 */
function parameterPath(index: number, parent?: string): string {
  return parent === undefined ? `Parameters.parameter[${index}]` : `${parent}.part[${index}]`;
}

/**
 * Where a resource given as a parameter is in the Parameters resource it came in (`Parameters.parameter[1].resource`),
 * found by identity, for error expressions; undefined when it is not there.
 */
export function resourceParameterPath(parameters: unknown, resource: object): string | undefined {
  const list = (parameters as { parameter?: unknown } | null)?.parameter;
  if (!Array.isArray(list)) return undefined;
  const index = list.findIndex((p: unknown) => (p as { resource?: unknown } | null)?.resource === resource);
  return index < 0 ? undefined : `${parameterPath(index)}.resource`;
}

/** Parameters.parameter's invariant inv-1: a value[x], a resource or parts, only one of them (and one value[x]). */
function checkOneValue(param: ParametersParameter, index: number, parent?: string): void {
  let kinds = param.resource !== undefined ? 1 : 0;
  if (param.part !== undefined) kinds++;
  for (const key of Object.keys(param)) if (key.startsWith('value')) kinds++;
  if (kinds > 1) {
    throw FhirError.invalid(`Parameter '${param.name}' must have one value, a resource or parts, only one of them`, {
      expression: [parameterPath(index, parent)], da: `Parameteren '${param.name}' skal have én værdi, en ressource eller dele (part), kun én af dem`,
    });
  }
}

/** A primitive value[x] holding another JSON type than FHIR JSON gives it (valueBoolean: "yes", valueBoolean: 1). */
function checkPrimitiveJsonType(spec: ParamSpec, field: string, v: unknown, path: string): void {
  if (!(field in PRIMITIVE_FIELDS)) return;
  const expected = JSON_TYPES[field] ?? 'string';
  // "true"/"false" as JSON strings are accepted too (some clients serialise booleans that way)
  if (typeof v === expected || (field === 'valueBoolean' && (v === 'true' || v === 'false'))) return;
  throw FhirError.invalid(`Parameter '${spec.name}' has a ${field} that is not a JSON ${expected}`, {
    expression: [path], da: `Parameteren '${spec.name}' har en ${field}, som ikke er af JSON-typen ${expected}`,
  });
}

/** A part parameter's parts, each checked against the parts its spec defines. */
function checkParts(spec: ParamSpec & { parts: ParamSpec[] }, param: ParametersParameter, path: string): void {
  const parts: unknown = param.part;
  const names = spec.parts.map((p) => p.name).join(', ');
  if (!Array.isArray(parts) || parts.length === 0) {
    throw FhirError.invalid(`Parameter '${spec.name}' must have parts (${names})`, { expression: [path], da: `Parameteren '${spec.name}' skal have dele (${names})` });
  }
  const seen = new Set<string>();
  parts.forEach((part: unknown, j) => {
    const name = part && typeof part === 'object' ? (part as { name?: unknown }).name : undefined;
    const partSpec = typeof name === 'string' ? spec.parts.find((p) => p.name === name) : undefined;
    if (!partSpec) {
      const which = typeof name === 'string' ? { en: `a part '${excerpt(name)}'`, da: `en del '${excerpt(name)}'` } : { en: 'a part without a name', da: 'en del uden navn' };
      throw FhirError.invalid(`Parameter '${spec.name}' has ${which.en}; its parts are ${names}`, {
        expression: [parameterPath(j, path)], da: `Parameteren '${spec.name}' har ${which.da}; dens dele er ${names}`,
      });
    }
    if (seen.has(partSpec.name) && !partSpec.repeats) {
      throw FhirError.invalid(`Parameter '${spec.name}' has its part '${partSpec.name}' more than once`, {
        expression: [parameterPath(j, path)], da: `Parameteren '${spec.name}' har delen '${partSpec.name}' mere end én gang`,
      });
    }
    seen.add(partSpec.name);
    valueOfParameter({ ...partSpec, name: `${spec.name}.${partSpec.name}` }, part as ParametersParameter, j, path);
  });
}

function valueOfParameter(spec: ParamSpec, param: ParametersParameter, index: number, parent?: string): ParamValue {
  checkOneValue(param, index, parent);
  if (spec.type === 'part') {
    if (spec.parts) checkParts(spec as ParamSpec & { parts: ParamSpec[] }, param, parameterPath(index, parent));
    return param;
  }
  if (spec.type === 'Resource') {
    if (!param.resource || typeof param.resource !== 'object') {
      throw FhirError.invalid(`Parameter '${spec.name}' must carry a resource`, {
        expression: [parameterPath(index, parent)], da: `Parameteren '${spec.name}' skal indeholde en ressource`,
      });
    }
    return param.resource;
  }
  const path = parameterPath(index, parent);
  if (spec.type === 'Coding') {
    if (!param.valueCoding || typeof param.valueCoding !== 'object') {
      throw FhirError.invalid(`Parameter '${spec.name}' must be a Coding (valueCoding)`, { expression: [path], da: `Parameteren '${spec.name}' skal være en Coding (valueCoding)` });
    }
    const bad = badCodingPart(param.valueCoding, `${path}.valueCoding`);
    if (bad) throw notValid(spec.name, 'Coding', bad);
    return param.valueCoding;
  }
  if (spec.type === 'CodeableConcept') {
    if (!param.valueCodeableConcept || typeof param.valueCodeableConcept !== 'object') {
      throw FhirError.invalid(`Parameter '${spec.name}' must be a CodeableConcept (valueCodeableConcept)`, {
        expression: [path], da: `Parameteren '${spec.name}' skal være et CodeableConcept (valueCodeableConcept)`,
      });
    }
    const bad = Array.isArray(param.valueCodeableConcept)
      ? { path: `${path}.valueCodeableConcept`, why: { en: 'is an array', da: 'er en liste' } }
      : badCodeableConceptPart(param.valueCodeableConcept as unknown as Record<string, unknown>, `${path}.valueCodeableConcept`);
    if (bad) throw notValid(spec.name, 'CodeableConcept', bad);
    return param.valueCodeableConcept;
  }
  const record = param as unknown as Record<string, unknown>;
  const field = valueField(record);
  if (!field) throw FhirError.invalid(`Parameter '${spec.name}' has no value`, { expression: [path], da: `Parameteren '${spec.name}' har ingen værdi` });
  const v = record[field];
  checkValueType(spec, field, path);
  checkPrimitiveJsonType(spec, field, v, path);
  if (spec.type === 'boolean') {
    if (v === 'true' || v === 'false') return v === 'true';
    if (typeof v !== 'boolean') throw FhirError.invalid(`Parameter '${spec.name}' must be a boolean`, { expression: [path], da: `Parameteren '${spec.name}' skal være en boolean (true eller false)` });
    return v;
  }
  if (spec.type === 'integer') {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < INTEGER_MIN || v > INTEGER_MAX) {
      throw FhirError.invalid(`Parameter '${spec.name}' must be an integer (32 bits)`, { expression: [path], da: `Parameteren '${spec.name}' skal være et heltal (32 bit)` });
    }
    return v;
  }
  if (STRINGY.includes(spec.type)) {
    if (typeof v !== 'string') throw FhirError.invalid(`Parameter '${spec.name}' must be a string value`, { expression: [path], da: `Parameteren '${spec.name}' skal være en tekstværdi` });
    if (!(field in PRIMITIVE_FIELDS)) {
      throw FhirError.invalid(`Parameter '${spec.name}' has an unexpected value type ${field}`, { expression: [path], da: `Parameteren '${spec.name}' har en uventet værditype ${field}` });
    }
    checkText(spec.name, v, [`${path}.${field}`]);
    if (spec.type === 'dateTime') checkDateTime(spec.name, v, [`${path}.${field}`]);
    return v;
  }
  throw FhirError.invalid(`Parameter '${spec.name}' has an unsupported type`, { expression: [path], da: `Parameteren '${spec.name}' har en type, som ikke understøttes` });
}

/**
 * 400 `required` (R4's IssueType) when parameters the operation requires (min 1 in its OperationDefinition) are not
 * given, each named; checked with the parameters' types, before the operation runs (and before it asks for a token's
 * scope). `bodyParameter`: the one an operation takes as the request's body of any type (a package archive), said so.
 */
export function checkRequired(operation: string, input: OperationInput, required: readonly string[] | undefined, bodyParameter?: string): void {
  const missing = required?.filter((name) => !input.has(name)) ?? [];
  if (missing.length === 0) return;
  if (missing.length === 1 && missing[0] === bodyParameter) {
    throw new FhirError(400, 'required', `$${operation} needs a request body (or the parameter '${bodyParameter}' in a Parameters body)`, {
      expression: missing, da: `$${operation} kræver en krop (eller parameteren '${bodyParameter}' i en Parameters-krop)`,
    });
  }
  const quoted = missing.map((name) => `'${name}'`);
  const en = missing.length === 1 ? `the parameter ${quoted[0]}` : `the parameters ${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
  const da = missing.length === 1 ? `parameteren ${quoted[0]}` : `parametrene ${quoted.slice(0, -1).join(', ')} og ${quoted.at(-1)}`;
  throw new FhirError(400, 'required', `$${operation} needs ${en}`, { expression: missing, da: `$${operation} kræver ${da}` });
}

/**
 * A POSTed Parameters resource's parameters and its URL's query parameters together, as HAPI reads them (hapi-fhir #7061)
 * and as a GET takes the query: a client that puts e.g. `displayLanguage` in the URL of a POST gets it honoured.
 */
export function parseParametersAndQuery(spec: OperationSpec, body: unknown, query: Record<string, unknown>): OperationInput {
  const fromBody = parseParametersResource(spec, body);
  if (Object.keys(query).length === 0) return fromBody;
  const byName = paramsByName(spec);
  return fromBody.merged(parseQuery(spec, query), (name) => byName.get(name)?.repeats === true);
}

export function parseParametersResource(spec: OperationSpec, body: unknown): OperationInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw FhirError.invalid('The request body must be a FHIR Parameters resource', { da: 'Forespørgslens krop skal være en FHIR Parameters-ressource' });
  }
  const resource = body as Parameters;
  if (resource.resourceType !== 'Parameters') {
    const given: unknown = resource.resourceType;
    // a plain object of parameters (`{"url": …}`) has no resourceType: said so, not as "not undefined"
    const not = typeof given === 'string' ? { en: `not ${excerpt(given)}`, da: `ikke ${excerpt(given)}` }
      : given === undefined ? { en: 'and it has no resourceType', da: 'og den har ingen resourceType' }
      : { en: 'and its resourceType is not a string', da: 'og dens resourceType er ikke en streng' };
    throw FhirError.invalid(`The request body must be a Parameters resource, ${not.en}`, {
      expression: ['resourceType'], da: `Forespørgslens krop skal være en Parameters-ressource, ${not.da}`,
    });
  }
  const values = new Map<string, ParamValue[]>();
  const byName = paramsByName(spec);
  const params = resource.parameter ?? [];
  if (!Array.isArray(params)) throw FhirError.invalid('Parameters.parameter must be an array', { da: 'Parameters.parameter skal være en liste' });
  params.forEach((param, i) => {
    if (!param || typeof param !== 'object' || typeof param.name !== 'string') {
      throw FhirError.invalid('Each parameter must have a name', { expression: [parameterPath(i)], da: 'Hver parameter skal have et navn (name)' });
    }
    const p = byName.get(param.name);
    if (!p) return;
    const list = values.get(param.name) ?? [];
    if (list.length > 0 && !p.repeats) {
      throw onlyOnce(param.name, [parameterPath(i)]);
    }
    list.push(valueOfParameter(p, param, i));
    values.set(param.name, list);
  });
  return new OperationInput(values);
}

/** Builder for output Parameters resources, so every operation writes values the same way. */
export class ParametersBuilder {
  private readonly params: ParametersParameter[] = [];

  add(param: ParametersParameter): this {
    this.params.push(param);
    return this;
  }
  boolean(name: string, value: boolean | undefined): this {
    if (value !== undefined) this.params.push({ name, valueBoolean: value });
    return this;
  }
  string(name: string, value: string | undefined): this {
    if (value !== undefined) this.params.push({ name, valueString: value });
    return this;
  }
  code(name: string, value: string | undefined): this {
    if (value !== undefined) this.params.push({ name, valueCode: value });
    return this;
  }
  uri(name: string, value: string | undefined): this {
    if (value !== undefined) this.params.push({ name, valueUri: value });
    return this;
  }
  coding(name: string, value: Coding | undefined): this {
    if (value !== undefined) this.params.push({ name, valueCoding: value });
    return this;
  }
  codeableConcept(name: string, value: CodeableConcept | undefined): this {
    if (value !== undefined) this.params.push({ name, valueCodeableConcept: value });
    return this;
  }
  resource(name: string, value: Resource | undefined): this {
    if (value !== undefined) this.params.push({ name, resource: value as ParametersParameter['resource'] });
    return this;
  }
  part(name: string, parts: ParametersParameter[]): this {
    this.params.push({ name, part: parts });
    return this;
  }
  /** The Parameters resource; without `parameter` when there is none (FHIR's JSON has no empty arrays). */
  build(): Parameters {
    return this.params.length > 0 ? { resourceType: 'Parameters', parameter: this.params } : { resourceType: 'Parameters' };
  }
}
