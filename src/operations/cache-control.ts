import type { Parameters } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { excerpt } from '../errors/excerpt';
import { cacheWeight } from './caches/cache-weight';
import type { ClientCaches } from './caches/client-caches';
import { OperationResult, type OperationContext, type OperationHandler } from './context';
import { TX_RESOURCE_PARAM, txResourcesOf } from './tx-resources';

const MODES = ['start', 'end', 'check'];

function cachesOf(ctx: OperationContext): ClientCaches {
  if (!ctx.clientCaches) throw FhirError.notSupported('This server keeps no terminology caches', { da: 'Serveren har ingen terminologicacher' });
  return ctx.clientCaches;
}

/** The cache the request names by X-Cache-Id, for `end` and `check`. */
function namedCache(ctx: OperationContext, mode: string): string {
  if (ctx.clientCache) return ctx.clientCache.id;
  throw FhirError.invalid(`$cache-control mode=${mode} names the cache by the X-Cache-Id header, which the request does not have`, {
    da: `$cache-control mode=${mode} angiver cachen med headeren X-Cache-Id, som forespørgslen ikke har`,
  });
}

function cacheAnswer(id: string, sealed: boolean): OperationResult {
  const parameters: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'cache-id', valueId: id }, { name: 'sealed', valueBoolean: sealed }] };
  // the id as a header too: a load balancer can keep the client's later requests on this server (deploy/haproxy.cfg)
  return new OperationResult(200, parameters, { 'X-Cache-Id': id });
}

/**
 * `POST [base]/$cache-control` (HL7's, from the FHIR tooling IG): a client sends the value sets, code systems and maps
 * it uses once (`mode=start`), and then names them by url on its requests with the `X-Cache-Id` header, instead of
 * sending them as `tx-resource` each time (the HL7 validator and IG publisher do so with a server that lists the
 * operation). Kept in this server's memory (`ClientCaches`).
 */
export const cacheControlOperation: OperationHandler = {
  spec: {
    name: 'cache-control',
    params: [{ name: 'mode', type: 'code' }, TX_RESOURCE_PARAM, { name: 'sealed', type: 'boolean' }],
  },
  resourceType: 'Resource',
  levels: ['system'],
  methods: ['POST'],
  affectsState: true,
  controlsClientCache: true,
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/Resource-cache-control',
  documentation: {
    description: "HL7's terminology cache control of the FHIR tooling IG (http://hl7.org/fhir/tools/OperationDefinition/cache-control): mode=start keeps the CodeSystems, ValueSets and ConceptMaps given as tx-resource " +
      'in a cache and answers its cache-id; requests to the operations that take tx-resource that send that id as the X-Cache-Id header use them as if each sent them as tx-resource ' +
      '(its own tx-resource over the cache\'s, for that request). mode=end lets the cache named by X-Cache-Id go (200 also when it was not held); ' +
      'mode=check answers whether it is held, and counts as a use. A request naming a cache that is not held (ended, idle for 30 minutes, pushed out ' +
      'by newer caches: at most 1,000 caches and 256 MB of memory for their resources on a server, estimated as twice their JSON and 300 bytes per JSON object) is answered 404 with the tx-issue-type cache-id-unknown. ' +
      'A sealed cache (the default) holds what it was started with; an unsealed one (sealed=false) also takes, the first time, each CodeSystem, ' +
      'ValueSet and ConceptMap with a url a request naming it supplies (tx-resource, valueSet, codeSystem …; a batch\'s, of all its entries ' +
      'before any is answered). Kept in the memory of the server that started ' +
      'them, never stored; behind a load balancer the client\'s requests must reach that server (the production layout routes by X-Cache-Id).',
    inputs: {
      mode: 'start | end | check',
      'tx-resource': 'mode=start: a CodeSystem, ValueSet or ConceptMap to keep in the cache',
      sealed: 'mode=start: true (the default), the cache holds what it is started with; false, it also takes what requests naming it supply',
    },
    requiredInputs: ['mode'],
    outputs: [
      { name: 'cache-id', type: 'id', documentation: 'The id of the cache, to send as the X-Cache-Id header' },
      { name: 'sealed', type: 'boolean', documentation: 'Whether the cache is sealed' },
    ],
  },
  handle(input, ctx): Parameters | OperationResult {
    const caches = cachesOf(ctx);
    const mode = input.string('mode');
    if (mode === 'start') {
      const sealed = input.one<boolean>('sealed') !== false;
      const resources = txResourcesOf(input);
      return cacheAnswer(caches.start(resources, cacheWeight(resources), sealed), sealed);
    }
    if (mode === 'end') {
      const id = namedCache(ctx, mode);
      caches.end(id);
      return { resourceType: 'Parameters', parameter: [{ name: 'cache-id', valueId: id }] };
    }
    if (mode === 'check') {
      const id = namedCache(ctx, mode);
      caches.resources(id);
      return cacheAnswer(id, caches.sealed(id) !== false);
    }
    // mode is required (checkRequired): here it is another
    throw FhirError.invalid(`$cache-control mode must be ${MODES.join(', ')}, not '${excerpt(mode!)}'`, {
      expression: ['mode'], da: `$cache-control mode skal være ${MODES.join(', ')}, ikke '${excerpt(mode!)}'`,
    });
  },
};

