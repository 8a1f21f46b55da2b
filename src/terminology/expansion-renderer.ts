import type { Extension, ValueSetExpansionContains } from 'fhir/r4';
import { chooseDisplay, designationWanted, type LanguagePreference } from './expansion-display';
import type { HierarchyNode } from './expansion-hierarchy';
import { entryExtensions, entryProperties, PropertyDeclarations, type ContainsProperty, type PropertySource } from './expansion-properties';

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

/** Renders expansion entries (nested or flat) to `ValueSet.expansion.contains`, collecting the property definitions used. */
export class ContainsRenderer {
  readonly declarations = new PropertyDeclarations();

  constructor(private readonly options: RenderOptions) {}

  render(nodes: readonly HierarchyNode[]): ValueSetExpansionContains[] {
    return nodes.map((n) => this.renderNode(n));
  }

  private renderNode(node: HierarchyNode): ValueSetExpansionContains {
    const e = node.entry;
    const c: ValueSetExpansionContains = {};
    const extensions = [...entryExtensions(e), ...entryProperties(e, this.options.properties, this.declarations, this.options.propertySource).map(propertyExtension)];
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
    if (node.children.length > 0) c.contains = this.render(node.children);
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
