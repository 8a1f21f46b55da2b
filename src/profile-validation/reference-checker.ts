import type { ValidationIssue } from './messages';
import type { ElementNode } from './profile-registry';

type Json = Record<string, unknown>;

/** What a reference check needs to know about where the resource is. */
export interface ReferenceContext {
  /** The resource is an entry of a Bundle (aggregation `bundled` can be checked). */
  inBundle: boolean;
  /** The resource a reference points to within the submission (contained, or another entry of the Bundle). */
  resolve(reference: string): Json | undefined;
  /** The resource type a target profile constrains (this server's profiles, or an R4 base definition). */
  profileType(canonical: string): string | undefined;
  /** What a profile canonical is known as: ours and KL's canonical of one profile are the same, a version is not compared. */
  profileKey(canonical: string): string;
}

const BASE = 'http://hl7.org/fhir/StructureDefinition/';
/** `Type/id` at the end of a relative or absolute reference (with an optional `_history/version`). */
const TYPE_ID = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

function typeOfTarget(canonical: string, ctx: ReferenceContext): string | undefined {
  const url = canonical.split('|')[0]!;
  if (url.startsWith(BASE) && /^[A-Z][A-Za-z]+$/.test(url.slice(BASE.length))) return url.slice(BASE.length);
  return ctx.profileType(url);
}

/**
 * A resource the reference resolves to (in the submission) that names its profiles in meta.profile, none of them a
 * target profile of its type: what it claims and what is wanted. Where a target of its type is a base R4 type, or
 * the resource names no profile, nothing is said (which profile it meets is not checked here: profiles/README.md).
 */
function targetOfOtherProfile(targets: readonly string[], type: string, target: Json | undefined, ctx: ReferenceContext): { claimed: string; wanted: string } | undefined {
  const meta = target && typeof target.meta === 'object' && target.meta !== null ? target.meta as Json : undefined;
  const claimed = (meta && Array.isArray(meta.profile) ? meta.profile : []).filter((p): p is string => typeof p === 'string');
  if (claimed.length === 0) return undefined;
  const ofType = targets.filter((t) => typeOfTarget(t, ctx) === type);
  if (ofType.length === 0 || ofType.some((t) => t.split('|')[0] === `${BASE}${type}`)) return undefined;
  const wanted = new Set(ofType.map((t) => ctx.profileKey(t)));
  if (claimed.some((c) => wanted.has(ctx.profileKey(c)))) return undefined;
  return { claimed: claimed.join(', '), wanted: ofType.join(' | ') };
}

/**
 * The resource type a reference points to: the entry or contained resource it resolves to, else its `type`, else the
 * `Type/id` of its url. Undefined for a logical reference (identifier only) or an unresolved `urn:uuid:`.
 */
export function referencedType(value: Json, ctx: ReferenceContext): string | undefined {
  const ref = typeof value.reference === 'string' ? value.reference : undefined;
  const target = ref ? ctx.resolve(ref) : undefined;
  if (target && typeof target.resourceType === 'string') return target.resourceType;
  if (typeof value.type === 'string') return value.type;
  return ref ? TYPE_ID.exec(ref)?.[1] : undefined;
}

/**
 * Checks a Reference against the target types (`type.targetProfile`) and the `bundled` aggregation of the profile's
 * element: the referenced resource must be of one of the target profiles' types, and inside a Bundle an element
 * KL marks `bundled` must point to another entry of the Bundle.
 */
export function checkReference(node: ElementNode, value: unknown, expression: string, ctx: ReferenceContext, source: { en: string; da: string }): ValidationIssue[] {
  const rule = node.reference;
  if (!rule || !value || typeof value !== 'object' || Array.isArray(value)) return [];
  const ref = value as Json;
  const issues: ValidationIssue[] = [];
  const allowed = [...new Set(rule.targetProfiles.map((p) => typeOfTarget(p, ctx)).filter((t): t is string => !!t))];
  const actual = referencedType(ref, ctx);
  if (allowed.length > 0 && actual && !allowed.includes(actual)) {
    const list = allowed.join(' | ');
    issues.push({
      severity: 'error', code: 'structure', expression: [expression],
      text: {
        en: `${node.id}: the reference must point to ${list}, not ${actual} (Reference(${list}) ${source.en})`,
        da: `${node.id}: referencen skal pege på ${list}, ikke ${actual} (Reference(${list}) ${source.da})`,
      },
    });
  }
  const reference = typeof ref.reference === 'string' ? ref.reference : undefined;
  const wrongProfile = actual && allowed.includes(actual) && reference ? targetOfOtherProfile(rule.targetProfiles, actual, ctx.resolve(reference), ctx) : undefined;
  if (wrongProfile) {
    issues.push({
      severity: 'error', code: 'structure', expression: [expression],
      text: {
        en: `${node.id}: the reference points to a ${actual} of the profile ${wrongProfile.claimed}, but must point to one of ${wrongProfile.wanted} (Reference(${wrongProfile.wanted}) ${source.en})`,
        da: `${node.id}: referencen peger på en ${actual} med profilen ${wrongProfile.claimed}, men skal pege på en med ${wrongProfile.wanted} (Reference(${wrongProfile.wanted}) ${source.da})`,
      },
    });
  }
  if (ctx.inBundle && reference && rule.aggregation.length > 0 && !rule.aggregation.includes('referenced')) {
    const contained = reference.startsWith('#');
    const mode = contained ? 'contained' : ctx.resolve(reference) ? 'bundled' : 'referenced';
    if (!rule.aggregation.includes(mode)) {
      const wanted = rule.aggregation.join(', ');
      issues.push({
        severity: 'error', code: 'structure', expression: [expression],
        text: {
          en: `${node.id}: the reference '${reference}' must point to ${rule.aggregation.includes('bundled') ? 'another entry of the Bundle' : 'a contained resource'} (aggregation ${wanted} ${source.en})`,
          da: `${node.id}: referencen '${reference}' skal pege på ${rule.aggregation.includes('bundled') ? 'en anden ressource i samme Bundle' : 'en indlejret ressource'} (aggregering ${wanted} ${source.da})`,
        },
      });
    }
  }
  return issues;
}
