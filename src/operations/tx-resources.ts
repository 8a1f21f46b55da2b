import type { Resource } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { resourceParameterPath, type OperationInput } from '../fhir/parameters';
import { describeTextProblem, textProblems } from '../fhir/primitive-text';
import { validationFailure } from '../municipal/write-rules';
import { assertTerminologyResourceShape } from '../terminology/resource-shape';
import type { TerminologyResource } from '../terminology/resource-set';
import type { OperationContext } from './context';

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'ConceptMap']);

/** The tx-resources whose text was found fit (a $batch-validate-code entry with its own applies the request's again). */
const textChecked = new WeakSet<object>();

/**
 * 400 for text no FHIR value may have (empty, control characters, unpaired surrogates), as a write is refused for it,
 * each place named in the Parameters the resource came in (or in the resource, when it is not found there).
 */
function checkTexts(resource: Resource, parameters: unknown): void {
  if (textChecked.has(resource)) return;
  const problems = textProblems(resource, '');
  if (problems.length > 0) {
    const root = resourceParameterPath(parameters, resource) ?? resource.resourceType;
    throw validationFailure(problems.map(({ path, problem }) => {
      const why = describeTextProblem(problem);
      return {
        severity: 'error', code: 'structure', expression: [`${root}${path}`],
        text: { en: `Not valid FHIR R4: the value ${why.en}`, da: `Ikke gyldig FHIR R4: værdien ${why.da}` },
      };
    }), 400);
  }
  textChecked.add(resource);
}

/**
 * Applies `tx-resource` parameters: resources used for this request only, layered over the stored content, once
 * checked. `parameters`: the Parameters resource they were given in, to say where a problem is.
 */
export function withTxResources(input: OperationInput, ctx: OperationContext, parameters?: unknown): OperationContext {
  const resources = input.all<Resource>('tx-resource');
  if (resources.length === 0) return ctx;
  for (const r of resources) {
    if (!TERMINOLOGY_TYPES.has(r.resourceType)) {
      throw FhirError.invalid(`tx-resource must be a CodeSystem, ValueSet or ConceptMap, not ${r.resourceType}`, {
        da: `tx-resource skal være et CodeSystem, ValueSet eller ConceptMap, ikke ${r.resourceType}`,
      });
    }
    checkTexts(r, parameters);
    assertTerminologyResourceShape(r);
  }
  return { ...ctx, registry: ctx.registry.withOverlay(resources as TerminologyResource[]) };
}

export const TX_RESOURCE_PARAM = { name: 'tx-resource', type: 'Resource', repeats: true } as const;
