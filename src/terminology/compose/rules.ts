import type { ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { canonical } from '../canonical';
import type { CodeSystemProvider } from '../providers/provider';

/** A value set's canonical (url|version), or its local reference when it has no url. */
export function vurl(vs: ValueSet): string {
  return canonical(vs.url ?? `#${vs.id ?? ''}`, vs.version);
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
