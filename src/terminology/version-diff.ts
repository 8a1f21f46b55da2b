import type { Coding, ConceptMap, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import type { CodeSystemProvider, Concept } from './providers/provider';
import { LimitedList, type CountLimit } from './limited-list';
import { replacementsOf } from './replacements';

/**
 * What changed between two versions of a code system, value set or concept map (the $diff operations): one entry per
 * change of a code, a code with several changes (a new display and a new parent) having one entry for each.
 */
export type ChangeType = 'added' | 'removed' | 'retired' | 'reactivated' | 'redisplayed' | 'moved' | 'remapped';

export interface CodeChange {
  type: ChangeType;
  system?: string;
  code: string;
  display?: string;
  previousDisplay?: string;
  /** The code's status in the newer version (retired, reactivated, removed). */
  status?: string;
  /** Parent codes in the newer version (moved). */
  parents?: string[];
  previousParents?: string[];
  /** The codes to use instead (retired, removed): the concept's replacedBy. */
  replacedBy?: Coding[];
  /** A map's targets for the code in the newer version (added, remapped), and before (removed, remapped). */
  targets?: Coding[];
  previousTargets?: Coding[];
}

export const CHANGE_ORDER: readonly ChangeType[] = ['added', 'removed', 'retired', 'reactivated', 'redisplayed', 'moved', 'remapped'];

function sortChanges(changes: CodeChange[]): CodeChange[] {
  return changes.sort((a, b) => CHANGE_ORDER.indexOf(a.type) - CHANGE_ORDER.indexOf(b.type) ||
    (a.system ?? '').localeCompare(b.system ?? '') || a.code.localeCompare(b.code));
}

function parentCodes(c: Concept): string[] {
  return c.parents.map((p) => p.code).sort();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function withDisplay(provider: CodeSystemProvider, code: string, display?: string): Coding {
  const d = display ?? provider.locate(code)?.display;
  return { system: provider.url, code, ...(d ? { display: d } : {}) };
}

function notInUse(provider: CodeSystemProvider, c: Concept): boolean {
  return provider.isInactive(c) || provider.isDeprecated(c);
}

/** Code system `from` → `to`: added, removed, retired (inactive or deprecated now), reactivated, re-displayed, moved (other parents). */
export function diffCodeSystems(from: CodeSystemProvider, to: CodeSystemProvider, limit?: CountLimit): CodeChange[] {
  const out = new LimitedList<CodeChange>(limit);
  const system = to.url;
  for (const b of to.all()) {
    const a = from.locate(b.code);
    const display = b.display;
    if (!a) {
      out.push({ type: 'added', system, code: b.code, ...(display ? { display } : {}), status: to.status(b) });
      continue;
    }
    if (!notInUse(from, a) && notInUse(to, b)) {
      const replacedBy = replacementsOf(to, b).map((r) => withDisplay(to, r.code, r.display));
      out.push({ type: 'retired', system, code: b.code, ...(display ? { display } : {}), status: to.status(b), ...(replacedBy.length ? { replacedBy } : {}) });
    } else if (notInUse(from, a) && !notInUse(to, b)) {
      out.push({ type: 'reactivated', system, code: b.code, ...(display ? { display } : {}), status: to.status(b) });
    }
    if ((a.display ?? '') !== (display ?? '')) {
      out.push({ type: 'redisplayed', system, code: b.code, ...(display ? { display } : {}), ...(a.display ? { previousDisplay: a.display } : {}) });
    }
    const parents = parentCodes(b);
    const previousParents = parentCodes(a);
    if (!sameList(parents, previousParents)) {
      out.push({ type: 'moved', system, code: b.code, ...(display ? { display } : {}), parents, previousParents });
    }
  }
  for (const a of from.all()) {
    if (to.locate(a.code)) continue;
    const replacedBy = replacementsOf(from, a).map((r) => withDisplay(from, r.code, r.display));
    out.push({ type: 'removed', system, code: a.code, ...(a.display ? { display: a.display } : {}), ...(replacedBy.length ? { replacedBy } : {}) });
  }
  return sortChanges(out.items);
}

function flatten(contains: readonly ValueSetExpansionContains[] | undefined, out: ValueSetExpansionContains[] = []): ValueSetExpansionContains[] {
  for (const c of contains ?? []) {
    if (c.code) out.push(c);
    flatten(c.contains, out);
  }
  return out;
}

/** Value set expansions `from` → `to`: codes added, removed, retired (inactive now), reactivated and re-displayed. */
export function diffExpansions(from: ValueSet, to: ValueSet, limit?: CountLimit): CodeChange[] {
  const key = (c: ValueSetExpansionContains) => `${c.system ?? ''}|${c.code}`;
  const before = new Map(flatten(from.expansion?.contains).map((c) => [key(c), c]));
  const after = new Map(flatten(to.expansion?.contains).map((c) => [key(c), c]));
  const out = new LimitedList<CodeChange>(limit);
  for (const [k, b] of after) {
    const a = before.get(k);
    const base = { system: b.system, code: b.code!, ...(b.display ? { display: b.display } : {}) };
    if (!a) {
      out.push({ type: 'added', ...base });
      continue;
    }
    if (!a.inactive && b.inactive) out.push({ type: 'retired', ...base, status: 'inactive' });
    if (a.inactive && !b.inactive) out.push({ type: 'reactivated', ...base, status: 'active' });
    if ((a.display ?? '') !== (b.display ?? '')) out.push({ type: 'redisplayed', ...base, ...(a.display ? { previousDisplay: a.display } : {}) });
  }
  for (const [k, a] of before) {
    if (!after.has(k)) out.push({ type: 'removed', system: a.system, code: a.code!, ...(a.display ? { display: a.display } : {}) });
  }
  return sortChanges(out.items);
}

interface MappedTarget {
  coding: Coding;
  /** The equivalence (R4) or relationship (R5): part of the mapping, so a changed one is a re-mapping. */
  relation?: string;
}

interface Mapped {
  system?: string;
  code: string;
  display?: string;
  targets: MappedTarget[];
}

function mappings(cm: ConceptMap): Map<string, Mapped> {
  const out = new Map<string, Mapped>();
  for (const group of Array.isArray(cm.group) ? cm.group : []) {
    for (const el of Array.isArray(group?.element) ? group.element : []) {
      if (!el?.code) continue;
      const key = `${group.source ?? ''}|${el.code}`;
      const m = out.get(key) ?? { system: group.source, code: el.code, ...(el.display ? { display: el.display } : {}), targets: [] };
      for (const t of Array.isArray(el.target) ? el.target : []) {
        if (!t?.code) continue;
        const relation = t.equivalence ?? (t as { relationship?: string }).relationship;
        m.targets.push({ coding: { ...(group.target ? { system: group.target } : {}), code: t.code, ...(t.display ? { display: t.display } : {}) }, relation });
      }
      out.set(key, m);
    }
  }
  return out;
}

function targetKey(t: MappedTarget): string {
  return `${t.coding.system ?? ''}|${t.coding.code}|${t.relation ?? ''}`;
}

function codings(list: MappedTarget[]): Coding[] {
  return list.map((t) => t.coding);
}

/** Concept map `from` → `to`, per source code: added (mapped now), removed (no longer mapped), re-mapped (other targets or equivalences). */
export function diffConceptMaps(from: ConceptMap, to: ConceptMap, limit?: CountLimit): CodeChange[] {
  const before = mappings(from);
  const after = mappings(to);
  const out = new LimitedList<CodeChange>(limit);
  for (const [k, b] of after) {
    const a = before.get(k);
    const base = { system: b.system, code: b.code, ...(b.display ? { display: b.display } : {}) };
    if (!a) {
      out.push({ type: 'added', ...base, targets: codings(b.targets) });
      continue;
    }
    const was = a.targets.map(targetKey).sort();
    const now = b.targets.map(targetKey).sort();
    if (!sameList(was, now)) out.push({ type: 'remapped', ...base, targets: codings(b.targets), previousTargets: codings(a.targets) });
  }
  for (const [k, a] of before) {
    if (!after.has(k)) out.push({ type: 'removed', system: a.system, code: a.code, ...(a.display ? { display: a.display } : {}), previousTargets: codings(a.targets) });
  }
  return sortChanges(out.items);
}
