import { AsyncLocalStorage } from 'node:async_hooks';
import { findCarriedBudgetWith, TimeBudget } from './time-budget';

/** The budgets of asynchronous operations, each travelling with its async context. */
const storage = new AsyncLocalStorage<TimeBudget>();
findCarriedBudgetWith(() => storage.getStore());

/** How many asynchronous operations run under a budget now. */
let asyncRuns = 0;

/**
 * Runs fn and everything it awaits under a budget of `ms` milliseconds (the budget travels with its async context).
 * When the last such operation has settled, the storage is disabled: an enabled AsyncLocalStorage keeps Node's
 * promise hooks on for every request after it (measured: an await costs about three times as much), so one
 * `$closure` or `$rollup` would otherwise slow every later request of the process. A continuation of a settled
 * operation that still runs afterwards finds no budget, as work outside an operation does.
 */
export function withAsyncTimeBudget<T>(ms: number | undefined, fn: () => Promise<T>, requestDeadline?: number): Promise<T> {
  if (!ms || ms <= 0) return fn();
  const budget = new TimeBudget(ms, Date.now(), requestDeadline);
  try {
    budget.check();
  } catch (e) {
    return Promise.reject(e);
  }
  asyncRuns++;
  let result: Promise<T>;
  try {
    result = storage.run(budget, fn);
  } catch (e) {
    settled();
    throw e;
  }
  return result.finally(settled);
}

function settled(): void {
  if (--asyncRuns === 0) storage.disable();
}
