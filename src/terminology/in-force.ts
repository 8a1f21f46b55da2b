import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { endOfDate } from '../fhir/date-time';
import { compareVersions } from './canonical';
import type { TerminologyRegistry } from './registry';
import type { TerminologyResource, TerminologyType } from './resource-set';

type ByType = { CodeSystem: CodeSystem; ValueSet: ValueSet; ConceptMap: ConceptMap };

/** When a version came into use: its stated `date`, else when it was first written; undefined when neither is known. */
export function effectiveFrom(resource: TerminologyResource, firstWritten?: string): number | undefined {
  const stated = typeof resource.date === 'string' ? Date.parse(resource.date) : NaN;
  if (!Number.isNaN(stated)) return stated;
  const written = firstWritten ? Date.parse(firstWritten) : NaN;
  return Number.isNaN(written) ? undefined : written;
}

/**
 * What this server knows of when written versions were in use (src/store/past-version.ts): when each was first written
 * (the start of a version that states no date) and when the delete of its resource ended it.
 */
export interface WrittenTimes {
  firstWritten?(resource: TerminologyResource): string | undefined;
  deletedAt?(resource: TerminologyResource): string | undefined;
  /** The urls of a type that had a version whose resource was deleted: maps and catalogs in use then, gone now. */
  deletedUrls?(type: TerminologyType): readonly string[];
  /** Whether a resource written under this id was deleted (it may have been written again since). */
  wasDeleted?(type: TerminologyType, id: string): boolean;
}

/**
 * The version of a canonical in force on a date: of the versions that are not drafts, the one that came into use
 * last on or before the date (the end of the day, month or year given), a version replacing the one before it from
 * its own start. A version with neither a date nor a write time (a published resource without `date`) counts as in
 * use from the start; of versions starting together, the highest version. A version whose resource was deleted by the end
 * of the date is not in force (another version of the url may be, as after any version). Undefined when none was in use.
 */
export function versionInForce<T extends TerminologyType>(
  registry: TerminologyRegistry, type: T, url: string, date: string, written: WrittenTimes | undefined,
  accept: (r: ByType[T]) => boolean = () => true,
): ByType[T] | undefined {
  const end = endOfDate(date);
  if (end === undefined) return undefined;
  let best: { resource: ByType[T]; from: number } | undefined;
  for (const r of registry.versions(type, url, true)) {
    if (r.status === 'draft' || !accept(r)) continue;
    const from = effectiveFrom(r, written?.firstWritten?.(r)) ?? Number.NEGATIVE_INFINITY;
    if (from >= end) continue;
    const deleted = written?.deletedAt?.(r);
    if (deleted !== undefined && Date.parse(deleted) < end) continue; // deleted by the end of the date
    if (!best || from > best.from || (from === best.from && compareVersions(r.version, best.resource.version) > 0)) best = { resource: r, from };
  }
  return best?.resource;
}

/** R4's `date`: a year, a month or a day (no time), a day that exists. */
export function isFhirDate(text: string): boolean {
  return /^\d{4}(-\d{2}(-\d{2})?)?$/.test(text) && endOfDate(text) !== undefined;
}

/**
 * The version a compose's reference without a version of its own (an include's system, a `valueSet` import) takes
 * from the compose's `lockedDate` (R4: "the effective date that is used to determine the version of all referenced
 * Code Systems and Value Set Definitions included in the compose that are not already tied to a specific version"):
 * of the versions `accept` takes, the one in force on that date by `versionInForce`, a version coming into use at its
 * stated `date` alone; one without a `date` counts as in use from the start. The time a version was first written to
 * this server (which `$translate`'s `date` falls back to) is not used: a value set's definition means the same on
 * every server. Undefined when no version was in force yet.
 */
export function versionOnLockedDate<T extends TerminologyType>(
  registry: TerminologyRegistry, type: T, url: string, lockedDate: string, accept: (r: ByType[T]) => boolean = () => true,
): ByType[T] | undefined {
  return versionInForce(registry, type, url, lockedDate, undefined, accept);
}

/** The versions of a canonical with their stated dates, for a message saying none was in force on a locked date. */
export function datedVersions<T extends TerminologyType>(
  registry: TerminologyRegistry, type: T, url: string, accept: (r: ByType[T]) => boolean = () => true,
): string[] {
  return registry.versions(type, url, true).filter((r) => r.status !== 'draft' && accept(r))
    .sort((a, b) => compareVersions(a.version, b.version))
    .map((r) => `${r.version ?? '(no version)'}${typeof r.date === 'string' ? ` (${r.date})` : ''}`);
}
