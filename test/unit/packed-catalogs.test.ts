import type { CodeSystem, ConceptMap, ConceptMapGroup, ConceptMapGroupElement } from 'fhir/r4';
import type { CodeSystemProvider, Concept } from '../../src/terminology/providers/provider';
import { FhirCodeSystemProvider } from '../../src/terminology/providers/fhir-codesystem';
import { packedConcepts } from '../../src/terminology/packed/codesystem';
import { PackedCodeSystemProvider } from '../../src/terminology/providers/packed-codesystem';
import { elementsWithCode, sourceCodesIgnoringCase, sourcesStating, targetCodesIgnoringCase } from '../../src/terminology/packed/conceptmap';
import { itemStarts, PackedJsonArray } from '../../src/terminology/packed/json-array';
import { packResource } from '../../src/terminology/packed/resource';
import { parsedNow, parsedSoFar } from '../../src/terminology/packed/parsed-now';
import { assertCodeSystemShape } from '../../src/terminology/resource-shape';
import { FhirError } from '../../src/errors/fhir-error';
import { readJson } from '../support/files';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('PackedJsonArray', () => {
  const tricky = [
    { code: 'a,b', display: 'quote " and backslash \\ and brackets ]}[{' },
    [1, 2.5, -0.001, 1e21, true, false, null, [], {}],
    'æøå – “quoted” ı 😀 \u2028',
    { nested: { deeper: [{ x: '\\"' }] } },
    JSON.parse('{"__proto__": "an own key, as JSON.parse makes it"}') as unknown,
    null,
    7,
  ];

  it('reads back every item and the whole array equal to the original, with key order', () => {
    const original = JSON.parse(JSON.stringify(tricky)) as unknown[];
    const packed = new PackedJsonArray(original);
    expect(packed.length).toBe(original.length);
    original.forEach((item, i) => expect(JSON.stringify(packed.item(i))).toBe(JSON.stringify(item)));
    expect(JSON.stringify(packed.all())).toBe(JSON.stringify(original));
    expect(packed.all()).toEqual(original);
  });

  it('gives a new copy on every read', () => {
    const packed = new PackedJsonArray([{ a: [1] }]);
    const first = packed.all();
    (first[0] as { a: number[] }).a.push(2);
    expect(packed.all()).toEqual([{ a: [1] }]);
    expect(packed.item(0)).not.toBe(packed.item(0));
  });

  it('handles the empty array and refuses items out of range', () => {
    const packed = new PackedJsonArray([]);
    expect(packed.length).toBe(0);
    expect(packed.all()).toEqual([]);
    expect(() => packed.item(0)).toThrow(RangeError);
  });

  it('finds where the items of JSON.stringify output start', () => {
    const starts = (text: string) => [...itemStarts(Buffer.from(text, 'latin1'))];
    expect(starts('[]')).toEqual([2]);
    expect(starts('[1]')).toEqual([1, 3]);
    expect(starts('["a,\\"]",{"b":[1,2]},3]')).toEqual([1, 9, 21, 23]);
    expect(starts('["\\\\",["]"],"ø\\u00e6"]')).toEqual([1, 6, 12, 22]);
  });
});

/** After the computation running now: what it parsed for its reads is let go. */
const nextComputation = () => new Promise((resolve) => setImmediate(resolve));

describe('a packed array parsed for the computation running now', () => {
  it('is parsed once for all the reads of one computation, and anew in the next', async () => {
    const packed = new PackedJsonArray([{ a: 1 }, { a: 2 }]);
    const parse = jest.spyOn(packed, 'all');
    const first = packed.parsedNow();
    expect(first).toEqual([{ a: 1 }, { a: 2 }]);
    expect(packed.parsedNow()).toBe(first);
    expect(packed.itemNow(1)).toBe(first[1]);
    expect(parse).toHaveBeenCalledTimes(1);
    await nextComputation();
    const next = packed.parsedNow();
    expect(next).not.toBe(first);
    expect(next).toEqual(first);
    expect(parse).toHaveBeenCalledTimes(2);
  });

  it('reads an item as a new copy of its own when the computation did not parse the array', () => {
    const packed = new PackedJsonArray([{ a: [1] }]);
    const parse = jest.spyOn(packed, 'all');
    expect(packed.itemNow(0)).toEqual({ a: [1] });
    expect(packed.itemNow(0)).not.toBe(packed.itemNow(0));
    expect(() => packed.itemNow(1)).toThrow(RangeError);
    expect(parse).not.toHaveBeenCalled();
  });

  it('keeps only the last few arrays a computation parsed', () => {
    const owners = Array.from({ length: 10 }, () => ({}));
    for (const owner of owners) parsedNow(owner, () => [owner]);
    expect(parsedSoFar(owners[0]!)).toBeUndefined();
    expect(parsedSoFar(owners[9]!)).toEqual([owners[9]]);
  });
});

const LOCAL_CS: CodeSystem = {
  resourceType: 'CodeSystem',
  id: 'kommune-101-lokale',
  url: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale',
  version: '1.0.0',
  title: 'Kommune 101 – lokale indsatser',
  status: 'active',
  content: 'complete',
  caseSensitive: false,
  property: [
    { code: 'type', uri: 'http://faelles-tx.dk/fhir/CodeSystem/lokal-type', type: 'code' },
    { code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', type: 'code' },
    { code: 'notSelectable', uri: 'http://hl7.org/fhir/concept-properties#notSelectable', type: 'boolean' },
  ],
  concept: [
    { code: '101-A', display: 'Træning – individuelt', definition: 'Lokal "indsats"', property: [{ code: 'type', valueCode: 'indsats' }] },
    { code: '101-B', display: 'Tilbud', property: [{ code: 'type', valueCode: 'tilbud' }, { code: 'status', valueCode: 'retired' }] },
    { code: '101-a', display: 'Lille a', designation: [{ language: 'en', value: 'Small a' }] },
    { code: '101-C', display: 'Gruppe', property: [{ code: 'notSelectable', valueBoolean: true }], extension: [{ url: 'http://example.org/x', valueString: 'x' }] },
    { code: '101-A', display: 'The second 101-A: ignored, as by FhirCodeSystemProvider' },
  ],
};

const concept = (p: CodeSystemProvider, code: string): Concept => {
  const found = p.locate(code);
  if (!found) throw new Error(`no concept ${code}`);
  return found;
};
const plain = (c: Concept | undefined) => c && {
  code: c.code, display: c.display, definition: c.definition, designations: c.designations, properties: c.properties,
  extensions: c.extensions, parents: c.parents.map((x) => x.code), children: c.children.map((x) => x.code),
};

describe('a packed flat CodeSystem', () => {
  const original = clone(LOCAL_CS);
  const packed = packResource(clone(LOCAL_CS)) as CodeSystem;

  it('is the same resource: same fields in the same order, concepts read back equal', () => {
    expect(packedConcepts(packed)).toBeDefined();
    expect(JSON.stringify(packed)).toBe(JSON.stringify(original));
    expect(Object.keys(packed)).toEqual(Object.keys(original));
    expect(packed).toEqual(original);
    expect({ ...packed }).toEqual(original);
    expect(packed.concept).not.toBe(packed.concept);
  });

  it('is served by PackedCodeSystemProvider with the answers of FhirCodeSystemProvider', () => {
    const fhir = new FhirCodeSystemProvider(original);
    const lean = new PackedCodeSystemProvider(packed, packedConcepts(packed)!);
    expect(lean.size()).toBe(fhir.size());
    expect([...lean.all()].map(plain)).toEqual([...fhir.all()].map(plain));
    expect(lean.roots().map(plain)).toEqual(fhir.roots().map(plain));
    for (const code of ['101-A', '101-B', '101-a', '101-C', '101-c', '101-b', 'nope']) {
      expect(plain(lean.locate(code))).toEqual(plain(fhir.locate(code)));
      expect(plain(lean.locateIgnoringCase(code))).toEqual(plain(fhir.locateIgnoringCase(code)));
    }
    for (const code of ['101-A', '101-B', '101-C']) {
      expect(lean.status(concept(lean, code))).toBe(fhir.status(concept(fhir, code)));
      expect(lean.isInactive(concept(lean, code))).toBe(fhir.isInactive(concept(fhir, code)));
      expect(lean.isAbstract(concept(lean, code))).toBe(fhir.isAbstract(concept(fhir, code)));
      expect(lean.propertyValues(concept(lean, code), 'type')).toEqual(fhir.propertyValues(concept(fhir, code), 'type'));
      expect([...(lean as CodeSystemProvider).descendants(concept(lean, code))]).toEqual([...fhir.descendants(concept(fhir, code))]);
    }
    expect(lean.subsumes(concept(lean, '101-A'), concept(lean, '101-A'))).toBe(true);
    expect(lean.subsumes(concept(lean, '101-A'), concept(lean, '101-B'))).toBe(false);
    expect(lean.propertyDefinitions).toEqual(fhir.propertyDefinitions);
    expect(lean.propertyCode('status')).toBe(fhir.propertyCode('status'));
  });

  it('parses its concepts once for the reads of one computation (all concepts, then located ones)', async () => {
    const cs = packResource(clone(LOCAL_CS)) as CodeSystem;
    const { concepts } = packedConcepts(cs)!;
    const parse = jest.spyOn(concepts, 'all');
    const readOne = jest.spyOn(concepts, 'item');
    const lean = new PackedCodeSystemProvider(cs, packedConcepts(cs)!);
    expect(plain(lean.locate('101-B'))).toEqual(plain(new FhirCodeSystemProvider(original).locate('101-B')));
    expect(readOne).toHaveBeenCalledTimes(1);
    expect(parse).not.toHaveBeenCalled();
    const all = [...lean.all()].map(plain);
    expect([...lean.all()].map(plain)).toEqual(all);
    expect(plain(lean.locate('101-C'))).toEqual(all.find((c) => c?.code === '101-C'));
    expect(parse).toHaveBeenCalledTimes(1);
    expect(readOne).toHaveBeenCalledTimes(1);
    await nextComputation();
    expect(plain(lean.locate('101-C'))).toEqual(all.find((c) => c?.code === '101-C'));
    expect(readOne).toHaveBeenCalledTimes(2);
  });

  it('is not packed when hierarchical or a supplement', () => {
    const nested = clone({ ...LOCAL_CS, concept: [{ code: 'p', concept: [{ code: 'c' }] }] });
    const byProperty = clone({ ...LOCAL_CS, concept: [{ code: 'p' }, { code: 'c', property: [{ code: 'parent', valueCode: 'p' }] }] });
    const supplement = clone({ ...LOCAL_CS, content: 'supplement' as const, supplements: 'http://example.org/cs' });
    for (const cs of [nested, byProperty, supplement]) expect(packResource(cs)).toBe(cs);
    const fsiii = readJson<CodeSystem>('kl/CodeSystem-FSIII.json');
    expect(packResource(fsiii)).toBe(fsiii);
  });
});

/** What the shape check throws for a code system, or undefined. */
function shapeError(cs: CodeSystem): { message: string; options: unknown } | undefined {
  try {
    assertCodeSystemShape(cs);
    return undefined;
  } catch (e) {
    if (!(e instanceof FhirError)) throw e;
    return { message: e.message, options: e.options };
  }
}

describe('the shape check of a packed CodeSystem', () => {
  const MALFORMED = clone({
    ...LOCAL_CS,
    concept: [
      { code: '101-A', display: 7 }, { display: 'no code' }, { code: '101-C', property: [{ valueCode: 'indsats' }] }, { code: '101-D' },
    ],
  }) as unknown as CodeSystem;

  it('refuses a malformed catalog as it refuses it unpacked, the concepts read from the packed text', () => {
    const packed = packResource(clone(MALFORMED)) as CodeSystem;
    expect(packedConcepts(packed)).toBeDefined();
    const refused = shapeError(packed);
    expect(refused?.message).toBe(`The CodeSystem '${LOCAL_CS.url}' is not valid: CodeSystem.concept[0].display must be a string; `
      + 'CodeSystem.concept[1].code is missing; CodeSystem.concept[2].property[0].code is missing');
    expect(refused).toEqual(shapeError(clone(MALFORMED)));
    // refused again: a refusal is not remembered as checked
    expect(shapeError(packed)).toEqual(refused);
  });

  it('refuses a packed catalog whose other elements are malformed', () => {
    const packed = packResource(clone({ ...LOCAL_CS, caseSensitive: 'no' }) as unknown as CodeSystem) as CodeSystem;
    expect(packedConcepts(packed)).toBeDefined();
    expect(shapeError(packed)?.message).toBe(`The CodeSystem '${LOCAL_CS.url}' is not valid: CodeSystem.caseSensitive must be a boolean`);
  });

  it('passes a well-shaped packed catalog, reading the concepts the computation parses for its evaluation', () => {
    const packed = packResource(clone(LOCAL_CS)) as CodeSystem;
    const parse = jest.spyOn(packedConcepts(packed)!.concepts, 'all');
    expect(shapeError(packed)).toBeUndefined();
    expect([...new PackedCodeSystemProvider(packed, packedConcepts(packed)!).all()]).toHaveLength(4);
    expect(parse).toHaveBeenCalledTimes(1);
  });
});

const MAP: ConceptMap = {
  resourceType: 'ConceptMap',
  id: 'kommune-101-lokale',
  url: 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale',
  status: 'active',
  group: [
    {
      source: LOCAL_CS.url,
      target: 'urn:oid:1.2.208.176.2.21',
      element: [
        { code: '101-A', target: [{ code: 'x', equivalence: 'subsumes' }] },
        { code: '101-B', display: 'Tilbud', target: [{ code: 'x', equivalence: 'inexact' }, { code: 'y', equivalence: 'inexact' }, { code: 'x', equivalence: 'inexact' }] },
        { code: '101-A', target: [{ code: 'z', equivalence: 'subsumes' }] },
        { code: '101-D', target: [{ equivalence: 'unmatched' }] },
      ],
      unmapped: { mode: 'provided' },
    },
    { source: 'http://example.org/other', target: 'urn:oid:1.2.208.176.2.21' } as ConceptMapGroup,
  ],
};

/** What sourcesStating gives for a code, as plain values: per row its code, its JSON, its display, equivalence and relationship. */
function sourceRows(group: ConceptMapGroup, code: string) {
  const rows = sourcesStating(group, code);
  return Array.from({ length: rows.count }, (_, i) => rows.code(i)).map((c, i) => {
    const { bytes, start, end } = rows.json(i);
    return { code: c, json: bytes.toString('utf8', start, end), display: rows.display(i), mapping: rows.mapping(i) };
  });
}

/** The same from the elements that target the code: one row per target of that code, elements without a code left out. */
function scanRows(elements: ConceptMapGroupElement[], code: string) {
  return elements.filter((e) => e.code).flatMap((e) => (e.target ?? []).filter((t) => t.code === code).map((t) => ({
    code: e.code,
    json: JSON.stringify({ code: e.code, ...(e.display ? { display: e.display } : {}) }).slice(1, -1),
    display: e.display || undefined,
    mapping: [t.equivalence, (t as { relationship?: string }).relationship],
  })));
}

describe('a packed ConceptMap', () => {
  const original = clone(MAP);
  const packed = packResource(clone(MAP)) as ConceptMap;

  it('is the same resource, its groups readable without reading their elements', () => {
    expect(JSON.stringify(packed)).toBe(JSON.stringify(original));
    expect(packed).toEqual(original);
    expect(Object.keys(packed.group![0]!)).toEqual(Object.keys(original.group![0]!));
    expect(packed.group![0]!.element).not.toBe(packed.group![0]!.element);
  });

  it('finds the elements of a source code and those with a target code, as a scan of the elements does', () => {
    const scanSource = (code: string) => original.group![0]!.element!.filter((e) => e.code === code);
    const scanTarget = (code: string) => original.group![0]!.element!.filter((e) => (e.target ?? []).some((t) => t.code === code));
    for (const code of ['101-A', '101-B', '101-D', 'nope']) {
      expect(elementsWithCode(packed.group![0]!, code)).toEqual(scanSource(code));
      expect(elementsWithCode(original.group![0]!, code)).toEqual(scanSource(code));
    }
    for (const code of ['x', 'y', 'z', 'nope']) {
      expect(sourceRows(packed.group![0]!, code)).toEqual(scanRows(scanTarget(code), code));
      expect(sourceRows(original.group![0]!, code)).toEqual(scanRows(scanTarget(code), code));
    }
    expect(elementsWithCode(packed.group![1]!, '101-A')).toEqual([]);
  });

  it('finds them by an index in a large group that is not packed (a written map), as the scan does, also after the group changed', () => {
    const elements = Array.from({ length: 100 }, (_, i) => ({
      code: `L${i % 40}`, target: [{ code: `T${i % 7}`, equivalence: 'subsumes' as const }, ...(i % 5 === 0 ? [{ code: `T${(i + 1) % 7}`, equivalence: 'inexact' as const }] : [])],
    }));
    const group = { source: LOCAL_CS.url, target: 'urn:oid:1.2.208.176.2.21', element: elements };
    const check = () => {
      for (const code of ['L0', 'L39', 'L40', 'nope']) {
        const found = elementsWithCode(group, code);
        expect(found).toEqual(elements.filter((e) => e.code === code));
        found.forEach((e, i) => expect(e).toBe(elements.filter((x) => x.code === code)[i]));
      }
      for (const code of ['T0', 'T1', 'T6', 'nope']) {
        expect(sourceRows(group, code)).toEqual(scanRows(elements.filter((e) => e.target.some((t) => t.code === code)), code));
      }
    };
    check();
    elements.push({ code: 'L0', target: [{ code: 'T0', equivalence: 'subsumes' }] });
    check();
  });

  it('finds the source and target codes that are a code but for case, in a packed group and in small and large groups that are not', () => {
    const elements = [
      { code: 'Ab', target: [{ code: 'Tx', equivalence: 'equivalent' as const }] },
      { code: 'AB', target: [{ code: 'TX', equivalence: 'equivalent' as const }, { code: 'tx', equivalence: 'wider' as const }] },
      { code: 'Ab', target: [{ code: 'Ty', equivalence: 'equivalent' as const }] },
      { code: 'c', target: [{ equivalence: 'unmatched' as const }] },
    ];
    const large = [...elements, ...Array.from({ length: 40 }, (_, i) => ({ code: `f${i}`, target: [{ code: `g${i}`, equivalence: 'equivalent' as const }] }))];
    for (const element of [elements, large]) {
      const group: ConceptMapGroup = { source: 'http://example.org/s', target: 'http://example.org/t', element: clone(element) };
      const packedGroup = (packResource(clone({ ...MAP, group: [group] })) as ConceptMap).group![0]!;
      for (const g of [group, packedGroup]) {
        // each other code once, in the order the group has them; not the code itself
        expect(sourceCodesIgnoringCase(g, 'ab')).toEqual(['Ab', 'AB']);
        expect(sourceCodesIgnoringCase(g, 'AB')).toEqual(['Ab']);
        expect(sourceCodesIgnoringCase(g, 'C')).toEqual(['c']);
        expect(sourceCodesIgnoringCase(g, 'c')).toEqual([]);
        expect(sourceCodesIgnoringCase(g, 'nope')).toEqual([]);
        expect(targetCodesIgnoringCase(g, 'TX')).toEqual(['Tx', 'tx']);
        expect(targetCodesIgnoringCase(g, 'ty')).toEqual(['Ty']);
        expect(targetCodesIgnoringCase(g, 'G1')).toEqual(element === large ? ['g1'] : []);
      }
    }
  });

  it('packs the published legacy-key map to the same JSON', () => {
    const legacy = readJson<ConceptMap>('conceptmaps/ConceptMap-fsiii-legacy-keys.json');
    expect(JSON.stringify(packResource(clone(legacy)))).toBe(JSON.stringify(legacy));
  });
});
