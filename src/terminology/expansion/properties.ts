import type { CodeSystemConceptProperty, Extension } from 'fhir/r4';
import { valueField } from '../../fhir/choice-value';
import type { ExpansionEntry } from '../compose/evaluator';
import { standardsStatus } from '../valueset-extensions';

const CONCEPT_PROPERTIES = 'http://hl7.org/fhir/concept-properties#';
const EXT = 'http://hl7.org/fhir/StructureDefinition/';

/** A property value of one code in the expansion (R5 ValueSet.expansion.contains.property). */
export interface ContainsProperty {
  code: string;
  /** The value, as the `value[x]` element it is written as (e.g. `{ valueCode: 'retired' }`). */
  value: Record<string, unknown>;
}

/** Properties an expansion can show that no code system states (e.g. a local code's map targets); undefined when it does not know the name. */
export type PropertySource = (entry: ExpansionEntry, name: string) => (ContainsProperty & { uri?: string })[] | undefined;

/** The property definitions an expansion declares (R5 ValueSet.expansion.property), collected as codes use them. */
export class PropertyDeclarations {
  readonly list: { code: string; uri?: string }[] = [];
  /** How many times a declaration changed the list: while it stays the same, the same declarations give the same codes. */
  changes = 0;

  /** Declares a property and returns the code the expansion uses for it. */
  declare(code: string, uri: string | undefined): string {
    const existing = this.list.find((d) => (uri !== undefined && d.uri === uri) || d.code === code);
    if (existing) {
      if (!existing.uri && uri) {
        existing.uri = uri;
        this.changes++;
      }
      return existing.code;
    }
    this.changes++;
    this.list.push(uri ? { code, uri } : { code });
    return code;
  }
}

function lastExtension(extensions: readonly Extension[] | undefined, url: string): Extension | undefined {
  return [...(extensions ?? [])].reverse().find((e) => e.url === url);
}

function numberOf(ext: Extension | undefined): number | undefined {
  if (!ext) return undefined;
  const v = ext.valueDecimal ?? ext.valueInteger ?? (ext.valueString !== undefined ? Number(ext.valueString) : undefined);
  return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
}

function valueOf(p: CodeSystemConceptProperty): Record<string, unknown> | undefined {
  const field = valueField(p);
  const v = field === undefined ? undefined : (p as unknown as Record<string, unknown>)[field];
  return v === undefined ? undefined : { [field!]: v };
}

/**
 * The properties shown for one code: its status when not active, label / order / weight given by extensions in
 * the code system or the value set, and the properties the request names (`property`; `*` for all of them).
 */
export function entryProperties(
  entry: ExpansionEntry, requested: readonly string[], declarations: PropertyDeclarations, source?: PropertySource,
): ContainsProperty[] {
  const out: ContainsProperty[] = [];
  const set = (code: string, uri: string | undefined, value: Record<string, unknown>, repeatable = false): void => {
    const used = declarations.declare(code, uri);
    const same = out.findIndex((p) => p.code === used);
    if (same >= 0 && !repeatable) out[same] = { code: used, value };
    else if (!out.some((p) => p.code === used && JSON.stringify(p.value) === JSON.stringify(value))) out.push({ code: used, value });
  };
  const { concept, provider } = entry;
  if (concept && provider) {
    const status = standardsStatus(concept.extensions) ?? provider.status(concept);
    if (status && status.toLowerCase() !== 'active') set('status', `${CONCEPT_PROPERTIES}status`, { valueCode: status });
  } else if (entry.stored?.inactive) {
    set('status', `${CONCEPT_PROPERTIES}status`, { valueCode: 'inactive' });
  }

  const csExt = concept?.extensions ?? [];
  const vsExt = entry.composeExtensions ?? [];
  const label = lastExtension(vsExt, `${EXT}valueset-label`) ?? lastExtension(csExt, `${EXT}codesystem-label`);
  if (label?.valueString !== undefined) set('label', `${CONCEPT_PROPERTIES}label`, { valueString: label.valueString });
  const order = numberOf(lastExtension(vsExt, `${EXT}valueset-conceptOrder`)) ?? numberOf(lastExtension(csExt, `${EXT}codesystem-conceptOrder`));
  if (order !== undefined) set('order', `${CONCEPT_PROPERTIES}order`, { valueDecimal: order });
  const weight = numberOf(lastExtension(vsExt, `${EXT}itemWeight`)) ?? numberOf(lastExtension(csExt, `${EXT}itemWeight`));
  if (weight !== undefined) set('weight', `${CONCEPT_PROPERTIES}itemWeight`, { valueDecimal: weight });

  if (!concept || !provider) return withSourced(entry, requested, source, set, out);
  const uriOf = (code: string): string | undefined => provider.propertyDefinitions.find((d) => d.code === code)?.uri;
  for (const name of requested) {
    if (name === 'definition') {
      if (concept.definition) set('definition', `${CONCEPT_PROPERTIES}definition`, { valueString: concept.definition });
      continue;
    }
    if (name === 'parent' || name === 'child') {
      for (const c of name === 'parent' ? concept.parents : concept.children) set(name, `${CONCEPT_PROPERTIES}${name}`, { valueCode: c.code }, true);
      continue;
    }
    const values = name === '*' ? concept.properties : provider.propertyValues(concept, name);
    for (const p of values) {
      const value = valueOf(p);
      if (value) set(p.code, uriOf(p.code), value, true);
    }
  }
  return withSourced(entry, requested, source, set, out);
}

function withSourced(
  entry: ExpansionEntry, requested: readonly string[], source: PropertySource | undefined,
  set: (code: string, uri: string | undefined, value: Record<string, unknown>, repeatable?: boolean) => void, out: ContainsProperty[],
): ContainsProperty[] {
  for (const name of requested) for (const p of source?.(entry, name) ?? []) set(p.code, p.uri, p.value, true);
  return out;
}

/** Extensions of a code system concept or a compose concept reference that an expansion carries to its codes. */
const CARRIED_FROM_CODE_SYSTEM = ['coding-sctdescid', 'rendering-style', 'rendering-xhtml', 'codesystem-alternate'].map((u) => EXT + u);
const CARRIED_FROM_VALUE_SET = [
  'valueset-supplement', 'valueset-deprecated', 'structuredefinition-standards-status', 'valueset-concept-definition',
  'coding-sctdescid', 'rendering-style', 'rendering-xhtml',
].map((u) => EXT + u);

export function entryExtensions(entry: ExpansionEntry): Extension[] {
  const byUrl = new Map<string, Extension>();
  for (const e of entry.concept?.extensions ?? []) if (CARRIED_FROM_CODE_SYSTEM.includes(e.url)) byUrl.set(e.url, e);
  for (const e of entry.composeExtensions ?? []) if (CARRIED_FROM_VALUE_SET.includes(e.url)) byUrl.set(e.url, e);
  return [...byUrl.values()];
}
