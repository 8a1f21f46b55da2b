import { CONCEPTS, duplicateCodes, walkConcepts } from '../terminology/concept-walk';
import type { CodeSystem, ConceptMap, ConceptMapGroup, ValueSet } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { danishReason, FhirError, type IssueCode } from '../errors/fhir-error';
import { listedIssues, omittedIssuesText } from '../errors/issue-cap';
import type { MessageLanguage } from '../errors/message-language';
import { issueText, messageIssue, type Bilingual, type Issue, type OperationOutcomeIssue } from '../errors/issue';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import type { CodeSystemProvider, Concept, ConceptStatus } from '../terminology/providers/provider';
import { entryKey } from '../terminology/compose/evaluator';
import { includeShapeProblem } from '../terminology/compose/rules';
import { importCycle, importCycleText } from '../terminology/compose/import-cycle';
import { hierarchyCycles, hierarchyCycleText } from '../terminology/hierarchy-cycle';
import { evaluateValueSet, type IndexedComposeResult } from '../terminology/expansion/cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { parseCanonical } from '../terminology/canonical';
import { findLegacyReplacement, replacementsOf, type Replacement } from '../terminology/replacements';
import { statusNameDa } from '../terminology/status-name';
import type { TerminologyResource } from '../terminology/resource-set';
import { schemaProblemText } from '../fhir/schema-problem-text';
import {
  identifierKommunekoder, isKommunekode, isValidLocalName, KOMMUNE_BASE, KOMMUNEKODE_SYSTEM, LOCAL_KINDS, LOCAL_TYPE_URI,
  localTypePropertyCode, ownerOf, ownerOfCanonical, parseMunicipalUrl, statusPropertyCode, type LocalKind,
} from './municipality';

/**
 * An issue of the write rules: English, or English and Danish (for callers that ask for Danish, the web page); writes
 * are answered as terminology errors are (`messageIssue`).
 */
export interface RuleIssue extends Issue {
  severity: 'error' | 'warning' | 'information';
  /** FHIRPath-style location, e.g. ConceptMap.group[0].element[2].target[0].code */
  expression?: string[];
  /** The local (source) code the issue is about, so the CSV import can name the line. */
  localCode?: string;
}

const CONCEPT_STATUSES = new Set(['active', 'draft', 'retired', 'deprecated', 'inactive', 'experimental']);
/** R4 equivalences that state there is no mapping: they do not count as a target. */
const NO_MAPPING = new Set(['unmatched', 'disjoint']);

class Issues {
  readonly list: RuleIssue[] = [];
  /** Every write rule speaks both languages: municipal staff read them in Danish (the web page, the CSV import). */
  error(code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    this.add('error', code, text, expression, localCode);
  }
  warning(code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    this.add('warning', code, text, expression, localCode);
  }
  private add(severity: 'error' | 'warning', code: IssueCode, text: Bilingual, expression?: string, localCode?: string): void {
    this.list.push({ severity, code, text, expression: expression ? [expression] : undefined, localCode });
  }
}

export function hasErrors(issues: readonly RuleIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

export function toOutcomeIssue(i: RuleIssue, lang: MessageLanguage = 'en'): OperationOutcomeIssue {
  return messageIssue({ severity: i.severity, code: i.code, text: i.text, expression: i.expression, messageId: i.messageId }, lang);
}

/** One FhirError (422) whose OperationOutcome lists the issues, errors first (at most MAX_LISTED_ISSUES, then a count). */
export function validationFailure(issues: readonly RuleIssue[], status = 422): FhirError {
  const sorted = listedIssues([...issues.filter((i) => i.severity === 'error'), ...issues.filter((i) => i.severity !== 'error')],
    (omitted): RuleIssue => ({ severity: 'information', code: 'informational', text: omittedIssuesText(omitted) }));
  const [first, ...rest] = sorted;
  return new FhirError(status, first!.code, issueText(first!), {
    ...(typeof first!.text === 'object' ? { da: first!.text.da } : {}), expression: first!.expression, messageId: first!.messageId,
    extraIssues: rest.map((i) => ({ severity: i.severity, code: i.code, text: i.text, expression: i.expression, messageId: i.messageId })),
  });
}

function schemaPath(type: string, path: string): string {
  return path === '$' ? type : `${type}${path.slice(1)}`;
}

/**
 * A code the system does not have: an error when the system holds all its codes; a warning when its content is a
 * fragment, an example or not present, since the code may be valid (as $validate-code says of it). A municipality's
 * map is held to the codes the systems have.
 */
function absentCode(issues: Issues, provider: CodeSystemProvider, text: Bilingual, expression: string, localCode: string, municipal: boolean): void {
  const content = provider.resource.content ?? 'complete';
  if (content === 'complete' || municipal) {
    issues.error('code-invalid', { en: text.en, da: `${text.da}.` }, expression, localCode);
    return;
  }
  issues.warning('code-invalid', {
    en: `${text.en}, whose content is '${content}' (not complete), so the code may be valid`,
    da: `${text.da}, hvis indhold er '${content}' (ikke komplet), så koden kan være gyldig.`,
  }, expression, localCode);
}

function describeSystem(provider: CodeSystemProvider): string {
  const cs = provider.resource;
  const name = cs.title ?? cs.name ?? cs.url;
  return `${name} (${provider.url}${provider.version ? `|${provider.version}` : ''})`;
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
  if (owner !== undefined) checkMunicipalIdentity(resource, owner, issues);
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

/** URL pattern and kommunekode identifier agree, and the URL has the documented form. */
function checkMunicipalIdentity(resource: TerminologyResource, owner: string, issues: Issues): void {
  const type = resource.resourceType;
  const pattern = `${KOMMUNE_BASE}{kommunekode}/${type}/{name}`;
  const parsed = parseMunicipalUrl(resource.url);
  const ids = identifierKommunekoder(resource);
  if (!parsed) {
    issues.error('invalid', {
      en: `A municipality's ${type} needs a url of the form ${pattern} (it has the kommunekode identifier ${owner})`,
      da: `En kommunes ${type} skal have en url på formen ${pattern} (den har kommunekode-identifikatoren ${owner}).`,
    }, `${type}.url`);
  } else {
    if (!isKommunekode(parsed.kommunekode)) {
      issues.error('invalid', {
        en: `'${excerpt(parsed.kommunekode)}' in the url is not a kommunekode (three digits)`,
        da: `'${excerpt(parsed.kommunekode)}' i url'en er ikke en kommunekode (tre cifre).`,
      }, `${type}.url`);
    }
    if (parsed.type !== type || !isValidLocalName(parsed.name)) {
      issues.error('invalid', {
        en: `The url must have the form ${pattern}, {name} being 1–52 letters, digits, '-' or '.'; not '${excerpt(resource.url)}'`,
        da: `Url'en skal have formen ${pattern}, hvor {name} er 1–52 bogstaver, cifre, '-' eller '.'; ikke '${excerpt(resource.url)}'.`,
      }, `${type}.url`);
    }
  }
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
}

function checkCodeSystem(cs: CodeSystem, issues: Issues): void {
  if (cs.content === 'supplement' && !cs.supplements) {
    issues.error('required', {
      en: 'A supplement (content supplement) names the code system it supplements in supplements',
      da: 'Et supplement (content supplement) skal angive det kodesystem, det supplerer, i supplements.',
    }, 'CodeSystem.supplements');
  }
  for (const d of duplicateCodes(cs.concept)) {
    issues.error('duplicate', { en: `Duplicate code '${excerpt(d.code)}' (first at ${d.first()})`, da: `Koden '${excerpt(d.code)}' findes to gange (første gang i ${d.first()}).` }, `${d.at()}.code`, d.code);
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

/** The kind of a local concept from its `type` property, when it has exactly one valid value. */
export function localKindOf(concept: { properties?: readonly { code: string; valueCode?: string; valueString?: string }[] }, typeCode: string): LocalKind | undefined {
  let value: string | undefined;
  let count = 0;
  for (const p of concept.properties ?? []) {
    if (p.code !== typeCode) continue;
    if (++count > 1) return undefined;
    value = p.valueCode ?? p.valueString;
  }
  return count === 1 && LOCAL_KINDS.includes(value as LocalKind) ? (value as LocalKind) : undefined;
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

/** What a map's elements say of one local code: its kind and targets, and where its first element is. */
interface SourceTally {
  code: string;
  kind?: LocalKind;
  targets: string[];
  group: number;
  element: number;
}

/**
 * The tallies of a map's local codes, by group source and code, in the order their first elements come. A large
 * map has thousands of elements, so a path is written only for an issue (elementPath).
 */
class SourceTallies {
  readonly list: SourceTally[] = [];
  private readonly bySource = new Map<string, Map<string, SourceTally>>();

  of(source: string, code: string, group: number, element: number): SourceTally {
    let codes = this.bySource.get(source);
    if (!codes) this.bySource.set(source, codes = new Map());
    let tally = codes.get(code);
    if (!tally) {
      codes.set(code, tally = { code, targets: [], group, element });
      this.list.push(tally);
    }
    return tally;
  }
}

const elementPath = (group: number, element: number): string => `ConceptMap.group[${group}].element[${element}]`;

function checkConceptMap(cm: ConceptMap, owner: string | undefined, registry: TerminologyRegistry, issues: Issues): void {
  const municipal = owner !== undefined;
  if (municipal) {
    const scope = cm.sourceUri ?? cm.sourceCanonical;
    const scopeOwner = ownerOfCanonical(scope);
    if (scope && scopeOwner === undefined) {
      issues.error('business-rule', {
        en: `The map's source '${excerpt(scope)}' is not a catalog of municipality ${owner}; a municipality maps its own local catalog`,
        da: `Koblingens kilde '${excerpt(scope)}' er ikke et katalog fra kommune ${owner}; en kommune kobler sit eget lokale katalog.`,
      }, cm.sourceUri ? 'ConceptMap.sourceUri' : 'ConceptMap.sourceCanonical');
    } else if (scope && scopeOwner !== owner) {
      issues.error('business-rule', {
        en: `The map's source '${excerpt(scope)}' is a catalog of municipality ${scopeOwner}, not of ${owner}`,
        da: `Koblingens kilde '${excerpt(scope)}' er et katalog fra kommune ${scopeOwner}, ikke fra ${owner}.`,
      }, cm.sourceUri ? 'ConceptMap.sourceUri' : 'ConceptMap.sourceCanonical');
    }
    if ((cm.group ?? []).length === 0) issues.warning('incomplete', { en: 'The map has no group: no local code is mapped', da: 'Koblingen har ingen gruppe: ingen lokal kode er koblet.' }, 'ConceptMap.group');
  }
  const tallies = new SourceTallies();
  (cm.group ?? []).forEach((group, gi) => checkGroup(group, gi, owner, registry, issues, tallies));
  if (municipal) {
    for (const t of tallies.list) {
      const code = t.code;
      if (t.kind === 'indsats' && t.targets.length !== 1) {
        issues.error('business-rule', t.targets.length === 0
          ? {
            en: `Local intervention '${excerpt(code)}' has no target; a local intervention maps to exactly one common (niveau 2) intervention`,
            da: `Den lokale indsats '${excerpt(code)}' er ikke koblet; en lokal indsats kobles til præcis én fælleskommunal indsats (niveau 2).`,
          }
          : {
            en: `Local intervention '${excerpt(code)}' has ${t.targets.length} targets (${t.targets.join(', ')}); a local intervention maps to exactly one common (niveau 2) intervention`,
            da: `Den lokale indsats '${excerpt(code)}' er koblet til ${t.targets.length} begreber (${t.targets.join(', ')}); en lokal indsats kobles til præcis én fælleskommunal indsats (niveau 2).`,
          },
        elementPath(t.group, t.element), code);
      } else if (t.kind === 'tilbud' && t.targets.length === 0) {
        issues.error('business-rule', {
          en: `Offer '${excerpt(code)}' has no target; an offer maps to one or more common (niveau 2) interventions`,
          da: `Tilbuddet '${excerpt(code)}' er ikke koblet; et tilbud kobles til en eller flere fælleskommunale indsatser (niveau 2).`,
        }, elementPath(t.group, t.element), code);
      }
    }
  }
  checkTargetScope(cm, registry, issues, municipal);
}

function checkGroup(
  group: ConceptMapGroup, gi: number, owner: string | undefined, registry: TerminologyRegistry, issues: Issues, tallies: SourceTallies,
): void {
  const path = `ConceptMap.group[${gi}]`;
  const municipal = owner !== undefined;
  let sourceProvider: CodeSystemProvider | undefined;
  let typeCode: string | undefined;
  if (!group.source) {
    if (municipal) issues.error('required', { en: 'The group needs a source: the local CodeSystem being mapped', da: 'Gruppen skal have en kilde: det lokale kodesystem, der kobles.' }, `${path}.source`);
  } else {
    const sourceOwner = ownerOfCanonical(group.source);
    if (municipal && sourceOwner === undefined) {
      issues.error('business-rule', {
        en: `The group's source '${excerpt(group.source)}' is not a local catalog of municipality ${owner}`,
        da: `Gruppens kilde '${excerpt(group.source)}' er ikke et lokalt katalog fra kommune ${owner}.`,
      }, `${path}.source`);
    } else if (municipal && sourceOwner !== owner) {
      issues.error('business-rule', {
        en: `The group's source '${excerpt(group.source)}' is a catalog of municipality ${sourceOwner}; municipality ${owner} can only map its own catalogs`,
        da: `Gruppens kilde '${excerpt(group.source)}' er et katalog fra kommune ${sourceOwner}; kommune ${owner} kan kun koble sine egne kataloger.`,
      }, `${path}.source`);
    }
    sourceProvider = registry.codeSystemProvider(group.source, group.sourceVersion);
    if (!sourceProvider && municipal) {
      const named = `${group.source}${group.sourceVersion ? `|${group.sourceVersion}` : ''}`;
      issues.error('not-found', {
        en: `The source CodeSystem '${named}' is not known; write it first or in the same transaction`,
        da: `Kildekodesystemet '${named}' kendes ikke; skriv det først eller i samme transaktion.`,
      }, `${path}.source`);
    }
    if (sourceProvider) typeCode = localTypePropertyCode(sourceProvider.resource);
  }
  let targetProvider: CodeSystemProvider | undefined;
  if (!group.target) {
    if (municipal) issues.error('required', { en: 'The group needs a target: the common code system (FSIII or FFB)', da: 'Gruppen skal have et mål: det fælles kodesystem (FSIII eller FFB).' }, `${path}.target`);
  } else if (municipal && ownerOfCanonical(group.target) !== undefined) {
    issues.error('business-rule', {
      en: `The group's target '${excerpt(group.target)}' is a municipal code system; local codes map to the common catalogs (FSIII, FFB)`,
      da: `Gruppens mål '${excerpt(group.target)}' er et kommunalt kodesystem; lokale koder kobles til de fælles kataloger (FSIII, FFB).`,
    }, `${path}.target`);
  } else {
    targetProvider = registry.codeSystemProvider(group.target, group.targetVersion);
    if (!targetProvider) {
      const named = `${group.target}${group.targetVersion ? `|${group.targetVersion}` : ''}`;
      const text = {
        en: `The target code system '${named}' is not known, so its codes cannot be checked`,
        da: `Målkodesystemet '${named}' kendes ikke, så dets koder kan ikke kontrolleres.`,
      };
      if (municipal) issues.error('not-found', text, `${path}.target`);
      else issues.warning('not-found', text, `${path}.target`);
    }
  }

  const targetFacts = targetProvider && targetFactsOf(targetProvider, registry, group.target!);
  const source = group.source ?? '';
  /** Each code's first element in this group. */
  const firstElement = new Map<string, number>();
  const elements = group.element ?? [];
  for (let ei = 0; ei < elements.length; ei++) {
    const el = elements[ei]!;
    const code = el.code;
    if (!code) {
      issues.error('required', { en: 'The element has no code', da: 'Elementet har ingen kode.' }, `${elementPath(gi, ei)}.code`);
      continue;
    }
    const first = firstElement.get(code);
    // R4 lets a map give a code several elements; a municipality's map keeps all of a local code's targets in one
    if (first !== undefined && municipal) {
      issues.error('duplicate', {
        en: `Local code '${excerpt(code)}' has two elements in the same group (first at ${elementPath(gi, first)}); put all its targets in one element`,
        da: `Den lokale kode '${excerpt(code)}' har to elementer i samme gruppe (første gang i ${elementPath(gi, first)}); saml alle dens mål i ét element.`,
      }, `${elementPath(gi, ei)}.code`, code);
    } else {
      firstElement.set(code, ei);
    }
    const sourceConcept = sourceProvider?.locate(code);
    if (sourceProvider && !sourceConcept) {
      absentCode(issues, sourceProvider, {
        en: `Source code '${excerpt(code)}' is not in ${describeSystem(sourceProvider)}`,
        da: `Kildekoden '${excerpt(code)}' findes ikke i ${describeSystem(sourceProvider)}`,
      }, `${elementPath(gi, ei)}.code`, code, municipal);
    }
    const tally = tallies.of(source, code, gi, ei);
    if (sourceConcept && typeCode) tally.kind = localKindOf(sourceConcept, typeCode);

    // this element's targets are the tally's from here on
    const ownTargets = tally.targets.length;
    const targets = el.target ?? [];
    for (let ti = 0; ti < targets.length; ti++) {
      const t = targets[ti]!;
      if (t.equivalence && NO_MAPPING.has(t.equivalence)) continue;
      const at = (): string => `${elementPath(gi, ei)}.target[${ti}].code`;
      if (!t.code) {
        issues.error('required', {
          en: `A target of '${excerpt(code)}' has no code (only equivalence unmatched or disjoint may leave it out)`,
          da: `Et mål for '${excerpt(code)}' har ingen kode (kun ækvivalensen unmatched eller disjoint må udelade den).`,
        }, at(), code);
        continue;
      }
      if (tally.targets.indexOf(t.code, ownTargets) !== -1) {
        issues.error('duplicate', { en: `Local code '${excerpt(code)}' lists target '${excerpt(t.code)}' twice`, da: `Den lokale kode '${excerpt(code)}' er koblet til '${excerpt(t.code)}' to gange.` }, at(), code);
        continue;
      }
      tally.targets.push(t.code);
      if (targetProvider) checkTarget(targetProvider, targetFacts!(t.code), code, t.code, at, issues, municipal);
    }
  }
}

/** What the check of a target depends on besides the source code: the same for every element that maps to the code. */
interface TargetFacts {
  concept?: Concept;
  legacy?: Replacement;
  status?: ConceptStatus;
  /** The replacements of a retired, inactive or deprecated target, as the warning names them. */
  replacedBy?: string;
}

/** The facts about each target code of a group, worked out once per code (a large map has thousands of elements and a few hundred targets). */
function targetFactsOf(provider: CodeSystemProvider, registry: TerminologyRegistry, system: string): (code: string) => TargetFacts {
  const known = new Map<string, TargetFacts>();
  return (code) => {
    let facts = known.get(code);
    if (!facts) {
      const concept = provider.locate(code);
      facts = { concept };
      if (concept) {
        facts.legacy = findLegacyReplacement(registry, system, code);
        facts.status = provider.status(concept);
        if (facts.status === 'retired' || facts.status === 'inactive' || facts.status === 'deprecated') {
          facts.replacedBy = replacementsOf(provider, concept).map((r) => `${r.code}${r.display ? ` (${r.display})` : ''}`).join(', ');
        }
      }
      known.set(code, facts);
    }
    return facts;
  };
}

function checkTarget(
  provider: CodeSystemProvider, facts: TargetFacts, sourceCode: string, code: string, at: () => string, issues: Issues, municipal: boolean,
): void {
  const { concept, legacy, status, replacedBy } = facts;
  if (!concept) {
    absentCode(issues, provider, {
      en: `Target code '${excerpt(code)}' (for '${excerpt(sourceCode)}') is not in ${describeSystem(provider)}`,
      da: `Målkoden '${excerpt(code)}' (for '${excerpt(sourceCode)}') findes ikke i ${describeSystem(provider)}`,
    }, at(), sourceCode, municipal);
    return;
  }
  if (legacy && municipal) {
    issues.warning('business-rule', {
      en: `Target '${excerpt(code)}' (for '${excerpt(sourceCode)}') is a legacy key; use the code ${legacy.code}${legacy.display ? ` (${legacy.display})` : ''}`,
      da: `Målet '${excerpt(code)}' (for '${excerpt(sourceCode)}') er en ældre FSIII-nøgle; brug i stedet koden ${legacy.code}${legacy.display ? ` (${legacy.display})` : ''}.`,
    }, at(), sourceCode);
  }
  if (replacedBy !== undefined) {
    issues.warning('business-rule', {
      en: `Target '${excerpt(code)}'${concept.display ? ` (${concept.display})` : ''} for '${excerpt(sourceCode)}' is ${status}` +
        (replacedBy ? `; it is replaced by ${replacedBy}` : '; no replacement is recorded'),
      da: `Målet '${excerpt(code)}'${concept.display ? ` (${concept.display})` : ''} for '${excerpt(sourceCode)}' er ${status && statusNameDa(status)}` +
        (replacedBy ? `; brug i stedet ${replacedBy}.` : '; der er ikke angivet en afløser.'),
    }, at(), sourceCode);
  }
  if (municipal && concept.children.length > 0 && !legacy) {
    issues.warning('business-rule', {
      en: `Target '${excerpt(code)}'${concept.display ? ` (${concept.display})` : ''} for '${excerpt(sourceCode)}' is a grouping concept with ${concept.children.length} sub-concepts; map to a niveau-2 intervention`,
      da: `Målet '${excerpt(code)}'${concept.display ? ` (${concept.display})` : ''} for '${excerpt(sourceCode)}' er et grupperingsbegreb med ${concept.children.length} underbegreber; kobl til en indsats på niveau 2.`,
    }, at(), sourceCode);
  }
}

/**
 * When the map names a target value set, every target code must be in it (the catalog the map claims): in the version
 * of the target code system the group names (group.targetVersion, as `$validate-code`'s system-version would), else
 * in the version the value set takes by itself. A map made for the release in use stays valid while a newer one that
 * no longer has one of its targets is loaded beside it.
 */
function checkTargetScope(cm: ConceptMap, registry: TerminologyRegistry, issues: Issues, municipal: boolean): void {
  const scope = cm.targetUri ?? cm.targetCanonical;
  if (!scope) return;
  const vs = registry.findCanonical('ValueSet', scope);
  if (!vs) {
    if (registry.findCodeSystem(scope)) return;
    issues.warning('not-found', {
      en: `The target scope '${excerpt(scope)}' is not a known ValueSet, so target codes were not checked against it`,
      da: `Målområdet '${excerpt(scope)}' er ikke et kendt ValueSet, så målkoderne er ikke kontrolleret mod det.`,
    }, cm.targetUri ? 'ConceptMap.targetUri' : 'ConceptMap.targetCanonical');
    return;
  }
  const scopeIndex = targetScopeIndexes(registry, vs, scope, issues);
  (cm.group ?? []).forEach((group, gi) => {
    if (!group.target) return;
    const index = scopeIndex(group.target, group.targetVersion);
    if (!index) return;
    // a common map's target the code system does not hold, when its content is partial, may be in the value set too:
    // checkTarget has warned of it (as $validate-code answers it: possibly valid)
    const targetSystem = municipal ? undefined : registry.codeSystemProvider(group.target, group.targetVersion);
    const mayHold = (code: string) => targetSystem !== undefined && (targetSystem.resource.content ?? 'complete') !== 'complete' && !targetSystem.locate(code);
    // a large map has thousands of elements and a few hundred target codes
    const inScope = new Map<string, boolean>();
    (group.element ?? []).forEach((el, ei) => {
      (el.target ?? []).forEach((t, ti) => {
        if (!t.code || (t.equivalence && NO_MAPPING.has(t.equivalence))) return;
        let found = inScope.get(t.code);
        if (found === undefined) inScope.set(t.code, found = index.has(entryKey(group.target!, t.code)) || mayHold(t.code));
        if (!found) {
          issues.error('code-invalid', {
            en: `Target code '${excerpt(t.code)}' (for '${excerpt(el.code)}') is not in the target value set ${vs.title ?? vs.name ?? vs.url} (${scope})`,
            da: `Målkoden '${excerpt(t.code)}' (for '${excerpt(el.code)}') er ikke i målets katalog ${vs.title ?? vs.name ?? vs.url} (${scope}).`,
          },
            `ConceptMap.group[${gi}].element[${ei}].target[${ti}].code`, el.code);
        }
      });
    });
  });
}

type ScopeIndex = IndexedComposeResult['index'];

/**
 * The target value set's codes with the target code system in the version a group names, evaluated once per system
 * and version (a map's groups usually share both). Undefined when they cannot be checked: a version the server does
 * not have (checkGroup reports it), or a value set that cannot be evaluated (a warning, once).
 */
function targetScopeIndexes(
  registry: TerminologyRegistry, vs: ValueSet, scope: string, issues: Issues,
): (system: string, version: string | undefined) => ScopeIndex | undefined {
  const evaluated = new Map<string, ScopeIndex | undefined>();
  return (system, version) => {
    const key = version === undefined ? system : `${system}|${version}`;
    if (evaluated.has(key)) return evaluated.get(key);
    let index: ScopeIndex | undefined;
    if (version === undefined || registry.codeSystemProvider(system, version)) {
      try {
        index = evaluateValueSet(registry, vs, version === undefined ? {} : { systemVersions: new Map([[system, version]]) }).index;
      } catch (e) {
        const withVersion = (word: string): string => (version === undefined ? '' : ` (${word} ${excerpt(key)})`);
        const reason = danishReason(e);
        issues.warning('processing', {
          en: `The target value set '${excerpt(scope)}'${withVersion('with')} could not be evaluated (${(e as Error).message}); target codes were not checked against it`,
          da: `Målværdisættet '${excerpt(scope)}'${withVersion('med')} kunne ikke beregnes${reason ? ` (${reason})` : ''}; målkoderne er ikke kontrolleret mod det.`,
        });
      }
    }
    evaluated.set(key, index);
    return index;
  };
}
