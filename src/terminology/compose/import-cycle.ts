import type { ValueSet } from 'fhir/r4';
import type { Bilingual } from '../../errors/issue';
import type { TerminologyRegistry } from '../registry';
import { sameValueSet, vurl } from './rules';

/**
 * The value sets through which `vs` imports itself (compose include/exclude `valueSet`, resolved as the evaluator
 * resolves them), from `vs` back to it, or undefined when it does not: such a value set defines no codes, and every
 * expansion or validation against it fails. Each value set reachable is gone through once.
 */
export function importCycle(vs: ValueSet, registry: TerminologyRegistry): string[] | undefined {
  const seen = new Set<ValueSet>();
  const walk = (current: ValueSet, path: ValueSet[]): ValueSet[] | undefined => {
    for (const part of [current.compose?.include, current.compose?.exclude]) {
      for (const set of Array.isArray(part) ? part : []) {
        for (const ref of Array.isArray(set?.valueSet) ? set.valueSet : []) {
          if (typeof ref !== 'string') continue;
          const next = registry.findCanonical('ValueSet', ref);
          if (!next) continue;
          if (sameValueSet(next, vs)) return [...path, next];
          if (seen.has(next)) continue;
          seen.add(next);
          const found = walk(next, [...path, next]);
          if (found) return found;
        }
      }
    }
    return undefined;
  };
  return walk(vs, [vs])?.map(vurl);
}

/** What a cycle of imports means, as the predicate of a sentence about the value set, in both languages. */
export function importCycleText(cycle: readonly string[]): Bilingual {
  const path = cycle.join(' -> ');
  return { en: `imports itself: ${path}; it would define no codes`, da: `henviser i ring til sig selv: ${path}; det ville ikke definere nogen koder` };
}
