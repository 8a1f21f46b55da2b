/**
 * The FHIR R4 model of the `fhirpath` package: element types by path. Used to check the paths a profile names,
 * to tell Coding, CodeableConcept and code elements apart when checking bindings, and to find the elements FHIR R4
 * requires (base-elements.ts, for $validate and writes). Read on first use (a few MB of tables).
 */
let model: FhirModel | undefined;

export function r4Model(): FhirModel {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  model ??= require('fhirpath/fhir-context/r4') as FhirModel;
  return model;
}

export interface FhirModel {
  version: 'r4';
  path2Type: Record<string, string>;
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  type2Parent: Record<string, string>;
}

const BACKBONE = new Set(['BackboneElement', 'Element']);

/** Where the next step of a path is looked up: a full path for backbone elements, a type name otherwise. */
export interface TypeCursor {
  /** Key prefix for path2Type: `CarePlan.activity` (backbone) or `CodeableConcept` (data type). */
  base: string;
  /** The FHIR type at this point (`BackboneElement` for backbone elements). */
  type: string;
}

export function rootCursor(resourceType: string): TypeCursor {
  return { base: resourceType, type: resourceType };
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The possible types of a choice element (`value[x]`), as JSON suffixes (`CodeableConcept`, `String`, …). */
export function choiceTypes(cursor: TypeCursor, name: string): string[] | undefined {
  const base = name.endsWith('[x]') ? name.slice(0, -3) : name;
  return r4Model().choiceTypePaths[`${cursor.base}.${base}`];
}

/**
 * One step along a path. For a choice element `declaredType` names the type chosen (`CodeableConcept`);
 * undefined when the element does not exist in R4.
 */
export function step(cursor: TypeCursor, name: string, declaredType?: string): TypeCursor | undefined {
  let key = `${cursor.base}.${name}`;
  if (name.endsWith('[x]')) {
    const options = choiceTypes(cursor, name);
    if (!options) return undefined;
    if (!declaredType) return { base: key, type: '*' };
    const suffix = upperFirst(declaredType);
    if (!options.includes(suffix)) return undefined;
    key = `${cursor.base}.${name.slice(0, -3)}${suffix}`;
  }
  const r4 = r4Model();
  const elsewhere = r4.pathsDefinedElsewhere[key];
  if (elsewhere) return { base: elsewhere, type: 'BackboneElement' };
  let type = r4.path2Type[key];
  // elements every element or resource has (id, extension, meta, …) are recorded once, on the base types
  type ??= r4.path2Type[`Element.${name}`] ?? r4.path2Type[`BackboneElement.${name}`] ?? r4.path2Type[`DomainResource.${name}`] ?? r4.path2Type[`Resource.${name}`];
  if (!type) return undefined;
  if (BACKBONE.has(type)) return { base: key, type };
  return { base: type, type };
}

/** The choice elements of a type (a backbone element's path), as `value[x]`, each with its JSON property names. */
export function choiceElementsOf(cursor: TypeCursor): { name: string; json: string[] }[] {
  const prefix = `${cursor.base}.`;
  const out: { name: string; json: string[] }[] = [];
  for (const [path, types] of Object.entries(r4Model().choiceTypePaths)) {
    if (!path.startsWith(prefix) || path.indexOf('.', prefix.length) >= 0) continue;
    const base = path.slice(prefix.length);
    out.push({ name: `${base}[x]`, json: types.map((t) => `${base}${t}`) });
  }
  return out;
}

/** The JSON property names a choice element may take in an instance (`valueCodeableConcept`, …). */
export function choiceJsonNames(cursor: TypeCursor, name: string): string[] {
  const base = name.slice(0, -3);
  return (choiceTypes(cursor, name) ?? []).map((t) => `${base}${t}`);
}
