import { randomUUID } from 'node:crypto';
import type { ValueSet, ValueSetExpansionContains, ValueSetExpansionParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import { parseCanonical } from '../terminology/canonical';
import type { ExpansionEntry } from '../terminology/expander';
import { evaluateValueSet } from '../terminology/expansion-cache';
import { displayFor, parseLanguages } from '../terminology/language';
import { TextFilter } from '../terminology/text-match';
import type { OperationContext, OperationHandler } from './context';
import { TX_RESOURCE_PARAM, withTxResources } from './tx-resources';

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
    { name: 'includeDesignations', type: 'boolean' },
    { name: 'designation', type: 'string', repeats: true },
    { name: 'includeDefinition', type: 'boolean' },
    { name: 'activeOnly', type: 'boolean' },
    { name: 'excludeNested', type: 'boolean' },
    { name: 'excludeNotForUI', type: 'boolean' },
    { name: 'excludePostCoordinated', type: 'boolean' },
    { name: 'displayLanguage', type: 'code' },
    { name: 'system-version', type: 'canonical', repeats: true },
    { name: 'force-system-version', type: 'canonical', repeats: true },
    { name: 'property', type: 'string', repeats: true },
    { name: 'useSupplement', type: 'canonical', repeats: true },
    TX_RESOURCE_PARAM,
  ],
};

function versionMap(input: OperationInput, name: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of input.all<string>(name)) {
    const { url, version } = parseCanonical(v);
    if (version) m.set(url, version);
  }
  return m;
}

/** Resolves the value set an operation addresses: instance, `url` (+`valueSetVersion`) or inline `valueSet`. */
export function resolveValueSet(input: OperationInput, ctx: OperationContext, target: ValueSet | undefined): ValueSet {
  if (target) return target;
  const inline = input.one<ValueSet>('valueSet');
  if (inline) {
    if (inline.resourceType !== 'ValueSet') throw FhirError.invalid('The valueSet parameter must be a ValueSet', { expression: ['valueSet'] });
    return inline;
  }
  const url = input.string('url');
  if (!url) throw FhirError.invalid("No value set: give 'url' or 'valueSet', or call the operation on a ValueSet instance", { expression: ['url'] });
  const { url: u, version } = parseCanonical(url);
  const vs = ctx.registry.find('ValueSet', u, input.string('valueSetVersion') ?? version);
  if (!vs) throw FhirError.notFound(`A definition for the value set '${url}' could not be found`, { txIssueType: 'not-found', expression: ['url'] });
  return vs;
}

export const expandOperation: OperationHandler = {
  spec,
  resourceType: 'ValueSet',
  levels: ['type', 'instance'],
  handle(input, baseCtx, target) {
    const ctx = withTxResources(input, baseCtx);
    const vs = resolveValueSet(input, ctx, target as ValueSet | undefined);
    const offset = input.integer('offset') ?? 0;
    const count = input.integer('count');
    if (offset < 0) throw FhirError.invalid("'offset' must not be negative", { expression: ['offset'] });
    if (count !== undefined && count < 0) throw FhirError.invalid("'count' must not be negative", { expression: ['count'] });
    const activeOnly = input.boolean('activeOnly') ?? false;
    const includeDesignations = input.boolean('includeDesignations') ?? false;
    const filterText = input.string('filter');
    const filter = filterText ? new TextFilter(filterText) : undefined;
    const languages = input.has('displayLanguage') ? parseLanguages(input.string('displayLanguage')) : ctx.acceptLanguages;

    const evaluated = evaluateValueSet(ctx.registry, vs, {
      systemVersions: versionMap(input, 'system-version'),
      forceSystemVersions: versionMap(input, 'force-system-version'),
      supplements: input.all<string>('useSupplement'),
    });

    let entries: ExpansionEntry[] = evaluated.entries;
    if (activeOnly) entries = entries.filter((e) => !e.inactive);
    if (filter && !filter.isEmpty) {
      entries = entries.filter((e) =>
        filter.matches([e.display, e.code, ...(e.concept?.designations.map((d) => d.value) ?? [])]),
      );
    }
    const total = entries.length;
    if (count === undefined && total > ctx.limits.maxExpansionSize) {
      throw FhirError.tooCostly(
        `The value set '${vs.url}' expands to ${total} codes, more than the limit of ${ctx.limits.maxExpansionSize}; use 'filter' or 'count'`,
      );
    }
    const page = entries.slice(offset, count === undefined ? undefined : offset + count);

    const contains: ValueSetExpansionContains[] = page.map((e) => {
      const c: ValueSetExpansionContains = { system: e.system };
      if (e.version) c.version = e.version;
      if (e.abstract) c.abstract = true;
      if (e.inactive) c.inactive = true;
      c.code = e.code;
      const display = e.concept && e.provider && languages.length > 0 ? displayFor(e.provider, e.concept, languages) : e.display;
      if (display) c.display = display;
      if (includeDesignations) {
        const designations = [...(e.composeDesignations ?? []), ...(e.concept?.designations ?? [])];
        if (designations.length > 0) c.designation = designations;
      }
      return c;
    });

    const parameters: ValueSetExpansionParameter[] = [];
    for (const [url, version] of evaluated.usedCodeSystems) {
      parameters.push({ name: 'used-codesystem', valueUri: version ? `${url}|${version}` : url });
    }
    for (const name of ['filter', 'displayLanguage'] as const) {
      const v = input.string(name);
      if (v !== undefined) parameters.push({ name, valueString: v });
    }
    for (const name of ['activeOnly', 'includeDesignations', 'excludeNested', 'includeDefinition'] as const) {
      const v = input.boolean(name);
      if (v !== undefined) parameters.push({ name, valueBoolean: v });
    }
    if (input.has('offset')) parameters.push({ name: 'offset', valueInteger: offset });
    if (input.has('count')) parameters.push({ name: 'count', valueInteger: count });

    const { compose, expansion: _stored, text: _text, ...rest } = vs;
    const out: ValueSet = { ...rest, resourceType: 'ValueSet' };
    if (input.boolean('includeDefinition') && compose) out.compose = compose;
    out.expansion = {
      identifier: `urn:uuid:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      total,
      ...(input.has('offset') || input.has('count') ? { offset } : {}),
      ...(parameters.length > 0 ? { parameter: parameters } : {}),
      ...(contains.length > 0 ? { contains } : {}),
    };
    return out;
  },
};
