import { AsyncLocalStorage } from 'node:async_hooks';
import { withAsyncTimeBudget } from '../../src/terminology/async-time-budget';
import { checkTimeBudget, currentTimeBudget, TimeBudget, withTimeBudget } from '../../src/terminology/time-budget';

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

  it('end with the request: one whose time ran out while it waited is not computed (503 timeout), one with less time left than its budget stops then', async () => {
    const status = (fn: () => unknown): { status: number; code: string } | undefined => {
      try {
        fn();
        return undefined;
      } catch (e) {
        return e as { status: number; code: string };
      }
    };
    const computed = jest.fn(() => 'answer');
    expect(status(() => withTimeBudget(10_000, computed, Date.now() - 1))).toMatchObject({ status: 503, code: 'timeout' });
    expect(computed).not.toHaveBeenCalled();
    await expect(withAsyncTimeBudget(10_000, async () => computed(), Date.now() - 1)).rejects.toMatchObject({ status: 503, code: 'timeout' });
    expect(computed).not.toHaveBeenCalled();
    // the request's time ends before the budget: 503 once it has; the budget ends first: 422 too-costly
    expect(status(() => new TimeBudget(10_000, Date.now() - 5_000, Date.now() - 1).check())).toMatchObject({ status: 503, code: 'timeout' });
    expect(status(() => new TimeBudget(10, Date.now() - 5_000, Date.now() + 60_000).check())).toMatchObject({ status: 422, code: 'too-costly' });
    expect(withTimeBudget(10_000, computed, Date.now() + 60_000)).toBe('answer');
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

  it("turn the async context tracking off once the last asynchronous budget has settled, and keep each one's budget until then", async () => {
    const disable = jest.spyOn(AsyncLocalStorage.prototype, 'disable');
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      const seen: (number | undefined)[] = [];
      const first = withAsyncTimeBudget(300, async () => {
        await gate;
        seen.push(currentTimeBudget()?.ms);
      });
      await withAsyncTimeBudget(100, async () => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(currentTimeBudget()?.ms);
      });
      expect(disable).not.toHaveBeenCalled(); // the first still runs, with its budget
      release();
      await first;
      expect(seen).toEqual([100, 300]);
      expect(disable).toHaveBeenCalledTimes(1);
      await expect(withAsyncTimeBudget(50, async () => { throw new Error('failed'); })).rejects.toThrow('failed');
      expect(disable).toHaveBeenCalledTimes(2);
      // a later operation has its budget again
      expect(await withAsyncTimeBudget(70, async () => { await null; return currentTimeBudget()?.ms; })).toBe(70);
    } finally {
      disable.mockRestore();
    }
  });
});

