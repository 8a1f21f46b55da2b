#!/usr/bin/env node
// Generates the StructureDefinitions in profiles/ (FHIR R4 JSON) from the rule tables below.
// Plain Node >= 20, no packages, deterministic. Usage: node profiles/build/build.mjs [output folder, default profiles/]
// The rules follow KL's gateway IGs as summarised in terminology/kl/GATEWAY-RULES.md; every place where a rule
// here differs from KL's published rule is listed in profiles/README.md ("Deviations from KL's rules").
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyKlStructure } from './kl-structure.mjs';
import { ProfileTree } from './profile-tree.mjs';

const OUT = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const BASE = 'http://faelles-tx.dk/fhir/StructureDefinition';
const VERSION = '1.0.0';
const DATE = '2026-11-23';
const KL_PROFILE_EXTENSION = 'http://faelles-tx.dk/fhir/StructureDefinition/kl-source-profile';
const TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';

const FSIII = 'urn:oid:1.2.208.176.2.21';
const CARE_SOCIAL = 'http://fhir.kl.dk/term/CodeSystem/CareSocialCodes';
const LEVEL3_119_140 = 'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions';
const LEVEL3_CARE = 'http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions';

const VS = {
  interventions119: 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119',
  conditions119: 'http://fhir.kl.dk/prevention/ValueSet/KLConditionCodes119',
  deliveryTypes119: 'http://fhir.kl.dk/prevention/ValueSet/DeliveryTypes119',
  carePlanCategories119: 'http://fhir.kl.dk/prevention/ValueSet/CarePlanCategories119',
  cancellation119: 'http://fhir.kl.dk/prevention/ValueSet/CancellationTypes',
  serviceTypes119: 'http://fhir.kl.dk/prevention/ValueSet/ServiceTypes119',
  interventions140: 'http://fhir.kl.dk/term/ValueSet/KLTrainingInterventionsFSIII',
  conditions140: 'http://fhir.kl.dk/rehab/ValueSet/Conditions140',
  deliveryTypes140: 'http://fhir.kl.dk/rehab/ValueSet/DeliveryTypes140',
  carePlanCategories140: 'http://fhir.kl.dk/rehab/ValueSet/CarePlanCategories140',
  cancellation140: 'http://fhir.kl.dk/rehab/ValueSet/CancellationTypes',
  serviceTypes140: 'http://fhir.kl.dk/rehab/ValueSet/ServiceTypes140',
  serviceRequestTypes140: 'http://fhir.kl.dk/rehab/ValueSet/ServiceRequestTypes140',
  serviceRequestStatusReasons140: 'http://fhir.kl.dk/rehab/ValueSet/ServiceRequestStatusReasons140',
  careConditions: 'http://fhir.kl.dk/gateway/ValueSet/FSIIICareConditions',
  careInterventions: 'http://fhir.kl.dk/gateway/ValueSet/FSIIICareInterventions',
  deliveryTypesCare: 'http://fhir.kl.dk/gateway/ValueSet/DeliveryTypes',
  severitiesFSIII: 'http://fhir.kl.dk/term/ValueSet/KLSeveritiesFSIII',
  homeCareConditions: 'http://fhir.kl.dk/term/ValueSet/KLConditionCodesHomeCare',
  nursingConditions: 'http://fhir.kl.dk/term/ValueSet/KLConditionCodesNursing',
  interventionsFFB: 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFFB',
  conditionsFFB: 'http://fhir.kl.dk/term/ValueSet/KLConditionCodesFFB',
  conditionsADFFB: 'http://fhir.kl.dk/term/ValueSet/KLConditionADCodesFFB',
  severitiesFFB: 'http://fhir.kl.dk/term/ValueSet/KLSeveritiesFFB',
  targetGroupsFFB: 'http://fhir.kl.dk/term/ValueSet/KLConditionsAndTargetGroupsFFB',
  serviceCodesFFB: 'http://fhir.kl.dk/term/ValueSet/KLServiceCodesFFB',
};

const translation = (da) => ({ extension: [{ url: TRANSLATION, extension: [{ url: 'lang', valueCode: 'da' }, { url: 'content', valueString: da }] }] });

function el(id, props = {}) {
  return { id, path: id.split('.').map((s) => s.split(':')[0]).join('.'), ...props };
}

function binding(strength, valueSet, en, da) {
  return { strength, description: en, _description: translation(da), valueSet };
}

function constraint(url, key, expression, en, da, severity = 'error') {
  return { key, severity, human: en, _human: translation(da), expression, source: `${BASE}/${url}` };
}

const inList = (codes) => `(${codes.map((c) => `'${c}'`).join(' | ')})`;
const codingIn = (pathToCodings, system, codes) => `${pathToCodings}.where(system = '${system}' and code in ${inList(codes)}).exists()`;

/**
 * klgateway-119/140-intervention-1/2: KL's expression (`coding.code = '…' or … implies …`, with our code list,
 * deviation 1) and the same rule per FSIII coding (deviation 2). KL's part keeps KL's verdict where KL's expression
 * decides: a code with no coding (KL's gives empty, which fails) and a single coding of any system. The per-coding
 * part adds the case KL's `=` misses: a listed FSIII code with a niveau-3 coding beside it (`coding.code` has two
 * items, so KL's `=` is false and its rule holds). So the rule refuses what KL's refuses, and that case besides.
 */
function basedOnRule(codes, implies) {
  const c = 'activity.detail.code.coding';
  const kl = `${codes.map((code) => `${c}.code = '${code}'`).join(' or ')} implies ${implies}`;
  return `(${kl}) and (${codingIn(c, FSIII, codes)} implies ${implies})`;
}

/**
 * The niveau-2 / niveau-3 codings of a planned intervention: the binding of the niveau-2 slice and the system of each
 * slice. The slicing (by system, closed) and the slices' cardinalities are KL's (kl-structure.json).
 */
function interventionCodings(level2ValueSet, level3System, vsName) {
  const c = 'CarePlan.activity.detail.code.coding';
  return [
    el('CarePlan.activity.detail.code', { short: '[DK] indsatskode (niveau 2 og 3)' }),
    el(`${c}:level2`, {
      sliceName: 'level2', short: '[DK] fælleskommunal indsats (niveau 2)',
      binding: binding('required', level2ValueSet, `The common (niveau 2) intervention: a code of ${vsName}`, `Den fælleskommunale indsats (niveau 2): en kode fra ${vsName}`),
    }),
    el(`${c}:level2.system`, { min: 1, fixedUri: FSIII }),
    el(`${c}:level3`, {
      sliceName: 'level3', short: '[DK] lokal indsats (niveau 3)',
      definition: 'The locally defined (niveau 3) intervention: a code of the sending municipality\'s local catalog, mapped there to the niveau-2 code sent beside it. Checked against the local catalogs on this server.',
    }),
    el(`${c}:level3.system`, { min: 1, fixedUri: level3System }),
  ];
}

/** The delivery-type extension's value and binding; the slice's cardinality is KL's (kl-structure.json). */
function deliveryType(extensionUrl, valueSet, vsName) {
  const e = 'CarePlan.activity.detail.extension';
  return [
    el(e, { slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' } }),
    el(`${e}:deliveryType`, { sliceName: 'deliveryType', short: '[DK] indsatsLeveringstype', type: [{ code: 'Extension', profile: [extensionUrl] }] }),
    el(`${e}:deliveryType.value[x]`, { min: 1, type: [{ code: 'CodeableConcept' }] }),
    el(`${e}:deliveryType.value[x].coding`, {
      binding: binding('required', valueSet, `How the intervention is delivered: ${vsName}`, `Hvordan indsatsen leveres: ${vsName}`),
    }),
  ];
}

const GROUP_119 = {
  treatment: [
    'f30cab6d-2a42-4358-99d7-811127fb6e05', // Mental håndtering
    'e71b7d85-5c78-49c2-8624-8499d162317b', // Sygdomshåndtering
    '01a500f6-c221-4fd0-b518-cd361218b60d', // Madlavning i praksis
    '6d24992e-e0a2-43e7-bc27-0234622a8655', // Nikotin- og tobaksafvænning (added: KL's rule names only the retired code below)
    'c203c6b5-3be0-40a8-8204-e93751deabf5', // Tobaksafvænning (retired; kept as in KL's rule)
    'c9a99304-1788-43b7-b7be-e187b092ae9c', // Kostvejledning
    'ab87c0b5-40be-4e0a-b749-d9f833bfed2d', // Fysisk træning
    '61692d91-69b8-4830-9453-3d58454e49d3', // Færdighedstræning
    'abe847e0-1ce0-44dc-a675-ce05b66f47e6', // Vejledning og introduktion til fysiske aktiviteter
    'd1e016b5-150a-4ac4-97ba-d3e19e28471e', // Opfølgning
    'cf7a55c2-7061-47ed-b7c5-e29620fe93bf', // Diætbehandling
    '924e9828-84cf-4689-9551-0ebb6dc71b98', // Samtale om alkohol
  ],
  conversations: [
    '03a3ebdb-9e2d-4be1-b32b-42f0bd2a3362', // Afsluttende samtale
    'ee5606ac-1bed-487e-aa3c-72dcc30ec037', // Behovssamtale
    '6eddbaf7-2a73-49d4-91e7-6138d419f58c', // Afklarende samtale
  ],
};

const GROUP_140 = {
  training: [
    '7f825e3e-1a5c-4249-bf41-9f7171fb6b8a', // ADL-træning
    '2abe20c7-c0b4-41c1-b397-52acf36499ef', // Fysisk træning
    '58293f63-00d7-4730-8dbc-c784d40f9e23', // Funktionstræning
    '2c661159-1bb3-4af2-bdf1-f3a9927a99e2', // Kognitiv træning
    '8d714c98-f23a-4722-8a2f-85c162fe4840', // Psykomotorisk træning
    '66fb32c9-ecc3-484b-be49-f20094be237c', // Vejledning og undervisning
    'f8ac963c-6ec5-4ec5-bd90-a22fea4e2d16', // Manuel behandling
  ],
  noPlan: [
    '1130ad70-6553-490d-87f8-5e8941687a0c', // Terapeutfaglig udredning
    'ba3e17bd-d4aa-4848-acad-25adc8285c19', // Koordinering og kommunikation
  ],
};

function profile({ id, type, name, title, description, klProfile, elements }) {
  return {
    resourceType: 'StructureDefinition',
    id,
    extension: [{ url: KL_PROFILE_EXTENSION, valueCanonical: klProfile }],
    url: `${BASE}/${id}`,
    version: VERSION,
    name,
    title,
    status: 'active',
    experimental: false,
    date: DATE,
    publisher: 'faelles-tx',
    description,
    jurisdiction: [{ coding: [{ system: 'urn:iso:std:iso:3166', code: 'DK', display: 'Denmark' }] }],
    fhirVersion: '4.0.1',
    kind: 'resource',
    abstract: false,
    type,
    baseDefinition: `http://hl7.org/fhir/StructureDefinition/${type}`,
    derivation: 'constraint',
    differential: { element: elements },
  };
}

const desc = (da, en, kl) => `${da}\n\n${en}\n\nKL's profile: ${kl}. Deviations from KL's published rules: profiles/README.md.`;

const profiles = [];

// ---------------------------------------------------------------- §119 and §140 (kl-gateway-prevention 2.1.0, commit 86298d5; kl-gateway-rehab 2.2.0, commit 2007eb6)
// One builder per kind of resource for both paragraphs; what differs is in PARAGRAPHS. Cardinalities, prohibited
// elements, Reference targets and extensions come from KL's FSH (kl-structure.json), applied below.

const PARAGRAPHS = {
  119: {
    ig: 'prevention',
    interventions: { vs: VS.interventions119, name: 'KLInterventionCodes119' },
    delivery: { vs: VS.deliveryTypes119, name: 'DeliveryTypes119' },
    conditions: { vs: VS.conditions119, name: 'KLConditionCodes119' },
    carePlanCategories: { vs: VS.carePlanCategories119, name: 'CarePlanCategories119' },
    cancellation: VS.cancellation119,
    texts: {
      intervention: {
        title: '§119 planlagt indsats (KL Gateway) / §119 planned intervention',
        da: 'Planlagt indsats efter sundhedslovens §119 (forebyggelse og sundhedsfremme), som den indberettes til KL\'s gateway: niveau 2-indsatsen fra KL\'s §119-værdisæt, eventuelt med kommunens lokale niveau 3-indsats ved siden af; leveringstype; reglerne for henvisning til indsatsforløb (basedOn).',
        en: 'Planned intervention under §119 of the Danish Health Act as reported to KL\'s gateway: the niveau-2 intervention from KL\'s §119 value set, optionally with the municipality\'s local niveau-3 intervention beside it; delivery type; the rules on the link to the care plan (basedOn).',
      },
      condition: {
        title: '§119 tilstand (KL Gateway) / §119 condition',
        da: 'Tilstand i et §119-forløb: tilstandskoden fra KL\'s §119-værdisæt; sværhedsgrad må ikke angives.',
        en: 'Condition in a §119 pathway: the condition code from KL\'s §119 value set; no severity.',
      },
      carePlan: {
        title: '§119 indsatsforløb (KL Gateway) / §119 care plan',
        da: 'Indsatsforløb efter §119: forløbskategori, årsag til afbrydelse (påkrævet netop når aktiviteten er aflyst eller stoppet).',
        en: 'Care plan under §119: the category, the cancellation reason (required exactly when the activity is cancelled or stopped).',
      },
    },
    /** klgateway-119-intervention-1/2: which interventions must, and which must not, refer to a care plan */
    basedOnRules: [
      { codes: GROUP_119.treatment, implies: 'basedOn.exists()',
        en: 'Planned interventions with a treatment focus shall refer to their care plan (basedOn)',
        da: 'Planlagte indsatser med behandlingsfokus skal henvise til deres indsatsforløb (basedOn)' },
      { codes: GROUP_119.conversations, implies: 'basedOn.empty()',
        en: 'Afklarende samtale, Behovssamtale and Afsluttende samtale shall not refer to a care plan (basedOn)',
        da: 'Afklarende samtale, Behovssamtale og Afsluttende samtale må ikke henvise til et indsatsforløb (basedOn)' },
    ],
  },
  140: {
    ig: 'rehab',
    interventions: { vs: VS.interventions140, name: 'KLTrainingInterventionsFSIII' },
    delivery: { vs: VS.deliveryTypes140, name: 'DeliveryTypes140' },
    conditions: { vs: VS.conditions140, name: 'Conditions140' },
    carePlanCategories: { vs: VS.carePlanCategories140, name: 'CarePlanCategories140' },
    cancellation: VS.cancellation140,
    texts: {
      intervention: {
        title: '§140 planlagt indsats (KL Gateway) / §140 planned intervention',
        da: 'Planlagt genoptræningsindsats efter sundhedslovens §140, som den indberettes til KL\'s gateway: niveau 2-indsatsen fra KLTrainingInterventionsFSIII, eventuelt med kommunens lokale niveau 3-indsats ved siden af; leveringstype; reglerne for henvisning til indsatsforløb (basedOn).',
        en: 'Planned rehabilitation intervention under §140 of the Danish Health Act as reported to KL\'s gateway: the niveau-2 intervention from KLTrainingInterventionsFSIII, optionally with the local niveau-3 intervention beside it; delivery type; the rules on the link to the care plan (basedOn).',
      },
      condition: {
        title: '§140 tilstand (KL Gateway) / §140 condition',
        da: 'Tilstand i et §140-genoptræningsforløb: tilstandskoden fra Conditions140; sværhedsgrad må ikke angives.',
        en: 'Condition in a §140 rehabilitation pathway: the condition code from Conditions140; no severity.',
      },
      carePlan: {
        title: '§140 indsatsforløb (KL Gateway) / §140 care plan',
        da: 'Genoptræningsforløb efter §140: forløbskategori, årsag til afbrydelse (påkrævet netop når aktiviteten er aflyst eller stoppet).',
        en: 'Rehabilitation care plan under §140: the category, the cancellation reason (required exactly when the activity is cancelled or stopped).',
      },
    },
    /** klgateway-140-intervention-1/2 */
    basedOnRules: [
      { codes: GROUP_140.training, implies: 'basedOn.exists()',
        en: 'Training interventions shall refer to their care plan (basedOn)',
        da: 'Træningsindsatser skal henvise til deres indsatsforløb (basedOn)' },
      { codes: GROUP_140.noPlan, implies: 'basedOn.empty()',
        en: 'Terapeutfaglig udredning and Koordinering og kommunikation shall not refer to a care plan (basedOn)',
        da: 'Terapeutfaglig udredning og Koordinering og kommunikation må ikke henvise til et indsatsforløb (basedOn)' },
    ],
  },
};

const klCanonical = (para, id) => `http://fhir.kl.dk/${PARAGRAPHS[para].ig}/StructureDefinition/${id}`;

function plannedInterventionProfile(para) {
  const P = PARAGRAPHS[para];
  const id = `klgateway-${para}-planned-intervention`;
  const kl = klCanonical(para, id);
  const t = P.texts.intervention;
  return profile({
    id, type: 'CarePlan', name: `KLGateway${para}PlannedIntervention`, klProfile: kl, title: t.title, description: desc(t.da, t.en, kl),
    elements: [
      el('CarePlan', {
        constraint: P.basedOnRules.map((r, i) => constraint(id, `klgateway-${para}-intervention-${i + 1}`,
          basedOnRule(r.codes, r.implies), r.en, r.da)),
      }),
      el('CarePlan.basedOn', { short: '[DK] indsatsDelAfPlan' }),
      ...deliveryType(`http://fhir.kl.dk/${P.ig}/StructureDefinition/DeliveryType`, P.delivery.vs, P.delivery.name),
      ...interventionCodings(P.interventions.vs, LEVEL3_119_140, P.interventions.name),
    ],
  });
}

function conditionProfile(para) {
  const P = PARAGRAPHS[para];
  const id = `klgateway-${para}-condition`;
  const kl = klCanonical(para, id);
  const t = P.texts.condition;
  return profile({
    id, type: 'Condition', name: `KLGateway${para}Condition`, klProfile: kl, title: t.title, description: desc(t.da, t.en, kl),
    elements: [
      el('Condition.code', {
        short: `[DK] §${para} tilstandskode`,
        binding: binding('required', P.conditions.vs, `The §${para} condition: a code of ${P.conditions.name}`, `§${para}-tilstanden: en kode fra ${P.conditions.name}`),
      }),
    ],
  });
}

function carePlanProfile(para) {
  const P = PARAGRAPHS[para];
  const id = `klgateway-${para}-care-plan`;
  const kl = klCanonical(para, id);
  const t = P.texts.carePlan;
  return profile({
    id, type: 'CarePlan', name: `KLGateway${para}CarePlan`, klProfile: kl, title: t.title, description: desc(t.da, t.en, kl),
    elements: [
      el('CarePlan', {
        constraint: [
          constraint(id, `klgateway-${para}-care-plan-1`,
            "activity.detail.all(statusReason.exists() = (status = 'cancelled' or status = 'stopped'))",
            'A status reason is required if the activity status is cancelled or stopped, and not allowed otherwise',
            'En årsag (statusReason) er påkrævet, når aktivitetens status er cancelled eller stopped, og ellers ikke tilladt'),
        ],
      }),
      el('CarePlan.category', {
        short: '[DK] indsatsforløbKategori',
        binding: binding('required', P.carePlanCategories.vs, `The kind of care plan: ${P.carePlanCategories.name}`, `Forløbets kategori: ${P.carePlanCategories.name}`),
      }),
      el('CarePlan.activity.detail.statusReason', {
        short: '[DK] indsatsforløbForklaringAfStatus',
        binding: binding('required', P.cancellation, `Why the care plan was cancelled or stopped: CancellationTypes (§${para})`, `Hvorfor forløbet er aflyst eller stoppet: CancellationTypes (§${para})`),
      }),
    ],
  });
}

for (const para of ['119', '140']) profiles.push(plannedInterventionProfile(para), conditionProfile(para), carePlanProfile(para));

profiles.push(profile({
  id: 'klgateway-119-servicerequest', type: 'ServiceRequest', name: 'KLGateway119ServiceRequest', klProfile: klCanonical('119', 'klgateway-119-servicerequest'),
  title: '§119 anledning (KL Gateway) / §119 service request',
  description: desc(
    'Henvisning eller henvendelse, der er anledning til en §119-indsats: ydelsestypen fra ServiceTypes119.',
    'Referral or request that starts a §119 intervention: the service type from ServiceTypes119.',
    klCanonical('119', 'klgateway-119-servicerequest')),
  elements: [
    el('ServiceRequest.code.coding', {
      short: '[DK] anledningsIndsats',
      binding: binding('required', VS.serviceTypes119, 'The requested service: ServiceTypes119', 'Den ønskede ydelse: ServiceTypes119'),
    }),
  ],
}));
{
  const id = 'klgateway-140-servicerequest';
  const kl = klCanonical('140', id);
  profiles.push(profile({
    id, type: 'ServiceRequest', name: 'KLGateway140ServiceRequest', klProfile: kl,
    title: '§140 anledning / genoptræningsplan (KL Gateway) / §140 service request',
    description: desc(
      'Genoptræningsplanen (GGOP), der er anledning til §140-indsatser: ydelsestypen fra ServiceTypes140, planens typer fra ServiceRequestTypes140 (en af almen, specialiseret og rehabilitering) og årsagen til manglende aktivitet.',
      'The rehabilitation plan (GGOP) that starts §140 interventions: the service type from ServiceTypes140, the plan\'s types from ServiceRequestTypes140 (one of almen, specialiseret, rehabilitering) and the status reason.',
      kl),
    elements: [
      el('ServiceRequest', {
        constraint: [
          constraint(id, 'gateway-140-service-request-1',
            codingIn('category.coding', CARE_SOCIAL, ['ffd81f78-352e-4589-a195-5350dd1df2a4', '0c8e2bfc-1350-45d1-90da-c07e2645d073', '83c89857-8fb8-4163-97b1-eb1a56345c29']),
            'One of the categories shall be almen, specialiseret or rehabilitering',
            'En af kategorierne skal være almen, specialiseret eller rehabilitering'),
        ],
      }),
      // the status reason is an extension of HL7's (request-statusReason): its value type is stated here, KL's slice
      // (statusReason 0..1) comes from KL's FSH
      el('ServiceRequest.extension', { slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' } }),
      el('ServiceRequest.extension:statusReason', {
        sliceName: 'statusReason', short: '[DK] anledningÅrsagManglendeAktivitet',
        type: [{ code: 'Extension', profile: ['http://hl7.org/fhir/StructureDefinition/request-statusReason'] }],
      }),
      el('ServiceRequest.extension:statusReason.value[x]', { type: [{ code: 'CodeableConcept' }] }),
      el('ServiceRequest.extension:statusReason.value[x].coding', {
        binding: binding('required', VS.serviceRequestStatusReasons140, 'Why nothing happened on the plan: ServiceRequestStatusReasons140', 'Årsag til manglende aktivitet: ServiceRequestStatusReasons140'),
      }),
      el('ServiceRequest.category', { short: '[DK] anledningTypeAfGGOP' }),
      el('ServiceRequest.category.coding', {
        binding: binding('required', VS.serviceRequestTypes140, 'The kind of rehabilitation plan: ServiceRequestTypes140', 'Genoptræningsplanens type: ServiceRequestTypes140'),
      }),
      el('ServiceRequest.code.coding', {
        short: '[DK] anledningsIndsats',
        binding: binding('required', VS.serviceTypes140, 'The requested service: ServiceTypes140', 'Den ønskede ydelse: ServiceTypes140'),
      }),
    ],
  }));
}

// ---------------------------------------------------------------- home care and nursing (kl-gateway 1.2.0, commit 5873a09)
{
  const id = 'klgateway-care-condition';
  const kl = 'http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-condition';
  profiles.push(profile({
    id, type: 'Condition', name: 'KLGatewayCareCondition', klProfile: kl,
    title: 'Tilstand i hjemmepleje og sygepleje (KL Gateway) / home-care and nursing condition',
    description: desc(
      'Tilstand i hjemmepleje eller sygepleje: tilstandskoden fra FSIIICareConditions; sværhedsgrad fra KLSeveritiesFSIII, påkrævet for hjemmeplejetilstande og ikke tilladt for sygeplejetilstande.',
      'Home-care or nursing condition: the condition code from FSIIICareConditions; severity from KLSeveritiesFSIII, required for home-care conditions and not allowed for nursing conditions.',
      kl),
    elements: [
      el('Condition', {
        constraint: [
          constraint(id, 'klgateway-severity-mandatory-in-home-care-not-allowed-in-nursing',
            `(severity.exists() and code.memberOf('${VS.homeCareConditions}')) or (severity.empty() and code.memberOf('${VS.nursingConditions}'))`,
            'The severity is mandatory for home care conditions and not allowed for nursing conditions',
            'Sværhedsgraden er påkrævet for hjemmeplejetilstande og ikke tilladt for sygeplejetilstande'),
        ],
      }),
      el('Condition.severity', {
        short: '[DK] tilstandssværhedsgrad',
        binding: binding('required', VS.severitiesFSIII, 'How severe the condition is: KLSeveritiesFSIII', 'Tilstandens sværhedsgrad: KLSeveritiesFSIII'),
      }),
      el('Condition.code', {
        short: '[DK] FSIII tilstandskode',
        binding: binding('required', VS.careConditions, 'The home-care or nursing condition: FSIIICareConditions', 'Hjemmeplejens eller sygeplejens tilstand: FSIIICareConditions'),
      }),
    ],
  }));
}
{
  const id = 'klgateway-care-planned-intervention';
  const kl = 'http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-planned-intervention';
  profiles.push(profile({
    id, type: 'CarePlan', name: 'KLGatewayCarePlannedIntervention', klProfile: kl,
    title: 'Planlagt indsats i hjemmepleje og sygepleje (KL Gateway) / home-care and nursing planned intervention',
    description: desc(
      'Planlagt indsats i hjemmepleje eller sygepleje: niveau 2-indsatsen fra FSIIICareInterventions (påkrævet), eventuelt med kommunens lokale niveau 3-indsats ved siden af.',
      'Planned home-care or nursing intervention: the niveau-2 intervention from FSIIICareInterventions (required), optionally with the local niveau-3 intervention beside it.',
      kl),
    elements: [
      ...deliveryType('http://fhir.kl.dk/gateway/StructureDefinition/DeliveryType', VS.deliveryTypesCare, 'DeliveryTypes'),
      ...interventionCodings(VS.careInterventions, LEVEL3_CARE, 'FSIIICareInterventions'),
    ],
  }));
}

// ---------------------------------------------------------------- FFB reporting (kl-ffb-reporting 1.0.0, commit 22b3d14)
{
  const id = 'kl-reporting-ffb-intervention';
  const kl = 'http://fhir.kl.dk/ffbreporting/StructureDefinition/kl-reporting-ffb-intervention';
  profiles.push(profile({
    id, type: 'CarePlan', name: 'KLReportingFFBIntervention', klProfile: kl,
    title: 'FFB indsats (indberetning) / FFB reported intervention',
    description: desc(
      'Indsats (ydelse) i en indberettet FFB-plan: ydelseskoden fra KLInterventionsFFB.',
      'Intervention (ydelse) in a reported FFB care plan: the code from KLInterventionsFFB.',
      kl),
    elements: [
      el('CarePlan.activity.detail.code.coding', {
        short: '[DK] indsatsskode',
        binding: binding('required', VS.interventionsFFB, 'The FFB intervention: KLInterventionsFFB', 'FFB-indsatsen: KLInterventionsFFB'),
      }),
    ],
  }));
}
{
  const id = 'kl-reporting-ffb-condition';
  const kl = 'http://fhir.kl.dk/ffbreporting/StructureDefinition/kl-reporting-ffb-condition';
  profiles.push(profile({
    id, type: 'Condition', name: 'KLReportingFFBCondition', klProfile: kl,
    title: 'FFB tilstand (indberetning) / FFB reported condition',
    description: desc(
      'Tilstand efter FFB: undertemakoden fra KLConditionCodesFFB; sværhedsgrad fra KLSeveritiesFFB, påkrævet for koder under Aktivitet og deltagelse og ellers ikke tilladt.',
      'Condition under FFB: the sub-theme code from KLConditionCodesFFB; severity from KLSeveritiesFFB, required for Aktivitet og deltagelse codes and not allowed otherwise.',
      kl),
    elements: [
      el('Condition', {
        constraint: [
          constraint(id, 'kl-reporting-ffb-condition-1',
            `(severity.exists() and code.memberOf('${VS.conditionsADFFB}')) or (severity.exists().not() and code.memberOf('${VS.conditionsADFFB}').not())`,
            "Severity is mandatory for condition codes of 'Aktivitet og Deltagelse' and not allowed for other condition codes",
            "Sværhedsgrad er påkrævet for tilstandskoder under 'Aktivitet og deltagelse' og ikke tilladt for andre tilstandskoder"),
        ],
      }),
      el('Condition.severity', {
        short: '[DK] tilstandssværhedsgrad',
        binding: binding('required', VS.severitiesFFB, 'How reduced the functioning is: KLSeveritiesFFB', 'Hvor nedsat funktionsevnen er: KLSeveritiesFFB'),
      }),
      el('Condition.code', {
        short: '[DK] FFB undertemakode',
        binding: binding('required', VS.conditionsFFB, 'The FFB condition: KLConditionCodesFFB', 'FFB-tilstanden: KLConditionCodesFFB'),
      }),
    ],
  }));
}
{
  const id = 'kl-reporting-ffb-targetGroup';
  const kl = 'http://fhir.kl.dk/ffbreporting/StructureDefinition/kl-reporting-ffb-targetGroup';
  profiles.push(profile({
    id, type: 'Condition', name: 'KLReportingFFBTargetGroup', klProfile: kl,
    title: 'FFB målgruppe (indberetning) / FFB reported target group',
    description: desc(
      'Borgerens målgruppe efter FFB: koden fra KLConditionsAndTargetGroupsFFB.',
      'The citizen\'s target group under FFB: a code from KLConditionsAndTargetGroupsFFB.',
      kl),
    elements: [
      el('Condition.code.coding', {
        short: '[DK] tværorganisatoriskTilstandskode',
        binding: binding('required', VS.targetGroupsFFB, 'The target group: KLConditionsAndTargetGroupsFFB', 'Målgruppen: KLConditionsAndTargetGroupsFFB'),
      }),
    ],
  }));
}
{
  const id = 'kl-reporting-ffb-servicePerformer';
  const kl = 'http://fhir.kl.dk/ffbreporting/StructureDefinition/kl-reporting-ffb-servicePerformer';
  profiles.push(profile({
    id, type: 'CareTeam', name: 'KLReportingFFBServicePerformer', klProfile: kl,
    title: 'FFB leverandør og tilbud (indberetning) / FFB reported service performer',
    description: desc(
      'Leverandøren af en FFB-ydelse og tilbuddet (CareTeam.category) fra KLServiceCodesFFB.',
      'The performer of an FFB service and the kind of offer (CareTeam.category) from KLServiceCodesFFB.',
      kl),
    elements: [
      el('CareTeam.category', {
        short: '[DK] tilbud',
        binding: binding('required', VS.serviceCodesFFB, 'The kind of offer (tilbud): KLServiceCodesFFB', 'Tilbuddets art: KLServiceCodesFFB'),
      }),
    ],
  }));
}

// ---------------------------------------------------------------- KL's structural rules and the snapshot
// The elements above are the terminology part; KL's structural rules (kl-structure.json) are applied on top, and
// each profile gets its snapshot: the R4 base snapshot with the differential applied.
{
  const ours = new Map(profiles.map((p) => [p.extension[0].valueCanonical, p.url]));
  for (const p of profiles) {
    const tree = new ProfileTree(p.type);
    for (const e of p.differential.element) tree.set(e.id, e);
    const kl = applyKlStructure(tree, p.extension[0].valueCanonical.split('/').pop(), (canonical) => ours.get(canonical));
    p.description += `\n\nStructure (cardinalities, prohibited elements, types and Reference targets, fixed values, slicing, extensions) from KL's ${kl.source.file} (${kl.source.repo} at ${kl.source.commit}).`;
    p.differential.element = tree.differential();
    p.snapshot = { element: tree.snapshot() };
  }
}

for (const f of fs.readdirSync(OUT)) if (/^StructureDefinition-.*\.json$/.test(f)) fs.unlinkSync(path.join(OUT, f));
for (const p of profiles) {
  fs.writeFileSync(path.join(OUT, `StructureDefinition-${p.id}.json`), `${JSON.stringify(p, null, 2)}\n`);
}
console.log(`wrote ${profiles.length} profiles to ${OUT}`);
