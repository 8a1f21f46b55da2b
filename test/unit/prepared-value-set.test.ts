import type { CodeSystem, Parameters, ValueSet } from 'fhir/r4';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { CodeValidator } from '../../src/terminology/validation/code-validator';
import { ValidationContext } from '../../src/terminology/validation/context';
import { ValidationOptions } from '../../src/terminology/validation/options';
import { prepareValueSet } from '../../src/terminology/validation/prepared-value-set';
import { valueNamed as param } from '../support/parameters';

const CS = 'http://example.org/cs';
const EXPANSION_PARAMETER = 'http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter';

function codeSystem(version: string, codes: string[]): CodeSystem {
  return {
    resourceType: 'CodeSystem', id: `cs-${version}`, url: CS, version, status: 'active', content: 'complete',
    concept: codes.map((code) => ({ code, display: `Display ${code}` })),
  };
}

/** A compose extension declaring a parameter, as a value set gives its own. */
function declares(name: string, value: string): NonNullable<ValueSet['compose']>['extension'] {
  return [{ url: EXPANSION_PARAMETER, extension: [{ url: 'name', valueCode: name }, { url: 'value', valueString: value }] }];
}

const v1 = codeSystem('1.0', ['a', 'old']);
const v2 = codeSystem('2.0', ['a', 'b']);
const whole: ValueSet = { resourceType: 'ValueSet', id: 'whole', url: 'http://example.org/vs/whole', status: 'active', compose: { include: [{ system: CS }] } };
const activeOnly: ValueSet = {
  resourceType: 'ValueSet', id: 'active-only', url: 'http://example.org/vs/active-only', status: 'active',
  compose: { extension: declares('activeOnly', 'true'), include: [{ system: CS }] },
};
/** Pins the code system's version for the includes checked after it: found while the outer value set is prepared. */
const pinsV1: ValueSet = {
  resourceType: 'ValueSet', id: 'pins-v1', url: 'http://example.org/vs/pins-v1', status: 'active',
  compose: { extension: declares('system-version', `${CS}|1.0`), include: [{ system: CS, concept: [{ code: 'a' }] }] },
};
const includeThenImport: ValueSet = {
  resourceType: 'ValueSet', id: 'outer', url: 'http://example.org/vs/outer', status: 'active',
  compose: { include: [{ system: CS }, { valueSet: [pinsV1.url!] }] },
};

function registryOf(): TerminologyRegistry {
  return new TerminologyRegistry([new ResourceSet([v1, v2, whole, activeOnly, pinsV1, includeThenImport])]);
}

function context(registry: TerminologyRegistry, configure: (o: ValidationOptions) => void = () => undefined): ValidationContext {
  const options = new ValidationOptions();
  configure(options);
  return new ValidationContext(registry, options);
}

function validate(registry: TerminologyRegistry, vs: ValueSet, code: string): Parameters {
  return new CodeValidator(registry).validateInValueSet(vs, { mode: 'code', codings: [{ system: CS, code }] }, new ValidationOptions());
}

describe('prepareValueSet', () => {
  it('keeps what preparing found for the next request with the same catalogs, value set and rules', () => {
    const registry = registryOf();
    const first = prepareValueSet(context(registry), whole);
    expect(prepareValueSet(context(registry), whole)).toBe(first);
    expect(first.includes.map((i) => i.provider?.version)).toEqual(['2.0']);
  });

  it('prepares again when the request brings other version rules', () => {
    const registry = registryOf();
    const kept = prepareValueSet(context(registry), whole);
    const forced = prepareValueSet(context(registry, (o) => o.see('force-system-version', `${CS}|1.0`)), whole);
    expect(forced).not.toBe(kept);
    expect(forced.includes.map((i) => i.provider?.version)).toEqual(['1.0']);
  });

  it('prepares again when the catalogs change', () => {
    const registry = registryOf();
    const kept = prepareValueSet(context(registry), whole);
    registry.touch();
    expect(prepareValueSet(context(registry), whole)).not.toBe(kept);
  });

  it("applies a value set's own parameters to every request that takes the kept preparation", () => {
    const registry = registryOf();
    const first = context(registry);
    const second = context(registry);
    expect(prepareValueSet(second, activeOnly)).toBe(prepareValueSet(first, activeOnly));
    expect(first.options.activeOnly).toBe(true);
    expect(second.options.activeOnly).toBe(true);
  });

  it('checks an include found before a value set pinned its version against the pinned version, every time', () => {
    const registry = registryOf();
    for (let i = 0; i < 2; i++) {
      const p = validate(registry, includeThenImport, 'old');
      expect(param(p, 'result')).toBe(true);
      expect(param(p, 'version')).toBe('1.0');
    }
    expect(param(validate(registry, whole, 'old'), 'result')).toBe(false);
  });
});
