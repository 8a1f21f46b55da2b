import type { CodeSystem, Coding, OperationOutcome, Parameters, ValueSet } from 'fhir/r4';
import { CodeValidator, type CodedValue } from '../../src/terminology/validation/code-validator';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { LanguageList } from '../../src/terminology/validation/languages';
import { ValidationOptions } from '../../src/terminology/validation/options';
import { FFB, FSIII, publishedRegistry } from '../support/catalogs';
import { valueNamed as param } from '../support/parameters';

const RETIRED = 'c203c6b5-3be0-40a8-8204-e93751deabf5'; // Tobaksafvænning, replaced by 6d24992e-…
const REPLACEMENT = '6d24992e-e0a2-43e7-bc27-0234622a8655';
const DEPRECATED = '7e608d37-3f3c-4374-bbc8-e317505d8bc2'; // Samfundsliv
const AFKLARENDE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c'; // Afklarende samtale
const FFB_CODE = '67b4ac73-dedf-4337-ad56-476b0a55ab03'; // Social indsats
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';

let registry: TerminologyRegistry;
beforeAll(() => {
  registry = publishedRegistry();
});

function issues(p: Parameters): OperationOutcome['issue'] {
  return (param(p, 'issues') as OperationOutcome | undefined)?.issue ?? [];
}

function txType(i: OperationOutcome['issue'][number]): string | undefined {
  return i.details?.coding?.[0]?.code;
}

function code(c: Coding): CodedValue {
  return { mode: 'code', codings: [c] };
}

function options(configure: (o: ValidationOptions) => void = () => undefined, accept?: string): ValidationOptions {
  const o = new ValidationOptions(accept ? LanguageList.parse(accept) : undefined);
  configure(o);
  return o;
}

function inCodeSystem(c: Coding, o = options(), reg = registry): Parameters {
  return new CodeValidator(reg).validateInCodeSystem(c.system, c.version, code(c), o);
}

function inValueSet(url: string, value: CodedValue, o = options()): Parameters {
  return new CodeValidator(registry).validateInValueSet(registry.find('ValueSet', url)!, value, o);
}

describe('status of FSIII codes', () => {
  it('accepts a retired code with a warning that names its replacement', () => {
    const p = inCodeSystem({ system: FSIII, code: RETIRED });
    expect(param(p, 'result')).toBe(true);
    expect(param(p, 'inactive')).toBe(true);
    expect(param(p, 'status')).toBe('retired');
    const warning = issues(p).find((i) => txType(i) === 'code-comment');
    expect(warning?.severity).toBe('warning');
    expect(warning?.details?.text).toContain(REPLACEMENT);
    expect(param(p, 'message')).toContain(REPLACEMENT);
  });

  it('refuses a retired code when activeOnly is asked for', () => {
    const p = inValueSet(CATALOG_119, code({ system: FSIII, code: RETIRED }), options((o) => o.see('activeOnly', true)));
    expect(param(p, 'result')).toBe(false);
  });

  it('reports a deprecated code with status=deprecated and a warning', () => {
    const p = inCodeSystem({ system: FSIII, code: DEPRECATED });
    expect(param(p, 'result')).toBe(true);
    expect(param(p, 'status')).toBe('deprecated');
    expect(issues(p).some((i) => i.severity === 'warning' && i.details?.text?.includes('deprecated'))).toBe(true);
  });
});

describe('legacy keys of FSIII', () => {
  it('warns that H1.1 is a legacy key and names the UUID code to use', () => {
    const p = inCodeSystem({ system: FSIII, code: 'H1.1' });
    expect(param(p, 'result')).toBe(true);
    const w = issues(p).find((i) => i.severity === 'warning');
    expect(w?.details?.text).toContain('17312894-b23f-43d9-9723-b725ac25d872');
  });

  it('warns about an underscore UUID and names the hyphenated code', () => {
    const p = inCodeSystem({ system: FSIII, code: '0fa991ef_adf5_4202_8cfe_a31454ed6e9d' });
    expect(issues(p).some((i) => i.details?.text?.includes('0fa991ef-adf5-4202-8cfe-a31454ed6e9d'))).toBe(true);
  });

  it('does not warn about a UUID code', () => {
    const p = inCodeSystem({ system: FSIII, code: AFKLARENDE });
    expect(param(p, 'result')).toBe(true);
    expect(issues(p)).toHaveLength(0);
  });
});

describe('displays', () => {
  it('accepts the Danish display, ignoring case', () => {
    expect(param(inCodeSystem({ system: FSIII, code: AFKLARENDE, display: 'afklarende SAMTALE' }), 'result')).toBe(true);
  });

  it('rejects a wrong display and names the valid one', () => {
    const p = inCodeSystem({ system: FSIII, code: AFKLARENDE, display: 'Behovssamtale' });
    expect(param(p, 'result')).toBe(false);
    const e = issues(p).find((i) => txType(i) === 'invalid-display');
    expect(e?.severity).toBe('error');
    expect(e?.expression).toEqual(['display']);
    expect(e?.details?.text).toContain("'Afklarende samtale'");
    expect(e?.details?.text).toContain("(for the language(s) '--')");
  });

  it('names the requested languages in the message', () => {
    const p = inCodeSystem({ system: FSIII, code: AFKLARENDE, display: 'Clarifying talk' }, options((o) => o.see('displayLanguage', 'en,da')));
    expect(param(p, 'message')).toContain("(for the language(s) 'en, da')");
    expect(param(p, 'display')).toBe('Afklarende samtale');
  });

  it('reports a whitespace-only difference as such', () => {
    const p = inCodeSystem({ system: FSIII, code: AFKLARENDE, display: 'Afklarende  samtale ' });
    expect(param(p, 'message')).toContain('Wrong whitespace in Display Name');
  });

  it('makes a wrong display a warning under lenient-display-validation', () => {
    const p = inCodeSystem({ system: FSIII, code: AFKLARENDE, display: 'Behovssamtale' }, options((o) => o.see('lenient-display-validation', true)));
    expect(param(p, 'result')).toBe(true);
    expect(issues(p).find((i) => txType(i) === 'invalid-display')?.severity).toBe('warning');
  });

  it('uses Accept-Language when no displayLanguage is given', () => {
    const p = inCodeSystem({ system: FSIII, code: AFKLARENDE, display: 'nope' }, options(undefined, 'en-GB, da;q=0.5'));
    expect(param(p, 'message')).toContain("'en-GB, da; q=0.5'");
  });
});

describe('CodeableConcept', () => {
  const cc = (...codings: Coding[]): CodedValue => ({ mode: 'codeableConcept', codings, codeableConcept: { coding: codings } });

  it('is valid when one coding is in the value set; the other is noted as not in it', () => {
    const p = inValueSet(CATALOG_119, cc({ system: FFB, code: FFB_CODE }, { system: FSIII, code: AFKLARENDE }));
    expect(param(p, 'result')).toBe(true);
    expect(param(p, 'code')).toBe(AFKLARENDE);
    expect(param(p, 'codeableConcept')).toEqual({ coding: [{ system: FFB, code: FFB_CODE }, { system: FSIII, code: AFKLARENDE }] });
    const note = issues(p).find((i) => txType(i) === 'this-code-not-in-vs');
    expect(note?.severity).toBe('information');
    expect(note?.expression).toEqual(['CodeableConcept.coding[0].code']);
  });

  it('is not valid when no coding is in the value set', () => {
    const p = inValueSet(CATALOG_119, cc({ system: FFB, code: FFB_CODE }));
    expect(param(p, 'result')).toBe(false);
    expect(param(p, 'message')).toContain(`No valid coding was found for the value set '${CATALOG_119}|1.0.0'`);
  });

  it('is not valid when a coding has an unknown code', () => {
    const p = inValueSet(CATALOG_119, cc({ system: FSIII, code: 'no-such-code' }, { system: FSIII, code: AFKLARENDE }));
    expect(param(p, 'result')).toBe(false);
    expect(issues(p).some((i) => txType(i) === 'invalid-code' && i.expression?.[0] === 'CodeableConcept.coding[0].code')).toBe(true);
  });
});

describe('code system versions', () => {
  /** A hypothetical next FSIII edition, as a client could send it with tx-resource. */
  function withNextEdition(): TerminologyRegistry {
    const current = registry.find('CodeSystem', FSIII)!;
    const next: CodeSystem = { ...current, version: '20250601', concept: (current.concept ?? []).filter((c) => c.code !== AFKLARENDE) };
    return registry.withOverlay([next]);
  }

  it('reports an unknown version with the known versions and x-caused-by-unknown-system', () => {
    const p = inCodeSystem({ system: FSIII, version: '2019', code: AFKLARENDE });
    expect(param(p, 'result')).toBe(false);
    expect(param(p, 'message')).toContain("version '2019' could not be found");
    expect(param(p, 'message')).toContain('Valid versions: 20240530');
    expect(param(p, 'x-caused-by-unknown-system')).toBe(`${FSIII}|2019`);
  });

  it('validates against the latest edition unless a version is asked for', () => {
    const reg = withNextEdition();
    expect(param(inCodeSystem({ system: FSIII, code: AFKLARENDE }, options(), reg), 'version')).toBe('20250601');
    const old = inCodeSystem({ system: FSIII, version: '20240530', code: AFKLARENDE }, options(), reg);
    expect(param(old, 'result')).toBe(true);
    expect(param(old, 'version')).toBe('20240530');
  });

  it('applies system-version as the default and force-system-version over the request', () => {
    const reg = withNextEdition();
    const byDefault = inCodeSystem({ system: FSIII, code: AFKLARENDE }, options((o) => o.see('system-version', `${FSIII}|20240530`)), reg);
    expect(param(byDefault, 'version')).toBe('20240530');
    expect(param(byDefault, 'result')).toBe(true);
    const forced = inCodeSystem({ system: FSIII, version: '20250601', code: AFKLARENDE },
      options((o) => o.see('force-system-version', `${FSIII}|20240530`)), reg);
    expect(param(forced, 'version')).toBe('20240530');
  });

  it('picks the checked version when nothing else names one', () => {
    const p = inCodeSystem({ system: FSIII, code: AFKLARENDE }, options((o) => o.see('check-system-version', `${FSIII}|20240530`)), withNextEdition());
    expect(param(p, 'result')).toBe(true);
    expect(param(p, 'version')).toBe('20240530');
  });

  it('reports a version that check-system-version does not allow', () => {
    const reg = withNextEdition();
    const vs: ValueSet = { resourceType: 'ValueSet', url: 'urn:test:vs', status: 'active', compose: { include: [{ system: FSIII, version: '20250601' }] } };
    const p = new CodeValidator(reg).validateInValueSet(vs, code({ system: FSIII, code: REPLACEMENT }),
      options((o) => o.see('check-system-version', `${FSIII}|20240530`)));
    expect(param(p, 'result')).toBe(false);
    const e = issues(p).find((i) => txType(i) === 'version-error');
    expect(e?.details?.text).toContain("The version '20250601' is not allowed");
  });
});

describe('valueset-membership-only, of a code system this server does not have', () => {
  const UNKNOWN = 'http://example.org/CodeSystem/not-here';
  const valueSet = (include: NonNullable<ValueSet['compose']>['include'][number]): ValueSet =>
    ({ resourceType: 'ValueSet', url: 'http://example.org/ValueSet/listed', status: 'active', compose: { include: [include] } });
  const membershipOnly = () => options((o) => o.see('valueset-membership-only', true));
  const check = (vs: ValueSet, c: string, o = membershipOnly()) => new CodeValidator(registry).validateInValueSet(vs, code({ system: UNKNOWN, code: c }), o);

  it('answers from the codes an include lists: a listed code is in it, another is not', () => {
    const listed = valueSet({ system: UNKNOWN, concept: [{ code: 'p1' }, { code: 'p2' }] });
    expect(param(check(listed, 'p2'), 'result')).toBe(true);
    const other = check(listed, 'p3');
    expect(param(other, 'result')).toBe(false);
    expect(issues(other).map(txType)).toContain('not-in-vs');
  });

  it('cannot tell for an include of the whole code system or a filter, and says the code system is unknown', () => {
    for (const include of [{ system: UNKNOWN }, { system: UNKNOWN, filter: [{ property: 'x', op: 'exists' as const, value: 'true' }] }]) {
      const p = check(valueSet(include), 'p1');
      expect(param(p, 'result')).toBe(false);
      expect(param(p, 'x-caused-by-unknown-system')).toBe(UNKNOWN);
    }
  });

  it('an expansion listing the code has it', () => {
    const expanded: ValueSet = { resourceType: 'ValueSet', url: 'http://example.org/ValueSet/expanded', status: 'active', expansion: { timestamp: '2026-01-01', contains: [{ system: UNKNOWN, code: 'p1' }] } };
    expect(param(check(expanded, 'p1'), 'result')).toBe(true);
    expect(param(check(expanded, 'p1', options()), 'result')).toBe(false);
  });
});
