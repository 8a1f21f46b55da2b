import type { Coding, Parameters, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { ParametersBuilder, type OperationInput, type OperationSpec } from '../fhir/parameters';
import { checkKommunekodeParam, KOMMUNEKODE_PARAM } from './gateway-codings';
import { coverageReport } from '../municipal/coverage';
import { releaseCodeSystem, releaseImpact, type ReleaseImpact } from '../municipal/release-impact';
import type { OperationContext, OperationHandler, ParameterDocumentation } from './context';

/**
 * ConceptMap/$coverage?kommunekode=370[&valueSet=…]: a municipality's mapping coverage report (this server's own
 * operation): local codes without a map, map targets that are retired/deprecated or legacy keys (with the code
 * to use), and the common interventions (by default the §119 and §140 catalogs) no local code maps to.
 * With `release` (a code system url|version): the impact report of that release instead, for one municipality or all.
 */
const spec: OperationSpec = {
  name: 'coverage',
  params: [KOMMUNEKODE_PARAM, { name: 'valueSet', type: 'canonical', repeats: true }, { name: 'release', type: 'canonical' }, { name: 'compareTo', type: 'string' }],
};

const IMPACT_COLUMNS = ['kommunekode', 'local_system', 'local_code', 'local_display', 'target_code', 'target_display', 'change', 'status',
  'replaced_by', 'replaced_by_display', 'parents', 'previous_parents', 'origin_map', 'compared_from'] as const;

/** With `release`: the impact report of that code-system release (src/municipal/release-impact.ts), for one municipality or all. */
function impactOf(input: OperationInput, ctx: OperationContext): ReleaseImpact {
  const kommunekode = checkKommunekodeParam(input.string('kommunekode'));
  if (input.has('valueSet')) {
    throw FhirError.invalid("'valueSet' belongs to the coverage report, not to the impact report of a release", {
      expression: ['valueSet'], da: "'valueSet' hører til dækningsrapporten, ikke til konsekvensrapporten for en udgave",
    });
  }
  const release = releaseCodeSystem(ctx.registry, input.string('release')!);
  return releaseImpact(ctx.registry, release, { compareTo: input.string('compareTo'), kommunekode });
}

function impactParameters(r: ReleaseImpact, kommunekode: string | undefined): Parameters {
  const out = new ParametersBuilder().add({ name: 'release', valueCanonical: r.release });
  if (kommunekode) out.code('kommunekode', kommunekode);
  for (const from of r.comparedFrom) out.add({ name: 'comparedFrom', valueCanonical: from });
  out.part('summary', [
    { name: 'maps', valueInteger: r.maps },
    { name: 'impacts', valueInteger: r.rows.length },
    { name: 'municipalities', valueInteger: new Set(r.rows.map((x) => x.kommunekode)).size },
    { name: 'localCodes', valueInteger: new Set(r.rows.map((x) => `${x.source.system}|${x.source.code}`)).size },
  ]);
  for (const row of r.rows) {
    out.part('impact', [
      { name: 'kommunekode', valueCode: row.kommunekode }, coding('source', row.source), coding('target', row.target),
      { name: 'change', valueCode: row.change }, ...(row.status ? [{ name: 'status', valueCode: row.status }] : []),
      ...row.replacedBy.map((c) => coding('replacedBy', c)),
      ...(row.parents ?? []).map((p) => ({ name: 'parent', valueCode: p })), ...(row.previousParents ?? []).map((p) => ({ name: 'previousParent', valueCode: p })),
      { name: 'originMap', valueCanonical: row.originMap },
    ]);
  }
  return out.build();
}

function coding(name: string, c: Coding): ParametersParameter {
  return { name, valueCoding: c };
}

const count = (name: string, documentation: string, min = 1): ParameterDocumentation => ({ name, type: 'integer', min, documentation });
const CONCEPT_PART: ParameterDocumentation = { name: 'concept', type: 'Coding', min: 1, documentation: 'The code' };
const SOURCE_PART: ParameterDocumentation = { name: 'source', type: 'Coding', min: 1, documentation: 'The local code mapped' };
const TARGET_PART: ParameterDocumentation = { name: 'target', type: 'Coding', min: 1, documentation: 'The target the map states' };
const REPLACED_BY_PART: ParameterDocumentation = { name: 'replacedBy', type: 'Coding', documentation: 'The code to use instead' };
const ORIGIN_MAP_PART: ParameterDocumentation = { name: 'originMap', type: 'canonical', min: 1, documentation: 'The map (url|version)' };

export const coverageOperation: OperationHandler = {
  spec,
  resourceType: 'ConceptMap',
  levels: ['type'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-coverage',
  documentation: {
    description: "A municipality's mapping coverage: local codes no map covers, map targets that are retired, outgoing or legacy keys " +
      '(with the code to use), and the active common interventions of the value sets (by default the §119 and §140 catalogs) no local code maps to. ' +
      "With 'release' (a code system url|version): the impact report of that release instead — which local codes of which municipality map to a " +
      'code the release retires, removes or moves, with the code to use.',
    inputs: {
      kommunekode: 'The municipality (three digits); with release optional (all municipalities)',
      valueSet: 'The common interventions to check against (repeats)',
      release: 'The impact report of a release instead: the code system version (url|version, e.g. urn:oid:1.2.208.176.2.21|20250101) whose retired, ' +
        'removed and moved codes local codes map to. As a table with Accept: text/csv: ' + IMPACT_COLUMNS.join(', '),
      compareTo: 'With release: the version to compare from (default: the version each map states in group.targetVersion, else the version before the release)',
    },
    outputs: [
      { name: 'kommunekode', type: 'code', documentation: 'The municipality' },
      { name: 'codeSystem', type: 'canonical', repeats: true, documentation: 'Its local code systems' },
      { name: 'conceptMap', type: 'canonical', repeats: true, documentation: 'Its maps' },
      { name: 'valueSet', type: 'canonical', repeats: true, documentation: 'The value sets checked against' },
      {
        name: 'summary', min: 1, documentation: 'The counts of the report (with release, of the impact report: maps, impacts, municipalities, localCodes)',
        parts: [
          count('localCodes', 'The local codes (with release: those impacted)'), count('unmappedLocalCodes', 'Local codes no map covers', 0),
          count('retiredTargets', 'Map targets that are retired', 0), count('legacyTargets', 'Map targets that are outgoing or legacy keys', 0),
          count('commonInterventions', 'The active common interventions of the value sets', 0),
          count('uncoveredCommonInterventions', 'Those no local code maps to', 0),
          count('maps', 'With release: the maps read', 0), count('impacts', 'With release: the impacts', 0),
          count('municipalities', 'With release: the municipalities impacted', 0),
        ],
      },
      {
        name: 'unmapped', repeats: true, documentation: 'A local code no map covers',
        parts: [CONCEPT_PART, { name: 'type', type: 'code', documentation: 'indsats or tilbud' }],
      },
      {
        name: 'retiredTarget', repeats: true, documentation: 'A map target that is retired',
        parts: [SOURCE_PART, TARGET_PART, { name: 'status', type: 'code', min: 1, documentation: "The target's status" },
          { ...REPLACED_BY_PART, repeats: true }, ORIGIN_MAP_PART],
      },
      {
        name: 'legacyTarget', repeats: true, documentation: 'A map target that is an outgoing or legacy key',
        parts: [SOURCE_PART, TARGET_PART, { ...REPLACED_BY_PART, min: 1 }, ORIGIN_MAP_PART],
      },
      {
        name: 'uncovered', repeats: true, documentation: 'A common intervention no local code maps to',
        parts: [CONCEPT_PART, { name: 'valueSet', type: 'canonical', min: 1, documentation: 'The value set it is in' }],
      },
      { name: 'release', type: 'canonical', documentation: 'With release: the release compared to' },
      { name: 'comparedFrom', type: 'canonical', repeats: true, documentation: 'With release: the versions compared from' },
      {
        name: 'impact', repeats: true, documentation: 'With release: a local code that maps to a code the release retires, removes or moves',
        parts: [
          { name: 'kommunekode', type: 'code', min: 1, documentation: 'The municipality' },
          { ...SOURCE_PART, documentation: 'The local code' }, { ...TARGET_PART, documentation: 'The code the map states' },
          { name: 'change', type: 'code', min: 1, documentation: 'retired | removed | moved' },
          { name: 'status', type: 'code', documentation: "The target's status in the release" },
          { ...REPLACED_BY_PART, repeats: true },
          { name: 'parent', type: 'code', repeats: true, documentation: 'moved: its parents in the release' },
          { name: 'previousParent', type: 'code', repeats: true, documentation: 'moved: its parents before' },
          ORIGIN_MAP_PART,
        ],
      },
    ],
  },
  table(input, ctx) {
    if (!input.has('release')) {
      throw FhirError.invalid("Only the impact report of a release is a table: give 'release'", {
        expression: ['release'], da: "Kun konsekvensrapporten for en udgave kan hentes som tabel: angiv 'release'",
      });
    }
    const r = impactOf(input, ctx);
    return {
      columns: IMPACT_COLUMNS,
      rows: r.rows.map((x) => [x.kommunekode, x.source.system, x.source.code, x.source.display, x.target.code, x.target.display, x.change, x.status,
        x.replacedBy.map((c) => c.code).join(' '), x.replacedBy.map((c) => c.display ?? '').join(' | '), x.parents?.join(' '), x.previousParents?.join(' '),
        x.originMap, x.fromVersion]),
      filename: 'release-impact',
    };
  },
  handle(input, ctx) {
    if (input.has('release')) return impactParameters(impactOf(input, ctx), checkKommunekodeParam(input.string('kommunekode')));
    if (input.has('compareTo')) {
      throw FhirError.invalid("'compareTo' belongs to the impact report: give 'release' too", { expression: ['compareTo'], da: "'compareTo' hører til konsekvensrapporten: angiv også 'release'" });
    }
    const kommunekode = checkKommunekodeParam(input.string('kommunekode'));
    if (!kommunekode) throw FhirError.invalid('Give the municipality as kommunekode (three digits)', { expression: ['kommunekode'], da: 'Angiv kommunen som kommunekode (tre cifre)' });
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
