import { Router, type Request } from 'express';
import { SerializedText } from '../../fhir/serialized';
import { etagOfPieces } from '../../operations/caches/answer-etag';
import { metadataResource } from '../../operations/capability-statement';
import type { ProfileRegistry } from '../../profile-validation/profile-registry';
import type { TerminologyRegistry } from '../../terminology/registry';
import { ifNoneMatchHolds } from '../../write/interactions';
import { headerText } from '../pipeline/request-values';
import { sendResource } from '../pipeline/send';

/**
 * `GET /metadata`: the CapabilityStatement, or `?mode=terminology` the TerminologyCapabilities, tagged by their content
 * as the operation answers are (a client checking the server's capabilities at every start gets 304 while they stay).
 */
export function metadataRoutes(registry: TerminologyRegistry, profiles: ProfileRegistry, baseUrlOf: (req: Request) => string): Router {
  const router = Router();
  router.get('/metadata', (req, res) => {
    const text = JSON.stringify(metadataResource(req.query, baseUrlOf(req), registry, profiles));
    const headers = etagOfPieces([text]);
    const asked = headerText(req, 'if-none-match');
    if (asked !== undefined && ifNoneMatchHolds(asked, headers.ETag)) {
      res.set(headers).status(304).end();
      return;
    }
    sendResource(res, 200, new SerializedText(text), headers);
  });
  return router;
}
