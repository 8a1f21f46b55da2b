import { Router, type Request } from 'express';
import { metadataResource } from '../../operations/capability-statement';
import { notKnown } from '../../errors/common-errors';
import { operationDefinitionById } from '../../operations/operation-definition';
import type { ProfileRegistry } from '../../profile-validation/profile-registry';
import type { TerminologyRegistry } from '../../terminology/registry';
import { sendResource } from '../pipeline/send';
import { excerpt } from '../../errors/excerpt';

/** `GET /metadata` (the CapabilityStatement, or `?mode=terminology`) and `GET /OperationDefinition/{id}`. */
export function metadataRoutes(registry: TerminologyRegistry, profiles: ProfileRegistry, baseUrlOf: (req: Request) => string): Router {
  const router = Router();
  router.get('/metadata', (req, res) => {
    sendResource(res, 200, metadataResource(req.query, baseUrlOf(req), registry, profiles));
  });
  router.get('/OperationDefinition/:id', (req, res) => {
    const id = String(req.params.id);
    const definition = operationDefinitionById(id);
    if (!definition) throw notKnown('OperationDefinition', excerpt(id));
    sendResource(res, 200, definition);
  });
  return router;
}
