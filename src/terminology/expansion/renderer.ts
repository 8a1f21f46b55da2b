import type { Extension, ValueSetExpansionContains } from 'fhir/r4';
import { LocatingEntry, type ExpansionEntry } from '../compose/result';
import { chooseDisplay, designationWanted, type LanguagePreference } from './display';
import type { HierarchyNode } from './hierarchy';
import { entryExtensions, entryProperties, PropertyDeclarations, type ContainsProperty, type PropertySource } from './properties';
import { BoundedMap } from '../bounded-map';
import { keptBytes, keepText } from './kept-bytes';
import type { TreeLayout } from './tree-layout';
import { WeakList } from './weak-list';
import type { ByteWriter } from '../../fhir/byte-writer';

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
 * Codes rendered once per set of render options (Scope.objects): typeahead and pickers show the same codes over and
 * over. At most MAX_RENDERED_CODES codes are kept in all (emptied when full), so that large value sets cost time
 * rather than memory: the 98 municipalities' pickers alone are some 200,000 codes. The rendered objects are shared
 * between answers, so nothing may change them.
 */
const MAX_RENDERED_CODES = 20_000;
let renderedCodeCount = 0;

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
/** The options come from the request (languages, properties): a few sets of them are kept per code, not any number. */
const MAX_OPTION_SETS = 8;

type Declared = RenderedCode['declared'];

/**
 * A code's JSON as an expansion shows it (without the codes under it), for one set of render options, as UTF-8 in two
 * parts: `{"extension":[…]` (the code's properties and extensions, the same text for many codes: shared) and the rest
 * (`,"system":…}`, its own).
 */
interface RenderedJson {
  key: string;
  shared?: SharedPart;
  /** Where the own part's bytes are kept (a place in a slab, not a view: see kept-bytes.ts). */
  slab: ArrayBuffer;
  start: number;
  length: number;
  declared: Declared;
}

/** A layout's codes' JSON in its order, for one set of render options. */
interface LayoutJson {
  key: string;
  codes: (RenderedJson | undefined)[];
}

/**
 * The codes' JSON kept for one evaluated value set (whose entries are its own): by entry, and in the order of each
 * layout of its codes rendered (TreeLayout: a picker's answer takes hundreds of codes from its kept tree, and looking
 * each up in a map of all value sets' codes would miss the processor's caches).
 */
interface Scope {
  codes: Map<ExpansionEntry, RenderedJson>;
  layouts: WeakMap<TreeLayout, LayoutJson>;
  /** The codes rendered as objects, per set of render options. */
  objects: Map<ExpansionEntry, Map<string, RenderedCode>>;
}

/**
 * What is kept of rendered codes belongs to the evaluated value set whose entries they are, and goes with it: an
 * expansion of a code system given with one request (tx-resource) leaves nothing behind that holds its entries, and
 * through them the code system. The JSON, for answers assembled from it (renderInto), is kept up to
 * MAX_RENDERED_BYTES in all (then emptied, with the shared parts), enough for the 98 municipalities' pickers.
 */
const scopes = new WeakMap<object, Scope>();
/** The scopes that JSON, and that rendered objects, were kept in since they were last emptied, to empty them all when full. */
const jsonScopes = new WeakList<Scope>();
const objectScopes = new WeakList<Scope>();
const MAX_RENDERED_BYTES = 64 * 1024 * 1024;
let renderedBytes = 0;

function scopeOf(owner: object): Scope {
  let scope = scopes.get(owner);
  if (!scope) {
    scope = { codes: new Map(), layouts: new WeakMap(), objects: new Map() };
    scopes.set(owner, scope);
  }
  return scope;
}

function forgetRenderedJson(): void {
  jsonScopes.drain((scope) => {
    scope.codes.clear();
    scope.layouts = new WeakMap();
  });
  sharedParts.clear();
  partsByMaking.clear();
  renderedBytes = 0;
}

function forgetRenderedObjects(): void {
  objectScopes.drain((scope) => scope.objects.clear());
  renderedCodeCount = 0;
}

/** A part many codes share, kept once, also after the comma that separates a code from the one before it. */
interface SharedPart {
  alone: Uint8Array;
  afterComma: Uint8Array;
}

/** The shared parts: one copy per distinct text. */
const sharedParts = new Map<string, SharedPart>();
/** The shared parts by what their extensions are made from (extensionPart), emptied with them. */
const partsByMaking = new Map<string, SharedPart>();

function extensionsOf(carried: readonly Extension[], properties: readonly ContainsProperty[]): Extension[] {
  return [...carried, ...properties.map(propertyExtension)];
}

/**
 * `{"extension":[…]` of a code with these extensions and properties, undefined when it has none: found by the JSON
 * of what its extensions are made from, a third of theirs (each property's is a URL and three elements around its
 * code and value), so that most codes' extensions are neither serialized nor hashed.
 */
function extensionPart(carried: readonly Extension[], properties: readonly ContainsProperty[]): SharedPart | undefined {
  if (carried.length === 0 && properties.length === 0) return undefined;
  const making = `${JSON.stringify(carried)}${JSON.stringify(properties)}`;
  let part = partsByMaking.get(making);
  if (!part) {
    part = sharedPart(`{"extension":${JSON.stringify(extensionsOf(carried, properties))}`);
    partsByMaking.set(making, part);
  }
  return part;
}

function sharedPart(text: string): SharedPart {
  let kept = sharedParts.get(text);
  if (kept === undefined) {
    const afterComma = keptBytes(`,${text}`);
    kept = { alone: afterComma.subarray(1), afterComma };
    sharedParts.set(text, kept);
    renderedBytes += afterComma.length;
  }
  return kept;
}

const GLOBAL_SCOPE = {};

const COMMA = Buffer.from(',');
const CONTAINS = Buffer.from(',"contains":[');
const ONLY_CONTAINS = Buffer.from('{"contains":[');
const CLOSE_CONTAINS = Buffer.from(']}');

/** The declarations codes make are mostly the same few lists (a local code: type, status, niveau2): one copy of each. */
const declaredLists = new BoundedMap<string, Declared>(1000);

function sharedDeclared(declared: Declared): Declared {
  if (declared.length === 0) return EMPTY_DECLARED;
  // the codes rendered one after another mostly declare the same
  if (lastDeclared && sameDeclarations(lastDeclared, declared)) return lastDeclared;
  const key = declared.map((d) => d.join('\u0000')).join('\u0001');
  let shared = declaredLists.get(key);
  if (!shared) {
    shared = declared;
    declaredLists.set(key, shared);
  }
  lastDeclared = shared;
  return shared;
}

let lastDeclared: Declared | undefined;

function sameDeclarations(a: Declared, b: Declared): boolean {
  return a.length === b.length && a.every((d, i) => d.length === b[i]!.length && d.every((part, j) => part === b[i]![j]));
}
const EMPTY_DECLARED: Declared = [];

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
  /** The declaration list whose declarations last changed nothing, and the declarations' changes then. */
  private unchangedBy: Declared | undefined;
  private unchangedAt = -1;

  private readonly scope: Scope;

  /** `owner`: what the rendered codes' entries belong to (the evaluated value set), for keeping their JSON. */
  constructor(private readonly options: RenderOptions, private readonly owner: object = GLOBAL_SCOPE) {
    this.key = optionsKey(options);
    this.scope = scopeOf(owner);
  }

  render(nodes: readonly HierarchyNode[]): ValueSetExpansionContains[] {
    return nodes.map((n) => this.renderNode(n));
  }

  private renderNode(node: HierarchyNode): ValueSetExpansionContains {
    const code = this.renderedCode(node.entry);
    return node.children.length > 0 ? { ...code, contains: this.render(node.children) } : code;
  }

  /**
   * The same as JSON.stringify(render(layout.nodesOf(kept))) without its brackets, as UTF-8, written to `out`,
   * assembled from each code's JSON: a node with children is its code's object with `contains` as the last element,
   * as renderNode makes it.
   */
  renderInto(layout: TreeLayout, kept: Int32Array | undefined, out: ByteWriter): void {
    const codes = this.layoutJson(layout, kept);
    const n = kept ? kept.length : layout.size;
    /**
     * The nodes whose `contains` is open, innermost last, and where their subtrees end: a node is in one when it lies
     * between the two (the kept nodes may come in ranked order, TreeLayout.ranked, not by increasing index).
     */
    const open: number[] = [];
    const openEnds: number[] = [];
    let first = true;
    for (let k = 0; k < n; k++) {
      const node = kept ? kept[k]! : k;
      while (open.length > 0 && !(node > open[open.length - 1]! && node < openEnds[openEnds.length - 1]!)) {
        open.pop();
        openEnds.pop();
        out.write(CLOSE_CONTAINS);
        first = false;
      }
      const code = this.codeAt(layout, codes, node);
      if (code.shared) out.write(first ? code.shared.alone : code.shared.afterComma);
      else if (!first) out.write(COMMA);
      const next = k + 1 < n ? (kept ? kept[k + 1]! : k + 1) : layout.size;
      const end = layout.endOf(node);
      if (!(next > node && next < end)) {
        out.writeKept(code.slab, code.start, code.length);
        first = false;
        continue;
      }
      // `{…}` without its closing brace, then `,"contains":[…]}`; an empty object `{}` becomes `{"contains":[…]}`
      if (code.shared || code.length > 2) {
        out.writeKept(code.slab, code.start, code.length);
        out.unwrite(1);
        out.write(CONTAINS);
      } else out.write(ONLY_CONTAINS);
      open.push(node);
      openEnds.push(end);
      first = true;
    }
    for (let i = 0; i < open.length; i++) out.write(CLOSE_CONTAINS);
  }

  /**
   * A lasting layout's codes' JSON for these render options (a layout made per request has none: its codes are
   * looked up by entry). When a lasting layout is first rendered only in part (a filter over a picker), all its codes
   * are rendered in its order, so that their JSON lies in memory as answers read it.
   */
  private layoutJson(layout: TreeLayout, kept: Int32Array | undefined): (RenderedJson | undefined)[] | undefined {
    if (!layout.lasting) return undefined;
    const known = this.scope.layouts.get(layout);
    if (known?.key === this.key) return known.codes;
    const codes: (RenderedJson | undefined)[] = new Array<RenderedJson | undefined>(layout.size).fill(undefined);
    this.scope.layouts.set(layout, { key: this.key, codes });
    // (while the kept JSON has room: when it is emptied, layouts are rendered again as answers need them)
    if (kept && kept.length < layout.size && renderedBytes < MAX_RENDERED_BYTES / 2) {
      // another renderer: what this one declares is only what its answer shows
      const inOrder = new ContainsRenderer(this.options, this.owner);
      for (let node = 0; node < layout.size; node++) codes[node] = inOrder.codeJson(layout.entryAt(node));
    }
    return codes;
  }

  private codeAt(layout: TreeLayout, codes: (RenderedJson | undefined)[] | undefined, node: number): RenderedJson {
    if (!codes) return this.codeJson(layout.entryAt(node));
    const kept = codes[node];
    if (kept && this.declaresAgain(kept.declared)) return kept;
    const code = kept ? this.renderJson(layout.entryAt(node)) : this.codeJson(layout.entryAt(node));
    codes[node] = code;
    return code;
  }

  private codeJson(e: ExpansionEntry): RenderedJson {
    const kept = this.scope.codes.get(e);
    if (kept && kept.key === this.key && this.declaresAgain(kept.declared)) return kept;
    return this.renderJson(e);
  }

  private renderJson(e: ExpansionEntry): RenderedJson {
    const recording = new RecordingDeclarations(this.declarations);
    const [carried, properties, rest] = this.renderParts(e, recording);
    const restJson = JSON.stringify(rest);
    // JSON.stringify(renderCode(e)) in two parts: `extension` is its first element when there is one
    const withExtensions = carried.length > 0 || properties.length > 0;
    const own = keepText(!withExtensions ? restJson : restJson === '{}' ? '}' : `,${restJson.slice(1)}`);
    const kept = this.scope.codes.get(e);
    if (kept) renderedBytes -= kept.length;
    else if (renderedBytes + own.length > MAX_RENDERED_BYTES) forgetRenderedJson();
    jsonScopes.add(this.scope);
    const rendered: RenderedJson = {
      key: this.key, shared: extensionPart(carried, properties), slab: own.slab, start: own.start, length: own.length,
      declared: sharedDeclared(recording.declared),
    };
    this.scope.codes.set(e, rendered);
    renderedBytes += own.length;
    return rendered;
  }

  /**
   * Makes a code's declarations again, as rendering it would: whether they give the codes its rendering used. A list
   * that changed nothing the last time gives the same codes while nothing has changed since (most codes of a value
   * set make the same declarations), so it is not gone through again.
   */
  private declaresAgain(declared: Declared): boolean {
    const { declarations } = this;
    if (declared === this.unchangedBy && declarations.changes === this.unchangedAt) return true;
    const before = declarations.changes;
    for (const [code, uri, used] of declared) if (declarations.declare(code, uri) !== used) return false;
    if (declarations.changes === before) {
      this.unchangedBy = declared;
      this.unchangedAt = before;
    }
    return true;
  }

  /** The code as rendered before with these options, when its property declarations come out the same here. */
  private renderedCode(e: ExpansionEntry): ValueSetExpansionContains {
    let perOptions = this.scope.objects.get(e);
    const kept = perOptions?.get(this.key);
    if (kept && this.declaresAgain(kept.declared)) return kept.contains;
    const recording = new RecordingDeclarations(this.declarations);
    const contains = this.renderCode(e, recording);
    if (!perOptions) {
      if (renderedCodeCount >= MAX_RENDERED_CODES) forgetRenderedObjects();
      perOptions = new BoundedMap(MAX_OPTION_SETS);
      this.scope.objects.set(e, perOptions);
      objectScopes.add(this.scope);
      renderedCodeCount++;
    }
    perOptions.set(this.key, { contains, declared: sharedDeclared(recording.declared) });
    return contains;
  }

  private renderCode(entry: ExpansionEntry, declarations: PropertyDeclarations): ValueSetExpansionContains {
    const [carried, properties, rest] = this.renderParts(entry, declarations);
    const extensions = extensionsOf(carried, properties);
    return extensions.length > 0 ? { extension: extensions, ...rest } : rest;
  }

  /** A code as an expansion shows it: the extensions it carries, its properties (also extensions), and its other elements. */
  private renderParts(entry: ExpansionEntry, declarations: PropertyDeclarations): [Extension[], ContainsProperty[], ValueSetExpansionContains] {
    const e = entry instanceof LocatingEntry ? entry.located() : entry;
    const c: ValueSetExpansionContains = {};
    const carried = entryExtensions(e);
    const properties = entryProperties(e, this.options.properties, declarations, this.options.propertySource);
    // a group of a given expansion may have neither (ExpansionEntry.group); a code always has both
    if (e.system) c.system = e.system;
    if (e.abstract) c.abstract = true;
    if (e.inactive) c.inactive = true;
    if (this.options.withVersion && e.version) c.version = e.version;
    if (e.code) c.code = e.code;
    const choice = chooseDisplay(e, this.options.languages);
    if (choice.display) c.display = choice.display;
    if (this.options.includeDesignations) {
      const designations = choice.designations.filter((d) => designationWanted(d, this.options.designations));
      if (designations.length > 0) c.designation = designations;
    }
    return [carried, properties, c];
  }

  /** The `ValueSet.expansion.property` declarations, as R4 extensions. */
  propertyExtensions(): Extension[] {
    return this.declarations.list.map((d) => ({
      url: EXPANSION_PROPERTY_EXT,
      extension: [{ url: 'code', valueCode: d.code }, ...(d.uri ? [{ url: 'uri', valueUri: d.uri }] : [])],
    }));
  }
}
