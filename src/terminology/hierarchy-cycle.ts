import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import type { Bilingual } from '../errors/issue';
import { excerpt } from '../errors/excerpt';
import { standardPropertyCode } from './providers/base';

/** A cycle of a code system's hierarchy. */
export interface HierarchyCycle {
  /** From the concept defined first of the cycle, each code followed by its parent, back to the first. */
  codes: string[];
  /** Where the first code is defined, as CodeSystem.concept[i](.concept[j])… */
  at: () => string;
}

/**
 * The cycles of a code system's hierarchy as FhirCodeSystemProvider links it (nested concepts, and the `parent` and
 * `child` properties), at most `limit`, no two of them sharing a concept; empty when there is none. A concept that
 * names itself as its parent is no cycle: the provider does not link it. In a cycle each concept subsumes the others,
 * so `$subsumes` would answer `subsumes` both ways. Linear in the concepts and their links.
 */
export function hierarchyCycles(cs: CodeSystem, limit = Infinity): HierarchyCycle[] {
  const codes: string[] = [];
  const byCode = new Map<string, number>();
  /** Where each concept is: its place in its list, and the concept that list is nested in (-1 at the top). */
  const place: number[] = [];
  const nestedIn: number[] = [];
  /** The links, each from a concept to one of its parents. */
  const below: number[] = [];
  const above: number[] = [];
  const withProperties: CodeSystemConcept[] = [];
  const propertyNodes: number[] = [];
  // the concepts in the order they are defined, a concept before those nested in it (as walkConcepts, without recursion)
  const frames: { list: CodeSystemConcept[]; i: number; parent: number }[] = Array.isArray(cs.concept) ? [{ list: cs.concept, i: 0, parent: -1 }] : [];
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    if (frame.i >= frame.list.length) {
      frames.pop();
      continue;
    }
    const i = frame.i++;
    const c = frame.list[i];
    if (typeof c?.code !== 'string') continue;
    let node = byCode.get(c.code);
    if (node === undefined) {
      node = codes.push(c.code) - 1;
      byCode.set(c.code, node);
      place.push(i);
      nestedIn.push(frame.parent);
    }
    if (frame.parent >= 0 && frame.parent !== node) {
      below.push(node);
      above.push(frame.parent);
    }
    if (Array.isArray(c.property)) {
      withProperties.push(c);
      propertyNodes.push(node);
    }
    if (Array.isArray(c.concept)) frames.push({ list: c.concept, i: 0, parent: node });
  }
  const parentCode = standardPropertyCode(cs.property, 'parent');
  const childCode = standardPropertyCode(cs.property, 'child');
  for (let k = 0; k < withProperties.length; k++) {
    const node = propertyNodes[k]!;
    for (const p of withProperties[k]!.property!) {
      const target = typeof p?.valueCode === 'string' ? byCode.get(p.valueCode) : undefined;
      if (target === undefined || target === node) continue;
      if (p.code === parentCode) {
        below.push(node);
        above.push(target);
      } else if (p.code === childCode) {
        below.push(target);
        above.push(node);
      }
    }
  }
  // each concept's parents: parents[first[n]] … parents[first[n + 1] - 1], in the order the links were found
  const n = codes.length;
  const first = new Int32Array(n + 1);
  for (const b of below) first[b + 1]!++;
  for (let i = 0; i < n; i++) first[i + 1]! += first[i]!;
  const parents = new Int32Array(below.length);
  const filled = first.slice(0, n);
  for (let k = 0; k < below.length; k++) parents[filled[below[k]!]!++] = above[k]!;

  // depth first along the parents: a parent met again while its own walk is under way closes a cycle
  const cycles: HierarchyCycle[] = [];
  const state = new Uint8Array(n); // 0 not reached, 1 on the path, 2 done
  const inCycle = new Uint8Array(n);
  const depth = new Int32Array(n);
  const path = new Int32Array(n);
  /** The next of its parents to go to, for each concept of the path. */
  const next = new Int32Array(n);
  /** How many concepts of the cycles found are on the path before each of its places (to tell at once whether a new cycle shares one). */
  const found = new Int32Array(n + 1);
  let length = 0;
  const push = (node: number): void => {
    state[node] = 1;
    depth[node] = length;
    next[length] = first[node]!;
    found[length + 1] = found[length]! + inCycle[node]!;
    path[length++] = node;
  };
  for (let start = 0; start < n && cycles.length < limit; start++) {
    if (state[start] !== 0) continue;
    push(start);
    while (length > 0 && cycles.length < limit) {
      const top = length - 1;
      const node = path[top]!;
      if (next[top]! >= first[node + 1]!) {
        state[node] = 2;
        length--;
        continue;
      }
      const parent = parents[next[top]!++]!;
      if (state[parent] === 0) push(parent);
      else if (state[parent] === 1) {
        const from = depth[parent]!;
        if (found[top + 1]! - found[from]! > 0) continue;
        const members = [...path.subarray(from, length)];
        for (let i = from; i <= top; i++) {
          inCycle[path[i]!] = 1;
          found[i + 1] = found[i]! + 1;
        }
        cycles.push(rotatedToFirst(members, codes, place, nestedIn));
      }
    }
  }
  return cycles;
}

function rotatedToFirst(members: number[], codes: string[], place: number[], nestedIn: number[]): HierarchyCycle {
  let first = 0;
  for (let i = 1; i < members.length; i++) if (members[i]! < members[first]!) first = i;
  const ordered = [...members.slice(first), ...members.slice(0, first)];
  const at = (node: number): string => (nestedIn[node]! < 0 ? 'CodeSystem' : `${at(nestedIn[node]!)}`) + `.concept[${place[node]}]`;
  return { codes: [...ordered, ordered[0]!].map((n) => codes[n]!), at: () => at(ordered[0]!) };
}

/** Codes of a cycle a message lists, the first of them again at the end included. */
const LISTED_CODES = 10;

/** What a cycle of the hierarchy means, as the predicate of a sentence about the hierarchy, in both languages. */
export function hierarchyCycleText(cycle: HierarchyCycle): Bilingual {
  const quoted = (c: string): string => `'${excerpt(c)}'`;
  const { codes } = cycle;
  const more = codes.length - LISTED_CODES;
  const listed = (word: string): string => (more <= 0 ? codes.map(quoted).join(' -> ')
    : `${codes.slice(0, LISTED_CODES - 1).map(quoted).join(' -> ')} -> … (${more} ${word}) -> ${quoted(codes[0]!)}`);
  return {
    en: `is a cycle: ${listed('more')} (each code's parent after it); a concept cannot be below itself`,
    da: `går i ring: ${listed('flere')} (hver kodes overbegreb efter den); et begreb kan ikke ligge under sig selv`,
  };
}
