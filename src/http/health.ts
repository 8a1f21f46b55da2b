import { Router } from 'express';
import type { TerminologyStore } from '../store/store';
import type { TerminologyRegistry } from '../terminology/registry';

/** Liveness (`/health`: the process answers) and readiness (`/ready`: catalogs loaded, store reachable). */
export function healthRoutes(registry: TerminologyRegistry, store: TerminologyStore, isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const codeSystems = registry.list('CodeSystem').length;
    const valueSets = registry.list('ValueSet').length;
    let storeOk = true;
    try {
      await store.ping();
    } catch {
      storeOk = false;
    }
    const ready = !isShuttingDown() && storeOk && codeSystems > 0;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', codeSystems, valueSets, store: storeOk ? 'ok' : 'unreachable', shuttingDown: isShuttingDown() });
  });
  return router;
}
