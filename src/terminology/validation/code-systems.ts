import type { CodeSystem } from 'fhir/r4';
import { compareVersions } from '../canonical';
import type { CodeSystemProvider } from '../providers/provider';
import type { Tracked } from '../read-tracking';
import type { TerminologyRegistry } from '../registry';
import { assertCodeSystemShape } from '../resource-shape';
import { versionMatches } from '../versions';
import type { IssueCollector } from '../issue-collector';
import { msg } from './messages';
import type { ValidationOptions } from './options';
import { BoundedMap } from '../bounded-map';

/** Content modes whose concepts can be checked: complete, or incomplete (fragment, example). */
const CHECKABLE = new Set(['complete', 'fragment', 'example', undefined]);
const checkable = (c: CodeSystem): boolean => CHECKABLE.has(c.content);

function addToPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/**
 * The checkable code system each url and version resolved to, per registry, while what resolving it read is current
 * (registry.kept): a value set's includes are resolved on every request. At most MAX_RESOLVED (emptied when full), as
 * the urls and versions come from requests.
 */
const resolved = new WeakMap<TerminologyRegistry, BoundedMap<string, Tracked<CodeSystem | null>>>();
const MAX_RESOLVED = 10_000;

/**
 * How validation finds code systems: by url and (possibly wildcard) version, with the request's version rules
 * (system-version, force-system-version, check-system-version) and supplements applied.
 */
export class CodeSystemAccess {
  constructor(
    private readonly registry: TerminologyRegistry,
    private readonly options: ValidationOptions,
    /** Supplements asked for by the request or the value set. */
    private readonly supplements: () => readonly string[],
  ) {}

  /** The version to use for a system once force-, default- and check- rules have been applied. */
  versionFor(url: string, version: string | undefined): string | undefined {
    const rules = this.options.rulesFor(url);
    if (rules.length === 0) return version || undefined;
    let result = version || undefined;
    const override = rules.find((r) => r.mode === 'override');
    if (override) result = override.version;
    if (!result) result = rules.find((r) => r.mode === 'default')?.version;
    if (!result) result = rules.find((r) => r.mode === 'check')?.version;
    return result;
  }

  /** With a version asked for, the versions later writes replaced are candidates too (src/store/past-version.ts). */
  private candidates(url: string, kinds: (c: CodeSystem) => boolean, withPast = false): CodeSystem[] {
    return this.registry.versions('CodeSystem', url, withPast).filter(kinds).sort((a, b) => compareVersions(a.version, b.version));
  }

  /** Unversioned: the registry's one rule (the latest active version); else the exact version, or the latest it matches. */
  private pick(url: string, version: string | undefined): CodeSystem | undefined {
    if (!version) return this.registry.latest('CodeSystem', url, checkable);
    const list = this.candidates(url, checkable, true);
    const exact = list.filter((c) => c.version === version);
    if (exact.length > 0) return exact[exact.length - 1];
    const matching = list.filter((c) => versionMatches(version, c.version));
    return matching[matching.length - 1];
  }

  /** The code system resource for url and version (rules applied unless `applyRules` is false). */
  findResource(url: string, version?: string, applyRules = true): CodeSystem | undefined {
    const v = applyRules ? this.versionFor(url, version) : version || undefined;
    let known = resolved.get(this.registry);
    if (!known) resolved.set(this.registry, known = new BoundedMap(MAX_RESOLVED));
    const key = v === undefined ? url : `${url}\u0000${v}`;
    const previous = known.get(key);
    const kept = this.registry.kept(previous, () => this.pick(url, v) ?? null);
    if (kept !== previous) known.set(key, kept);
    return kept.value ?? undefined;
  }

  /** A provider for url and version, supplements applied; undefined when no such code system (version) is known. */
  find(url: string | undefined, version?: string, applyRules = true): CodeSystemProvider | undefined {
    if (!url) return undefined;
    const cs = this.findResource(url, version, applyRules);
    if (!cs) return undefined;
    assertCodeSystemShape(cs);
    return this.registry.provider(cs, this.supplements());
  }

  /** A supplement with this url (used to explain that a supplement is not a code system). */
  findSupplement(url: string, version?: string): CodeSystem | undefined {
    return this.registry.findSupplement(url, version || undefined);
  }

  /** Known versions of a code system, for messages. */
  listVersions(url: string): string[] {
    const versions = this.candidates(url, (c) => c.content !== 'supplement', true).map((c) => c.version).filter((v): v is string => !!v);
    return [...new Set(versions)].sort();
  }

  /** check-system-version: reports a code system version the request does not allow. */
  checkVersion(url: string, version: string | undefined, issues: IssueCollector, path: string): void {
    for (const rule of this.options.rulesFor(url)) {
      if (rule.mode !== 'check' || versionMatches(rule.version, version)) continue;
      const m = msg.versionCheck(url, version ?? '', rule.version);
      issues.add({
        severity: 'error', code: 'exception', txIssueType: 'version-error', ...m, expression: [addToPath(path, 'version')],
      });
    }
  }
}

export { addToPath };
