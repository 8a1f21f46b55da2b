import type { Extension, ValueSetExpansionContains } from 'fhir/r4';
import type { ExpansionEntry } from '../compose/result';
import { chooseDisplay, designationWanted, type LanguagePreference } from './display';
import type { HierarchyNode } from './hierarchy';
import { entryExtensions, entryProperties, PropertyDeclarations, type ContainsProperty, type PropertySource } from './properties';

/** R4 carries the R5 expansion property elements as these extensions. */
export const EXPANSION_PROPERTY_EXT = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.property';
export const CONTAINS_PROPERTY_EXT = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property';

export interface RenderOptions {
  languages?: LanguagePreference;
  includeDesignations: boolean;
  /** `designation` parameters: which designations to include. */
  designations: readonly string[];
  /** `property` parameters. */
  properties: readonly string[];
  /** Properties that come from elsewhere than the code's code system. */
  propertySource?: PropertySource;
  /** Whether each code states the code system version it comes from. */
  withVersion: boolean;
}

function propertyExtension(p: ContainsProperty): Extension {
  return { url: CONTAINS_PROPERTY_EXT, extension: [{ url: 'code', valueCode: p.code }, { url: 'value', ...p.value } as Extension] };
}

/** A code as an expansion shows it (without the codes under it), and the property declarations it made, in order. */
interface RenderedCode {
  contains: ValueSetExpansionContains;
  /** [code asked for, uri, code the expansion used]. */
  declared: readonly (readonly [string, string | undefined, string])[];
}

/**
 * Codes rendered once per set of render options: typeahead and pickers show the same codes over and over. At most
 * MAX_RENDERED_CODES codes are kept (emptied when full), so that large value sets cost time rather than memory: the
 * 98 municipalities' pickers alone are some 200,000 codes. The rendered objects are shared between answers, so
 * nothing may change them.
 */
const renderedCodes = new Map<ExpansionEntry, Map<string, RenderedCode>>();
const MAX_RENDERED_CODES = 20_000;

/** A number per property source, for the render options key (a source must give the same values for the same entry). */
const sourceIds = new WeakMap<PropertySource, number>();

function optionsKey(o: RenderOptions): string {
  let source = 0;
  if (o.propertySource) {
    source = sourceIds.get(o.propertySource) ?? (sourceIds.set(o.propertySource, ++sourceCount), sourceCount);
  }
  const languages = o.languages ? `${o.languages.tags.join(',')}${o.languages.fallback ? '+' : '-'}` : '';
  return `${languages}|${o.includeDesignations ? 1 : 0}${o.withVersion ? 1 : 0}|${o.designations.join(',')}|${o.properties.join(',')}|${source}`;
}
let sourceCount = 0;
const MAX_OPTION_SETS = 8;

/** A code's JSON as an expansion shows it (without the codes under it), for one set of render options. */
interface RenderedJson {
  key: string;
  json: string;
  declared: RenderedCode['declared'];
}

/**
 * The codes' JSON, for answers assembled as text (renderJson): one string per code, the latest render options only.
 * Strings cost the garbage collector nothing to trace, so many more are kept than rendered objects: up to
 * MAX_RENDERED_JSON_CHARS characters (emptied when full), enough for the 98 municipalities' pickers.
 */
const renderedJson = new Map<ExpansionEntry, RenderedJson>();
const MAX_RENDERED_JSON_CHARS = 96 * 1024 * 1024;
let renderedJsonChars = 0;

/** Records the declarations made while one code is rendered, passing them on. */
class RecordingDeclarations extends PropertyDeclarations {
  readonly declared: [string, string | undefined, string][] = [];

  constructor(private readonly target: PropertyDeclarations) {
    super();
  }

  override declare(code: string, uri: string | undefined): string {
    const used = this.target.declare(code, uri);
    this.declared.push([code, uri, used]);
    return used;
  }
}

/** Renders expansion entries (nested or flat) to `ValueSet.expansion.contains`, collecting the property definitions used. */
export class ContainsRenderer {
  readonly declarations = new PropertyDeclarations();
  private readonly key: string;

  constructor(private readonly options: RenderOptions) {
    this.key = optionsKey(options);
  }

  render(nodes: readonly HierarchyNode[]): ValueSetExpansionContains[] {
    return nodes.map((n) => this.renderNode(n));
  }

  private renderNode(node: HierarchyNode): ValueSetExpansionContains {
    const code = this.renderedCode(node.entry);
    return node.children.length > 0 ? { ...code, contains: this.render(node.children) } : code;
  }

  /**
   * The same as JSON.stringify(render(nodes)) without its brackets, assembled from each code's JSON: a node with
   * children is its code's object with `contains` as the last element, as renderNode makes it.
   */
  renderJson(nodes: readonly HierarchyNode[]): string {
    let out = '';
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const code = this.codeJson(node.entry);
      if (i > 0) out += ',';
      if (node.children.length === 0) out += code;
      else out += `${code.length > 2 ? `${code.slice(0, -1)},` : '{'}"contains":[${this.renderJson(node.children)}]}`;
    }
    return out;
  }

  private codeJson(e: ExpansionEntry): string {
    const kept = renderedJson.get(e);
    if (kept && kept.key === this.key && kept.declared.every(([code, uri, used]) => this.declarations.declare(code, uri) === used)) return kept.json;
    const recording = new RecordingDeclarations(this.declarations);
    const json = JSON.stringify(this.renderCode(e, recording));
    if (kept) renderedJsonChars -= kept.json.length;
    else if (renderedJsonChars + json.length > MAX_RENDERED_JSON_CHARS) {
      renderedJson.clear();
      renderedJsonChars = 0;
    }
    renderedJson.set(e, { key: this.key, json, declared: recording.declared });
    renderedJsonChars += json.length;
    return json;
  }

  /** The code as rendered before with these options, when its property declarations come out the same here. */
  private renderedCode(e: ExpansionEntry): ValueSetExpansionContains {
    let perOptions = renderedCodes.get(e);
    const kept = perOptions?.get(this.key);
    if (kept && kept.declared.every(([code, uri, used]) => this.declarations.declare(code, uri) === used)) return kept.contains;
    const recording = new RecordingDeclarations(this.declarations);
    const contains = this.renderCode(e, recording);
    if (!perOptions) {
      if (renderedCodes.size >= MAX_RENDERED_CODES) renderedCodes.clear();
      perOptions = new Map();
      renderedCodes.set(e, perOptions);
    }
    // the options come from the request (languages, properties): keep a few sets of them per code, not any number
    if (perOptions.size >= MAX_OPTION_SETS) perOptions.clear();
    perOptions.set(this.key, { contains, declared: recording.declared });
    return contains;
  }

  private renderCode(e: ExpansionEntry, declarations: PropertyDeclarations): ValueSetExpansionContains {
    const c: ValueSetExpansionContains = {};
    const extensions = [...entryExtensions(e), ...entryProperties(e, this.options.properties, declarations, this.options.propertySource).map(propertyExtension)];
    if (extensions.length > 0) c.extension = extensions;
    c.system = e.system;
    if (e.abstract) c.abstract = true;
    if (e.inactive) c.inactive = true;
    if (this.options.withVersion && e.version) c.version = e.version;
    c.code = e.code;
    const choice = chooseDisplay(e, this.options.languages);
    if (choice.display) c.display = choice.display;
    if (this.options.includeDesignations) {
      const designations = choice.designations.filter((d) => designationWanted(d, this.options.designations));
      if (designations.length > 0) c.designation = designations;
    }
    return c;
  }

  /** The `ValueSet.expansion.property` declarations, as R4 extensions. */
  propertyExtensions(): Extension[] {
    return this.declarations.list.map((d) => ({
      url: EXPANSION_PROPERTY_EXT,
      extension: [{ url: 'code', valueCode: d.code }, ...(d.uri ? [{ url: 'uri', valueUri: d.uri }] : [])],
    }));
  }
}
