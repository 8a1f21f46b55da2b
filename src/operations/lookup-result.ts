import type { CodeSystem, CodeSystemConcept, CodeSystemConceptDesignation, Coding, ParametersParameter } from 'fhir/r4';
import { ParametersBuilder } from '../fhir/parameters';
import { SerializedResource } from '../fhir/serialized';
import type { CodeSystemProvider, Concept } from '../terminology/providers/provider';
import { codeSystemLanguage, displayFor, languageMatches, PREFERRED_FOR_LANGUAGE } from '../terminology/language';
import { catalogGroupings, catalogLevels } from '../terminology/catalog-levels';
import type { TerminologyRegistry } from '../terminology/registry';
import { replacementsOf } from '../terminology/replacements';
import { conceptInactive } from '../terminology/validation/concept-status';
import { valueField } from '../fhir/choice-value';

/** A property's value as the part of a $lookup answer; none when it has no value (R4 requires one: never a part without). */
function propertyValueParts(p: { [k: string]: unknown }): ParametersParameter | undefined {
  const field = valueField(p);
  if (field === undefined || p[field] === undefined || p[field] === null) return undefined;
  return { name: 'value', [field]: p[field] } as ParametersParameter;
}

/** Whether a property (or designation/definition) is to be returned: all by default and for `*`, else those named. */
function wanted(requested: string[], code: string): boolean {
  return requested.length === 0 || requested.includes('*') || requested.includes(code);
}

/**
 * Which designations are to be returned: all for `designation` (and by default), else those in a language of a
 * `lang.X` asked for, matched as displayLanguage is (languageMatches: `lang.da` gives `da` and `da-DK`, `lang.da-DK`
 * also `da`); undefined when none.
 */
function designationFilter(requested: string[]): ((d: CodeSystemConceptDesignation) => boolean) | undefined {
  if (wanted(requested, 'designation')) return () => true;
  const languages = requested.filter((r) => r.startsWith('lang.')).map((r) => r.slice('lang.'.length));
  if (languages.length === 0) return undefined;
  return (d) => languages.some((l) => languageMatches(l, d.language));
}

function findConcept(concepts: CodeSystemConcept[] | undefined, code: string): CodeSystemConcept | undefined {
  for (const c of concepts ?? []) {
    if (c.code === code) return c;
    const hit = findConcept(c.concept, code);
    if (hit) return hit;
  }
  return undefined;
}

interface SourcedDesignation extends CodeSystemConceptDesignation {
  source?: string;
}

function sameDesignation(a: CodeSystemConceptDesignation, b: CodeSystemConceptDesignation): boolean {
  return a.value === b.value && a.language === b.language && a.use?.code === b.use?.code;
}

/** The concept's designations, those a supplement contributed marked with the supplement as their source. */
function designationsOf(provider: CodeSystemProvider, concept: Concept): SourcedDesignation[] {
  const fromSupplements: SourcedDesignation[] = [];
  for (const s of provider.supplements) {
    const sc = findConcept(s.concept, concept.code);
    if (!sc) continue;
    const source = s.version ? `${s.url}|${s.version}` : s.url;
    if (sc.display && s.language) fromSupplements.push({ language: s.language, value: sc.display, source });
    for (const d of sc.designation ?? []) fromSupplements.push({ ...d, source });
  }
  const own = concept.designations.filter((d) => !fromSupplements.some((s) => sameDesignation(s, d)));
  return [...own, ...fromSupplements];
}

function designationParts(d: SourcedDesignation): ParametersParameter[] {
  const parts: ParametersParameter[] = [];
  if (d.language) parts.push({ name: 'language', valueCode: d.language });
  if (d.use) parts.push({ name: 'use', valueCoding: d.use as Coding });
  if (d.source) parts.push({ name: 'source', valueCanonical: d.source });
  parts.push({ name: 'value', valueString: d.value });
  return parts;
}

/**
 * What a $lookup answer says after the display (definition, designations, properties, supplements used) depends on
 * the provider, the concept and the properties asked for, not on the request's languages: for the default selection
 * it is serialized once per concept and kept, and each answer puts its own head (names, display) before it. At most
 * MAX_PREPARED concepts are kept (all dropped when full), so that a large code system costs time rather than memory.
 */
let prepared = new WeakMap<CodeSystemProvider, Map<string, PreparedParts>>();
let preparedCount = 0;
const MAX_PREPARED = 20_000;

/** The parameters after the display as text (kept as a string: a small kept Buffer would hold an 8 KB pool block) and its UTF-8 length. */
interface PreparedParts {
  text: string;
  bytes: number;
  /** The catalog groupings the niveau and paragraph were found with: another version of the code system may state them. */
  groupings?: object;
}

function preparedParts(registry: TerminologyRegistry, provider: CodeSystemProvider, concept: Concept, requested: string[]): PreparedParts {
  if (requested.length > 0) return partsAfterDisplay(registry, provider, concept, requested);
  let perProvider = prepared.get(provider);
  const kept = perProvider?.get(concept.code);
  if (kept && kept.groupings === catalogGroupings(registry, provider)) return kept;
  if (preparedCount >= MAX_PREPARED) {
    prepared = new WeakMap();
    preparedCount = 0;
    perProvider = undefined;
  }
  if (!perProvider) {
    perProvider = new Map();
    prepared.set(provider, perProvider);
  }
  const parts = { ...partsAfterDisplay(registry, provider, concept, requested), groupings: catalogGroupings(registry, provider) };
  if (!perProvider.has(concept.code)) preparedCount++;
  perProvider.set(concept.code, parts);
  return parts;
}

/** The $lookup answer for a concept: names, display, designations and the requested properties. */
export function lookupResult(registry: TerminologyRegistry, provider: CodeSystemProvider, concept: Concept, requested: string[], languages: string[]): SerializedResource {
  const cs: CodeSystem = provider.resource;
  const head = new ParametersBuilder();
  head.string('name', cs.name ?? cs.title ?? provider.url);
  head.uri('system', provider.url);
  head.string('version', provider.version);
  head.code('code', concept.code);
  // a concept without a display has none to give: an empty string is no FHIR value
  head.string('display', displayFor(provider, concept, languages) || undefined);
  const text = JSON.stringify(head.build());
  // the head's JSON without its closing `]}`, then the prepared parameters (each after a comma) and the closing
  const start = text.slice(0, -2);
  const parts = preparedParts(registry, provider, concept, requested);
  const body = Buffer.allocUnsafe(Buffer.byteLength(start, 'utf8') + parts.bytes + 2);
  let at = body.write(start, 0, 'utf8');
  at += body.write(parts.text, at, 'utf8');
  body.write(']}', at, 'latin1');
  return new SerializedResource([body]);
}

/** The parameters after the display, each JSON preceded by a comma, as UTF-8. */
function partsAfterDisplay(registry: TerminologyRegistry, provider: CodeSystemProvider, concept: Concept, requested: string[]): PreparedParts {
  const out = new ParametersBuilder();
  if (concept.definition && wanted(requested, 'definition')) out.string('definition', concept.definition);
  if (provider.isAbstract(concept)) out.boolean('abstract', true);

  const designationWanted = designationFilter(requested);
  if (designationWanted) {
    const display = concept.display ? [{ language: codeSystemLanguage(provider), use: PREFERRED_FOR_LANGUAGE, value: concept.display }] : [];
    for (const d of [...display, ...designationsOf(provider, concept)]) {
      // R4 requires a designation's value: one without is not answered (a designation part without its value would be none)
      if (d.value && designationWanted(d)) out.part('designation', designationParts(d));
    }
  }

  const defs = new Map(provider.propertyDefinitions.map((d) => [d.code, d]));
  const has = (code: string) => concept.properties.some((p) => p.code === code);
  const addProperty = (code: string, value: ParametersParameter | undefined, description?: string) => {
    if (!value) return;
    const parts: ParametersParameter[] = [{ name: 'code', valueCode: code }, value];
    if (description) parts.push({ name: 'description', valueString: description });
    out.part('property', parts);
  };
  for (const p of concept.properties) {
    if (!wanted(requested, p.code) || p.code === 'parent' || p.code === 'child') continue;
    addProperty(p.code, propertyValueParts(p as unknown as Record<string, unknown>), defs.get(p.code)?.description);
  }
  // properties a code system works out only when asked for by name (UCUM's canonical form)
  for (const def of provider.propertyDefinitions) {
    if (!requested.includes(def.code) || has(def.code)) continue;
    for (const p of provider.propertyValues(concept, def.code)) {
      addProperty(def.code, propertyValueParts(p as unknown as Record<string, unknown>), def.description);
    }
  }
  if (wanted(requested, 'inactive') && !has('inactive')) {
    addProperty('inactive', { name: 'value', valueBoolean: conceptInactive(provider, concept) });
  }
  if (requested.includes('status') && !has('status')) addProperty('status', { name: 'value', valueCode: provider.status(concept) });
  if (wanted(requested, 'parent')) {
    for (const p of concept.parents) addProperty('parent', { name: 'value', valueCode: p.code }, p.display);
  }
  if (wanted(requested, 'child')) {
    for (const c of concept.children) addProperty('child', { name: 'value', valueCode: c.code }, c.display);
  }
  // a code the catalog text does not describe (a retired intervention) still has its niveau and paragraph
  const levels = has('niveau1') ? undefined : catalogLevels(registry, provider, concept);
  if (levels?.fromCatalog && levels.niveau !== undefined && levels.niveau > 1) {
    if (wanted(requested, 'niveau')) addProperty('niveau', { name: 'value', valueInteger: levels.niveau }, defs.get('niveau')?.description);
    if (levels.lovparagraf && wanted(requested, 'lovparagraf')) {
      addProperty('lovparagraf', { name: 'value', valueString: levels.lovparagraf }, defs.get('lovparagraf')?.description);
    }
    if (levels.niveau1 && wanted(requested, 'niveau1')) addProperty('niveau1', { name: 'value', valueCode: levels.niveau1.code }, levels.niveau1.display);
  }
  if (wanted(requested, 'replacedBy') && !has('replacedBy')) {
    for (const r of replacementsOf(provider, concept)) addProperty('replacedBy', { name: 'value', valueCode: r.code }, r.display);
  }
  for (const s of provider.supplements) out.add({ name: 'used-supplement', valueCanonical: s.version ? `${s.url}|${s.version}` : s.url! });
  let text = '';
  for (const p of out.build().parameter ?? []) text += `,${JSON.stringify(p)}`;
  // measuring flattens the text (built by +=, a tree of pieces until then)
  return { text, bytes: Buffer.byteLength(text, 'utf8') };
}
