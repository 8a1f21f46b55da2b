import type { CodeableConcept, Coding, Parameters, ParametersParameter, Resource } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { valueField } from './choice-value';

export type ParamType =
  | 'code' | 'uri' | 'canonical' | 'string' | 'boolean' | 'integer' | 'dateTime'
  | 'Coding' | 'CodeableConcept' | 'Resource' | 'part';

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Whether the parameter may repeat. */
  repeats?: boolean;
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
   * These parameters and `other`'s together (a POST's body and its URL's query); a parameter that may be given once
   * (`repeats` false), given in both, is 400.
   */
  merged(other: OperationInput, repeats: (name: string) => boolean): OperationInput {
    if (other.values.size === 0) return this;
    const copy = new Map(this.values);
    for (const [name, list] of other.values) {
      const mine = copy.get(name) ?? [];
      if (mine.length > 0 && !repeats(name)) throw FhirError.invalid(`Parameter '${name}' may only be given once (it is in the body and in the URL)`);
      copy.set(name, [...mine, ...list]);
    }
    return new OperationInput(copy);
  }

  /** A copy with one extra value (used when the instance id supplies a parameter). */
  with(name: string, value: ParamValue): OperationInput {
    const copy = new Map(this.values);
    copy.set(name, [value, ...(copy.get(name) ?? [])]);
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

/** The JSON type each primitive value[x] has in FHIR JSON (the others are strings). */
const JSON_TYPES: Record<string, 'boolean' | 'number'> = {
  valueBoolean: 'boolean', valueInteger: 'number', valueDecimal: 'number', valuePositiveInt: 'number', valueUnsignedInt: 'number',
};

/** FHIR's integer is 32 bits. */
const INTEGER_MIN = -2147483648;
const INTEGER_MAX = 2147483647;

/** Parameters that any operation may carry and that are not the operation's own. */
const GENERAL_QUERY_PARAMS = new Set(['_format', '_pretty', '_summary', '_elements']);

function convertQueryValue(spec: ParamSpec, raw: string): ParamValue {
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw FhirError.invalid(`Parameter '${spec.name}' must be 'true' or 'false', not '${raw}'`);
    case 'integer': {
      if (!/^-?\d{1,9}$/.test(raw)) throw FhirError.invalid(`Parameter '${spec.name}' must be an integer, not '${raw}'`);
      return Number(raw);
    }
    case 'Coding': {
      const bar = raw.indexOf('|');
      if (bar < 0) return { code: raw };
      const system = raw.slice(0, bar);
      const code = raw.slice(bar + 1);
      return system ? { system, code } : { code };
    }
    case 'CodeableConcept': {
      const bar = raw.indexOf('|');
      return { coding: [bar < 0 ? { code: raw } : { system: raw.slice(0, bar), code: raw.slice(bar + 1) }] };
    }
    case 'Resource':
    case 'part':
      throw FhirError.invalid(`Parameter '${spec.name}' can only be sent in a Parameters resource (POST)`);
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
      if (typeof raw !== 'string') throw FhirError.invalid(`Parameter '${name}' has an invalid value`);
      if (p.type === 'string' || p.type === 'code' || p.type === 'uri' || p.type === 'canonical') {
        // property, designation etc. may be given comma separated
      }
      const list = values.get(name) ?? [];
      if (list.length > 0 && !p.repeats) throw FhirError.invalid(`Parameter '${name}' may only be given once`);
      list.push(convertQueryValue(p, raw));
      values.set(name, list);
    }
  }
  return new OperationInput(values);
}

/** The first element of a Coding that is not a string, as a path; undefined when the Coding has the right shape. */
function badCodingPart(c: unknown, path: string): string | undefined {
  if (!c || typeof c !== 'object' || Array.isArray(c)) return path;
  const rec = c as Record<string, unknown>;
  const field = ['system', 'version', 'code', 'display'].find((f) => rec[f] !== undefined && typeof rec[f] !== 'string');
  return field ? `${path}.${field}` : undefined;
}

function badCodeableConceptPart(cc: Record<string, unknown>, path: string): string | undefined {
  if (cc.coding === undefined) return undefined;
  if (!Array.isArray(cc.coding)) return `${path}.coding`;
  for (let i = 0; i < cc.coding.length; i++) {
    const bad = badCodingPart(cc.coding[i], `${path}.coding[${i}]`);
    if (bad) return bad;
  }
  return undefined;
}

/** Where a parameter is, for error expressions (built only when needed: a batch body has 10,000 parameters). */
function parameterPath(index: number): string {
  return `Parameters.parameter[${index}]`;
}

/** Parameters.parameter's invariant inv-1: a value[x], a resource or parts, only one of them (and one value[x]). */
function checkOneValue(param: ParametersParameter, index: number): void {
  let kinds = param.resource !== undefined ? 1 : 0;
  if (param.part !== undefined) kinds++;
  for (const key of Object.keys(param)) if (key.startsWith('value')) kinds++;
  if (kinds > 1) {
    throw FhirError.invalid(`Parameter '${param.name}' must have one value, a resource or parts, only one of them`, { expression: [parameterPath(index)] });
  }
}

/** A primitive value[x] holding another JSON type than FHIR JSON gives it (valueBoolean: "yes", valueBoolean: 1). */
function checkPrimitiveJsonType(spec: ParamSpec, field: string, v: unknown, path: string): void {
  if (!(field in PRIMITIVE_FIELDS)) return;
  const expected = JSON_TYPES[field] ?? 'string';
  // "true"/"false" as JSON strings are accepted too (some clients serialise booleans that way)
  if (typeof v === expected || (field === 'valueBoolean' && (v === 'true' || v === 'false'))) return;
  throw FhirError.invalid(`Parameter '${spec.name}' has a ${field} that is not a JSON ${expected}`, { expression: [path] });
}

function valueOfParameter(spec: ParamSpec, param: ParametersParameter, index: number): ParamValue {
  checkOneValue(param, index);
  if (spec.type === 'part') return param;
  if (spec.type === 'Resource') {
    if (!param.resource || typeof param.resource !== 'object') {
      throw FhirError.invalid(`Parameter '${spec.name}' must carry a resource`, { expression: [parameterPath(index)] });
    }
    return param.resource;
  }
  const path = parameterPath(index);
  if (spec.type === 'Coding') {
    if (!param.valueCoding || typeof param.valueCoding !== 'object') {
      throw FhirError.invalid(`Parameter '${spec.name}' must be a Coding (valueCoding)`, { expression: [path] });
    }
    const bad = badCodingPart(param.valueCoding, `${path}.valueCoding`);
    if (bad) throw FhirError.invalid(`Parameter '${spec.name}' is not a valid Coding (${bad})`, { expression: [bad] });
    return param.valueCoding;
  }
  if (spec.type === 'CodeableConcept') {
    if (!param.valueCodeableConcept || typeof param.valueCodeableConcept !== 'object') {
      throw FhirError.invalid(`Parameter '${spec.name}' must be a CodeableConcept (valueCodeableConcept)`, { expression: [path] });
    }
    const bad = Array.isArray(param.valueCodeableConcept)
      ? `${path}.valueCodeableConcept`
      : badCodeableConceptPart(param.valueCodeableConcept as unknown as Record<string, unknown>, `${path}.valueCodeableConcept`);
    if (bad) throw FhirError.invalid(`Parameter '${spec.name}' is not a valid CodeableConcept (${bad})`, { expression: [bad] });
    return param.valueCodeableConcept;
  }
  const record = param as unknown as Record<string, unknown>;
  const field = valueField(record);
  if (!field) throw FhirError.invalid(`Parameter '${spec.name}' has no value`, { expression: [path] });
  const v = record[field];
  checkPrimitiveJsonType(spec, field, v, path);
  if (spec.type === 'boolean') {
    if (v === 'true' || v === 'false') return v === 'true';
    if (typeof v !== 'boolean') throw FhirError.invalid(`Parameter '${spec.name}' must be a boolean`, { expression: [path] });
    return v;
  }
  if (spec.type === 'integer') {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < INTEGER_MIN || v > INTEGER_MAX) {
      throw FhirError.invalid(`Parameter '${spec.name}' must be an integer (32 bits)`, { expression: [path] });
    }
    return v;
  }
  if (STRINGY.includes(spec.type)) {
    if (typeof v !== 'string') throw FhirError.invalid(`Parameter '${spec.name}' must be a string value`, { expression: [path] });
    if (!(field in PRIMITIVE_FIELDS)) {
      throw FhirError.invalid(`Parameter '${spec.name}' has an unexpected value type ${field}`, { expression: [path] });
    }
    return v;
  }
  throw FhirError.invalid(`Parameter '${spec.name}' has an unsupported type`, { expression: [path] });
}

/** Parses a Parameters resource (POST body) against an operation spec. */
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
    throw FhirError.invalid('The request body must be a FHIR Parameters resource');
  }
  const resource = body as Parameters;
  if (resource.resourceType !== 'Parameters') {
    throw FhirError.invalid(`The request body must be a Parameters resource, not ${String(resource.resourceType)}`);
  }
  const values = new Map<string, ParamValue[]>();
  const byName = paramsByName(spec);
  const params = resource.parameter ?? [];
  if (!Array.isArray(params)) throw FhirError.invalid('Parameters.parameter must be an array');
  params.forEach((param, i) => {
    if (!param || typeof param !== 'object' || typeof param.name !== 'string') {
      throw FhirError.invalid('Each parameter must have a name', { expression: [parameterPath(i)] });
    }
    const p = byName.get(param.name);
    if (!p) return;
    const list = values.get(param.name) ?? [];
    if (list.length > 0 && !p.repeats) {
      throw FhirError.invalid(`Parameter '${param.name}' may only be given once`, { expression: [parameterPath(i)] });
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
  build(): Parameters {
    return { resourceType: 'Parameters', parameter: this.params };
  }
}
