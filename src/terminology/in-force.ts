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
 * The version of a canonical in force on a date: of the versions that are not drafts, the one that came into use
 * last on or before the date (the end of the day, month or year given), a version replacing the one before it from
 * its own start. A version with neither a date nor a write time (a published resource without `date`) counts as in
 * use from the start; of versions starting together, the highest version. Undefined when none was in use yet.
 */
export function versionInForce<T extends TerminologyType>(
  registry: TerminologyRegistry, type: T, url: string, date: string, firstWritten: (r: TerminologyResource) => string | undefined,
): ByType[T] | undefined {
  const end = endOfDate(date);
  if (end === undefined) return undefined;
  let best: { resource: ByType[T]; from: number } | undefined;
  for (const r of registry.versions(type, url, true)) {
    if (r.status === 'draft') continue;
    const from = effectiveFrom(r, firstWritten(r)) ?? Number.NEGATIVE_INFINITY;
    if (from >= end) continue;
    if (!best || from > best.from || (from === best.from && compareVersions(r.version, best.resource.version) > 0)) best = { resource: r, from };
  }
  return best?.resource;
}
