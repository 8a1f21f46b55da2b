import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config';
import { errorToOutcome } from './errors/operation-outcome';
import { FhirError } from './errors/fhir-error';
import { fhirJsonBody, sendResource } from './http/fhir-json';
import { capabilityStatement, terminologyCapabilities } from './http/metadata';
import { acceptLanguages, operationRoute } from './http/operation-route';
import { requestLog } from './http/request-log';
import { search } from './http/search';
import { healthRoutes } from './http/health';
import { createMetrics } from './http/metrics';
import { securityMiddleware } from './http/security';
import { requestTimeout } from './http/request-timeout';
import type { OperationContext } from './operations/context';
import type { TerminologyStore } from './store/store';
import { loadTerminology, type LoadedTerminology } from './terminology/loader';
import { TerminologyRegistry } from './terminology/registry';
import { ResourceSet, type TerminologyType } from './terminology/resource-set';

export interface AppDeps {
  config: Config;
  store: TerminologyStore;
  logger: Logger;
  /** Published catalogs already loaded (tests share one load); loaded from config.terminologyDir otherwise. */
  published?: LoadedTerminology;
}

const RESOURCE_PATH = /^\/(CodeSystem|ValueSet|ConceptMap)(?:\/([^/$][^/]*))?\/?$/;

export interface App extends express.Express {
  registry: TerminologyRegistry;
  /** Marks the app as shutting down: /ready answers 503 so load balancers stop sending traffic. */
  beginShutdown(): void;
}

/** Builds the HTTP application; no globals: everything it uses comes in through its arguments. */
export async function createApp({ config, store, logger, published }: AppDeps): Promise<App> {
  const catalogs = published ?? loadTerminology(config.terminologyDir, { includeExamples: config.loadExamples });
  const written = new ResourceSet(await store.loadAll());
  const registry = new TerminologyRegistry([written, new ResourceSet(catalogs.resources)], catalogs.defaultSupplements);

  const app = express() as unknown as App;
  app.registry = registry;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  const base = config.basePath;
  const baseUrlOf = (req: Request): string => config.publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}${base}`;
  const contextFor = (req: Request): OperationContext => ({
    registry,
    acceptLanguages: acceptLanguages(req),
    limits: { maxExpansionSize: config.maxExpansionSize },
    baseUrl: baseUrlOf(req),
  });

  let shuttingDown = false;
  app.beginShutdown = () => {
    shuttingDown = true;
  };
  const metrics = createMetrics(registry, base);
  app.use(requestLog(logger));
  app.use(...securityMiddleware(config));
  app.use(metrics.middleware);
  app.use(requestTimeout(config.requestTimeoutMs));
  app.use(healthRoutes(registry, store, () => shuttingDown));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const fhir = express.Router();
  fhir.use(fhirJsonBody(config.bodyLimitBytes));
  fhir.use((req, _res, next) => {
    const format = req.query._format;
    if (typeof format === 'string' && /xml/i.test(format)) return next(new FhirError(406, 'not-supported', 'Only JSON is supported (_format=json)'));
    next();
  });

  fhir.get('/metadata', (req, res) => {
    const mode = req.query.mode;
    if (mode === 'terminology') return sendResource(res, 200, terminologyCapabilities(baseUrlOf(req), registry));
    if (mode !== undefined && mode !== 'full' && mode !== 'normative') {
      throw FhirError.invalid(`Unknown metadata mode '${String(mode)}'`);
    }
    sendResource(res, 200, capabilityStatement(baseUrlOf(req), []));
  });

  fhir.use(operationRoute(contextFor));

  fhir.get(RESOURCE_PATH, (req, res) => {
    const [, type, id] = RESOURCE_PATH.exec(req.path) as unknown as [string, TerminologyType, string | undefined];
    if (id) {
      const resource = registry.byId(type, id);
      if (!resource) throw FhirError.notFound(`${type}/${id} is not known`);
      return sendResource(res, 200, resource);
    }
    const selfUrl = `${baseUrlOf(req)}${req.url}`;
    sendResource(res, 200, search(registry, type, req.query as Record<string, unknown>, selfUrl, baseUrlOf(req)));
  });

  fhir.all(/.*/, (req) => {
    throw new FhirError(404, 'not-found', `No route for ${req.method} ${req.path}`);
  });

  app.use(base, fhir);
  app.get('/', (_req, res) => res.redirect(`${base}/metadata`));

  app.use((req: Request, _res: Response, next: NextFunction) => next(new FhirError(404, 'not-found', `No route for ${req.method} ${req.path}`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, outcome } = errorToOutcome(err);
    if (status >= 500) (req.log ?? logger).error({ err }, 'request failed');
    sendResource(res, status, outcome);
  });
  return app;
}
