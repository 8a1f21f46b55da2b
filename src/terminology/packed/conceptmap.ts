import type { ConceptMap, ConceptMapGroup, ConceptMapGroupElement } from 'fhir/r4';
import { listOf } from '../../fhir/json-object';
import { copyWithField, withLazyField } from './lazy-field';
import { PackedJsonArray } from './json-array';
import { SourceIndex, type SourceRows } from './map-sources';
import { foldedCode } from '../providers/provider';

/**
 * The codes of a list by their folded form (foldedCode): which codes are one code in a code system that is not case
 * sensitive. Made on first use, for a $translate whose code the group does not have as it is given.
 */
class CodesByFold {
  /** The codes of a folded form: a string for the usual single code. */
  private readonly byFold = new Map<string, string | string[]>();

  constructor(codes: Iterable<string | undefined>) {
    for (const code of codes) {
      if (typeof code !== 'string') continue;
      const fold = foldedCode(code);
      const same = this.byFold.get(fold);
      if (same === undefined) this.byFold.set(fold, code);
      else if (typeof same === 'string') {
        if (same !== code) this.byFold.set(fold, [same, code]);
      } else if (!same.includes(code)) same.push(code);
    }
  }

  /** The codes that are `code` but for case, other than `code` itself. */
  like(code: string): string[] {
    const same = this.byFold.get(foldedCode(code));
    if (same === undefined) return [];
    if (typeof same === 'string') return same === code ? [] : [same];
    return same.filter((c) => c !== code);
  }
}

/**
 * One group's packed elements, with the positions of each source code and (made on first use) the index of the
 * elements by the codes they target (SourceIndex): a reverse $translate reads no element.
 */
class PackedElements {
  /** Positions of the elements with a source code, a number for the usual single element. */
  private readonly bySource = new Map<string, number | number[]>();
  private sources?: SourceIndex;
  private sourceFolds?: CodesByFold;
  private targetFolds?: CodesByFold;

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

  sourcesStating(code: string): SourceRows {
    return this.sourceIndex().stating(code);
  }

  sourceCodesLike(code: string): string[] {
    this.sourceFolds ??= new CodesByFold(this.bySource.keys());
    return this.sourceFolds.like(code);
  }

  targetCodesLike(code: string): string[] {
    this.targetFolds ??= new CodesByFold(this.sourceIndex().targetCodes());
    return this.targetFolds.like(code);
  }

  private sourceIndex(): SourceIndex {
    this.sources ??= new SourceIndex(this.elements.all());
    return this.sources;
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

/**
 * Positions of a group's elements by source code, for a group that is not packed (a written map, one a request
 * brings): kept per element array, so a $translate does not go through a 2,000-element map's elements.
 */
class ElementIndex {
  readonly bySource = new Map<string, number[]>();

  constructor(readonly elements: readonly ConceptMapGroupElement[]) {
    elements.forEach((el, i) => {
      if (typeof el?.code !== 'string') return;
      const positions = this.bySource.get(el.code);
      if (positions) positions.push(i);
      else this.bySource.set(el.code, [i]);
    });
  }
}

/** Below this many elements a group is searched as it is. */
const INDEXED_FROM = 32;
const elementIndexes = new WeakMap<readonly ConceptMapGroupElement[], { length: number; index: ElementIndex }>();
const sourceIndexes = new WeakMap<readonly ConceptMapGroupElement[], { length: number; index: SourceIndex }>();
const sourceFolds = new WeakMap<readonly ConceptMapGroupElement[], { length: number; index: CodesByFold }>();
const targetFolds = new WeakMap<readonly ConceptMapGroupElement[], { length: number; index: CodesByFold }>();

/** What is kept for an element array, made again when the array changed since (a resource being built). */
function keptFor<T>(kept: WeakMap<readonly ConceptMapGroupElement[], { length: number; index: T }>, elements: ConceptMapGroupElement[],
  make: (elements: ConceptMapGroupElement[]) => T): T {
  const found = kept.get(elements);
  if (found && found.length === elements.length) return found.index;
  const index = make(elements);
  kept.set(elements, { length: elements.length, index });
  return index;
}

/** The group's elements for a source code, in order (each a new copy when the group is packed). */
export function elementsWithCode(group: ConceptMapGroup, code: string): ConceptMapGroupElement[] {
  const packed = packedGroups.get(group);
  if (packed) return packed.withCode(code);
  const elements = listOf(group.element);
  if (elements.length < INDEXED_FROM) return elements.filter((e) => e?.code === code);
  return (keptFor(elementIndexes, elements, (e) => new ElementIndex(e)).bySource.get(code) ?? []).map((i) => elements[i]!);
}

/**
 * The group's elements that state a target of the given code, one row per such target, in the order of the elements
 * and of their targets; elements without a code are left out.
 */
export function sourcesStating(group: ConceptMapGroup, code: string): SourceRows {
  const packed = packedGroups.get(group);
  if (packed) return packed.sourcesStating(code);
  return sourceIndexOf(listOf(group.element)).stating(code);
}

function sourceIndexOf(elements: ConceptMapGroupElement[]): SourceIndex {
  return keptFor(sourceIndexes, elements, (e) => new SourceIndex(e));
}

/**
 * The group's source codes that are `code` but for case (foldedCode), other than `code` itself: for a source system
 * that is not case sensitive, whose code the group does not have as it is given (elementsWithCode of each).
 */
export function sourceCodesIgnoringCase(group: ConceptMapGroup, code: string): string[] {
  const packed = packedGroups.get(group);
  if (packed) return packed.sourceCodesLike(code);
  return keptFor(sourceFolds, listOf(group.element), (e) => new CodesByFold(e.map((el) => el?.code))).like(code);
}

/** The group's target codes that are `code` but for case, other than `code` itself (sourcesStating of each): as sourceCodesIgnoringCase. */
export function targetCodesIgnoringCase(group: ConceptMapGroup, code: string): string[] {
  const packed = packedGroups.get(group);
  if (packed) return packed.targetCodesLike(code);
  return keptFor(targetFolds, listOf(group.element), (e) => new CodesByFold(sourceIndexOf(e).targetCodes())).like(code);
}
