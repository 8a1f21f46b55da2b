/**
 * ConceptMap/$closure as FHIR R4 describes closure table maintenance: initialise a named table, add concepts call by
 * call (each answer lists only the new relations, with the table's version), resynchronise from a version; through
 * fhir-kit-client at [base]/$closure and through supertest at ConceptMap/$closure; errors and limits.
 */
import type { CapabilityStatement, CodeSystem, Coding, ConceptMap, OperationDefinition, Parameters } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';
import { fsiiiIndex } from '../support/files';
import { CODES, tokenFor } from '../support/local';
import { issueTranslated } from '../support/translation';
import { failure, useRunningServer } from '../support/server';

const ROOT = '0fa991ef-adf5-4202-8cfe-a31454ed6e9d'; // Kommunale sundhedsfremme og forebyggelsestilstande
const MENTAL = '3547a306-8623-4713-a8ce-db1e82839c50'; // Mental sundhed, under ROOT
const EMOTIONEL = '525b5dd8-d62b-4efa-bf66-262ac47eca5b'; // Emotionel funktion, under MENTAL
const KOGNITIV = '0520a107-2bb0-47b8-8856-c53e27607e51'; // Kognitiv funktion, under MENTAL
const LOCAL_370 = 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser';

const server = useRunningServer();

const fsiii = (code: string): Coding => ({ system: FSIII, code });
const closureParameters = (name: string, concepts: Coding[] = [], version?: string): Parameters => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'name', valueString: name },
    ...concepts.map((c) => ({ name: 'concept', valueCoding: c })),
    ...(version !== undefined ? [{ name: 'version', valueString: version }] : []),
  ],
});
const closure = async (name: string, concepts: Coding[] = [], version?: string): Promise<ConceptMap> =>
  (await server.client.operation({ name: 'closure', method: 'POST', input: closureParameters(name, concepts, version) as never })) as unknown as ConceptMap;

/** The entries of a closure answer as `narrower<broader` (equivalence subsumes: the target subsumes the source). */
function pairs(map: ConceptMap): string[] {
  const out: string[] = [];
  for (const g of map.group ?? []) {
    for (const e of g.element ?? []) {
      for (const t of e.target ?? []) {
        expect(t.equivalence).toBe('subsumes');
        out.push(`${g.source === FSIII ? '' : `${g.source}#`}${e.code}<${g.target === FSIII ? '' : `${g.target}#`}${t.code}`);
      }
    }
  }
  return out.sort();
}

/** Every (narrower, broader) pair among FSIII codes, from the nesting of KL's CodeSystem file. */
function expectedPairs(codes: string[]): string[] {
  const index = fsiiiIndex();
  return codes.flatMap((c) => [...index.ancestors(c)].filter((a) => codes.includes(a)).map((a) => `${c}<${a}`)).sort();
}

let tableNumber = 0;
const freshName = () => `warehouse-${process.pid}-${++tableNumber}`;

describe('$closure as the FHIR specification describes it', () => {
  it('initial call: the name only initialises the table, answered with an empty ConceptMap at version 0', async () => {
    const map = await closure(freshName());
    expect(map).toMatchObject({ resourceType: 'ConceptMap', version: '0', status: 'active' });
    expect(map.group).toBeUndefined();
  });

  it('incremental calls answer only the new relations, narrower concept → broader target with equivalence subsumes, and the new version', async () => {
    const name = freshName();
    await closure(name);
    const first = await closure(name, [fsiii(EMOTIONEL), fsiii(MENTAL)]);
    expect(first.version).toBe('1');
    expect(first.group).toEqual([{
      source: FSIII, target: FSIII,
      element: [{ code: EMOTIONEL, display: 'Emotionel funktion', target: [{ code: MENTAL, display: 'Mental sundhed', equivalence: 'subsumes' }] }],
    }]);
    const second = await closure(name, [fsiii(ROOT), fsiii(KOGNITIV), fsiii(EMOTIONEL)]);
    expect(second.version).toBe('2');
    expect(pairs(second)).toEqual([`${EMOTIONEL}<${ROOT}`, `${KOGNITIV}<${MENTAL}`, `${KOGNITIV}<${ROOT}`, `${MENTAL}<${ROOT}`].sort());
    // nothing new: no entries, and the version stays
    const again = await closure(name, [fsiii(MENTAL)]);
    expect(again.version).toBe('2');
    expect(again.group).toBeUndefined();
  });

  it('version: resynchronises with every entry added after that version (0: all of them)', async () => {
    const name = freshName();
    await closure(name);
    const v1 = await closure(name, [fsiii(EMOTIONEL), fsiii(MENTAL)]);
    const v2 = await closure(name, [fsiii(ROOT), fsiii(KOGNITIV)]);
    const since1 = await closure(name, [], '1');
    expect(since1.version).toBe('2');
    expect(pairs(since1)).toEqual(pairs(v2));
    const all = await closure(name, [], '0');
    expect(all.version).toBe('2');
    expect(pairs(all)).toEqual([...pairs(v1), ...pairs(v2)].sort());
    expect(pairs(await closure(name, [], '2'))).toEqual([]);
    // concepts and version together: the concepts are added, and everything after the version is answered
    const withNew = await closure(name, [fsiii(CODES.paragraf119), fsiii(CODES.fysiskTraening119)], '2');
    expect(withNew.version).toBe('3');
    expect(pairs(withNew)).toEqual([`${CODES.fysiskTraening119}<${CODES.paragraf119}`]);
  });

  it('the table built call by call holds exactly the subsumption pairs of KL\'s hierarchy among its concepts', async () => {
    const index = fsiiiIndex();
    const codes = [ROOT, ...index.descendants(ROOT), CODES.paragraf119, ...[...index.descendants(CODES.paragraf119)].slice(0, 8)];
    const name = freshName();
    await closure(name);
    const answered: string[] = [];
    for (let i = 0; i < codes.length; i += 7) answered.push(...pairs(await closure(name, codes.slice(i, i + 7).map(fsiii))));
    expect(answered.sort()).toEqual(expectedPairs(codes));
    expect(pairs(await closure(name, [], '0'))).toEqual(expectedPairs(codes));
  });

  it('initialising an existing table again empties it: its concepts are new again', async () => {
    const name = freshName();
    await closure(name);
    await closure(name, [fsiii(EMOTIONEL), fsiii(MENTAL)]);
    expect((await closure(name)).version).toBe('0');
    expect(pairs(await closure(name, [], '0'))).toEqual([]);
    const again = await closure(name, [fsiii(MENTAL), fsiii(EMOTIONEL)]);
    expect(again.version).toBe('1');
    expect(pairs(again)).toEqual([`${EMOTIONEL}<${MENTAL}`]);
  });

  it('a local (niveau-3) code takes part through its own code system only: its map to niveau 2 is not subsumption', async () => {
    const name = freshName();
    await closure(name);
    const map = await closure(name, [{ system: LOCAL_370, code: '370-KOL-REHAB' }, fsiii(CODES.sygdomshaandtering), fsiii(CODES.paragraf119)]);
    expect(pairs(map)).toEqual([`${CODES.sygdomshaandtering}<${CODES.paragraf119}`]);
  });

  it('calls on one table at the same time each get their own version, and together give every relation once', async () => {
    const index = fsiiiIndex();
    const codes = [ROOT, ...index.descendants(ROOT)].slice(0, 20);
    const name = freshName();
    await closure(name);
    const batches = [0, 1, 2, 3].map((k) => codes.filter((_, i) => i % 4 === k));
    const answers = await Promise.all(batches.map((b) => closure(name, b.map(fsiii))));
    expect(answers.map((m) => m.version).sort()).toEqual(['1', '2', '3', '4']);
    expect(answers.flatMap(pairs).sort()).toEqual(expectedPairs(codes));
    expect(pairs(await closure(name, [], '0'))).toEqual(expectedPairs(codes));
  });

  it('tables are kept apart by name', async () => {
    const a = freshName();
    const b = freshName();
    await closure(a);
    await closure(b);
    await closure(a, [fsiii(MENTAL)]);
    expect(pairs(await closure(b, [fsiii(EMOTIONEL)]))).toEqual([]);
    expect(pairs(await closure(a, [fsiii(EMOTIONEL)]))).toEqual([`${EMOTIONEL}<${MENTAL}`]);
  });
});

describe('$closure errors', () => {
  it('an unknown name: 404 not-found, and the table is not created', async () => {
    const name = freshName();
    const { status, body } = await failure(closure(name, [fsiii(MENTAL)]));
    expect(status).toBe(404);
    expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    expect((await failure(closure(name, [], '0'))).status).toBe(404);
  });

  it('a concept of an unknown system, or an unknown code, is an error issue per coding, and nothing is added', async () => {
    const name = freshName();
    await closure(name);
    const { status, body } = await failure(closure(name, [fsiii(MENTAL), { system: 'http://example.org/unknown', code: 'x' }, fsiii('no-such-code')]));
    expect(status).toBe(404);
    const issues = (body as { issue: { code: string; expression?: string[] }[] }).issue;
    expect(issues.map((i) => [i.code, i.expression?.[0]])).toEqual([['not-found', 'concept[1]'], ['code-invalid', 'concept[2]']]);
    const after = await closure(name, [fsiii(EMOTIONEL)]);
    expect(after.version).toBe('1');
    expect(pairs(after)).toEqual([]);
  });

  it('bad input is 400: no name, a name that is not one, a coding without a code, a version that is not a number or was never answered', async () => {
    const name = freshName();
    await closure(name);
    const bad = async (parameters: Parameters) => failure(server.client.operation({ name: 'closure', method: 'POST', input: parameters as never }));
    expect((await bad({ resourceType: 'Parameters', parameter: [{ name: 'concept', valueCoding: fsiii(MENTAL) }] })).status).toBe(400);
    expect((await bad(closureParameters('two words'))).status).toBe(400);
    expect((await bad(closureParameters(name, [{ system: FSIII }]))).status).toBe(400);
    expect((await bad(closureParameters(name, [], 'latest'))).status).toBe(400);
    const ahead = await bad(closureParameters(name, [], '7'));
    expect(ahead.status).toBe(400);
    expect(JSON.stringify(ahead.body)).toMatch(/is at version 0; version 7 was never answered/);
    // a grammar's code of any length (a BCP-47 private use tag of 9 KB) is no concept a table keeps
    const longTag = `en-x-${Array.from({ length: 1000 }, (_, i) => `a${String(i).padStart(7, '0')}`).join('-')}`;
    const tooLong = await bad(closureParameters(name, [{ system: 'urn:ietf:bcp:47', code: longTag }]));
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toMatch(/concept\[0\]'s code is \d+ characters long; a closure table keeps codes of at most 256/);
    expect((await closure(name, [{ system: 'urn:ietf:bcp:47', code: 'en-x-kort' }])).version).toBe('1');
  });

  it('changes state, so GET is refused (405) at the base and on ConceptMap, also by the lean GET dispatcher', async () => {
    const name = freshName();
    for (const path of [`/fhir/$closure?name=${name}`, `/fhir/ConceptMap/$closure?name=${name}`]) {
      const res = await request(server.baseUrl.replace(/\/fhir$/, '')).get(path);
      expect(res.status).toBe(405);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-supported' }] });
    }
    expect((await failure(closure(name, [fsiii(MENTAL)]))).status).toBe(404);
  });
});

describe('$closure limits', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp({ closureLimits: { tables: 2, conceptsPerTable: 4, conceptsPerCall: 3, entriesPerTable: 100, entriesPerCall: 100 } });
  });
  const post = (parameters: Parameters) => request(app).post('/fhir/ConceptMap/$closure').set('Content-Type', 'application/fhir+json').send(parameters);

  it('bounds the concepts of one call (413) and of one table (422); at the table limit a new table takes the place of the least used', async () => {
    expect((await post(closureParameters('a'))).status).toBe(200);
    const tooMany = await post(closureParameters('a', [ROOT, MENTAL, EMOTIONEL, KOGNITIV].map(fsiii)));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.issue[0].code).toBe('too-long');
    expect((await post(closureParameters('a', [ROOT, MENTAL, EMOTIONEL].map(fsiii)))).status).toBe(200);
    const full = await post(closureParameters('a', [KOGNITIV, CODES.paragraf119].map(fsiii)));
    expect(full.status).toBe(422);
    expect(full.body.issue[0].code).toBe('too-costly');
    expect((await post(closureParameters('a', [fsiii(KOGNITIV)]))).body.version).toBe('2');
    expect((await post(closureParameters('b'))).status).toBe(200);
    // 'a' was used after 'b' was made: 'b' goes, its client told to initialise it again
    expect((await post(closureParameters('a', [fsiii(KOGNITIV)]))).status).toBe(200);
    expect((await post(closureParameters('c'))).status).toBe(200);
    const gone = await post(closureParameters('b', [fsiii(ROOT)]));
    expect([gone.status, gone.body.issue[0].code]).toEqual([404, 'not-found']);
    expect(gone.body.issue[0].details.text).toMatch(/no closure table named 'b': initialise it first/);
    expect((await post(closureParameters('a'))).body.version).toBe('0');
  });
});

describe('$closure limits on entries (a chain of concepts has entries quadratic in its length)', () => {
  const CHAIN = 'http://example.org/fhir/CodeSystem/chain';
  /** c0 ← c1 ← … ← c19, each below the one before it by a `parent` property. */
  const chain: CodeSystem = {
    resourceType: 'CodeSystem', id: 'chain', url: CHAIN, version: '1', status: 'active', content: 'complete', hierarchyMeaning: 'is-a',
    property: [{ code: 'parent', type: 'code' }],
    concept: Array.from({ length: 20 }, (_, i) => ({ code: `c${i}`, ...(i > 0 ? { property: [{ code: 'parent', valueCode: `c${i - 1}` }] } : {}) })),
  };
  const linked = (from: number, to: number): Coding[] => Array.from({ length: to - from + 1 }, (_, i) => ({ system: CHAIN, code: `c${from + i}` }));
  let app: App;
  beforeAll(async () => {
    app = await testApp({ closureLimits: { tables: 10, conceptsPerTable: 100, conceptsPerCall: 100, entriesPerTable: 25, entriesPerCall: 20 } });
    const admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
    await request(app).put('/fhir/CodeSystem/chain').set('Authorization', admin).type('application/fhir+json').send(chain).expect(201);
  });
  const post = (parameters: Parameters) => request(app).post('/fhir/$closure').set('Content-Type', 'application/fhir+json').send(parameters);
  const resync = async (name: string) => (await post(closureParameters(name, [], '0')).expect(200)).body as ConceptMap;

  it('refuses a call that would add more entries than a call may (422 too-costly), storing nothing of it', async () => {
    await post(closureParameters('chain-call')).expect(200);
    const refused = await post(closureParameters('chain-call', linked(0, 6))).set('Accept-Language', 'da').expect(422); // 21 pairs
    expect(refused.body.issue[0]).toMatchObject({ code: 'too-costly', expression: ['concept'] });
    expect(issueTranslated(refused.body.issue[0])).toEqual({
      text: "Kaldets begreber ville give closure-tabellen 'chain-call' mere end 20 nye indgange (par af begreber, hvor det ene subsumerer det andet); " +
        'højst 20 tilføjes i ét kald: giv færre begreber pr. kald',
      lang: 'en',
      translation: "The concepts of this call would add more than 20 entries (pairs of concepts, one subsuming the other) to the closure table 'chain-call'; " +
        'at most 20 are added in one call: give fewer concepts a call',
    });
    expect(await resync('chain-call')).toMatchObject({ version: '0' });
    expect((await resync('chain-call')).group).toBeUndefined();
    // the same concepts in two calls are taken, each call adding its own
    expect(pairs((await post(closureParameters('chain-call', linked(0, 3))).expect(200)).body)).toHaveLength(6);
    expect((await post(closureParameters('chain-call', linked(4, 6))).expect(200)).body.version).toBe('2');
  });

  it('refuses a call that would take a table past its entries (422 too-costly); the table keeps what it had, and takes what fits', async () => {
    await post(closureParameters('chain-table')).expect(200);
    const first = (await post(closureParameters('chain-table', linked(0, 5))).expect(200)).body as ConceptMap; // 15 pairs
    expect(pairs(first)).toHaveLength(15);
    const refused = await post(closureParameters('chain-table', linked(6, 7))).expect(422); // 6 + 7 more
    expect(refused.body.issue[0]).toMatchObject({ code: 'too-costly', expression: ['concept'] });
    expect(refused.body.issue[0].details.text).toBe("The closure table 'chain-table' would hold more than 25 entries (pairs of concepts, one subsuming the other); " +
      'this server keeps at most 25 in one table');
    const kept = await resync('chain-table');
    expect(kept.version).toBe('1');
    expect(pairs(kept)).toEqual(pairs(first));
    const next = (await post(closureParameters('chain-table', linked(6, 6))).expect(200)).body as ConceptMap;
    expect(next.version).toBe('2');
    expect(pairs(next)).toHaveLength(6);
  });
});

describe('$closure in the CapabilityStatement and its OperationDefinition', () => {
  it('is listed on ConceptMap and at the base with the server\'s definition, based on HL7\'s (which is for the base only), and served', async () => {
    const cs = (await server.client.capabilityStatement()) as unknown as CapabilityStatement;
    const definition = 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-closure';
    const conceptMap = cs.rest![0]!.resource!.find((r) => r.type === 'ConceptMap')!;
    expect(conceptMap.operation).toContainEqual({ name: 'closure', definition });
    expect(cs.rest![0]!.operation).toContainEqual({ name: 'closure', definition });
    const od = (await server.client.read({ resourceType: 'OperationDefinition', id: 'ConceptMap-closure' })) as unknown as OperationDefinition;
    expect(od).toMatchObject({
      url: definition, base: 'http://hl7.org/fhir/OperationDefinition/ConceptMap-closure', code: 'closure', resource: ['ConceptMap'], affectsState: true, system: true, type: true, instance: false,
    });
    const parameter = (n: string) => od.parameter!.find((p) => p.name === n);
    expect(parameter('name')).toMatchObject({ use: 'in', min: 1, max: '1', type: 'string' });
    expect(parameter('concept')).toMatchObject({ use: 'in', min: 0, max: '*', type: 'Coding' });
    expect(parameter('version')).toMatchObject({ use: 'in', min: 0, max: '1', type: 'string' });
    expect(parameter('return')).toMatchObject({ use: 'out', min: 1, max: '1', type: 'ConceptMap' });
  });

  it('ConceptMap/$closure and [base]/$closure address the same tables', async () => {
    const name = freshName();
    await closure(name);
    const res = await request(server.baseUrl.replace(/\/fhir$/, '')).post('/fhir/ConceptMap/$closure')
      .set('Content-Type', 'application/fhir+json').send(closureParameters(name, [fsiii(EMOTIONEL), fsiii(MENTAL)]));
    expect(res.status).toBe(200);
    expect(res.body.version).toBe('1');
    expect(pairs(await closure(name, [], '0'))).toEqual([`${EMOTIONEL}<${MENTAL}`]);
  });
});
