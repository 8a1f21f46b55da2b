/**
 * Search in a catalog's text, in the page: titles, descriptions, purposes and examples, Danish-aware as the server's
 * `$expand` filter (the same folding: "faerdig" finds "færdig"; a word matches where it occurs, so "gang" finds
 * "gangtræning"). Title hits come first. Pure functions: jest tests this module directly.
 */
import { foldText, words } from '../../src/terminology/text-match';
import type { TreeNode } from './tree';

/** A text of a concept that search looks in, besides its title. */
export interface ConceptField {
  field: SearchField;
  text: string;
}

export type SearchField = 'beskrivelse' | 'formaal' | 'eksempel' | 'eksempel-indledning' | 'definition' | 'indsatstitel';

export const FIELD_LABEL: Record<SearchField, string> = {
  beskrivelse: 'Beskrivelse', formaal: 'Formål', eksempel: 'Eksempel', 'eksempel-indledning': 'Eksempler', definition: 'Definition',
  indsatstitel: 'Katalogets titel',
};

export interface SearchEntry {
  node: TreeNode;
  fields: ConceptField[];
  /** Folded once when the catalog is loaded. */
  foldedTitle: string;
  foldedFields: string[];
}

export interface SearchHit {
  node: TreeNode;
  /** 0: the title starts with a search word; 1: the title holds every word; 2: found in the text only. */
  rank: number;
  /** Where a text hit was found, with the passage around it. */
  field?: SearchField;
  snippet?: string;
}

export function searchEntry(node: TreeNode, fields: ConceptField[]): SearchEntry {
  return { node, fields, foldedTitle: foldText(node.display), foldedFields: fields.map((f) => foldText(f.text)) };
}

/** Words of the query, folded; empty when the query has no letters or digits. */
export function searchTerms(query: string): string[] {
  return words(foldText(query));
}

const SNIPPET = 90;

/** The passage of `text` around the first occurrence of `term` (folding keeps æ → ae apart, so search the text itself). */
function snippetOf(text: string, folded: string, term: string): string {
  const at = folded.indexOf(term);
  // folding lengthens æ, ø, å: map the folded position back by counting them before it
  let pos = 0;
  let f = 0;
  while (pos < text.length && f < at) {
    f += foldText(text[pos]!).length;
    pos++;
  }
  let start = Math.max(0, pos - SNIPPET / 2);
  // begin at a word
  if (start > 0) {
    const space = text.lastIndexOf(' ', pos);
    start = space >= start ? text.indexOf(' ', start) + 1 : space + 1;
  }
  let end = Math.min(text.length, start + SNIPPET);
  if (end < text.length) end = Math.max(text.lastIndexOf(' ', end), pos + 1);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}

/**
 * The entries matching every word of the query (in the title or in one of the texts, each word anywhere), best first:
 * titles starting with a word, then titles holding every word, then text hits; within a rank, in catalog order.
 */
export function searchCatalog(entries: readonly SearchEntry[], query: string): SearchHit[] {
  const terms = searchTerms(query);
  if (terms.length === 0) return [];
  const hits: SearchHit[] = [];
  for (const e of entries) {
    if (terms.every((t) => e.foldedTitle.includes(t))) {
      const titleWords = words(e.foldedTitle);
      const rank = terms.some((t) => titleWords.some((w) => w.startsWith(t))) ? 0 : 1;
      hits.push({ node: e.node, rank });
      continue;
    }
    const everywhere = [e.foldedTitle, ...e.foldedFields];
    if (!terms.every((t) => everywhere.some((f) => f.includes(t)))) continue;
    const missing = terms.find((t) => !e.foldedTitle.includes(t)) ?? terms[0]!;
    const i = e.foldedFields.findIndex((f) => f.includes(missing));
    const field = e.fields[i]!;
    hits.push({ node: e.node, rank: 2, field: field.field, snippet: snippetOf(field.text, e.foldedFields[i]!, missing) });
  }
  return hits.map((h, i) => ({ h, i })).sort((a, b) => a.h.rank - b.h.rank || a.i - b.i).map((x) => x.h);
}
