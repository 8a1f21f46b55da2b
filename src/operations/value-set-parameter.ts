import type { ValueSet } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import type { OperationInput } from '../fhir/parameters';
import { parseCanonical } from '../terminology/canonical';
import { versionOnRequestDateOrFail, type RequestDate } from '../terminology/compose/versions';
import type { OperationContext } from './context';
import { instanceAtVersion, versionAsked } from './instance-version';

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
  /** The request's `date`: a canonical without a version (nor one the version rules give) takes the version in force then. */
  date?: RequestDate;
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
  const onDate = (url: string): string | undefined => (how.date === undefined ? undefined : versionOnRequestDateOrFail(ctx.registry, 'ValueSet', url, how.date));
  const inline = input.one<ValueSet>(names.valueSet);
  if (target) {
    // called on an instance, the operation works on it: a value set given as well is a 400, as another url is
    if (inline) {
      throw FhirError.invalid(`'${names.valueSet}' is given, but the operation is called on ValueSet/${target.id}, which it works on: give one of them`, {
        expression: [names.valueSet], da: `'${names.valueSet}' er givet, men operationen er kaldt på ValueSet/${target.id}, som den arbejder på: giv én af dem`,
      });
    }
    // a date, when no version is asked for, picks the version of the instance's url in force then, as for $lookup
    const asked = versionAsked(input, target, names);
    return instanceAtVersion(ctx.registry, target, asked ?? (target.url ? onDate(target.url) : undefined), asked !== undefined ? names.version : 'date');
  }
  if (inline) {
    if (inline.resourceType !== 'ValueSet') {
      throw FhirError.invalid(`The ${names.valueSet} parameter must be a ValueSet`, { expression: [names.valueSet], da: `Parameteren ${names.valueSet} skal være et ValueSet` });
    }
    // the value set given, and a url naming another: which is meant cannot be told
    const named = input.string(names.url);
    if (named !== undefined && parseCanonical(named).url !== inline.url) {
      throw FhirError.invalid(`'${names.url}' is '${excerpt(named)}', but the value set given in '${names.valueSet}' has ${inline.url ? `the url '${excerpt(inline.url)}'` : 'no url'}: give one of them`, {
        expression: [names.url, names.valueSet],
        da: `'${names.url}' er '${excerpt(named)}', men værdisættet i '${names.valueSet}' har ${inline.url ? `url'en '${excerpt(inline.url)}'` : 'ingen url'}: giv én af dem`,
      });
    }
    return inline;
  }
  const canonical = input.string(names.url);
  if (!canonical) {
    throw FhirError.invalid(`No value set: give '${names.url}' or '${names.valueSet}'${how.instance ? ', or call the operation on a ValueSet instance' : ''}`, {
      expression: [names.url], da: `Intet værdisæt: giv '${names.url}' eller '${names.valueSet}'${how.instance ? ', eller kald operationen på et bestemt ValueSet' : ''}`,
    });
  }
  const { url } = parseCanonical(canonical);
  const asked = versionAsked(input, undefined, names);
  const named = how.version ? how.version(url, asked) : asked;
  const version = named ?? onDate(url);
  const vs = ctx.registry.find('ValueSet', url, version);
  if (!vs) throw (how.notFound ?? defaultNotFound(names))(url, version);
  return vs;
}

/** What `date` means to $expand and the $validate-codes (after R4's text of it). */
export const DATE_DOCUMENTATION = 'a value set named by url without a version, a code system an include does not pin and a value set an ' +
  "import does not pin take the version in force on that date, by $lookup's rule (its stated date, else when it was first written to " +
  'this server; drafts never); a version named by the request or the value set (force-system-version, the include\'s own, the ' +
  "lockedDate, system-version, check-system-version, default-valueset-version, valueSetVersion) comes first. At instance level, a " +
  "date without a version asked for picks the version of the instance's url in force then, as for $lookup. None in force yet: 404 " +
  '(a code system for $validate-code: result false).';

/** The request's `date` with what the server knows of when written versions came into use, as `$lookup` reads it. */
export function requestDate(input: OperationInput, ctx: OperationContext): RequestDate | undefined {
  const date = input.string('date');
  return date === undefined ? undefined : { date, written: ctx.written };
}
