/**
 * What an import will do to a municipality's catalog, before it is written: the codes it adds, changes and removes,
 * and the merge mode (`merge`: add and update only, codes not in the file are kept).
 */
import type { CodeSystem, CodeSystemConcept, Coding, ConceptMap, ConceptMapGroup, Meta, OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import type { StoredVersion } from '../store/store';
import { FhirError } from '../errors/fhir-error';
import type { BuiltCatalog } from './csv-import';
import type { EntryField, ImportMode, ImportPlan, PlannedCode } from './import-plan-types';
import { LOCAL_TYPE_CODE, localTypePropertyCode, statusPropertyCode } from './municipality';
import { excerpt } from '../errors/excerpt';

export type { EntryField, ImportMode, ImportPlan, PlannedCode } from './import-plan-types';

export const IMPORT_MODES: readonly ImportMode[] = ['replace', 'merge'];

/** The tag an import puts on what it writes, so a later import can tell the codes made otherwise (in the editor). */
export const IMPORT_TAG: Coding = { system: 'http://faelles-tx.dk/fhir/CodeSystem/skrevet-af', code: 'import-local', display: 'CSV-import' };

function isImportTagged(r: { meta?: Meta } | undefined): boolean {
  return (r?.meta?.tag ?? []).some((t) => t.system === IMPORT_TAG.system && t.code === IMPORT_TAG.code);
}

/** The resource with the import's tag (other tags kept). */
export function withImportTag<T extends { meta?: Meta }>(r: T): T {
  const tags = (r.meta?.tag ?? []).filter((t) => t.system !== IMPORT_TAG.system);
  return { ...r, meta: { ...(r.meta ?? {}), tag: [...tags, IMPORT_TAG] } };
}

/**
 * The codes of a catalog that first appeared in a version not written by an import (its history, newest first as
 * the store answers it). A version written before imports were tagged counts as not an import.
 */
export function codesMadeOutsideImport(history: readonly StoredVersion[]): Set<string> {
  const seen = new Set<string>();
  const outside = new Set<string>();
  for (const v of [...history].reverse()) {
    const cs = v.resource as CodeSystem | undefined;
    if (!cs) continue;
    const imported = isImportTagged(cs);
    for (const c of flatten(cs.concept)) {
      if (seen.has(c.code)) continue;
      seen.add(c.code);
      if (!imported) outside.add(c.code);
    }
  }
  return outside;
}

function versionOf(existing: { codeSystem?: CodeSystem }): string {
  return existing.codeSystem?.meta?.versionId ?? '0';
}

/**
 * An import confirmed from a plan writes only over the catalog the plan was made against: otherwise 412, so codes
 * made since (and not in the plan shown) are never removed unseen.
 */
export function checkBasedOn(basedOn: string | undefined, existing: { codeSystem?: CodeSystem }): void {
  if (basedOn === undefined || basedOn === versionOf(existing)) return;
  const now = existing.codeSystem
    ? { en: `is at version ${versionOf(existing)}`, da: `har version ${versionOf(existing)}` }
    : { en: 'does not exist', da: 'findes ikke' };
  throw new FhirError(412, 'conflict', `The catalog ${now.en}, not ${basedOn} as planned (basedOn): it was changed since the preview; preview again`, {
    expression: ['basedOn'], da: `Kataloget ${now.da}, ikke ${basedOn} som planlagt (basedOn): det er ændret siden forhåndsvisningen; lav forhåndsvisningen igen`,
  });
}

/** The `mode` parameter: replace when not given; anything else than the two modes is a 400. */
export function importMode(value: string | undefined): ImportMode {
  if (value === undefined) return 'replace';
  if ((IMPORT_MODES as readonly string[]).includes(value)) return value as ImportMode;
  throw FhirError.invalid(`mode must be ${IMPORT_MODES.join(' or ')}, not '${excerpt(value)}'`, { expression: ['mode'], da: `mode skal være ${IMPORT_MODES.join(' eller ')}, ikke '${excerpt(value)}'` });
}

/** "added 2, changed 1, removed 0, unchanged 5" */
export function planSummary(plan: ImportPlan, language: 'en' | 'da' = 'en'): string {
  if (language === 'da') {
    return `tilføjet ${plan.added.length}, ændret ${plan.changed.length}, slettet ${plan.removed.length}, uændret ${plan.unchanged}` +
      (plan.mode === 'merge' ? `, bevaret ${plan.kept}` : '');
  }
  return `added ${plan.added.length}, changed ${plan.changed.length}, removed ${plan.removed.length}, unchanged ${plan.unchanged}` +
    (plan.mode === 'merge' ? `, kept ${plan.kept}` : '');
}

interface Entry {
  display?: string;
  definition?: string;
  type?: string;
  status: string;
  targets: string;
}

function flatten(concepts: CodeSystemConcept[] | undefined): CodeSystemConcept[] {
  return (concepts ?? []).flatMap((c) => [c, ...flatten(c.concept)]);
}

function groupsFrom(cs: CodeSystem, cm: ConceptMap | undefined): ConceptMapGroup[] {
  return (cm?.group ?? []).filter((g) => !g.source || g.source === cs.url);
}

/** A catalog's local codes with what an import compares: title, definition, type, status and targets. */
function entries(cs: CodeSystem | undefined, cm: ConceptMap | undefined): Map<string, Entry> {
  const out = new Map<string, Entry>();
  if (!cs) return out;
  const typeCode = localTypePropertyCode(cs) ?? LOCAL_TYPE_CODE;
  const statusCode = statusPropertyCode(cs);
  const targets = new Map<string, string[]>();
  for (const g of groupsFrom(cs, cm)) {
    for (const el of g.element ?? []) {
      if (!el.code) continue;
      const list = targets.get(el.code) ?? [];
      for (const t of el.target ?? []) if (t.code) list.push(`${g.target ?? ''}|${t.code}`);
      targets.set(el.code, list);
    }
  }
  for (const c of flatten(cs.concept)) {
    out.set(c.code, {
      display: c.display,
      definition: c.definition,
      type: c.property?.find((p) => p.code === typeCode)?.valueCode,
      status: c.property?.find((p) => p.code === statusCode)?.valueCode ?? 'active',
      targets: [...new Set(targets.get(c.code) ?? [])].sort().join(' '),
    });
  }
  return out;
}

function changedFields(before: Entry, after: Entry): EntryField[] {
  const fields: EntryField[] = [];
  if ((before.display ?? '') !== (after.display ?? '')) fields.push('titel');
  if ((before.definition ?? '') !== (after.definition ?? '')) fields.push('definition');
  if (before.type !== after.type) fields.push('type');
  if (before.status !== after.status) fields.push('status');
  if (before.targets !== after.targets) fields.push('maal');
  return fields;
}

/**
 * The catalog built from the file with the existing codes the file does not name kept as they are (concept and
 * links): what `merge` writes. The file's codes replace their earlier versions.
 */
export function mergeWithExisting(built: BuiltCatalog, existing: { codeSystem?: CodeSystem; conceptMap?: ConceptMap }): BuiltCatalog {
  const cs0 = existing.codeSystem;
  if (!cs0) return built;
  const inFile = new Set(flatten(built.codeSystem.concept).map((c) => c.code));
  const kept = (cs0.concept ?? []).filter((c) => !inFile.has(c.code)).map((c) => structuredClone(c));
  if (kept.length === 0) return built;
  const keptCodes = new Set(flatten(kept).map((c) => c.code));
  const codeSystem: CodeSystem = { ...built.codeSystem, concept: [...(built.codeSystem.concept ?? []), ...kept] };
  codeSystem.count = flatten(codeSystem.concept).length;
  const groups = (built.conceptMap.group ?? []).map((g) => ({ ...g, element: [...g.element] }));
  for (const g0 of groupsFrom(cs0, existing.conceptMap)) {
    const elements = (g0.element ?? []).filter((el) => el.code && keptCodes.has(el.code)).map((el) => structuredClone(el));
    if (elements.length === 0) continue;
    const group = groups.find((g) => g.target === g0.target);
    if (group) for (const e of elements) group.element.push(e);
    else groups.push({ ...structuredClone(g0), source: codeSystem.url, sourceVersion: codeSystem.version, element: elements });
  }
  return { ...built, codeSystem, conceptMap: { ...built.conceptMap, group: groups } };
}

/** What writing `next` over `existing` changes, code by code; `fileCodes` are the codes the file names. */
export function planImport(
  mode: ImportMode, existing: { codeSystem?: CodeSystem; conceptMap?: ConceptMap }, next: { codeSystem: CodeSystem; conceptMap: ConceptMap },
  fileCodes: ReadonlySet<string>, madeOutsideImport: ReadonlySet<string> = new Set(),
): ImportPlan {
  const before = entries(existing.codeSystem, existing.conceptMap);
  const after = entries(next.codeSystem, next.conceptMap);
  const plan: ImportPlan = { mode, added: [], changed: [], removed: [], unchanged: 0, kept: 0, basedOn: versionOf(existing) };
  for (const [code, entry] of after) {
    const old = before.get(code);
    if (!old) {
      plan.added.push({ code, display: entry.display });
      continue;
    }
    const fields = changedFields(old, entry);
    if (fields.length > 0) plan.changed.push({ code, display: entry.display, fields });
    else if (fileCodes.has(code)) plan.unchanged++;
    else plan.kept++;
  }
  for (const [code, entry] of before) {
    if (!after.has(code)) plan.removed.push({ code, display: entry.display, ...(madeOutsideImport.has(code) ? { madeOutsideImport: true } : {}) });
  }
  return plan;
}

/** The plan as the answer of `$import-local` with `preview=true`. */
export function planParameters(plan: ImportPlan, issues: OperationOutcome | undefined): Parameters {
  const coded = (name: string, c: PlannedCode): ParametersParameter => ({
    name,
    part: [
      { name: 'code', valueCode: c.code },
      ...(c.display ? [{ name: 'display', valueString: c.display }] : []),
      ...(c.fields ?? []).map((f) => ({ name: 'field', valueCode: f })),
      ...(c.madeOutsideImport ? [{ name: 'madeOutsideImport', valueBoolean: true }] : []),
    ],
  });
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'mode', valueCode: plan.mode },
      { name: 'basedOn', valueString: plan.basedOn },
      { name: 'unchanged', valueInteger: plan.unchanged },
      { name: 'kept', valueInteger: plan.kept },
      ...plan.added.map((c) => coded('added', c)),
      ...plan.changed.map((c) => coded('changed', c)),
      ...plan.removed.map((c) => coded('removed', c)),
      ...(issues && issues.issue.length > 0 ? [{ name: 'issues', resource: issues }] : []),
    ],
  };
}
