import { Router, type NextFunction, type Request, type Response } from 'express';
import type { TokenVerifier } from '../../auth/verifier';
import { FhirError } from '../../errors/fhir-error';
import { messageLanguage } from '../../errors/message-language';
import { requestedPackage } from '../../packages/export-selection';
import { UPLOADED } from '../../packages/package-reader';
import type { PackageService } from '../../packages/package-service';
import { writePackageTarball } from '../../packages/package-writer';
import type { PublishedLayer } from '../../packages/published-layer';
import type { ResourceSet, TerminologyResource } from '../../terminology/resource-set';
import { operationNotAllowed } from '../../operations/invoke';
import { authenticate } from '../pipeline/authenticate';
import { rawBody } from '../pipeline/fhir-json';
import { sendResource } from '../pipeline/send';
import { answerOptions } from './path-methods';
import { writeGate } from './writes';
import { excerpt } from '../../errors/excerpt';

export interface PackageRouteDeps {
  service: PackageService;
  layer: PublishedLayer;
  published: ResourceSet;
  written: ResourceSet;
  /** Every url|version written here, the versions later writes replaced included. */
  pastVersions: () => readonly TerminologyResource[];
  verifier: TokenVerifier;
  bodyLimitBytes: number;
}

const ARCHIVE_TYPES = /^application\/(gzip|x-gzip|octet-stream|tar\+gzip|x-tar)$/i;

/**
 * FHIR packages in and out (src/packages/), at the FHIR base and before its JSON body parsing (the bodies are archives):
 *  - `POST $load-package`, body the package archive (.tgz, application/gzip), admin scope: checked whole, then served by
 *    every replica; 200 OperationOutcome, or 422 (409 when already loaded) with every reason and nothing changed;
 *  - `GET $package[?kommunekode=370][&version=…]`: the common catalogs, or one municipality's catalogs and maps, as a
 *    package archive (application/gzip).
 */
export function packageRoutes(deps: PackageRouteDeps): Router {
  const router = Router();
  const raw = rawBody(deps.bodyLimitBytes);
  router.post(/^\/\$load-package$/, authenticate(deps.verifier), async (req: Request, _res: Response, next: NextFunction) => {
    if (!req.principal?.admin) {
      const refused = new FhirError(403, 'forbidden', 'Loading a package needs a token with the admin scope', { da: 'Indlæsning af pakker kræver et token med scope admin' });
      // recorded before the answer, as $unload-package's refusal is: nothing of the request is left running after it
      await deps.service.recordRefusal('load-package', { principal: req.principal! }, UPLOADED.en, refused);
      return next(refused);
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!ARCHIVE_TYPES.test(type)) {
      return next(new FhirError(415, 'not-supported', `Send the package as .tgz with Content-Type application/gzip (not '${excerpt(type || 'none')}')`, {
        da: `Send pakken som .tgz med Content-Type application/gzip (ikke '${excerpt(type || 'ingen')}')`,
      }));
    }
    next();
  }, raw, async (req: Request, res: Response) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // as a write: cancelled by the request timeout unless its commit has begun, then answered with its outcome
    sendResource(res, 200, await deps.service.loadOutcome(body, messageLanguage(req.headers['accept-language']), { principal: req.principal!, gate: writeGate(res) }));
  });
  router.get(/^\/\$package$/, async (req: Request, res: Response) => {
    const selection = requestedPackage(req.query as Record<string, unknown>, deps.layer, deps.published, deps.written, deps.pastVersions);
    const archive = await writePackageTarball(selection.manifest, selection.resources);
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Disposition', `attachment; filename="${selection.manifest.name}-${selection.manifest.version}.tgz"`);
    res.status(200).end(archive);
  });
  // another method: 405 with Allow, as invoke answers the operations of the table (Express answers HEAD with the GET
  // route); OPTIONS: that Allow, as every FHIR path answers it
  for (const [path, name, methods] of [[/^\/\$load-package$/, 'load-package', ['POST']], [/^\/\$package$/, 'package', ['GET']]] as const) {
    router.all(path, (req: Request, res: Response, next: NextFunction) => (req.method === 'OPTIONS' ? answerOptions(res, methods) : next(operationNotAllowed(name, methods, req.method))));
  }
  return router;
}
