import type { CodeSystem, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { type Message, msg, txError } from '../validation/messages';
import { datedVersions, isFhirDate, versionInForce, versionOnLockedDate, type WrittenTimes } from '../in-force';
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
  /** The request's `date`: the version in force then, where nothing else names one (versionOnRequestDate). */
  date?: RequestDate;
}

/** A request's `date` ($expand, $validate-code) and what the server knows of when written versions came into use. */
export interface RequestDate {
  date: string;
  written?: WrittenTimes;
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

/** What a compose's lockedDate pins a reference without a version to: a version, or why none. */
export type LockedVersion = { version: string | undefined } | { problem: Message };

/** A code system's versions, not its supplements'; every version of a value set. */
const notSupplement = (r: CodeSystem | ValueSet): boolean => r.resourceType !== 'CodeSystem' || r.content !== 'supplement';

/**
 * The version a value set's `compose.lockedDate` pins a code system (of an include) or a value set (of an import)
 * to when the compose names none: the version in force on that date (in-force.ts, versionOnLockedDate), or the
 * problem that none was. Undefined when the compose has no lockedDate, or when the url has no version at all. The one
 * rule of `$expand` and `$validate-code`.
 */
export function versionOnComposeDate(
  registry: TerminologyRegistry, type: 'CodeSystem' | 'ValueSet', url: string, vs: ValueSet,
): LockedVersion | undefined {
  const lockedDate = vs.compose?.lockedDate;
  if (lockedDate === undefined) return undefined;
  const inForce = versionOnLockedDate(registry, type, url, lockedDate, notSupplement);
  if (inForce) return { version: inForce.version };
  const known = datedVersions(registry, type, url, notSupplement);
  // nothing of that url at all: it is reported as unknown where it is used, as without a lockedDate
  if (known.length === 0) return undefined;
  return { problem: msg.notInForceOnLockedDate(type, url, vs, lockedDate, known) };
}

/**
 * The version a request's `date` picks of a code system or value set that nothing else pins (no version of its own,
 * no lockedDate, no version parameter of the request for it): the version in force on that date, by `$lookup`'s and
 * `$translate`'s rule (in-force.ts, versionInForce: its stated date, else when it was first written here), or the
 * problem that none was in force yet. Undefined when the url has no version at all (it is reported as unknown where it
 * is used). The one rule of `$expand` and `$validate-code`.
 */
export function versionOnRequestDate(
  registry: TerminologyRegistry, type: 'CodeSystem' | 'ValueSet', url: string, on: RequestDate,
): LockedVersion | undefined {
  const inForce = versionInForce(registry, type, url, on.date, on.written, notSupplement);
  if (inForce) return { version: inForce.version };
  const known = datedVersions(registry, type, url, notSupplement);
  if (known.length === 0) return undefined;
  return { problem: msg.notInForceOnDate(type, url, on.date, known) };
}

/** The version a request's `date` picks (versionOnRequestDate); a 404 at `date` when none was in force then. */
export function versionOnRequestDateOrFail(
  registry: TerminologyRegistry, type: 'CodeSystem' | 'ValueSet', url: string, on: RequestDate,
): string | undefined {
  const found = versionOnRequestDate(registry, type, url, on);
  if (found !== undefined && 'problem' in found) throw txError(404, 'not-found', found.problem, { txIssueType: 'not-found', expression: ['date'] });
  return found?.version;
}

/** A compose's lockedDate must be an R4 date: a 400 naming it otherwise. */
export function assertLockedDate(vs: ValueSet): void {
  const lockedDate = vs.compose?.lockedDate;
  if (lockedDate === undefined || isFhirDate(lockedDate)) return;
  throw txError(400, 'invalid', msg.lockedDateNotDate(vs, lockedDate), { txIssueType: 'vs-invalid', expression: ['ValueSet.compose.lockedDate'] });
}

/**
 * Chooses the code system version for one compose include: force-system-version wins, then the include's own
 * version, then the version in force on the compose's lockedDate (a 404 when none was), then system-version /
 * check-system-version as defaults, then the version in force on the request's date (a 404 when none was); a
 * check-system-version is enforced last.
 */
export function resolveIncludeProvider(
  registry: TerminologyRegistry,
  vs: ValueSet,
  include: ValueSetComposeInclude,
  rules: SystemVersionRules,
  supplements: readonly string[],
  applied: (rule: AppliedVersionRule) => void,
): CodeSystemProvider {
  const system = include.system!;
  const forced = rules.forceSystemVersions?.get(system);
  const check = rules.checkSystemVersions?.get(system);
  const locked = forced === undefined && include.version === undefined ? versionOnComposeDate(registry, 'CodeSystem', system, vs) : undefined;
  let version: string | undefined;
  if (forced !== undefined) {
    version = forced;
    applied({ name: 'force-system-version', value: canonical(system, forced) });
  } else if (include.version !== undefined) {
    version = include.version;
  } else if (locked !== undefined) {
    if ('problem' in locked) throw txError(404, 'not-found', locked.problem, { txIssueType: 'not-found' });
    version = locked.version;
  } else if (rules.systemVersions?.has(system)) {
    version = rules.systemVersions.get(system);
    applied({ name: 'system-version', value: canonical(system, version) });
  } else if (check !== undefined) {
    version = check;
    applied({ name: 'check-system-version', value: canonical(system, check) });
  } else if (rules.date !== undefined) {
    version = versionOnRequestDateOrFail(registry, 'CodeSystem', system, rules.date);
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
