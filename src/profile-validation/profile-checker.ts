import type { TerminologyRegistry } from '../terminology/registry';
import type { BindingChecker, BoundType } from './binding-checker';
import { choiceJsonNames } from '../fhir/fhir-model';
import { runInvariant, type CompiledInvariant } from './invariant-evaluator';
import type { ValidationIssue } from './messages';
import type { CompiledProfile, ElementNode } from './profile-registry';
import { checkReference, type ReferenceContext } from './reference-checker';
import { isJsonObject } from '../fhir/json-object';

type Json = Record<string, unknown>;

interface Item {
  value: unknown;
  expression: string;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** FHIR pattern matching: every value in the pattern is in the instance (arrays: each pattern item matches some item). */
function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (isJsonObject(pattern)) {
    return isJsonObject(value) && Object.entries(pattern).every(([k, p]) => matchesPattern(value[k], p));
  }
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  return value === pattern;
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const BOUND_TYPES = new Set(['Coding', 'CodeableConcept', 'code']);
const NONE: Item[] = [];

/**
 * Checks one resource against one profile: cardinality of the elements the profile constrains, slices (with closed
 * slicing), fixed and pattern values, bindings and invariants. Expressions are FHIRPath with indexes on repeating
 * elements (`CarePlan.activity[0].detail.code.coding[1]`), prefixed as the caller says (`Bundle.entry[3].resource`).
 */
export class ProfileChecker {
  private readonly issues: ValidationIssue[] = [];

  /** Where a rule comes from: this profile, and KL's profile it reproduces. */
  private readonly from: { en: string; da: string };

  constructor(
    private readonly profile: CompiledProfile,
    private readonly registry: TerminologyRegistry,
    private readonly bindings: BindingChecker,
    private readonly references?: ReferenceContext,
  ) {
    const kl = profile.klProfile;
    this.from = {
      en: `from ${profile.url}${kl ? `, KL profile ${kl}` : ''}`,
      da: `fra ${profile.url}${kl ? `, KL-profilen ${kl}` : ''}`,
    };
  }

  check(resource: Json, expression: string): ValidationIssue[] {
    this.walk(this.profile.root, resource, expression);
    this.invariants(this.profile.root.invariants, resource, expression);
    return this.issues;
  }

  /** The instance values of a child element within one parent object. */
  private values(parent: ElementNode, child: ElementNode, obj: Json, expression: string): Item[] {
    const names = child.jsonNames ??= child.name.endsWith('[x]') ? choiceJsonNames(parent.cursor, child.name) : [child.name];
    let out: Item[] | undefined;
    for (const name of names) {
      const v = obj[name];
      if (v === undefined || v === null) {
        // a primitive with only an extension (`_status`) is present too
        if (obj[`_${name}`] !== undefined) (out ??= []).push({ value: undefined, expression: `${expression}.${name}` });
        continue;
      }
      out ??= [];
      if (Array.isArray(v)) v.forEach((x, i) => out!.push({ value: x, expression: `${expression}.${name}[${i}]` }));
      else out.push({ value: v, expression: `${expression}.${name}` });
    }
    if (!out) return NONE;
    if (child.allowedTypes) {
      const base = child.name.slice(0, -3);
      for (const item of out) {
        const name = item.expression.slice(item.expression.lastIndexOf('.') + 1).replace(/\[\d+\]$/, '');
        if (child.allowedTypes.some((t) => `${base}${t}` === name)) continue;
        this.issues.push({
          severity: 'error', code: 'structure', expression: [item.expression],
          text: {
            en: `${child.id}: the type must be ${child.allowedTypes.join(' or ')}, not ${name} (${this.from.en})`,
            da: `${child.id}: typen skal være ${child.allowedTypes.join(' eller ')}, ikke ${name} (${this.from.da})`,
          },
        });
      }
    }
    if (child.name.endsWith('[x]') && child.cursor.type !== '*') {
      const wanted = `${child.name.slice(0, -3)}${child.cursor.type.charAt(0).toUpperCase()}${child.cursor.type.slice(1)}`;
      for (const item of out) {
        const name = item.expression.slice(item.expression.lastIndexOf('.') + 1);
        if (name !== wanted) {
          this.issues.push({
            severity: 'error', code: 'structure', expression: [item.expression],
            text: {
              en: `${child.id}: the type must be ${child.cursor.type}, not ${name} (${this.from.en})`,
              da: `${child.id}: typen skal være ${child.cursor.type}, ikke ${name} (${this.from.da})`,
            },
          });
        }
      }
    }
    return out;
  }

  private cardinality(node: ElementNode, items: Item[], parentExpression: string): void {
    const def = node.def;
    if (!def) return;
    const count = items.length;
    if (def.min !== undefined && count < def.min) {
      this.issues.push({
        severity: 'error', code: 'structure', expression: [parentExpression],
        text: {
          en: `${node.id}: minimum required = ${def.min}, but only found ${count} (${this.from.en})`,
          da: `${node.id}: mindst ${def.min} påkrævet, men kun ${count} fundet (${this.from.da})`,
        },
      });
    }
    if (def.max !== undefined && def.max !== '*' && count > Number(def.max)) {
      const max = Number(def.max);
      this.issues.push({
        severity: 'error', code: 'structure', expression: [items[max]!.expression],
        text: max === 0
          ? {
            en: `${node.id}: the element is not allowed (maximum 0), but found ${count} (${this.from.en})`,
            da: `${node.id}: elementet er ikke tilladt (højst 0), men ${count} fundet (${this.from.da})`,
          }
          : {
            en: `${node.id}: maximum allowed = ${max}, but found ${count} (${this.from.en})`,
            da: `${node.id}: højst ${max} tilladt, men ${count} fundet (${this.from.da})`,
          },
      });
    }
  }

  private walk(node: ElementNode, obj: Json, expression: string): void {
    for (const child of node.children) {
      const items = this.values(node, child, obj, expression);
      this.cardinality(child, items, expression);
      if (child.slicing) this.slices(child, items, expression);
      for (const item of items) this.item(child, item);
    }
  }

  private slices(node: ElementNode, items: Item[], parentExpression: string): void {
    const discriminator = node.slicing!.discriminators[0]!.path;
    const matched = new Map<ElementNode, Item[]>(node.slices.map((s) => [s, []]));
    for (const item of items) {
      const value = isJsonObject(item.value) ? item.value[discriminator] : undefined;
      const slice = node.slices.find((s) => s.sliceValue === value);
      if (slice) {
        matched.get(slice)!.push(item);
        continue;
      }
      if (!node.slicing!.closed) continue;
      const allowed = node.slices.map((s) => `${s.sliceName} (${s.sliceValue})`).join(', ');
      const shown = typeof value === 'string' ? `'${value}'` : '(none)';
      this.issues.push({
        severity: 'error', code: 'structure', expression: [item.expression],
        text: {
          en: `The ${discriminator} ${shown} is not allowed in ${node.id}, which is closed to the slices ${allowed} (${this.from.en})`,
          da: `${discriminator} ${shown} er ikke tilladt i ${node.id}, som kun tillader udsnittene ${allowed} (${this.from.da})`,
        },
      });
    }
    for (const [slice, list] of matched) {
      this.cardinality(slice, list, parentExpression);
      for (const item of list) this.item(slice, item);
    }
  }

  private item(node: ElementNode, item: Item): void {
    const { value, expression } = item;
    if (value === undefined) return;
    if (node.fixed) {
      const ok = node.fixed.kind === 'fixed' ? deepEqual(value, node.fixed.value) : matchesPattern(value, node.fixed.value);
      if (!ok) {
        this.issues.push({
          severity: 'error', code: 'value', expression: [expression],
          text: {
            en: `${node.id}: the value must be '${show(node.fixed.value)}', not '${show(value)}' (${node.fixed.field} ${this.from.en})`,
            da: `${node.id}: værdien skal være '${show(node.fixed.value)}', ikke '${show(value)}' (${node.fixed.field} ${this.from.da})`,
          },
        });
      }
    }
    if (node.binding && BOUND_TYPES.has(node.cursor.type)) {
      this.issues.push(...this.bindings.check(value, node.cursor.type as BoundType, expression, node.binding, node.id));
    }
    if (node.reference && this.references) this.issues.push(...checkReference(node, value, expression, this.references, this.from));
    if (node.invariants.length > 0) this.invariants(node.invariants, value, expression);
    if (isJsonObject(value)) this.walk(node, value, expression);
  }

  private invariants(list: CompiledInvariant[], value: unknown, expression: string): void {
    for (const inv of list) {
      const result = runInvariant(inv, value, this.registry);
      if (result.ok) continue;
      if (result.error) {
        this.issues.push({
          severity: 'error', code: 'processing', expression: [expression], messageId: inv.key,
          // the FHIRPath engine's error is English: in the English text and in diagnostics, not in the Danish text
          text: {
            en: `The invariant ${inv.key} could not be evaluated: ${result.error} (from ${inv.source})`,
            da: `Reglen ${inv.key} kunne ikke evalueres (fra ${inv.source})`,
          },
          diagnostics: result.error,
        });
        continue;
      }
      this.issues.push({
        severity: inv.severity, code: 'invariant', expression: [expression], messageId: inv.key,
        text: {
          en: `Constraint failed: ${inv.key}: '${inv.human}' (defined in ${inv.source})`,
          da: `Reglen ${inv.key} er ikke overholdt: '${inv.humanDa}' (defineret i ${inv.source})`,
        },
      });
    }
  }
}
