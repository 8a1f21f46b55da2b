/**
 * FHIR R4's rules for narratives (txt-1, txt-2: XHTML in a div, no active content, some content), for the elements
 * R4 requires (Extension.url, ext-1: an extension has a value or extensions) and for the codes of `code` elements R4
 * binds with strength required (CodeSystem.filter.operator), and for R4's invariants (cmd-1, cpt-2, dom-3 …), applied
 * alike by every write (422 at the element, nothing stored) and by $validate (an error at the same element).
 */
import type { CodeSystem, ConceptMap, OperationOutcome, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { CODES, localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { validateWith } from '../validation/outcome';

const JSON_TYPE = 'application/fhir+json';
const XHTML = 'http://www.w3.org/1999/xhtml';
const SCRIPT = `<div xmlns="${XHTML}"><p>Lokale indsatser</p><script>alert(1)</script></div>`;

let app: App;
let token101: string;

beforeAll(async () => {
  app = await testApp();
  token101 = await tokenFor({ kommunekode: '101' });
});

let n = 0;
/** A valid local CodeSystem of municipality 101, changed by `change`. */
function catalog(change: (cs: CodeSystem) => void): CodeSystem {
  const cs = localCodeSystem('101', `regler-${++n}`, [{ code: `101-${n}`, display: 'Hjælp', type: 'indsats' }]);
  change(cs);
  return cs;
}

const put = (cs: CodeSystem, lang = 'en') => request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${token101}`)
  .set('Accept-Language', lang).type(JSON_TYPE).send(cs);

function issues(res: request.Response): { severity: string; code: string; expression?: string[]; text?: string }[] {
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome.issue.map((i) => ({ severity: i.severity, code: i.code, expression: i.expression, text: i.details?.text }));
}

async function refused(cs: CodeSystem, lang = 'en') {
  const res = await put(cs, lang).expect(422);
  await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  return issues(res);
}

describe('a narrative is XHTML without active content', () => {
  it.each([
    ['a script', SCRIPT, /element <script>/],
    ['an event handler', `<div xmlns="${XHTML}"><img src="x.png" onerror="alert(1)"/></div>`, /attribute 'onerror'/],
    ['a javascript: link', `<div xmlns="${XHTML}"><a href=" JAVASCRIPT:alert(1)">x</a></div>`, /script URL/],
    ['a form', `<div xmlns="${XHTML}"><form><input/></form></div>`, /element <form>/],
    ['text that is not XHTML', 'not xhtml at all <b>', /not well-formed/],
    ['XHTML without its div', '<p>no div</p>', /one <div/],
    ['a div of only whitespace', `<div xmlns="${XHTML}"> </div>`, /txt-2/],
  ])('a write with %s in text.div is 422 at CodeSystem.text.div, and nothing is stored', async (_, div, message) => {
    const found = await refused(catalog((cs) => { cs.text = { status: 'generated', div }; }));
    expect(found).toEqual([expect.objectContaining({ severity: 'error', code: 'invalid', expression: ['CodeSystem.text.div'] })]);
    expect(found[0]!.text).toMatch(message);
  });

  it('is refused in Danish to a Danish caller', async () => {
    const [issue] = await refused(catalog((cs) => { cs.text = { status: 'generated', div: SCRIPT }; }), 'da');
    expect(issue!.text).toMatch(/^Den fortællende tekst \(text.div\) har elementet <script>/);
  });

  it("a contained resource's narrative too, and an entry's of a transaction", async () => {
    const cs = catalog((c) => {
      c.contained = [{ resourceType: 'ValueSet', id: 'vs', status: 'active', text: { status: 'generated', div: SCRIPT } } as ValueSet];
    });
    expect((await refused(cs)).map((i) => i.expression)).toEqual([['CodeSystem.contained[0].text.div']]);
    const other = catalog((c) => { c.text = { status: 'generated', div: SCRIPT }; });
    const res = await request(app).post('/fhir').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { resource: catalog(() => undefined), request: { method: 'POST', url: 'CodeSystem' } },
        { resource: other, request: { method: 'PUT', url: `CodeSystem/${other.id}` } },
      ],
    }).expect(422);
    expect(issues(res).map((i) => i.expression)).toEqual([['Bundle.entry[1].resource.text.div']]);
  });

  it('a narrative of formatting, links and images is written', async () => {
    const div = `<div xmlns="${XHTML}"><p>Kommunens <b>lokale</b> indsatser&nbsp;(<a href="https://kl.dk/">KL</a>)</p><img src="https://kl.dk/logo.png" alt="KL"/></div>`;
    await put(catalog((cs) => { cs.text = { status: 'generated', div }; })).expect(201);
  });

  it('$validate reports the same error at the same element, for the resource and a contained one', async () => {
    const cs = catalog((c) => {
      c.text = { status: 'generated', div: 'not xhtml at all <b>' };
      c.contained = [{ resourceType: 'ValueSet', id: 'vs', status: 'active', text: { status: 'generated', div: SCRIPT } } as ValueSet];
      c.valueSet = '#vs'; // referred to, as R4's dom-3 wants
    });
    const found = await validateWith(app, cs, '/fhir/CodeSystem/$validate');
    expect(found.filter((i) => i.severity === 'error').map((i) => [i.code, i.expression, i.da.slice(0, 27)])).toEqual([
      ['invalid', ['CodeSystem.text.div'], 'Den fortællende tekst (text'],
      ['invalid', ['CodeSystem.contained[0].text.div'], 'Den fortællende tekst (text'],
    ]);
  });
});

describe("an extension has a url, and a value or extensions (ext-1)", () => {
  it('a write with an extension without url is 422 at its url', async () => {
    const found = await refused(catalog((cs) => { cs.extension = [{ valueString: 'x' } as never]; }));
    expect(found).toEqual([expect.objectContaining({ severity: 'error', code: 'required', expression: ['CodeSystem.extension[0].url'] })]);
  });

  it('a write with an extension of neither a value nor extensions, or of both, is 422 ext-1 at the extension', async () => {
    const found = await refused(catalog((cs) => {
      cs.extension = [{ url: 'http://example.org/u' }];
      cs.concept![0]!.extension = [{ url: 'http://example.org/v', valueString: 'x', extension: [{ url: 'a', valueString: 'y' }] }];
    }));
    expect(found.map((i) => [i.code, i.expression])).toEqual([
      ['invariant', ['CodeSystem.concept[0].extension[0]']],
      ['invariant', ['CodeSystem.extension[0]']],
    ]);
    expect(found[0]!.text).toMatch(/ext-1/);
  });

  it("in a primitive's extensions and a contained resource too; R4's other required elements as well", async () => {
    const found = await refused(catalog((cs) => {
      (cs as { _status?: unknown })._status = { extension: [{ url: 'http://example.org/u' }] };
      cs.contained = [{ resourceType: 'ValueSet', id: 'vs' } as never];
    }));
    expect(found.map((i) => i.expression)).toEqual([['CodeSystem.status.extension[0]'], ['CodeSystem.contained[0].status']]);
  });

  it('an extension with a value, or with extensions, is written', async () => {
    await put(catalog((cs) => {
      cs.extension = [{ url: 'http://example.org/u', valueString: 'x' }, { url: 'http://example.org/v', extension: [{ url: 'a', valueCode: 'b' }] }];
    })).expect(201);
  });

  it('$validate reports ext-1 as the write does', async () => {
    const cs = catalog((c) => { c.extension = [{ url: 'http://example.org/u' }]; });
    const found = await validateWith(app, cs, '/fhir/CodeSystem/$validate');
    expect(found.filter((i) => i.severity === 'error').map((i) => [i.code, i.expression, i.id])).toEqual([['invariant', ['CodeSystem.extension[0]'], 'ext-1']]);
  });
});

describe('a choice element (value[x]) has one value, in one of its types', () => {
  it("a concept's property with valueCode and valueString is 422 at its value, naming both, and nothing is stored", async () => {
    const found = await refused(catalog((cs) => { Object.assign(cs.concept![0]!.property![0]!, { valueString: 'tilbud' }); }));
    expect(found).toEqual([expect.objectContaining({ severity: 'error', code: 'structure', expression: ['CodeSystem.concept[0].property[0].value'] })]);
    expect(found[0]!.text).toMatch(/valueCode, valueString/);
  });

  it("an extension's two values, in Danish to a Danish caller; a value beside its own extensions (`_valueCode`) is one", async () => {
    const found = await refused(catalog((cs) => {
      cs.extension = [{ url: 'http://example.org/u', valueString: 'a', valueCode: 'b' } as never];
    }), 'da');
    expect(found.map((i) => [i.code, i.expression])).toEqual([['structure', ['CodeSystem.extension[0].value']]]);
    expect(found[0]!.text).toBe("Elementet 'value[x]' har 2 værdier (valueCode, valueString); FHIR R4 tillader højst én");
    await put(catalog((cs) => {
      Object.assign(cs.concept![0]!.property![0]!, { _valueCode: { extension: [{ url: 'http://example.org/n', valueString: 'note' }] } });
    })).expect(201);
  });

  it("a ConceptMap's source[x] given twice, and $validate says the same", async () => {
    const cm = { resourceType: 'ConceptMap', status: 'draft', sourceUri: 'http://example.org/a', sourceCanonical: 'http://example.org/b' };
    const found = await validateWith(app, cm, '/fhir/ConceptMap/$validate');
    expect(found.filter((i) => i.severity === 'error').map((i) => [i.code, i.expression])).toEqual([['structure', ['ConceptMap.source']]]);
  });
});

describe('a code element R4 binds with strength required has a code of its value set', () => {
  const filter = (operator: string[]) => catalog((cs) => {
    cs.filter = [{ code: 'type', operator: operator as never, value: 'a type' }];
  });

  it('a write with a filter operator not in FilterOperator is 422 at the operator, and nothing is stored', async () => {
    const found = await refused(filter(['=', 'equals']));
    expect(found).toEqual([{
      severity: 'error', code: 'code-invalid', expression: ['CodeSystem.filter[0].operator[1]'],
      text: "The value 'equals' is not in the value set 'FilterOperator' (http://hl7.org/fhir/ValueSet/filter-operator), which FHIR R4 requires for CodeSystem.filter.operator",
    }]);
  });

  it("in a contained resource too, in Danish to a Danish caller", async () => {
    const found = await refused(catalog((cs) => {
      cs.contained = [{ resourceType: 'ServiceRequest', id: 's', status: 'done', intent: 'order', subject: { reference: 'Patient/1' } } as never];
    }), 'da');
    expect(found.map((i) => [i.expression, i.text])).toEqual([[
      ['CodeSystem.contained[0].status'],
      "Værdien 'done' findes ikke i værdisættet 'RequestStatus' (http://hl7.org/fhir/ValueSet/request-status), som FHIR R4 kræver for ServiceRequest.status",
    ]]);
  });

  it('a filter of FilterOperator codes is written', async () => {
    await put(filter(['=', 'is-a', 'in'])).expect(201);
  });

  it('$validate reports the same error at the same element', async () => {
    const found = await validateWith(app, filter(['regex', 'like']), '/fhir/CodeSystem/$validate');
    expect(found.filter((i) => i.severity === 'error').map((i) => [i.code, i.expression])).toEqual([['code-invalid', ['CodeSystem.filter[0].operator[1]']]]);
  });
});

describe("R4's invariants (cmd-1, cpt-2, dom-3 …): a write breaking one is refused, as $validate reports it", () => {
  /** The local catalog of one offer, '101-X', that the maps below map. */
  const offerCatalog = (name: string): CodeSystem => localCodeSystem('101', name, [{ code: '101-X', display: 'Tilbud', type: 'tilbud' }]);
  const mapOf = (id: string, comment?: string): ConceptMap => {
    const map = localConceptMap('101', id, [{ code: '101-X', targets: [CODES.nikotin, CODES.kostvejledning] }]);
    for (const target of map.group![0]!.element![0]!.target!) {
      if (comment === undefined) delete target.comment;
      else target.comment = comment;
    }
    return map;
  };
  const putMap = (map: ConceptMap, lang = 'en') => request(app).put(`/fhir/ConceptMap/${map.id}`).set('Authorization', `Bearer ${token101}`)
    .set('Accept-Language', lang).type(JSON_TYPE).send(map);
  const messageIds = (res: request.Response) => (res.body as OperationOutcome).issue.map((i) => i.extension?.find((e) => e.url.endsWith('operationoutcome-message-id'))?.valueString);

  it('an inexact map target without a comment (cmd-1) is 422 at each target, in Danish too, and nothing is stored', async () => {
    await put(offerCatalog('uden-kommentar')).expect(201);
    const map = mapOf('uden-kommentar');
    expect(map.group![0]!.element![0]!.target!.map((t) => t.equivalence)).toEqual(['inexact', 'inexact']);
    const res = await putMap(map).expect(422);
    expect(issues(res).map((i) => [i.severity, i.code, i.expression])).toEqual([0, 1].map((t) => ['error', 'invariant', [`ConceptMap.group[0].element[0].target[${t}]`]]));
    expect(messageIds(res)).toEqual(['cmd-1', 'cmd-1']);
    expect(issues(res)[0]!.text).toMatch(/^Constraint failed: cmd-1: 'If the map is narrower or inexact, there SHALL be some comments'/);
    // the rule in Danish, as municipal staff read it: what is missing and where
    expect(issues(await putMap(map, 'da').expect(422))[0]!.text).toMatch(/^Reglen cmd-1 er ikke overholdt: 'Er mapningen snævrere \(narrower\) eller unøjagtig \(inexact\), SKAL der være en kommentar \(comment\)/);
    await request(app).get(`/fhir/ConceptMap/${map.id}`).expect(404);
    const found = await validateWith(app, map, '/fhir/ConceptMap/$validate');
    expect(found.filter((i) => i.severity === 'error').map((i) => [i.id, i.expression])).toEqual([0, 1].map((t) => ['cmd-1', [`ConceptMap.group[0].element[0].target[${t}]`]]));
    await putMap(mapOf('uden-kommentar', 'Del af et tilbud')).expect(201);
  });

  it('in a transaction, at the entry, and nothing of the transaction is stored', async () => {
    const good = offerCatalog('i-transaktion');
    const map = mapOf('i-transaktion');
    const res = await request(app).post('/fhir').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { resource: good, request: { method: 'PUT', url: `CodeSystem/${good.id}` } },
        { resource: map, request: { method: 'PUT', url: `ConceptMap/${map.id}` } },
      ],
    }).expect(422);
    expect(issues(res).map((i) => i.expression)).toEqual([0, 1].map((t) => [`Bundle.entry[1].resource.group[0].element[0].target[${t}]`]));
    await request(app).get(`/fhir/CodeSystem/${good.id}`).expect(404);
  });

  it("a contact's phone number without its system (cpt-2), and a contained resource nothing refers to (dom-3)", async () => {
    const phone = await refused(catalog((cs) => { cs.contact = [{ name: 'Kontakt', telecom: [{ value: '33 12 34 56' }] }]; }));
    expect(phone.map((i) => [i.code, i.expression])).toEqual([['invariant', ['CodeSystem.contact[0].telecom[0]']]]);
    expect(phone[0]!.text).toMatch(/cpt-2/);
    const unreferred = await refused(catalog((cs) => { cs.contained = [{ resourceType: 'ValueSet', id: 'vs', status: 'active' } as ValueSet]; }));
    expect(unreferred.map((i) => [i.code, i.expression])).toEqual([['invariant', ['CodeSystem.contained[0]']]]);
    expect(unreferred[0]!.text).toMatch(/dom-3/);
    await put(catalog((cs) => {
      cs.contact = [{ name: 'Kontakt', telecom: [{ system: 'phone', value: '33 12 34 56' }] }];
      cs.contained = [{ resourceType: 'ValueSet', id: 'vs', status: 'active' } as ValueSet];
      cs.valueSet = '#vs';
    })).expect(201);
  });

  it("a duplicate code is said by the write rule, code by code, not again as csd-1 on the whole code system", async () => {
    const found = await refused(catalog((cs) => { cs.concept = [...cs.concept!, { ...cs.concept![0]! }]; }));
    expect(found.map((i) => [i.code, i.expression])).toEqual([['duplicate', ['CodeSystem.concept[1].code']]]);
  });
});

describe("an empty list (FHIR's JSON has none): a write leaves it out, $validate reports it", () => {
  it('a write is stored and served without its empty arrays, the rest as sent', async () => {
    const cs = catalog((c) => {
      (c as { useContext?: unknown[] }).useContext = [];
      c.concept![0]!.designation = [];
      c.concept![0]!.property = [...c.concept![0]!.property!];
    });
    const res = await put(cs).expect(201);
    const stored = (await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(200)).body as CodeSystem;
    for (const served of [res.body as CodeSystem, stored]) {
      expect(served).not.toHaveProperty('useContext');
      expect(served.concept![0]).not.toHaveProperty('designation');
      expect(served.concept![0]!.property).toEqual(cs.concept![0]!.property);
    }
  });

  it('$validate reports each empty array as an error at it, in Danish too', async () => {
    const cs = catalog((c) => { (c as { useContext?: unknown[] }).useContext = []; });
    const found = await validateWith(app, cs, '/fhir/CodeSystem/$validate');
    expect(found.filter((i) => i.severity === 'error').map((i) => [i.code, i.expression])).toEqual([['structure', ['CodeSystem.useContext']]]);
    const res = await request(app).post('/fhir/CodeSystem/$validate').set('Accept-Language', 'da').type(JSON_TYPE).send(cs).expect(200);
    expect((res.body as OperationOutcome).issue.map((i) => i.details?.text)).toContain("Ikke gyldig FHIR R4: værdien er en tom liste (FHIR's JSON har ingen tomme lister: udelad i stedet elementet)");
  });
});
