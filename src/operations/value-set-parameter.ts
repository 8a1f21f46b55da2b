import type { ValueSet } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import type { OperationInput } from '../fhir/parameters';
import { parseCanonical } from '../terminology/canonical';
import type { OperationContext } from './context';
import { instanceAtVersion, versionAskedOfInstance } from './instance-version';

/** The parameters that name a value set: by canonical (+ version) or inline. */
export interface ValueSetParameterNames {
  url: string;
  valueSet: string;
  version: string;
}

/** How an operation names its value set, and what it says when the value set is not known. */
export interface ValueSetParameter {
  names: ValueSetParameterNames;
  /** Whether the operation may be called on a ValueSet instance instead (named in the error when none is given). */
  instance: boolean;
  /** The version to resolve, from the version asked for (version rules of the request may change it). */
  version?: (url: string, asked: string | undefined) => string | undefined;
  notFound?: (url: string, version: string | undefined) => FhirError;
}

export const VALUE_SET_PARAMETER: ValueSetParameter = {
  names: { url: 'url', valueSet: 'valueSet', version: 'valueSetVersion' },
  instance: true,
};

function defaultNotFound(names: ValueSetParameterNames) {
  return (url: string, version: string | undefined): FhirError => {
    const v = version ? ` version '${excerpt(version)}'` : '';
    return FhirError.notFound(`A definition for the value set '${excerpt(url)}'${v} could not be found`, {
      txIssueType: 'not-found', expression: [names.url], da: `Værdisættet '${excerpt(url)}'${v} kendes ikke`,
    });
  };
}

/** Resolves the value set an operation addresses: the instance, a canonical (+ version) or an inline value set. */
export function resolveValueSet(
  input: OperationInput, ctx: OperationContext, target: ValueSet | undefined, how: ValueSetParameter = VALUE_SET_PARAMETER,
): ValueSet {
  const { names } = how;
  if (target) return instanceAtVersion(ctx.registry, target, versionAskedOfInstance(input, target, names), names.version);
  const inline = input.one<ValueSet>(names.valueSet);
  if (inline) {
    if (inline.resourceType !== 'ValueSet') {
      throw FhirError.invalid(`The ${names.valueSet} parameter must be a ValueSet`, { expression: [names.valueSet], da: `Parameteren ${names.valueSet} skal være et ValueSet` });
    }
    return inline;
  }
  const canonical = input.string(names.url);
  if (!canonical) {
    throw FhirError.invalid(`No value set: give '${names.url}' or '${names.valueSet}'${how.instance ? ', or call the operation on a ValueSet instance' : ''}`, {
      expression: [names.url], da: `Intet værdisæt: giv '${names.url}' eller '${names.valueSet}'${how.instance ? ', eller kald operationen på et bestemt ValueSet' : ''}`,
    });
  }
  const { url, version: inUrl } = parseCanonical(canonical);
  const asked = input.string(names.version) ?? inUrl;
  const version = how.version ? how.version(url, asked) : asked;
  const vs = ctx.registry.find('ValueSet', url, version);
  if (!vs) throw (how.notFound ?? defaultNotFound(names))(url, version);
  return vs;
}
