import { FhirError } from '../errors/fhir-error';
import type { TerminologyStore } from './store';

/** How long a readiness check waits for the store: a hung database must not hold up the answer load balancers wait for. */
export const READY_STORE_CHECK_MS = 2000;

export type StoreState = { store: 'ok' } | { store: 'full' | 'damaged' | 'unreachable'; storeProblem: string };

/**
 * Whether the store answers within READY_STORE_CHECK_MS, has room to write (507 when not) and has not found its file
 * damaged (503 `no-store`).
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
    const state = !(e instanceof FhirError) ? 'unreachable' : e.status === 507 ? 'full' : e.status === 503 && e.code === 'no-store' ? 'damaged' : 'unreachable';
    return { store: state, storeProblem: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}
