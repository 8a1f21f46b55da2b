import { Router } from 'express';
import { FhirError } from '../../errors/fhir-error';
import type { TerminologyStore } from '../../store/store';
import type { TerminologyRegistry } from '../../terminology/registry';

/** Whether the $validate profile stack is loaded: at start in the background, or on the first $validate. */
export type ValidationState = 'on first use' | 'loading' | 'loaded' | 'failed';

export interface ValidationWarmUp {
  state(): ValidationState;
  /** The background load under way, if one was started. */
  loading(): Promise<void> | undefined;
}

/** How long /ready waits for the store: a hung database must not hold up the answer load balancers wait for. */
export const READY_STORE_CHECK_MS = 2000;

type StoreState = { store: 'ok' } | { store: 'full' | 'unreachable'; storeProblem: string };

async function checkStore(store: TerminologyStore): Promise<StoreState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${READY_STORE_CHECK_MS} ms`)), READY_STORE_CHECK_MS);
  });
  try {
    await Promise.race([store.ping(READY_STORE_CHECK_MS), timeout]);
    return { store: 'ok' };
  } catch (e) {
    const full = e instanceof FhirError && e.status === 507;
    return { store: full ? 'full' : 'unreachable', storeProblem: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness (`/health`: the process answers) and readiness (`/ready`: catalogs loaded, store reachable and not out of
 * space, not shutting down), answered within READY_STORE_CHECK_MS and a little; while the validation profiles load in
 * the background, /ready waits for them, so traffic arrives when they are there.
 */
export function healthRoutes(registry: TerminologyRegistry, store: TerminologyStore, isShuttingDown: () => boolean, validation?: ValidationWarmUp): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    await validation?.loading();
    const codeSystems = registry.list('CodeSystem').length;
    // the pick lists computed on first use are not counted: listing them would compute every municipality's (seconds
    // with 98 municipalities' catalogs), and the first /ready is what a starting replica waits for
    const valueSets = registry.list('ValueSet', { computed: false }).length;
    const storeState = await checkStore(store);
    const ready = !isShuttingDown() && storeState.store === 'ok' && codeSystems > 0;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', codeSystems, valueSets, ...storeState, shuttingDown: isShuttingDown(), ...(validation ? { validation: validation.state() } : {}) });
  });
  return router;
}
