import type { ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import type { Bilingual } from '../../errors/issue';
import { parseCanonical } from '../canonical';
import { BoundedMap } from '../bounded-map';
import { compileFilter } from '../compose/filter';
import { assertIncludeShape, composeVersionsMatch, excludesOneVersion } from '../compose/rules';
import { assertLockedDate, versionOnComposeDate, versionOnRequestDate } from '../compose/versions';
import type { CodeSystemProvider } from '../providers/provider';
import type { Tracked } from '../read-tracking';
import type { TerminologyRegistry } from '../registry';
import { assertValueSetShape } from '../resource-shape';
import { checkTimeBudget } from '../time-budget';
import { compareVersionsGeneral } from '../versions';
import type { ValidationContext } from './context';
import type { Predicate } from './include-membership';
import { type Message, msg, txError } from './messages';

/** A problem found while preparing a value set that is reported as a validation result, not as an HTTP error. */
export class PrepareProblem extends Error {
  readonly messageId?: string;
  /** The message in both languages (`message` is its English). */
  readonly text: Bilingual;

  constructor(m: Message, readonly issueCode: 'not-found' | 'invalid', readonly unknownSystem?: string) {
    super(m.text.en);
    this.messageId = m.messageId;
    this.text = m.text;
  }
}

export function vurl(vs: { url?: string; version?: string }): string {
  return vs.version ? `${vs.url}|${vs.version}` : `${vs.url ?? ''}`;
}

/** An include (or exclude) with the provider of the code system it names, as found when the value set was prepared. */
export interface PreparedInclude {
  readonly inc: ValueSetComposeInclude;
  /** The version the compose pins the include's system to: its own, or the one in force on the compose's lockedDate. */
  readonly version: string | undefined;
  /** Undefined when the include names no system, or one this server does not know. */
  readonly provider: CodeSystemProvider | undefined;
  /** The version rules and supplements the provider was found with (ValidationContext.resolutionKey). */
  readonly resolvedWith: string;
  /** The include's filters compiled for the provider. */
  readonly filters: readonly Predicate[] | undefined;
  /** The canonical form a `canonical =` filter asks for (UCUM), to tell a unit of another form which form it has. */
  readonly canonicalForm: string | undefined;
}

/**
 * A value set made ready for checking codes: the value sets its includes and excludes import (prepared the same
 * way), the code system provider of each include and exclude, and the versions its includes name per system.
 */
export class PreparedValueSet {
  /** The imported value sets, by the canonical they were pinned to (`url|version`, or `#id` for a contained one). */
  readonly imports = new Map<string, PreparedValueSet>();
  /** The imported value sets by the reference as the compose gives it, with the resolution key they were pinned under. */
  readonly importsByRef = new Map<string, { prepared: PreparedValueSet; resolvedWith: string }>();
  /** The includes in the order they are checked: of one system, the newer version before the older. */
  readonly includes: PreparedInclude[] = [];
  readonly excludes: PreparedInclude[] = [];
  /** The versions the includes name, per system. */
  readonly includeVersions = new Map<string, Set<string>>();
  /** Codes of different versions of one code system count as the same code (composeVersionsMatch). */
  readonly versionsMatch: boolean;
  /** Some exclude removes codes from one version of its code system only (excludesOneVersion). */
  readonly excludesOneVersion: boolean;

  constructor(readonly valueSet: ValueSet) {
    this.versionsMatch = composeVersionsMatch(valueSet);
    this.excludesOneVersion = excludesOneVersion(valueSet);
  }

  /** The highest version (by text) the includes name for the system. */
  highestIncludeVersion(system: string | undefined): string | undefined {
    let highest: string | undefined;
    for (const v of (system !== undefined && this.includeVersions.get(system)) || []) if (highest === undefined || v > highest) highest = v;
    return highest;
  }
}

/**
 * An include's filters compiled against a provider, kept as long as both live: a filter's predicate depends only on
 * the two (a request's own resources make other providers and includes), and value sets are checked over and over.
 */
const compiledFilterCache = new WeakMap<CodeSystemProvider, WeakMap<ValueSetComposeInclude, Predicate[]>>();

export function compiledFilters(provider: CodeSystemProvider, inc: ValueSetComposeInclude, path = 'ValueSet.compose.include'): Predicate[] {
  let perProvider = compiledFilterCache.get(provider);
  if (!perProvider) {
    perProvider = new WeakMap();
    compiledFilterCache.set(provider, perProvider);
  }
  let compiled = perProvider.get(inc);
  if (!compiled) {
    compiled = (inc.filter ?? []).map((f, j) => {
      if (f.value === undefined || f.value === null || f.value === '') {
        throw txError(400, 'invalid', msg.filterWithoutValue(provider.url, f.property, f.op), {
          txIssueType: 'vs-invalid', expression: [`${path}.filter[${j}]`],
        });
      }
      return compileFilter(provider, f, `${path}.filter[${j}]`);
    });
    perProvider.set(inc, compiled);
  }
  return compiled;
}

/**
 * The version a value set's compose pins a code system or an imported value set to: the reference's own, else the one
 * in force on the compose's lockedDate (compose/versions.ts, the rule `$expand` follows), unless a force- rule of the
 * request decides; a PrepareProblem when none was in force then. The request's version rules are applied after
 * (CodeSystemAccess.versionFor: force-, then this version, then the defaults), and the request's date after them all.
 */
export function composeVersion(ctx: ValidationContext, type: 'CodeSystem' | 'ValueSet', url: string, own: string | undefined,
  from: ValueSet): string | undefined {
  if (own) return own;
  if (ctx.options.rulesFor(url).some((r) => r.mode === 'override')) return undefined;
  const locked = versionOnComposeDate(ctx.registry, type, url, from);
  if (locked === undefined) return versionOnDate(ctx, type, url);
  if ('problem' in locked) throw new PrepareProblem(locked.problem, 'not-found', url);
  return locked.version;
}

/**
 * The version the request's `date` picks of a url no version rule of the request names (versionOnRequestDate, the
 * rule `$expand` follows); a PrepareProblem when none was in force then. Undefined without a date.
 */
export function versionOnDate(ctx: ValidationContext, type: 'CodeSystem' | 'ValueSet', url: string): string | undefined {
  const date = ctx.options.date;
  if (date === undefined || ctx.options.rulesFor(url).length > 0) return undefined;
  const onDate = versionOnRequestDate(ctx.registry, type, url, date);
  if (onDate !== undefined && 'problem' in onDate) throw new PrepareProblem(onDate.problem, 'not-found', url);
  return onDate?.version;
}

/** The canonical an import of `from` resolves to under its compose's lockedDate and the request's version rules. */
export function pinnedReference(ctx: ValidationContext, ref: string, from: ValueSet): string {
  if (ref.startsWith('#')) return ref;
  const { url, version } = parseCanonical(ref);
  const v = ctx.access.versionFor(url, composeVersion(ctx, 'ValueSet', url, version, from));
  return v ? `${url}|${v}` : url;
}

/**
 * A preparation and what it did to the request besides: the value sets whose own parameters it took in (in order,
 * ValidationOptions.seeValueSet) and the providers whose supplements it noted. Every request that takes the kept
 * preparation gets the same done to it.
 */
interface Preparation {
  prepared: PreparedValueSet;
  seen: ValueSet[];
  noted: CodeSystemProvider[];
  /**
   * The imported value sets prepared so far, by value set and resolution key: one imported from several places is
   * prepared once (value sets each importing the next two would otherwise cost 2^depth).
   */
  done: Map<ValueSet, Map<string, PreparedValueSet>>;
}

/**
 * Preparations per registry, per value set and per resolution key (version rules and supplements: empty for most
 * requests; at most MAX_KEYS per value set, as they come from requests), while what preparing read is current
 * (registry.kept: a write to another municipality's catalog leaves them).
 */
const preparations = new WeakMap<TerminologyRegistry, WeakMap<ValueSet, BoundedMap<string, Tracked<Preparation>>>>();
const MAX_KEYS = 16;

/**
 * The value set prepared for this request: what preparing finds out depends on the value set, the catalogs and the
 * request's version rules and supplements, not on the code asked about, and is kept for the next request with the
 * same. Unknown imports are a PrepareProblem; circular imports and filters without a value an HTTP error.
 */
export function prepareValueSet(ctx: ValidationContext, valueSet: ValueSet): PreparedValueSet {
  let perValueSet = preparations.get(ctx.registry);
  if (!perValueSet) preparations.set(ctx.registry, perValueSet = new WeakMap());
  let byKey = perValueSet.get(valueSet);
  if (!byKey) perValueSet.set(valueSet, byKey = new BoundedMap(MAX_KEYS));
  const key = ctx.resolutionKey();
  const previous = byKey.get(key);
  if (previous && ctx.registry.current(previous.reads)) {
    for (const vs of previous.value.seen) ctx.options.seeValueSet(vs);
    for (const provider of previous.value.noted) ctx.noteSupplements(provider);
    return previous.value.prepared;
  }
  const kept = ctx.registry.tracked(() => {
    const preparation: Preparation = { prepared: new PreparedValueSet(valueSet), seen: [], noted: [], done: new Map() };
    prepareInto(ctx, preparation.prepared, preparation);
    return preparation;
  });
  byKey.set(key, kept);
  return kept.value.prepared;
}

/** A value set prepared without keeping it (the implicit value set of one code system, made per request). */
export function prepareOnce(ctx: ValidationContext, valueSet: ValueSet): PreparedValueSet {
  const prepared = new PreparedValueSet(valueSet);
  prepareInto(ctx, prepared, { prepared, seen: [], noted: [], done: new Map() });
  return prepared;
}

function prepareInto(ctx: ValidationContext, prepared: PreparedValueSet, preparation: Preparation): void {
  checkTimeBudget(); // nested imports: each imported value set is prepared once per preparation
  const valueSet = prepared.valueSet;
  assertValueSetShape(valueSet);
  assertLockedDate(valueSet);
  const key = valueSet.url ? vurl(valueSet) : undefined;
  if (key && ctx.stack.includes(key)) {
    throw txError(400, 'processing', msg.circularReference(key, ctx.stack), { txIssueType: 'vs-invalid' });
  }
  if (key) ctx.stack.push(key);
  try {
    ctx.options.seeValueSet(valueSet);
    preparation.seen.push(valueSet);
    const compose = valueSet.compose;
    const includes = compose?.include ?? [];
    const byInclude = new Map<ValueSetComposeInclude, PreparedInclude>();
    includes.forEach((inc, i) => byInclude.set(inc, prepareInclude(ctx, prepared, preparation, inc, `ValueSet.compose.include[${i}]`)));
    (compose?.exclude ?? []).forEach((inc, i) => prepared.excludes.push(prepareInclude(ctx, prepared, preparation, inc, `ValueSet.compose.exclude[${i}]`)));
    for (const inc of newestFirst(includes)) prepared.includes.push(byInclude.get(inc)!);
    for (const inc of includes) {
      if (!inc.system || !inc.version) continue;
      let versions = prepared.includeVersions.get(inc.system);
      if (!versions) prepared.includeVersions.set(inc.system, versions = new Set());
      versions.add(inc.version);
    }
  } finally {
    if (key) ctx.stack.pop();
  }
}

function prepareInclude(ctx: ValidationContext, prepared: PreparedValueSet, preparation: Preparation, inc: ValueSetComposeInclude,
  path: string): PreparedInclude {
  assertIncludeShape(inc, path);
  for (const ref of inc.valueSet ?? []) {
    const resolvedWith = ctx.resolutionKey();
    const key = pinnedReference(ctx, ref, prepared.valueSet);
    let child = prepared.imports.get(key);
    if (!child) {
      const other = findValueSet(ctx, prepared.valueSet, ref);
      if (!other) throw new PrepareProblem(msg.valueSetNotFound(key), 'not-found');
      let done = preparation.done.get(other);
      if (!done) preparation.done.set(other, done = new Map());
      child = done.get(resolvedWith);
      if (!child) {
        // a value set importing one of those being prepared is a circle, found here: it is not done yet
        child = new PreparedValueSet(other);
        prepareInto(ctx, child, preparation);
        done.set(resolvedWith, child);
      }
      prepared.imports.set(key, child);
    }
    prepared.importsByRef.set(ref, { prepared: child, resolvedWith });
  }
  const resolvedWith = ctx.resolutionKey();
  const canonicalForm = inc.filter?.find((f) => f.property === 'canonical' && f.op === '=')?.value;
  const version = inc.system ? composeVersion(ctx, 'CodeSystem', inc.system, inc.version, prepared.valueSet) : undefined;
  const provider = inc.system ? ctx.access.find(inc.system, version) : undefined;
  if (!provider) return { inc, version, provider, resolvedWith, filters: undefined, canonicalForm };
  ctx.noteSupplements(provider);
  preparation.noted.push(provider);
  return { inc, version, provider, resolvedWith, filters: compiledFilters(provider, inc, path), canonicalForm };
}

function findValueSet(ctx: ValidationContext, from: ValueSet, ref: string): ValueSet | undefined {
  if (ref.startsWith('#')) {
    return (from.contained ?? []).find((r) => r.resourceType === 'ValueSet' && r.id === ref.slice(1)) as ValueSet | undefined;
  }
  const { url, version } = parseCanonical(ref);
  return ctx.registry.find('ValueSet', url, ctx.access.versionFor(url, composeVersion(ctx, 'ValueSet', url, version, from)));
}

/** A compose's includes, the newer version of a system before the older. */
function newestFirst(includes: ValueSetComposeInclude[]): ValueSetComposeInclude[] {
  return [...includes].sort((a, b) => (a.system === b.system && a.version && b.version ? -compareVersionsGeneral(a.version, b.version) : 0));
}
