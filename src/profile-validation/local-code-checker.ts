import type { CodeSystem, Coding, ConceptMap, Identifier } from 'fhir/r4';
import type { CodeSystemProvider, Concept } from '../terminology/providers/provider';
import { elementsWithCode } from '../terminology/packed/conceptmap';
import type { TerminologyRegistry } from '../terminology/registry';
import { findLegacyReplacement } from '../terminology/replacements';
import { statusNameDa } from '../terminology/status-name';
import { normaliseWhitespace } from '../terminology/text-match';
import { quoteCode, type ValidationIssue } from './messages';
import { isJsonObject } from '../fhir/json-object';
import { NO_MAPPING } from '../terminology/equivalence';
import { municipalityGenitive, municipalityNameWithCode } from '../municipal/kommuner';

/** Identifier system of a municipality (the three-digit kommunekode), on local catalogs and organizations. */
export const KOMMUNEKODE_SYSTEM = 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode';
export const FSIII_SYSTEM = 'urn:oid:1.2.208.176.2.21';
/** KL's systems for niveau-3 (locally defined) interventions: care gateway 1.2.0, and the §119/§140 gateways. */
export const LEVEL3_SYSTEMS: readonly string[] = [
  'http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions',
  'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions',
];
/** Property of local concepts: `indsats` (a niveau-3 intervention) or `tilbud` (a local offer). */
export const LOCAL_TYPE_URI = 'http://faelles-tx.dk/fhir/CodeSystem/lokal-type';

function identifiersOf(resource: { identifier?: Identifier | Identifier[] }): Identifier[] {
  const ids = resource.identifier;
  if (!ids) return [];
  return (Array.isArray(ids) ? ids : [ids]).filter(isJsonObject);
}

export function kommunekoderOf(resource: unknown): string[] {
  if (!isJsonObject(resource)) return [];
  return identifiersOf(resource as { identifier?: Identifier[] })
    .filter((i) => i.system === KOMMUNEKODE_SYSTEM && typeof i.value === 'string')
    .map((i) => i.value!);
}

/** A municipality's local catalogs: its CodeSystems and ConceptMaps, newest version of each url. */
export interface LocalCatalogs {
  codeSystems: CodeSystem[];
  conceptMaps: ConceptMap[];
}

/**
 * Finds municipalities' local catalogs in the registry (published examples and written resources alike) by their
 * kommunekode identifier. One index serves one validation request.
 */
export class LocalCatalogIndex {
  private readonly cache = new Map<string, LocalCatalogs>();

  constructor(private readonly registry: TerminologyRegistry) {}

  forKommune(kommunekode: string): LocalCatalogs {
    let hit = this.cache.get(kommunekode);
    if (!hit) {
      const owned = <T extends CodeSystem | ConceptMap>(list: T[]): T[] => {
        const byUrl = new Map<string, T>();
        for (const r of list) {
          if (!kommunekoderOf(r).includes(kommunekode)) continue;
          const newest = (r.url ? this.registry.find(r.resourceType, r.url) : undefined) as T | undefined;
          const chosen = newest && kommunekoderOf(newest).includes(kommunekode) ? newest : r;
          byUrl.set(chosen.url ?? `#${chosen.id}`, chosen);
        }
        return [...byUrl.values()].sort((a, b) => (a.url ?? '').localeCompare(b.url ?? ''));
      };
      hit = {
        codeSystems: owned(this.registry.list('CodeSystem').filter((cs) => cs.content !== 'supplement')),
        conceptMaps: owned(this.registry.list('ConceptMap')),
      };
      this.cache.set(kommunekode, hit);
    }
    return hit;
  }
}

/** Where the sending municipality of a resource is looked for, in this order. */
export interface MunicipalityContext {
  /** Resolves a reference made by the resource: contained resources, and the other entries of its Bundle. */
  resolve(reference: string): unknown;
  /** Distinct kommunekoder of the Organization entries of the enclosing Bundle. */
  bundleKommunekoder: string[];
  /** The `kommunekode` parameter of the request. */
  parameter?: string;
}

export type MunicipalityResult =
  | { kind: 'found'; kommunekode: string; from: 'resource' | 'bundle' | 'parameter'; conflictingParameter?: string }
  | { kind: 'ambiguous'; kommunekoder: string[] }
  | { kind: 'unknown' };

/** Elements whose references name the organizations responsible for a resource. */
const ORGANIZATION_REFERENCE_PATHS = [
  'author', 'requester', 'performer', 'recorder', 'asserter', 'managingOrganization', 'serviceProvider',
  'activity.detail.performer', 'participant.member',
];

function valuesAt(node: unknown, segments: string[]): unknown[] {
  if (segments.length === 0) return [node];
  if (!isJsonObject(node)) return [];
  const next = node[segments[0]!];
  const items = Array.isArray(next) ? next : next === undefined ? [] : [next];
  return items.flatMap((item) => valuesAt(item, segments.slice(1)));
}

/**
 * The sending municipality of a resource: the kommunekode identifier of an organization the resource names (its
 * author, performer, requester, …; as a logical reference or a referenced Organization); else the one
 * municipality among the Organizations of the Bundle; else the `kommunekode` parameter.
 */
export function municipalityOf(resource: unknown, ctx: MunicipalityContext): MunicipalityResult {
  const found = new Set<string>();
  for (const p of ORGANIZATION_REFERENCE_PATHS) {
    for (const ref of valuesAt(resource, p.split('.'))) {
      if (!isJsonObject(ref)) continue;
      const identifier = ref.identifier;
      if (isJsonObject(identifier) && identifier.system === KOMMUNEKODE_SYSTEM && typeof identifier.value === 'string') {
        found.add(identifier.value);
        continue;
      }
      if (typeof ref.reference === 'string') {
        const target = ctx.resolve(ref.reference);
        if (isJsonObject(target) && target.resourceType === 'Organization') for (const k of kommunekoderOf(target)) found.add(k);
      }
    }
  }
  let result: MunicipalityResult;
  if (found.size > 1) return { kind: 'ambiguous', kommunekoder: [...found].sort() };
  if (found.size === 1) result = { kind: 'found', kommunekode: [...found][0]!, from: 'resource' };
  else if (ctx.bundleKommunekoder.length === 1) result = { kind: 'found', kommunekode: ctx.bundleKommunekoder[0]!, from: 'bundle' };
  else if (ctx.parameter) return { kind: 'found', kommunekode: ctx.parameter, from: 'parameter' };
  else return { kind: 'unknown' };
  if (ctx.parameter && ctx.parameter !== result.kommunekode) result.conflictingParameter = ctx.parameter;
  return result;
}

interface CodingAt {
  coding: Coding;
  expression: string;
}

/** Every CodeableConcept in the resource that holds a niveau-3 coding, with its expression. */
function conceptsWithLevel3(node: unknown, expression: string, out: { codings: CodingAt[]; expression: string }[], skipKeys: ReadonlySet<string>): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => conceptsWithLevel3(item, `${expression}[${i}]`, out, new Set()));
    return;
  }
  if (!isJsonObject(node)) return;
  if (Array.isArray(node.coding) && node.coding.some((c) => isJsonObject(c) && typeof c.system === 'string' && LEVEL3_SYSTEMS.includes(c.system))) {
    out.push({
      expression,
      codings: node.coding.flatMap((c, i) => (isJsonObject(c) ? [{ coding: c as Coding, expression: `${expression}.coding[${i}]` }] : [])),
    });
  }
  for (const [key, value] of Object.entries(node)) {
    if (skipKeys.has(key) || key === 'coding' || value === null || typeof value !== 'object') continue;
    conceptsWithLevel3(value, `${expression}.${key}`, out, new Set());
  }
}

function localConcept(registry: TerminologyRegistry, catalogs: LocalCatalogs, code: string): { cs: CodeSystem; provider: CodeSystemProvider; concept: Concept } | undefined {
  for (const cs of catalogs.codeSystems) {
    const provider = registry.provider(cs);
    const concept = provider.locate(code);
    if (concept) return { cs, provider, concept };
  }
  return undefined;
}

function localType(cs: CodeSystem, provider: CodeSystemProvider, concept: Concept): string | undefined {
  const property = (cs.property ?? []).find((p) => p.uri === LOCAL_TYPE_URI)?.code;
  if (!property) return undefined;
  const v = provider.propertyValues(concept, property)[0];
  return v?.valueCode ?? v?.valueString;
}

/**
 * Checks the niveau-3 codes of a resource: each must be in the local catalog of the sending municipality, and that
 * municipality's ConceptMap must map it to the niveau-2 (FSIII) coding sent beside it.
 */
export function checkLocalCodes(
  resource: unknown, expression: string, registry: TerminologyRegistry, catalogs: LocalCatalogIndex,
  municipality: () => MunicipalityResult, skipKeys: ReadonlySet<string> = new Set(),
): ValidationIssue[] {
  const concepts: { codings: CodingAt[]; expression: string }[] = [];
  conceptsWithLevel3(resource, expression, concepts, skipKeys);
  if (concepts.length === 0) return [];
  const issues: ValidationIssue[] = [];
  const where = municipality();
  if (where.kind === 'found' && where.conflictingParameter) {
    issues.push({
      severity: 'warning', code: 'business-rule', expression: [expression], messageId: 'niveau3-kommunekode-parameter-ignored',
      text: {
        en: `The kommunekode parameter '${where.conflictingParameter}' differs from the municipality ${where.kommunekode} the submission names; its niveau-3 codes are checked against municipality ${where.kommunekode}`,
        da: `Parameteren kommunekode '${where.conflictingParameter}' afviger fra kommune ${where.kommunekode}, som indberetningen angiver; dens niveau 3-koder kontrolleres mod kommune ${where.kommunekode}`,
      },
    });
  }
  const fsiii = registry.codeSystemProvider(FSIII_SYSTEM);
  const niveau2Code = (code: string) => findLegacyReplacement(registry, FSIII_SYSTEM, code)?.code ?? code;
  const fsiiiDisplay = (code: string) => fsiii?.locate(code)?.display;
  for (const cc of concepts) {
    const level2 = cc.codings.filter((c) => c.coding.system === FSIII_SYSTEM && typeof c.coding.code === 'string');
    for (const l3 of cc.codings.filter((c) => LEVEL3_SYSTEMS.includes(c.coding.system ?? ''))) {
      const code = l3.coding.code;
      if (typeof code !== 'string' || code === '') continue;
      const at = [l3.expression];
      // KL requires only code and display of a niveau-3 coding: what cannot be checked here is a warning, not an error
      if (where.kind === 'unknown') {
        issues.push({
          severity: 'warning', code: 'business-rule', expression: at, messageId: 'niveau3-municipality-unknown',
          text: {
            // the kommunekode parameter only: an author or another identifier to name the municipality would break KL's
            // profiles (a planned intervention's author is 0..0, an organization's kommunekode identifier too)
            en: `The niveau-3 code '${code}' was not checked against a local catalog: the sending municipality is not known. Give the kommunekode parameter ($validate?kommunekode=101)`,
            da: `Niveau 3-koden '${code}' er ikke kontrolleret mod et lokalt katalog, fordi den indsendende kommune ikke kendes. Giv parameteren kommunekode ($validate?kommunekode=101)`,
          },
        });
        continue;
      }
      if (where.kind === 'ambiguous') {
        issues.push({
          severity: 'warning', code: 'business-rule', expression: at, messageId: 'niveau3-municipality-ambiguous',
          text: {
            en: `The niveau-3 code '${code}' was not checked against a local catalog: the resource names more than one municipality (${where.kommunekoder.join(', ')})`,
            da: `Niveau 3-koden '${code}' er ikke kontrolleret mod et lokalt katalog, fordi ressourcen angiver mere end én kommune (${where.kommunekoder.join(', ')})`,
          },
        });
        continue;
      }
      const kode = where.kommunekode;
      const local = catalogs.forKommune(kode);
      if (local.codeSystems.length === 0) {
        issues.push({
          severity: 'warning', code: 'not-found', expression: at, messageId: 'niveau3-no-local-catalog',
          text: {
            en: `${municipalityNameWithCode(kode).en} has no local catalog on this server (a CodeSystem with identifier ${KOMMUNEKODE_SYSTEM}|${kode}), so the niveau-3 code '${code}' was not checked`,
            da: `${municipalityNameWithCode(kode).da} har intet lokalt katalog på serveren (et CodeSystem med identifier ${KOMMUNEKODE_SYSTEM}|${kode}), så niveau 3-koden '${code}' er ikke kontrolleret`,
          },
        });
        continue;
      }
      const hit = localConcept(registry, local, code);
      if (!hit) {
        const urls = local.codeSystems.map((cs) => cs.url).join(', ');
        issues.push({
          severity: 'error', code: 'code-invalid', expression: at, messageId: 'niveau3-not-in-local-catalog',
          text: {
            en: `The niveau-3 code '${code}' is not in the local catalog of municipality ${kode} (${urls})`,
            da: `Niveau 3-koden '${code}' findes ikke i ${municipalityGenitive(kode).da} lokale katalog (${urls})`,
          },
        });
        continue;
      }
      const { cs, provider, concept } = hit;
      const named = quoteCode(concept.code, concept.display);
      const status = provider.status(concept);
      if (status !== 'active') {
        issues.push({
          severity: 'warning', code: 'business-rule', expression: at, messageId: 'niveau3-status',
          text: {
            en: `The niveau-3 code ${named} has status ${status} in the local catalog of municipality ${kode}`,
            da: `Niveau 3-koden ${named} har status ${statusNameDa(status)} i ${municipalityGenitive(kode).da} lokale katalog`,
          },
        });
      }
      if (localType(cs, provider, concept) === 'tilbud') {
        issues.push({
          severity: 'error', code: 'business-rule', expression: at, messageId: 'niveau3-is-offer',
          text: {
            en: `${named} is a local offer (tilbud) of municipality ${kode}, not a niveau-3 intervention; report the offer's niveau-2 interventions instead`,
            da: `${named} er et lokalt tilbud i kommune ${kode}, ikke en niveau 3-indsats; indberet i stedet tilbuddets niveau 2-indsatser`,
          },
        });
        continue;
      }
      const display = l3.coding.display;
      if (typeof display === 'string' && concept.display && normaliseWhitespace(display) !== normaliseWhitespace(concept.display)) {
        issues.push({
          severity: 'warning', code: 'invalid', expression: [`${l3.expression}`], messageId: 'niveau3-display',
          text: {
            en: `The display '${display}' of the niveau-3 code '${concept.code}' differs from '${concept.display}' in the local catalog of municipality ${kode}`,
            da: `Visningsnavnet '${display}' for niveau 3-koden '${concept.code}' afviger fra '${concept.display}' i ${municipalityGenitive(kode).da} lokale katalog`,
          },
        });
      }
      if (level2.length === 0) {
        issues.push({
          severity: 'error', code: 'business-rule', expression: at, messageId: 'niveau3-without-niveau2',
          text: {
            en: `The niveau-3 code ${named} is sent without a niveau-2 coding (system ${FSIII_SYSTEM}); a niveau-3 intervention is reported with both`,
            da: `Niveau 3-koden ${named} er sendt uden en niveau 2-kodning (system ${FSIII_SYSTEM}); en niveau 3-indsats indberettes med begge`,
          },
        });
        continue;
      }
      const targets: { code: string; display?: string; map: string }[] = [];
      for (const cm of local.conceptMaps) {
        for (const group of cm.group ?? []) {
          if (group.source !== cs.url || group.target !== FSIII_SYSTEM) continue;
          if (group.sourceVersion && cs.version && group.sourceVersion !== cs.version) continue;
          for (const el of elementsWithCode(group, concept.code)) {
            for (const t of el.target ?? []) {
              if (!t.code || NO_MAPPING.has(t.equivalence)) continue;
              const c = niveau2Code(t.code);
              if (!targets.some((x) => x.code === c)) targets.push({ code: c, display: fsiiiDisplay(c) ?? t.display, map: cm.url ?? `ConceptMap/${cm.id}` });
            }
          }
        }
      }
      if (targets.length === 0) {
        issues.push({
          severity: 'error', code: 'code-invalid', expression: at, messageId: 'niveau3-not-mapped',
          text: {
            en: `The niveau-3 code ${named} is not mapped to a niveau-2 (FSIII) code by any ConceptMap of municipality ${kode}`,
            da: `Niveau 3-koden ${named} er ikke koblet til en niveau 2-kode (FSIII) i nogen ConceptMap fra kommune ${kode}`,
          },
        });
        continue;
      }
      for (const l2 of level2) {
        const sent = niveau2Code(l2.coding.code!);
        if (targets.some((t) => t.code === sent)) continue;
        const mapped = targets.map((t) => quoteCode(t.code, t.display)).join(', ');
        const maps = [...new Set(targets.map((t) => t.map))].join(', ');
        const sentNamed = quoteCode(l2.coding.code!, fsiiiDisplay(sent));
        issues.push({
          severity: 'error', code: 'code-invalid', expression: [l3.expression, l2.expression], messageId: 'niveau3-mapping-mismatch',
          text: {
            en: `The niveau-3 code ${named} of municipality ${kode} is mapped to the niveau-2 code ${mapped} (ConceptMap ${maps}), not to the niveau-2 code ${sentNamed} sent beside it`,
            da: `Niveau 3-koden ${named} fra kommune ${kode} er koblet til niveau 2-koden ${mapped} (ConceptMap ${maps}), ikke til niveau 2-koden ${sentNamed}, som er sendt sammen med den`,
          },
        });
      }
    }
  }
  return issues;
}
