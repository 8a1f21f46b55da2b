import { keepTickObjectShape } from '../../src/tick-object-shape';

describe('keepTickObjectShape', () => {
  it("keeps one of process.nextTick's queue entries: two symbol keys, the callback and its arguments", () => {
    const entry = keepTickObjectShape() as Record<string | symbol, unknown> | undefined;
    expect(entry).toBeDefined();
    // (an enabled AsyncLocalStorage, such as the test runner's, adds a symbol of its own)
    expect(Object.getOwnPropertySymbols(entry).map(String)).toEqual(expect.arrayContaining(['Symbol(async_id_symbol)', 'Symbol(trigger_async_id_symbol)']));
    expect(Object.keys(entry!)).toEqual(['callback', 'args']);
    expect(typeof entry!.callback).toBe('function');
  });

  it('keeps the same entry when called again, and ticks still run', async () => {
    const first = keepTickObjectShape();
    expect(keepTickObjectShape()).toBe(first);
    await expect(new Promise((resolve) => process.nextTick(resolve, 'ran'))).resolves.toBe('ran');
  });
});
