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
    this.byTarget ??= indexByTarget(this.elements.all());
    return (this.byTarget.get(code) ?? []).map((i) => this.elements.item(i));
  }
}

/** Positions of the elements by the codes they target (each element once per code). */
function indexByTarget(elements: readonly (ConceptMapGroupElement | undefined)[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  elements.forEach((el, i) => {
    for (const t of arr(el?.target)) {
      if (typeof t?.code !== 'string') continue;
      const positions = index.get(t.code);
      if (!positions) index.set(t.code, [i]);
      else if (positions[positions.length - 1] !== i) positions.push(i);
    }
  });
  return index;
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

/**
 * Positions of a group's elements by source and by target code, for a group that is not packed (a written map, one a
 * request brings): kept per element array, so a $translate does not go through a 2,000-element map's elements.
 */
class ElementIndex {
  readonly bySource = new Map<string, number[]>();
  private byTarget?: Map<string, number[]>;

  constructor(readonly elements: readonly ConceptMapGroupElement[]) {
    elements.forEach((el, i) => {
      if (typeof el?.code !== 'string') return;
      const positions = this.bySource.get(el.code);
      if (positions) positions.push(i);
      else this.bySource.set(el.code, [i]);
    });
  }

  targeting(code: string): number[] {
    this.byTarget ??= indexByTarget(this.elements);
    return this.byTarget.get(code) ?? [];
  }
}

/** Below this many elements a group is searched as it is. */
const INDEXED_FROM = 32;
const elementIndexes = new WeakMap<readonly ConceptMapGroupElement[], { length: number; index: ElementIndex }>();

function elementIndex(elements: ConceptMapGroupElement[]): ElementIndex {
  const kept = elementIndexes.get(elements);
  // an array changed since (a resource being built) is indexed again
  if (kept && kept.length === elements.length) return kept.index;
  const index = new ElementIndex(elements);
  elementIndexes.set(elements, { length: elements.length, index });
  return index;
}

/** The group's elements for a source code, in order (each a new copy when the group is packed). */
export function elementsWithCode(group: ConceptMapGroup, code: string): ConceptMapGroupElement[] {
  const packed = packedGroups.get(group);
  if (packed) return packed.withCode(code);
  const elements = arr(group.element);
  if (elements.length < INDEXED_FROM) return elements.filter((e) => e?.code === code);
  return (elementIndex(elements).bySource.get(code) ?? []).map((i) => elements[i]!);
}

/** The group's elements with a target of the given code, in order (each a new copy when the group is packed). */
export function elementsTargeting(group: ConceptMapGroup, code: string): ConceptMapGroupElement[] {
  const packed = packedGroups.get(group);
  if (packed) return packed.targeting(code);
  const elements = arr(group.element);
  if (elements.length < INDEXED_FROM) return elements.filter((e) => arr(e?.target).some((t) => t?.code === code));
  return elementIndex(elements).targeting(code).map((i) => elements[i]!);
}
