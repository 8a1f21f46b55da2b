/**
 * After a save: the warnings the server's write answered (a retired or legacy-key target), the replacement the
 * coverage report names for each, and the write that puts the replacement in place (one click in the page).
 */
import type { Bundle, Coding, ConceptMap, OperationOutcome, Parameters } from 'fhir/r4';
import { fhir, get, type Issue, outcomeIssues } from './fhir';
import { mapsOf } from './local-model';
import { type Replacement, withReplacedTarget } from './replace-target';

export type { Replacement };
import { loadMunicipality, parseCoverage } from './municipality';

/** The warnings of a transaction's answer (each entry's outcome). */
export function writeWarnings(bundle: Bundle | undefined): Issue[] {
  return (bundle?.entry ?? []).flatMap((e) => outcomeIssues(e.response?.outcome as OperationOutcome | undefined))
    .filter((i) => i.severity === 'warning');
}

/**
 * The warnings about one local code: the server checks the whole map on every write, so the warnings about other
 * codes' links (already reported by the coverage report) are left out; a warning not about a link is kept.
 */
export function warningsAbout(warnings: Issue[], cm: ConceptMap, code: string): Issue[] {
  return warnings.filter((w) => {
    const at = /group\[(\d+)\]\.element\[(\d+)\]/.exec(w.expression ?? '');
    return !at || cm.group?.[Number(at[1])]?.element?.[Number(at[2])]?.code === code;
  });
}

/** The replacements the coverage report names for one local code (retired targets and FSIII legacy keys). */
export async function replacementsFor(kommunekode: string, system: string, code: string): Promise<Replacement[]> {
  const coverage = parseCoverage(await get<Parameters>('ConceptMap/$coverage', { kommunekode }));
  const mine = (c: Coding) => c.system === system && c.code === code;
  return [
    ...coverage.retiredTarget.filter((t) => mine(t.source)).flatMap((t) => t.replacedBy.map((use) => ({ source: t.source, target: t.target, use, why: 'retired' as const }))),
    ...coverage.legacyTarget.filter((t) => mine(t.source) && t.replacedBy?.code).map((t) => ({ source: t.source, target: t.target, use: t.replacedBy!, why: 'legacy' as const })),
  ];
}

/**
 * Writes the replacement: reads the municipality's maps (their current versions), changes the one link, and PUTs
 * the map conditional on the version read. Answers the warnings of that write.
 */
export async function replaceTarget(token: string, kommunekode: string, r: Replacement): Promise<Issue[]> {
  const data = await loadMunicipality(kommunekode);
  const cs = data.codeSystems.find((x) => x.url === r.source.system);
  if (!cs) throw new Error(`Kataloget ${r.source.system} findes ikke.`);
  for (const cm of mapsOf(cs, data.conceptMaps)) {
    const next = withReplacedTarget(cm, cs.url!, r);
    if (!next) continue;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: next, request: { method: 'PUT', url: `ConceptMap/${cm.id}`, ...(cm.meta?.versionId ? { ifMatch: `W/"${cm.meta.versionId}"` } : {}) } }],
    };
    const res = await fhir<Bundle>('POST', '', { body: bundle, token });
    dispatchEvent(new Event(CATALOG_CHANGED));
    return writeWarnings(res.body);
  }
  throw new Error(`Koblingen fra ${r.source.code} til ${r.target.display ?? r.target.code} findes ikke længere.`);
}

/** Sent when the page changed a municipality's catalog outside the view that shows it. */
export const CATALOG_CHANGED = 'faelles-tx:catalog-changed';
