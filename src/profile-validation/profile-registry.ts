import fs from 'node:fs';
import path from 'node:path';
import type { ElementDefinition, ElementDefinitionConstraint, StructureDefinition } from 'fhir/r4';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import { parseCanonical } from '../terminology/canonical';
import { choiceTypes, rootCursor, step, type TypeCursor } from '../fhir/fhir-model';
import { compileInvariant, type CompiledInvariant } from './invariant-evaluator';
import { TRANSLATION_EXTENSION } from './messages';

export class ProfileLoadError extends Error {}

/**
 * Extension on a profile naming the KL gateway profile it checks submissions for. A resource that claims the KL
 * profile in `meta.profile` is validated against the profile that carries it.
 */
export const KL_PROFILE_EXTENSION = 'http://faelles-tx.dk/fhir/StructureDefinition/kl-source-profile';

export type BindingStrength = 'required' | 'extensible' | 'preferred' | 'example';

/** The discriminator of a sliced element, reduced to what the validator supports: a value at a child path. */
export interface SliceDiscriminator {
  /** Child of each item holding the value, e.g. `system` (Coding) or `url` (Extension). */
  path: string;
}

/** One element of a profile, with the elements below it and its slices. */
export interface ElementNode {
  /** The JSON property name, `value[x]` for a choice. */
  name: string;
  /** The element id (`CarePlan.activity.detail.code.coding:level2`). */
  id: string;
  /** The element path without slice names (`CarePlan.activity.detail.code.coding`). */
  path: string;
  sliceName?: string;
  /** The differential element, when the profile says something about this element itself. */
  def?: ElementDefinition;
  /** Where the element sits in the FHIR model (type of the element). */
  cursor: TypeCursor;
  children: ElementNode[];
  slices: ElementNode[];
  slicing?: { discriminators: SliceDiscriminator[]; closed: boolean };
  /** The value an item must have at the discriminator path to belong to this slice. */
  sliceValue?: string;
  invariants: CompiledInvariant[];
  binding?: { strength: BindingStrength; valueSet: string };
  /** fixed[x] / pattern[x] of the element, as JSON. */
  fixed?: { kind: 'fixed' | 'pattern'; value: unknown; field: string };
  /** A choice element restricted to some of its types: the JSON suffixes allowed (`Period`). */
  allowedTypes?: string[];
  /** The JSON property names of the element (`valueCodeableConcept`, … for a choice), computed on first use. */
  jsonNames?: string[];
  /** A Reference element restricted to target profiles (canonicals), and its aggregation modes. */
  reference?: { targetProfiles: string[]; aggregation: string[] };
}

export interface CompiledProfile {
  resource: StructureDefinition;
  url: string;
  version?: string;
  type: string;
  root: ElementNode;
  /** KL's canonical of the profile this one checks submissions for, when given. */
  klProfile?: string;
  file: string;
}

export function danishOf(element: { extension?: { url?: string; extension?: { url?: string; valueCode?: string; valueString?: string }[] }[] } | undefined): string | undefined {
  for (const e of element?.extension ?? []) {
    if (e.url !== TRANSLATION_EXTENSION) continue;
    const lang = e.extension?.find((x) => x.url === 'lang')?.valueCode;
    const content = e.extension?.find((x) => x.url === 'content')?.valueString;
    if (lang === 'da' && content) return content;
  }
  return undefined;
}

function fail(file: string, where: string, message: string): never {
  throw new ProfileLoadError(`${file}: ${where}: ${message}`);
}

const SEGMENT = /^([A-Za-z][A-Za-z0-9]*(?:\[x\])?)(?::([A-Za-z0-9][A-Za-z0-9_-]*))?$/;

function fixedOf(def: ElementDefinition): ElementNode['fixed'] {
  for (const [field, value] of Object.entries(def)) {
    if (field.startsWith('fixed')) return { kind: 'fixed', value, field };
    if (field.startsWith('pattern')) return { kind: 'pattern', value, field };
  }
  return undefined;
}

function declaredType(def: ElementDefinition | undefined): string | undefined {
  const types = def?.type ?? [];
  return types.length === 1 ? types[0]!.code : undefined;
}

/** Builds the element tree of a profile from its differential; every path is checked against the R4 model. */
function compileProfile(sd: StructureDefinition, file: string): CompiledProfile {
  const type = sd.type;
  const root: ElementNode = { name: type, id: type, path: type, cursor: rootCursor(type), children: [], slices: [], invariants: [] };
  const byId = new Map<string, ElementNode>([[type, root]]);
  const elements = sd.differential?.element ?? [];
  elements.forEach((def, index) => {
    const where = `$.differential.element[${index}]`;
    const id = def.id ?? def.path;
    if (!id) fail(file, where, 'the element has neither id nor path');
    const segments = id.split('.');
    if (segments[0] !== type) fail(file, `${where}.id`, `'${id}' does not start with the profile's type ${type}`);
    if (def.path !== segments.map((s) => s.split(':')[0]).join('.')) {
      fail(file, `${where}.path`, `'${def.path}' does not match the element id '${id}'`);
    }
    let node = root;
    for (let i = 1; i < segments.length; i++) {
      const m = SEGMENT.exec(segments[i]!);
      if (!m) fail(file, `${where}.id`, `'${segments[i]}' is not an element name`);
      const [, name, sliceName] = m as unknown as [string, string, string | undefined];
      const isLast = i === segments.length - 1;
      let child = node.children.find((c) => c.name === name);
      if (!child) {
        const childId = `${node.id}.${name}`;
        const ownDef = !sliceName && isLast ? def : undefined;
        const cursor = step(node.cursor, name, declaredType(ownDef));
        if (!cursor) fail(file, `${where}.id`, `'${childId}' is not an element of ${type} in FHIR R4`);
        child = { name, id: childId, path: `${node.path}.${name}`, cursor, children: [], slices: [], invariants: [] };
        node.children.push(child);
        byId.set(childId, child);
      }
      node = child;
      if (sliceName) {
        let slice = node.slices.find((s) => s.sliceName === sliceName);
        if (!slice) {
          if (!node.slicing) fail(file, `${where}.id`, `slice '${sliceName}' of ${node.id}, which is not sliced (define the slicing first)`);
          const sliceId = `${node.id}:${sliceName}`;
          slice = { name, id: sliceId, path: node.path, sliceName, cursor: node.cursor, children: [], slices: [], invariants: [] };
          node.slices.push(slice);
          byId.set(sliceId, slice);
        }
        node = slice;
      }
    }
    if (node.def) fail(file, `${where}.id`, `'${id}' is defined twice`);
    node.def = def;
    if (node !== root && node.name.endsWith('[x]') && declaredType(def)) {
      const parent = byId.get(id.slice(0, id.lastIndexOf('.')))!;
      const cursor = step(parent.cursor, node.name, declaredType(def));
      if (!cursor) fail(file, `${where}.type`, `${declaredType(def)} is not a type of ${node.path}`);
      node.cursor = cursor;
    }
    if (def.sliceName && def.sliceName !== node.sliceName) fail(file, `${where}.sliceName`, `'${def.sliceName}' does not match the id '${id}'`);
    if (def.slicing) {
      const discriminators = (def.slicing.discriminator ?? []).map((d, j) => {
        if (d.type !== 'value' && d.type !== 'pattern') {
          fail(file, `${where}.slicing.discriminator[${j}].type`, `discriminator type '${d.type}' is not supported (value or pattern)`);
        }
        if (!/^[a-z][A-Za-z]*$/.test(d.path)) fail(file, `${where}.slicing.discriminator[${j}].path`, `'${d.path}' must name one child element`);
        return { path: d.path };
      });
      if (discriminators.length !== 1) fail(file, `${where}.slicing`, 'exactly one discriminator is supported');
      node.slicing = { discriminators, closed: def.slicing.rules === 'closed' };
    }
    if (def.binding) {
      const { strength, valueSet } = def.binding;
      if (!valueSet) fail(file, `${where}.binding.valueSet`, 'a binding must name its ValueSet');
      if (!['required', 'extensible', 'preferred', 'example'].includes(strength)) fail(file, `${where}.binding.strength`, `'${strength}' is not a binding strength`);
      const t = node.cursor.type;
      if (!['Coding', 'CodeableConcept', 'code'].includes(t)) {
        fail(file, `${where}.binding`, `${node.path} is a ${t}; bindings apply to code, Coding and CodeableConcept elements`);
      }
      node.binding = { strength: strength as BindingStrength, valueSet };
    }
    node.fixed = fixedOf(def);
    const types = def.type ?? [];
    if (node.name.endsWith('[x]') && types.length > 1) {
      node.allowedTypes = types.map((t) => t.code.charAt(0).toUpperCase() + t.code.slice(1));
      const parent = byId.get(node.id.slice(0, node.id.lastIndexOf('.')))!;
      const options = choiceTypes(parent.cursor, node.name) ?? [];
      const wrong = node.allowedTypes.find((t) => !options.includes(t));
      if (wrong) fail(file, `${where}.type`, `${wrong} is not a type of ${node.path}`);
    }
    const ref = types.find((t) => t.code === 'Reference' && (t.targetProfile?.length || t.aggregation?.length));
    if (ref) node.reference = { targetProfiles: ref.targetProfile ?? [], aggregation: ref.aggregation ?? [] };
    (def.constraint ?? []).forEach((c: ElementDefinitionConstraint, j) => {
      const cw = `${where}.constraint[${j}]`;
      if (!c.key || !c.human || !c.expression) fail(file, cw, 'a constraint needs key, human and expression');
      if (c.severity !== 'error' && c.severity !== 'warning') fail(file, `${cw}.severity`, `'${c.severity}' must be error or warning`);
      try {
        node.invariants.push(compileInvariant({
          key: c.key, severity: c.severity, expression: c.expression, human: c.human,
          humanDa: danishOf((c as { _human?: Parameters<typeof danishOf>[0] })._human) ?? c.human,
          source: c.source ?? sd.url, contextPath: node === root ? undefined : node.path,
        }));
      } catch (e) {
        fail(file, `${cw}.expression`, `'${c.expression}' is not valid FHIRPath: ${(e as Error).message.split('\n')[0]}`);
      }
    });
  });
  // every slice must say which items it takes: a fixed or pattern value at the discriminator path, or the
  // extension's profile when extensions are sliced by url
  for (const node of byId.values()) {
    if (!node.slicing) continue;
    const discriminator = node.slicing.discriminators[0]!.path;
    for (const slice of node.slices) {
      const at = slice.children.find((c) => c.name === discriminator);
      let value = typeof at?.fixed?.value === 'string' ? at.fixed.value : undefined;
      if (value === undefined && discriminator === 'url') value = slice.def?.type?.[0]?.profile?.[0];
      if (value === undefined) {
        fail(file, `element '${slice.id}'`, `the slice has no fixed value at '${discriminator}', so items cannot be assigned to it`);
      }
      slice.sliceValue = value;
    }
  }
  return { resource: sd, url: sd.url, version: sd.version, type, root, klProfile: klProfileOf(sd), file };
}

function klProfileOf(sd: StructureDefinition): string | undefined {
  return (sd.extension ?? []).find((e) => e.url === KL_PROFILE_EXTENSION)?.valueCanonical;
}

/** A profile already known to compile: its element tree is built when a validation first needs it. */
function compiledOnUse(sd: StructureDefinition, file: string): CompiledProfile {
  let root: ElementNode | undefined;
  return {
    resource: sd, url: sd.url, version: sd.version, type: sd.type, klProfile: klProfileOf(sd), file,
    get root() {
      root ??= compileProfile(sd, file).root;
      return root;
    },
  };
}

function checkHeader(sd: StructureDefinition, file: string, schema: FhirSchemaValidator): void {
  if (sd.resourceType !== 'StructureDefinition') fail(file, '$.resourceType', `'${String(sd.resourceType)}' is not StructureDefinition`);
  const problems = schema.validate(sd);
  if (problems.length > 0) {
    fail(file, problems[0]!.path, `not a valid FHIR R4 StructureDefinition: ${problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
  if (!sd.id) fail(file, '$.id', 'the profile needs an id');
  if (!sd.url) fail(file, '$.url', 'the profile needs a canonical url');
  if (sd.fhirVersion !== '4.0.1') fail(file, '$.fhirVersion', `'${String(sd.fhirVersion)}' is not 4.0.1`);
  if (sd.kind !== 'resource' || sd.derivation !== 'constraint' || sd.abstract) {
    fail(file, '$.kind', 'only non-abstract resource profiles (kind resource, derivation constraint) are supported');
  }
  if (!schema.supports(sd.type)) fail(file, '$.type', `'${sd.type}' is not an R4 resource type`);
  if (sd.baseDefinition !== `http://hl7.org/fhir/StructureDefinition/${sd.type}`) {
    fail(file, '$.baseDefinition', `'${String(sd.baseDefinition)}' must be the R4 base definition of ${sd.type}`);
  }
  if (!sd.differential?.element?.length) fail(file, '$.differential', 'the profile has no differential');
}

/** The profiles the server validates submissions against, loaded once at start from the profiles folder. */
export class ProfileRegistry {
  private indexes?: { byUrl: Map<string, CompiledProfile>; byKlUrl: Map<string, CompiledProfile>; byId: Map<string, CompiledProfile> };

  /** `profiles` as a function: read when the registry is first asked (the build verified them, so reading cannot fail on their content). */
  constructor(private readonly profiles: CompiledProfile[] | (() => CompiledProfile[]) = []) {}

  private index(): NonNullable<ProfileRegistry['indexes']> {
    if (this.indexes) return this.indexes;
    const indexes = { byUrl: new Map<string, CompiledProfile>(), byKlUrl: new Map<string, CompiledProfile>(), byId: new Map<string, CompiledProfile>() };
    for (const p of typeof this.profiles === 'function' ? this.profiles() : this.profiles) {
      indexes.byUrl.set(p.url, p);
      indexes.byId.set(p.resource.id!, p);
      if (p.klProfile) indexes.byKlUrl.set(parseCanonical(p.klProfile).url, p);
    }
    this.indexes = indexes;
    return indexes;
  }

  /** The profile for a canonical (`url` or `url|version`): one of ours by url, or by the KL profile it checks for. */
  find(canonical: string): CompiledProfile | undefined {
    const { url, version } = parseCanonical(canonical);
    const own = this.index().byUrl.get(url);
    if (own) return version === undefined || version === own.version ? own : undefined;
    return this.index().byKlUrl.get(url);
  }

  byResourceId(id: string): CompiledProfile | undefined {
    return this.index().byId.get(id);
  }

  list(): CompiledProfile[] {
    return [...this.index().byUrl.values()];
  }

  private extensions?: ReadonlySet<string>;

  /** The extensions the profiles name: the profile of each element that is an extension or a modifierExtension. */
  extensionUrls(): ReadonlySet<string> {
    if (this.extensions) return this.extensions;
    const urls = new Set<string>();
    for (const { resource } of this.list()) {
      for (const e of [...(resource.snapshot?.element ?? []), ...(resource.differential?.element ?? [])]) {
        if (!/\.(modifierE|e)xtension$/.test(e.path)) continue;
        for (const t of e.type ?? []) for (const url of t.profile ?? []) urls.add(parseCanonical(url).url);
      }
    }
    return (this.extensions = urls);
  }
}

/** The profile files of a folder, in the order they are loaded. */
export function profileFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

/**
 * Reads every `*.json` in the profiles folder: each must be an R4 StructureDefinition (checked with the FHIR
 * schema), constrain a resource, name only R4 elements, and have FHIRPath invariants that compile. A broken file
 * stops the start with a message naming the file and the element. A missing folder means no profiles.
 *
 * `verified`: the build checked these very files this way (profile-verification.ts), so they are only read, when
 * the registry is first asked (the start-up warm-up asks right after the server listens), and each profile is
 * compiled when a validation first needs it — the FHIRPath engine and the R4 model are not loaded until a
 * submission is validated.
 */
export function loadProfiles(dir: string | undefined, schema: FhirSchemaValidator, options: { verified?: boolean } = {}): ProfileRegistry {
  if (!dir || !fs.existsSync(dir)) return new ProfileRegistry();
  const files = profileFiles(dir);
  if (options.verified) {
    return new ProfileRegistry(() => files.map((name) => {
      const sd = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as StructureDefinition;
      return compiledOnUse(sd, path.join(path.basename(dir), name));
    }));
  }
  const profiles: CompiledProfile[] = [];
  const urls = new Map<string, string>();
  const ids = new Map<string, string>();
  for (const name of files) {
    const file = path.join(path.basename(dir), name);
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    } catch (e) {
      throw new ProfileLoadError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new ProfileLoadError(`${file}: not a JSON object`);
    const sd = json as StructureDefinition;
    checkHeader(sd, file, schema);
    if (urls.has(sd.url)) fail(file, '$.url', `'${sd.url}' is already defined by ${urls.get(sd.url)}`);
    if (ids.has(sd.id!)) fail(file, '$.id', `'${sd.id}' is already used by ${ids.get(sd.id!)}`);
    urls.set(sd.url, file);
    ids.set(sd.id!, file);
    profiles.push(compileProfile(sd, file));
  }
  return new ProfileRegistry(profiles);
}
