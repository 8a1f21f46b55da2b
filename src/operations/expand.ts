import type { ValueSet, ValueSetExpansionParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { messageLanguageOf } from '../errors/message-language';
import { isMunicipalPicker } from '../municipal/municipal-value-sets';
import { composeProperties, localPropertySource, nestByMap } from '../municipal/pick-list-expansion';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import { parseCanonical } from '../terminology/canonical';
import { parseLanguagePreference } from '../terminology/expansion/display';
import { parseDisplayLanguage } from '../terminology/validation/options';
import { serializedExpansion, type ExpansionRequest } from '../terminology/expansion/value-set-expansion';
import { assertValueSetShape } from '../terminology/resource-shape';
import { composeExpansionParameter } from '../terminology/valueset-extensions';
import type { OperationContext, OperationHandler } from './context';
import { DATE_DOCUMENTATION, requestDate, resolveValueSet, VALUE_SET_PARAMETER } from './value-set-parameter';
import { R4_OPERATION_TEXTS } from './r4-operation-texts';
import { TX_RESOURCE_DOCUMENTATION, TX_RESOURCE_PARAM, USE_SUPPLEMENT_DOCUMENTATION } from './tx-resources';
import { excerpt } from '../errors/excerpt';

const BOOLEAN_FLAGS = ['excludeNested', 'activeOnly', 'includeDesignations', 'includeDefinition', 'excludeNotForUI', 'excludePostCoordinated'] as const;

const EXPAND = R4_OPERATION_TEXTS['ValueSet-expand']!;

const spec: OperationSpec = {
  name: 'expand',
  params: [
    { name: 'url', type: 'uri' },
    { name: 'valueSet', type: 'Resource' },
    { name: 'valueSetVersion', type: 'string' },
    { name: 'context', type: 'uri' },
    { name: 'filter', type: 'string' },
    { name: 'date', type: 'dateTime' },
    { name: 'offset', type: 'integer' },
    { name: 'count', type: 'integer' },
    { name: 'designation', type: 'string', repeats: true },
    { name: 'displayLanguage', type: 'code' },
    ...BOOLEAN_FLAGS.map((name) => ({ name, type: 'boolean' as const })),
    // this server's: nest listed codes by their code system's hierarchy, grouped under the parents left out
    { name: 'hierarchical', type: 'boolean' },
    { name: 'system-version', type: 'canonical', repeats: true },
    { name: 'force-system-version', type: 'canonical', repeats: true },
    { name: 'check-system-version', type: 'canonical', repeats: true },
    { name: 'default-valueset-version', type: 'canonical', repeats: true },
    { name: 'property', type: 'string', repeats: true },
    { name: 'useSupplement', type: 'canonical', repeats: true },
    { name: 'exclude-system', type: 'canonical', repeats: true },
    TX_RESOURCE_PARAM,
  ],
};

/** `url|version` parameters as url → version; a canonical without a version is refused. */
function versionMap(input: OperationInput, name: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of input.all<string>(name)) {
    const { url, version } = parseCanonical(v);
    if (!version) {
      throw FhirError.invalid(`The ${name} parameter '${excerpt(v)}' must give a version (url|version)`, {
        expression: [name], da: `Parameteren ${name} '${excerpt(v)}' skal angive en version (url|version)`,
      });
    }
    m.set(url, version);
  }
  return m;
}

function checkPaging(input: OperationInput): void {
  for (const name of ['offset', 'count'] as const) {
    const v = input.integer(name);
    if (v !== undefined && v < 0) throw FhirError.invalid(`'${name}' must not be negative`, { expression: [name], da: `'${name}' må ikke være negativ` });
  }
}

/** The request parameters an expansion reports back, as tx servers do. */
function echoedParameters(input: OperationInput, displayLanguage: string | undefined): ValueSetExpansionParameter[] {
  const out: ValueSetExpansionParameter[] = [];
  const filter = input.string('filter');
  if (filter !== undefined) out.push({ name: 'filter', valueString: filter });
  const date = input.string('date');
  if (date !== undefined) out.push({ name: 'date', valueDateTime: date });
  if (displayLanguage !== undefined) out.push({ name: 'displayLanguage', valueCode: displayLanguage });
  for (const d of input.all<string>('designation')) out.push({ name: 'designation', valueString: d });
  for (const name of [...BOOLEAN_FLAGS, 'hierarchical']) {
    const v = input.boolean(name);
    if (v !== undefined) out.push({ name, valueBoolean: v });
  }
  for (const name of ['offset', 'count'] as const) {
    const v = input.integer(name);
    if (v !== undefined) out.push({ name, valueInteger: v });
  }
  for (const system of input.all<string>('exclude-system')) out.push({ name: 'exclude-system', valueUri: system });
  return out;
}

/** The `property` parameters, else the properties the value set's compose names. */
function requestedProperties(input: OperationInput, vs: ValueSet): string[] {
  const asked = input.all<string>('property').flatMap((p) => p.split(',').map((s) => s.trim()).filter(Boolean));
  return asked.length > 0 ? asked : composeProperties(vs);
}

function buildRequest(input: OperationInput, ctx: OperationContext, vs: ValueSet): ExpansionRequest {
  checkPaging(input);
  const asked = input.string('displayLanguage');
  // the parameter is checked as $lookup and $validate-code check it; Accept-Language is read as leniently as headers are
  if (asked !== undefined) parseDisplayLanguage(asked);
  const header = ctx.acceptLanguages.length > 0 ? ctx.acceptLanguages.join(',') : undefined;
  const displayLanguage = asked ?? composeExpansionParameter(vs, 'displayLanguage') ?? header;
  const flag = (name: (typeof BOOLEAN_FLAGS)[number]): boolean => input.boolean(name) ?? composeExpansionParameter(vs, name) === 'true';
  return {
    evaluation: {
      systemVersions: versionMap(input, 'system-version'),
      forceSystemVersions: versionMap(input, 'force-system-version'),
      checkSystemVersions: versionMap(input, 'check-system-version'),
      defaultValueSetVersions: versionMap(input, 'default-valueset-version'),
      supplements: input.all<string>('useSupplement'),
      date: requestDate(input, ctx),
    },
    textFilter: input.string('filter'),
    offset: input.integer('offset'),
    count: input.integer('count'),
    activeOnly: flag('activeOnly'),
    excludeSystems: input.all<string>('exclude-system'),
    excludeNested: flag('excludeNested'),
    nestingAsked: input.boolean('hierarchical') === true,
    excludeNotForUI: flag('excludeNotForUI'),
    includeDesignations: flag('includeDesignations') || input.has('designation'),
    includeDefinition: flag('includeDefinition'),
    designations: input.all<string>('designation'),
    properties: requestedProperties(input, vs),
    propertySource: localPropertySource(ctx.registry),
    nest: isMunicipalPicker(vs) ? nestByMap(ctx.registry) : undefined,
    languages: parseLanguagePreference(displayLanguage),
    messageLanguage: messageLanguageOf(ctx.acceptLanguages),
    echo: echoedParameters(input, displayLanguage),
    maxSize: ctx.limits.maxExpansionSize,
  };
}

export const expandOperation: OperationHandler = {
  spec,
  resourceType: 'ValueSet',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ValueSet-expand',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand',
    description: "HL7's ValueSet/$expand, at type level and on a ValueSet instance, plus this server's 'hierarchical' and the tx ecosystem's " +
      "'property', 'default-valueset-version', 'useSupplement' and 'tx-resource'. The filter is case- and accent-insensitive, Danish letters " +
      'fold (æ=ae, ø=oe, å=aa), and every word of it must occur in the display or a designation, or start a word of the code. An expansion ' +
      'larger than the limit needs count. The parameters used are reported in ValueSet.expansion.parameter (with used-codesystem, ' +
      'used-valueset and used-supplement).',
    inputs: {
      ...EXPAND.inputs,
      valueSet: { type: 'ValueSet', documentation: EXPAND.inputs.valueSet! },
      date: `${EXPAND.inputs.date} This server: ${DATE_DOCUMENTATION}`,
      hierarchical: "This server's: true nests a value set's codes by their code system's hierarchy, also when the value set lists them, " +
        'under the parents it leaves out (as abstract groups); excludeNested=true keeps the expansion flat.',
      'default-valueset-version': "The tx ecosystem's: the version (url|version) of a value set to take where the value set includes it without one.",
      property: "The tx ecosystem's, as R5's: a property of the codes to give in the expansion (contains.property); repeats, or comma separated. " +
        "Without it, the properties the value set's compose names.",
      useSupplement: USE_SUPPLEMENT_DOCUMENTATION,
      'tx-resource': TX_RESOURCE_DOCUMENTATION,
    },
    outputs: EXPAND.outputs,
  },
  cache: 'expansion',
  handle(input, ctx, target) {
    const vs = resolveValueSet(input, ctx, target as ValueSet | undefined, { ...VALUE_SET_PARAMETER, date: requestDate(input, ctx) });
    assertValueSetShape(vs);
    return serializedExpansion(ctx.registry, vs, buildRequest(input, ctx, vs));
  },
};
