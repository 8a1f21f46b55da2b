import type { Principal } from '../auth/verifier';
import { FhirError } from '../errors/fhir-error';
import { KOMMUNE_BASE, resourceKommunekoder } from '../municipal/municipality';
import type { TerminologyResource } from '../terminology/resource-set';
import { municipalityGenitive } from '../municipal/kommuner';

/** Whether the principal may write a resource that is (or becomes) this one; throws 403 otherwise. */
export function authorize(principal: Principal, resource: TerminologyResource | undefined, what: string): void {
  if (resource) authorizeKommunekoder(principal, resourceKommunekoder(resource), what);
}

/** Whether the principal may write what belongs to these municipalities (none: the common catalogs); throws 403 otherwise. */
export function authorizeKommunekoder(principal: Principal, own: readonly string[], what: string): void {
  if (principal.admin) return;
  if (own.length === 0) {
    const mine = principal.kommunekode;
    throw new FhirError(403, 'forbidden', `${what} is a common catalog resource; writing the common catalogs needs a token with the admin scope`
      + (mine ? ` (a resource of municipality ${mine} has a url under ${KOMMUNE_BASE}${mine}/ or its kommunekode identifier)` : ''),
      { da: `${what} hører til de fælleskommunale kataloger; dem kan kun en administrator ændre.`
        + (mine ? ` En ressource fra kommune ${mine} har en url under ${KOMMUNE_BASE}${mine}/ eller kommunens kommunekode-identifier.` : '') });
  }
  if (!principal.kommunekode) {
    throw new FhirError(403, 'forbidden', `The token names no municipality (claim kommunekode), so it cannot write ${what} of municipality ${own.join(', ')}`,
      { da: `Dit token gælder ingen bestemt kommune, så det kan ikke ændre ${what} (kommune ${own.join(', ')}).` });
  }
  const foreign = own.filter((k) => k !== principal.kommunekode);
  if (foreign.length > 0) {
    throw new FhirError(403, 'forbidden', `${what} belongs to municipality ${foreign.join(', ')}; the token may write only ${municipalityGenitive(principal.kommunekode).en} resources`,
      { da: `${what} tilhører kommune ${foreign.join(', ')}; dit token må kun ændre ${municipalityGenitive(principal.kommunekode).da} kataloger.` });
  }
}
