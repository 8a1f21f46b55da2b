import type { ValueSetComposeIncludeFilter } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { msg, txError } from '../validation/messages';
import { ancestorsOf, type CodeSystemProvider, type Concept } from '../providers/provider';
import { SafeRegex } from '../safe-regex';
import { valueField } from '../../fhir/choice-value';

const OP_EXTENSION = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op';

/** The filter operator, including R5 operators carried in R4 as an extension on `_op`. */
export function filterOp(filter: ValueSetComposeIncludeFilter): string {
  const ext = (filter as { _op?: { extension?: { url: string; valueCode?: string }[] } })._op?.extension;
  const r5 = ext?.find((e) => e.url === OP_EXTENSION)?.valueCode;
  return r5 ?? filter.op;
}

function propertyStrings(provider: CodeSystemProvider, concept: Concept, property: string): string[] {
  switch (property) {
    case 'code':
    case 'concept': return [concept.code];
    case 'display': return concept.display ? [concept.display] : [];
    case 'definition': return concept.definition ? [concept.definition] : [];
    case 'status': return [provider.status(concept)];
    case 'inactive':
      if (provider.propertyValues(concept, property).length === 0) return [String(provider.isInactive(concept))];
      break;
    case 'parent': return concept.parents.map((p) => p.code);
    case 'child': return concept.children.map((c) => c.code);
    default: break;
  }
  return provider.propertyValues(concept, property).map((p) => {
    const rec = p as unknown as Record<string, unknown>;
    const field = valueField(rec);
    const v = field ? rec[field] : undefined;
    if (v && typeof v === 'object' && 'code' in (v as object)) return String((v as { code: unknown }).code);
    return String(v);
  });
}

/** Properties every concept has, or that FHIR defines for every code system, whether the code system declares them or not. */
const INHERENT_PROPERTIES = new Set(['display', 'definition', 'status', 'inactive', 'deprecated', 'notSelectable', 'parent', 'child']);

/**
 * Whether a filter's property means something for the code system: one it (or a supplement) declares, or an inherent
 * one. Any other filter would silently select nothing (or, with `not-in` or `exists=false`, everything), so it is
 * refused as tx.fhir.org refuses it.
 */
function understoodProperty(provider: CodeSystemProvider, property: string): boolean {
  return INHERENT_PROPERTIES.has(property) || provider.propertyDefinitions.some((d) => d.code === property);
}

/** How many concepts a hierarchy filter asks about by walking up from each before it lists the target's subtree once. */
const WALKS_BEFORE_SUBTREE = 64;

/**
 * Whether a concept is the target or below it. A few questions (a `$validate-code`) walk up from the concept; many
 * (an `$expand` going through the code system) are answered from the target's subtree, listed once: walking up from
 * every concept of a deep hierarchy costs its size times its depth.
 */
function subsumedBy(provider: CodeSystemProvider, target: Concept): (c: Concept) => boolean {
  let subtree: Set<string> | undefined;
  let walks = 0;
  return (c) => {
    if (subtree) return subtree.has(c.code);
    if (++walks <= WALKS_BEFORE_SUBTREE) return provider.subsumes(target, c);
    subtree = new Set([target.code]);
    for (const d of provider.descendants(target)) subtree.add(d.code);
    return subtree.has(c.code);
  };
}

/** Whether a concept is the target or one of its ancestors, which are listed once. */
function aboveOrAt(target: Concept): (c: Concept) => boolean {
  let above: Set<string> | undefined;
  return (c) => {
    if (!above) {
      above = new Set([target.code]);
      for (const p of ancestorsOf(target)) above.add(p.code);
    }
    return above.has(c.code);
  };
}

/**
 * `=`, `in` and `not-in` on the code of a code system that is not case sensitive (CodeSystem.caseSensitive): a value
 * differing only in case names the same concept, found as the provider locates a code. A case-sensitive system
 * compares the codes as they are written.
 */
function sameConcepts(provider: CodeSystemProvider, op: '=' | 'in' | 'not-in', value: string): (c: Concept) => boolean {
  const codes = new Set<string>();
  for (const v of op === '=' ? [value] : value.split(',').map((x) => x.trim())) {
    const concept = provider.locate(v);
    if (concept) codes.add(concept.code);
  }
  return op === 'not-in' ? (c) => !codes.has(c.code) : (c) => codes.has(c.code);
}

/**
 * Compiles one compose filter into a predicate over concepts of the provider. `path` locates the filter in the
 * value set (e.g. `ValueSet.compose.include[0].filter[1]`) for error reports.
 */
export function compileFilter(
  provider: CodeSystemProvider, filter: ValueSetComposeIncludeFilter, path = 'ValueSet.compose.include.filter',
): (c: Concept) => boolean {
  const op = filterOp(filter);
  const { property, value } = filter;
  if (value === undefined || value === null || value === '') {
    const hasValueElement = (filter as { _value?: unknown })._value !== undefined;
    const where = hasValueElement ? `${path}.value` : path;
    throw txError(400, 'invalid', msg.filterWithoutValue(provider.url, property, op), { txIssueType: 'vs-invalid', expression: [where] });
  }
  const hierarchical = property === 'concept' || property === 'code';
  if (hierarchical && ['is-a', 'descendent-of', 'is-not-a', 'generalizes', 'child-of', 'descendent-leaf'].includes(op)) {
    const target = provider.locate(value);
    // a code the system does not have: no concept is it, below it or above it, so every concept is "not a" it
    if (!target) return op === 'is-not-a' ? () => true : () => false;
    const below = subsumedBy(provider, target);
    switch (op) {
      case 'is-a': return below;
      case 'descendent-of': return (c) => c.code !== target.code && below(c);
      case 'is-not-a': return (c) => !below(c);
      case 'generalizes': return aboveOrAt(target);
      case 'child-of': return (c) => c.parents.includes(target);
      case 'descendent-leaf': return (c) => c.code !== target.code && c.children.length === 0 && below(c);
    }
  }
  if (!hierarchical && !understoodProperty(provider, property)) {
    throw txError(400, 'not-supported', msg.filterNotUnderstood(provider.url, property, op, value), { txIssueType: 'vs-invalid', expression: [`${path}.property`] });
  }
  if (hierarchical && !provider.caseSensitive && (op === '=' || op === 'in' || op === 'not-in')) return sameConcepts(provider, op, value);
  switch (op) {
    case '=':
      if (hierarchical) return (c) => c.code === value;
      return (c) => propertyStrings(provider, c, property).includes(value);
    case 'in': {
      const set = new Set(value.split(',').map((v) => v.trim()));
      return (c) => propertyStrings(provider, c, property).some((v) => set.has(v));
    }
    case 'not-in': {
      const set = new Set(value.split(',').map((v) => v.trim()));
      return (c) => !propertyStrings(provider, c, property).some((v) => set.has(v));
    }
    case 'regex': {
      const re = SafeRegex.compile(value, [`${path}.value`]);
      return (c) => propertyStrings(provider, c, property).some((v) => re.matchesWhole(v));
    }
    case 'exists': {
      // FHIR: "true" or "false", nothing else (a value read as false would silently select the concepts without it)
      if (value !== 'true' && value !== 'false') {
        throw txError(400, 'invalid', msg.filterNotBoolean(property, value), { txIssueType: 'vs-invalid', expression: [`${path}.value`] });
      }
      const want = value === 'true';
      return (c) => (propertyStrings(provider, c, property).length > 0) === want;
    }
    default:
      throw new FhirError(400, 'not-supported', `The filter operator '${op}' is not supported for property '${property}'`, {
        txIssueType: 'vs-invalid', da: `Filteroperatoren '${op}' understøttes ikke for egenskaben '${property}'`,
      });
  }
}

/**
 * Why a filter cannot be evaluated against the code system — the error `$expand` and `$validate-code` give for it
 * (compileFilter: no value, a property or operator the code system does not have, a regular expression that is not
 * valid or too costly, `exists` with a value that is not a boolean) — or undefined when it can.
 */
export function filterProblem(provider: CodeSystemProvider, filter: ValueSetComposeIncludeFilter, path: string): FhirError | undefined {
  try {
    compileFilter(provider, filter, path);
    return undefined;
  } catch (e) {
    if (e instanceof FhirError && e.status < 500) return e;
    throw e;
  }
}
