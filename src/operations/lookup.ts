import type { CodeSystem, Coding, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { ParametersBuilder, type OperationInput, type OperationSpec } from '../fhir/parameters';
import type { CodeSystemProvider, Concept } from '../terminology/codesystem-provider';
import { codeSystemLanguage, displayFor, parseLanguages } from '../terminology/language';
import { replacementsOf } from '../terminology/replacements';
import type { OperationContext, OperationHandler } from './context';
import { TX_RESOURCE_PARAM, withTxResources } from './tx-resources';

const spec: OperationSpec = {
  name: 'lookup',
  params: [
    { name: 'code', type: 'code' },
    { name: 'system', type: 'uri' },
    { name: 'version', type: 'string' },
    { name: 'coding', type: 'Coding' },
    { name: 'date', type: 'dateTime' },
    { name: 'displayLanguage', type: 'code' },
    { name: 'property', type: 'code', repeats: true },
    { name: 'useSupplement', type: 'canonical', repeats: true },
    TX_RESOURCE_PARAM,
  ],
};

function propertyValueParts(p: { [k: string]: unknown }): ParametersParameter {
  const field = Object.keys(p).find((k) => k.startsWith('value'))!;
  return { name: 'value', [field]: p[field] } as ParametersParameter;
}

function wanted(requested: string[], code: string): boolean {
  return requested.length === 0 || requested.includes('*') || requested.includes(code);
}

function lookupResult(provider: CodeSystemProvider, concept: Concept, requested: string[], languages: string[]) {
  const out = new ParametersBuilder();
  out.string('name', provider.resource.name ?? provider.resource.title ?? provider.url);
  out.uri('system', provider.url);
  out.string('version', provider.version);
  out.string('display', displayFor(provider, concept, languages) ?? '');
  if (concept.definition && wanted(requested, 'definition')) out.string('definition', concept.definition);
  if (provider.isAbstract(concept)) out.boolean('abstract', true);

  if (wanted(requested, 'designation')) {
    const csLang = codeSystemLanguage(provider);
    if (concept.display && requested.includes('designation')) {
      out.part('designation', [
        { name: 'language', valueCode: csLang },
        { name: 'use', valueCoding: { system: 'http://terminology.hl7.org/CodeSystem/designation-usage', code: 'display' } },
        { name: 'value', valueString: concept.display },
      ]);
    }
    for (const d of concept.designations) {
      const parts: ParametersParameter[] = [];
      if (d.language) parts.push({ name: 'language', valueCode: d.language });
      if (d.use) parts.push({ name: 'use', valueCoding: d.use as Coding });
      parts.push({ name: 'value', valueString: d.value });
      out.part('designation', parts);
    }
  }

  const defs = new Map(provider.propertyDefinitions.map((d) => [d.code, d]));
  const addProperty = (code: string, value: ParametersParameter, description?: string) => {
    const parts: ParametersParameter[] = [{ name: 'code', valueCode: code }, value];
    if (description) parts.push({ name: 'description', valueString: description });
    out.part('property', parts);
  };
  for (const p of concept.properties) {
    if (!wanted(requested, p.code)) continue;
    if (p.code === 'parent' || p.code === 'child') continue;
    const d = defs.get(p.code);
    addProperty(p.code, propertyValueParts(p as unknown as Record<string, unknown>), d?.description);
  }
  if (wanted(requested, 'status') && !concept.properties.some((p) => p.code === 'status')) {
    addProperty('status', { name: 'value', valueCode: provider.status(concept) });
  }
  if (requested.includes('inactive') && !concept.properties.some((p) => p.code === 'inactive')) {
    addProperty('inactive', { name: 'value', valueBoolean: provider.isInactive(concept) });
  }
  if (wanted(requested, 'parent')) {
    for (const p of concept.parents) addProperty('parent', { name: 'value', valueCode: p.code }, p.display);
  }
  if (wanted(requested, 'child')) {
    for (const c of concept.children) addProperty('child', { name: 'value', valueCode: c.code }, c.display);
  }
  if (requested.length === 0) {
    for (const r of replacementsOf(provider, concept)) {
      if (!concept.properties.some((p) => p.code === 'replacedBy')) addProperty('replacedBy', { name: 'value', valueCode: r.code }, r.display);
    }
  }
  return out.build();
}

export const lookupOperation: OperationHandler = {
  spec,
  resourceType: 'CodeSystem',
  levels: ['type', 'instance'],
  handle(input: OperationInput, baseCtx: OperationContext, target) {
    const ctx = withTxResources(input, baseCtx);
    const coding = input.one<Coding>('coding');
    const code = input.string('code') ?? coding?.code;
    let system = input.string('system') ?? coding?.system;
    const version = input.string('version') ?? coding?.version;
    if (input.has('code') && coding) throw FhirError.invalid("Use either 'code' with 'system', or 'coding', not both");
    const cs = target as CodeSystem | undefined;
    if (cs) system = system ?? cs.url;
    if (!code) throw FhirError.invalid("No code to look up: give 'code' and 'system', or 'coding'", { expression: ['code'] });
    if (!system) throw FhirError.invalid("No system given: 'system' is required with 'code' at type level", { expression: ['system'] });

    const supplements = input.all<string>('useSupplement');
    const provider = cs && cs.url === system && !version
      ? ctx.registry.provider(cs, supplements)
      : ctx.registry.codeSystemProvider(system, version, supplements);
    if (!provider) {
      const v = version ? ` version '${version}'` : '';
      throw FhirError.notFound(`A definition for CodeSystem '${system}'${v} could not be found, so the code cannot be looked up`, {
        txIssueType: 'not-found', expression: ['system'],
      });
    }
    for (const s of supplements) {
      if (!provider.supplements.some((x) => s === x.url || s === `${x.url}|${x.version}`)) {
        throw FhirError.notFound(`The supplement '${s}' could not be found for CodeSystem '${system}'`, { txIssueType: 'not-found' });
      }
    }
    const concept = provider.locate(code);
    if (!concept) {
      const v = provider.version ? ` version '${provider.version}'` : '';
      throw FhirError.notFound(`Unknown code '${code}' in the CodeSystem '${system}'${v}`, {
        txIssueType: 'invalid-code', expression: ['code'],
      });
    }
    const languages = parseLanguages(input.string('displayLanguage')).concat(
      input.has('displayLanguage') ? [] : ctx.acceptLanguages,
    );
    return lookupResult(provider, concept, input.all<string>('property'), languages);
  },
};
