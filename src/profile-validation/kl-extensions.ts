/**
 * KL's implementation guides whose extensions are all known here, each with its canonical base and the extensions it
 * defines (the name after `{canonical}/StructureDefinition/`): the four gateway IGs the profiles follow, every
 * `Extension:` of their FSH at the commits profiles/README.md records (profiles/build/kl-structure.json, `extensions`;
 * test/validation/extensions.test.ts checks these are those), and KL core, kl.dk.fhir.core 1.2.0, on which
 * kl-ffb-reporting depends and whose extensions KL's FFB examples use (hl7dk/KL-dk at b3f12a0,
 * input/fsh/KLCommonExtensions.fsh). An extension under one of these bases that is not listed is none of KL's: a
 * misspelt url, whose content KL's gateway cannot read.
 */
export interface KlGuide {
  canonical: string;
  /** The IG's name and version, for messages. */
  name: string;
  extensions: readonly string[];
}

export const KL_GUIDES: readonly KlGuide[] = [
  { canonical: 'http://fhir.kl.dk/prevention', name: 'kl-gateway-prevention 2.1.0', extensions: ['BasedOnCarePlanExtension', 'BasedOnServiceRequestExtension', 'DeliveryType'] },
  { canonical: 'http://fhir.kl.dk/rehab', name: 'kl-gateway-rehab 2.2.0', extensions: ['BasedOnCarePlanExtension', 'BasedOnServiceRequestExtension', 'DeliveryType', 'PreconditionDate'] },
  {
    canonical: 'http://fhir.kl.dk/gateway', name: 'kl-gateway 1.2.0',
    extensions: ['BasedOnInterventionExtension', 'DeliveryType', 'klgateway-care-finding-context-at-risk-extension', 'klgateway-care-follow-up-encounter-extension'],
  },
  { canonical: 'http://fhir.kl.dk/ffbreporting', name: 'kl-ffb-reporting 1.0.0', extensions: ['kl-reporting-ffb-follow-up-date-extension', 'kl-reporting-ffb-municipalityCaseNumber'] },
  {
    canonical: 'http://fhir.kl.dk/core', name: 'KL core 1.2.0 (kl.dk.fhir.core)',
    extensions: ['BasedOnServiceRequest', 'ConditionLastAssertedDate', 'ConditionRank', 'ExtEventHist', 'FollowUpEncounter', 'MatterOfInterestInformer',
      'MunicipalityCaseNumber', 'RequesterType', 'SubjectConsentToLiaising'],
  },
];

/** The canonical urls of the extensions of KL_GUIDES. */
export const KL_EXTENSIONS: ReadonlySet<string> = new Set(KL_GUIDES.flatMap((g) => g.extensions.map((name) => `${g.canonical}/StructureDefinition/${name}`)));

/** The guide of KL_GUIDES whose canonical base a url is under. */
export function klGuideOf(url: string): KlGuide | undefined {
  return KL_GUIDES.find((g) => url.startsWith(`${g.canonical}/`));
}
