import type { Coding, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { ParametersBuilder, type OperationSpec } from '../fhir/parameters';
import { checkKommunekodeParam, KOMMUNEKODE_PARAM } from '../local/gateway';
import { coverageReport } from '../local/coverage';
import type { OperationHandler } from './context';

/**
 * ConceptMap/$coverage?kommunekode=370[&valueSet=…]: a municipality's mapping coverage report (this server's own
 * operation): local codes without a map, map targets that are retired/deprecated or legacy keys (with the code
 * to use), and the common interventions (by default the §119 and §140 catalogs) no local code maps to.
 */
const spec: OperationSpec = {
  name: 'coverage',
  params: [KOMMUNEKODE_PARAM, { name: 'valueSet', type: 'canonical', repeats: true }],
};

function coding(name: string, c: Coding): ParametersParameter {
  return { name, valueCoding: c };
}

export const coverageOperation: OperationHandler = {
  spec,
  resourceType: 'ConceptMap',
  levels: ['type'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-coverage',
  documentation: {
    description: "A municipality's mapping coverage: local codes no map covers, map targets that are retired, outgoing or legacy keys " +
      '(with the code to use), and the active common interventions of the value sets (by default the §119 and §140 catalogs) no local code maps to.',
    inputs: { kommunekode: 'The municipality (three digits)', valueSet: 'The common interventions to check against (repeats)' },
    outputs: [
      { name: 'kommunekode', type: 'code', documentation: 'The municipality' },
      { name: 'codeSystem', type: 'canonical', repeats: true, documentation: 'Its local code systems' },
      { name: 'conceptMap', type: 'canonical', repeats: true, documentation: 'Its maps' },
      { name: 'valueSet', type: 'canonical', repeats: true, documentation: 'The value sets checked against' },
      { name: 'summary', documentation: 'localCodes, unmappedLocalCodes, retiredTargets, legacyTargets, commonInterventions, uncoveredCommonInterventions' },
      { name: 'unmapped', repeats: true, documentation: 'concept (Coding), type' },
      { name: 'retiredTarget', repeats: true, documentation: 'source, target, status, replacedBy, originMap' },
      { name: 'legacyTarget', repeats: true, documentation: 'source, target, replacedBy, originMap' },
      { name: 'uncovered', repeats: true, documentation: 'concept (Coding), valueSet' },
    ],
  },
  handle(input, ctx) {
    const kommunekode = checkKommunekodeParam(input.string('kommunekode'));
    if (!kommunekode) throw FhirError.invalid('Give the municipality as kommunekode (three digits)', { expression: ['kommunekode'] });
    const valueSets = input.all<string>('valueSet');
    const r = coverageReport(ctx.registry, kommunekode, valueSets.length > 0 ? valueSets : undefined);
    const out = new ParametersBuilder().code('kommunekode', r.kommunekode);
    for (const cs of r.codeSystems) out.add({ name: 'codeSystem', valueCanonical: cs });
    for (const cm of r.maps) out.add({ name: 'conceptMap', valueCanonical: cm });
    for (const vs of r.valueSets) out.add({ name: 'valueSet', valueCanonical: vs });
    out.part('summary', [
      { name: 'localCodes', valueInteger: r.localCodes },
      { name: 'unmappedLocalCodes', valueInteger: r.unmapped.length },
      { name: 'retiredTargets', valueInteger: r.retiredTargets.length },
      { name: 'legacyTargets', valueInteger: r.legacyTargets.length },
      { name: 'commonInterventions', valueInteger: r.commonInterventions },
      { name: 'uncoveredCommonInterventions', valueInteger: r.uncovered.length },
    ]);
    for (const u of r.unmapped) {
      const { kind, ...c } = u;
      out.part('unmapped', [coding('concept', c), ...(kind ? [{ name: 'type', valueCode: kind }] : [])]);
    }
    for (const t of r.retiredTargets) {
      out.part('retiredTarget', [
        coding('source', t.source), coding('target', t.target), { name: 'status', valueCode: t.status },
        ...t.replacedBy.map((c) => coding('replacedBy', c)), { name: 'originMap', valueCanonical: t.originMap },
      ]);
    }
    for (const t of r.legacyTargets) {
      out.part('legacyTarget', [coding('source', t.source), coding('target', t.target), coding('replacedBy', t.replacedBy),
        { name: 'originMap', valueCanonical: t.originMap }]);
    }
    for (const u of r.uncovered) {
      const { valueSet, ...c } = u;
      out.part('uncovered', [coding('concept', c), { name: 'valueSet', valueCanonical: valueSet }]);
    }
    return out.build();
  },
};
