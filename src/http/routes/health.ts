import { Router } from 'express';
import type { ValidationWarmUp } from '../../profile-validation/warm-up';
import { storeReadiness } from '../../store/readiness';
import type { TerminologyStore } from '../../store/store';
import type { TerminologyRegistry } from '../../terminology/registry';

/**
 * Liveness (`/health`: the process answers) and readiness (`/ready`: catalogs loaded, store reachable, not out of
 * space, able to write its file and not damaged, not shutting down), answered within READY_STORE_CHECK_MS and a little; while the validation profiles load in
 * the background, /ready waits for them, so traffic arrives when they are there.
 */
export function healthRoutes(registry: TerminologyRegistry, store: TerminologyStore, isShuttingDown: () => boolean, validation: ValidationWarmUp): Router {
  const router = Router();
  router.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/ready', async (_req, res) => {
    await validation.loading();
    const codeSystems = registry.list('CodeSystem').length;
    // the pick lists computed on first use are not counted: listing them would compute every municipality's (seconds
    // with 98 municipalities' catalogs), and the first /ready is what a starting replica waits for
    const valueSets = registry.list('ValueSet', { computed: false }).length;
    const storeState = await storeReadiness(store);
    if (res.headersSent) return; // answered by the request timeout while it waited
    const ready = !isShuttingDown() && storeState.store === 'ok' && codeSystems > 0;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', codeSystems, valueSets, ...storeState, shuttingDown: isShuttingDown(), validation: validation.state });
  });
  return router;
}
