import type { CodeableConcept, CodeSystem, Coding } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { Issue } from '../errors/issue';
import { evaluateValueSet } from '../terminology/expansion/cache';
import type { TerminologyRegistry } from '../terminology/registry';
import { replacementsOf } from '../terminology/replacements';
import { statusNameDa } from '../terminology/status-name';
import { catalogLevels } from '../terminology/catalog-levels';
import { DEFAULT_COVERAGE_VALUESETS } from './coverage';
import { coveredCode } from './covered-codes';
import { resolveGatewaySystem } from './gateway-systems';
import { localTargets, type LocalTarget } from './local-targets';
import { GATEWAY_LOCAL_SYSTEMS, isGatewayLocalSystem, localKindOf, localTypePropertyCode, ownerOf, ownerOfCanonical, type LocalKind } from './municipality';
import { excerpt } from '../errors/excerpt';
import { municipalityGenitive, municipalityNameWithCode } from './kommuner';

/** KL's niveau-3 system of the §119/§140 gateway IGs, and of the home care and nursing gateway. */
const [PREVENTION_GATEWAY_SYSTEM, CARE_GATEWAY_SYSTEM] = GATEWAY_LOCAL_SYSTEMS as [string, string];

export interface RecordingRequest {
  kommunekode?: string;
  /** The local catalog's url, or one of KL's gateway systems (then kommunekode says whose), or absent. */
  system?: string;
  code: string;
  /** KL's niveau-3 system to use; by default the one of the gateway the niveau-2 code is reported to. */
  gatewaySystem?: string;
}

/** What to put in a resource for one local code (bilag 6): the codings, ready to record. */
export interface Recording {
  kommunekode: string;
  source: Coding;
  kind?: LocalKind;
  status: string;
  /** One CodeableConcept per common intervention: with the niveau-3 coding next to it for an intervention. */
  concepts: CodeableConcept[];
  /** A niveau-2 code the local code maps to that is no longer active, with the code(s) that replace it. */
  retiredTargets: RetiredTarget[];
}

export interface RetiredTarget {
  target: Coding;
  status: string;
  replacements: Coding[];
}

/** The targets that are no longer active (retired, inactive, deprecated) in their code system, with their replacements. */
function retiredTargetsOf(registry: TerminologyRegistry, targets: readonly LocalTarget[]): RetiredTarget[] {
  return targets.flatMap((t) => {
    const provider = registry.codeSystemProvider(t.system);
    const concept = provider?.locate(t.code);
    if (!provider || !concept || !provider.isInactive(concept)) return [];
    const target: Coding = { system: t.system, code: t.code, ...(t.display ? { display: t.display } : {}) };
    const replacements = replacementsOf(provider, concept).map((r): Coding => ({ system: t.system, code: r.code, ...(r.display ? { display: r.display } : {}) }));
    return [{ target, status: provider.status(concept), replacements }];
  });
}

const named = (c: Coding) => `${c.code}${c.display ? ` (${c.display})` : ''}`;

/** A warning for each retired niveau-2 target: the gateway takes the code today, but the municipality should remap it. */
export function retiredTargetIssues(localCode: string, retired: readonly RetiredTarget[]): Issue[] {
  return retired.map((r): Issue => {
    const used = { da: `Den lokale kode '${excerpt(localCode)}' er koblet til niveau-2-koden ${named(r.target)}, som har status '${statusNameDa(r.status)}'.`,
      en: `The local code '${excerpt(localCode)}' is mapped to the niveau-2 code ${named(r.target)}, whose status is '${r.status}'.` };
    const instead = r.replacements.length > 0
      ? { da: `Brug i stedet ${r.replacements.map(named).join(' eller ')}, og ret kommunens ConceptMap.`,
        en: `Use ${r.replacements.map(named).join(' or ')} instead, and correct the municipality's ConceptMap.` }
      : { da: 'Koden har ingen afløser; kobl den lokale kode til en aktiv fælleskommunal indsats.',
        en: 'The code has no replacement; map the local code to an active common intervention.' };
    return {
      severity: 'warning', code: 'business-rule', expression: ['code'],
      text: { da: `${used.da} ${instead.da}`, en: `${used.en} ${instead.en}` },
    };
  });
}

function localCatalog(registry: TerminologyRegistry, req: RecordingRequest): { cs: CodeSystem; kommunekode: string } {
  const owner = ownerOfCanonical(req.system);
  if (owner !== undefined) {
    if (req.kommunekode !== undefined && req.kommunekode !== owner) {
      throw FhirError.invalid(`The system ${req.system} belongs to municipality ${owner}, not ${req.kommunekode}`, {
        expression: ['kommunekode'], da: `Systemet ${req.system} tilhører kommune ${owner}, ikke ${req.kommunekode}`,
      });
    }
    const cs = registry.findCodeSystem(req.system!);
    if (!cs) {
      throw FhirError.notFound(`A definition for the code system '${excerpt(req.system)}' could not be found`, {
        txIssueType: 'not-found', expression: ['system'], da: `Kodesystemet '${excerpt(req.system)}' kendes ikke`,
      });
    }
    return { cs, kommunekode: owner };
  }
  if (req.system !== undefined && !isGatewayLocalSystem(req.system)) {
    throw FhirError.invalid(`The system must be a municipality's local catalog (http://faelles-tx.dk/fhir/kommune/…) or KL's ${GATEWAY_LOCAL_SYSTEMS.join(' or ')}, not '${excerpt(req.system)}'`, {
      expression: ['system'],
      da: `Systemet skal være en kommunes lokale katalog (http://faelles-tx.dk/fhir/kommune/…) eller KL's ${GATEWAY_LOCAL_SYSTEMS.join(' eller ')}, ikke '${excerpt(req.system)}'`,
    });
  }
  if (req.kommunekode === undefined) {
    throw FhirError.invalid('Give kommunekode (or the local catalog as system)', { expression: ['kommunekode'], da: 'Angiv kommunekode (eller det lokale katalog som system)' });
  }
  const cs = resolveGatewaySystem(registry, req.kommunekode, req.code);
  if (!cs) {
    const municipality = municipalityNameWithCode(req.kommunekode);
    throw FhirError.notFound(`${municipality.en} has no local catalog with code '${excerpt(req.code)}'`, {
      txIssueType: 'not-found', expression: ['code'], da: `${municipality.da} har intet lokalt katalog med koden '${excerpt(req.code)}'`,
    });
  }
  return { cs, kommunekode: req.kommunekode };
}

/**
 * Whether a niveau-2 target is reported to the §119/§140 gateways: the code it covers (itself, or the code in use
 * for a retired, outgoing or legacy-key target: coveredCode, the rule of $coverage) is in the §119 or §140 catalog,
 * or — a retired code without a successor — it sits under the same paragraph (lovparagraf) as their interventions.
 */
function isPreventionOrRehabilitation(registry: TerminologyRegistry, t: LocalTarget): boolean {
  const covered = coveredCode(registry, t.system, undefined, t.code);
  const catalogs = DEFAULT_COVERAGE_VALUESETS.flatMap((ref) => {
    const vs = registry.findCanonical('ValueSet', ref);
    return vs ? [evaluateValueSet(registry, vs)] : [];
  });
  if (catalogs.some((c) => c.index.has(`${t.system}\u0000${covered}`))) return true;
  const provider = registry.codeSystemProvider(t.system);
  const concept = provider?.locate(t.code);
  const paragraph = provider && concept ? catalogLevels(registry, provider, concept).lovparagraf : undefined;
  if (paragraph === undefined) return false;
  return catalogs.some((c) => c.entries.some((e) => {
    const entryProvider = e.provider ?? registry.codeSystemProvider(e.system, e.version);
    const entryConcept = e.concept ?? entryProvider?.locate(e.code);
    return !e.inactive && entryProvider !== undefined && entryConcept !== undefined && catalogLevels(registry, entryProvider, entryConcept).lovparagraf === paragraph;
  }));
}

function gatewaySystemFor(registry: TerminologyRegistry, t: LocalTarget, asked: string | undefined): string {
  if (asked !== undefined) return asked;
  return isPreventionOrRehabilitation(registry, t) ? PREVENTION_GATEWAY_SYSTEM : CARE_GATEWAY_SYSTEM;
}

/**
 * The codings to record for a local code: an intervention (niveau 3) as its niveau-2 coding with the niveau-3 coding
 * in KL's gateway system next to it (scenario 3); an offer as the common interventions it stands for (scenario 1).
 */
export function localRecording(registry: TerminologyRegistry, req: RecordingRequest): Recording {
  if (req.gatewaySystem !== undefined && !isGatewayLocalSystem(req.gatewaySystem)) {
    throw FhirError.invalid(`gatewaySystem must be one of ${GATEWAY_LOCAL_SYSTEMS.join(', ')}`, { expression: ['gatewaySystem'], da: `gatewaySystem skal være en af ${GATEWAY_LOCAL_SYSTEMS.join(', ')}` });
  }
  const { cs, kommunekode } = localCatalog(registry, req);
  const provider = registry.provider(cs);
  const concept = provider.locate(req.code);
  if (!concept) {
    throw FhirError.notFound(`Unknown code '${excerpt(req.code)}' in the local catalog ${cs.url}|${cs.version ?? ''}`, {
      txIssueType: 'not-found', expression: ['code'], da: `Ukendt kode '${excerpt(req.code)}' i det lokale katalog ${cs.url}|${cs.version ?? ''}`,
    });
  }
  const typeCode = localTypePropertyCode(cs);
  const kind = typeCode ? localKindOf(concept, typeCode) : undefined;
  const source: Coding = { system: cs.url, ...(cs.version ? { version: cs.version } : {}), code: concept.code, ...(concept.display ? { display: concept.display } : {}) };
  const targets = localTargets(registry, cs.url!, concept.code);
  if (targets.length === 0) {
    throw new FhirError(422, 'business-rule',
      `The local code '${concept.code}' is not linked to a common intervention (niveau 2) in ${municipalityGenitive(ownerOf(cs) ?? kommunekode).en} ConceptMap; ` +
      'link it before it is recorded', {
        expression: ['code'],
        da: `Den lokale kode '${concept.code}' er ikke koblet til en fælleskommunal indsats (niveau 2) i ${municipalityGenitive(ownerOf(cs) ?? kommunekode).da} ConceptMap; kobl den, før den registreres`,
      });
  }
  const niveau2 = (t: LocalTarget): Coding => ({ system: t.system, code: t.code, ...(t.display ? { display: t.display } : {}) });
  const concepts = targets.map((t): CodeableConcept => (kind === 'tilbud'
    ? { coding: [niveau2(t)] }
    : { coding: [niveau2(t), { system: gatewaySystemFor(registry, t, req.gatewaySystem), code: concept.code, ...(concept.display ? { display: concept.display } : {}) }] }));
  return { kommunekode, source, ...(kind ? { kind } : {}), status: provider.status(concept), concepts, retiredTargets: retiredTargetsOf(registry, targets) };
}
