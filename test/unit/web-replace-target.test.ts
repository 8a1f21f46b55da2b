import { withReplacedTarget } from '../../web/src/replace-target';
import { FSIII } from '../support/catalogs';
import { CODES, localConceptMap } from '../support/local';

const SOURCE = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser';

describe('moving a link to the replacement of a retired target', () => {
  const cm = localConceptMap('101', 'lokale-indsatser', [
    { code: '101-RYG', targets: [CODES.tobaksafvaenningRetired] },
    { code: '101-KOL', targets: [CODES.tobaksafvaenningRetired, CODES.kostvejledning], equivalence: 'inexact' },
  ]);
  cm.meta = { versionId: '3' };
  const replacement = {
    source: { system: SOURCE, code: '101-RYG' }, target: { system: FSIII, code: CODES.tobaksafvaenningRetired },
    use: { system: FSIII, code: CODES.nikotin, display: 'Nikotin- og tobaksafvænning' }, why: 'retired' as const,
  };

  it('changes only that code\'s link, keeps the equivalence, and leaves the server fields out', () => {
    const next = withReplacedTarget(cm, SOURCE, replacement)!;
    const els = next.group![0]!.element;
    expect(els[0]!.target).toEqual([{ code: CODES.nikotin, display: 'Nikotin- og tobaksafvænning', equivalence: 'subsumes' }]);
    expect(els[1]!.target!.map((t) => t.code)).toEqual([CODES.tobaksafvaenningRetired, CODES.kostvejledning]);
    expect(next.meta).toBeUndefined();
    expect(cm.group![0]!.element[0]!.target![0]!.code).toBe(CODES.tobaksafvaenningRetired);
  });

  it('answers nothing when the link is no longer there', () => {
    expect(withReplacedTarget(cm, SOURCE, { ...replacement, source: { system: SOURCE, code: '101-ANDEN' } })).toBeUndefined();
    expect(withReplacedTarget(cm, 'http://other', replacement)).toBeUndefined();
  });
});
