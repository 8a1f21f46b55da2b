import { searchCatalog, searchEntry, searchTerms } from '../../web/src/catalog-search';
import type { TreeNode } from '../../web/src/tree';

const node = (code: string, display: string, inactive = false): TreeNode => ({ system: 's', code, display, inactive, children: [] });

const entries = [
  searchEntry(node('1', 'Funktionstræning'), [
    { field: 'beskrivelse', text: 'Indsatsen anvendes ved træning i fysiske funktioner såsom rejse-sætte-sig, forflytning, gangtræning.' },
    { field: 'eksempel', text: 'gangtræning med eller uden hjælpemiddel' },
  ]),
  searchEntry(node('2', 'Fysisk træning'), [{ field: 'formaal', text: 'Formålet med fysisk træning er bedre kondition.' }]),
  searchEntry(node('3', 'Kostvejledning'), [{ field: 'beskrivelse', text: 'Vejledning om kost og træning af madvaner.' }]),
  searchEntry(node('4', 'Færdighedstræning'), []),
  searchEntry(node('5', 'Styrke- og udholdenhedstræning'), []),
];

describe('search in a catalog in the page', () => {
  it('finds a word inside another in the catalog text, and says where with the passage', () => {
    const hits = searchCatalog(entries, 'gang');
    expect(hits.map((h) => h.node.code)).toEqual(['1']);
    expect(hits[0]).toMatchObject({ rank: 2, field: 'beskrivelse' });
    expect(hits[0]!.snippet).toContain('gangtræning');
  });

  it('folds æ, ø, å as the server does (faerdig finds Færdighedstræning; gangtraening finds gangtræning)', () => {
    expect(searchCatalog(entries, 'faerdig').map((h) => h.node.code)).toEqual(['4']);
    expect(searchCatalog(entries, 'FÆRDIG').map((h) => h.node.code)).toEqual(['4']);
    expect(searchCatalog(entries, 'gangtraening').map((h) => h.node.code)).toEqual(['1']);
  });

  it('ranks titles starting with a word, then titles holding it, then text hits; catalog order within a rank', () => {
    const hits = searchCatalog(entries, 'træning');
    expect(hits.map((h) => [h.node.code, h.rank])).toEqual([['2', 0], ['1', 1], ['4', 1], ['5', 1], ['3', 2]]);
    expect(hits.filter((h) => h.rank < 2).every((h) => h.snippet === undefined)).toBe(true);
  });

  it('needs every word, each in the title or the text', () => {
    expect(searchCatalog(entries, 'fysisk kondition').map((h) => h.node.code)).toEqual(['2']);
    expect(searchCatalog(entries, 'fysisk madvaner')).toEqual([]);
  });

  it('answers nothing for a query without letters or digits', () => {
    expect(searchTerms(' – ')).toEqual([]);
    expect(searchCatalog(entries, ' – ')).toEqual([]);
  });
});
