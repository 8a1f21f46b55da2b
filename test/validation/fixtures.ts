import type { CodeSystem, Coding, ConceptMap, Resource } from 'fhir/r4';

export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const FFB = 'urn:oid:1.2.208.176.2.22';
export const CARE_SOCIAL = 'http://fhir.kl.dk/term/CodeSystem/CareSocialCodes';
export const LEVEL3_119_140 = 'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions';
export const LEVEL3_CARE = 'http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions';
export const KOMMUNEKODE = 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode';
export const DELIVERY_119 = 'http://fhir.kl.dk/prevention/StructureDefinition/DeliveryType';
export const DELIVERY_140 = 'http://fhir.kl.dk/rehab/StructureDefinition/DeliveryType';
export const PRECONDITION_DATE_140 = 'http://fhir.kl.dk/rehab/StructureDefinition/PreconditionDate';

export const profile = (id: string): string => `http://faelles-tx.dk/fhir/StructureDefinition/${id}`;

/** FSIII codes used below, by their display. */
export const C = {
  afklarendeSamtale: '6eddbaf7-2a73-49d4-91e7-6138d419f58c',
  kostvejledning: 'c9a99304-1788-43b7-b7be-e187b092ae9c',
  nikotin: '6d24992e-e0a2-43e7-bc27-0234622a8655',
  tobaksafvaenning: 'c203c6b5-3be0-40a8-8204-e93751deabf5', // retired, replaced by nikotin
  sygdomshaandtering: 'e71b7d85-5c78-49c2-8624-8499d162317b',
  vejledningFysisk: 'abe847e0-1ce0-44dc-a675-ce05b66f47e6',
  fysiskTraening119: 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d',
  fysiskTraening140: '2abe20c7-c0b4-41c1-b397-52acf36499ef',
  terapeutfagligUdredning: '1130ad70-6553-490d-87f8-5e8941687a0c',
  personligHygiejne: '17312894-b23f-43d9-9723-b725ac25d872',
  vaskeSig: '4d46bd94-9518-431c-82e8-ebb91bca307a', // home-care condition
  problemerPersonligPleje: 'b4e4bb41-7734-4c84-967f-fa1916662972', // nursing condition
  kontinens: '880cdd75-c63a-44a0-a4e4-8209644c8628', // §119 condition
  forflytteSig: '86e1982c-f459-4658-9071-e4bf3453a687', // §140 condition
  severity2: 'd984ad21-48fe-4619-845e-2aa0303048e7', // KLSeveritiesFSIII "2"
};

/** CareSocialCodes used below. */
export const CS = {
  individuel: '8d12d74c-17da-47a7-a4fe-e69dbaec0a8c',
  gruppe: '2865f123-15a7-4a36-a514-32ea37c400ca',
  intervention119: '5c160c02-e858-4c1f-925a-71ed64844749',
  opfoelgning119: '9791e55a-656f-47eb-8fd5-c4a06b0a4662',
  intervention140: 'f15b2663-94d9-4d0c-a5de-d8bd8e1e4ebb',
  opfoelgning140: '4863001e-14c7-4be8-a2da-e4f21a4b6ac4', // the other CarePlanCategories140 code
  aktivtFravalg: 'a3f2bd01-078b-486e-81be-797d192ad7bd',
  sundhedsfremme: 'a71921ea-fe83-441d-933b-cc21d0b3c8c3',
  genoptraening: '7fc66c15-0cb3-4c89-9e18-f3a01e6a6592',
  almen: 'ffd81f78-352e-4589-a195-5350dd1df2a4',
  basal: '8b962281-2ab6-4b10-9c91-4bac592d6d49',
};

/** FFB codes used below. */
export const F = {
  fysiskAktivitet: '66e23d66-1c5f-4070-bed1-8827cc863dcd',
  samspil: '3f9da5ac-9686-4eeb-b517-b46e17fcb1d7', // Aktivitet og deltagelse
  stemmeOgTale: '1a6585e7-25a6-4518-9384-8f6290f879cc', // not Aktivitet og deltagelse
  letNedsat: '8328ce4a-6238-4f73-bf1a-74aadb68eff8',
  multipel: 'f1c7ee41-21b4-4dba-9424-c874bf72b5e7', // target group
  aktivitetstilbud: '9401777d-bdc5-4f52-9804-63c8cae9a792',
};

export const fsiii = (code: string, display?: string): Coding => ({ system: FSIII, code, ...(display ? { display } : {}) });
export const careSocial = (code: string): Coding => ({ system: CARE_SOCIAL, code });
export const ffb = (code: string): Coding => ({ system: FFB, code });
export const kommune = (kode: string) => ({ identifier: { system: KOMMUNEKODE, value: kode } });

type Json = Record<string, unknown>;

interface InterventionOptions {
  basedOn?: boolean;
  /** Codings of the delivery-type extension; null leaves the extension out. */
  delivery?: Coding[] | null;
  /** kommunekode of the performing organization (logical reference); undefined for `Organization/udfoerer`. */
  performer?: string;
  meta?: string[];
}

function plannedIntervention(profileId: string, deliveryUrl: string, codings: Coding[], o: InterventionOptions): Json {
  const detail: Json = {
    status: 'in-progress',
    code: { coding: codings },
  };
  if (o.delivery !== null) {
    detail.extension = [{ url: deliveryUrl, valueCodeableConcept: { coding: o.delivery ?? [careSocial(CS.individuel)] } }];
  }
  detail.performer = [o.performer ? kommune(o.performer) : { reference: 'Organization/udfoerer' }];
  return {
    resourceType: 'CarePlan',
    // no profile: no meta (an empty one breaks ele-1)
    ...(o.meta?.length === 0 ? {} : { meta: { profile: o.meta ?? [profile(profileId)] } }),
    status: 'active',
    intent: 'plan',
    subject: { reference: 'Patient/borger-1' },
    period: { start: '2026-01-05' },
    ...(o.basedOn ? { basedOn: [{ reference: 'CarePlan/forloeb-1' }] } : {}),
    activity: [{ detail }],
  };
}

export const intervention119 = (codings: Coding[], o: InterventionOptions = {}): Json =>
  plannedIntervention('klgateway-119-planned-intervention', DELIVERY_119, codings, o);
export const intervention140 = (codings: Coding[], o: InterventionOptions = {}): Json =>
  plannedIntervention('klgateway-140-planned-intervention', DELIVERY_140, codings, o);

/** A home-care or nursing planned intervention: KL's profile has no performer, so the municipality is a parameter. */
export function careIntervention(codings: Coding[]): Json {
  const cp = plannedIntervention('klgateway-care-planned-intervention', '', codings, { delivery: null });
  delete (cp.activity as { detail: Json }[])[0]!.detail.performer;
  return cp;
}

export function condition(profileId: string, codings: Coding[], severity?: Coding[]): Json {
  return {
    resourceType: 'Condition',
    meta: { profile: [profile(profileId)] },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: codings },
    ...(severity ? { severity: { coding: severity } } : {}),
    subject: { reference: 'Patient/borger-1' },
    recordedDate: '2026-01-05',
  };
}

/** A care plan; `timing` adds a schedule, which KL's care plan profiles do not allow (scheduled[x] 0..0). */
export function carePlan(profileId: string, category: Coding[], o: { status?: string; statusReason?: Coding[]; timing?: boolean } = {}): Json {
  const detail: Json = { status: o.status ?? 'in-progress', performer: [{ reference: 'Organization/udfoerer' }] };
  if (o.statusReason) detail.statusReason = { coding: o.statusReason };
  if (o.timing === true) detail.scheduledTiming = { repeat: { count: 8, duration: 60, durationUnit: 'min' } };
  return {
    resourceType: 'CarePlan',
    meta: { profile: [profile(profileId)] },
    status: 'active',
    intent: 'plan',
    category: [{ coding: category }],
    subject: { reference: 'Patient/borger-1' },
    period: { start: '2026-01-05' },
    activity: [{ detail }],
  };
}

/** A §119 or §140 service request; the §140 one (a rehabilitation plan) has its discharge date extension. */
export function serviceRequest(profileId: string, code: Coding[], category?: Coding[][]): Json {
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [profile(profileId)] },
    ...(profileId.includes('140') ? { extension: [{ url: PRECONDITION_DATE_140, valueDate: '2026-01-01' }] } : {}),
    requester: { reference: 'Organization/udfoerer' },
    status: 'active',
    intent: 'plan',
    ...(category ? { category: category.map((coding) => ({ coding })) } : {}),
    code: { coding: code },
    subject: { reference: 'Patient/borger-1' },
    authoredOn: '2026-01-02',
  };
}

export function ffbIntervention(codings: Coding[]): Json {
  return {
    resourceType: 'CarePlan',
    meta: { profile: [profile('kl-reporting-ffb-intervention')] },
    status: 'active',
    intent: 'plan',
    basedOn: [{ reference: 'CarePlan/ffb-plan' }],
    subject: { reference: 'Patient/borger-1' },
    period: { start: '2026-01-05' },
    created: '2026-01-02',
    activity: [{ detail: { status: 'in-progress', code: { coding: codings } } }],
  };
}

export function servicePerformer(category: Coding[]): Json {
  return {
    resourceType: 'CareTeam',
    meta: { profile: [profile('kl-reporting-ffb-servicePerformer')] },
    category: [{ coding: category }],
    subject: { reference: 'Patient/borger-1' },
  };
}

export function organization(id: string, kode: string): Json {
  return { resourceType: 'Organization', id, identifier: [{ system: KOMMUNEKODE, value: kode }], name: `Kommune ${kode}` };
}

export function bundle(type: 'batch' | 'collection', resources: (Json | Resource)[]): Json {
  return {
    resourceType: 'Bundle',
    type,
    entry: resources.map((resource, i) => ({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resource,
      ...(type === 'batch' ? { request: { method: 'POST', url: String((resource as Json).resourceType) } } : {}),
    })),
  };
}

/**
 * A second municipality's local catalog (101), given to the app as written resources: a home-care niveau-3
 * intervention mapped to FSIII Personlig hygiejne, for the care gateway's niveau-3 system.
 */
export const KOMMUNE_101: [CodeSystem, ConceptMap] = [
  {
    resourceType: 'CodeSystem', id: 'kommune-101-lokale-indsatser', url: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser',
    identifier: [{ system: KOMMUNEKODE, value: '101' }], version: '1.0.0', name: 'Kommune101LokaleIndsatser', status: 'active',
    content: 'complete', caseSensitive: true,
    property: [{ code: 'type', uri: 'http://faelles-tx.dk/fhir/CodeSystem/lokal-type', type: 'code' }],
    concept: [
      { code: '101-BRUSEBAD', display: 'Hjælp til brusebad', property: [{ code: 'type', valueCode: 'indsats' }] },
      { code: '101-UMAPPET', display: 'Lokal indsats uden kobling', property: [{ code: 'type', valueCode: 'indsats' }] },
    ],
  },
  {
    resourceType: 'ConceptMap', id: 'kommune-101-lokale-indsatser', url: 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser',
    identifier: { system: KOMMUNEKODE, value: '101' }, version: '1.0.0', name: 'Kommune101LokaleIndsatserTilFsiii', status: 'active',
    group: [{
      source: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser', sourceVersion: '1.0.0', target: FSIII,
      element: [{ code: '101-BRUSEBAD', target: [{ code: C.personligHygiejne, display: 'Personlig hygiejne', equivalence: 'subsumes' }] }],
    }],
  },
];
