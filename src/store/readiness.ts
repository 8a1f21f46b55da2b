import { FhirError, type FhirErrorOptions } from '../errors/fhir-error';
import type { TerminologyStore } from './store';

/** How long a readiness check waits for the store: a hung database must not hold up the answer load balancers wait for. */
export const READY_STORE_CHECK_MS = 2000;

/**
 * What keeps a store from taking writes, as readiness names it: its disk full (507), its file damaged, or its file
 * not writable (made read-only, its disk failing, or no longer in the data folder; 503 `no-store`).
 */
export type StoreProblemState = 'full' | 'damaged' | 'unwritable';

/** A store's answer to a request it cannot serve, saying which state readiness reports for it. */
export class StoreProblem extends FhirError {
  constructor(readonly state: StoreProblemState, message: string, options: FhirErrorOptions = {}) {
    super(state === 'full' ? 507 : 503, 'no-store', message, options);
  }
}

export type StoreState = { store: 'ok' } | { store: StoreProblemState | 'unreachable'; storeProblem: string };

/**
 * Whether the store answers within READY_STORE_CHECK_MS, has room to write (507 when not), can write its file and has
 * not found it damaged (503 `no-store`).
 */
export async function storeReadiness(store: TerminologyStore): Promise<StoreState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${READY_STORE_CHECK_MS} ms`)), READY_STORE_CHECK_MS);
  });
  try {
    await Promise.race([store.ping(READY_STORE_CHECK_MS), timeout]);
    return { store: 'ok' };
  } catch (e) {
    return { store: e instanceof StoreProblem ? e.state : 'unreachable', storeProblem: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}
