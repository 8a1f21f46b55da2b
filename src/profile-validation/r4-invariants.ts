import { ownEntry } from '../fhir/own-entry';
import { appendIssues, type Issue } from '../errors/issue';
import { childCursor, ELEMENT } from '../fhir/base-elements';
import { r4Model, rootCursor, type TypeCursor } from '../fhir/fhir-model';
import { R4_CONSTRAINT_DANISH, R4_CONSTRAINTS, type R4Constraint } from '../fhir/r4-constraints';
import { compileR4Expression } from './invariant-evaluator';
import type { ValidationIssue } from './messages';
import { isJsonObject } from '../fhir/json-object';
import { currentTimeBudget } from '../terminology/time-budget';

type Json = Record<string, unknown>;

interface CompiledConstraint {
  rule: R4Constraint;
  evaluate(node: unknown, vars: Record<string, unknown>): unknown[];
}

/** The compiled rules of each type or backbone path (and of each resource type with DomainResource's), on first use. */
const compiled = new Map<string, readonly CompiledConstraint[]>();

function isDomainResource(type: string): boolean {
  const parents = r4Model().type2Parent;
  for (let t: string | undefined = type; t; t = ownEntry(parents, t)) if (t === 'DomainResource') return true;
  return false;
}

/** The ids of a resource's contained resources, found once per resource (a Reference's ref-1 asks for them). */
const containedIdSets = new WeakMap<object, ReadonlySet<string>>();

function containedIds(root: unknown): ReadonlySet<string> {
  if (!isJsonObject(root)) return new Set();
  let ids = containedIdSets.get(root);
  if (!ids) {
    const found = new Set<string>();
    if (Array.isArray(root.contained)) for (const c of root.contained) if (isJsonObject(c) && typeof c.id === 'string') found.add(c.id);
    containedIdSets.set(root, ids = found);
  }
  return ids;
}

/** What a plain rule's test gives for a value it leaves to the engine. */
const ENGINE = Symbol('engine');

/**
 * A rule about whether elements are there, evaluated on the JSON: `has(name)` is FHIRPath's `name.exists()` for an
 * element that is text, a boolean, an object or a list of them (not null, not an empty list). An element given with
 * its extensions (`_system`), as another kind of value or as a list holding something else than objects is left to the
 * engine (`test` may also ask for it: ENGINE); undefined from `test` is FHIRPath's empty.
 */
function plainRule(base: string, key: string, names: readonly string[], test: (has: (name: string) => boolean, node: Json) => boolean | undefined | typeof ENGINE): CompiledConstraint['evaluate'] {
  return (node, vars) => {
    if (!isJsonObject(node)) return [];
    for (const name of names) {
      if (node[`_${name}`] !== undefined) return byR4Expression(base, key)(node, vars);
      const v = node[name];
      if (v === null || (v !== undefined && typeof v !== 'string' && typeof v !== 'boolean' && typeof v !== 'object')) return byR4Expression(base, key)(node, vars);
      if (v === '' || (Array.isArray(v) && v.some((x) => x === null || typeof x !== 'object'))) return byR4Expression(base, key)(node, vars);
    }
    const has = (name: string): boolean => {
      const v = node[name];
      return v !== undefined && !(Array.isArray(v) && v.length === 0);
    };
    const verdict = test(has, node);
    if (verdict === ENGINE) return byR4Expression(base, key)(node, vars);
    return verdict === undefined ? [] : [verdict];
  };
}

/**
 * Rules evaluated in code, with the result R4's expression gives. ref-1
 * (`reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id)`) gathers the
 * container's contained ids for every Reference it is evaluated on: a resource with N contained resources that refer
 * to each other took N² steps (10 s for 6,000, the server answering nothing else meanwhile).
 */
export const RULES_IN_CODE: Record<string, CompiledConstraint['evaluate']> = {
  // a value set's includes and expansion, which can be tens of thousands in one write: R4's rules are on whether
  // elements are there (`system.exists()`), which is asked of the JSON directly when the elements are plain
  'vsd-1': plainRule('ValueSet.compose.include', 'vsd-1', ['valueSet', 'system'], (has) => has('valueSet') || has('system')),
  'vsd-2': plainRule('ValueSet.compose.include', 'vsd-2', ['concept', 'filter', 'system'], (has) => !(has('concept') || has('filter')) || has('system')),
  'vsd-3': plainRule('ValueSet.compose.include', 'vsd-3', ['concept', 'filter'], (has) => !has('concept') || !has('filter')),
  'vsd-6': plainRule('ValueSet.expansion.contains', 'vsd-6', ['code', 'display'], (has) => has('code') || has('display')),
  // `code.exists() or abstract = true`: without a code and without abstract, `false or {}` is empty, not false
  'vsd-9': plainRule('ValueSet.expansion.contains', 'vsd-9', ['code', 'abstract'], (has, node) => {
    if (node.abstract !== undefined && typeof node.abstract !== 'boolean') return ENGINE;
    return has('code') || node.abstract === true ? true : node.abstract === false ? false : undefined;
  }),
  'vsd-10': plainRule('ValueSet.expansion.contains', 'vsd-10', ['code', 'system'], (has) => !has('code') || has('system')),
  // cmd-1 (`comment.exists() or equivalence.empty() or ((equivalence != 'narrower') and (equivalence != 'inexact'))`)
  // on every target of a map: the engine took ~20 µs a target, seconds for a map of 100,000 written at once
  'cmd-1': (node, vars) => {
    if (!isJsonObject(node)) return [];
    const { comment, equivalence } = node;
    const plain = node._comment === undefined && node._equivalence === undefined
      && (comment === undefined || (typeof comment === 'string' && comment !== '')) && (equivalence === undefined || typeof equivalence === 'string');
    // what is not plain text (an extension on either, a value of another type) is left to the engine
    if (!plain) return byR4Expression('ConceptMap.group.element.target', 'cmd-1')(node, vars);
    return [comment !== undefined || equivalence === undefined || (equivalence !== 'narrower' && equivalence !== 'inexact')];
  },
  // csd-1 (`concept.code.combine($this.descendants().concept.code).isDistinct()`): the engine's descendants() took
  // ~15 µs per concept, ~30 ms for a municipality's catalog of 2,000, which every write of it now checks
  'csd-1': (node, vars) => {
    if (!isJsonObject(node)) return [];
    const seen = new Set<unknown>();
    let distinct = true;
    let primitive = true;
    const walk = (concepts: unknown): void => {
      if (!Array.isArray(concepts)) return;
      for (const c of concepts) {
        if (!isJsonObject(c)) continue;
        const code = c.code;
        if (code !== undefined && code !== null) {
          if (typeof code === 'object') primitive = false;
          if (seen.has(code)) distinct = false;
          seen.add(code);
        }
        walk(c.concept);
      }
    };
    walk(node.concept);
    // a code that is not a primitive (which the schema reports) is left to the engine, which reads a list as its items
    return primitive ? [distinct] : byR4Expression('CodeSystem', 'csd-1')(node, vars);
  },
  'ref-1': (node, vars) => {
    const reference = isJsonObject(node) ? node.reference : undefined;
    if (reference === undefined || reference === null) return [];
    if (typeof reference !== 'string') throw new TypeError('Reference.reference is not a string'); // no verdict, as the engine's
    if (reference.charCodeAt(0) !== 35) return [true];
    // `#`, the container itself: substring(1) is empty, and so is the rule's result
    if (reference.length === 1) return [];
    return [containedIds(vars.rootResource).has(reference.slice(1))];
  },
};

/** A rule of R4_CONSTRAINTS as the engine evaluates it, compiled on first use. */
function byR4Expression(base: string, key: string): CompiledConstraint['evaluate'] {
  const at = `${base}\u0000${key}`;
  let evaluate = byExpression.get(at);
  if (!evaluate) {
    const rule = R4_CONSTRAINTS[base]!.find((r) => r.key === key)!;
    byExpression.set(at, evaluate = compileR4Expression(base, rule.expression));
  }
  return evaluate;
}

const byExpression = new Map<string, CompiledConstraint['evaluate']>();

function rulesOf(base: string, resourceRoot: boolean): readonly CompiledConstraint[] {
  const at = resourceRoot ? `${base}\u0000root` : base;
  let list = compiled.get(at);
  if (!list) {
    const rules = [...(resourceRoot && isDomainResource(base) ? R4_CONSTRAINTS.DomainResource ?? [] : []), ...(ownEntry(R4_CONSTRAINTS, base) ?? [])];
    list = rules.map((rule) => ({ rule, evaluate: RULES_IN_CODE[rule.key] ?? compileR4Expression(base, rule.expression) }));
    compiled.set(at, list);
  }
  return list;
}

/** Whether an element has children besides its id (ele-1): a property with a value that is not an empty list. */
function hasChildren(obj: Json): boolean {
  for (const key in obj) {
    if (key === 'id') continue;
    const v = obj[key];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) return true;
  }
  return false;
}

const SOURCE = 'http://hl7.org/fhir/StructureDefinition/';

const ELE_1: R4Constraint = {
  key: 'ele-1', severity: 'error', source: 'Element', expression: 'hasValue() or (children().count() > id.count())',
  human: 'All FHIR elements must have a @value or children',
};
const DOM_3: R4Constraint = {
  key: 'dom-3', severity: 'error', source: 'DomainResource', expression: '(in code)',
  human: 'If the resource is contained in another resource, it SHALL be referred to from elsewhere in the resource or SHALL refer to the containing resource',
};

/** Each rule's text, the same wherever it is broken: made once (a map can break cmd-1 100,000 times). */
const ruleTexts = new WeakMap<R4Constraint, ValidationIssue['text']>();

function issueOf(rule: R4Constraint, at: string): ValidationIssue {
  let text = ruleTexts.get(rule);
  if (!text) {
    const source = `${SOURCE}${rule.source}`;
    const da = R4_CONSTRAINT_DANISH[rule.key];
    text = {
      en: `Constraint failed: ${rule.key}: '${rule.human}' (defined in ${source})`,
      da: da !== undefined
        ? `Reglen ${rule.key} er ikke overholdt: '${da}' (defineret i ${source})`
        : `Reglen ${rule.key} er ikke overholdt (defineret i ${source}; FHIR R4 har kun reglens tekst på engelsk)`,
    };
    ruleTexts.set(rule, text);
  }
  return { severity: rule.severity, code: 'invariant', expression: [at], messageId: rule.key, text };
}

/** Every string of a resource starting with `#`: the local references (`reference`, canonical, uri) its elements hold. */
function localReferences(value: unknown, out: Set<string>): Set<string> {
  if (typeof value === 'string') {
    if (value.charCodeAt(0) === 35) out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) localReferences(v, out);
  } else if (isJsonObject(value)) {
    for (const key in value) localReferences(value[key], out);
  }
  return out;
}

/**
 * dom-3, which the engine cannot evaluate as R4 writes it: each contained resource with an id is referred to from
 * somewhere in its container (`#id` in a reference, canonical or uri, also from another contained resource), or
 * refers to its container (`#`). A contained resource without an id is the schema's and ref-1's concern.
 */
function dom3(resource: Json, expression: string, found: ValidationIssue[]): void {
  const contained = resource.contained;
  if (!Array.isArray(contained) || contained.length === 0) return;
  let refs: Set<string> | undefined;
  contained.forEach((c, i) => {
    if (!isJsonObject(c) || typeof c.id !== 'string') return;
    refs ??= localReferences(resource, new Set());
    if (refs.has(`#${c.id}`)) return;
    if (localReferences(c, new Set()).has('#')) return;
    found.push(issueOf(DOM_3, `${expression}.contained[${i}]`));
  });
}

/**
 * Whether an error of `reported` is at the element `at` or within it: each error's path and its ancestors in one Set
 * (`A.b[1].c` makes `A`, `A.b`, `A.b[1]` and `A.b[1].c`), so that asking for each of many issues stays linear.
 */
function errorAtOrWithin(reported: readonly Issue[]): (at: string) => boolean {
  const paths = new Set<string>();
  for (const i of reported) {
    if (i.severity !== 'error' && i.severity !== 'fatal') continue;
    const e = i.expression?.[0] ?? '';
    paths.add(e);
    for (let k = 1; k < e.length; k++) {
      const c = e.charCodeAt(k);
      if (c === 46 || c === 91) paths.add(e.slice(0, k)); // before each `.` and `[`
    }
  }
  return (at) => paths.has(at);
}

/**
 * FHIR R4's own invariants on one resource, whatever its profiles say (R4_CONSTRAINTS, with ele-1 and dom-3 in code):
 * each rule of a resource type, backbone element or data type is evaluated once on each instance of it the resource
 * has, compiled once per process; elements the resource does not have cost nothing. Each broken rule is an issue with
 * its key at the element it is on. Contained and Bundle entry resources are left to their own check (`container`: the
 * resource a contained one is in, its `%rootResource`). `reported`: the issues found so far, so what a profile's rule
 * of the same key said at the same element is not said twice, nor ele-1 of an element with an error at or within it. A rule is broken only when it evaluates to `false`:
 * R4 writes its rules so that an element they do not apply to gives an empty result (ref-1's
 * `reference.startsWith('#').not() or …` on a reference by identifier), which HL7's validator does not report
 * either; a rule the engine fails to evaluate on an instance (a value of the wrong type, which the schema reports)
 * gives no verdict.
 */
export function checkR4Invariants(resource: Json, type: string, expression: string, container: Json | undefined, reported: readonly Issue[]): ValidationIssue[] {
  const found: ValidationIssue[] = [];
  const vars = { resource, rootResource: container ?? resource };
  // a resource of 100,000 elements with rules (questionnaire items) takes seconds: within the operation's time budget
  const budget = currentTimeBudget();
  const run = (rules: readonly CompiledConstraint[], node: Json, at: string): void => {
    for (const { rule, evaluate } of rules) {
      let result: unknown[];
      try {
        result = evaluate(node, vars);
      } catch {
        continue;
      }
      if (result.length === 1 && result[0] === false) found.push(issueOf(rule, at));
    }
  };
  const visit = (obj: Json, cursor: TypeCursor, at: string): void => {
    const rules = rulesOf(cursor.base, obj === resource);
    if (rules.length > 0) {
      budget?.tick();
      run(rules, obj, at);
    }
    for (const key in obj) {
      const value = obj[key];
      if (value === null || typeof value !== 'object') continue;
      const primitiveExtensions = key.charCodeAt(0) === 95; // `_status`: the primitive's id and extensions
      const next = primitiveExtensions ? ELEMENT : childCursor(cursor, key);
      if (!next) continue;
      const name = primitiveExtensions ? key.slice(1) : key;
      const path = `${at}.${name}`;
      const primitive = primitiveExtensions ? obj[name] : undefined;
      const item = (x: unknown, p: string, hasValue: boolean): void => {
        if (!isJsonObject(x)) return;
        if (!hasValue && !hasChildren(x)) found.push(issueOf(ELE_1, p));
        else visit(x, next, p);
      };
      if (Array.isArray(value)) {
        value.forEach((x, i) => item(x, `${path}[${i}]`, Array.isArray(primitive) && primitive[i] !== undefined && primitive[i] !== null));
      } else {
        item(value, path, primitive !== undefined && primitive !== null);
      }
    }
  };
  if (isDomainResource(type)) dom3(resource, expression, found);
  visit(resource, rootCursor(type), expression);
  if (found.length === 0) return found;
  const said = new Set(reported.map((i) => `${i.expression?.[0]}\u0000${i.messageId}`));
  // an element an error was found at or within (a required element missing, bdl-5 of an empty entry) is not also
  // said to be empty
  const within = errorAtOrWithin(reported);
  return found.filter((i) => !said.has(`${i.expression[0]}\u0000${i.messageId}`) && !(i.messageId === ELE_1.key && within(i.expression[0]!)));
}


/**
 * The R4 invariants a resource to be written breaks, and those its contained resources break, as errors: a write the
 * server would serve is not one its own $validate calls invalid (an inexact map without a comment, cmd-1). A rule
 * broken at an element where `reported` (the write rules' findings) has an error at or within it is left out: the
 * rules say it in their own words (each duplicate code rather than csd-1 on the whole code system).
 */
export function brokenR4Invariants(resource: Json, type: string, reported: readonly Issue[]): ValidationIssue[] {
  const found = checkR4Invariants(resource, type, type, undefined, reported);
  const contained = resource.contained;
  if (Array.isArray(contained)) {
    contained.forEach((c, i) => {
      if (isJsonObject(c) && typeof c.resourceType === 'string') appendIssues(found, checkR4Invariants(c, c.resourceType, `${type}.contained[${i}]`, resource, reported));
    });
  }
  const said = errorAtOrWithin(reported);
  return found.filter((i) => i.severity === 'error' && !said(i.expression[0]!));
}
