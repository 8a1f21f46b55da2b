import { Router, type Request } from 'express';
import { FhirError } from '../../errors/fhir-error';
import { notKnown } from '../../errors/common-errors';
import { capabilityStatement, terminologyCapabilities } from '../../operations/capability-statement';
import { operationDefinitionById } from '../../operations/operation-definition';
import type { ProfileRegistry } from '../../profile-validation/profile-registry';
import type { TerminologyRegistry } from '../../terminology/registry';
import { sendResource } from '../pipeline/send';
import { excerpt } from '../../errors/excerpt';

/** `GET /metadata` (the CapabilityStatement, or `?mode=terminology`) and `GET /OperationDefinition/{id}`. */
export function metadataRoutes(registry: TerminologyRegistry, profiles: ProfileRegistry, baseUrlOf: (req: Request) => string): Router {
  const router = Router();
  router.get('/metadata', (req, res) => {
    const mode = req.query.mode;
    if (mode === 'terminology') return sendResource(res, 200, terminologyCapabilities(baseUrlOf(req), registry));
    if (mode !== undefined && mode !== 'full' && mode !== 'normative') throw FhirError.invalid(`Unknown metadata mode '${excerpt(mode)}'`, { da: `Ukendt metadata-mode '${excerpt(mode)}'` });
    sendResource(res, 200, capabilityStatement(baseUrlOf(req), profiles));
  });
  router.get('/OperationDefinition/:id', (req, res) => {
    const id = String(req.params.id);
    const definition = operationDefinitionById(id);
    if (!definition) throw notKnown('OperationDefinition', excerpt(id));
    sendResource(res, 200, definition);
  });
  return router;
}
