import type { Coding, ParametersParameter } from 'fhir/r4';
import { SerializedResource, SerializedText } from '../../src/fhir/serialized';
import { translateAnswer } from '../../src/operations/translate/answer';
import { replacementMessage } from '../../src/operations/translate/messages';
import type { Match } from '../../src/operations/translate/translator';
import { SourceIndex, type ElementJson, type SourceRows } from '../../src/terminology/packed/map-sources';

const jsonText = (j: ElementJson) => j.bytes.toString('utf8', j.start, j.end);
const codesOf = (rows: SourceRows) => Array.from({ length: rows.count }, (_, i) => rows.code(i));

/** The answer as the Parameters tree would be serialized. */
function stringified(result: boolean, message: string | undefined, matches: Match[]): string {
  const parameter: ParametersParameter[] = [{ name: 'result', valueBoolean: result }];
  if (message !== undefined) parameter.push({ name: 'message', valueString: message });
  for (const m of matches) {
    const part: ParametersParameter[] = [];
    if (m.equivalence) part.push({ name: 'equivalence', valueCode: m.equivalence });
    part.push({ name: 'concept', valueCoding: m.concept });
    for (const p of m.product ?? []) part.push({ name: 'product', part: [{ name: 'element', valueUri: p.element }, { name: 'concept', valueCoding: p.concept }] });
    if (m.source) part.push({ name: 'source', valueCoding: m.source });
    part.push({ name: 'originMap', valueCanonical: m.originMap });
    if (m.replaces) {
      const { status, ...coding } = m.replaces;
      part.push({ name: 'replaces', part: [{ name: 'concept', valueCoding: coding }, { name: 'status', valueCode: status }] });
    }
    parameter.push({ name: 'match', part });
  }
  return JSON.stringify({ resourceType: 'Parameters', parameter });
}

function text(answer: SerializedText | SerializedResource): string {
  return answer instanceof SerializedText ? answer.text : answer.bytes.toString('utf8');
}

const LOCAL = 'http://example.org/local';
const elements = [
  { code: 'L1', display: 'Hjælp – “let”\n', target: [{ code: 'T', equivalence: 'subsumes' as const }] },
  { code: 'L2', target: [{ code: 'T', equivalence: 'inexact' as const }, { code: 'U', equivalence: 'subsumes' as const }] },
  { code: 'L3', display: '', target: [{ code: 'T' }] },
  { code: 'L4', display: '😀 emoji', target: [{ code: 'T', relationship: 'equivalent' }] },
  { code: 'L"5\\ø', target: [{ code: 'T', equivalence: 'wider' as const }] },
];

describe('a $translate answer written from its parts', () => {
  const index = new SourceIndex(elements as never);
  const rows = index.stating('T');
  /** The matches of the rows, as a reverse $translate makes them (the coding's display only where the message needs it). */
  const fromRows = (shape: (coding: Coding, i: number) => Match): Match[] => codesOf(rows).map((code, i) => ({
    ...shape({ system: LOCAL, version: '1.0', code, ...(i === 0 ? { display: rows.display(i) } : {}) }, i), elementJson: rows.json(i),
  }));

  it('is JSON.stringify of the Parameters, for every kind of match', () => {
    const replaces = { system: 'urn:x', code: 'OLD', display: 'Gammel', status: 'legacy-key' };
    const shapes: Match[][] = [
      [],
      [{ equivalence: 'equivalent', concept: { system: 'urn:x', version: '2', code: 'A', display: 'Æble “x”' }, originMap: 'http://m|1' }],
      [{ concept: { system: 'urn:x', code: 'A' }, source: { system: LOCAL, code: 'L1' }, originMap: 'http://m' }, { concept: { code: 'B' }, originMap: 'http://n', replaces }],
      fromRows((concept) => ({ equivalence: 'subsumes', concept, originMap: 'http://m|1' })),
      fromRows((concept, i) => ({ equivalence: i % 2 ? 'inexact' : undefined, concept, originMap: 'http://m|1', ...(i > 1 ? { replaces } : {}) })),
      fromRows((source) => ({ concept: { system: 'urn:x', code: 'T' }, source, originMap: 'http://m|1' })),
      fromRows((concept) => ({ concept: { system: 'urn:gateway', code: concept.code }, originMap: 'http://m|1' })),
      [{ equivalence: 'equivalent', concept: { system: 'urn:x', code: 'A' }, originMap: 'http://m|1', product: [
        { element: 'http://example.org/dosis', concept: { system: 'urn:d', code: '5', display: 'fem “mg”' } }, { element: 'urn:e', concept: { code: 'x' } }] }],
      fromRows((concept, i) => ({ concept, originMap: 'http://m|1', ...(i === 1 ? { product: [{ element: 'urn:e', concept: { code: 'p' } }] } : {}) })),
    ];
    for (const matches of shapes) {
      // the JSON the elements' rows stand for: their code and display as the element has them
      const expected = matches.map((m) => {
        if (!m.elementJson) return m;
        const fields = JSON.parse(`{${jsonText(m.elementJson)}}`) as Coding;
        return m.source ? { ...m, source: { ...m.source, ...fields } } : { ...m, concept: { ...m.concept, ...fields } };
      });
      for (const message of [undefined, 'Beskèd – “ok”']) {
        expect(text(translateAnswer(true, message, matches))).toBe(stringified(true, message, expected.map(({ elementJson, ...m }) => m)));
      }
    }
  });

  it('keeps each element code, display and mapping as the elements state them', () => {
    expect(codesOf(rows)).toEqual(['L1', 'L2', 'L3', 'L4', 'L"5\\ø']);
    expect(codesOf(rows).map((_, i) => jsonText(rows.json(i)))).toEqual([
      '"code":"L1","display":"Hjælp – “let”\\n"', '"code":"L2"', '"code":"L3"', '"code":"L4","display":"😀 emoji"', '"code":"L\\"5\\\\ø"']);
    expect(codesOf(rows).map((_, i) => rows.display(i))).toEqual(['Hjælp – “let”\n', undefined, undefined, '😀 emoji', undefined]);
    expect(codesOf(rows).map((_, i) => rows.mapping(i))).toEqual([['subsumes', undefined], ['inexact', undefined], [undefined, undefined], [undefined, 'equivalent'], ['wider', undefined]]);
    expect(codesOf(index.stating('U'))).toEqual(['L2']);
    expect(codesOf(index.stating('nope'))).toEqual([]);
  });
});

describe('the message of a match that gives the successor of the target its map states', () => {
  const successor = (originMap: string, status: string): Match => ({
    equivalence: 'equivalent', originMap,
    concept: { system: 'http://ex/t', code: 'NEW', display: 'Ny' },
    replaces: { system: 'http://ex/t', code: 'OLD', display: 'Gammel', status },
  });

  it('names the status in Danish in the Danish text, and the map as the one in the request when it has no url', () => {
    expect(replacementMessage([successor('http://ex/cm|1', 'retired')])).toEqual({
      en: 'http://ex/cm|1 maps to OLD (Gammel), which is retired; the match gives its replacement NEW (Ny)',
      da: 'http://ex/cm|1 mapper til OLD (Gammel), som har status udgået; svaret giver i stedet afløseren NEW (Ny)',
    });
    const anonymous = replacementMessage([successor('', 'deprecated')])!;
    expect(anonymous.en).toMatch(/^The ConceptMap given in the request maps to OLD/);
    expect(anonymous.da).toMatch(/^ConceptMap'en i forespørgslen mapper til OLD \(Gammel\), som har status udgående;/);
  });
});
