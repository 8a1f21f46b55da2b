import { issueText } from '../errors/issue';
import { WRITABLE_TYPES } from '../store/store-support';
import type { ResourceSet } from '../terminology/resource-set';
import { idOwner, idOwnershipIssue } from './id-ownership';
import { foreignSupplement } from '../municipal/write-rules';
import { publishedCanonicalIssue } from './published-canonicals';

/**
 * The written resources a store may hold from before the write rules refused them, found at start: a version of a
 * published catalog's canonical is taken out of the served layer (the published catalog is again what every request
 * gets, and what the start-up check of the examples sees), and so is a municipality's supplement of a catalog it does
 * not own (it would change every caller's answers); another municipality's resource in a kommune-{kode}-… id
 * stays served (the id's municipality can overwrite it). Returns one line each for the log; an admin token can
 * delete them from the store.
 */
export function withdrawWrittenRuleBreaches(written: ResourceSet, published: ResourceSet): string[] {
  const out: string[] = [];
  for (const type of WRITABLE_TYPES) {
    for (const resource of written.list(type)) {
      const id = resource.id ?? '';
      const reserved = resource.url ? publishedCanonicalIssue(type, resource.url, published) : undefined;
      const supplement = resource.resourceType === 'CodeSystem' ? foreignSupplement(resource) : undefined;
      if (reserved || supplement) {
        written.remove(resource);
        out.push(`${type}/${id} is not served: ${reserved ? issueText(reserved) : supplement!.en}`);
      }
      const foreign = idOwnershipIssue(type, id, idOwner(id, undefined), resource);
      if (foreign) out.push(`${type}/${id}: ${issueText(foreign)}`);
    }
  }
  return out;
}
