import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { MUNICIPAL_SCOPES } from '../../src/municipal/change-scopes';
import { localTargets } from '../../src/municipal/local-targets';
import { KOMMUNEKODE_SYSTEM, municipalUrl, ownerOfCanonical, ownerOfSystem } from '../../src/municipal/municipality';
import { localCodeSystems } from '../../src/municipal/local-catalogs';
import { evaluateValueSet } from '../../src/terminology/expansion/cache';
import { packResource } from '../../src/terminology/packed/resource';
import { ReadTracker } from '../../src/terminology/read-tracking';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { CONCEPT_MAPS_KIND } from '../../src/terminology/resource-kinds';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';

describe('ReadTracker', () => {
  it('keeps a result current across changes to scopes it did not read, not across one it read', () => {
    const tracker = new ReadTracker();
    const { value, reads } = tracker.track(1, () => {
      tracker.read('101');
      tracker.read('common');
      return 42;
    });
    expect(value).toBe(42);
    expect([...reads.scopes!].sort()).toEqual(['101', 'common']);
    tracker.changed(2, ['202']);
    expect(tracker.current(reads, 2)).toBe(true);
    tracker.changed(3, ['101']);
    expect(tracker.current(reads, 3)).toBe(false);
  });

  it('a change to everything, or a result that read everything, is never current after a change', () => {
    const tracker = new ReadTracker();
    const scoped = tracker.track(1, () => tracker.read('101')).reads;
    const all = tracker.track(1, () => tracker.readEverything()).reads;
    expect(all.scopes).toBeUndefined();
    expect(tracker.current(all, 1)).toBe(true);
    tracker.changed(2, ['202']);
    expect(tracker.current(all, 2)).toBe(false);
    expect(tracker.current(scoped, 2)).toBe(true);
    tracker.changed(3, undefined);
    expect(tracker.current(scoped, 3)).toBe(false);
  });

  it('what an inner computation read counts for the outer one, also when the inner result is reused', () => {
    const tracker = new ReadTracker();
    const inner = tracker.track(1, () => tracker.read('202')).reads;
    const outer = tracker.track(1, () => {
      tracker.read('101');
      expect(tracker.current(inner, 1)).toBe(true);
    }).reads;
    expect([...outer.scopes!].sort()).toEqual(['101', '202']);
    tracker.changed(2, ['202']);
    expect(tracker.current(outer, 2)).toBe(false);
  });

  it('results that read the same scopes share one set of them (a cache holds thousands)', () => {
    const tracker = new ReadTracker();
    const a = tracker.track(1, () => { tracker.read('101'); tracker.read('common'); }).reads;
    const b = tracker.track(2, () => { tracker.read('common'); tracker.read('101'); }).reads;
    const c = tracker.track(2, () => tracker.read('202')).reads;
    expect(b.scopes).toBe(a.scopes);
    expect(c.scopes).not.toBe(a.scopes);
    expect(a.generation).toBe(1);
    expect(b.generation).toBe(2);
  });

  it('reads made untracked do not count', () => {
    const tracker = new ReadTracker();
    const { reads } = tracker.track(1, () => {
      tracker.untracked(() => tracker.readEverything());
      tracker.read('101');
    });
    expect([...reads.scopes!]).toEqual(['101']);
  });

  it('a computation that throws leaves no frame open', () => {
    const tracker = new ReadTracker();
    expect(() => tracker.track(1, () => {
      tracker.read('101');
      throw new Error('budget');
    })).toThrow('budget');
    expect(tracker.recording).toBe(false);
  });
});

const COMMON = 'http://example.org/CodeSystem/common';

function codeSystem(url: string, codes: string[], extra: Partial<CodeSystem> = {}): CodeSystem {
  return {
    resourceType: 'CodeSystem', id: url.split('/').slice(-3).join('-').replace(/[^A-Za-z0-9-]/g, '-'), url, version: '1', status: 'active',
    content: 'complete', concept: codes.map((code) => ({ code, display: `Display ${code}` })), ...extra,
  };
}

function valueSet(url: string, systems: string[]): ValueSet {
  return { resourceType: 'ValueSet', id: url.split('/').slice(-3).join('-'), url, status: 'active', compose: { include: systems.map((system) => ({ system })) } };
}

function conceptMap(kommunekode: string, source: string, pairs: [string, string][]): ConceptMap {
  return {
    resourceType: 'ConceptMap', id: `kommune-${kommunekode}-map`, url: municipalUrl(kommunekode, 'ConceptMap', 'map'), version: '1', status: 'active',
    group: [{ source, target: COMMON, element: pairs.map(([code, target]) => ({ code, target: [{ code: target, equivalence: 'subsumes' }] })) }],
  };
}

describe('cached evaluations follow the scopes they read (municipal scopes)', () => {
  const cs101 = municipalUrl('101', 'CodeSystem', 'lokale');
  const cs202 = municipalUrl('202', 'CodeSystem', 'lokale');
  let written: ResourceSet;
  let registry: TerminologyRegistry;
  const vs101 = valueSet(municipalUrl('101', 'ValueSet', 'alle'), [cs101, COMMON]);
  const vsCommon = valueSet('http://example.org/ValueSet/common', [COMMON]);

  /** A write as the written layer applies it: the old and the new version are the change. */
  function write(resource: TerminologyResource): void {
    const previous = written.byResourceId(resource.resourceType, resource.id!);
    if (previous) written.remove(previous);
    written.add(resource);
    registry.touch(previous ? [previous, resource] : [resource]);
  }

  beforeEach(() => {
    written = new ResourceSet();
    const published = new ResourceSet([
      codeSystem(COMMON, ['a', 'b']), codeSystem(cs101, ['101-x']), codeSystem(cs202, ['202-x']), vs101, vsCommon,
      conceptMap('101', cs101, [['101-x', 'a']]),
    ]);
    registry = new TerminologyRegistry([written, published], new Set(), undefined, [], undefined, MUNICIPAL_SCOPES);
  });

  it("another municipality's write leaves an evaluation as it was; a write to what it read makes it new", () => {
    const first = evaluateValueSet(registry, vs101);
    expect(first.entries.map((e) => e.code)).toEqual(['101-x', 'a', 'b']);
    write(codeSystem(cs202, ['202-x', '202-y']));
    expect(evaluateValueSet(registry, vs101)).toBe(first);
    write(codeSystem(cs101, ['101-x', '101-y']));
    const second = evaluateValueSet(registry, vs101);
    expect(second).not.toBe(first);
    expect(second.entries.map((e) => e.code)).toEqual(['101-x', '101-y', 'a', 'b']);
  });

  it('a write to the common catalogs makes every evaluation that read them new', () => {
    const municipal = evaluateValueSet(registry, vs101);
    const common = evaluateValueSet(registry, vsCommon);
    write(codeSystem(COMMON, ['a', 'b', 'c']));
    expect(evaluateValueSet(registry, vsCommon)).not.toBe(common);
    expect(evaluateValueSet(registry, vs101).entries.map((e) => e.code)).toEqual(['101-x', 'a', 'b', 'c']);
    expect(evaluateValueSet(registry, vs101)).not.toBe(municipal);
  });

  it('a change that does not say what it changed makes everything new', () => {
    const first = evaluateValueSet(registry, vsCommon);
    registry.touch();
    expect(evaluateValueSet(registry, vsCommon)).not.toBe(first);
  });

  it('a supplement written anywhere makes the evaluations of what it supplements new', () => {
    const first = evaluateValueSet(registry, vsCommon);
    write(codeSystem(municipalUrl('202', 'CodeSystem', 'oversaettelse'), ['a'], {
      content: 'supplement', supplements: COMMON,
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/codesystem-supplement-type', valueCode: 'lang-pack' }],
    }));
    expect(evaluateValueSet(registry, vsCommon)).not.toBe(first);
  });

  it('a resource named for a municipality by identifier counts in its scope, whatever its URL', () => {
    const before = registry.tracked(() => localCodeSystems(registry, '101'));
    expect(before.value.map((cs) => cs.url)).toEqual([cs101]);
    const elsewhere = codeSystem('http://example.org/CodeSystem/101-extra', ['e'], { id: 'extra-101', identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '101' }] });
    write(elsewhere);
    expect(registry.current(before.reads)).toBe(false);
    expect(localCodeSystems(registry, '101').map((cs) => cs.url).sort()).toEqual([elsewhere.url, cs101]);
  });

  it('a read by id follows the writes of resources with that id only, whatever their URL', () => {
    const readCs101 = () => registry.tracked(() => registry.byId('CodeSystem', '101-CodeSystem-lokale')).reads;
    let reads = readCs101();
    expect(registry.byId('CodeSystem', '101-CodeSystem-lokale')?.url).toBe(cs101);
    write(codeSystem(cs202, ['202-x', '202-y']));
    write(codeSystem(COMMON, ['a', 'b', 'c']));
    write(conceptMap('101', cs101, [['101-x', 'b']]));
    expect(registry.current(reads)).toBe(true);
    // the same id under a URL of another scope (an admin's write) in the layer above
    write(codeSystem(COMMON, ['z'], { id: '101-CodeSystem-lokale' }));
    expect(registry.current(reads)).toBe(false);
    expect(registry.byId('CodeSystem', '101-CodeSystem-lokale')?.url).toBe(COMMON);
    // deleted from the layer above: the published one is found again
    reads = readCs101();
    const above = written.byResourceId('CodeSystem', '101-CodeSystem-lokale')!;
    written.remove(above);
    registry.touch([above]);
    expect(registry.current(reads)).toBe(false);
    expect(registry.byId('CodeSystem', '101-CodeSystem-lokale')?.url).toBe(cs101);
    // the same id of another type is another resource
    reads = readCs101();
    write({ ...valueSet(municipalUrl('101', 'ValueSet', 'andre'), [cs101]), id: '101-CodeSystem-lokale' });
    expect(registry.current(reads)).toBe(true);
  });

  it('the maps a translation without a map lists follow the writes of maps anywhere, not of other resources', () => {
    const { reads } = registry.tracked(() => registry.list('ConceptMap', { within: CONCEPT_MAPS_KIND }));
    write(codeSystem(cs101, ['101-x', '101-y']));
    write(codeSystem(COMMON, ['a', 'b', 'c']));
    write(valueSet(municipalUrl('202', 'ValueSet', 'alle'), [cs202]));
    expect(registry.current(reads)).toBe(true);
    write(conceptMap('202', cs202, [['202-x', 'a']]));
    expect(registry.current(reads)).toBe(false);
    expect(registry.list('ConceptMap', { within: CONCEPT_MAPS_KIND }).map((cm) => cm.id).sort()).toEqual(['kommune-101-map', 'kommune-202-map']);
  });

  it("a municipality's map targets follow its own writes only", () => {
    expect(localTargets(registry, cs101, '101-x').map((t) => t.code)).toEqual(['a']);
    const tracked = registry.tracked(() => localTargets(registry, cs101, '101-x'));
    write(codeSystem(cs202, ['202-z']));
    expect(registry.current(tracked.reads)).toBe(true);
    write(conceptMap('101', cs101, [['101-x', 'b']]));
    expect(registry.current(tracked.reads)).toBe(false);
    expect(localTargets(registry, cs101, '101-x').map((t) => t.code)).toEqual(['b']);
  });

  it('local codes with the same targets share one list of them, across municipalities, until a write changes them', () => {
    write(codeSystem(cs101, ['101-x', '101-y', '101-z']));
    write(conceptMap('101', cs101, [['101-x', 'a'], ['101-y', 'a'], ['101-z', 'b']]));
    write(conceptMap('202', cs202, [['202-x', 'a']]));
    const x = localTargets(registry, cs101, '101-x');
    expect(x.map((t) => t.code)).toEqual(['a']);
    expect(localTargets(registry, cs101, '101-y')).toBe(x);
    expect(localTargets(registry, cs202, '202-x')).toBe(x);
    expect(localTargets(registry, cs101, '101-z').map((t) => t.code)).toEqual(['b']);
    write(conceptMap('101', cs101, [['101-x', 'a'], ['101-y', 'b']]));
    expect(localTargets(registry, cs101, '101-x')).toBe(x);
    expect(localTargets(registry, cs101, '101-y').map((t) => t.code)).toEqual(['b']);
    expect(localTargets(registry, cs101, '101-z')).toEqual([]);
  });

  it('a packed catalog written within the computation that read the one before is read anew', () => {
    write(packResource(codeSystem(cs101, ['101-x'])));
    expect(evaluateValueSet(registry, vs101).entries.map((e) => e.code)).toEqual(['101-x', 'a', 'b']);
    write(packResource(codeSystem(cs101, ['101-x', '101-y'])));
    expect(evaluateValueSet(registry, vs101).entries.map((e) => e.code)).toEqual(['101-x', '101-y', 'a', 'b']);
  });
});

describe('a registry without scopes', () => {
  it('finds a municipality\'s resources as with them, and any change makes what was computed from them new', () => {
    const cs101 = municipalUrl('101', 'CodeSystem', 'lokale');
    const written = new ResourceSet();
    const registry = new TerminologyRegistry([written, new ResourceSet([codeSystem(cs101, ['101-x'])])]);
    const { value, reads } = registry.tracked(() => localCodeSystems(registry, '101'));
    expect(value.map((cs) => cs.url)).toEqual([cs101]);
    const other = codeSystem(municipalUrl('202', 'CodeSystem', 'lokale'), ['202-x']);
    written.add(other);
    registry.touch([other]);
    expect(registry.current(reads)).toBe(false);
  });
});

describe('municipal scopes', () => {
  it('a canonical falls in the scope of the municipality it is under, as ownerOfCanonical reads it, else the common one', () => {
    for (const url of [
      municipalUrl('370', 'CodeSystem', 'lokale'), `${municipalUrl('370', 'CodeSystem', 'lokale')}|1.0.0`, 'http://faelles-tx.dk/fhir/kommune/370',
      'http://faelles-tx.dk/fhir/kommune/370|2', 'http://faelles-tx.dk/fhir/kommune/', 'http://faelles-tx.dk/fhir/kommune/abc/x', COMMON, 'urn:oid:1.2.208.176.2.21',
    ]) {
      expect(MUNICIPAL_SCOPES.ofUrl(url)).toBe(ownerOfCanonical(url) ?? 'common');
    }
  });
});

describe('ownerOfSystem', () => {
  it('answers as ownerOfCanonical, asked once or again, for short and long systems', () => {
    const long = `${municipalUrl('101', 'CodeSystem', 'lokale')}${'x'.repeat(600)}`;
    for (const url of [municipalUrl('370', 'CodeSystem', 'lokale'), 'urn:oid:1.2.208.176.2.21', 'http://faelles-tx.dk/fhir/kommune/abc/x', long]) {
      expect(ownerOfSystem(url)).toBe(ownerOfCanonical(url));
      expect(ownerOfSystem(url)).toBe(ownerOfCanonical(url));
    }
    expect(ownerOfSystem(municipalUrl('370', 'CodeSystem', 'lokale'))).toBe('370');
    expect(ownerOfSystem('urn:oid:1.2.208.176.2.21')).toBeUndefined();
  });
});
