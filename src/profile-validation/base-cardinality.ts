import { choiceJsonNames, rootCursor, step, type TypeCursor } from './fhir-model';
import type { ValidationIssue } from './messages';
import { R4_REQUIRED_ELEMENTS } from './r4-required-elements';

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/** Where the elements of a primitive's extension holder (`_status`) are looked up: Element's (id, extension). */
const ELEMENT: TypeCursor = { base: 'Element', type: 'Element' };

/**
 * The cursor of each JSON property of each type, or null where nothing is to be checked inside: a primitive, a resource
 * (Bundle.entry.resource, contained: validated as resources of their own) or a property R4 does not have (the schema
 * reports it). Kept for the process: R4's types and properties are a fixed set.
 */
const children = new Map<string, TypeCursor | null>();

function childCursor(cursor: TypeCursor, key: string): TypeCursor | null {
  const at = `${cursor.base}\u0000${key}`;
  let next = children.get(at);
  if (next === undefined) {
    const found = step(cursor, key);
    const complex = found && !/^[a-z]|^System\./.test(found.type) && found.type !== 'Resource' && found.type !== 'DomainResource';
    next = complex ? found : null;
    children.set(at, next);
  }
  return next;
}

/** The JSON names of each required element, by type: `[status]`, or each `value…` of a choice element. */
const jsonNames = new Map<string, { name: string; json: readonly string[] }[]>();

function requiredOf(cursor: TypeCursor): { name: string; json: readonly string[] }[] {
  let list = jsonNames.get(cursor.base);
  if (!list) {
    list = (R4_REQUIRED_ELEMENTS[cursor.base] ?? []).map((name) => ({ name, json: name.endsWith('[x]') ? choiceJsonNames(cursor, name) : [name] }));
    jsonNames.set(cursor.base, list);
  }
  return list;
}

/** Whether a property has a value: an empty array has none; a primitive given only by its extensions (`_status`) has one. */
function present(obj: Json, name: string): boolean {
  const v = obj[name];
  if (v !== undefined && !(Array.isArray(v) && v.length === 0)) return true;
  const ext = obj[`_${name}`];
  return ext !== undefined && !(Array.isArray(ext) && ext.length === 0);
}

/** What the schema or a profile already said is missing, as `parent expression NUL element name`. */
function alreadyReported(issues: readonly ValidationIssue[]): Set<string> {
  const said = new Set<string>();
  for (const i of issues) {
    const at = i.expression[0];
    if (at === undefined) continue;
    // the schema: "Not valid FHIR R4: must have required property 'subject'"
    const schema = /must have required property '([^']+)'$/.exec(i.text.en);
    if (schema) said.add(`${at}\u0000${schema[1]}`);
    // a profile: "CarePlan.activity.detail.status: minimum required = 1, …"
    const profile = /^(\S+): minimum required = /.exec(i.text.en);
    if (profile) said.add(`${at}\u0000${profile[1]!.slice(profile[1]!.lastIndexOf('.') + 1)}`);
  }
  return said;
}

/**
 * FHIR R4's own cardinality (min ≥ 1) of every element of one resource, whatever its profiles say: `CarePlan.status`,
 * `CarePlan.activity.detail.status` of each activity.detail present, `Extension.url` of each extension. The JSON schema
 * requires only the complex elements (and reports those), so the required primitives are checked here. Contained and
 * Bundle entry resources are left to their own check. `reported`: the issues found on the resource so far, so what
 * the schema or a profile says is missing is not said twice.
 */
export function checkBaseCardinality(resource: Json, type: string, expression: string, reported: readonly ValidationIssue[]): ValidationIssue[] {
  const missing: { parent: string; name: string }[] = [];
  const visit = (obj: Json, cursor: TypeCursor, at: string): void => {
    for (const { name, json } of requiredOf(cursor)) {
      if (!json.some((n) => present(obj, n))) missing.push({ parent: at, name });
    }
    for (const key of Object.keys(obj)) {
      const value = obj[key];
      if (value === null || typeof value !== 'object') continue;
      const primitiveExtensions = key.charCodeAt(0) === 95; // `_status`: the primitive's id and extensions
      const next = primitiveExtensions ? ELEMENT : childCursor(cursor, key);
      if (!next) continue;
      const path = `${at}.${primitiveExtensions ? key.slice(1) : key}`;
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (isObject(item)) visit(item, next, `${path}[${i}]`);
        });
      } else {
        visit(value as Json, next, path);
      }
    }
  };
  visit(resource, rootCursor(type), expression);
  if (missing.length === 0) return [];
  const said = alreadyReported(reported);
  return missing.filter(({ parent, name }) => !said.has(`${parent}\u0000${name}`)).map(({ parent, name }): ValidationIssue => ({
    severity: 'error', code: 'required', expression: [`${parent}.${name.replace(/\[x\]$/, '')}`],
    text: {
      en: `Element '${name}' is missing (FHIR R4 requires at least 1)`,
      da: `Elementet '${name}' mangler (FHIR R4 kræver mindst 1)`,
    },
  }));
}
