import type { Coding, OperationOutcome } from 'fhir/r4';
import pino from 'pino';
import request from 'supertest';
import { createApp, type App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import type { TerminologyResource } from '../../src/terminology/resource-set';
import { publishedCatalogs, testConfig } from '../support/app';
import {
  bundle, C, CARE_SOCIAL, careIntervention, carePlan, careSocial, condition, CS, F, ffb, ffbIntervention, fsiii, intervention119, intervention140,
  KOMMUNE_101, KOMMUNEKODE, LEVEL3_119_140, LEVEL3_CARE, organization, profile, servicePerformer, serviceRequest,
} from './fixtures';
import { klExample, OK, summarise, validateWith, type Issue } from './outcome';

let app: App;
beforeAll(async () => {
  // municipality 370 is the published example; 101 is written through the store, as a municipality would
  app = await createApp({
    config: testConfig(), store: new MemoryStore([...KOMMUNE_101] as TerminologyResource[]),
    logger: pino({ level: 'silent' }), published: publishedCatalogs(),
  });
});

const validate = (body: unknown, url?: string, query?: Record<string, string>): Promise<Issue[]> => validateWith(app, body, url, query);
const from = (id: string) => `${profile(id)}`;
/** KL's canonical of the profile one of ours reproduces. */
const kl = (id: string) => {
  const ig = id.startsWith('klgateway-119') ? 'prevention' : id.startsWith('klgateway-140') ? 'rehab' : id.startsWith('klgateway-care') ? 'gateway' : 'ffbreporting';
  return `http://fhir.kl.dk/${ig}/StructureDefinition/${id}`;
};
const K101 = { kommunekode: '101' };
const VS119 = 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119|2.1.0';
const l3 = (code: string, display: string, system = LEVEL3_119_140) => ({ system, code, display });

function invariant(key: string, profileId: string, en: string, da: string, expression: string): Issue {
  return {
    severity: 'error', code: 'invariant', expression: [expression], id: key,
    en: `Constraint failed: ${key}: '${en}' (defined in ${from(profileId)})`,
    da: `Reglen ${key} er ikke overholdt: '${da}' (defineret i ${from(profileId)})`,
  };
}

const TREATMENT_119 = invariant('klgateway-119-intervention-1', 'klgateway-119-planned-intervention',
  'Planned interventions with a treatment focus shall refer to their care plan (basedOn)',
  'Planlagte indsatser med behandlingsfokus skal henvise til deres indsatsforløb (basedOn)', 'CarePlan');

const NO_PLAN_119 = invariant('klgateway-119-intervention-2', 'klgateway-119-planned-intervention',
  'Afklarende samtale, Behovssamtale and Afsluttende samtale shall not refer to a care plan (basedOn)',
  'Afklarende samtale, Behovssamtale og Afsluttende samtale må ikke henvise til et indsatsforløb (basedOn)', 'CarePlan');
const TRAINING_140 = invariant('klgateway-140-intervention-1', 'klgateway-140-planned-intervention',
  'Training interventions shall refer to their care plan (basedOn)', 'Træningsindsatser skal henvise til deres indsatsforløb (basedOn)', 'CarePlan');
const NO_PLAN_140 = invariant('klgateway-140-intervention-2', 'klgateway-140-planned-intervention',
  'Terapeutfaglig udredning and Koordinering og kommunikation shall not refer to a care plan (basedOn)',
  'Terapeutfaglig udredning og Koordinering og kommunikation må ikke henvise til et indsatsforløb (basedOn)', 'CarePlan');
const errorsOf = (issues: Issue[]) => issues.filter((i) => i.severity === 'error');
/** A planned intervention whose code is text only (KL: code 1..1, both coding slices 0..1). */
function textOnly(cp: Record<string, unknown>, text: string) {
  (cp.activity as { detail: { code: unknown } }[])[0]!.detail.code = { text };
  return cp;
}

function mismatch(prefix: string): Issue {
  return {
    severity: 'error', code: 'code-invalid', id: 'niveau3-mapping-mismatch',
    expression: [`${prefix}.activity[0].detail.code.coding[1]`, `${prefix}.activity[0].detail.code.coding[0]`],
    en: "The niveau-3 code '370-BOLDSPIL' (Boldspil) of municipality 370 is mapped to the niveau-2 code 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d' (Fysisk træning) (ConceptMap http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser), not to the niveau-2 code 'e71b7d85-5c78-49c2-8624-8499d162317b' (Sygdomshåndtering) sent beside it",
    da: "Niveau 3-koden '370-BOLDSPIL' (Boldspil) fra kommune 370 er koblet til niveau 2-koden 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d' (Fysisk træning) (ConceptMap http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser), ikke til niveau 2-koden 'e71b7d85-5c78-49c2-8624-8499d162317b' (Sygdomshåndtering), som er sendt sammen med den",
  };
}

describe('§119 planned intervention', () => {
  it('accepts a treatment intervention linked to its care plan', async () => {
    expect(await validate(intervention119([fsiii(C.kostvejledning, 'Kostvejledning')], { basedOn: true }))).toEqual(OK);
  });

  it('accepts a niveau-3 code of the sending municipality mapped to the niveau-2 code beside it', async () => {
    const cp = intervention119([fsiii(C.vejledningFysisk), l3('370-DIGITAL-TRAENING', 'Digital træning')], { basedOn: true, performer: '370' });
    expect(await validate(cp, '/fhir/CarePlan/$validate')).toEqual(OK);
  });

  it('reports a wrong code: unknown in FSIII and not in the §119 catalog', async () => {
    expect(await validate(intervention119([fsiii('not-a-code')], { basedOn: true }))).toEqual([
      {
        severity: 'error', code: 'code-invalid', tx: 'invalid-code', expression: ['CarePlan.activity[0].detail.code.coding[0]'],
        en: "Unknown code 'not-a-code' in the CodeSystem 'urn:oid:1.2.208.176.2.21' version '20240530'",
        da: "Ukendt kode 'not-a-code' i kodesystemet 'urn:oid:1.2.208.176.2.21' version '20240530'",
      },
      {
        severity: 'error', code: 'code-invalid', tx: 'not-in-vs', expression: ['CarePlan.activity[0].detail.code.coding[0]'],
        en: `The provided code 'urn:oid:1.2.208.176.2.21#not-a-code' was not found in the value set '${VS119}'`,
        da: `Koden 'urn:oid:1.2.208.176.2.21#not-a-code' findes ikke i værdisættet '${VS119}'`,
      },
    ]);
  });

  it('reports a code from the wrong catalog: a §140 intervention', async () => {
    expect(await validate(intervention119([fsiii(C.fysiskTraening140)], { basedOn: true }))).toEqual([{
      severity: 'error', code: 'code-invalid', tx: 'not-in-vs', expression: ['CarePlan.activity[0].detail.code.coding[0]'],
      en: `The provided code 'urn:oid:1.2.208.176.2.21#2abe20c7-c0b4-41c1-b397-52acf36499ef' was not found in the value set '${VS119}'`,
      da: `Koden 'urn:oid:1.2.208.176.2.21#2abe20c7-c0b4-41c1-b397-52acf36499ef' findes ikke i værdisættet '${VS119}'`,
    }]);
  });

  it('reports a code from the wrong catalog: an FFB code next to the FSIII code (the codings are closed to FSIII and niveau 3)', async () => {
    expect(await validate(intervention119([fsiii(C.kostvejledning), ffb(F.fysiskAktivitet)], { basedOn: true }))).toEqual([{
      severity: 'error', code: 'structure', expression: ['CarePlan.activity[0].detail.code.coding[1]'],
      en: `The system 'urn:oid:1.2.208.176.2.22' is not allowed in CarePlan.activity.detail.code.coding, which is closed to the slices level2 (urn:oid:1.2.208.176.2.21), level3 (${LEVEL3_119_140}) (from ${from('klgateway-119-planned-intervention')}, KL profile ${kl('klgateway-119-planned-intervention')})`,
      da: `system 'urn:oid:1.2.208.176.2.22' er ikke tilladt i CarePlan.activity.detail.code.coding, som kun tillader udsnittene level2 (urn:oid:1.2.208.176.2.21), level3 (${LEVEL3_119_140}) (fra ${from('klgateway-119-planned-intervention')}, KL-profilen ${kl('klgateway-119-planned-intervention')})`,
    }]);
  });

  it('reports a retired code with its replacement', async () => {
    expect(await validate(intervention119([fsiii(C.tobaksafvaenning)], { basedOn: true }))).toEqual([
      {
        severity: 'error', code: 'code-invalid', tx: 'not-in-vs', expression: ['CarePlan.activity[0].detail.code.coding[0]'],
        en: `The provided code 'urn:oid:1.2.208.176.2.21#c203c6b5-3be0-40a8-8204-e93751deabf5' was not found in the value set '${VS119}'`,
        da: `Koden 'urn:oid:1.2.208.176.2.21#c203c6b5-3be0-40a8-8204-e93751deabf5' findes ikke i værdisættet '${VS119}'`,
      },
      {
        severity: 'warning', code: 'business-rule', tx: 'code-comment', expression: ['CarePlan.activity[0].detail.code.coding[0]'],
        en: "The concept 'c203c6b5-3be0-40a8-8204-e93751deabf5' has a status of retired and inactive and its use should be reviewed; it is replaced by '6d24992e-e0a2-43e7-bc27-0234622a8655' (Nikotin- og tobaksafvænning)",
        da: "Begrebet 'c203c6b5-3be0-40a8-8204-e93751deabf5' har status udgået, og brugen bør revurderes; det er erstattet af '6d24992e-e0a2-43e7-bc27-0234622a8655' (Nikotin- og tobaksafvænning)",
      },
    ]);
  });

  it('reports a missing delivery type (a required coded extension)', async () => {
    expect(await validate(intervention119([fsiii(C.kostvejledning)], { basedOn: true, delivery: null }))).toEqual([{
      severity: 'error', code: 'structure', expression: ['CarePlan.activity[0].detail'],
      en: `CarePlan.activity.detail.extension:deliveryType: minimum required = 1, but only found 0 (from ${from('klgateway-119-planned-intervention')}, KL profile ${kl('klgateway-119-planned-intervention')})`,
      da: `CarePlan.activity.detail.extension:deliveryType: mindst 1 påkrævet, men kun 0 fundet (fra ${from('klgateway-119-planned-intervention')}, KL-profilen ${kl('klgateway-119-planned-intervention')})`,
    }]);
  });

  it('reports a delivery type outside DeliveryTypes119 at the coding inside the extension', async () => {
    const issues = await validate(intervention119([fsiii(C.kostvejledning)], { basedOn: true, delivery: [careSocial(CS.almen)] }));
    expect(issues.map((i) => [i.severity, i.tx, i.expression])).toEqual([
      ['error', 'not-in-vs', ['CarePlan.activity[0].detail.extension[0].valueCodeableConcept.coding[0]']],
    ]);
  });

  it('requires a care plan for Nikotin- og tobaksafvænning (KL\'s rule names only the retired Tobaksafvænning)', async () => {
    expect(await validate(intervention119([fsiii(C.nikotin)]))).toEqual([TREATMENT_119]);
  });

  it('still requires the care plan when a niveau-3 coding is sent beside the niveau-2 coding', async () => {
    const cp = intervention119([fsiii(C.vejledningFysisk), l3('370-DIGITAL-TRAENING', 'Digital træning')], { performer: '370' });
    expect(await validate(cp)).toEqual([TREATMENT_119]);
  });

  it('forbids a care plan link for Afklarende samtale', async () => {
    expect(await validate(intervention119([fsiii(C.afklarendeSamtale)], { basedOn: true }))).toEqual([
      invariant('klgateway-119-intervention-2', 'klgateway-119-planned-intervention',
        'Afklarende samtale, Behovssamtale and Afsluttende samtale shall not refer to a care plan (basedOn)',
        'Afklarende samtale, Behovssamtale og Afsluttende samtale må ikke henvise til et indsatsforløb (basedOn)', 'CarePlan'),
    ]);
  });

  it('reports a niveau-3 code that the municipality maps to another niveau-2 code, naming both codes', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-BOLDSPIL', 'Boldspil')], { basedOn: true, performer: '370' });
    expect(await validate(cp)).toEqual([mismatch('CarePlan')]);
  });

  it('reports a niveau-3 code that is not in the municipality\'s local catalog', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-UKENDT', 'Ukendt')], { basedOn: true, performer: '370' });
    expect(await validate(cp)).toEqual([{
      severity: 'error', code: 'code-invalid', id: 'niveau3-not-in-local-catalog', expression: ['CarePlan.activity[0].detail.code.coding[1]'],
      en: "The niveau-3 code '370-UKENDT' is not in the local catalog of municipality 370 (http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser)",
      da: "Niveau 3-koden '370-UKENDT' findes ikke i Næstved Kommunes lokale katalog (http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser)",
    }]);
  });

  it('reports a niveau-3 code of another municipality as not in the sender\'s catalog', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-TEORI-OM-KOL', 'Teori om KOL-sygdomme')], { basedOn: true, performer: '101' });
    expect((await validate(cp)).map((i) => [i.id, i.en])).toEqual([
      ['niveau3-not-in-local-catalog', "The niveau-3 code '370-TEORI-OM-KOL' is not in the local catalog of municipality 101 (http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser)"],
    ]);
  });

  it('reports a local offer sent as a niveau-3 intervention', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-KOL-REHAB', 'KOL rehabilitering')], { basedOn: true, performer: '370' });
    expect(await validate(cp)).toEqual([{
      severity: 'error', code: 'business-rule', id: 'niveau3-is-offer', expression: ['CarePlan.activity[0].detail.code.coding[1]'],
      en: "'370-KOL-REHAB' (KOL rehabilitering) is a local offer (tilbud) of municipality 370, not a niveau-3 intervention; report the offer's niveau-2 interventions instead",
      da: "'370-KOL-REHAB' (KOL rehabilitering) er et lokalt tilbud i kommune 370, ikke en niveau 3-indsats; indberet i stedet tilbuddets niveau 2-indsatser",
    }]);
  });

  it('warns, not fails, when a niveau-3 code cannot be checked because the sending municipality is not known (KL requires only code and display)', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-TEORI-OM-KOL', 'Teori om KOL-sygdomme')], { basedOn: true });
    expect(await validate(cp)).toEqual([{
      severity: 'warning', code: 'business-rule', id: 'niveau3-municipality-unknown', expression: ['CarePlan.activity[0].detail.code.coding[1]'],
      en: "The niveau-3 code '370-TEORI-OM-KOL' was not checked against a local catalog: the sending municipality is not known. Give the kommunekode parameter ($validate?kommunekode=101)",
      da: "Niveau 3-koden '370-TEORI-OM-KOL' er ikke kontrolleret mod et lokalt katalog, fordi den indsendende kommune ikke kendes. Giv parameteren kommunekode ($validate?kommunekode=101)",
    }]);
  });

  it('still requires the code and display KL requires of a niveau-3 coding when the municipality is not known', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), { system: LEVEL3_119_140, code: '370-TEORI-OM-KOL' }], { basedOn: true });
    const issues = await validate(cp);
    expect(issues.filter((i) => i.severity === 'error').map((i) => [i.code, i.expression])).toEqual([['structure', ['CarePlan.activity[0].detail.code.coding[1]']]]);
    expect(issues.find((i) => i.id === 'niveau3-municipality-unknown')?.severity).toBe('warning');
  });

  it('warns, not fails, when the resource names two municipalities, so the niveau-3 code cannot be checked against one', async () => {
    // KL's §119 profile allows one performer and no author: here the performing organization names two municipalities
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-TEORI-OM-KOL', 'Teori om KOL-sygdomme')], { basedOn: true });
    (cp.activity as { detail: Record<string, unknown> }[])[0]!.detail.performer = [{ reference: '#udfoerer' }];
    cp.contained = [{ ...organization('udfoerer', '370'), identifier: [{ system: KOMMUNEKODE, value: '101' }, { system: KOMMUNEKODE, value: '370' }] }];
    expect(await validate(cp)).toEqual([{
      severity: 'warning', code: 'business-rule', id: 'niveau3-municipality-ambiguous', expression: ['CarePlan.activity[0].detail.code.coding[1]'],
      en: "The niveau-3 code '370-TEORI-OM-KOL' was not checked against a local catalog: the resource names more than one municipality (101, 370)",
      da: "Niveau 3-koden '370-TEORI-OM-KOL' er ikke kontrolleret mod et lokalt katalog, fordi ressourcen angiver mere end én kommune (101, 370)",
    }]);
  });

  it('warns, not fails, when the named municipality has no local catalog on this server', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('999-X', 'Lokal indsats')], { basedOn: true, performer: '999' });
    expect(await validate(cp)).toEqual([{
      severity: 'warning', code: 'not-found', id: 'niveau3-no-local-catalog', expression: ['CarePlan.activity[0].detail.code.coding[1]'],
      en: "Municipality 999 has no local catalog on this server (a CodeSystem with identifier http://faelles-tx.dk/fhir/NamingSystem/kommunekode|999), so the niveau-3 code '999-X' was not checked",
      da: "Kommune 999 har intet lokalt katalog på serveren (et CodeSystem med identifier http://faelles-tx.dk/fhir/NamingSystem/kommunekode|999), så niveau 3-koden '999-X' er ikke kontrolleret",
    }]);
  });

  it('takes the municipality from the kommunekode parameter when the resource names none', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-TEORI-OM-KOL', 'Teori om KOL-sygdomme')], { basedOn: true });
    expect(await validate(cp, '/fhir/CarePlan/$validate', { kommunekode: '370' })).toEqual(OK);
    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: cp }, { name: 'kommunekode', valueString: '370' }] };
    expect(await validate(parameters, '/fhir/CarePlan/$validate')).toEqual(OK);
  });

  it('prefers the municipality the resource names over a different kommunekode parameter, and says so', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-TEORI-OM-KOL', 'Teori om KOL-sygdomme')], { basedOn: true, performer: '370' });
    expect(await validate(cp, '/fhir/$validate', { kommunekode: '101' })).toEqual([{
      severity: 'warning', code: 'business-rule', id: 'niveau3-kommunekode-parameter-ignored', expression: ['CarePlan'],
      en: "The kommunekode parameter '101' differs from the municipality 370 the submission names; its niveau-3 codes are checked against municipality 370",
      da: "Parameteren kommunekode '101' afviger fra kommune 370, som indberetningen angiver; dens niveau 3-koder kontrolleres mod kommune 370",
    }]);
  });

  it('finds the municipality through a referenced contained Organization', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-BOLDSPIL', 'Boldspil')], { basedOn: true });
    const detail = (cp.activity as { detail: Record<string, unknown> }[])[0]!.detail;
    detail.performer = [{ reference: '#udfoerer' }];
    cp.contained = [organization('udfoerer', '370')];
    expect(await validate(cp)).toEqual([mismatch('CarePlan')]);
  });

  it('reports the niveau-3 system of the care gateway as not allowed in a §119 submission', async () => {
    const cp = intervention119([fsiii(C.sygdomshaandtering), l3('370-TEORI-OM-KOL', 'Teori om KOL-sygdomme', LEVEL3_CARE)], { basedOn: true, performer: '370' });
    expect((await validate(cp)).map((i) => [i.severity, i.code, i.expression])).toEqual([
      ['error', 'structure', ['CarePlan.activity[0].detail.code.coding[1]']],
    ]);
  });
});

describe('the basedOn rules of §119 and §140 where KL\'s own expression decides', () => {
  const paragraphs = [
    { para: '119', intervention: intervention119, text: 'Kostvejledning', listed: C.kostvejledning, needsPlan: TREATMENT_119, noPlan: NO_PLAN_119 },
    { para: '140', intervention: intervention140, text: 'Træning', listed: C.fysiskTraening140, needsPlan: TRAINING_140, noPlan: NO_PLAN_140 },
  ];

  it.each(paragraphs)('§$para: refuses a code with text only, with or without basedOn (KL\'s rules give empty, and one of them fails)', async (p) => {
    expect(await validate(textOnly(p.intervention([]), p.text))).toEqual([p.needsPlan]);
    expect(await validate(textOnly(p.intervention([], { basedOn: true }), p.text))).toEqual([p.noPlan]);
  });

  it.each(paragraphs)('§$para: refuses a single niveau-3 coding whose code is a listed intervention\'s without basedOn (KL compares the code whatever its system)', async (p) => {
    expect(errorsOf(await validate(p.intervention([l3(p.listed, p.text)])))).toEqual([p.needsPlan]);
    expect(errorsOf(await validate(p.intervention([l3(p.listed, p.text)], { basedOn: true })))).toEqual([]);
  });
});

describe('§140 planned intervention', () => {
  it('accepts a training intervention with a niveau-3 code and a group delivery', async () => {
    const cp = intervention140([fsiii(C.fysiskTraening140), l3('370-BALANCETRAENING', 'Balancetræning')], { basedOn: true, performer: '370', delivery: [careSocial(CS.gruppe)] });
    expect(await validate(cp)).toEqual(OK);
  });

  it('requires the care plan for training even when a niveau-3 coding is present', async () => {
    const cp = intervention140([fsiii(C.fysiskTraening140), l3('370-BALANCETRAENING', 'Balancetræning')], { performer: '370' });
    expect(await validate(cp)).toEqual([invariant('klgateway-140-intervention-1', 'klgateway-140-planned-intervention',
      'Training interventions shall refer to their care plan (basedOn)', 'Træningsindsatser skal henvise til deres indsatsforløb (basedOn)', 'CarePlan')]);
  });

  it('forbids the care plan link for Terapeutfaglig udredning', async () => {
    expect(await validate(intervention140([fsiii(C.terapeutfagligUdredning)], { basedOn: true }))).toEqual([
      invariant('klgateway-140-intervention-2', 'klgateway-140-planned-intervention',
        'Terapeutfaglig udredning and Koordinering og kommunikation shall not refer to a care plan (basedOn)',
        'Terapeutfaglig udredning og Koordinering og kommunikation må ikke henvise til et indsatsforløb (basedOn)', 'CarePlan'),
    ]);
  });

  it('reports a §119 intervention as not in the §140 catalog', async () => {
    const issues = await validate(intervention140([fsiii(C.kostvejledning)], { basedOn: true }));
    expect(issues.map((i) => [i.severity, i.tx, i.expression, i.en])).toEqual([
      ['error', 'not-in-vs', ['CarePlan.activity[0].detail.code.coding[0]'],
        "The provided code 'urn:oid:1.2.208.176.2.21#c9a99304-1788-43b7-b7be-e187b092ae9c' was not found in the value set 'http://fhir.kl.dk/term/ValueSet/KLTrainingInterventionsFSIII|2.3.0'"],
    ]);
  });
});

describe('home-care and nursing planned intervention', () => {
  it('accepts a niveau-2 intervention', async () => {
    expect(await validate(careIntervention([fsiii(C.personligHygiejne)]))).toEqual(OK);
  });

  it('accepts a legacy key the required binding\'s value set has (KL\'s hold both trees), with a warning naming the code to use instead', async () => {
    expect(await validate(careIntervention([fsiii('H1.1')]))).toEqual([{
      severity: 'warning', code: 'business-rule', tx: 'code-rule', expression: ['CarePlan.activity[0].detail.code.coding[0]'],
      en: "The code 'H1.1' is a legacy key of urn:oid:1.2.208.176.2.21; use the code '17312894-b23f-43d9-9723-b725ac25d872' (Personlig hygiejne) instead",
      da: "Koden 'H1.1' er en gammel brugervendt nøgle i urn:oid:1.2.208.176.2.21; brug i stedet koden '17312894-b23f-43d9-9723-b725ac25d872' (Personlig hygiejne)",
    }]);
  });

  it('checks a niveau-3 code against a local catalog written through the store, also beside a legacy niveau-2 key', async () => {
    expect(await validate(careIntervention([fsiii(C.personligHygiejne), l3('101-BRUSEBAD', 'Hjælp til brusebad', LEVEL3_CARE)]), '/fhir/$validate', K101)).toEqual(OK);
    const issues = await validate(careIntervention([fsiii('H1.1'), l3('101-BRUSEBAD', 'Hjælp til brusebad', LEVEL3_CARE)]), '/fhir/$validate', K101);
    expect(issues.map((i) => i.tx)).toEqual(['code-rule']);
  });

  it('checks the delivery type of a home-care intervention against KL\'s DeliveryTypes when it is given (0..*)', async () => {
    const withDelivery = (coding: Coding) => {
      const cp = careIntervention([fsiii(C.personligHygiejne)]);
      (cp.activity as { detail: Record<string, unknown> }[])[0]!.detail.extension = [{ url: 'http://fhir.kl.dk/gateway/StructureDefinition/DeliveryType', valueCodeableConcept: { coding: [coding] } }];
      return cp;
    };
    expect(await validate(careIntervention([fsiii(C.personligHygiejne)]))).toEqual(OK);
    expect(await validate(withDelivery(careSocial(CS.individuel)))).toEqual(OK);
    expect((await validate(withDelivery(careSocial(CS.almen)))).filter((i) => i.severity === 'error').map((i) => [i.tx, i.expression])).toEqual([
      ['not-in-vs', ['CarePlan.activity[0].detail.extension[0].valueCodeableConcept.coding[0]']],
    ]);
  });

  it('reports a missing niveau-2 coding', async () => {
    const cp = careIntervention([l3('101-BRUSEBAD', 'Hjælp til brusebad', LEVEL3_CARE)]);
    expect(await validate(cp, '/fhir/$validate', K101)).toEqual([
      {
        severity: 'error', code: 'structure', expression: ['CarePlan.activity[0].detail.code'],
        en: `CarePlan.activity.detail.code.coding:level2: minimum required = 1, but only found 0 (from ${from('klgateway-care-planned-intervention')}, KL profile ${kl('klgateway-care-planned-intervention')})`,
        da: `CarePlan.activity.detail.code.coding:level2: mindst 1 påkrævet, men kun 0 fundet (fra ${from('klgateway-care-planned-intervention')}, KL-profilen ${kl('klgateway-care-planned-intervention')})`,
      },
      {
        severity: 'error', code: 'business-rule', id: 'niveau3-without-niveau2', expression: ['CarePlan.activity[0].detail.code.coding[0]'],
        en: "The niveau-3 code '101-BRUSEBAD' (Hjælp til brusebad) is sent without a niveau-2 coding (system urn:oid:1.2.208.176.2.21); a niveau-3 intervention is reported with both",
        da: "Niveau 3-koden '101-BRUSEBAD' (Hjælp til brusebad) er sendt uden en niveau 2-kodning (system urn:oid:1.2.208.176.2.21); en niveau 3-indsats indberettes med begge",
      },
    ]);
  });

  it('reports a niveau-3 code the municipality has not mapped, and a niveau-3 coding without display', async () => {
    const unmapped = careIntervention([fsiii(C.personligHygiejne), l3('101-UMAPPET', 'Lokal indsats uden kobling', LEVEL3_CARE)]);
    expect(await validate(unmapped, '/fhir/$validate', K101)).toEqual([{
      severity: 'error', code: 'code-invalid', id: 'niveau3-not-mapped', expression: ['CarePlan.activity[0].detail.code.coding[1]'],
      en: "The niveau-3 code '101-UMAPPET' (Lokal indsats uden kobling) is not mapped to a niveau-2 (FSIII) code by any ConceptMap of municipality 101",
      da: "Niveau 3-koden '101-UMAPPET' (Lokal indsats uden kobling) er ikke koblet til en niveau 2-kode (FSIII) i nogen ConceptMap fra kommune 101",
    }]);
    const noDisplay = careIntervention([fsiii(C.personligHygiejne), { system: LEVEL3_CARE, code: '101-BRUSEBAD' }]);
    expect((await validate(noDisplay, '/fhir/$validate', K101)).map((i) => [i.code, i.expression, i.en])).toEqual([
      ['structure', ['CarePlan.activity[0].detail.code.coding[1]'],
        `CarePlan.activity.detail.code.coding:level3.display: minimum required = 1, but only found 0 (from ${from('klgateway-care-planned-intervention')}, KL profile ${kl('klgateway-care-planned-intervention')})`],
    ]);
  });
});

describe('conditions', () => {
  it('accepts §119, §140, home-care and nursing conditions', async () => {
    expect(await validate(condition('klgateway-119-condition', [fsiii(C.kontinens)]))).toEqual(OK);
    expect(await validate(condition('klgateway-140-condition', [fsiii(C.forflytteSig)]))).toEqual(OK);
    expect(await validate(condition('klgateway-care-condition', [fsiii(C.vaskeSig)], [fsiii(C.severity2)]))).toEqual(OK);
    expect(await validate(condition('klgateway-care-condition', [fsiii(C.problemerPersonligPleje)]))).toEqual(OK);
  });

  it('reports a §140 condition and a severity in a §119 condition', async () => {
    const vs = 'http://fhir.kl.dk/prevention/ValueSet/KLConditionCodes119|2.1.0';
    expect(await validate(condition('klgateway-119-condition', [fsiii(C.forflytteSig)], [fsiii(C.severity2)]))).toEqual([
      {
        severity: 'error', code: 'structure', expression: ['Condition.severity'],
        en: `Condition.severity: the element is not allowed (maximum 0), but found 1 (from ${from('klgateway-119-condition')}, KL profile ${kl('klgateway-119-condition')})`,
        da: `Condition.severity: elementet er ikke tilladt (højst 0), men 1 fundet (fra ${from('klgateway-119-condition')}, KL-profilen ${kl('klgateway-119-condition')})`,
      },
      {
        severity: 'information', code: 'code-invalid', tx: 'this-code-not-in-vs', expression: ['Condition.code.coding[0]'],
        en: `The provided code 'urn:oid:1.2.208.176.2.21#86e1982c-f459-4658-9071-e4bf3453a687' was not found in the value set '${vs}'`,
        da: `Koden 'urn:oid:1.2.208.176.2.21#86e1982c-f459-4658-9071-e4bf3453a687' findes ikke i værdisættet '${vs}'`,
      },
      {
        severity: 'error', code: 'code-invalid', tx: 'not-in-vs', expression: ['Condition.code'],
        en: `No valid coding was found for the value set '${vs}' (codes sent: urn:oid:1.2.208.176.2.21#86e1982c-f459-4658-9071-e4bf3453a687)`,
        da: `Ingen gyldig kodning fundet for værdisættet '${vs}' (sendte koder: urn:oid:1.2.208.176.2.21#86e1982c-f459-4658-9071-e4bf3453a687)`,
      },
    ]);
  });

  it('reports a condition code without any coding', async () => {
    const c = { ...condition('klgateway-140-condition', []), code: { text: 'Forflytning' } };
    const vs = 'http://fhir.kl.dk/rehab/ValueSet/Conditions140|2.2.0';
    expect(await validate(c)).toEqual([
      {
        severity: 'error', code: 'required', expression: ['Condition.code'],
        en: `Condition.code has no coding, but a code from the value set '${vs}' is required`,
        da: `Condition.code har ingen kodning, men en kode fra værdisættet '${vs}' er påkrævet`,
      },
      {
        severity: 'error', code: 'structure', expression: ['Condition.code'],
        en: `Condition.code.coding: minimum required = 1, but only found 0 (from ${from('klgateway-140-condition')}, KL profile ${kl('klgateway-140-condition')})`,
        da: `Condition.code.coding: mindst 1 påkrævet, men kun 0 fundet (fra ${from('klgateway-140-condition')}, KL-profilen ${kl('klgateway-140-condition')})`,
      },
    ]);
  });

  it('requires a severity for home-care conditions and forbids it for nursing conditions', async () => {
    const rule = invariant('klgateway-severity-mandatory-in-home-care-not-allowed-in-nursing', 'klgateway-care-condition',
      'The severity is mandatory for home care conditions and not allowed for nursing conditions',
      'Sværhedsgraden er påkrævet for hjemmeplejetilstande og ikke tilladt for sygeplejetilstande', 'Condition');
    expect(await validate(condition('klgateway-care-condition', [fsiii(C.vaskeSig)]))).toEqual([rule]);
    expect(await validate(condition('klgateway-care-condition', [fsiii(C.problemerPersonligPleje)], [fsiii(C.severity2)]))).toEqual([rule]);
  });

  it('applies the home-care rule to legacy keys too (KL\'s value sets hold both trees)', async () => {
    expect((await validate(condition('klgateway-care-condition', [fsiii('J1.1')], [fsiii(C.severity2)]))).map((i) => i.tx)).toEqual(['code-rule']);
  });
});

describe('care plans and service requests', () => {
  it('accepts §119 and §140 care plans, also a cancelled one with its reason', async () => {
    expect(await validate(carePlan('klgateway-119-care-plan', [careSocial(CS.opfoelgning119)]))).toEqual(OK);
    expect(await validate(carePlan('klgateway-140-care-plan', [careSocial(CS.opfoelgning140)]))).toEqual(OK);
    expect(await validate(carePlan('klgateway-119-care-plan', [careSocial(CS.opfoelgning119)], { status: 'cancelled', statusReason: [careSocial(CS.aktivtFravalg)] }))).toEqual(OK);
  });

  it('requires a status reason exactly when the activity is cancelled or stopped', async () => {
    const rule = invariant('klgateway-119-care-plan-1', 'klgateway-119-care-plan',
      'A status reason is required if the activity status is cancelled or stopped, and not allowed otherwise',
      'En årsag (statusReason) er påkrævet, når aktivitetens status er cancelled eller stopped, og ellers ikke tilladt', 'CarePlan');
    expect(await validate(carePlan('klgateway-119-care-plan', [careSocial(CS.opfoelgning119)], { status: 'cancelled' }))).toEqual([rule]);
    expect(await validate(carePlan('klgateway-119-care-plan', [careSocial(CS.opfoelgning119)], { statusReason: [careSocial(CS.aktivtFravalg)] }))).toEqual([rule]);
  });

  it('forbids a schedule in care plans as KL\'s profiles do (scheduled[x] 0..0) and does not require one (KL removed klgateway-119-care-plan-2 and klgateway-140-care-plan-2)', async () => {
    expect((await validate(carePlan('klgateway-140-care-plan', [careSocial(CS.intervention140)], { timing: true }))).map((i) => [i.code, i.expression])).toEqual([
      ['structure', ['CarePlan.activity[0].detail.scheduledTiming']],
    ]);
    for (const [id, category] of [['klgateway-140-care-plan', CS.intervention140], ['klgateway-119-care-plan', CS.intervention119], ['klgateway-119-care-plan', CS.opfoelgning119]] as const) {
      expect(await validate(carePlan(id, [careSocial(category)]))).toEqual(OK);
    }
  });

  it('reports a §119 category in a §140 care plan', async () => {
    const vs = 'http://fhir.kl.dk/rehab/ValueSet/CarePlanCategories140|2.2.0';
    expect((await validate(carePlan('klgateway-140-care-plan', [careSocial(CS.intervention119)]))).map((i) => [i.severity, i.tx, i.expression, i.da])).toEqual([
      ['information', 'this-code-not-in-vs', ['CarePlan.category[0].coding[0]'], `Koden 'http://fhir.kl.dk/term/CodeSystem/CareSocialCodes#5c160c02-e858-4c1f-925a-71ed64844749' findes ikke i værdisættet '${vs}'`],
      ['error', 'not-in-vs', ['CarePlan.category[0]'], `Ingen gyldig kodning fundet for værdisættet '${vs}' (sendte koder: http://fhir.kl.dk/term/CodeSystem/CareSocialCodes#5c160c02-e858-4c1f-925a-71ed64844749)`],
    ]);
  });

  it('accepts §119 and §140 service requests', async () => {
    expect(await validate(serviceRequest('klgateway-119-servicerequest', [careSocial(CS.sundhedsfremme)]))).toEqual(OK);
    expect(await validate(serviceRequest('klgateway-140-servicerequest', [careSocial(CS.genoptraening)], [[careSocial(CS.almen)], [careSocial(CS.basal)]]))).toEqual(OK);
  });

  it('requires a §140 rehabilitation plan to be almen, specialiseret or rehabilitering, and reports its missing category', async () => {
    expect(await validate(serviceRequest('klgateway-140-servicerequest', [careSocial(CS.genoptraening)], [[careSocial(CS.basal)]]))).toEqual([
      invariant('gateway-140-service-request-1', 'klgateway-140-servicerequest',
        'One of the categories shall be almen, specialiseret or rehabilitering',
        'En af kategorierne skal være almen, specialiseret eller rehabilitering', 'ServiceRequest'),
    ]);
    expect((await validate(serviceRequest('klgateway-140-servicerequest', [careSocial(CS.genoptraening)]))).map((i) => [i.code, i.expression, i.id])).toEqual([
      ['structure', ['ServiceRequest'], undefined],
      ['invariant', ['ServiceRequest'], 'gateway-140-service-request-1'],
    ]);
  });

  it('writes the code validator\'s own Danish text where it is not rebuilt from the coding: a coding of another version, a coding without system', async () => {
    const VS = 'http://fhir.kl.dk/prevention/ValueSet/ServiceTypes119|2.1.0';
    const otherVersion = await validate(serviceRequest('klgateway-119-servicerequest', [{ ...careSocial(CS.sundhedsfremme), version: '1999' }]));
    expect(otherVersion[0]).toEqual({
      severity: 'warning', code: 'invalid', tx: 'vs-invalid', expression: ['ServiceRequest.code.coding[0]'],
      en: `The code system '${CARE_SOCIAL}' version '20250530' for the versionless include in the ValueSet include is different to the one in the value ('1999')`,
      da: `Kodesystemet '${CARE_SOCIAL}' version '20250530' for værdisættets include uden version er en anden version end den i værdien ('1999')`,
    });
    const noSystem = await validate(serviceRequest('klgateway-119-servicerequest', [{ code: CS.sundhedsfremme }]));
    expect(noSystem.map((i) => [i.severity, i.expression, i.da])).toEqual([
      ['warning', ['ServiceRequest.code.coding[0]'], 'Kodningen har intet kodesystem. En kode uden kodesystem har ingen defineret betydning og kan ikke valideres. Angiv kodesystemet (system)'],
      ['error', ['ServiceRequest.code.coding[0]'], `Koden '#${CS.sundhedsfremme}' findes ikke i værdisættet '${VS}'`],
    ]);
    for (const i of [...otherVersion, ...noSystem]) expect(i.da).not.toContain(i.en);
  });

  it('reports the §140 service type in a §119 service request', async () => {
    expect((await validate(serviceRequest('klgateway-119-servicerequest', [careSocial(CS.genoptraening)]))).map((i) => [i.tx, i.expression])).toEqual([
      ['not-in-vs', ['ServiceRequest.code.coding[0]']],
    ]);
  });
});

describe('FFB reporting', () => {
  it('accepts interventions, conditions, target groups and service performers', async () => {
    expect(await validate(ffbIntervention([ffb(F.fysiskAktivitet)]))).toEqual(OK);
    expect(await validate(condition('kl-reporting-ffb-condition', [ffb(F.samspil)], [ffb(F.letNedsat)]))).toEqual(OK);
    expect(await validate(condition('kl-reporting-ffb-condition', [ffb(F.stemmeOgTale)]))).toEqual(OK);
    expect(await validate(condition('kl-reporting-ffb-targetGroup', [ffb(F.multipel)]))).toEqual(OK);
    expect(await validate(servicePerformer([ffb(F.aktivitetstilbud)]))).toEqual(OK);
  });

  it('accepts an FFB condition with a second coding beside its FFB code, as KL binds Condition.code (any coding)', async () => {
    const issues = await validate(condition('kl-reporting-ffb-condition', [careSocial(CS.almen), ffb(F.stemmeOgTale)]));
    expect(issues.map((i) => [i.severity, i.tx, i.expression])).toEqual([['information', 'this-code-not-in-vs', ['Condition.code.coding[0]']]]);
  });

  it('only warns about a second coding of a code system this server does not have, when the FFB code meets the binding', async () => {
    const snomed = { system: 'http://snomed.info/sct', code: '288579009' };
    expect((await validate(condition('kl-reporting-ffb-condition', [ffb(F.stemmeOgTale), snomed]))).map((i) => [i.severity, i.tx, i.expression])).toEqual([
      ['information', 'this-code-not-in-vs', ['Condition.code.coding[1]']],
      ['warning', 'not-found', ['Condition.code.coding[1]']],
    ]);
    expect((await validate(condition('kl-reporting-ffb-condition', [snomed]))).filter((i) => i.severity === 'error').map((i) => i.tx)).toEqual(['not-found', 'not-in-vs']);
  });

  it('requires the one offer (category) of an FFB service performer, as KL does', async () => {
    const none = { ...servicePerformer([ffb(F.aktivitetstilbud)]), category: undefined };
    expect((await validate(none)).map((i) => [i.severity, i.code, i.expression])).toEqual([['error', 'structure', ['CareTeam']]]);
    const two = { ...servicePerformer([ffb(F.aktivitetstilbud)]), category: [{ coding: [ffb(F.aktivitetstilbud)] }, { coding: [ffb(F.aktivitetstilbud)] }] };
    expect((await validate(two)).map((i) => [i.severity, i.expression])).toEqual([['error', ['CareTeam.category[1]']]]);
  });

  it('reports an FSIII code where an FFB intervention is required', async () => {
    expect((await validate(ffbIntervention([fsiii(C.kostvejledning)]))).map((i) => [i.severity, i.tx, i.expression])).toEqual([
      ['error', 'not-in-vs', ['CarePlan.activity[0].detail.code.coding[0]']],
    ]);
  });

  it('requires a severity exactly for Aktivitet og deltagelse conditions', async () => {
    const rule = invariant('kl-reporting-ffb-condition-1', 'kl-reporting-ffb-condition',
      "Severity is mandatory for condition codes of 'Aktivitet og Deltagelse' and not allowed for other condition codes",
      "Sværhedsgrad er påkrævet for tilstandskoder under 'Aktivitet og deltagelse' og ikke tilladt for andre tilstandskoder", 'Condition');
    expect(await validate(condition('kl-reporting-ffb-condition', [ffb(F.samspil)]))).toEqual([rule]);
    expect(await validate(condition('kl-reporting-ffb-condition', [ffb(F.stemmeOgTale)], [ffb(F.letNedsat)]))).toEqual([rule]);
  });

  it('reports an intervention code given as a target group, and an intervention code as a service', async () => {
    expect((await validate(condition('kl-reporting-ffb-targetGroup', [ffb(F.fysiskAktivitet)]))).map((i) => [i.tx, i.expression])).toEqual([
      ['not-in-vs', ['Condition.code.coding[0]']],
    ]);
    expect((await validate(servicePerformer([ffb(F.fysiskAktivitet)]))).map((i) => [i.severity, i.tx, i.expression])).toEqual([
      ['information', 'this-code-not-in-vs', ['CareTeam.category[0].coding[0]']],
      ['error', 'not-in-vs', ['CareTeam.category[0]']],
    ]);
  });
});

/** The resources the fixtures refer to, as Bundle entries: KL's profiles allow references only within the Bundle. */
const REFERENCED = [
  { resourceType: 'Patient', id: 'borger-1' },
  { resourceType: 'Organization', id: 'udfoerer', name: 'Udfører' },
  { resourceType: 'CarePlan', id: 'forloeb-1', status: 'active', intent: 'plan', subject: { reference: 'Patient/borger-1' } },
];

describe('Bundles', () => {
  const submission = (): Record<string, unknown>[] => {
    const wrongMapping = intervention119([fsiii(C.sygdomshaandtering), l3('370-BOLDSPIL', 'Boldspil')], { basedOn: true });
    (wrongMapping.activity as { detail: Record<string, unknown> }[])[0]!.detail.performer = [{ reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' }];
    return [
      organization('k370', '370'),
      condition('klgateway-119-condition', [fsiii(C.kontinens)]),
      intervention119([fsiii(C.nikotin)]),
      wrongMapping,
      ...REFERENCED,
    ];
  };

  it('validates every entry of a collection, with expressions into the Bundle (system level)', async () => {
    expect(await validate(bundle('collection', submission()))).toEqual([
      { ...TREATMENT_119, expression: ['Bundle.entry[2].resource'] },
      mismatch('Bundle.entry[3].resource'),
    ]);
  });

  it('validates a batch at Bundle/$validate and finds the municipality among the Organization entries', async () => {
    const entries = submission();
    (entries[3]!.activity as { detail: Record<string, unknown> }[])[0]!.detail.performer = [{ reference: 'Organization/udfoerer' }];
    expect(await validate(bundle('batch', entries), '/fhir/Bundle/$validate')).toEqual([
      { ...TREATMENT_119, expression: ['Bundle.entry[2].resource'] },
      mismatch('Bundle.entry[3].resource'),
    ]);
  });

  it('reports a structurally broken entry and still checks the others', async () => {
    const broken = { ...condition('klgateway-140-condition', [fsiii(C.forflytteSig)]), onsetFoo: true };
    const issues = await validate(bundle('collection', [broken, intervention119([fsiii(C.nikotin)]), ...REFERENCED]));
    expect(issues).toEqual([
      {
        severity: 'error', code: 'structure', expression: ['Bundle.entry[0].resource'],
        en: "Not valid FHIR R4: must NOT have additional properties 'onsetFoo'",
        da: "Ikke gyldig FHIR R4 (Bundle.entry[0].resource): har det ukendte element 'onsetFoo'",
      },
      { ...TREATMENT_119, expression: ['Bundle.entry[1].resource'] },
    ]);
  });
  it('reports a fullUrl an earlier entry has too (bdl-7) at the later entry, whose resource a reference to it no longer silently resolves to', async () => {
    const FORLOEB = 'urn:uuid:00000000-0000-4000-8000-0000000000f1';
    const cp = { ...intervention119([fsiii(C.kostvejledning)]), basedOn: [{ reference: FORLOEB }] };
    const encounter = { resourceType: 'Encounter', id: 'kontakt-1', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH' } };
    const submission = bundle('collection', [cp, REFERENCED[2]!, REFERENCED[0]!, REFERENCED[1]!, encounter]);
    const entries = submission.entry as { fullUrl: string; resource: Record<string, unknown> }[];
    entries[1]!.fullUrl = FORLOEB;
    entries[4]!.fullUrl = FORLOEB;
    expect(await validate(submission)).toEqual([{
      severity: 'error', code: 'invariant', id: 'bdl-7', expression: ['Bundle.entry[4].fullUrl'],
      en: `Constraint failed: bdl-7: 'FullUrl must be unique in a bundle, or else entries with the same fullUrl must have different meta.versionId (except in history bundles)' (defined in http://hl7.org/fhir/StructureDefinition/Bundle): '${FORLOEB}' is the fullUrl of Bundle.entry[1] too`,
      da: `Reglen bdl-7 er ikke overholdt: 'En fullUrl skal være entydig i en Bundle, ellers skal indgange med samme fullUrl have forskellig meta.versionId (undtagen i history-Bundles)' (defineret i http://hl7.org/fhir/StructureDefinition/Bundle): '${FORLOEB}' er også fullUrl for Bundle.entry[1]`,
    }]);
    // other versions of one resource may share it, and a history Bundle may repeat it
    entries[1]!.resource = { ...entries[1]!.resource, meta: { versionId: '1' } };
    entries[4]!.resource = { ...entries[1]!.resource, meta: { versionId: '2' } };
    expect(await validate(submission)).toEqual(OK);
    const history = bundle('collection', [REFERENCED[2]!, REFERENCED[2]!]);
    (history.entry as { fullUrl: string }[])[1]!.fullUrl = (history.entry as { fullUrl: string }[])[0]!.fullUrl;
    expect((await validate(history)).map((i) => i.id)).toEqual(['bdl-7']);
    // a history Bundle's entries have a request and a response (bdl-3, bdl-4)
    for (const e of history.entry as Record<string, unknown>[]) Object.assign(e, { request: { method: 'PUT', url: 'CarePlan/forloeb-1' }, response: { status: '200' } });
    expect(await validate({ ...history, type: 'history' })).toEqual(OK);
  });

  it('writes the schema\'s findings in Danish words only: an unknown resource type, a number out of range', async () => {
    const schedule = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/1' },
      activity: [{ detail: { status: 'in-progress', scheduledTiming: { repeat: { count: 0 } } } }] };
    const issues = await validate(bundle('collection', [{ resourceType: 'Gadget' }, schedule, { resourceType: 'Coding', code: 'x' }]));
    expect(issues.map((i) => [i.expression, i.en, i.da])).toEqual([
      [['Bundle.entry[0].resource.resourceType'], "Not valid FHIR R4: unknown resourceType 'Gadget'",
        "Ikke gyldig FHIR R4 (Bundle.entry[0].resource.resourceType): har en ukendt ressourcetype ('Gadget')"],
      [['Bundle.entry[1].resource.activity[0].detail.scheduledTiming.repeat.count'], 'Not valid FHIR R4: must be >= 1',
        'Ikke gyldig FHIR R4 (Bundle.entry[1].resource.activity[0].detail.scheduledTiming.repeat.count): skal være mindst 1'],
      [['Bundle.entry[2].resource.resourceType'], "Not valid FHIR R4: unknown resourceType 'Coding'",
        "Ikke gyldig FHIR R4 (Bundle.entry[2].resource.resourceType): har en ukendt ressourcetype ('Coding')"],
    ]);
  });
});

describe('dates', () => {
  const at = async (body: unknown): Promise<(string | undefined)[]> =>
    (await validate(body)).filter((i) => i.code === 'structure').map((i) => i.expression?.[0]);

  it('reports a day its month does not have as a date, dateTime and instant, at the element', async () => {
    const cond = { ...condition('klgateway-119-condition', [fsiii(C.kontinens)]), recordedDate: '2022-02-30' };
    const sr: Record<string, unknown> = { ...serviceRequest('klgateway-140-servicerequest', [careSocial(CS.genoptraening)], [[careSocial(CS.almen)]]), authoredOn: '2023-02-29' };
    (sr.extension as { valueDate: string }[])[0]!.valueDate = '2022-02-30';
    const cp = intervention119([fsiii(C.kostvejledning)], { basedOn: true });
    cp.period = { start: '2022-04-31' };
    const submission = { ...bundle('collection', [cond, sr, cp, ...REFERENCED]), timestamp: '2022-02-30T00:00:00Z' };
    expect(await at(submission)).toEqual([
      'Bundle.timestamp', 'Bundle.entry[0].resource.recordedDate', 'Bundle.entry[1].resource.extension[0].valueDate',
      'Bundle.entry[1].resource.authoredOn', 'Bundle.entry[2].resource.period.start',
    ]);
    expect((await validate(cond))[0]).toMatchObject({ expression: ['Condition.recordedDate'], da: 'Ikke gyldig FHIR R4 (Condition.recordedDate): har et ugyldigt format' });
  });

  it('accepts February 29 of a leap year and partial dates', async () => {
    const sr = { ...serviceRequest('klgateway-119-servicerequest', [careSocial(CS.sundhedsfremme)]), authoredOn: '2024-02-29' };
    const cp = intervention119([fsiii(C.kostvejledning)], { basedOn: true });
    cp.period = { start: '2022' };
    expect(await validate(sr)).toEqual(OK);
    expect(await validate(cp)).toEqual(OK);
  });
});

describe('contained resources', () => {
  const patient = { resourceType: 'Patient', id: 'p', birthDate: 'not-a-date', foo: 1 };
  const structure = (expression: string, da: string): Issue => ({
    severity: 'error', code: 'structure', expression: [expression], en: expect.stringMatching(/^Not valid FHIR R4: /) as unknown as string,
    da: `Ikke gyldig FHIR R4 (${expression}): ${da}`,
  });

  it('checks each against the FHIR R4 schema of its own type, also a type compiled on first use, and in a Bundle', async () => {
    const cond = { resourceType: 'Condition', subject: { reference: '#p' }, evidence: [{ detail: [{ reference: '#m' }] }], contained: [patient, { resourceType: 'Medication', id: 'm', foo: 1 }] };
    expect(await validate(cond)).toEqual([
      structure('Condition.contained[0]', "har det ukendte element 'foo'"),
      structure('Condition.contained[0].birthDate', 'har et ugyldigt format'),
      structure('Condition.contained[1]', "har det ukendte element 'foo'"),
    ]);
    expect(await validate(bundle('collection', [{ ...cond, evidence: undefined, contained: [patient] }]))).toEqual([
      structure('Bundle.entry[0].resource.contained[0]', "har det ukendte element 'foo'"),
      structure('Bundle.entry[0].resource.contained[0].birthDate', 'har et ugyldigt format'),
    ]);
  });

  it('checks each against the profiles it claims, with their bindings, at its place in the container', async () => {
    const bad = { ...condition('klgateway-119-condition', [fsiii(C.forflytteSig)]), id: 'c1', recordedDate: 'bad' };
    delete (bad as Record<string, unknown>).clinicalStatus;
    const cp = { ...intervention119([fsiii(C.kostvejledning)], { basedOn: true }), contained: [bad] };
    const vs = 'http://fhir.kl.dk/prevention/ValueSet/KLConditionCodes119|2.1.0';
    expect((await validate(cp)).map((i) => [i.severity, i.code, i.expression?.[0], i.tx ?? i.da.split(':')[0]])).toEqual([
      // nothing in the container refers to it (R4's dom-3)
      ['error', 'invariant', 'CarePlan.contained[0]', 'Reglen dom-3 er ikke overholdt'],
      ['error', 'structure', 'CarePlan.contained[0].recordedDate', 'Ikke gyldig FHIR R4 (CarePlan.contained[0].recordedDate)'],
      ['error', 'structure', 'CarePlan.contained[0]', 'Condition.clinicalStatus'],
      ['information', 'code-invalid', 'CarePlan.contained[0].code.coding[0]', 'this-code-not-in-vs'],
      ['error', 'code-invalid', 'CarePlan.contained[0].code', 'not-in-vs'],
    ]);
    expect((await validate(cp))[4]!.da).toMatch(new RegExp(`^Ingen gyldig kodning fundet for værdisættet '${vs.replace(/[|.]/g, '\\$&')}' \\(sendte koder: urn:oid:1\\.2\\.208\\.176\\.2\\.21#`));
  });

  it('checks the niveau-3 codes of a contained resource once, for its container\'s sending municipality', async () => {
    const wrongMapping = intervention119([fsiii(C.sygdomshaandtering), l3('370-BOLDSPIL', 'Boldspil')], { basedOn: true });
    const container = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/borger-1' }, partOf: [{ reference: '#i1' }], contained: [{ ...wrongMapping, id: 'i1' }] };
    expect(await validate(container, undefined, { kommunekode: '370' })).toEqual([mismatch('CarePlan.contained[0]')]);
  });
});

describe('which profile applies', () => {
  const nikotin = () => intervention119([fsiii(C.nikotin)], { meta: [] });

  it('checks only the base specification when no profile is claimed', async () => {
    expect(await validate(nikotin())).toEqual(OK);
  });

  it('applies the profile parameter, and only it in mode=profile', async () => {
    const parameters = (extra: object[]) => ({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: nikotin() }, ...extra] });
    expect(await validate(parameters([{ name: 'profile', valueCanonical: profile('klgateway-119-planned-intervention') }]))).toEqual([TREATMENT_119]);
    expect(await validate(nikotin(), '/fhir/CarePlan/$validate', { profile: profile('klgateway-119-planned-intervention') })).toEqual([TREATMENT_119]);
    // in profile mode the meta.profile claim (here: FFB) is not checked, only the nominated profile
    const claimsFfb = { ...nikotin(), meta: { profile: [profile('kl-reporting-ffb-intervention')] } };
    const both = await validate(claimsFfb, '/fhir/CarePlan/$validate', { profile: profile('klgateway-119-planned-intervention') });
    expect(both.map((i) => i.id ?? i.tx ?? i.en.split(':')[0])).toEqual([
      'klgateway-119-intervention-1', 'CarePlan.basedOn', 'CarePlan.created', 'not-in-vs', 'CarePlan.activity.detail.performer',
    ]);
    const onlyNominated = await validate(claimsFfb, '/fhir/CarePlan/$validate', { profile: profile('klgateway-119-planned-intervention'), mode: 'profile' });
    expect(onlyNominated).toEqual([TREATMENT_119]);
  });

  it('refuses mode=profile without a profile (R4: a profile must be given), rather than checking meta.profile', async () => {
    const kost = klExample('kl-gateway-prevention/BrunoKostvejledningValidationError.json');
    for (const send of [
      () => request(app).post('/fhir/CarePlan/$validate').query({ mode: 'profile' }).type('application/fhir+json').send(kost),
      () => request(app).post('/fhir/$validate').type('application/fhir+json').send({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: kost }, { name: 'mode', valueCode: 'profile' }] }),
    ]) {
      const res = await send();
      expect([res.status, res.body.issue.map((i: { code: string; expression: string[] }) => [i.code, i.expression])]).toEqual([400, [['required', ['profile']]]]);
    }
  });

  it('applies our profile to a resource that claims KL\'s gateway profile', async () => {
    const cp = intervention119([fsiii(C.nikotin)], { meta: ['http://fhir.kl.dk/prevention/StructureDefinition/klgateway-119-planned-intervention'] });
    expect(await validate(cp)).toEqual([TREATMENT_119]);
  });

  it('warns about a claimed profile it does not know, and rejects a profile of another resource type', async () => {
    const cp = intervention119([fsiii(C.nikotin)], { meta: ['http://example.org/StructureDefinition/other', profile('klgateway-119-condition')] });
    expect(await validate(cp)).toEqual([
      {
        severity: 'warning', code: 'not-found', expression: ['CarePlan.meta.profile[0]'],
        en: "The profile 'http://example.org/StructureDefinition/other' is not known to this server, so the resource was not checked against it",
        da: "Profilen 'http://example.org/StructureDefinition/other' kendes ikke af serveren, så ressourcen er ikke kontrolleret mod den",
      },
      {
        severity: 'error', code: 'invalid', expression: ['CarePlan.meta.profile[1]'],
        en: `The profile '${profile('klgateway-119-condition')}' constrains Condition, not CarePlan`,
        da: `Profilen '${profile('klgateway-119-condition')}' gælder for Condition, ikke CarePlan`,
      },
    ]);
  });

  it('writes the issues in English first when the caller prefers English', async () => {
    const res = await request(app).post('/fhir/$validate').set('Content-Type', 'application/fhir+json').set('Accept-Language', 'en-GB, da;q=0.5')
      .send(intervention119([fsiii(C.nikotin)]));
    expect(res.headers['content-language']).toBe('en');
    expect(res.body.issue[0].details.text).toBe(TREATMENT_119.en);
    expect(res.body.issue[0].details._text.extension[0].extension).toEqual([
      { url: 'lang', valueCode: 'da' }, { url: 'content', valueString: TREATMENT_119.da },
    ]);
    const da = await request(app).post('/fhir/$validate').set('Content-Type', 'application/fhir+json').send(intervention119([fsiii(C.nikotin)]));
    expect(da.headers['content-language']).toBe('da');
    expect(da.body.issue[0].details.text).toBe(TREATMENT_119.da);
    expect(da.body.issue[0].location).toEqual(['CarePlan']);
  });
});

describe('text FHIR does not allow', () => {
  it('reports an empty value, a control character and an unpaired surrogate as errors at the element, in both languages (they were "no issues")', async () => {
    const cs = {
      resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'active', content: 'complete', title: '',
      concept: [{ code: 'a', display: 'A\u0000' }, { code: 'b', display: 'B\ud800' }],
    };
    const issues = await validate(cs);
    const text = issues.filter((i) => i.code === 'structure');
    // the empty title the JSON schema reports itself (its string pattern), the other two only the text rule sees
    expect(text.map((i) => [i.severity, i.expression?.[0]])).toEqual([
      ['error', 'CodeSystem.title'], ['error', 'CodeSystem.concept[0].display'], ['error', 'CodeSystem.concept[1].display'],
    ]);
    expect(text[1]!.da).toMatch(/kontroltegn/);
    expect(text[2]!.en).toMatch(/surrogate/);
  });

  it('names the place inside a Bundle once, and leaves tab, line feed and carriage return alone', async () => {
    const cs = { resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'active', content: 'complete', concept: [{ code: 'a', display: 'A\u0001' }] };
    const issues = await validate(bundle('collection', [cs]));
    expect(issues.filter((i) => /control character/.test(i.en)).map((i) => [i.code, i.expression?.[0]])).toEqual([['structure', 'Bundle.entry[0].resource.concept[0].display']]);
    const fine = await validate({ resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'active', content: 'complete', description: 'a\tb\nc\r' });
    expect(fine.filter((i) => i.code === 'structure')).toEqual([]);
  });
});

describe('requests $validate cannot perform', () => {
  const post = (url: string, body: unknown, query: Record<string, string> = {}) =>
    request(app).post(url).query(query).set('Content-Type', 'application/fhir+json').send(body as object);
  const cp = () => intervention119([fsiii(C.kostvejledning)], { basedOn: true });

  const C119 = profile('klgateway-119-condition');
  it.each([
    ['a body that is not a resource', '/fhir/$validate', { foo: 1 }, {}, 400, "Send the resource to validate as the request body, or a Parameters resource with the parameter 'resource'",
      "Send ressourcen, der skal valideres, som forespørgslens krop, eller en Parameters-ressource med parameteren 'resource'"],
    ['an unknown resource type', '/fhir/$validate', { resourceType: 'Gadget' }, {}, 400, "The resource to validate has no valid resourceType ('Gadget' is not a FHIR R4 resource type)",
      "Ressourcen har ingen gyldig resourceType ('Gadget' er ikke en FHIR R4-ressourcetype)"],
    ['a resource posted to another type', '/fhir/Condition/$validate', cp(), {}, 400, 'The resource is a CarePlan, but it was posted to Condition/$validate',
      'Ressourcen er en CarePlan, men den er sendt til Condition/$validate'],
    ['an unknown type in the path', '/fhir/Gadget/$validate', cp(), {}, 404, "'Gadget' is not a FHIR R4 resource type", "'Gadget' er ikke en FHIR R4-ressourcetype"],
    ['a datatype as the resource type', '/fhir/$validate', { resourceType: 'Coding', code: 'x' }, {}, 400,
      "The resource to validate has no valid resourceType ('Coding' is not a FHIR R4 resource type)", "Ressourcen har ingen gyldig resourceType ('Coding' er ikke en FHIR R4-ressourcetype)"],
    ['a datatype as the type in the path', '/fhir/Quantity/$validate', cp(), {}, 404, "'Quantity' is not a FHIR R4 resource type", "'Quantity' er ikke en FHIR R4-ressourcetype"],
    ['an id that does not match the instance', '/fhir/CarePlan/abc/$validate', cp(), {}, 400, "The resource's id '' does not match CarePlan/abc",
      "Ressourcens id '' passer ikke med CarePlan/abc"],
    ['an unknown profile', '/fhir/$validate', cp(), { profile: 'http://example.org/p' }, 404, "The profile 'http://example.org/p' is not known to this server",
      "Profilen 'http://example.org/p' kendes ikke af serveren"],
    ['a profile of another type', '/fhir/$validate', cp(), { profile: C119 }, 400, `The profile '${C119}' constrains Condition, not CarePlan`,
      `Profilen '${C119}' gælder for Condition, ikke CarePlan`],
    ['an unknown mode', '/fhir/$validate', cp(), { mode: 'strict' }, 400, "Parameter 'mode' must be one of create, update, delete, profile, not 'strict'",
      "Parameteren 'mode' skal være en af create, update, delete, profile, ikke 'strict'"],
    ['mode=delete', '/fhir/CarePlan/$validate', cp(), { mode: 'delete' }, 400, 'mode=delete is not supported: $validate checks what a resource holds; whether one may be deleted, its DELETE answers',
      'mode=delete understøttes ikke: $validate kontrollerer, hvad en ressource indeholder; om en må slettes, svarer dens DELETE på'],
    ['mode=profile without a profile', '/fhir/CarePlan/$validate', cp(), { mode: 'profile' }, 400,
      "mode=profile needs the parameter 'profile': the resource is validated against that profile only, not against its meta.profile",
      "mode=profile kræver parameteren 'profile': ressourcen valideres kun mod den profil, ikke mod sin meta.profile"],
    ['a malformed kommunekode', '/fhir/$validate', cp(), { kommunekode: '37' }, 400, "Parameter 'kommunekode' must be a three-digit municipality code, not '37'",
      "Parameteren 'kommunekode' skal være en kommunekode på tre cifre, ikke '37'"],
    ['Parameters without a resource', '/fhir/$validate', { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'create' }] }, {}, 400,
      "No resource to validate: give the parameter 'resource'", "Ingen ressource at validere: angiv parameteren 'resource'"],
  ])('answers %s with a 4xx OperationOutcome, in Danish as its findings unless the caller prefers English', async (_what, url, body, query, status, en, da) => {
    const res = await post(url, body, query as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(summarise(res.body as OperationOutcome)[0]).toMatchObject({ severity: 'error', da, en });
    expect(res.body.issue[0].details.text).toBe(da);
    const english = await post(url, body, query as Record<string, string>).set('Accept-Language', 'en-GB, da;q=0.5');
    expect(english.status).toBe(status);
    expect(english.body.issue[0].details.text).toBe(en);
  });

  it('answers a body it cannot read in Danish too, as its findings, while other operations keep English by default', async () => {
    const text = (res: request.Response): string => (res.body as OperationOutcome).issue[0]!.details!.text!;
    const malformed = () => request(app).post('/fhir/$validate').set('Content-Type', 'application/fhir+json');
    expect(text(await malformed().send('{"resourceType": "CarePlan",').expect(400))).toMatch(/^Forespørgslens krop er ikke gyldig JSON/);
    expect(text(await malformed().set('Accept-Language', 'en').send('{"resourceType": "CarePlan",').expect(400))).toMatch(/^The request body is not valid JSON/);
    expect(text(await malformed().send('').expect(400))).toMatch(/^Send ressourcen, der skal valideres/);
    expect(text(await request(app).get('/fhir/CarePlan/$validate').expect(405))).toBe('Operationen $validate modtager POST, ikke GET');
    const lookup = () => request(app).post('/fhir/CodeSystem/$lookup').set('Content-Type', 'application/fhir+json');
    expect(text(await lookup().send('{"x":').expect(400))).toMatch(/^The request body is not valid JSON/);
    expect(text(await lookup().set('Accept-Language', 'da').send('{"x":').expect(400))).toMatch(/^Forespørgslens krop er ikke gyldig JSON/);
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const res = await request(app).get('/fhir/CarePlan/$validate').expect(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await request(app).post('/fhir/$validate').set('Content-Type', 'application/fhir+json').send('{"resourceType": "CarePlan",').expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('validates an instance (mode=update) and reports an update without id', async () => {
    expect(await validate({ ...cp(), id: 'abc' }, '/fhir/CarePlan/abc/$validate', { mode: 'update' })).toEqual(OK);
    expect((await validate(cp(), '/fhir/CarePlan/$validate', { mode: 'update' })).map((i) => [i.code, i.expression, i.en])).toEqual([
      ['required', ['CarePlan.id'], 'mode=update: the resource has no id'],
    ]);
  });

  it('survives hostile shapes without a 5xx', async () => {
    const hostile = [
      { ...cp(), activity: 'x' },
      { ...cp(), activity: [{ detail: { code: { coding: 'x' } } }] },
      { ...cp(), activity: [{ detail: { code: { coding: [null, 5, { system: 7 }] }, extension: [null, { url: 5 }] } }] },
      { ...cp(), meta: { profile: 5 } },
      { ...cp(), contained: [{ resourceType: 'Organization', id: 5 }], activity: [{ detail: { performer: [{ reference: '#5' }], code: { coding: [{ system: LEVEL3_119_140, code: 'x' }] } } }] },
      { resourceType: 'Bundle', type: 'collection', entry: [null, { resource: 5 }, { resource: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: intervention119([fsiii(C.nikotin)]) }] } }] },
      { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Condition', meta: { profile: [profile('klgateway-care-condition')] }, code: { coding: [{ code: 'J1.1' }] }, subject: {} } }] },
    ];
    for (const body of hostile) {
      const res = await post('/fhir/$validate', body);
      expect(res.status).toBeLessThan(500);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue.every((i: { severity: string }) => i.severity !== 'fatal')).toBe(true);
    }
  });
});

describe('StructureDefinition read and search', () => {
  it('reads a profile by id', async () => {
    const res = await request(app).get('/fhir/StructureDefinition/klgateway-119-planned-intervention').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body).toMatchObject({ resourceType: 'StructureDefinition', id: 'klgateway-119-planned-intervention', type: 'CarePlan' });
    await request(app).get('/fhir/StructureDefinition/nope').expect(404);
  });

  it('searches by url, type and name, with summaries and counts', async () => {
    const byType = await request(app).get('/fhir/StructureDefinition').query({ type: 'Condition' }).expect(200);
    expect(byType.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 5 });
    const byUrl = await request(app).get('/fhir/StructureDefinition').query({ url: profile('klgateway-care-condition'), _summary: 'true' }).expect(200);
    expect(byUrl.body.total).toBe(1);
    expect(byUrl.body.entry[0].fullUrl).toMatch(/\/fhir\/StructureDefinition\/klgateway-care-condition$/);
    expect(byUrl.body.entry[0].resource.differential).toBeUndefined();
    expect(byUrl.body.entry[0].resource.meta.tag[0].code).toBe('SUBSETTED');
    const byName = await request(app).get('/fhir/StructureDefinition').query({ name: 'klreportingffb' }).expect(200);
    expect(byName.body.total).toBe(4);
    const count = await request(app).get('/fhir/StructureDefinition').query({ _summary: 'count' }).expect(200);
    expect(count.body).toEqual(expect.objectContaining({ total: 14 }));
    expect(count.body.entry).toBeUndefined();
  });

  it('rejects unknown search parameters and writes', async () => {
    await request(app).get('/fhir/StructureDefinition').query({ colour: 'blue' }).expect(400);
    await request(app).post('/fhir/StructureDefinition').set('Content-Type', 'application/fhir+json').send({ resourceType: 'StructureDefinition' }).expect(405);
  });

  it('is in the CapabilityStatement with $validate', async () => {
    const res = await request(app).get('/fhir/metadata').expect(200);
    const rest = res.body.rest[0];
    const sd = rest.resource.find((r: { type: string }) => r.type === 'StructureDefinition');
    expect(sd.interaction).toEqual([{ code: 'read' }, { code: 'search-type' }]);
    expect(rest.operation).toEqual(expect.arrayContaining([{ name: 'validate', definition: 'http://faelles-tx.dk/fhir/OperationDefinition/Resource-validate' }]));
    const carePlan = rest.resource.find((r: { type: string }) => r.type === 'CarePlan');
    expect(carePlan.supportedProfile).toContain(profile('klgateway-119-planned-intervention'));
  });
});
