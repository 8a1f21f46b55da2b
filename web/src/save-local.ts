/**
 * Saving one local code from the editor, with the merge of edits made meanwhile in another tab or by a colleague:
 * the transaction is conditional on the versions read (If-Match), and when the server answers that the catalog has
 * changed (412), the catalog is read again; if the other change did not touch this code, this change is applied to
 * the fresh version and saved (If-Match again: the server stays the safety); otherwise the conflict is reported.
 */
import type { Bundle, CodeSystem, ConceptMap } from 'fhir/r4';
import { fhir, FhirRequestError } from './fhir';
import {
  type Draft, type LocalEntry, localEntries, mapsOf, nameOf, newCodeSystem, newConceptMap, saveBundle, withConcept, withMapping,
} from './local-model';
import { loadMunicipality, type MunicipalityData } from './municipality';

export interface LocalSave {
  /** The catalog written (its id, url and title). */
  codeSystem: CodeSystem;
  conceptMap: ConceptMap;
  /** The server's transaction-response Bundle (its entries' outcomes carry the write's warnings). */
  response: Bundle;
  /** The catalog had been changed meanwhile (other codes) and this change was applied to the fresh version. */
  merged: boolean;
}

/** Another change to the same code: the user must look at it before saving again. */
export class LocalConflictError extends FhirRequestError {
  constructor(code: string, fresh: LocalEntry | undefined) {
    super(412, [{
      severity: 'error',
      text: fresh
        ? `Koden ${code} er ændret af en anden i mellemtiden (nu: »${fresh.display}«). Dine ændringer er ikke gemt; hent siden igen for at se den nye version, og ret derefter.`
        : `Koden ${code} er slettet af en anden i mellemtiden. Dine ændringer er ikke gemt.`,
    }]);
  }
}

interface Target {
  data: MunicipalityData;
  /** The id of the catalog to change; undefined: a new catalog named `newName`. */
  csId?: string;
  newName: string;
  draft: Draft;
}

function build({ data, csId, newName, draft }: Target): { cs: CodeSystem; cm: ConceptMap; bundle: Bundle } {
  const previousCs = csId === undefined ? undefined : data.codeSystems.find((cs) => cs.id === csId);
  if (csId !== undefined && !previousCs) throw new LocalConflictError(draft.code, undefined);
  const cs0: CodeSystem = previousCs ?? newCodeSystem(data.kommunekode, newName);
  const maps = previousCs ? mapsOf(previousCs, data.conceptMaps) : [];
  const cm0: ConceptMap | undefined = maps.find((m) => nameOf(m) === nameOf(cs0)) ?? maps[0];
  const entry = { code: draft.code, display: draft.display.trim(), definition: draft.definition.trim() || undefined, kind: draft.kind, status: draft.status };
  const cs = withConcept(cs0, entry);
  const cm = withMapping(cm0 ?? newConceptMap(data.kommunekode, nameOf(cs0), cs), cs, entry.code, entry.display, draft.kind, draft.targets);
  return { cs, cm, bundle: saveBundle(cs, cm, { codeSystem: previousCs, conceptMap: cm0 }) };
}

function sameEntry(a: LocalEntry | undefined, b: LocalEntry | undefined): boolean {
  const key = (e: LocalEntry | undefined) => e && JSON.stringify({
    display: e.display, definition: e.definition ?? '', kind: e.kind ?? '', status: e.status,
    targets: e.targets.map((t) => `${t.system}|${t.code}`).sort(),
  });
  return key(a) === key(b);
}

function entryOf(data: MunicipalityData, csId: string, code: string): LocalEntry | undefined {
  const cs = data.codeSystems.find((c) => c.id === csId);
  return cs ? localEntries(cs, data.conceptMaps).find((e) => e.code === code) : undefined;
}

/**
 * Writes the draft into the catalog. `original`: the code as the editor read it (undefined for a new code), the
 * ground for deciding whether a change made meanwhile touched this code.
 */
export async function saveLocalCode(target: Target, token: string, original: LocalEntry | undefined): Promise<LocalSave> {
  const first = build(target);
  try {
    const res = await fhir<Bundle>('POST', '', { body: first.bundle, token });
    return { codeSystem: first.cs, conceptMap: first.cm, response: res.body, merged: false };
  } catch (e) {
    const stale = e instanceof FhirRequestError && (e.status === 412 || e.status === 409);
    if (!stale || target.csId === undefined) throw e;
  }
  const fresh = await loadMunicipality(target.data.kommunekode);
  if (!sameEntry(entryOf(fresh, target.csId, target.draft.code), original)) {
    throw new LocalConflictError(target.draft.code, entryOf(fresh, target.csId, target.draft.code));
  }
  const again = build({ ...target, data: fresh });
  const res = await fhir<Bundle>('POST', '', { body: again.bundle, token });
  return { codeSystem: again.cs, conceptMap: again.cm, response: res.body, merged: true };
}
