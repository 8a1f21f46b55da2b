/**
 * Includes and excludes of a compose naming different versions of one code system: an exclude that names no version
 * removes its codes whatever version an include took them from, one that names a version removes only that version's
 * codes, and an excluded value set's codes are matched by system and code (compose/rules.ts, exclusionVersion).
 * `$expand` lists exactly the codes `$validate-code` accepts. (Excluding a whole version from another version, the
 * `versionsMatch` case, is HL7's tx-ecosystem `overload` suite.)
 */
import type { CodeSystem, CodeSystemConcept, ParametersParameter, ValueSet, ValueSetCompose, ValueSetExpansionContains } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { valueNamed as value } from '../support/parameters';

const U = 'http://example.org/fhir/CodeSystem/exclude-versions';
const VS = 'http://example.org/fhir/ValueSet/exclude-versions';
const IMPORTED = 'http://example.org/fhir/ValueSet/exclude-versions-imported';

/** A › A1 › {A1a, A1b}, A › A2 › A2a, B, and C in 1.0.0, D in 2.0.0 */
const version = (v: string, last: string): CodeSystem => ({
  resourceType: 'CodeSystem', url: U, version: v, status: 'active', content: 'complete', caseSensitive: true,
  concept: [
    { code: 'A', concept: [{ code: 'A1', concept: [{ code: 'A1a' }, { code: 'A1b' }] }, { code: 'A2', concept: [{ code: 'A2a' }] }] },
    { code: 'B' }, { code: last },
  ] as CodeSystemConcept[],
});
const CODES = ['A', 'A1', 'A1a', 'A1b', 'A2', 'A2a', 'B', 'C', 'D'];
const V1 = ['A', 'A1', 'A1a', 'A1b', 'A2', 'A2a', 'B', 'C'];

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const post = (operation: '$expand' | '$validate-code', compose: ValueSetCompose, imported: ValueSetCompose | undefined, more: ParametersParameter[] = []) => {
  const valueSets: ValueSet[] = [
    { resourceType: 'ValueSet', url: VS, status: 'active', compose },
    ...(imported ? [{ resourceType: 'ValueSet', url: IMPORTED, status: 'active', compose: imported } as ValueSet] : []),
  ];
  const parameter: ParametersParameter[] = [
    ...[version('1.0.0', 'C'), version('2.0.0', 'D'), ...valueSets].map((resource) => ({ name: 'tx-resource', resource })),
    { name: 'url', valueUri: VS }, ...more,
  ];
  return request(app).post(`/fhir/ValueSet/${operation}`).set('Content-Type', 'application/fhir+json').send({ resourceType: 'Parameters', parameter });
};

const flat = (contains: ValueSetExpansionContains[] | undefined): ValueSetExpansionContains[] => (contains ?? []).flatMap((c) => [c, ...flat(c.contains)]);

interface Case {
  compose: ValueSetCompose;
  imported?: ValueSetCompose;
  /** the expansion, as code@version */
  listed: string[];
  /** $validate-code of codings with a version: code|version → result */
  versioned?: Record<string, boolean>;
}

const at = (v: string, codes: string[]): string[] => codes.map((c) => `${c}@${v}`);
const without = (codes: string[], ...left: string[]): string[] => codes.filter((c) => !left.includes(c));

const CASES: [string, Case][] = [
  ['an exclude without a version removes the code from the version the include names', {
    compose: { include: [{ system: U, version: '1.0.0' }], exclude: [{ system: U, concept: [{ code: 'A1' }] }] },
    listed: at('1.0.0', without(V1, 'A1')),
    versioned: { 'A1|1.0.0': false },
  }],
  ['an exclude naming another version leaves the code of the version included', {
    compose: { include: [{ system: U, version: '1.0.0' }], exclude: [{ system: U, version: '2.0.0', concept: [{ code: 'A1' }] }] },
    listed: at('1.0.0', V1),
    versioned: { 'A1|1.0.0': true },
  }],
  ['of two versions included, an exclude without a version removes the code from both', {
    compose: { include: [{ system: U, version: '1.0.0' }, { system: U, version: '2.0.0' }], exclude: [{ system: U, concept: [{ code: 'A1' }] }] },
    listed: [...at('2.0.0', without(CODES, 'A1', 'C')), ...at('1.0.0', without(V1, 'A1'))],
    versioned: { 'A1|1.0.0': false, 'A1|2.0.0': false },
  }],
  ['of two versions included, an exclude naming one removes the code from that one only', {
    compose: { include: [{ system: U, version: '1.0.0' }, { system: U, version: '2.0.0' }], exclude: [{ system: U, version: '2.0.0', concept: [{ code: 'A1' }] }] },
    listed: [...at('2.0.0', without(CODES, 'A1', 'C')), ...at('1.0.0', V1)],
    versioned: { 'A1|1.0.0': true, 'A1|2.0.0': false, 'B|2.0.0': true },
  }],
  ['of two versions included, excluding one whole leaves the other', {
    compose: { include: [{ system: U, version: '1.0.0' }, { system: U, version: '2.0.0' }], exclude: [{ system: U, version: '2.0.0' }] },
    listed: at('1.0.0', V1),
    versioned: { 'A1|1.0.0': true, 'A1|2.0.0': false, 'D|2.0.0': false },
  }],
  ['an excluded value set of another version removes its codes by system and code', {
    compose: { include: [{ system: U, version: '1.0.0' }], exclude: [{ valueSet: [IMPORTED] }, { system: U, concept: [{ code: 'B' }] }] },
    imported: { include: [{ system: U, version: '2.0.0', concept: [{ code: 'A1' }] }] },
    listed: at('1.0.0', without(V1, 'A1', 'B')),
    versioned: { 'A1|1.0.0': false },
  }],
];

describe('a compose including and excluding different versions of a code system', () => {
  it.each(CASES)('%s, in $expand and $validate-code alike', async (_name, { compose, imported, listed, versioned }) => {
    const expansion = ((await post('$expand', compose, imported).expect(200)).body as ValueSet).expansion;
    const entries = flat(expansion?.contains).map((c) => `${c.code}@${c.version}`);
    expect(entries.sort()).toEqual([...listed].sort());
    expect(expansion?.total).toBe(listed.length);

    const validate = async (code: string, systemVersion?: string) => {
      const res = await post('$validate-code', compose, imported, [
        { name: 'system', valueUri: U }, { name: 'code', valueCode: code }, ...(systemVersion ? [{ name: 'systemVersion', valueString: systemVersion }] : []),
      ]).expect(200);
      return value(res.body, 'result');
    };
    // a coding without a version is in the value set when some version of its code is listed
    for (const code of CODES) expect([code, await validate(code)]).toEqual([code, listed.some((e) => e.startsWith(`${code}@`))]);
    for (const [coding, expected] of Object.entries(versioned ?? {})) {
      const [code, v] = coding.split('|') as [string, string];
      expect([coding, await validate(code, v)]).toEqual([coding, expected]);
    }
  });
});

it('a code excluded from one included version is answered with the version it is valid in', async () => {
  const compose: ValueSetCompose = {
    include: [{ system: U, version: '1.0.0' }, { system: U, version: '2.0.0' }], exclude: [{ system: U, version: '2.0.0', concept: [{ code: 'A1' }] }],
  };
  const res = await post('$validate-code', compose, undefined, [{ name: 'system', valueUri: U }, { name: 'code', valueCode: 'A1' }]).expect(200);
  expect(value(res.body, 'result')).toBe(true);
  expect(value(res.body, 'version')).toBe('1.0.0');
});
