import type { CodeableConcept, CodeSystem, Coding, ValueSet } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { OperationInput, OperationSpec, ParamSpec } from '../fhir/parameters';
import { parseCanonical } from '../terminology/canonical';
import { CodeValidator, type CodingToValidate } from '../terminology/code-validator';
import { parseLanguages } from '../terminology/language';
import type { OperationContext, OperationHandler } from './context';
import { TX_RESOURCE_PARAM, withTxResources } from './tx-resources';

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
  { name: 'system-version', type: 'canonical', repeats: true },
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

/** The codings a validate-code request asks about, with where each sits in the request. */
export function codingsOf(input: OperationInput, defaultSystem?: string, defaultVersion?: string): {
  codings: CodingToValidate[];
  codeableConcept?: CodeableConcept;
} {
  const given = ['code', 'coding', 'codeableConcept'].filter((n) => input.has(n));
  if (given.length === 0) {
    throw FhirError.invalid("No code to validate: give 'code' (with 'system'), 'coding' or 'codeableConcept'", { expression: ['code'] });
  }
  if (given.length > 1) throw FhirError.invalid(`Give only one of 'code', 'coding' and 'codeableConcept', not ${given.join(' and ')}`);
  if (input.has('code')) {
    const system = input.string('system') ?? defaultSystem;
    const version = input.string('systemVersion') ?? input.string('version') ?? defaultVersion;
    const coding: Coding = { system, code: input.string('code'), version, display: input.string('display') };
    return { codings: [{ coding, path: 'code' }] };
  }
  if (input.has('coding')) {
    const c = input.one<Coding>('coding')!;
    const coding = { ...c, display: c.display ?? input.string('display') };
    return { codings: [{ coding, path: 'Coding' }] };
  }
  const cc = input.one<CodeableConcept>('codeableConcept')!;
  if (!Array.isArray(cc.coding) || cc.coding.length === 0) {
    throw FhirError.invalid('The codeableConcept has no coding', { expression: ['codeableConcept'] });
  }
  return {
    codeableConcept: cc,
    codings: cc.coding.map((coding, i) => ({ coding, path: `CodeableConcept.coding[${i}]` })),
  };
}

function systemVersions(input: OperationInput): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of input.all<string>('system-version')) {
    const { url, version } = parseCanonical(v);
    if (version) m.set(url, version);
  }
  return m;
}

function languages(input: OperationInput, ctx: OperationContext): string[] {
  const dl = input.string('displayLanguage');
  return dl ? parseLanguages(dl) : ctx.acceptLanguages;
}

export const valueSetValidateCodeOperation: OperationHandler = {
  spec: valueSetValidateSpec,
  resourceType: 'ValueSet',
  levels: ['type', 'instance'],
  handle(input, baseCtx, target) {
    const ctx = withTxResources(input, baseCtx);
    let vs = target as ValueSet | undefined;
    if (!vs) vs = input.one<ValueSet>('valueSet');
    const url = input.string('url');
    if (!vs && url) {
      const { url: u, version } = parseCanonical(url);
      vs = ctx.registry.find('ValueSet', u, input.string('valueSetVersion') ?? version);
      if (!vs) {
        throw FhirError.notFound(`A definition for the value set '${url}' could not be found`, { txIssueType: 'not-found', expression: ['url'] });
      }
    }
    if (!vs) throw FhirError.invalid("No value set: give 'url' or 'valueSet', or call the operation on a ValueSet instance", { expression: ['url'] });
    const { codings, codeableConcept } = codingsOf(input);
    return new CodeValidator(ctx.registry).validate({
      codings,
      codeableConcept,
      valueSet: vs,
      languages: languages(input, ctx),
      abstractAllowed: input.boolean('abstract') ?? true,
      activeOnly: input.boolean('activeOnly') ?? false,
      inferSystem: input.boolean('inferSystem') ?? codings.every((c) => !c.coding.system),
      lenientDisplay: input.boolean('lenient-display-validation') ?? false,
      systemVersions: systemVersions(input),
      supplements: input.all<string>('useSupplement'),
    });
  },
};

export const codeSystemValidateCodeOperation: OperationHandler = {
  spec: codeSystemValidateSpec,
  resourceType: 'CodeSystem',
  levels: ['type', 'instance'],
  handle(input, baseCtx, target) {
    const ctx = withTxResources(input, baseCtx);
    let cs = (target as CodeSystem | undefined) ?? input.one<CodeSystem>('codeSystem');
    const url = input.string('url') ?? (input.has('code') ? input.string('system') : undefined);
    if (!cs && url) {
      const { url: u, version } = parseCanonical(url);
      cs = ctx.registry.findCodeSystem(u, input.string('version') ?? version);
    }
    const { codings, codeableConcept } = codingsOf(input, cs?.url ?? url, input.string('version'));
    if (!cs && !codings.some((c) => c.coding.system)) {
      throw FhirError.invalid("No code system: give 'url' (or 'system'), or call the operation on a CodeSystem instance", { expression: ['url'] });
    }
    return new CodeValidator(ctx.registry).validate({
      codings,
      codeableConcept,
      codeSystem: cs,
      languages: languages(input, ctx),
      abstractAllowed: input.boolean('abstract') ?? true,
      activeOnly: input.boolean('activeOnly') ?? false,
      inferSystem: false,
      lenientDisplay: input.boolean('lenient-display-validation') ?? false,
      systemVersions: systemVersions(input),
      supplements: input.all<string>('useSupplement'),
    });
  },
};
