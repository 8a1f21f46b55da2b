import { Router, type Request } from 'express';
import { metadataResource } from '../../operations/capability-statement';
import type { ProfileRegistry } from '../../profile-validation/profile-registry';
import type { TerminologyRegistry } from '../../terminology/registry';
import { sendResource } from '../pipeline/send';

/** `GET /metadata`: the CapabilityStatement, or `?mode=terminology` the TerminologyCapabilities. */
export function metadataRoutes(registry: TerminologyRegistry, profiles: ProfileRegistry, baseUrlOf: (req: Request) => string): Router {
  const router = Router();
  router.get('/metadata', (req, res) => {
    sendResource(res, 200, metadataResource(req.query, baseUrlOf(req), registry, profiles));
  });
  return router;
}
