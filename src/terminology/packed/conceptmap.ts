import type { ConceptMap, ConceptMapGroup, ConceptMapGroupElement } from 'fhir/r4';
import { copyWithField, withLazyField } from './lazy-field';
import { PackedJsonArray } from './json-array';

function arr<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** One group's packed elements, with the positions of each source code and (built on first use) of each target code. */
class PackedElements {
  /** Positions of the elements with a source code, a number for the usual single element. */
  private readonly bySource = new Map<string, number | number[]>();
  private byTarget?: Map<string, number[]>;

  constructor(readonly elements: PackedJsonArray<ConceptMapGroupElement>, codes: readonly (string | undefined)[]) {
    codes.forEach((code, i) => {
      if (typeof code !== 'string') return;
      const seen = this.bySource.get(code);
      if (seen === undefined) this.bySource.set(code, i);
      else if (typeof seen === 'number') this.bySource.set(code, [seen, i]);
      else seen.push(i);
    });
  }

  withCode(code: string): ConceptMapGroupElement[] {
    const at = this.bySource.get(code);
    if (at === undefined) return [];
    return (typeof at === 'number' ? [at] : at).map((i) => this.elements.item(i));
  }

  targeting(code: string): ConceptMapGroupElement[] {
    if (!this.byTarget) {
      const index = new Map<string, number[]>();
      this.elements.all().forEach((el, i) => {
        for (const t of arr(el?.target)) {
          if (typeof t?.code !== 'string') continue;
          const positions = index.get(t.code);
          if (!positions) index.set(t.code, [i]);
          else if (positions[positions.length - 1] !== i) positions.push(i);
        }
      });
      this.byTarget = index;
    }
    return (this.byTarget.get(code) ?? []).map((i) => this.elements.item(i));
  }
}

const packedGroups = new WeakMap<ConceptMapGroup, PackedElements>();

function packGroup(group: ConceptMapGroup): ConceptMapGroup {
  if (!group || typeof group !== 'object' || !Array.isArray(group.element)) return group;
  const elements = new PackedJsonArray(group.element);
  const stub = withLazyField(group, 'element', () => elements.all());
  packedGroups.set(stub, new PackedElements(elements, group.element.map((el) => el?.code)));
  return stub;
}

/** The map with each group's elements packed; the map itself when it has no groups. */
export function packConceptMap(cm: ConceptMap): ConceptMap {
  if (!Array.isArray(cm.group) || cm.group.length === 0) return cm;
  return copyWithField(cm, 'group', { value: cm.group.map(packGroup), writable: true });
}

/** The group's elements for a source code, in order (each a new copy when the group is packed). */
export function elementsWithCode(group: ConceptMapGroup, code: string): ConceptMapGroupElement[] {
  const packed = packedGroups.get(group);
  return packed ? packed.withCode(code) : arr(group.element).filter((e) => e?.code === code);
}

/** The group's elements with a target of the given code, in order (each a new copy when the group is packed). */
export function elementsTargeting(group: ConceptMapGroup, code: string): ConceptMapGroupElement[] {
  const packed = packedGroups.get(group);
  return packed ? packed.targeting(code) : arr(group.element).filter((e) => arr(e?.target).some((t) => t?.code === code));
}
