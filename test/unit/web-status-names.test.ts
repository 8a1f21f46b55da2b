import { statusOfDanishName } from '../../src/terminology/status-name';
import { statusWarning } from '../../web/src/concept';

describe("what the web page says of a concept's status", () => {
  it('calls a deprecated concept udgående, the name the server gives and reads back', () => {
    expect(statusWarning('deprecated')).toBe('Begrebet har status udgående.');
    expect(statusOfDanishName('udgående')).toBe('deprecated');
  });

  it('says a retired concept must not be used for new records', () => {
    expect(statusWarning('retired')).toBe('Begrebet er udgået og må ikke bruges til nye registreringer.');
  });

  it('names any other status that is not active by its Danish name', () => {
    expect(statusWarning('draft')).toBe('Begrebet har status kladde.');
  });
});
