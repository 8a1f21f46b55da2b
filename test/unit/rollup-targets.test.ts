import type { Match } from '../../src/operations/translate/translator';
import { targetsOfMaps } from '../../src/operations/rollup/counts';

/**
 * The targets a local code counts on in $rollup, from its matches in the municipality's maps in use: each target once,
 * and none when two maps disagree.
 */
const FSIII = 'urn:oid:1.2.208.176.2.21';
const A = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser|1.0.0';
const B = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/ekstra|1.0.0';

const match = (originMap: string, code: string, equivalence = 'subsumes', replaces?: string): Match => ({
  originMap, equivalence, concept: { system: FSIII, code }, ...(replaces ? { replaces: { system: FSIII, code: replaces, status: 'retired' } } : {}),
});
const codes = (r: ReturnType<typeof targetsOfMaps>) => ('matches' in r ? r.matches.map((m) => m.concept.code) : r);

describe('targetsOfMaps', () => {
  it('gives one map\'s targets, each once (a retired target and its successor count on the successor once)', () => {
    expect(codes(targetsOfMaps([match(A, 'x')]))).toEqual(['x']);
    expect(codes(targetsOfMaps([match(A, 'x'), match(A, 'y', 'inexact'), match(A, 'z', 'inexact')]))).toEqual(['x', 'y', 'z']);
    const r = targetsOfMaps([match(A, 'new', 'subsumes', 'old'), match(A, 'new')]);
    expect('matches' in r && r.matches).toEqual([match(A, 'new', 'subsumes', 'old')]);
  });

  it('counts a code two maps map alike once: the first map\'s targets, whatever the order or equivalence', () => {
    expect(codes(targetsOfMaps([match(A, 'x'), match(B, 'x', 'equivalent')]))).toEqual(['x']);
    expect(codes(targetsOfMaps([match(A, 'x', 'inexact'), match(A, 'y', 'inexact'), match(B, 'y', 'inexact'), match(B, 'x', 'inexact')]))).toEqual(['x', 'y']);
  });

  it('names the maps that disagree, the first with them, when two maps give different targets', () => {
    const r = targetsOfMaps([match(A, 'x'), match(B, 'y')]);
    expect(r).toEqual({ conflicting: [{ map: A, matches: [match(A, 'x')] }, { map: B, matches: [match(B, 'y')] }] });
    // an offer whose second map gives fewer of its interventions disagrees too
    const offer = targetsOfMaps([match(A, 'x', 'inexact'), match(A, 'y', 'inexact'), match(B, 'x', 'inexact')]);
    expect('conflicting' in offer && offer.conflicting.map((m) => m.map)).toEqual([A, B]);
  });
});
