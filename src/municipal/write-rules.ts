import { CONCEPTS, duplicateCodesOf, walkConcepts } from '../terminology/concept-walk';
import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import type { Bilingual } from '../errors/issue';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import { includeShapeProblem } from '../terminology/compose/rules';
import { filterProblem } from '../terminology/compose/filter';
import { valueSetSupplements } from '../terminology/valueset-extensions';
import { importCycle, importCycleText } from '../terminology/compose/import-cycle';
import { hierarchyCycles, hierarchyCycleText } from '../terminology/hierarchy-cycle';
import type { TerminologyRegistry } from '../terminology/registry';
import { parseCanonical } from '../terminology/canonical';
import type { TerminologyResource } from '../terminology/resource-set';
import { schemaProblemText } from '../fhir/schema-problem-text';
import {
  identifierKommunekoder, isUnderMunicipalBase, KOMMUNE_BASE, KOMMUNEKODE_SYSTEM, LOCAL_KINDS, LOCAL_TYPE_URI, localTypePropertyCode, municipalUrlProblem, ownerOf,
  ownerOfCanonical, parseMunicipalUrl, statusPropertyCode, type LocalKind,
} from './municipality';
import { checkConceptMap } from './map-rules';
import { untilKnown } from './missing-includes';
import { hasErrors, Issues, type RuleIssue } from './rule-issues';

const CONCEPT_STATUSES = new Set(['active', 'draft', 'retired', 'deprecated', 'inactive', 'experimental']);

function schemaPath(type: string, path: string): string {
  return path === '$' ? type : `${type}${path.slice(1)}`;
}

/**
 * Checks a CodeSystem, ConceptMap or ValueSet before it is written (and the published municipal examples at
 * start). `registry` must already contain the resource and everything written together with it.
 */
export function validateTerminologyResource(
  resource: TerminologyResource,
  registry: TerminologyRegistry,
  schema?: FhirSchemaValidator,
): RuleIssue[] {
  const issues = new Issues();
  const type = resource.resourceType;
  if (schema) {
    for (const p of schema.validate(resource)) issues.error('structure', schemaProblemText(p.message), schemaPath(type, p.path));
    if (issues.list.length > 0) return issues.list;
  }
  const owner = ownerOf(resource);
  if (owner !== undefined || isUnderMunicipalBase(resource.url)) checkMunicipalIdentity(resource, owner, issues);
  if (type === 'CodeSystem') {
    checkCodeSystem(resource, issues);
    if (owner !== undefined) {
      // a supplement only adds designations and properties to a catalog (R4 codesystem.html): it is no local catalog
      if (resource.content !== 'supplement') checkLocalCodeSystem(resource, issues);
      checkSupplementTarget(resource, owner, issues);
    }
    if (resource.content === 'supplement' && resource.supplements && !hasErrors(issues.list)) checkSupplementConcepts(resource, registry, issues);
  } else if (type === 'ConceptMap') {
    checkConceptMap(resource, owner, registry, issues);
  } else {
    checkValueSet(resource, registry, issues);
  }
  return issues.list;
}

/**
 * URL pattern and kommunekode identifier agree, and the URL has the documented form: of a resource of a municipality
 * (`owner`, by its url or its identifier), or of one whose url is under the municipal base but not of that form (no
 * owner is read from it).
 */
function checkMunicipalIdentity(resource: TerminologyResource, owner: string | undefined, issues: Issues): void {
  const type = resource.resourceType;
  const problem = municipalUrlProblem(resource.url, type);
  if (problem) {
    issues.error('invalid', problem, `${type}.url`);
  } else if (!parseMunicipalUrl(resource.url)) {
    const pattern = `${KOMMUNE_BASE}{kommunekode}/${type}/{name}`;
    issues.error('invalid', {
      en: `A municipality's ${type} needs a url of the form ${pattern} (it has the kommunekode identifier ${owner})`,
      da: `En kommunes ${type} skal have en url på formen ${pattern} (den har kommunekode-identifikatoren ${owner}).`,
    }, `${type}.url`);
  }
  if (owner === undefined) return;
  const ids = identifierKommunekoder(resource);
  if (ids.length === 0) {
    issues.error('required', {
      en: `A municipality's ${type} needs the identifier {system: ${KOMMUNEKODE_SYSTEM}, value: '${owner}'}`,
      da: `En kommunes ${type} skal have identifikatoren {system: ${KOMMUNEKODE_SYSTEM}, value: '${owner}'}.`,
    }, `${type}.identifier`);
  }
  for (const id of ids) {
    if (id !== owner) {
      issues.error('invalid', {
        en: `The kommunekode identifier '${excerpt(id)}' does not match the municipality ${owner} of the url`,
        da: `Kommunekode-identifikatoren '${excerpt(id)}' passer ikke med kommune ${owner} i url'en.`,
      }, `${type}.identifier`);
    }
  }
}

/**
 * Why a municipality's CodeSystem may not supplement the code system it names, if it may not: a supplement changes
 * what every caller is told about that code system (a language pack applies without being asked for), so a
 * municipality supplements only its own catalogs.
 */
export function foreignSupplement(cs: CodeSystem, owner = ownerOf(cs)): Bilingual | undefined {
  if (owner === undefined || cs.supplements === undefined) return undefined;
  const target = ownerOfCanonical(cs.supplements);
  if (target === owner) return undefined;
  const named = excerpt(cs.supplements);
  return target === undefined
    ? {
      en: `A municipality supplements only its own catalogs: '${named}' is not a catalog of municipality ${owner}`,
      da: `En kommune kan kun supplere sine egne kataloger: '${named}' er ikke et katalog fra kommune ${owner}.`,
    }
    : {
      en: `'${named}' is a catalog of municipality ${target}; municipality ${owner} supplements only its own catalogs`,
      da: `'${named}' er et katalog fra kommune ${target}; kommune ${owner} kan kun supplere sine egne kataloger.`,
    };
}

function checkSupplementTarget(cs: CodeSystem, owner: string, issues: Issues): void {
  const foreign = foreignSupplement(cs, owner);
  if (foreign) issues.error('business-rule', foreign, 'CodeSystem.supplements');
}

/**
 * FHIR's invariants of the compose (vsd-1, -2, -3), and no import of itself through other value sets: a value set
 * breaking them defines no codes to validate against.
 */
function checkValueSet(vs: ValueSet, registry: TerminologyRegistry, issues: Issues): void {
  for (const part of ['include', 'exclude'] as const) {
    (vs.compose?.[part] ?? []).forEach((set, i) => {
      const path = `ValueSet.compose.${part}[${i}]`;
      const problem = includeShapeProblem(set, path);
      if (problem) issues.error('invariant', problem, path);
    });
  }
  const cycle = importCycle(vs, registry);
  if (cycle) {
    const said = importCycleText(cycle);
    issues.error('business-rule', { en: `The value set ${said.en}`, da: `Værdisættet ${said.da}` }, 'ValueSet.compose');
  }
  checkIncludedContent(vs, registry, issues);
  checkFilters(vs, registry, issues);
}

/**
 * Each filter of an include or exclude of a code system the server has must be one its expansion can evaluate
 * (`filterProblem`, the expansion's own compilation of it): a value set with one that cannot be evaluated would be
 * stored only to refuse every `$expand` and `$validate-code` of it. A code system the server does not have is warned
 * of (checkIncludedContent); its filters are judged when it comes.
 */
function checkFilters(vs: ValueSet, registry: TerminologyRegistry, issues: Issues): void {
  const supplements = valueSetSupplements(vs);
  // compiling a filter (a regex) takes time: a value set of thousands of them is refused, not checked for seconds
  const deadline = Date.now() + FILTER_CHECK_MS;
  for (const part of ['include', 'exclude'] as const) {
    const sets = vs.compose?.[part] ?? [];
    for (const [i, set] of sets.entries()) {
      // concepts and filters together break vsd-3 (above); the expansion reads the concepts
      if (typeof set?.system !== 'string' || !Array.isArray(set.filter) || (set.concept?.length ?? 0) > 0) continue;
      const provider = registry.codeSystemProvider(set.system, typeof set.version === 'string' ? set.version : undefined, supplements);
      if (!provider) continue;
      for (const [j, filter] of set.filter.entries()) {
        const path = `ValueSet.compose.${part}[${i}].filter[${j}]`;
        if (Date.now() > deadline) {
          issues.error('too-costly', {
            en: `The value set's filters take more than ${FILTER_CHECK_MS} ms to check (stopped at this one): split it into value sets of fewer filters`,
            da: `Værdisættets filtre tager mere end ${FILTER_CHECK_MS} ms at kontrollere (stoppet ved dette): del det op i værdisæt med færre filtre`,
          }, path);
          return;
        }
        const problem = filterProblem(provider, filter, path);
        if (problem) issues.error(problem.code, { en: problem.message, da: problem.options.da ?? problem.message }, problem.options.expression?.[0] ?? path);
      }
    }
  }
}

/** How long a write may spend checking a value set's filters (checkFilters). */
const FILTER_CHECK_MS = 1000;

/**
 * What an include names that the server does not have — a code system, a code it lists, a value set it imports —
 * is written (it may come later: a package, another write), with a warning saying what the value set answers until
 * then: without a code it lists; not expanded at all without a code system or value set (`untilKnown`).
 */
function checkIncludedContent(vs: ValueSet, registry: TerminologyRegistry, issues: Issues): void {
  (vs.compose?.include ?? []).forEach((inc, i) => {
    const path = `ValueSet.compose.include[${i}]`;
    if (typeof inc?.system === 'string') {
      const provider = registry.codeSystemProvider(inc.system, typeof inc.version === 'string' ? inc.version : undefined);
      const named = `${excerpt(inc.system)}${typeof inc.version === 'string' ? `|${excerpt(inc.version)}` : ''}`;
      if (!provider) {
        const until = untilKnown('CodeSystem');
        issues.warning('not-found', {
          en: `The code system '${named}' is not known to this server: until it is, ${until.en}`,
          da: `Kodesystemet '${named}' kendes ikke af serveren: indtil det kendes, ${until.da}.`,
        }, `${path}.system`);
      } else {
        (Array.isArray(inc.concept) ? inc.concept : []).forEach((c, j) => {
          if (typeof c?.code === 'string' && !provider.locate(c.code)) {
            issues.warning('not-found', {
              en: `The code '${excerpt(c.code)}' is not in the code system '${named}': the value set does not have it`,
              da: `Koden '${excerpt(c.code)}' findes ikke i kodesystemet '${named}': værdisættet har den ikke.`,
            }, `${path}.concept[${j}].code`);
          }
        });
      }
    }
    (Array.isArray(inc?.valueSet) ? inc.valueSet : []).forEach((ref, j) => {
      if (typeof ref !== 'string') return;
      const { url, version } = parseCanonical(ref);
      if (!registry.find('ValueSet', url, version)) {
        const until = untilKnown('ValueSet');
        issues.warning('not-found', {
          en: `The value set '${excerpt(ref)}' is not known to this server: until it is, ${until.en}`,
          da: `Værdisættet '${excerpt(ref)}' kendes ikke af serveren: indtil det kendes, ${until.da}.`,
        }, `${path}.valueSet[${j}]`);
      }
    });
  });
}

function checkCodeSystem(cs: CodeSystem, issues: Issues): void {
  if (cs.content === 'supplement' && !cs.supplements) {
    issues.error('required', {
      en: 'A supplement (content supplement) names the code system it supplements in supplements',
      da: 'Et supplement (content supplement) skal angive det kodesystem, det supplerer, i supplements.',
    }, 'CodeSystem.supplements');
  }
  for (const d of duplicateCodesOf(cs)) {
    const code = excerpt(d.code);
    issues.error('duplicate', d.firstCode === undefined
      ? { en: `Duplicate code '${code}' (first at ${d.first()})`, da: `Koden '${code}' findes to gange (første gang i ${d.first()}).` }
      : {
        en: `Duplicate code '${code}': the code system is not case sensitive (caseSensitive false), so it is the code '${excerpt(d.firstCode)}' (at ${d.first()})`,
        da: `Koden '${code}' findes to gange: kodesystemet skelner ikke mellem store og små bogstaver (caseSensitive false), så den er koden '${excerpt(d.firstCode)}' (i ${d.first()}).`,
      }, `${d.at()}.code`, d.code);
  }
  for (const cycle of hierarchyCycles(cs)) {
    const said = hierarchyCycleText(cycle);
    issues.error('business-rule', { en: `The hierarchy ${said.en}`, da: `Hierarkiet ${said.da}` }, cycle.at(), cycle.codes[0]);
  }
}

/**
 * R4 (codesystem.html, supplements): a supplement adds designations and properties to the concepts of the code system
 * it names, which is another code system; it defines no concepts. Each of its codes must be one that code system has
 * (when the server has it).
 */
function checkSupplementConcepts(cs: CodeSystem, registry: TerminologyRegistry, issues: Issues): void {
  const { url, version } = parseCanonical(cs.supplements!);
  if (url === cs.url) {
    issues.error('business-rule', {
      en: `A supplement supplements another code system, not itself ('${excerpt(cs.supplements!)}')`,
      da: `Et supplement supplerer et andet kodesystem, ikke sig selv ('${excerpt(cs.supplements!)}').`,
    }, 'CodeSystem.supplements');
    return;
  }
  const supplemented = registry.codeSystemProvider(url, version);
  if (!supplemented) return;
  walkConcepts(cs.concept, CONCEPTS, (c, at) => {
    if (typeof c?.code !== 'string' || supplemented.locate(c.code)) return;
    issues.error('business-rule', {
      en: `The supplement gives the code '${excerpt(c.code)}', which ${excerpt(cs.supplements!)} does not have: a supplement adds designations and properties to a code system's concepts, not concepts`,
      da: `Supplementet angiver koden '${excerpt(c.code)}', som ${excerpt(cs.supplements!)} ikke har: et supplement tilføjer betegnelser og egenskaber til et kodesystems begreber, ikke nye begreber.`,
    }, `${at()}.code`, c.code);
  });
}

function checkLocalCodeSystem(cs: CodeSystem, issues: Issues): void {
  const typeCode = localTypePropertyCode(cs);
  if (!typeCode) {
    issues.error('required', {
      en: `A local catalog must declare the property 'type' (uri ${LOCAL_TYPE_URI}, type code) that says whether a concept is an indsats or a tilbud`,
      da: `Et lokalt katalog skal erklære egenskaben 'type' (uri ${LOCAL_TYPE_URI}, type code), der siger, om et begreb er en indsats eller et tilbud.`,
    }, 'CodeSystem.property');
  }
  const statusCode = statusPropertyCode(cs);
  walkConcepts(cs.concept, CONCEPTS, (c, at) => {
    if (!c.display?.trim()) issues.error('required', { en: `Local code '${excerpt(c.code)}' has no display (title)`, da: `Den lokale kode '${excerpt(c.code)}' har ingen titel.` }, `${at()}.display`, c.code);
    if (typeCode) {
      const values = (c.property ?? []).filter((p) => p.code === typeCode).map((p) => p.valueCode ?? p.valueString);
      if (values.length === 0) {
        issues.error('required', {
          en: `Local code '${excerpt(c.code)}' has no '${excerpt(typeCode)}' property: give indsats or tilbud`, da: `Den lokale kode '${excerpt(c.code)}' har ingen type: angiv indsats eller tilbud.`,
        }, `${at()}.property`, c.code);
      } else if (values.length > 1) {
        issues.error('invalid', {
          en: `Local code '${excerpt(c.code)}' has ${values.length} '${excerpt(typeCode)}' values; give exactly one of indsats, tilbud`,
          da: `Den lokale kode '${excerpt(c.code)}' har ${values.length} typer; angiv præcis én: indsats eller tilbud.`,
        }, `${at()}.property`, c.code);
      } else if (!LOCAL_KINDS.includes(values[0] as LocalKind)) {
        issues.error('code-invalid', {
          en: `Local code '${excerpt(c.code)}' has type '${excerpt(values[0])}'; it must be indsats or tilbud`, da: `Den lokale kode '${excerpt(c.code)}' har typen '${excerpt(values[0])}'; den skal være indsats eller tilbud.`,
        }, `${at()}.property`, c.code);
      }
    }
    for (const p of c.property ?? []) {
      if (p.code === statusCode && p.valueCode !== undefined && !CONCEPT_STATUSES.has(p.valueCode)) {
        issues.error('code-invalid', {
          en: `Local code '${excerpt(c.code)}' has status '${excerpt(p.valueCode)}'; use active, retired, deprecated or draft`,
          da: `Den lokale kode '${excerpt(c.code)}' har status '${excerpt(p.valueCode)}'; brug active, retired, deprecated eller draft.`,
        }, `${at()}.property`, c.code);
      }
    }
  });
}
