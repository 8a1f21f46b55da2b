import type { ValueSetComposeInclude } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { msg, txError } from '../validation/messages';
import { canonical, compareVersions } from '../canonical';
import { versionMatches } from '../versions';
import type { CodeSystemProvider } from '../providers/provider';
import type { TerminologyRegistry } from '../registry';
import { assertCodeSystemShape } from '../resource-shape';
import { supplementAsSystemError } from '../supplement-problems';

/** Version rules a request gives for code systems (the $expand / $validate-code version parameters). */
export interface SystemVersionRules {
  /** Versions for code systems a compose does not pin (system-version). */
  systemVersions?: Map<string, string>;
  /** Versions that override what the compose says (force-system-version). */
  forceSystemVersions?: Map<string, string>;
  /** Versions a code system must have (check-system-version); also the default for unpinned includes. */
  checkSystemVersions?: Map<string, string>;
}

/** A version parameter that took effect, echoed in the expansion parameters. */
export interface AppliedVersionRule {
  name: 'system-version' | 'force-system-version' | 'check-system-version';
  value: string;
}

function matches(pattern: string, version: string | undefined): boolean {
  return version === pattern || versionMatches(pattern, version);
}

function listVersions(versions: string[], or = 'or'): string {
  if (versions.length <= 1) return versions.join('');
  return `${versions.slice(0, -1).join(', ')} ${or} ${versions[versions.length - 1]}`;
}

/**
 * Chooses the code system version for one compose include: force-system-version wins, then the include's own
 * version, then system-version / check-system-version as defaults; a check-system-version is enforced last.
 */
export function resolveIncludeProvider(
  registry: TerminologyRegistry,
  include: ValueSetComposeInclude,
  rules: SystemVersionRules,
  supplements: readonly string[],
  applied: (rule: AppliedVersionRule) => void,
): CodeSystemProvider {
  const system = include.system!;
  const forced = rules.forceSystemVersions?.get(system);
  const check = rules.checkSystemVersions?.get(system);
  let version: string | undefined;
  if (forced !== undefined) {
    version = forced;
    applied({ name: 'force-system-version', value: canonical(system, forced) });
  } else if (include.version !== undefined) {
    version = include.version;
  } else if (rules.systemVersions?.has(system)) {
    version = rules.systemVersions.get(system);
    applied({ name: 'system-version', value: canonical(system, version) });
  } else if (check !== undefined) {
    version = check;
    applied({ name: 'check-system-version', value: canonical(system, check) });
  }
  const definition = registry.findCodeSystem(system, version);
  if (definition) {
    assertCodeSystemShape(definition);
    for (const s of registry.supplementsFor(definition, supplements)) assertCodeSystemShape(s);
  }
  const provider = registry.codeSystemProvider(system, version, supplements);
  if (!provider) {
    const supplement = supplementAsSystemError(registry, system, version);
    if (supplement) throw supplement;
    const known = registry.versions('CodeSystem', system, true)
      .filter((cs) => cs.content !== 'supplement')
      .map((cs) => cs.version)
      .filter((v): v is string => !!v)
      .sort(compareVersions);
    const text = version !== undefined
      ? `A definition for CodeSystem '${system}' version '${version}' could not be found, so the value set cannot be expanded`
        + (known.length > 0 ? `. Valid versions: ${listVersions(known)}` : '')
      : `A definition for CodeSystem '${system}' could not be found, so the value set cannot be expanded`;
    const da = `Kodesystemet '${system}'${version !== undefined ? ` version '${version}'` : ''} kendes ikke, så værdisættet kan ikke udfoldes` +
      (version !== undefined && known.length > 0 ? `. Kendte versioner: ${listVersions(known, 'eller')}` : '');
    throw new FhirError(404, 'not-found', text, {
      txIssueType: 'not-found', messageId: version !== undefined ? 'UNKNOWN_CODESYSTEM_VERSION_EXP' : 'UNKNOWN_CODESYSTEM_EXP', da,
    });
  }
  if (check !== undefined && !matches(check, provider.version)) {
    throw txError(400, 'exception', msg.versionCheck(system, provider.version ?? '', check), { txIssueType: 'version-error' });
  }
  return provider;
}
