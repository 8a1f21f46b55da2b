import { excerpt } from '../errors/excerpt';
import { parseCanonical } from '../terminology/canonical';
import { isJsonObject } from '../fhir/json-object';
import type { ValidationIssue } from './messages';

type Json = Record<string, unknown>;

/** A profile an entry of a KL delivery report may conform to: KL's canonical and the resource type it constrains. */
export interface ReportEntryProfile {
  canonical: string;
  type: string;
}

/**
 * KL's delivery report of one paragraph (a Bundle profile of KL's IGs, at the commits profiles/README.md records):
 * a `collection` with a `timestamp`, no `request`, `response` or `search` in its entries, and every entry of one of
 * the paragraph's profiles: `entry.resource only …`, where KL names a resource type rather than its profiles
 * (§140: Condition, CarePlan; care: Observation, Encounter), with the report's invariants that each entry of that
 * type conforms to one of them (gateway-140-report-1/2, gateway-care-report-1/2).
 */
export interface ReportProfile {
  canonical: string;
  name: { en: string; da: string };
  entries: readonly ReportEntryProfile[];
  /**
   * The resource types whose entries KL's report, as published, does not hold to its profiles, with the invariant
   * meant to: the FFB report's `entry.ofType(Condition).all(resource.conformsTo(…))` (also CarePlan, Observation)
   * asks for the entries that are a Condition, and an entry (a Bundle.entry element) never is one, so the rule holds
   * for every report. An entry of such a type conforming to none of its profiles is a warning: KL accepts it.
   */
  unenforced?: Readonly<Record<string, string>>;
  /** `entry.link 0..0` (§119, §140; the care and FFB reports do not say). */
  noEntryLink: boolean;
  /** `entry contains citizen 1..1`, sliced by the resource's profile (§119, §140; the care and FFB reports do not say). */
  citizen?: ReportEntryProfile;
}

const PREVENTION = 'http://fhir.kl.dk/prevention/StructureDefinition/';
const REHAB = 'http://fhir.kl.dk/rehab/StructureDefinition/';
const CARE = 'http://fhir.kl.dk/gateway/StructureDefinition/';
const FFB = 'http://fhir.kl.dk/ffbreporting/StructureDefinition/';

const of = (base: string, entries: [string, string][]): ReportEntryProfile[] => entries.map(([id, type]) => ({ canonical: `${base}${id}`, type }));

export const REPORT_PROFILES: readonly ReportProfile[] = [
  {
    // 119deliveryReport.fsh (kl-gateway-prevention)
    canonical: `${PREVENTION}klgateway-119-delivery-report`, name: { en: '§119 delivery report', da: '§119-indberetningsrapport' },
    entries: of(PREVENTION, [['klgateway-119-condition', 'Condition'], ['klgateway-119-focus-condition', 'Condition'], ['klgateway-119-care-plan', 'CarePlan'],
      ['klgateway-119-planned-intervention', 'CarePlan'], ['klgateway-119-encounter', 'Encounter'], ['klgateway-119-organization', 'Organization'],
      ['klgateway-119-citizen', 'Patient'], ['klgateway-119-servicerequest', 'ServiceRequest']]),
    noEntryLink: true, citizen: { canonical: `${PREVENTION}klgateway-119-citizen`, type: 'Patient' },
  },
  {
    // 140deliveryReport.fsh (kl-gateway-rehab): Condition and CarePlan by gateway-140-report-1/2
    canonical: `${REHAB}klgateway-140-delivery-report`, name: { en: '§140 delivery report', da: '§140-indberetningsrapport' },
    entries: of(REHAB, [['klgateway-140-condition', 'Condition'], ['klgateway-140-focus-condition', 'Condition'], ['klgateway-140-care-plan', 'CarePlan'],
      ['klgateway-140-planned-intervention', 'CarePlan'], ['klgateway-140-encounter', 'Encounter'], ['klgateway-140-organization', 'Organization'],
      ['klgateway-140-citizen', 'Patient'], ['klgateway-140-servicerequest', 'ServiceRequest']]),
    noEntryLink: true, citizen: { canonical: `${REHAB}klgateway-140-citizen`, type: 'Patient' },
  },
  {
    // deliveryReport.fsh (kl-gateway): Observation and Encounter by gateway-care-report-1/2
    canonical: `${CARE}klgateway-care-delivery-report`, name: { en: 'care delivery report', da: 'indberetningsrapport for pleje og omsorg' },
    entries: of(CARE, [['klgateway-care-citizen', 'Patient'], ['klgateway-care-condition', 'Condition'], ['klgateway-care-goal', 'Goal'],
      ['klgateway-care-planned-intervention', 'CarePlan'], ['klgateway-care-completed-intervention', 'Procedure'],
      ['klgateway-care-citizens-own-observation', 'Observation'], ['klgateway-care-matter-of-interest-observation', 'Observation'],
      ['klgateway-care-follow-up-observation', 'Observation'], ['klgateway-care-general-encounter', 'Encounter'], ['klgateway-care-encounter', 'Encounter']]),
    noEntryLink: false,
  },
  {
    // KLReportingFFBDeliveryReport.fsh (kl-ffb-reporting): CarePlan, Condition and Observation by its invariants 1–3,
    // which as published check no entry
    canonical: `${FFB}kl-reporting-ffb-deliveryReport`, name: { en: 'FFB delivery report', da: 'FFB-indberetningsrapport' },
    entries: of(FFB, [['kl-reporting-ffb-citizen', 'Patient'], ['kl-reporting-ffb-serviceRequest', 'ServiceRequest'],
      ['kl-reporting-ffb-informationGathering', 'ClinicalImpression'], ['kl-reporting-ffb-interventionGoal', 'Goal'],
      ['kl-reporting-ffb-servicePerformer', 'CareTeam'], ['kl-reporting-ffb-followUpEncounter', 'Encounter'], ['kl-reporting-ffb-carePlan', 'CarePlan'],
      ['kl-reporting-ffb-intervention', 'CarePlan'], ['kl-reporting-ffb-condition', 'Condition'], ['kl-reporting-ffb-targetGroup', 'Condition'],
      ['kl-reporting-ffb-careEvaluation', 'Observation'], ['kl-reporting-ffb-followUp', 'Observation']]),
    unenforced: { Condition: 'kl-reporting-ffb-delivery-report-1', CarePlan: 'kl-reporting-ffb-delivery-report-2', Observation: 'kl-reporting-ffb-delivery-report-3' },
    noEntryLink: false,
  },
];

/** The profiles a resource names in meta.profile (strings only). */
export function claimedProfiles(resource: Json): string[] {
  const meta = isJsonObject(resource.meta) ? resource.meta : undefined;
  return (meta && Array.isArray(meta.profile) ? meta.profile : []).filter((p): p is string => typeof p === 'string');
}

/** The KL delivery report a Bundle claims to be, by its meta.profile (any version). */
export function reportProfileOf(resource: Json): ReportProfile | undefined {
  if (resource.resourceType !== 'Bundle') return undefined;
  const urls = claimedProfiles(resource).map((p) => parseCanonical(p).url);
  return REPORT_PROFILES.find((r) => urls.includes(r.canonical));
}

/** The KL delivery report a canonical names (any version). */
export function reportProfileNamed(canonical: string): ReportProfile | undefined {
  const { url } = parseCanonical(canonical);
  return REPORT_PROFILES.find((r) => r.canonical === url);
}

export function isReportProfile(canonical: string): boolean {
  return reportProfileNamed(canonical) !== undefined;
}

/** The report's own rules on the Bundle: a collection with a timestamp, its entries without request, response or search. */
export function reportBundleIssues(bundle: Json, expression: string, report: ReportProfile): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const named = report.name;
  // a missing type is R4's own required element, said as such
  if (bundle.type !== undefined && bundle.type !== 'collection') {
    issues.push({
      severity: 'error', code: 'value', expression: [`${expression}.type`],
      text: {
        en: `A ${named.en} is a Bundle of type collection, not '${excerpt(String(bundle.type))}' (KL's ${report.canonical})`,
        da: `En ${named.da} er en Bundle af typen collection, ikke '${excerpt(String(bundle.type))}' (KL's ${report.canonical})`,
      },
    });
  }
  if (bundle.timestamp === undefined) {
    issues.push({
      severity: 'error', code: 'required', expression: [`${expression}.timestamp`],
      text: { en: `A ${named.en} has a timestamp (KL: 1..1)`, da: `En ${named.da} skal have et tidsstempel (timestamp; KL: 1..1)` },
    });
  }
  for (const element of ['identifier', 'total', 'link', 'signature'] as const) {
    if (bundle[element] === undefined) continue;
    issues.push({
      severity: 'error', code: 'structure', expression: [`${expression}.${element}`],
      text: { en: `A ${named.en} has no ${element} (KL: 0..0)`, da: `En ${named.da} må ikke have ${element} (KL: 0..0)` },
    });
  }
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (report.citizen) issues.push(...citizenSliceIssues(entries, expression, report, report.citizen));
  entries.forEach((entry, i) => {
    if (!isJsonObject(entry)) return;
    for (const element of ['request', 'response', 'search', 'link'] as const) {
      if (entry[element] === undefined || (element === 'link' && !report.noEntryLink)) continue;
      issues.push({
        severity: 'error', code: 'structure', expression: [`${expression}.entry[${i}].${element}`],
        text: { en: `An entry of a ${named.en} has no ${element} (KL: 0..0)`, da: `En post i en ${named.da} må ikke have ${element} (KL: 0..0)` },
      });
    }
  });
  return issues;
}

/**
 * `entry contains citizen 1..1`: one entry whose resource is the report's citizen. The slice is told by the resource's
 * profile; as the citizen's is the only profile of its type in the report, an entry of that type naming none of the
 * report's profiles is taken to be meant as the citizen (whether it meets the profile is the entry's own check).
 */
function citizenSliceIssues(entries: unknown[], expression: string, report: ReportProfile, citizen: ReportEntryProfile): ValidationIssue[] {
  const named = report.name;
  const ofReport = new Set(report.entries.map((e) => e.canonical));
  const found: number[] = [];
  entries.forEach((entry, i) => {
    const resource = isJsonObject(entry) && isJsonObject(entry.resource) ? entry.resource : undefined;
    if (!resource) return;
    const claimed = claimedProfiles(resource).map((p) => parseCanonical(p).url);
    const isCitizen = claimed.includes(citizen.canonical) || (resource.resourceType === citizen.type && !claimed.some((c) => ofReport.has(c)));
    if (isCitizen) found.push(i);
  });
  if (found.length === 1) return [];
  if (found.length === 0) {
    return [{
      severity: 'error', code: 'required', expression: [`${expression}.entry`],
      text: {
        en: `A ${named.en} has one entry for the citizen (entry:citizen 1..1, a ${citizen.type} of ${citizen.canonical}), and this one has none`,
        da: `En ${named.da} skal have én post med borgeren (entry:citizen 1..1, en ${citizen.type} efter ${citizen.canonical}), og denne har ingen`,
      },
    }];
  }
  const places = found.map((i) => `${expression}.entry[${i}]`);
  return [{
    severity: 'error', code: 'structure', expression: places.slice(1),
    text: {
      en: `A ${named.en} has one entry for the citizen (entry:citizen 1..1, ${citizen.canonical}), and this one has ${found.length}: ${places.join(', ')}. Send one report per citizen`,
      da: `En ${named.da} skal have én post med borgeren (entry:citizen 1..1, ${citizen.canonical}), og denne har ${found.length}: ${places.join(', ')}. Send én rapport pr. borger`,
    },
  }];
}

/** The resource type a KL profile of a delivery report constrains, where it is one (also those not reproduced here). */
export function reportEntryType(canonical: string): string | undefined {
  const { url } = parseCanonical(canonical);
  for (const r of REPORT_PROFILES) {
    const found = r.entries.find((e) => e.canonical === url);
    if (found) return found.type;
  }
  return undefined;
}
