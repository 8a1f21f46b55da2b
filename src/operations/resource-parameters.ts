import type { Resource } from 'fhir/r4';
import { resourceParameterPath, type OperationInput, type OperationSpec } from '../fhir/parameters';
import { textProblemText, textProblems } from '../fhir/primitive-text';
import { validationFailure } from '../municipal/rule-issues';

/** The resources given as parameters whose text was found fit (a $batch-validate-code entry carries the request's again). */
const textChecked = new WeakSet<object>();

function checkTexts(resource: Resource, parameters: unknown): void {
  if (textChecked.has(resource)) return;
  const problems = textProblems(resource, '');
  if (problems.length > 0) {
    const root = resourceParameterPath(parameters, resource) ?? resource.resourceType;
    throw validationFailure(problems.map(({ path, problem }) => ({ severity: 'error', code: 'structure', expression: [`${root}${path}`], text: textProblemText(problem) })), 400);
  }
  textChecked.add(resource);
}

/**
 * 400 `structure` for text no FHIR value may have (empty, control characters, unpaired surrogates) in a resource an
 * operation takes as a parameter and uses (`tx-resource`, an inline `codeSystem`, `valueSet` or `conceptMap` …), as
 * a write of the resource is refused for it; each place named in the Parameters it came in (or in the resource, when
 * it is not found there). The resources an operation examines (`examined`: `$validate`'s) are its findings instead.
 */
export function checkResourceParameters(spec: OperationSpec, input: OperationInput, parameters: unknown): void {
  for (const p of spec.params) {
    if (p.type !== 'Resource' || p.examined) continue;
    for (const resource of input.all<Resource>(p.name)) checkTexts(resource, parameters);
  }
}
