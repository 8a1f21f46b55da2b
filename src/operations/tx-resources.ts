import type { Resource } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import { assertTerminologyResourceShape } from '../terminology/resource-shape';
import type { TerminologyResource } from '../terminology/resource-set';
import type { OperationContext } from './context';

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'ConceptMap']);

/** Resources found to be of a shape the registry can take: a client cache's, checked when it started, not each time it is used. */
const checked = new WeakSet<Resource>();

/** `tx-resource` parameters checked: CodeSystems, ValueSets and ConceptMaps of a shape the registry can take. */
export function txResourcesOf(input: OperationInput): TerminologyResource[] {
  const resources = input.all<Resource>('tx-resource');
  for (const r of resources) {
    if (checked.has(r)) continue;
    if (!TERMINOLOGY_TYPES.has(r.resourceType)) {
      throw FhirError.invalid(`tx-resource must be a CodeSystem, ValueSet or ConceptMap, not ${r.resourceType}`, {
        da: `tx-resource skal være et CodeSystem, ValueSet eller ConceptMap, ikke ${r.resourceType}`,
      });
    }
    assertTerminologyResourceShape(r);
    checked.add(r);
  }
  return resources as TerminologyResource[];
}

/**
 * Applies `tx-resource` parameters: resources used for this request only, layered over the stored content, once
 * checked (their text as they were parsed, `checkResourceParameters`).
 */
export function withTxResources(input: OperationInput, ctx: OperationContext): OperationContext {
  const resources = txResourcesOf(input);
  if (resources.length === 0) return ctx;
  // a request that brings only its client cache's resources layers the cache's layer, made once (not thousands of resources indexed per request)
  const layer = ctx.clientCache?.caches.layerFor(ctx.clientCache.id, resources);
  return { ...ctx, registry: ctx.registry.withOverlay(layer ?? resources) };
}

/**
 * The input with the resources of the client's cache the request names (`X-Cache-Id`, `$cache-control`) as its first
 * `tx-resource`s, as if the request had sent them (its own, given after them, take precedence), for an operation that
 * takes `tx-resource` (`spec`); an unsealed cache first takes what the call supplies. Any other operation neither
 * uses nor adds to the cache, as it ignores `tx-resource`. 404 `cache-id-unknown` when the server does not hold that
 * cache, whatever the operation.
 */
export function withCachedResources(spec: OperationSpec, input: OperationInput, ctx: OperationContext): OperationInput {
  if (!ctx.clientCache) return input;
  const { caches, id } = ctx.clientCache;
  if (!takesTxResources(spec)) {
    caches.resources(id);
    return input;
  }
  // an unsealed cache takes what the call supplies first, also when the call then fails for its own reason
  if (caches.sealed(id) === false) caches.grow(id, suppliedResources(input.names().flatMap((name) => input.all(name))));
  return input.withAll(TX_RESOURCE_PARAM.name, caches.resources(id));
}

/**
 * The CodeSystems, ValueSets and ConceptMaps with a url, of a shape the registry takes, among what a call supplies:
 * its `tx-resource`s, the resources it gives as parameters (`valueSet`, `codeSystem`, `conceptMap` …) and those in the
 * Parameters it carries (a `$batch-validate-code` validation, a batch entry's body). What an unsealed client cache takes.
 */
export function suppliedResources(values: readonly unknown[]): TerminologyResource[] {
  const found: TerminologyResource[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (!v || typeof v !== 'object' || depth > 8) return;
    const r = v as { resourceType?: unknown; url?: unknown; parameter?: unknown; resource?: unknown; part?: unknown };
    if (typeof r.resourceType === 'string' && TERMINOLOGY_TYPES.has(r.resourceType)) {
      if (typeof r.url !== 'string') return;
      try {
        if (!checked.has(v as Resource)) assertTerminologyResourceShape(v as Resource);
        checked.add(v as Resource);
        found.push(v as TerminologyResource);
      } catch {
        // a malformed resource is not kept; the call that carries it is answered for it
      }
      return;
    }
    const nested = r.resourceType === 'Parameters' ? r.parameter : r.resourceType === undefined ? [r.resource, ...(Array.isArray(r.part) ? r.part : [])] : undefined;
    if (Array.isArray(nested)) for (const n of nested) visit(n, depth + 1);
  };
  for (const v of values) visit(v, 0);
  return found;
}

export const TX_RESOURCE_PARAM = { name: 'tx-resource', type: 'Resource', repeats: true } as const;

/** Whether an operation takes `tx-resource` (and so a client cache's resources). */
export function takesTxResources(spec: OperationSpec): boolean {
  return spec.params.some((p) => p.name === TX_RESOURCE_PARAM.name);
}

/** What `tx-resource` is, in the OperationDefinitions of the operations that take it. */
export const TX_RESOURCE_DOCUMENTATION = "This server's, as the HL7 terminology ecosystem's: a CodeSystem, ValueSet or ConceptMap used for this request " +
  'only, as if the server held it (over one it holds with the same url and version); any other resource type is refused.';

/** What `useSupplement` is, in the OperationDefinitions of the operations that take it. */
export const USE_SUPPLEMENT_DOCUMENTATION = "This server's, as the HL7 terminology ecosystem's: a CodeSystem supplement (url or url|version) whose " +
  'designations and properties are used with the code system it supplements; a supplement the server does not know is an error. ' +
  'Published supplements (and language packs) apply without being asked for.';
