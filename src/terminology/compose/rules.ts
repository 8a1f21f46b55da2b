import type { ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import type { Bilingual } from '../../errors/issue';
import { canonical } from '../canonical';
import type { CodeSystemProvider } from '../providers/provider';
import { composeExpansionParameter } from '../valueset-extensions';

/** A value set's canonical (url|version), or its local reference when it has no url. */
export function vurl(vs: ValueSet): string {
  return canonical(vs.url ?? `#${vs.id ?? ''}`, vs.version);
}

/** Whether two value sets are the same one: the same object, or the same url and version (a cycle of imports). */
export function sameValueSet(a: ValueSet, b: ValueSet): boolean {
  return a === b || (!!a.url && a.url === b.url && a.version === b.version);
}

/** Whether the compose names one code system in more than one version (then codes carry their version). */
export function namesSeveralVersions(includes: ValueSetComposeInclude[]): boolean {
  const seen = new Map<string, string | undefined>();
  for (const inc of includes) {
    if (!inc.system) continue;
    if (seen.has(inc.system) && seen.get(inc.system) !== inc.version) return true;
    seen.set(inc.system, inc.version);
  }
  return false;
}

/**
 * Excluding one version of a code system from another version of it (and nothing else) compares codes
 * across the versions: the exclusion removes the codes the versions share.
 */
export function excludesAnotherVersion(vs: ValueSet): boolean {
  const includes = vs.compose?.include ?? [];
  const excludes = vs.compose?.exclude ?? [];
  if (includes.length === 0 || excludes.length === 0) return false;
  const system = includes[0]!.system;
  const all = [...includes, ...excludes];
  if (!system || !all.every((i) => i.system === system && i.version && !i.valueSet && !i.concept && !i.filter)) return false;
  return !includes.some((i) => excludes.some((e) => e.version === i.version));
}

/**
 * Whether codes of different versions of one code system count as the same code in this compose: as its
 * `versionsMatch` expansion parameter says, else when it excludes one version of a code system from another
 * (excludesAnotherVersion). The rule of `$expand` and `$validate-code`.
 */
export function composeVersionsMatch(vs: ValueSet): boolean {
  const declared = composeExpansionParameter(vs, 'versionsMatch');
  return declared !== undefined ? declared === 'true' : excludesAnotherVersion(vs);
}

/**
 * The version of its code system whose codes an exclude removes, `resolved` being the version the exclude was
 * evaluated at: that version when the exclude names one (`include U|1.0.0` with `exclude U|2.0.0 A1` keeps 1.0.0's
 * A1); undefined, every version, when it names none (it removes A1 whatever version an include took it from), when it
 * only imports value sets (their codes are matched by system and code, as an include's imports are) or when versions
 * match (composeVersionsMatch). The rule of `$expand` and `$validate-code`, with exclusionRemoves.
 */
export function exclusionVersion(exclude: ValueSetComposeInclude, resolved: string | undefined, versionsMatch: boolean): string | undefined {
  return exclude.system && exclude.version !== undefined && !versionsMatch ? resolved : undefined;
}

/** Whether excludes that select a code, removing it from these versions (exclusionVersion), remove it as an include took it from `version`. */
export function exclusionRemoves(removedFrom: readonly (string | undefined)[], version: string | undefined): boolean {
  return removedFrom.some((v) => v === undefined || v === version);
}

/** Whether some exclude of the compose removes codes from one version only (exclusionVersion). */
export function excludesOneVersion(vs: ValueSet): boolean {
  return !composeVersionsMatch(vs) && (vs.compose?.exclude ?? []).some((e) => exclusionVersion(e, e.version, false) !== undefined);
}

/** Code systems whose content cannot be enumerated stop the expansion. */
export function checkContent(provider: CodeSystemProvider): void {
  const content = provider.resource.content;
  if (content === 'not-present') {
    throw new FhirError(422, 'business-rule', `The code system definition for ${provider.url} has no content, so this expansion cannot be performed`, {
      txIssueType: 'vs-invalid', da: `Kodesystemet ${provider.url} har intet indhold på serveren, så værdisættet kan ikke udfoldes`,
    });
  }
  if (content === 'supplement') {
    throw new FhirError(422, 'business-rule', `The code system definition for ${provider.url} defines a supplement, so this expansion cannot be performed`, {
      txIssueType: 'vs-invalid', da: `Kodesystemet ${provider.url} er et supplement, så værdisættet kan ikke udfoldes`,
    });
  }
}

/**
 * What breaks FHIR's invariants of a compose include or exclude, if anything: vsd-1 (a value set or a system), vsd-2
 * (concepts or filters need a system), vsd-3 (concepts or filters, not both). Such a value set defines no codes.
 */
export function includeShapeProblem(include: ValueSetComposeInclude, path: string): Bilingual | undefined {
  const concepts = (include.concept?.length ?? 0) > 0;
  const filters = (include.filter?.length ?? 0) > 0;
  if (!include.system && (concepts || filters)) {
    return { en: `${path} lists concepts or filters but names no system`, da: `${path} har begreber eller filtre, men intet kodesystem (system)` };
  }
  if (!include.system && !include.valueSet?.length) {
    return { en: `${path} names neither a system nor a value set`, da: `${path} angiver hverken et kodesystem eller et værdisæt` };
  }
  if (concepts && filters) {
    return { en: `${path} has both concepts and filters; FHIR allows one or the other (vsd-3)`, da: `${path} har både begreber og filtre; FHIR tillader kun det ene (vsd-3)` };
  }
  return undefined;
}

/** The includes and excludes of a value set's compose checked against FHIR's invariants: a 400 naming the first that breaks them. */
export function assertIncludeShape(include: ValueSetComposeInclude, path: string): void {
  const problem = includeShapeProblem(include, path);
  if (problem) throw FhirError.invalid(problem.en, { txIssueType: 'vs-invalid', expression: [path], da: problem.da });
}
