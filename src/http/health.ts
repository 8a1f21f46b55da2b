import { Router } from 'express';
import type { TerminologyStore } from '../store/store';
import type { TerminologyRegistry } from '../terminology/registry';

/** Whether the $validate profile stack is loaded: at start in the background, or on the first $validate. */
export type ValidationState = 'on first use' | 'loading' | 'loaded' | 'failed';

export interface ValidationWarmUp {
  state(): ValidationState;
  /** The background load under way, if one was started. */
  loading(): Promise<void> | undefined;
}

/**
 * Liveness (`/health`: the process answers) and readiness (`/ready`: catalogs loaded, store reachable; while the
 * validation profiles load in the background, /ready waits for them, so traffic arrives when they are there).
 */
export function healthRoutes(registry: TerminologyRegistry, store: TerminologyStore, isShuttingDown: () => boolean, validation?: ValidationWarmUp): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    await validation?.loading();
    const codeSystems = registry.list('CodeSystem').length;
    const valueSets = registry.list('ValueSet').length;
    let storeOk = true;
    try {
      await store.ping();
    } catch {
      storeOk = false;
    }
    const ready = !isShuttingDown() && storeOk && codeSystems > 0;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', codeSystems, valueSets, store: storeOk ? 'ok' : 'unreachable', shuttingDown: isShuttingDown(), ...(validation ? { validation: validation.state() } : {}) });
  });
  return router;
}
