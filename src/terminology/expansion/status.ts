import type { CodeSystem, ValueSet, ValueSetExpansionParameter } from 'fhir/r4';
import { canonical } from '../canonical';
import { standardsStatus } from '../valueset-extensions';

type Canonical = CodeSystem | ValueSet;

/**
 * Expansion parameters that warn about the status of what the expansion was built from: deprecated, withdrawn
 * or retired resources always; experimental or draft ones when the value set itself is not experimental / draft.
 */
export function statusWarnings(root: ValueSet, used: readonly Canonical[]): ValueSetExpansionParameter[] {
  const out: ValueSetExpansionParameter[] = [];
  const add = (name: string, r: Canonical): void => {
    const value = canonical(r.url ?? '', r.version);
    if (r.url && !out.some((p) => p.name === name && p.valueUri === value)) out.push({ name, valueUri: value });
  };
  const rootDraft = root.status === 'draft' || standardsStatus(root.extension) === 'draft';
  for (const r of [root, ...used]) {
    const standards = standardsStatus(r.extension);
    if (standards === 'deprecated') add('warning-deprecated', r);
    else if (standards === 'withdrawn') add('warning-withdrawn', r);
    else if (r.status === 'retired') add('warning-retired', r);
    else if (r !== root && r.experimental === true && root.experimental !== true) add('warning-experimental', r);
    else if (r !== root && (r.status === 'draft' || standards === 'draft') && !rootDraft) add('warning-draft', r);
  }
  return out;
}
