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
  return { ...ctx, registry: ctx.registry.withOverlay(resources) };
}

/**
 * The input with the resources of the client's cache the request names (`X-Cache-Id`, `$cache-control`) as its first
 * `tx-resource`s, as if the request had sent them (its own, given after them, take precedence), for an operation that
 * takes `tx-resource` (`spec`); any other leaves them out, as it ignores `tx-resource`. 404 `cache-id-unknown` when the
 * server does not hold that cache, whatever the operation.
 */
export function withCachedResources(spec: OperationSpec, input: OperationInput, ctx: OperationContext): OperationInput {
  if (!ctx.clientCache) return input;
  const cached = ctx.clientCache.caches.resources(ctx.clientCache.id);
  return spec.params.some((p) => p.name === TX_RESOURCE_PARAM.name) ? input.withAll(TX_RESOURCE_PARAM.name, cached) : input;
}

export const TX_RESOURCE_PARAM = { name: 'tx-resource', type: 'Resource', repeats: true } as const;

/** What `tx-resource` is, in the OperationDefinitions of the operations that take it. */
export const TX_RESOURCE_DOCUMENTATION = "This server's, as the HL7 terminology ecosystem's: a CodeSystem, ValueSet or ConceptMap used for this request " +
  'only, as if the server held it (over one it holds with the same url and version); any other resource type is refused.';

/** What `useSupplement` is, in the OperationDefinitions of the operations that take it. */
export const USE_SUPPLEMENT_DOCUMENTATION = "This server's, as the HL7 terminology ecosystem's: a CodeSystem supplement (url or url|version) whose " +
  'designations and properties are used with the code system it supplements; a supplement the server does not know is an error. ' +
  'Published supplements (and language packs) apply without being asked for.';
