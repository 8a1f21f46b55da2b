import type { CodeSystem, Coding, ConceptMap, Parameters, ParametersParameter, ValueSet } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { ParametersBuilder, type OperationInput, type OperationSpec } from '../fhir/parameters';
import { compareVersions, parseCanonical } from '../terminology/canonical';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { expandValueSet, expansionRequest } from '../terminology/expansion/value-set-expansion';
import { CHANGE_ORDER, diffCodeSystems, diffConceptMaps, diffExpansions, type CodeChange } from '../terminology/version-diff';
import type { CountLimit } from '../terminology/limited-list';
import { presentVersionList } from '../terminology/versions';
import { typeNameDa } from '../terminology/validation/messages';
import type { OperationContext, OperationHandler, ParameterDocumentation, Table } from './context';
import { versionInInstanceUrl } from './instance-version';
import { excerpt } from '../errors/excerpt';
import { MAX_PARAMETERS_ROWS, tooManyRowsForParameters } from './parameters-rows';

/**
 * CodeSystem/$diff, ValueSet/$diff, ConceptMap/$diff (this server's operations): what changed between two versions of
 * one canonical — codes added, removed, retired, reactivated, re-displayed, moved (other parents), re-mapped — as
 * Parameters (up to MAX_PARAMETERS_ROWS changes) or, with Accept: text/csv (or _format=csv), as a table with one row per
 * change, streamed without a limit.
 * Versions resolve as every `url|version` does (src/terminology/registry.ts), the versions later writes replaced included.
 */
const spec: OperationSpec = {
  name: 'diff',
  params: [
    { name: 'url', type: 'uri' },
    { name: 'from', type: 'string' },
    { name: 'to', type: 'string' },
  ],
};

const COLUMNS = ['change', 'system', 'code', 'display', 'previous_display', 'status', 'parents', 'previous_parents', 'replaced_by', 'targets', 'previous_targets'] as const;

interface Changes {
  from: string;
  to: string;
  changes: CodeChange[];
}

/** The Parameters answer's limit: the diff stops at the first change past it. */
const PARAMETERS_LIMIT: CountLimit = {
  max: MAX_PARAMETERS_ROWS,
  refusal: () => tooManyRowsForParameters({ en: 'The list of changes', da: 'Listen over ændringer' }),
};

interface Versions {
  from: TerminologyResource;
  to: TerminologyResource;
}

function label(r: TerminologyResource): string {
  return r.version ? `${r.url}|${r.version}` : r.url ?? `${r.resourceType}/${r.id}`;
}

/**
 * The two versions compared: `to` (default: the instance's version, else the newest) and `from` (default: the version
 * before `to`), of `url` or of the instance.
 */
function versionsOf(type: TerminologyType, input: OperationInput, ctx: OperationContext, target?: TerminologyResource): Versions {
  type R = TerminologyResource;
  const given = input.string('url');
  // at instance level a url is the instance's own (another is a 400, as for every instance-level operation)
  if (target) versionInInstanceUrl(target, given, 'url');
  const parsed = given ? parseCanonical(given) : undefined;
  if (parsed?.version) {
    throw FhirError.invalid("Give the url without a version, and the versions as 'from' and 'to'", {
      expression: ['url'], da: "Giv url uden version, og versionerne som 'from' og 'to'",
    });
  }
  const url = target?.url ?? parsed?.url;
  if (!url) {
    throw FhirError.invalid(target ? `${type}/${target.id} has no url` : `Give the ${type}'s 'url'`, {
      expression: ['url'], da: target ? `${type}/${target.id} har ingen url` : `Giv ${typeNameDa(type)}s 'url'`,
    });
  }
  const all = [...ctx.registry.versions(type, url, true)].sort((a, b) => compareVersions(a.version, b.version));
  if (all.length === 0) throw FhirError.notFound(`A ${type} '${excerpt(url)}' is not known`, { expression: ['url'], da: `${typeNameDa(type, true)} '${excerpt(url)}' kendes ikke` });
  const known = presentVersionList(all.map((r) => r.version ?? '(no version)'));
  const knownDa = presentVersionList(all.map((r) => r.version ?? '(ingen version)'), 'da');
  const find = (version: string, parameter: string): R => {
    const r = ctx.registry.find(type, url, version);
    if (!r) {
      throw FhirError.notFound(`${type} '${excerpt(url)}' has no version '${excerpt(version)}'; known: ${known}`, {
        expression: [parameter], da: `${typeNameDa(type, true)} '${excerpt(url)}' har ingen version '${excerpt(version)}'; kendte versioner: ${knownDa}`,
      });
    }
    return r;
  };
  const toVersion = input.string('to');
  const to = toVersion !== undefined ? find(toVersion, 'to') : target?.version !== undefined ? find(target.version, 'to') : ctx.registry.find(type, url) ?? all[all.length - 1]!;
  const fromVersion = input.string('from');
  let from: R | undefined;
  if (fromVersion !== undefined) from = find(fromVersion, 'from');
  else {
    const i = all.findIndex((r) => r.version === to.version);
    from = i > 0 ? all[i - 1] : undefined;
    if (!from) {
      throw FhirError.invalid(`${label(to)} has no earlier version to compare with (known: ${known}); give 'from'`, {
        expression: ['from'], da: `${label(to)} har ingen tidligere version at sammenligne med (kendte versioner: ${knownDa}); giv 'from'`,
      });
    }
  }
  return { from, to };
}

function codeSystemChanges(input: OperationInput, ctx: OperationContext, target?: TerminologyResource, limit?: CountLimit): Changes {
  const { from, to } = versionsOf('CodeSystem', input, ctx, target);
  for (const cs of [from, to] as CodeSystem[]) {
    if (cs.content !== 'complete' && cs.content !== 'fragment') {
      throw new FhirError(422, 'not-supported', `${label(cs)} has content '${cs.content}': its codes are not here to compare`, {
        da: `${label(cs)} har content '${cs.content}': serveren har ikke dets koder at sammenligne`,
      });
    }
  }
  return { from: label(from), to: label(to), changes: diffCodeSystems(ctx.registry.provider(from as CodeSystem), ctx.registry.provider(to as CodeSystem), limit) };
}

function valueSetChanges(input: OperationInput, ctx: OperationContext, target?: TerminologyResource, limit?: CountLimit): Changes {
  const { from, to } = versionsOf('ValueSet', input, ctx, target);
  const expand = (vs: ValueSet) => expandValueSet(ctx.registry, vs, expansionRequest({ excludeNested: true, maxSize: ctx.limits.maxExpansionSize }));
  return { from: label(from), to: label(to), changes: diffExpansions(expand(from as ValueSet), expand(to as ValueSet), limit) };
}

function conceptMapChanges(input: OperationInput, ctx: OperationContext, target?: TerminologyResource, limit?: CountLimit): Changes {
  const { from, to } = versionsOf('ConceptMap', input, ctx, target);
  return { from: label(from), to: label(to), changes: diffConceptMaps(from as ConceptMap, to as ConceptMap, limit) };
}

function codingPart(name: string, c: Coding): ParametersParameter {
  return { name, valueCoding: c };
}

function changeParameter(c: CodeChange): ParametersParameter {
  const part: ParametersParameter[] = [{ name: 'type', valueCode: c.type }];
  part.push(codingPart('concept', { ...(c.system ? { system: c.system } : {}), code: c.code, ...(c.display ? { display: c.display } : {}) }));
  if (c.previousDisplay !== undefined) part.push({ name: 'previousDisplay', valueString: c.previousDisplay });
  if (c.status) part.push({ name: 'status', valueCode: c.status });
  for (const p of c.parents ?? []) part.push({ name: 'parent', valueCode: p });
  for (const p of c.previousParents ?? []) part.push({ name: 'previousParent', valueCode: p });
  for (const r of c.replacedBy ?? []) part.push(codingPart('replacedBy', r));
  for (const t of c.targets ?? []) part.push(codingPart('target', t));
  for (const t of c.previousTargets ?? []) part.push(codingPart('previousTarget', t));
  return { name: 'change', part };
}

function toParameters(r: Changes): Parameters {
  const out = new ParametersBuilder();
  out.add({ name: 'from', valueCanonical: r.from });
  out.add({ name: 'to', valueCanonical: r.to });
  out.part('summary', CHANGE_ORDER.map((t) => ({ name: t, valueInteger: r.changes.filter((c) => c.type === t).length })));
  for (const c of r.changes) out.add(changeParameter(c));
  return out.build();
}

const codes = (list: Coding[] | undefined) => list?.map((c) => c.code).join(' ');

/** The changes as rows, each made as the table is streamed. */
function* rowsOf(changes: readonly CodeChange[]): Iterable<(string | undefined)[]> {
  for (const c of changes) {
    yield [c.type, c.system, c.code, c.display, c.previousDisplay, c.status, c.parents?.join(' '), c.previousParents?.join(' '),
      codes(c.replacedBy), codes(c.targets), codes(c.previousTargets)];
  }
}

function toTable(r: Changes, name: string): Table {
  return { columns: COLUMNS, rows: rowsOf(r.changes), filename: `diff-${name}` };
}

const outputs: ParameterDocumentation[] = [
  { name: 'from', type: 'canonical', min: 1, documentation: 'The older version compared (url|version)' },
  { name: 'to', type: 'canonical', min: 1, documentation: 'The newer version compared (url|version)' },
  {
    name: 'summary', min: 1, documentation: 'The number of changes of each type',
    parts: CHANGE_ORDER.map((t) => ({ name: t, type: 'integer', min: 1, documentation: `The number of codes ${t}` })),
  },
  {
    name: 'change', repeats: true, documentation: 'A code that changed',
    parts: [
      { name: 'type', type: 'code', min: 1, documentation: CHANGE_ORDER.join(' | ') },
      { name: 'concept', type: 'Coding', min: 1, documentation: 'The code, as in the newer version (the older for removed)' },
      { name: 'previousDisplay', type: 'string', documentation: 'redisplayed: its display before' },
      { name: 'status', type: 'code', documentation: 'Its status in the newer version (retired, reactivated, removed)' },
      { name: 'parent', type: 'code', repeats: true, documentation: 'moved: its parents in the newer version' },
      { name: 'previousParent', type: 'code', repeats: true, documentation: 'moved: its parents before' },
      { name: 'replacedBy', type: 'Coding', repeats: true, documentation: 'retired, removed: the codes to use instead' },
      { name: 'target', type: 'Coding', repeats: true, documentation: "A map's target for the code in the newer version (added, remapped)" },
      { name: 'previousTarget', type: 'Coding', repeats: true, documentation: "A map's target for the code before (removed, remapped)" },
    ],
  },
];

const inputs = (what: string) => ({
  url: `The ${what}'s canonical url, without a version (type level)`,
  from: 'The older version (default: the version before `to`)',
  to: `The newer version (default: the instance's version, else the newest)`,
});

function diffOperation(
  resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap', description: string,
  changes: (input: OperationInput, ctx: OperationContext, target?: TerminologyResource, limit?: CountLimit) => Changes,
): OperationHandler {
  return {
    spec,
    resourceType,
    levels: ['type', 'instance'],
    // the versions compared are read through the registry: a write of the canonical makes the answer new
    cache: 'answer',
    definition: `http://faelles-tx.dk/fhir/OperationDefinition/${resourceType}-diff`,
    documentation: {
      description: `${description} As Parameters up to ${MAX_PARAMETERS_ROWS} changes; streamed as a table with Accept: text/csv (or _format=csv): ${COLUMNS.join(', ')}.`,
      inputs: inputs(resourceType), outputs,
    },
    handle: (input, ctx, target) => toParameters(changes(input, ctx, target, PARAMETERS_LIMIT)),
    table: (input, ctx, target) => toTable(changes(input, ctx, target), resourceType),
  };
}

export const codeSystemDiffOperation = diffOperation('CodeSystem',
  'What changed between two versions of a code system: codes added, removed, retired (inactive or deprecated now, with their replacedBy), ' +
  'reactivated, re-displayed and moved (other parents).', codeSystemChanges);

export const valueSetDiffOperation = diffOperation('ValueSet',
  'What changed between the expansions of two versions of a value set: codes added, removed, retired (inactive now), reactivated and re-displayed.',
  valueSetChanges);

export const conceptMapDiffOperation = diffOperation('ConceptMap',
  'What changed between two versions of a concept map, per source code: added (mapped now), removed (no longer mapped) and remapped ' +
  '(other targets or equivalences).', conceptMapChanges);
