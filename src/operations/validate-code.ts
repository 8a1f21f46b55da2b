import type { CodeableConcept, CodeSystem, Coding, Resource, ValueSet } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { messageLanguageOf } from '../errors/message-language';
import type { OperationInput, OperationSpec, ParamSpec, ParamValue } from '../fhir/parameters';
import { parseCanonical } from '../terminology/canonical';
import { CodeValidator, type CodedValue } from '../terminology/validation/code-validator';
import type { TerminologyResource } from '../terminology/resource-set';
import { assertTerminologyResourceShape } from '../terminology/resource-shape';
import { LanguageList } from '../terminology/validation/languages';
import { msg, txError } from '../terminology/validation/messages';
import { ValidationOptions } from '../terminology/validation/options';
import type { OperationContext, OperationHandler } from './context';
import { versionAsked } from './instance-version';
import { DATE_DOCUMENTATION, requestDate, resolveValueSet, VALUE_SET_PARAMETER } from './value-set-parameter';
import { R4_OPERATION_TEXTS } from './r4-operation-texts';
import { TX_RESOURCE_DOCUMENTATION, TX_RESOURCE_PARAM, USE_SUPPLEMENT_DOCUMENTATION } from './tx-resources';
import type { OperationDocumentation, ParameterDocumentation } from './context';
import { agreeing, versionInUrl } from './agreeing-parameters';

const common: ParamSpec[] = [
  { name: 'code', type: 'code' },
  { name: 'system', type: 'uri' },
  { name: 'systemVersion', type: 'string' },
  { name: 'display', type: 'string' },
  { name: 'coding', type: 'Coding' },
  { name: 'codeableConcept', type: 'CodeableConcept' },
  { name: 'date', type: 'dateTime' },
  { name: 'abstract', type: 'boolean' },
  { name: 'displayLanguage', type: 'code' },
  { name: 'activeOnly', type: 'boolean' },
  { name: 'inferSystem', type: 'boolean' },
  { name: 'lenient-display-validation', type: 'boolean' },
  { name: 'valueset-membership-only', type: 'boolean' },
  { name: 'default-to-latest-version', type: 'boolean' },
  { name: 'system-version', type: 'canonical', repeats: true },
  { name: 'check-system-version', type: 'canonical', repeats: true },
  { name: 'force-system-version', type: 'canonical', repeats: true },
  { name: 'default-valueset-version', type: 'canonical', repeats: true },
  { name: 'check-valueset-version', type: 'canonical', repeats: true },
  { name: 'force-valueset-version', type: 'canonical', repeats: true },
  { name: 'useSupplement', type: 'canonical', repeats: true },
  TX_RESOURCE_PARAM,
];

export const valueSetValidateSpec: OperationSpec = {
  name: 'validate-code',
  params: [
    { name: 'url', type: 'uri' },
    { name: 'valueSet', type: 'Resource' },
    { name: 'valueSetVersion', type: 'string' },
    { name: 'context', type: 'uri' },
    ...common,
  ],
};

const codeSystemValidateSpec: OperationSpec = {
  name: 'validate-code',
  params: [
    { name: 'url', type: 'uri' },
    { name: 'codeSystem', type: 'Resource' },
    { name: 'version', type: 'string' },
    ...common,
  ],
};

const EXPAND = R4_OPERATION_TEXTS['ValueSet-expand']!;
const VS_VALIDATE = R4_OPERATION_TEXTS['ValueSet-validate-code']!;
const CS_VALIDATE = R4_OPERATION_TEXTS['CodeSystem-validate-code']!;

/** This server's parameters of both $validate-codes besides R4's (those of R4's other $validate-code or of its $expand: their texts). */
const COMMON_INPUTS: OperationDocumentation['inputs'] = {
  activeOnly: "As $expand's activeOnly (R5's): an inactive code is not valid.",
  inferSystem: "The tx ecosystem's, as R5's: with 'code' and no 'system', the system is the one code system the value set has the code in.",
  'lenient-display-validation': "The tx ecosystem's, as R5's: a wrong display is a warning, not an error (result stays true).",
  'valueset-membership-only': "The tx ecosystem's, as R5's: only whether the code is in the value set is checked, not its display or status.",
  'default-to-latest-version': "The tx ecosystem's: accepted; this server takes a code system's newest version wherever none is given.",
  'system-version': EXPAND.inputs['system-version']!,
  'check-system-version': EXPAND.inputs['check-system-version']!,
  'force-system-version': EXPAND.inputs['force-system-version']!,
  'default-valueset-version': "The tx ecosystem's: the version (url|version) of a value set to take where it is named without one.",
  'check-valueset-version': "The tx ecosystem's: the version (url|version) a value set must have where it is named; another is an error.",
  'force-valueset-version': "The tx ecosystem's: the version (url|version) to take of a value set wherever it is named, whatever version is named.",
  useSupplement: USE_SUPPLEMENT_DOCUMENTATION,
  'tx-resource': TX_RESOURCE_DOCUMENTATION,
};

/** What a $validate-code answers: R4's result, message and display, and what the tx ecosystem answers besides (mostly R5's). */
const outputs = (r4: ParameterDocumentation[]): ParameterDocumentation[] => [
  ...r4,
  { name: 'code', type: 'code', documentation: "As R5's: the code validated (of the coding found valid, for a codeableConcept)" },
  { name: 'system', type: 'uri', documentation: "As R5's: the code's system" },
  { name: 'version', type: 'string', documentation: "As R5's: the version of the code system the code was validated in" },
  { name: 'inactive', type: 'boolean', documentation: "As R5's: true when the code is inactive" },
  { name: 'status', type: 'code', documentation: "The tx ecosystem's: the code's status when it is not active (retired, deprecated…)" },
  { name: 'normalized-code', type: 'code', documentation: "The tx ecosystem's: the code as the code system writes it, when it was given in another form" },
  { name: 'x-unknown-system', type: 'canonical', repeats: true, documentation: "The tx ecosystem's: a code system (url or url|version) the server does not know, which makes the code not valid" },
  { name: 'x-caused-by-unknown-system', type: 'canonical', repeats: true, documentation: "The tx ecosystem's: a code system (url or url|version) the server does not know, for want of which the code could not be validated" },
  { name: 'codeableConcept', type: 'CodeableConcept', documentation: "As R5's: the codeableConcept validated" },
  { name: 'issues', type: 'OperationOutcome', documentation: "As R5's: what was found, one issue each, with the expression it is at" },
];

/** Parameters that steer the validation (everything that is not the code, the value set or the code system). */
const OPTION_PARAMS = [
  'displayLanguage', 'activeOnly', 'abstract', 'inferSystem', 'lenient-display-validation', 'valueset-membership-only',
  'system-version', 'check-system-version', 'force-system-version', 'default-valueset-version', 'check-valueset-version',
  'force-valueset-version', 'useSupplement',
];

const NO_CODE = 'Unable to find code to validate (looked for coding | codeableConcept | code+system | code+inferSystem in parameters';
const NO_CODE_DA = 'Der er ingen kode at validere (giv coding, codeableConcept, code og system, eller code og inferSystem)';

export function validationOptions(input: OperationInput, ctx: OperationContext): ValidationOptions {
  const options = new ValidationOptions(ctx.acceptLanguages.length > 0 ? LanguageList.of(...ctx.acceptLanguages) : undefined);
  options.messageLanguage = messageLanguageOf(ctx.acceptLanguages);
  options.date = requestDate(input, ctx);
  for (const name of OPTION_PARAMS) {
    if (!input.has(name)) continue;
    for (const value of input.all<ParamValue>(name)) {
      if (typeof value === 'string' || typeof value === 'boolean') options.see(name, value);
    }
  }
  return options;
}

/**
 * The coded value of the request: a CodeableConcept, a Coding, or code (+ system, version, display). R4 has the
 * request give one (and only one) of them: two are a 400, whichever they name, rather than one validated and the other
 * not looked at.
 */
export function codedValueOf(input: OperationInput, forCodeSystem: boolean, options: ValidationOptions): CodedValue {
  input.refuseTogether('code', 'coding', 'codeableConcept');
  const cc = input.one<CodeableConcept>('codeableConcept');
  if (cc) {
    options.inferSystem = false;
    return { mode: 'codeableConcept', codings: Array.isArray(cc.coding) ? cc.coding : [], codeableConcept: cc };
  }
  const coding = input.one<Coding>('coding');
  if (coding) {
    options.inferSystem = false;
    // `system` beside the coding names the coding's system, or it is a 400, as in $lookup
    agreeing({ name: 'system', value: input.string('system') }, { name: 'coding.system', value: typeof coding.system === 'string' ? coding.system : undefined });
    const display = coding.display ?? input.string('display');
    return { mode: 'coding', codings: [display !== undefined ? { ...coding, display } : coding] };
  }
  const code = input.string('code');
  if (code) {
    // the code system's url may carry its version (url|version), as the operation's own reading of it allows
    const url = forCodeSystem ? input.string('url') : undefined;
    const canonical = url !== undefined ? parseCanonical(url) : undefined;
    // a code system's url and `system` (or the url's version and `version`) both given name one code system, or it is a 400
    const system = agreeing({ name: 'url', value: canonical?.url }, { name: 'system', value: input.string('system') });
    const version = forCodeSystem ? agreeing({ name: 'version', value: input.string('version') }, versionInUrl('url', canonical?.version)) : input.string('systemVersion');
    if (!system && !forCodeSystem && !options.inferSystem) throw FhirError.invalid(NO_CODE, { expression: ['code'], da: NO_CODE_DA });
    const c: Coding = { code };
    if (system) c.system = system;
    if (version) c.version = version;
    const display = input.string('display');
    if (display !== undefined) c.display = display;
    return { mode: 'code', codings: [c] };
  }
  throw FhirError.invalid(NO_CODE, { da: NO_CODE_DA });
}

/** The codeSystem/valueSet given as resources become visible to this request (tx-resource is applied by invoke). */
function requestContext(input: OperationInput, ctx: OperationContext, own: string): OperationContext {
  const resource = input.one<Resource>(own) as TerminologyResource | undefined;
  if (resource && resource.resourceType !== (own === 'codeSystem' ? 'CodeSystem' : 'ValueSet')) {
    const type = own === 'codeSystem' ? 'CodeSystem' : 'ValueSet';
    throw FhirError.invalid(`Parameter '${own}' must be a ${type}`, { expression: [own], da: `Parameteren '${own}' skal være et ${type}` });
  }
  if (resource) assertTerminologyResourceShape(resource);
  if (!resource?.url) return ctx;
  return { ...ctx, registry: ctx.registry.withOverlay([resource]) };
}

/** The value set validated against; the request's valueset version rules pick the version of a canonical. */
function valueSetOf(input: OperationInput, ctx: OperationContext, options: ValidationOptions, target?: ValueSet): ValueSet {
  return resolveValueSet(input, ctx, target, {
    ...VALUE_SET_PARAMETER,
    version: (url, asked) => {
      const rules = options.rulesFor(url);
      return rules.find((r) => r.mode === 'override')?.version ?? asked ?? rules.find((r) => r.mode === 'default')?.version;
    },
    notFound: (url, version) => txError(404, 'not-found', msg.valueSetNotFound(version ? `${url}|${version}` : url), { txIssueType: 'not-found' }),
    date: options.date,
  });
}

/** ValueSet/$validate-code's inputs (also those of $batch-validate-code's request). */
export const VALUE_SET_VALIDATE_INPUTS: OperationDocumentation['inputs'] = {
  ...VS_VALIDATE.inputs,
  valueSet: { type: 'ValueSet', documentation: VS_VALIDATE.inputs.valueSet! },
  date: `${VS_VALIDATE.inputs.date} This server: ${DATE_DOCUMENTATION}`,
  ...COMMON_INPUTS,
};

export const valueSetValidateCodeOperation: OperationHandler = {
  spec: valueSetValidateSpec,
  resourceType: 'ValueSet',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ValueSet-validate-code',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code',
    description: "HL7's ValueSet/$validate-code, at type level and on a ValueSet instance, with the tx ecosystem's parameters and answer " +
      "(issues, and what was validated). A code that is not valid is result=false with a message and issues (200), as is a code system the " +
      "server does not know; a value set it does not know is a 404. The code is given one way (code and system, coding, or " +
      'codeableConcept): two of them are a 400.',
    inputs: VALUE_SET_VALIDATE_INPUTS,
    outputs: outputs(VS_VALIDATE.outputs),
  },
  cache: 'answer',
  handle(input, baseCtx, target) {
    const ctx = requestContext(input, baseCtx, 'valueSet');
    const options = validationOptions(input, ctx);
    const vs = valueSetOf(input, ctx, options, target as ValueSet | undefined);
    const value = codedValueOf(input, false, options);
    return new CodeValidator(ctx.registry).validateInValueSet(vs, value, options);
  },
};

export const codeSystemValidateCodeOperation: OperationHandler = {
  spec: codeSystemValidateSpec,
  resourceType: 'CodeSystem',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/CodeSystem-validate-code',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code',
    description: "HL7's CodeSystem/$validate-code, at type level and on a CodeSystem instance, with the tx ecosystem's parameters and answer " +
      "(issues, and what was validated). A code that is not valid is result=false with a message and " +
      'issues (200), as is a code system the server does not know. The code is given one way (code, coding, or codeableConcept): ' +
      'two of them are a 400.',
    inputs: {
      ...CS_VALIDATE.inputs,
      url: `${CS_VALIDATE.inputs.url} This server: url|version names the version too.`,
      codeSystem: { type: 'CodeSystem', documentation: CS_VALIDATE.inputs.codeSystem! },
      date: `${CS_VALIDATE.inputs.date} This server: ${DATE_DOCUMENTATION}`,
      system: "As R5's: the code's system, where 'url' does not give it.",
      systemVersion: VS_VALIDATE.inputs.systemVersion!,
      ...COMMON_INPUTS,
    },
    outputs: outputs(CS_VALIDATE.outputs),
  },
  cache: 'answer',
  handle(input, baseCtx, target) {
    const ctx = requestContext(input, baseCtx, 'codeSystem');
    // url|version and version agree; at instance level another url is a 400, and url|version of its own url gives the version
    const asked = versionAsked(input, target as CodeSystem | undefined, { url: 'url', version: 'version' });
    const options = validationOptions(input, ctx);
    const value = codedValueOf(input, true, options);
    const cs = (target as CodeSystem | undefined) ?? input.one<CodeSystem>('codeSystem');
    const first = value.codings[0];
    let url = cs?.url ?? input.string('url');
    // a version asked for picks that version of the code system's url, at instance level too; so does a date (the
    // version in force then), as for $lookup
    let version = asked ?? (target && options.date !== undefined ? undefined : cs?.version);
    if (url) {
      const parsed = parseCanonical(url);
      url = parsed.url;
      version = version ?? parsed.version;
    } else {
      url = first?.system;
      version = version ?? first?.version;
    }
    // a Coding without a system is a result (it cannot be validated); a bare code needs a code system
    if (!cs && !url && value.mode === 'code') {
      throw FhirError.invalid("No code system: give 'url' (or 'system'), or call the operation on a CodeSystem instance", {
        expression: ['url'], da: "Intet kodesystem: giv 'url' (eller 'system'), eller kald operationen på et bestemt CodeSystem",
      });
    }
    // a bare code is a code of the code system the operation addresses
    if (value.mode === 'code' && first && !first.system && url) {
      first.system = url;
      if (version && !first.version) first.version = version;
    }
    return new CodeValidator(ctx.registry).validateInCodeSystem(url, version, value, options);
  },
};
