import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import type { Concept } from '../provider';
import { FhirCodeSystemProvider } from '../fhir-codesystem';
import { lazyResource } from '../../packed/lazy-resource';

export const ISO_3166 = 'urn:iso:std:iso:3166';

interface Iso31661Entry {
  name: string;
  alpha2: string;
  alpha3: string;
  numeric: string;
}

const USER_ASSIGNED = 'User-assigned';

/**
 * ISO 3166-1's user-assigned alpha-2 code elements (AA, QM–QZ, XA–XZ, ZZ): the standard leaves their meaning to
 * its users, so they are valid codes with no fixed name.
 */
function userAssignedAlpha2(): string[] {
  const range = (first: string, from: string, to: string) => {
    const out: string[] = [];
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) out.push(first + String.fromCharCode(c));
    return out;
  };
  return ['AA', ...range('Q', 'M', 'Z'), ...range('X', 'A', 'Z'), 'ZZ'];
}

const USER_ASSIGNED_CODES = new Set(userAssignedAlpha2());

/** Every country as its alpha-2, alpha-3 and numeric code, with ISO's English short name (iso-3166), and the user-assigned codes. */
function concepts(): CodeSystemConcept[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { iso31661 } = require('iso-3166') as { iso31661: Iso31661Entry[] };
  const out: CodeSystemConcept[] = [];
  for (const c of iso31661) {
    for (const code of [c.alpha2, c.alpha3, c.numeric]) out.push({ code, display: c.name });
  }
  for (const code of USER_ASSIGNED_CODES) out.push({ code, display: USER_ASSIGNED });
  return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

const KEYS = ['resourceType', 'id', 'url', 'version', 'name', 'title', 'status', 'publisher', 'description', 'language',
  'caseSensitive', 'content', 'count', 'concept'];

/**
 * The ISO 3166-1 code system (`urn:iso:std:iso:3166`), its concepts made from the iso-3166 package when first used.
 * The version is 2018, the label the FHIR terminology ecosystem uses for this code system; the names are ISO's
 * current English short names.
 */
export function iso3166CodeSystem(): CodeSystem {
  const eager = { resourceType: 'CodeSystem', id: 'iso3166', url: ISO_3166, version: '2018' };
  return lazyResource<CodeSystem>(KEYS, eager, () => {
    const concept = concepts();
    return {
      ...eager,
      name: 'ISO3166Part1',
      title: 'ISO 3166-1 codes for the representation of names of countries',
      status: 'active',
      publisher: 'ISO',
      description: 'Country codes (alpha-2, alpha-3 and numeric) of ISO 3166-1, with the user-assigned alpha-2 codes',
      language: 'en',
      caseSensitive: true,
      content: 'complete',
      count: concept.length,
      concept,
    };
  });
}

/** ISO 3166-1, where the user-assigned codes take their displays from supplements (the standard gives them none). */
export class Iso3166Provider extends FhirCodeSystemProvider {
  constructor(resource: CodeSystem, supplements: readonly CodeSystem[] = []) {
    super(resource, supplements);
    // a supplement's display of a user-assigned code is a name of it, in whatever language the supplement has
    for (const s of supplements) {
      if (s.language) continue;
      for (const c of s.concept ?? []) {
        const concept = this.locate(c.code);
        if (concept && c.display && USER_ASSIGNED_CODES.has(concept.code)) {
          (concept.designations as { value: string }[]).push({ value: c.display });
        }
      }
    }
  }

  displayIsFixed(concept: Concept): boolean {
    return !USER_ASSIGNED_CODES.has(concept.code);
  }
}
