import type { Bilingual } from '../errors/issue';
import type { RuleIssue } from '../municipal/rule-issues';
import { ownerOf, reservedIdKommunekode, resourceKommunekoder } from '../municipal/municipality';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { municipalityGenitive } from '../municipal/kommuner';

/**
 * Who an id belongs to, and so who may write it and whose resources it may hold:
 * - an id `kommune-{kommunekode}-…` belongs to that municipality, whatever it holds or held;
 * - any other id belongs to the owner (a municipality, or the common catalogs) of its last version that is not a
 *   delete: the current resource, or the one before the delete. An id keeps its owner for its whole history.
 * An id never written belongs to nobody yet (undefined).
 */
export type IdOwner =
  | { by: 'id'; kommunekode: string }
  | { by: 'version'; resource: TerminologyResource };

/** `lastLive`: the id's current resource, or, when it is deleted, its last version before the delete. */
export function idOwner(id: string, lastLive: TerminologyResource | undefined): IdOwner | undefined {
  const kommunekode = reservedIdKommunekode(id);
  if (kommunekode !== undefined) return { by: 'id', kommunekode };
  return lastLive ? { by: 'version', resource: lastLive } : undefined;
}

/** The municipalities whose tokens may write the id (empty: the common catalogs, the admin scope only). */
export function idOwnerKommunekoder(owner: IdOwner): string[] {
  return owner.by === 'id' ? [owner.kommunekode] : resourceKommunekoder(owner.resource);
}

function ownerDa(kommunekode: string | undefined): string {
  return kommunekode === undefined ? 'de fælles kataloger' : `kommune ${kommunekode}`;
}

function ownerEn(kommunekode: string | undefined): string {
  return kommunekode === undefined ? 'the common catalogs' : `municipality ${kommunekode}`;
}

/**
 * The issue when `resource` (written to `type/id`) does not belong to the id's owner. It holds for every token,
 * the admin scope too: the rule is about what an id holds, not about who writes.
 */
export function idOwnershipIssue(type: TerminologyType, id: string, owner: IdOwner | undefined, resource: TerminologyResource): RuleIssue | undefined {
  if (!owner) return undefined;
  const holder = ownerOf(resource);
  const expected = owner.by === 'id' ? owner.kommunekode : ownerOf(owner.resource);
  if (holder === expected) return undefined;
  const text = owner.by === 'id'
    ? {
      en: `The id ${id} is reserved for ${municipalityGenitive(owner.kommunekode).en} resources; this ${type} belongs to ${ownerEn(holder)}`,
      da: `Id'et ${id} er forbeholdt ${municipalityGenitive(owner.kommunekode).da} ressourcer; denne ${type} tilhører ${ownerDa(holder)}.`,
    }
    : keepsOwnerText(type, id, expected, holder, owner.resource.meta?.versionId);
  return { severity: 'error', code: 'business-rule', text, expression: [`${type}.id`] };
}

function keepsOwnerText(type: TerminologyType, id: string, expected: string | undefined, holder: string | undefined, version: string | undefined): Bilingual {
  const at = version ? ` (version ${version})` : '';
  return {
    en: `${type}/${id} belongs to ${ownerEn(expected)}${at}, while this ${type} belongs to ${ownerEn(holder)}: an id keeps its owner, also after a delete; use another id`,
    da: `${type}/${id} tilhører ${ownerDa(expected)}${at}, mens denne ${type} tilhører ${ownerDa(holder)}: et id skifter ikke ejer, heller ikke efter en sletning; brug et andet id.`,
  };
}
