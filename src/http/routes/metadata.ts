import { Router, type Request } from 'express';
import { SerializedText } from '../../fhir/serialized';
import { etagOfPieces, type AnswerHeaders } from '../../operations/caches/answer-etag';
import { metadataResource } from '../../operations/capability-statement';
import type { ProfileRegistry } from '../../profile-validation/profile-registry';
import { BoundedMap } from '../../terminology/bounded-map';
import type { TerminologyRegistry } from '../../terminology/registry';
import { ifNoneMatchHolds } from '../../write/interactions';
import { headerText } from '../pipeline/request-values';
import { sendResource } from '../pipeline/send';

/** Statements kept at once: one per mode and base URL, and the base URL follows the Host a client names. */
const KEPT_STATEMENTS = 8;

interface KeptStatement { generation: number; text: string; headers: AnswerHeaders }

/**
 * `GET /metadata`: the CapabilityStatement, or `?mode=terminology` the TerminologyCapabilities, tagged by their content
 * as the operation answers are (a client checking the server's capabilities at every start gets 304 while they stay).
 * Each is made once per mode, base URL and state of the catalogs (listing every code system version takes a while).
 */
export function metadataRoutes(registry: TerminologyRegistry, profiles: ProfileRegistry, baseUrlOf: (req: Request) => string): Router {
  const router = Router();
  const kept = new BoundedMap<string, KeptStatement>(KEPT_STATEMENTS);
  const statement = (req: Request): KeptStatement => {
    const baseUrl = baseUrlOf(req);
    const mode = req.query.mode;
    const key = typeof mode === 'string' || mode === undefined ? `${mode ?? ''}\n${baseUrl}` : undefined;
    const known = key === undefined ? undefined : kept.get(key);
    if (known && known.generation === registry.generation) return known;
    const generation = registry.generation;
    const text = JSON.stringify(metadataResource(req.query, baseUrl, registry, profiles));
    const made = { generation, text, headers: etagOfPieces([text]) };
    if (key !== undefined) kept.set(key, made);
    return made;
  };
  router.get('/metadata', (req, res) => {
    const { text, headers } = statement(req);
    const asked = headerText(req, 'if-none-match');
    if (asked !== undefined && ifNoneMatchHolds(asked, headers.ETag)) {
      res.set(headers).status(304).end();
      return;
    }
    sendResource(res, 200, new SerializedText(text), headers);
  });
  return router;
}
