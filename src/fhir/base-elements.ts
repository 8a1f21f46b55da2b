import { ownEntry } from './own-entry';
import { excerpt } from '../errors/excerpt';
import { issueText, type Bilingual, type Issue } from '../errors/issue';
import { choiceElementsOf, choiceJsonNames, rootCursor, step, type TypeCursor } from './fhir-model';
import { R4_REQUIRED_CODE_BINDINGS, R4_REQUIRED_VALUE_SETS } from './r4-required-codes';
import { R4_REQUIRED_CONCEPT_BINDINGS, R4_REQUIRED_CONCEPT_VALUE_SETS } from './r4-required-concepts';
import { R4_REQUIRED_ELEMENTS } from './r4-required-elements';
import { isJsonObject } from './json-object';

/** An issue of FHIR R4's own element rules, at the element it is about. */
export interface BaseElementIssue extends Issue {
  severity: 'error';
  text: Bilingual;
  expression: string[];
}

type Json = Record<string, unknown>;

/** Where the elements of a primitive's extension holder (`_status`) are looked up: Element's (id, extension). */
export const ELEMENT: TypeCursor = { base: 'Element', type: 'Element' };

/**
 * The cursor of each JSON property of each type, or null where nothing is to be checked inside: a primitive, a resource
 * (Bundle.entry.resource, contained: validated as resources of their own) or a property R4 does not have (the schema
 * reports it). Kept for the process: R4's types and properties are a fixed set. Also the walk of R4's invariants
 * (profile-validation/r4-invariants.ts).
 */
const children = new Map<string, TypeCursor | null>();

export function childCursor(cursor: TypeCursor, key: string): TypeCursor | null {
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

/** What `compute` makes of a type, made once and kept for the process (R4's types are a fixed set). */
function perType<T>(cache: Map<string, T>, cursor: TypeCursor, compute: () => T): T {
  let value = cache.get(cursor.base);
  if (value === undefined) cache.set(cursor.base, value = compute());
  return value;
}

function requiredOf(cursor: TypeCursor): { name: string; json: readonly string[] }[] {
  return perType(jsonNames, cursor, () => (ownEntry(R4_REQUIRED_ELEMENTS, cursor.base) ?? [])
    .map((name) => ({ name, json: name.endsWith('[x]') ? choiceJsonNames(cursor, name) : [name] })));
}

/** The choice elements of each type (`value[x]` and its JSON names), by type. */
const choices = new Map<string, { name: string; json: readonly string[] }[]>();

function choicesOf(cursor: TypeCursor): { name: string; json: readonly string[] }[] {
  return perType(choices, cursor, () => choiceElementsOf(cursor));
}

/** A required binding of a `code` element: its name in its parent, where R4 defines it, its value set and the codes. */
interface CodeBinding {
  name: string;
  element: string;
  valueSet: string;
  title: string;
  codes: ReadonlySet<string>;
}

/** The codes of each value set of R4_REQUIRED_VALUE_SETS, made a set on first use. */
const valueSetCodes = new Map<string, ReadonlySet<string>>();
/** The required bindings of `code` elements, by type (a backbone element's path). */
const codeBindings = new Map<string, readonly CodeBinding[]>();

function codeBindingsOf(cursor: TypeCursor): readonly CodeBinding[] {
  return perType(codeBindings, cursor, () => Object.entries(ownEntry(R4_REQUIRED_CODE_BINDINGS, cursor.base) ?? {}).map(([name, valueSet]) => {
    const vs = R4_REQUIRED_VALUE_SETS[valueSet]!;
    let codes = valueSetCodes.get(valueSet);
    if (!codes) valueSetCodes.set(valueSet, codes = new Set(vs.codes.split(' ')));
    return { name, element: `${cursor.base}.${name}`, valueSet, title: vs.name, codes };
  }));
}

/** A required binding of a CodeableConcept element: as CodeBinding, with the value set's codes by code system. */
interface ConceptBinding {
  name: string;
  element: string;
  valueSet: string;
  title: string;
  systems: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The codes by system of each value set of R4_REQUIRED_CONCEPT_VALUE_SETS, made sets on first use. */
const conceptValueSets = new Map<string, ReadonlyMap<string, ReadonlySet<string>>>();
/** The required bindings of CodeableConcept elements, by type (a backbone element's path). */
const conceptBindings = new Map<string, readonly ConceptBinding[]>();

function conceptBindingsOf(cursor: TypeCursor): readonly ConceptBinding[] {
  return perType(conceptBindings, cursor, () => Object.entries(ownEntry(R4_REQUIRED_CONCEPT_BINDINGS, cursor.base) ?? {}).map(([name, valueSet]) => {
    const vs = R4_REQUIRED_CONCEPT_VALUE_SETS[valueSet]!;
    let systems = conceptValueSets.get(valueSet);
    if (!systems) {
      systems = new Map(Object.entries(vs.systems).map(([system, codes]) => [system, new Set(codes.split(' '))]));
      conceptValueSets.set(valueSet, systems);
    }
    return { name, element: `${cursor.base}.${name}`, valueSet, title: vs.name, systems };
  }));
}

/**
 * A CodeableConcept against R4's required binding, as HL7's validator checks one: it must have a coding of the value
 * set (its system and code one of the value set's), or it is an error at the element (no coding at all: only text or
 * extensions; or none of its codings in the value set); and a coding of one of the value set's code systems whose code
 * the value set does not have is an error at that coding, even beside a coding that meets the binding. A value that
 * is not an object, and codings that are not, are the schema's to report.
 */
function checkConcept(value: unknown, binding: ConceptBinding, at: string, found: Found[]): void {
  if (!isJsonObject(value)) return;
  const codings = (Array.isArray(value.coding) ? value.coding : []).map((c, i) => ({ c, i }))
    .filter((x): x is { c: Json; i: number } => isJsonObject(x.c) && Object.keys(x.c).length > 0);
  let member = false;
  const wrong: Found[] = [];
  for (const { c, i } of codings) {
    const codes = typeof c.system === 'string' ? binding.systems.get(c.system) : undefined;
    if (!codes) continue;
    if (typeof c.code === 'string' && codes.has(c.code)) member = true;
    else if (typeof c.code === 'string') wrong.push({ kind: CONCEPT_CODING, at: `${at}.coding[${i}]`, concept: at, binding, coding: systemCode(c) });
  }
  if (!member) found.push({ kind: CONCEPT, at, concept: at, binding, codings: codings.map(({ c }) => systemCode(c)) });
  found.push(...wrong);
}

/** A coding as HL7's validator quotes it: `system#code`. */
function systemCode(c: Json): string {
  return `${typeof c.system === 'string' ? c.system : ''}#${typeof c.code === 'string' ? c.code : ''}`;
}

/**
 * The CodeableConcepts a profile already refused (an error `code-invalid` or `required` of its binding, or `value` of
 * its pattern or fixed value, at the element or at one of its codings), whose R4 binding is then not reported too.
 */
function conceptsReported(issues: readonly Issue[]): Set<string> {
  const said = new Set<string>();
  for (const i of issues) {
    const at = i.expression?.[0];
    if (at !== undefined && i.severity === 'error' && (i.code === 'code-invalid' || i.code === 'required' || i.code === 'value')) said.add(at.replace(/\.coding\[\d+\](\..*)?$/, ''));
  }
  return said;
}

/** Whether a property has a value: an empty array has none; a primitive given only by its extensions (`_status`) has one. */
function present(obj: Json, name: string): boolean {
  const v = obj[name];
  if (v !== undefined && !(Array.isArray(v) && v.length === 0)) return true;
  const ext = obj[`_${name}`];
  return ext !== undefined && !(Array.isArray(ext) && ext.length === 0);
}

/**
 * What the schema or a profile already said, as `parent expression NUL element name` for a missing element,
 * `expression NUL ext-1` for a profile's ext-1 and `expression NUL code-invalid` for a code refused at the element.
 */
function alreadyReported(issues: readonly Issue[]): Set<string> {
  const said = new Set<string>();
  for (const i of issues) {
    const at = i.expression?.[0];
    if (at === undefined) continue;
    const en = issueText(i, 'en');
    // the schema: "Not valid FHIR R4: must have required property 'subject'"
    const schema = /must have required property '([^']+)'$/.exec(en);
    if (schema) said.add(`${at}\u0000${schema[1]}`);
    // a profile: "CarePlan.activity.detail.status: minimum required = 1, …"
    const profile = /^(\S+): minimum required = /.exec(en);
    if (profile) said.add(`${at}\u0000${profile[1]!.slice(profile[1]!.lastIndexOf('.') + 1)}`);
    if (i.messageId === EXT_1) said.add(`${at}\u0000${EXT_1}`);
    // the schema's own list of some elements' codes ("must be equal to one of the allowed values"), or a profile's
    // binding refusing the code
    if (/must be equal to one of the allowed values$/.test(en) || (i.code === 'code-invalid' && i.severity === 'error')) said.add(`${at}\u0000${CODE}`);
  }
  return said;
}

const EXT_1 = 'ext-1';
const EXT_1_TEXT: Bilingual = {
  en: "Constraint failed: ext-1: 'Must have either extensions or value[x], not both' (FHIR R4)",
  da: 'Reglen ext-1 er ikke overholdt: en udvidelse skal have enten en værdi (value[x]) eller under-udvidelser, ikke begge (FHIR R4)',
};
// not an element's name, as `required` keys are
const CODE = 'code-invalid';
const CONCEPT = 'concept';
const CHOICE = 'choice';
const CONCEPT_CODING = 'concept-coding';
/** The JSON names of Extension.value[x] (`valueString`, …); read from the model on first use. */
let extensionValues: readonly string[] | undefined;

/** What the walk found: a required element missing from its parent at `at`, an extension breaking ext-1, or a code not in its required value set. */
type Found =
  | { kind: 'required'; at: string; name: string }
  | { kind: typeof EXT_1; at: string }
  // a choice element (`value[x]`) given in more than one of its types (`given`: their JSON names)
  | { kind: typeof CHOICE; at: string; name: string; given: string[] }
  | { kind: typeof CODE; at: string; value: string; binding: CodeBinding }
  // a CodeableConcept (`at`) with no coding of its value set: `codings` its codings as `system#code`, none if empty
  | { kind: typeof CONCEPT; at: string; concept: string; binding: ConceptBinding; codings: string[] }
  // a coding (`at`) of a CodeableConcept (`concept`) of one of the value set's systems, with a code the value set has not
  | { kind: typeof CONCEPT_CODING; at: string; concept: string; binding: ConceptBinding; coding: string };

function issueOf(f: Found): BaseElementIssue {
  switch (f.kind) {
    case 'required':
      return {
        severity: 'error', code: 'required', expression: [`${f.at}.${f.name.replace(/\[x\]$/, '')}`],
        text: {
          en: `Element '${f.name}' is missing (FHIR R4 requires at least 1)`,
          da: `Elementet '${f.name}' mangler (FHIR R4 kræver mindst 1)`,
        },
      };
    case EXT_1:
      return { severity: 'error', code: 'invariant', expression: [f.at], messageId: EXT_1, text: EXT_1_TEXT };
    case CHOICE:
      return {
        severity: 'error', code: 'structure', expression: [`${f.at}.${f.name.replace(/\[x\]$/, '')}`],
        text: {
          en: `Element '${f.name}' has ${f.given.length} values (${f.given.join(', ')}); FHIR R4 allows at most one`,
          da: `Elementet '${f.name}' har ${f.given.length} værdier (${f.given.join(', ')}); FHIR R4 tillader højst én`,
        },
      };
    case CODE:
      return notInValueSet(f.at, { en: 'The value', da: 'Værdien' }, f.value, f.binding);
    case CONCEPT: {
      const { title, valueSet, element } = f.binding;
      const text: Bilingual = f.codings.length === 0
        ? {
          en: `No code provided, and FHIR R4 requires a code from the value set '${title}' (${valueSet}) for ${element}`,
          da: `Ingen kode angivet, men FHIR R4 kræver en kode fra værdisættet '${title}' (${valueSet}) for ${element}`,
        }
        : {
          en: `None of the codings provided are in the value set '${title}' (${valueSet}), which FHIR R4 requires for ${element} (codes = ${excerpt(f.codings.join(', '))})`,
          da: `Ingen af de angivne kodninger findes i værdisættet '${title}' (${valueSet}), som FHIR R4 kræver for ${element} (koder = ${excerpt(f.codings.join(', '))})`,
        };
      return { severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs', expression: [f.at], text };
    }
    case CONCEPT_CODING:
      return notInValueSet(f.at, { en: 'The code', da: 'Koden' }, f.coding, f.binding);
  }
}

/** The error at `at` that `value` (`what`: the value, the code) is not in the value set R4 binds the element to. */
function notInValueSet(at: string, what: Bilingual, value: string, binding: CodeBinding | ConceptBinding): BaseElementIssue {
  const { title, valueSet, element } = binding;
  const shown = excerpt(value);
  return {
    severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs', expression: [at],
    text: {
      en: `${what.en} '${shown}' is not in the value set '${title}' (${valueSet}), which FHIR R4 requires for ${element}`,
      da: `${what.da} '${shown}' findes ikke i værdisættet '${title}' (${valueSet}), som FHIR R4 kræver for ${element}`,
    },
  };
}

/**
 * Calls `visit` for the resource and for every element in it that is an object (a data type, a backbone element, a
 * primitive's `_status` with its id and extensions), with its type and its FHIRPath expression (`CarePlan.activity[0]`):
 * contained and Bundle entry resources are not entered, as each is checked on its own.
 */
export function walkElements(resource: Json, type: string, expression: string, visit: (obj: Json, cursor: TypeCursor, at: string) => void): void {
  const step = (obj: Json, cursor: TypeCursor, at: string): void => {
    visit(obj, cursor, at);
    for (const key of Object.keys(obj)) {
      const value = obj[key];
      if (value === null || typeof value !== 'object') continue;
      const primitiveExtensions = key.charCodeAt(0) === 95; // `_status`: the primitive's id and extensions
      const next = primitiveExtensions ? ELEMENT : childCursor(cursor, key);
      if (!next) continue;
      const path = `${at}.${primitiveExtensions ? key.slice(1) : key}`;
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (isJsonObject(item)) step(item, next, `${path}[${i}]`);
        });
      } else {
        step(value as Json, next, path);
      }
    }
  };
  step(resource, rootCursor(type), expression);
}

/**
 * FHIR R4's own rules on the elements of one resource, whatever its profiles say: the cardinality (min ≥ 1) of every
 * element (`CarePlan.status`, `CarePlan.activity.detail.status` of each activity.detail present, `Extension.url` of
 * each extension), one value of each choice element (`value[x]` as `valueCode` or `valueString`, not both: R4's
 * cardinality of 0..1 or 1..1, which the JSON schema cannot say), ext-1 (an extension has a value or extensions, not
 * both) and the required bindings of `code`
 * elements (`CarePlan.status` one of RequestStatus' codes, each of `AllergyIntolerance.category`,
 * `Identifier.use` wherever an Identifier is; r4-required-codes.ts) and of CodeableConcept elements (a coding of
 * ConditionClinicalStatusCodes in `Condition.clinicalStatus`, …; r4-required-concepts.ts, checkConcept). The JSON schema requires only the complex
 * elements (and reports those) and lists the codes of some code elements only, so the rest is checked here.
 * Contained and Bundle entry resources are left to their own check. `reported`: the issues found on the resource so
 * far, so what the schema or a profile says is not said twice. Used by `$validate` and by every write.
 */
export function checkBaseElements(resource: Json, type: string, expression: string, reported: readonly Issue[]): BaseElementIssue[] {
  const found: Found[] = [];
  const visit = (obj: Json, cursor: TypeCursor, at: string): void => {
    for (const { name, json } of requiredOf(cursor)) {
      if (!json.some((n) => present(obj, n))) found.push({ kind: 'required', at, name });
    }
    for (const { name, json } of choicesOf(cursor)) {
      const given = json.filter((n) => present(obj, n));
      if (given.length > 1) found.push({ kind: CHOICE, at, name, given });
    }
    for (const binding of codeBindingsOf(cursor)) {
      // a value that is not a string (or a list of them) is the schema's to report
      const value = obj[binding.name];
      if (typeof value === 'string') {
        if (!binding.codes.has(value)) found.push({ kind: CODE, at: `${at}.${binding.name}`, value, binding });
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (typeof v === 'string' && !binding.codes.has(v)) found.push({ kind: CODE, at: `${at}.${binding.name}[${i}]`, value: v, binding });
        });
      }
    }
    for (const binding of conceptBindingsOf(cursor)) {
      const value = obj[binding.name];
      if (Array.isArray(value)) value.forEach((v, i) => checkConcept(v, binding, `${at}.${binding.name}[${i}]`, found));
      else checkConcept(value, binding, `${at}.${binding.name}`, found);
    }
    extensionValues ??= choiceJsonNames({ base: 'Extension', type: 'Extension' }, 'value[x]');
    if (cursor.base === 'Extension' && present(obj, 'extension') === extensionValues.some((n) => present(obj, n))) {
      found.push({ kind: EXT_1, at });
    }
  };
  walkElements(resource, type, expression, visit);
  if (found.length === 0) return [];
  const said = alreadyReported(reported);
  const concepts = found.some((f) => f.kind === CONCEPT || f.kind === CONCEPT_CODING) ? conceptsReported(reported) : undefined;
  return found.filter((f) => {
    if (f.kind === CONCEPT || f.kind === CONCEPT_CODING) return !concepts!.has(f.concept);
    return !said.has(`${f.at}\u0000${f.kind === 'required' ? f.name : f.kind}`);
  }).map(issueOf);
}
