import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { projectRoot, type Config } from './config';
import { FhirError } from './errors/fhir-error';
import type { MessageLanguage } from './errors/message-language';
import { parseQueryString } from './fhir/query-string';
import { noRoute } from './errors/common-errors';
import { installFastPath } from './http/pipeline/fast-path';
import { authenticateWritesFirst } from './http/pipeline/authenticate';
import { fhirJsonBody } from './http/pipeline/fhir-json';
import { BodiesInFlight } from './http/pipeline/bodies-in-flight';
import { requestFormat } from './http/pipeline/request-format';
import { sendAnswer } from './http/pipeline/send';
import { acceptLanguages, clientCacheOf, expansionLimit, requestBaseUrl } from './http/pipeline/request-values';
import { requestLifecycle } from './http/pipeline/request-lifecycle';
import { createMetrics } from './http/pipeline/metrics';
import { appMetrics, servedMetrics } from './metrics';
import { hostChecked } from './http/pipeline/request-target';
import { securityHeaders, securityMiddleware, varyHeader } from './http/pipeline/security';
import { batchRoute, transactionReads } from './http/routes/batch';
import { healthRoutes } from './http/routes/health';
import { metadataRoutes } from './http/routes/metadata';
import { operationRoute } from './http/routes/operations';
import { readRoutes } from './http/routes/reads';
import { defaultWebDir, webAppRoutes } from './http/routes/web-app';
import { writeGate, writeLanguage, writeRoutes } from './http/routes/writes';
import { notAnsweredRoute, optionsRoute } from './http/routes/path-methods';
import { fhirCoreTerminology } from './terminology/fhir-core';
import { LibraryCodeSystems } from './terminology/providers/library-systems';
import type { OperationContext, OperationServices } from './operations/context';
import { operationPathsWith } from './operations';
import { createInvoker, errorAnswer, pathRefusalLanguage } from './operations/invoke';
import type { ResponseCache } from './operations/caches/response-cache';
import { submissionValidation } from './profile-validation';
import { ValidationWarmUp } from './profile-validation/warm-up';
import { bearerToken, createTokenVerifier, type Principal } from './auth/verifier';
import { sharedFhirSchemaValidator } from './fhir/schema-validator';
import { MUNICIPAL_SCOPES } from './municipal/change-scopes';
import { MunicipalValueSetLayer } from './municipal/municipal-layer';
import { checkPublishedLocalCatalogs } from './municipal/published-check';
import { ResourceWriter } from './write/writer';
import { isWriteRequest } from './write/interactions';
import { hasChangeFeed, StoreLoadError, type TerminologyStore } from './store/store';
import type { StoredPackage } from './store/packages';
import type { Bilingual } from './errors/issue';
import { WrittenLayer } from './store/written-layer';
import { VersionHistory } from './store/past-version';
import { withdrawWrittenRuleBreaches } from './write/written-check';
import { loadTerminology, type LoadedTerminology } from './terminology/loader';
import { CATALOGS_VERSION } from './packages/export-selection';
import { FHIR_VERSION } from './packages/package-check';
import { addConfiguredPackages, PackageService, refuseStoredAtStart } from './packages/package-service';
import { PackageFolderWatch } from './packages/package-watch';
import { CATALOGS_PACKAGE, PublishedLayer } from './packages/published-layer';
import { TerminologyRegistry } from './terminology/registry';
import { ResourceSet } from './terminology/resource-set';
import { heldForOtherUrl, type TakenElsewhere } from './terminology/served-ids';
import { ClientCaches } from './operations/caches/client-caches';
import { AnswersInFlight } from './http/pipeline/answers-in-flight';

export interface AppDeps {
  config: Config;
  store: TerminologyStore;
  logger: Logger;
  /** Published catalogs already loaded (tests share one load); loaded from config.terminologyDir otherwise. */
  published?: LoadedTerminology;
  /** The built web page served at /app (default dist/web). */
  webDir?: string;
  /** Node's process metrics (processMetrics()), served at /metrics beside the app's: made once per process, by the server. */
  processMetrics?: Registry;
}

export interface App extends express.Express {
  registry: TerminologyRegistry;
  /** The response cache of operation answers (src/operations/invoke.ts). */
  responseCache: ResponseCache;
  /** Marks the app as shutting down: /ready answers 503 so load balancers stop sending traffic. */
  beginShutdown(): void;
  /**
   * Resolves once the writes the app has queued (those whose request timed out too) have run their course and their
   * audit records are stored: the server waits for it after the last request, before it closes the store.
   */
  settled(): Promise<void>;
  /**
   * Loads the $validate profile stack (profiles, FHIRPath engine, bound value sets) in the background, once; the
   * server calls it after it listens, so no client waits for it. /ready waits for a load under way.
   */
  warmUpValidation(): Promise<void>;
  /** The watched package folder (PACKAGES_WATCH), when configured; the server starts its scans after it listens. */
  packageWatch?: PackageFolderWatch;
}

/** Builds the HTTP application; no globals: everything it uses comes in through its arguments. */
export async function createApp({ config, store, logger, published, webDir, processMetrics }: AppDeps): Promise<App> {
  const catalogs = published ?? loadTerminology(config.terminologyDir, { includeExamples: config.loadExamples });
  const written = new ResourceSet();
  const publishedSet = new ResourceSet(catalogs.resources);
  const library = new LibraryCodeSystems();
  const fhirCore = new ResourceSet([...fhirCoreTerminology(), ...library.resources]);
  // each municipality's pick lists, derived from its local catalogs (municipal/municipal-value-sets.ts), under what is written or published
  // an id a municipality wrote for another url: the layers below serve theirs under another id (terminology/served-ids.ts)
  const writtenElsewhere = heldForOtherUrl(written);
  const derived = new MunicipalValueSetLayer(writtenElsewhere);
  // every url|version written before, below all that is current: `url|1.0.0` still resolves after 2.0.0 replaced it
  const history = new VersionHistory((type, id, versionId) => store.versionLoader(type, id, versionId));
  // the terminology folder's supplements applied by default, and those of the packages served (PublishedLayer keeps it)
  const defaultSupplements = new Set(catalogs.defaultSupplements);
  const registry = new TerminologyRegistry([written, publishedSet, derived], defaultSupplements, undefined, [history.set, fhirCore],
    (cs, supplements) => library.provider(cs, supplements), MUNICIPAL_SCOPES);
  derived.attach(registry);
  // the terminology folder, the packages named in PACKAGES and those loaded at run time (src/packages/)
  // an id written here stays its writer's after a delete (README "Who owns an id"): a package's resource under it keeps
  // being served under another id, one that does not change when the written one is deleted
  const writtenOrDeleted: TakenElsewhere = (type, id, url) =>
    writtenElsewhere(type, id, url) || (written.byResourceId(type, id) === undefined && history.wasDeleted(type, id));
  const publishedLayer = new PublishedLayer(publishedSet, registry, catalogs.resources, { name: CATALOGS_PACKAGE, version: CATALOGS_VERSION, fhirVersion: FHIR_VERSION, dependencies: {} },
    { takenElsewhere: writtenOrDeleted, everyVersion: history.set }, config.packageReferences, defaultSupplements);
  const loadFromStore = async <T>(load: () => Promise<T>): Promise<T> => {
    try {
      return await load();
    } catch (e) {
      throw e instanceof FhirError ? e : new StoreLoadError(e);
    }
  };
  // every version written so far, before PACKAGES is checked against it (no package brings a url written here)
  await loadFromStore(async () => {
    history.load(await store.loadHistory());
    history.loadDeletions(await store.loadDeletions());
  });
  await addConfiguredPackages(config.packages, publishedLayer, (text) => logger.warn(`PACKAGES: ${text}`));
  // The written layer starts as the store's content; a store shared by replicas keeps it following every replica's writes.
  const layer = new WrittenLayer(written, registry, history);
  const feed = hasChangeFeed(store) ? store : undefined;
  // a stored package PACKAGES serves with other content stops the start; one a replica loads later is logged, not served
  const refusedAtStart: Bilingual[] = [];
  let started = false;
  const applyStoredPackages = (packages: StoredPackage[]) => {
    for (const problem of publishedLayer.applyPackages(packages)) {
      if (started) logger.error(`PACKAGES: ${problem.da}`);
      else refusedAtStart.push(problem);
    }
  };
  await loadFromStore(async () => {
    if (feed) {
      await feed.follow({
        apply: (changes) => layer.apply(changes),
        applyPackages: applyStoredPackages,
        unloadPackages: (unloads) => publishedLayer.unloadPackages(unloads),
      });
    } else {
      layer.load(await store.loadAll());
      applyStoredPackages(await store.listPackages());
    }
  });
  refuseStoredAtStart(refusedAtStart);
  started = true;
  for (const breach of withdrawWrittenRuleBreaches(written, publishedSet)) logger.warn(`written resource against the write rules (an admin token can delete it): ${breach}`);
  registry.touch();
  for (const warning of checkPublishedLocalCatalogs(registry, catalogs)) logger.warn(`municipal catalog: ${warning}`);
  // The check reads the catalogs as parsed; from here on they are kept packed (terminology/packed/resource.ts).
  publishedLayer.packBase();
  const writer = new ResourceWriter({
    store, registry, written, published: publishedSet, schema: sharedFhirSchemaValidator(), beforeWrite: feed && ((before) => feed.catchUp(before)),
    layerFollowsStore: feed !== undefined, history, derived,
  });

  const validation = submissionValidation(config.profilesDir);
  const packageService = new PackageService({
    store, layer: publishedLayer, written, layerFollowsStore: feed !== undefined, beforeLoad: feed && (() => feed.catchUp('write')),
    betweenWrites: (fn) => writer.betweenWrites(fn),
  });

  const app = express() as unknown as App;
  app.registry = registry;
  if (config.packagesWatch) app.packageWatch = new PackageFolderWatch({ dir: config.packagesWatch.dir, service: packageService, layer: publishedLayer, logger });
  // every operation call (both HTTP adapters, batch entries) is answered by this one invoker and its response cache
  const invoker = createInvoker({ registry, cacheEntries: config.responseCacheEntries, cacheBytes: config.responseCacheBytes, heavyBodyBytes: config.heavyBodyBytes });
  app.responseCache = invoker.cache;
  app.disable('x-powered-by');
  // whose X-Forwarded-For is the client's address (req.ip, the rate limit's key); links keep PUBLIC_BASE_URL or the Host
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  app.set('query parser', parseQueryString);

  const base = config.basePath;
  const baseUrlOf = (req: IncomingMessage): string => config.publicBaseUrl ?? requestBaseUrl(req, base);
  const verifier = createTokenVerifier(config.auth);
  const services: OperationServices = {
    validation, writer, store, terminologyDir: config.terminologyDir, includeExamples: config.loadExamples, csvLimits: config.importLimits,
    packages: { layer: publishedLayer, service: packageService, written, pastVersions: () => history.versions() },
  };
  const closures = { store, limits: config.closureLimits };
  const clientCaches = new ClientCaches(config.clientCacheLimits);
  const contextFor = (req: IncomingMessage, res?: ServerResponse): OperationContext => {
    // the caller's token is verified once per request, whether the operation asks who views or who writes
    let verified: Promise<Principal> | undefined;
    const principal = (): Promise<Principal> => {
      const header = req.headers.authorization;
      const edge = (req as Partial<Request>).principal;
      verified ??= edge ? Promise.resolve(edge) : (async () => verifier.verify(bearerToken(typeof header === 'string' ? header : undefined)))();
      return verified;
    };
    return {
      registry,
      acceptLanguages: acceptLanguages(req),
      limits: { maxExpansionSize: expansionLimit(req, config.maxExpansionSize), timeBudgetMs: config.operationTimeBudgetMs, definitionsTimeBudgetMs: config.definitionsTimeBudgetMs, deadline: req.deadline },
      baseUrl: baseUrlOf(req),
      written: history,
      closures,
      services,
      clientCaches,
      clientCache: clientCacheOf(req, clientCaches),
      // a public operation's answer may show more to a verified caller; a header that does not verify is answered as anonymous, as the other reads are
      viewer: async () => {
        const header = req.headers.authorization;
        return typeof header === 'string' && header !== '' ? principal().catch(() => undefined) : undefined;
      },
      caller: res && { principal, gate: () => writeGate(res as Response) },
    };
  };

  let shuttingDown = false;
  app.beginShutdown = () => {
    shuttingDown = true;
  };
  app.settled = () => writer.settled();
  const warmUp = new ValidationWarmUp(validation, registry, logger);
  app.warmUpValidation = () => warmUp.start();
  const bodiesInFlight = new BodiesInFlight(config.bodiesInFlightBytes);
  const metrics = createMetrics(appMetrics(registry, { responseCache: invoker.cache, clientCaches, bodiesInFlight }), base);
  const servedRegistry = servedMetrics(metrics.registry, processMetrics);
  // Every request passes these; the lean dispatcher (http/pipeline/fast-path.ts) runs the same instances for operation GETs.
  // a refusal of a request (its body, its format, its timeout, the rate limit) in the caller's language, by the rule of
  // a write (Danish unless English is asked for) or of the operation its path names ($validate's alike), else the server's
  const refusalLanguage = (req: IncomingMessage): MessageLanguage => {
    const url = (req as Partial<Request>).originalUrl ?? req.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const fhirPath = path === base || path.startsWith(`${base}/`) ? path.slice(base.length) : undefined;
    if (fhirPath !== undefined && isWriteRequest(req.method ?? '', fhirPath, (req as Partial<Request>).body)) return writeLanguage(req);
    return pathRefusalLanguage(fhirPath ?? '', acceptLanguages(req));
  };
  const lifecycle = requestLifecycle({
    logger, metrics, timeoutMs: config.requestTimeoutMs, headers: [...securityHeaders(), ...varyHeader(config)], refusalLanguage,
    answersInFlight: new AnswersInFlight(config.answersInFlightBytes),
  });
  const appMiddleware: RequestHandler[] = [hostChecked(), ...securityMiddleware(config, logger, refusalLanguage)];
  app.use(lifecycle.middleware, ...appMiddleware);
  app.use(healthRoutes(registry, store, () => shuttingDown, warmUp));
  app.get('/metrics', async (_req, res) => {
    res.type(servedRegistry.contentType).send(await servedRegistry.metrics());
  });
  const fhir = express.Router();
  // Every FHIR request passes these (the lean dispatcher too); routes before operationRoute must not answer operation GETs.
  // (Both work on node:http's objects: the body check reads method and headers, and the lean dispatcher gives a GET its
  // parsed query as Express would.)
  const fhirMiddleware: RequestHandler[] = [
    requestFormat(),
    authenticateWritesFirst(verifier, operationPathsWith('token')),
    fhirJsonBody({
      bytes: config.bodyLimitBytes, parameters: config.maxParameters, csvPaths: operationPathsWith('csv'), binaryPaths: operationPathsWith('binary'), inFlight: bodiesInFlight,
    }),
  ];
  fhir.use(...fhirMiddleware);

  fhir.use(optionsRoute({ writer, invoker }));
  fhir.use(metadataRoutes(registry, validation.profiles, baseUrlOf));
  fhir.use(operationRoute({ invoker, contextFor, logFor: lifecycle.logFor }));
  const entryDeps = { registry, profiles: validation.profiles, writer, store, invoker, maxEntries: config.maxBatchEntries, contextFor, logFor: lifecycle.logFor, verifier };
  fhir.post('/', batchRoute(entryDeps));
  fhir.use(readRoutes({ registry, writer, store, profiles: validation.profiles, verifier, baseUrlOf }));
  fhir.use(writeRoutes({ writer, verifier, baseUrlOf, maxTransactionEntries: config.maxTransactionEntries, transactionReads: transactionReads(entryDeps), logFor: lifecycle.logFor }));
  // A path a route answers, only not for this method (e.g. POST to an instance): 405, not 404.
  fhir.all(/.*/, notAnsweredRoute({ writer, invoker }));

  app.use(webAppRoutes({
    dir: webDir ?? defaultWebDir(projectRoot()), verifier, fhirBasePath: config.publicBaseUrl ? new URL(config.publicBaseUrl).pathname.replace(/\/$/, '') : base,
    bodyLimitBytes: config.bodyLimitBytes,
  }));
  app.use(base, fhir);
  app.get('/', (_req, res) => res.redirect(`${base}/metadata`));

  app.use((req: Request, _res: Response, next: NextFunction) => next(noRoute(req)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const answer = errorAnswer(err, refusalLanguage(req));
    if (answer.error) lifecycle.logFor(req).error({ err }, 'request failed');
    void sendAnswer(res, answer);
  });
  // the lean adapter runs the app's middleware on node:http's objects; the rate limiter needs Express's (req.ip)
  if (config.fastPath && config.rateLimitPerMinute === 0) installFastPath(app, { basePath: base, invoker, contextFor, lifecycle, appMiddleware, fhirMiddleware });
  return app;
}
