import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { TokenVerifier } from '../../auth/verifier';
import { FhirError } from '../../errors/fhir-error';
import { issue, operationOutcome } from '../../errors/operation-outcome';
import { isKommunekode } from '../../municipal/municipality';
import { municipalityPackage, publishedCatalogsPackage, todaysVersion } from '../../packages/export-selection';
import type { PackageService } from '../../packages/package-service';
import { writePackageTarball } from '../../packages/package-writer';
import type { PublishedLayer } from '../../packages/published-layer';
import type { ResourceSet } from '../../terminology/resource-set';
import { isSemVer } from '../../terminology/versions';
import { sendResource } from '../pipeline/fhir-json';
import { authenticate } from './writes';

export interface PackageRouteDeps {
  service: PackageService;
  layer: PublishedLayer;
  published: ResourceSet;
  written: ResourceSet;
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
  const raw = express.raw({ type: () => true, limit: deps.bodyLimitBytes });
  router.post(/^\/\$load-package$/, authenticate(deps.verifier), (req: Request, _res: Response, next: NextFunction) => {
    if (!req.principal?.admin) {
      const refused = new FhirError(403, 'forbidden', 'Indlæsning af pakker kræver et token med scope admin');
      void deps.service.recordRefusal('load-package', { principal: req.principal! }, 'pakken', refused);
      return next(refused);
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!ARCHIVE_TYPES.test(type)) {
      return next(new FhirError(415, 'not-supported', `Send pakken som .tgz med Content-Type application/gzip (ikke '${type || 'ingen'}')`));
    }
    next();
  }, raw, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const body = req.body as unknown;
      if (!Buffer.isBuffer(body) || body.length === 0) throw FhirError.invalid('Forespørgslen har ingen pakke (.tgz) i kroppen');
      const pkg = await deps.service.load(body, 'pakken', { principal: req.principal! });
      const count = (t: string) => pkg.resources.filter((r) => r.resourceType === t).length;
      sendResource(res, 200, operationOutcome([issue({
        severity: 'information', code: 'informational',
        text: `Pakken ${pkg.name}#${pkg.version} er indlæst: ${count('CodeSystem')} kodesystemer, ${count('ValueSet')} værdisæt og ${count('ConceptMap')} mapninger`,
      })]));
    } catch (e) {
      next(e);
    }
  });
  router.get(/^\/\$package$/, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const query = req.query as Record<string, unknown>;
      for (const name of Object.keys(query)) {
        if (name !== 'kommunekode' && name !== 'version' && name !== '_format') throw FhirError.invalid(`Ukendt parameter '${name.slice(0, 100)}' (kommunekode, version)`);
      }
      const { kommunekode, version } = query;
      if (version !== undefined && (typeof version !== 'string' || !isSemVer(version))) throw FhirError.invalid('version skal være en semantisk version, fx 1.2.0');
      let selection;
      if (kommunekode !== undefined) {
        if (!isKommunekode(kommunekode)) throw FhirError.invalid('kommunekode skal være tre cifre, fx 370');
        selection = municipalityPackage(kommunekode, deps.published, deps.written, (version as string | undefined) ?? todaysVersion());
        if (selection.resources.length === 0) throw FhirError.notFound(`Kommune ${kommunekode} har ingen lokale kataloger eller mapninger`);
      } else {
        selection = publishedCatalogsPackage(deps.layer, version as string | undefined);
      }
      const archive = await writePackageTarball(selection.manifest, selection.resources);
      res.setHeader('Content-Type', 'application/gzip');
      res.setHeader('Content-Disposition', `attachment; filename="${selection.manifest.name}-${selection.manifest.version}.tgz"`);
      res.status(200).end(archive);
    } catch (e) {
      next(e);
    }
  });
  return router;
}
