import type { ValueSet } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { messageString } from '../errors/issue';
import { messageLanguageOf } from '../errors/message-language';
import { ParametersBuilder, type OperationInput, type OperationSpec } from '../fhir/parameters';
import { assertValueSetShape } from '../terminology/resource-shape';
import { ValueSetComparer } from '../terminology/value-set-compare';
import type { OperationContext, OperationHandler } from './context';
import { resolveValueSet } from './value-set-parameter';
import { TX_RESOURCE_PARAM } from './tx-resources';

const spec: OperationSpec = {
  name: 'compare',
  params: [
    { name: 'thisUrl', type: 'uri' },
    { name: 'thisVersion', type: 'string' },
    { name: 'thisValueSet', type: 'Resource' },
    { name: 'otherUrl', type: 'uri' },
    { name: 'otherVersion', type: 'string' },
    { name: 'otherValueSet', type: 'Resource' },
    { name: 'activeOnly', type: 'boolean' },
    { name: 'diagnostics', type: 'boolean' },
    TX_RESOURCE_PARAM,
  ],
};

/** One side of the comparison: the instance (this side only), an inline value set, or a canonical (+ version). */
function valueSetOf(input: OperationInput, ctx: OperationContext, side: 'this' | 'other', target?: ValueSet): ValueSet {
  const names = { url: `${side}Url`, valueSet: `${side}ValueSet`, version: `${side}Version` };
  if (target && (input.has(names.url) || input.has(names.valueSet))) {
    throw FhirError.invalid(`At instance level the value set compared is the instance: give no '${names.url}' or '${names.valueSet}'`, {
      expression: [names.url], da: `Kaldt på et bestemt ValueSet sammenlignes netop det: giv ikke '${names.url}' eller '${names.valueSet}'`,
    });
  }
  const vs = resolveValueSet(input, ctx, target, { names, instance: false });
  assertValueSetShape(vs);
  return vs;
}

/**
 * ValueSet/$compare: whether this value set is the same as, a superset or subset of, overlaps or is disjoint from the
 * other (or `indeterminate` when that cannot be known). `diagnostics=true` adds how it was found and the codes that differ.
 */
export const compareOperation: OperationHandler = {
  spec,
  resourceType: 'ValueSet',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ValueSet-compare',
  documentation: {
    description: 'Whether this value set is the same as, a superset or subset of, overlapping with or disjoint from the other, from the compose ' +
      'rules where they settle it, else from the expansions; indeterminate when neither can tell.',
    outputs: [
      { name: 'result', type: 'code', documentation: 'same | superset | subset | overlapping | disjoint | empty | indeterminate' },
      { name: 'message', type: 'string', documentation: 'How the result was found' },
      { name: 'performed-expansion', type: 'boolean', documentation: 'diagnostics=true: whether the expansions were compared' },
      { name: 'missing-codes', type: 'string', documentation: 'diagnostics=true: codes only in this value set' },
      { name: 'extra-codes', type: 'string', documentation: 'diagnostics=true: codes only in the other' },
      { name: 'common-codes', type: 'string', documentation: 'diagnostics=true: codes in both' },
    ],
  },
  handle(input, ctx, target) {
    const thisVs = valueSetOf(input, ctx, 'this', target as ValueSet | undefined);
    const otherVs = valueSetOf(input, ctx, 'other');
    const outcome = new ValueSetComparer(ctx.registry, {
      activeOnly: input.boolean('activeOnly') === true,
      maxExpansionSize: ctx.limits.maxExpansionSize,
    }).compare(thisVs, otherVs);
    // the message in the caller's language: Danish (the English as its translation) to a caller who asks for it
    const out = new ParametersBuilder().code('result', outcome.result)
      .add({ name: 'message', ...messageString(outcome.message, messageLanguageOf(ctx.acceptLanguages)) });
    if (input.boolean('diagnostics') === true) {
      out.boolean('performed-expansion', outcome.performedExpansion);
      if (outcome.missing.length > 0) out.string('missing-codes', outcome.missing.join(','));
      if (outcome.extra.length > 0) out.string('extra-codes', outcome.extra.join(','));
      if (outcome.common.length > 0) out.string('common-codes', outcome.common.join(','));
    }
    return out.build();
  },
};
