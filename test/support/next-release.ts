import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import type { LoadedTerminology } from '../../src/terminology/loader';
import { FSIII, publishedCatalogs } from './app';
import { CODES } from './local';


/**
 * A synthetic next FSIII release, made from the published 20240530: one code retired with a replacement, one added,
 * one re-displayed, one moved to another parent. The statuses the status supplement states for 20240530 (retired,
 * deprecated, with replacedBy) are stated in the release itself, as KL would.
 */
export const NEXT_VERSION = '20250101';
export const NEXT = {
  retired: CODES.kostvejledning,
  replacement: CODES.vejledningFysisk,
  added: '0a0a0a0a-0000-4000-8000-000000000001',
  redisplayed: CODES.sygdomshaandtering,
  newDisplay: 'Sygdomshåndtering og egenomsorg',
  moved: CODES.fysiskTraening119,
  from: CODES.paragraf119,
  to: '7deb81de-12c0-4a49-bd5b-72ea6fe89d83',
};

function walk(list: CodeSystemConcept[] | undefined, fn: (c: CodeSystemConcept) => void): void {
  for (const c of list ?? []) {
    fn(c);
    walk(c.concept, fn);
  }
}

function find(cs: CodeSystem, code: string): CodeSystemConcept {
  let hit: CodeSystemConcept | undefined;
  walk(cs.concept, (c) => {
    if (c.code === code) hit = c;
  });
  if (!hit) throw new Error(`no ${code} in FSIII`);
  return hit;
}

export function nextFsiiiRelease(): CodeSystem {
  const current = publishedCatalogs().resources.find((r) => r.resourceType === 'CodeSystem' && r.url === FSIII && r.version === '20240530') as CodeSystem;
  const cs = structuredClone(current);
  cs.version = NEXT_VERSION;
  cs.date = '2025-01-01';
  cs.property = [
    { code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', type: 'code' },
    { code: 'replacedBy', uri: 'http://hl7.org/fhir/concept-properties#replacedBy', type: 'code' },
  ];
  const statusSupplement = publishedCatalogs().resources.find((r) => r.resourceType === 'CodeSystem' && r.url === 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status') as CodeSystem;
  for (const stated of statusSupplement.concept ?? []) {
    find(cs, stated.code).property = (stated.property ?? []).filter((p) => p.code === 'status' || p.code === 'replacedBy');
  }
  find(cs, NEXT.retired).property = [{ code: 'status', valueCode: 'retired' }, { code: 'replacedBy', valueCode: NEXT.replacement }];
  find(cs, NEXT.redisplayed).display = NEXT.newDisplay;
  const from = find(cs, NEXT.from);
  const moved = find(cs, NEXT.moved);
  from.concept = from.concept!.filter((c) => c !== moved);
  const to = find(cs, NEXT.to);
  to.concept = [...(to.concept ?? []), moved];
  from.concept.push({ code: NEXT.added, display: 'Ny fælles indsats' });
  delete cs.count;
  return cs;
}

/** The published catalogs with the synthetic release beside FSIII 20240530. */
export function catalogsWithNextRelease(): LoadedTerminology {
  const published = publishedCatalogs();
  return { ...published, resources: [...published.resources, nextFsiiiRelease()] };
}
