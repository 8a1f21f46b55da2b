import { checkTimeBudget, currentTimeBudget, withAsyncTimeBudget, withTimeBudget } from '../../src/terminology/time-budget';

describe('operation time budgets', () => {
  it('hold for the synchronous call only, and nest', () => {
    expect(currentTimeBudget()).toBeUndefined();
    withTimeBudget(1000, () => {
      const outer = currentTimeBudget();
      expect(outer?.ms).toBe(1000);
      withTimeBudget(50, () => expect(currentTimeBudget()?.ms).toBe(50));
      expect(currentTimeBudget()).toBe(outer);
    });
    expect(currentTimeBudget()).toBeUndefined();
    expect(withTimeBudget(0, () => currentTimeBudget())).toBeUndefined();
  });

  it('stop a synchronous computation that runs past its budget', () => {
    expect(() => withTimeBudget(5, () => {
      const end = Date.now() + 50;
      while (Date.now() < end) { /* busy */ }
      checkTimeBudget();
    })).toThrow(/time budget of 5 ms/);
  });

  it('travel across awaits for asynchronous work, without leaking into other work', async () => {
    const seen: (number | undefined)[] = [];
    await withAsyncTimeBudget(200, async () => {
      seen.push(currentTimeBudget()?.ms);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(currentTimeBudget()?.ms);
      withTimeBudget(30, () => seen.push(currentTimeBudget()?.ms));
      seen.push(currentTimeBudget()?.ms);
    });
    expect(seen).toEqual([200, 200, 30, 200]);
    expect(currentTimeBudget()).toBeUndefined();
  });
});
