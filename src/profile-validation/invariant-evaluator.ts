import type * as Fhirpath from 'fhirpath';
import type { Coding, ValueSet } from 'fhir/r4';
import { entryKey } from '../terminology/compose/evaluator';
import { evaluateValueSet } from '../terminology/expansion/cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { r4Model } from '../fhir/fhir-model';
import { IS_DISTINCT } from './fhirpath-distinct';

export interface InvariantDefinition {
  key: string;
  severity: 'error' | 'warning';
  expression: string;
  human: string;
  humanDa: string;
  /** Canonical of the profile that defines it. */
  source: string;
  /** Path of the element the invariant is on; undefined for the resource itself. */
  contextPath?: string;
}

export interface CompiledInvariant extends InvariantDefinition {
  evaluate(node: unknown): unknown[];
}

/**
 * The registry `memberOf()` answers from while an invariant runs. Evaluation is synchronous, so setting it around
 * one evaluation is safe.
 */
let activeRegistry: TerminologyRegistry | undefined;

function valueSetIndex(url: string) {
  if (!activeRegistry) return undefined;
  const vs: ValueSet | undefined = activeRegistry.findCanonical('ValueSet', url);
  return vs ? evaluateValueSet(activeRegistry, vs) : undefined;
}

function isCoding(x: unknown): x is Coding {
  return !!x && typeof x === 'object' && typeof (x as Coding).code === 'string';
}

/**
 * FHIRPath `memberOf(valueset)`, answered from the server's own value sets instead of a remote terminology
 * service: a Coding is a member when its system and code are in the expansion; a CodeableConcept when any of its
 * codings is; a plain code when the value set draws on one code system only and contains the code. Empty when the
 * input is not exactly one item or the value set is unknown (FHIRPath specification).
 */
function memberOf(inputs: unknown[], url: unknown): boolean[] {
  if (inputs.length !== 1 || typeof url !== 'string') return [];
  const index = valueSetIndex(url);
  if (!index) return [];
  const item = inputs[0];
  const has = (c: Coding) => !!c.system && typeof c.code === 'string' && index.index.has(entryKey(c.system, c.code));
  if (typeof item === 'string') {
    const systems = new Set(index.entries.map((e) => e.system));
    if (systems.size !== 1) return [];
    return [index.codes.has(item)];
  }
  if (item && typeof item === 'object' && Array.isArray((item as { coding?: unknown }).coding)) {
    return [((item as { coding: unknown[] }).coding).some((c) => isCoding(c) && has(c))];
  }
  if (isCoding(item)) return [has(item)];
  return [];
}

const USER_FUNCTIONS: Fhirpath.UserInvocationTable = {
  memberOf: { fn: memberOf, arity: { 1: ['String'] } },
  isDistinct: IS_DISTINCT,
};
const R4_FUNCTIONS: Fhirpath.UserInvocationTable = { isDistinct: IS_DISTINCT };

/** The FHIRPath engine, loaded on first use: only $validate needs it (with its parser, several MB of memory). */
function engine(): typeof Fhirpath {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('fhirpath') as typeof Fhirpath;
}

/** Compiles an invariant's FHIRPath expression with the R4 model; throws when the expression does not parse. */
export function compileInvariant(def: InvariantDefinition): CompiledInvariant {
  const path = def.contextPath ? { base: def.contextPath, expression: def.expression } : def.expression;
  const compiled = engine().compile(path, r4Model() as unknown as Fhirpath.Model, { async: false, userInvocationTable: USER_FUNCTIONS });
  return { ...def, evaluate: (node: unknown) => compiled(node) as unknown[] };
}

/**
 * Compiles a FHIRPath expression on an element of type or path `base` (`Period`, `CarePlan.activity`) with the R4
 * model, for FHIR R4's own invariants (r4-invariants.ts): no user functions but a faster isDistinct(), `trace()` silent. The function takes the
 * element and the variables (`resource`, `rootResource`).
 */
export function compileR4Expression(base: string, expression: string): (node: unknown, vars: Record<string, unknown>) => unknown[] {
  const compiled = engine().compile({ base, expression }, r4Model() as unknown as Fhirpath.Model, { async: false, traceFn: () => {}, userInvocationTable: R4_FUNCTIONS });
  return (node, vars) => compiled(node, vars) as unknown[];
}

export type InvariantResult = { ok: true } | { ok: false; error?: string };

/**
 * Runs an invariant on one element (the resource for resource-level invariants). As in the FHIR validators, the
 * invariant holds only when the expression gives `true` (or a non-empty collection that is not `false`); an empty
 * result counts as not holding.
 */
export function runInvariant(invariant: CompiledInvariant, node: unknown, registry: TerminologyRegistry): InvariantResult {
  activeRegistry = registry;
  try {
    const result = invariant.evaluate(node);
    if (result.length === 1 && typeof result[0] === 'boolean') return result[0] ? { ok: true } : { ok: false };
    return result.length > 0 ? { ok: true } : { ok: false };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  } finally {
    activeRegistry = undefined;
  }
}
