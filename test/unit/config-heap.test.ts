import { loadConfig } from '../../src/config';

describe('HEAP_GROWING_PERCENT', () => {
  it('lets the old generation grow by 100 % between full collections by default', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(100);
  });

  it('leaves the growth to V8 with 0, and takes other percentages as given', () => {
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '50' }).heapGrowingPercent).toBe(50);
  });

  it('refuses what is not a whole number from 0 to 1000', () => {
    for (const bad of ['-1', '1001', 'double', '1.5']) {
      expect(() => loadConfig({ HEAP_GROWING_PERCENT: bad })).toThrow(/HEAP_GROWING_PERCENT/);
    }
  });
});
