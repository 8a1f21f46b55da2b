/** Moving a local code's link from a retired or legacy-key target to its replacement (pure: jest tests it directly). */
import type { Coding, ConceptMap } from 'fhir/r4';

export interface Replacement {
  /** The local code. */
  source: Coding;
  /** The retired or legacy-key target it is linked to. */
  target: Coding;
  /** What to use instead. */
  use: Coding;
  why: 'retired' | 'legacy';
}

/** The map with the local code's link to `target` moved to `use` (equivalence and comment kept). */
export function withReplacedTarget(cm: ConceptMap, sourceSystem: string, r: Replacement): ConceptMap | undefined {
  const next = structuredClone(cm);
  delete next.meta;
  delete next.text;
  let found = false;
  for (const g of next.group ?? []) {
    if ((g.source ?? next.sourceUri) !== sourceSystem || (r.target.system && g.target !== r.target.system)) continue;
    for (const el of g.element ?? []) {
      if (el.code !== r.source.code) continue;
      for (const t of el.target ?? []) {
        if (t.code !== r.target.code) continue;
        t.code = r.use.code;
        if (r.use.display) t.display = r.use.display;
        else delete t.display;
        found = true;
      }
    }
  }
  return found ? next : undefined;
}
