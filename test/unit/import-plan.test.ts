import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { FhirError } from '../../src/errors/fhir-error';
import type { BuiltCatalog } from '../../src/municipal/csv-import';
import { checkBasedOn, codesMadeOutsideImport, importMode, IMPORT_TAG, mergeWithExisting, planImport, planParameters, withImportTag } from '../../src/municipal/import-plan';
import type { StoredVersion } from '../../src/store/store';
import { CODES, localCodeSystem, localConceptMap } from '../support/local';

/** The catalog as it is: three codes, two of them linked. */
function existing(): { codeSystem: CodeSystem; conceptMap: ConceptMap } {
  return {
    codeSystem: localCodeSystem('101', 'lokale-indsatser', [
      { code: '101-BOLD', display: 'Boldspil', type: 'indsats' },
      { code: '101-KOST', display: 'Kost', type: 'indsats' },
      { code: '101-EDITOR', display: 'Lavet i redigeringen', type: 'indsats' },
    ]),
    conceptMap: localConceptMap('101', 'lokale-indsatser', [
      { code: '101-BOLD', targets: [CODES.fysiskTraening119] },
      { code: '101-KOST', targets: [CODES.kostvejledning] },
      { code: '101-EDITOR', targets: [CODES.nikotin] },
    ]),
  };
}

/** What a file builds: BOLD unchanged, KOST with a new title and target, a new code; EDITOR is not in the file. */
function fromFile(): BuiltCatalog {
  const cs = localCodeSystem('101', 'lokale-indsatser', [
    { code: '101-BOLD', display: 'Boldspil', type: 'indsats' },
    { code: '101-KOST', display: 'Kostvejledning', type: 'indsats' },
    { code: '101-NY', display: 'Ny', type: 'indsats' },
  ]);
  const cm = localConceptMap('101', 'lokale-indsatser', [
    { code: '101-BOLD', targets: [CODES.fysiskTraening119] },
    { code: '101-KOST', targets: [CODES.sygdomshaandtering] },
    { code: '101-NY', targets: [CODES.fysiskTraening140] },
  ]);
  return { codeSystem: cs, conceptMap: cm, messages: [], lineOf: new Map() };
}

const FILE_CODES = new Set(['101-BOLD', '101-KOST', '101-NY']);

describe('planning an import', () => {
  it('replace: lists what is added, what changes (and which parts) and what is removed', () => {
    const plan = planImport('replace', existing(), fromFile(), FILE_CODES);
    expect(plan.added).toEqual([{ code: '101-NY', display: 'Ny' }]);
    expect(plan.changed).toEqual([{ code: '101-KOST', display: 'Kostvejledning', fields: ['titel', 'maal'] }]);
    expect(plan.removed).toEqual([{ code: '101-EDITOR', display: 'Lavet i redigeringen' }]);
    expect(plan.unchanged).toBe(1);
    expect(plan.kept).toBe(0);
  });

  it('merge: keeps the codes the file does not name, with their links, and removes nothing', () => {
    const before = existing();
    const merged = mergeWithExisting(fromFile(), before);
    expect(merged.codeSystem.concept?.map((c) => c.code)).toEqual(['101-BOLD', '101-KOST', '101-NY', '101-EDITOR']);
    expect(merged.codeSystem.count).toBe(4);
    const editorElement = merged.conceptMap.group?.flatMap((g) => g.element).find((e) => e.code === '101-EDITOR');
    expect(editorElement?.target?.map((t) => t.code)).toEqual([CODES.nikotin]);
    // the file's version of a code wins
    expect(merged.codeSystem.concept?.find((c) => c.code === '101-KOST')?.display).toBe('Kostvejledning');
    const plan = planImport('merge', before, merged, FILE_CODES);
    expect(plan.removed).toEqual([]);
    expect(plan.added.map((c) => c.code)).toEqual(['101-NY']);
    expect(plan.changed.map((c) => c.code)).toEqual(['101-KOST']);
    expect(plan.kept).toBe(1);
    expect(plan.unchanged).toBe(1);
  });

  it('merge into a catalog that does not exist yet is the file', () => {
    const built = fromFile();
    expect(mergeWithExisting(built, {})).toBe(built);
    expect(planImport('merge', {}, built, FILE_CODES).added.map((c) => c.code)).toEqual(['101-BOLD', '101-KOST', '101-NY']);
  });

  it('sees a change of status, type and definition', () => {
    const after = fromFile();
    const bold = after.codeSystem.concept![0]!;
    bold.definition = 'Ny tekst';
    bold.property = [{ code: 'type', valueCode: 'tilbud' }, { code: 'status', valueCode: 'retired' }];
    const plan = planImport('replace', existing(), after, FILE_CODES);
    expect(plan.changed.find((c) => c.code === '101-BOLD')?.fields).toEqual(['definition', 'type', 'status']);
  });

  it('answers the plan as Parameters, and reads the mode parameter', () => {
    const plan = planImport('replace', existing(), fromFile(), FILE_CODES);
    const p = planParameters(plan, { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'business-rule' }] });
    expect(p.parameter?.map((x) => x.name)).toEqual(['mode', 'basedOn', 'unchanged', 'kept', 'added', 'changed', 'removed', 'issues']);
    expect(p.parameter?.find((x) => x.name === 'changed')?.part).toEqual([
      { name: 'code', valueCode: '101-KOST' }, { name: 'display', valueString: 'Kostvejledning' },
      { name: 'field', valueCode: 'titel' }, { name: 'field', valueCode: 'maal' },
    ]);
    expect(importMode(undefined)).toBe('replace');
    expect(importMode('merge')).toBe('merge');
    expect(() => importMode('flet')).toThrow(FhirError);
  });

  it('tells the codes that came by another write than an import, from the catalog\'s history', () => {
    const version = (n: number, cs: CodeSystem): StoredVersion => ({ resourceType: 'CodeSystem', id: 'x', versionId: String(n), lastUpdated: '', method: 'update', resource: cs });
    const imported = withImportTag(localCodeSystem('101', 'lokale-indsatser', [
      { code: '101-BOLD', display: 'Boldspil', type: 'indsats' }, { code: '101-KOST', display: 'Kost', type: 'indsats' }]));
    expect(imported.meta?.tag).toEqual([IMPORT_TAG]);
    const edited = existing().codeSystem;
    // newest first, as the store answers
    const outside = codesMadeOutsideImport([version(2, edited), version(1, imported)]);
    expect([...outside]).toEqual(['101-EDITOR']);
    const plan = planImport('replace', existing(), fromFile(), FILE_CODES, outside);
    expect(plan.removed).toEqual([{ code: '101-EDITOR', display: 'Lavet i redigeringen', madeOutsideImport: true }]);
    expect(planParameters(plan, undefined).parameter?.find((p) => p.name === 'removed')?.part).toContainEqual({ name: 'madeOutsideImport', valueBoolean: true });
  });

  it('names the version it was made against, and an import based on another version is refused (412)', () => {
    const before = existing();
    expect(planImport('replace', {}, fromFile(), FILE_CODES).basedOn).toBe('0');
    before.codeSystem.meta = { versionId: '4' };
    expect(planImport('replace', before, fromFile(), FILE_CODES).basedOn).toBe('4');
    expect(() => checkBasedOn('4', before)).not.toThrow();
    expect(() => checkBasedOn(undefined, before)).not.toThrow();
    expect(() => checkBasedOn('3', before)).toThrow(expect.objectContaining({ status: 412 }));
    expect(() => checkBasedOn('0', before)).toThrow(expect.objectContaining({ status: 412 }));
    expect(() => checkBasedOn('0', {})).not.toThrow();
  });
});
