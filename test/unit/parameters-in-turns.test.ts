import type { ParametersParameter } from 'fhir/r4';
import { parametersInTurns } from '../../src/fhir/serialized';
import { turnsDuring } from '../support/turns';

function parametersOf(n: number): ParametersParameter[] {
  return Array.from({ length: n }, (_, i) => ({
    name: 'niveau2',
    part: [{ name: 'district', valueString: `Bydel ${i} — Østerbro "nord"` }, { name: 'count', valueInteger: i }],
  }));
}

describe('parametersInTurns', () => {
  it('gives the text JSON.stringify gives of the Parameters, whatever the number of parameters and slices', async () => {
    for (const n of [1, 2, 3, 4, 7, 9]) {
      const parameters = parametersOf(n);
      const serialized = await parametersInTurns(parameters, 3);
      expect(serialized.bytes.toString('utf8')).toBe(JSON.stringify({ resourceType: 'Parameters', parameter: parameters }));
      expect(serialized.byteLength).toBe(Buffer.byteLength(JSON.stringify({ resourceType: 'Parameters', parameter: parameters })));
      expect(serialized.resource()).toEqual({ resourceType: 'Parameters', parameter: parameters });
    }
  });

  it('writes no empty parameter array (FHIR JSON has none)', async () => {
    expect((await parametersInTurns([])).resource()).toEqual({ resourceType: 'Parameters' });
  });

  it('lets other work run between slices, and takes the parameters as it writes them', async () => {
    let made = 0;
    function* lazily(): Generator<ParametersParameter> {
      for (const p of parametersOf(10)) {
        made++;
        yield p;
      }
    }
    const { result, turns } = await turnsDuring(() => parametersInTurns(lazily(), 2));
    expect(made).toBe(10);
    expect(turns).toBeGreaterThanOrEqual(4);
    // the head, a chunk per slice of two, the tail
    expect(result.chunks.length).toBe(7);
    const { turns: none } = await turnsDuring(() => parametersInTurns(parametersOf(10), 100));
    expect(none).toBe(0);
  });
});
