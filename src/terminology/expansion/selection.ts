import type { ExpansionEntry } from '../compose/evaluator';
import { BoundedMap } from '../bounded-map';
import { parseCanonical } from '../canonical';
import { searchHaystack, TextFilter } from '../text-match';
import { currentTimeBudget } from '../time-budget';
import type { IndexedComposeResult } from './cache';

/** What selects an expansion's codes from its evaluated value set. */
export interface SelectionCriteria {
  activeOnly: boolean;
  excludeNotForUI: boolean;
  textFilter?: string;
  /** Code systems (url, or url|version) whose codes are left out ($expand's `exclude-system`). */
  excludeSystems?: readonly string[];
}

/** Whether an entry's code system is one of those left out: a url alone leaves out every version of it. */
function excludedSystem(e: ExpansionEntry, excluded: readonly { url: string; version?: string }[]): boolean {
  for (const x of excluded) if (x.url === e.system && (x.version === undefined || x.version === e.version)) return true;
  return false;
}

function searchTexts(e: ExpansionEntry): (string | undefined)[] {
  const concept = e.concept;
  return [e.display, concept?.display, ...(concept?.designations.map((d) => d.value) ?? []), ...(e.composeDesignations?.map((d) => d.value) ?? [])];
}

/**
 * The folded search texts of an evaluated value set's codes (`searchHaystack`), made on its first text filter and kept
 * as long as its entries: one string for all its codes, code i's from starts[i] to starts[i + 1], instead of a string
 * and a weak map entry per code (a municipality's picker has ~2,100 codes, and 98 pickers are kept).
 */
class Haystacks {
  private readonly text: string;
  private readonly starts: Uint32Array;

  constructor(entries: readonly ExpansionEntry[]) {
    const texts = entries.map((e) => searchHaystack(searchTexts(e), e.code));
    this.starts = new Uint32Array(entries.length + 1);
    texts.forEach((t, i) => {
      this.starts[i + 1] = this.starts[i]! + t.length;
    });
    this.text = texts.join('');
  }

  /** Code i's haystack: a slice of the one string (V8 makes one of 13 characters or more without copying them). */
  at(i: number): string {
    return this.text.slice(this.starts[i], this.starts[i + 1]);
  }
}

const haystacksOf = new WeakMap<readonly ExpansionEntry[], Haystacks>();

function haystacks(entries: readonly ExpansionEntry[]): Haystacks {
  let kept = haystacksOf.get(entries);
  if (!kept) {
    kept = new Haystacks(entries);
    haystacksOf.set(entries, kept);
  }
  return kept;
}

/** The codes a request selects, and where each is in the evaluated value set's list. */
export interface Selection {
  entries: ExpansionEntry[];
  positions: Int32Array;
}

/** Selections per evaluated value set (typeahead asks for the same few filters over and over); at most this many. */
const MAX_SELECTIONS = 512;
const selections = new WeakMap<IndexedComposeResult, Map<string, Selection>>();
const wholeSelections = new WeakMap<IndexedComposeResult, Selection>();

/** The codes the request selects; the same selection for the same filter and flags while the evaluation lives. */
export function selectEntries(evaluated: IndexedComposeResult, request: SelectionCriteria): Selection {
  if (!request.activeOnly && !request.excludeNotForUI && !request.textFilter && !request.excludeSystems?.length) {
    let whole = wholeSelections.get(evaluated);
    if (!whole) {
      whole = { entries: evaluated.entries, positions: Int32Array.from(evaluated.entries, (_, i) => i) };
      wholeSelections.set(evaluated, whole);
    }
    return whole;
  }
  let perEvaluation = selections.get(evaluated);
  if (!perEvaluation) {
    perEvaluation = new BoundedMap(MAX_SELECTIONS);
    selections.set(evaluated, perEvaluation);
  }
  const key = `${request.activeOnly ? 1 : 0}${request.excludeNotForUI ? 1 : 0}${request.excludeSystems?.join('\u0000') ?? ''}\u0001${request.textFilter ?? ''}`;
  let selection = perEvaluation.get(key);
  if (!selection) {
    selection = findEntries(evaluated, request);
    perEvaluation.set(key, selection);
  }
  return selection;
}

function findEntries(evaluated: IndexedComposeResult, request: SelectionCriteria): Selection {
  const filter = request.textFilter ? new TextFilter(request.textFilter) : undefined;
  const byText = filter && !filter.isEmpty ? filter : undefined;
  const texts = byText ? haystacks(evaluated.entries) : undefined;
  const excluded = (request.excludeSystems ?? []).map(parseCanonical);
  const budget = byText ? currentTimeBudget() : undefined;
  const entries: ExpansionEntry[] = [];
  const positions: number[] = [];
  evaluated.entries.forEach((e, i) => {
    if ((request.activeOnly && e.inactive) || (request.excludeNotForUI && e.abstract)) return;
    if (excluded.length > 0 && excludedSystem(e, excluded)) return;
    if (byText) {
      budget?.tick();
      if (!byText.matchesFolded(texts!.at(i))) return;
    }
    entries.push(e);
    positions.push(i);
  });
  return byText ? bestFirst(entries, positions, byText, texts!) : { entries, positions: Int32Array.from(positions) };
}

/**
 * A text filter's hits with the best matches first (`TextFilter.rankFolded`), each rank in the value set's own order:
 * what a flat list and its pages show. A nested expansion takes the hits' positions only, and keeps the tree's order.
 */
function bestFirst(entries: ExpansionEntry[], positions: number[], filter: TextFilter, texts: Haystacks): Selection {
  const ranks = positions.map((p) => filter.rankFolded(texts.at(p)));
  const order = entries.map((_, i) => i);
  // stable: equal ranks keep the value set's order
  order.sort((a, b) => ranks[a]! - ranks[b]! || a - b);
  return { entries: order.map((i) => entries[i]!), positions: Int32Array.from(order, (i) => positions[i]!) };
}
