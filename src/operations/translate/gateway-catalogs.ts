import type { CodeSystem, Coding } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import type { Bilingual } from '../../errors/issue';
import { excerpt } from '../../errors/excerpt';
import type { OperationInput } from '../../fhir/parameters';
import { localSystemsDefining } from '../../municipal/gateway-systems';
import { isGatewayLocalSystem } from '../../municipal/municipality';
import { localCodeSystems } from '../../municipal/local-catalogs';
import { parseCanonical } from '../../terminology/canonical';
import type { TerminologyRegistry } from '../../terminology/registry';
import type { OperationContext } from '../context';
import { catalogVersionsOfMaps, localCatalogsOnDate } from '../map-version';
import type { Candidate } from './group-scope';
import type { TranslateQuery } from './query';

/** A municipality's gateway-style niveau-3 codings, read as codes of its local catalogs. */

/**
 * The municipality's local catalogs a gateway coding is looked up in: with map versions chosen (`date`,
 * `conceptMapVersion`, `url|version`), in the versions those maps name, as $rollup looks them up; else the newest.
 */
export function gatewayCatalogs(input: OperationInput, ctx: OperationContext, query: TranslateQuery, maps: Candidate[]): CodeSystem[] | undefined {
  const kommunekode = query.kommunekode;
  const url = input.string('url');
  const chosen = input.has('date') || input.has('conceptMapVersion') || (url !== undefined && parseCanonical(url).version !== undefined);
  if (!kommunekode || !chosen || !query.codings.some((c) => isGatewayLocalSystem(c.system))) return undefined;
  const registry = ctx.registry;
  const date = input.string('date');
  const newest = localCodeSystems(registry, kommunekode);
  if (date === undefined) return catalogVersionsOfMaps(registry, kommunekode, maps.map((c) => c.map), newest);
  return localCatalogsOnDate(ctx, kommunekode, date, maps.map((c) => c.map));
}

/** Replaces gateway-style codings by the municipality's local code systems that define the code (among `catalogs` when given). */
export function resolveGatewayCodings(registry: TerminologyRegistry, query: TranslateQuery, catalogs?: CodeSystem[]): { codings: Coding[]; unresolved: Bilingual[] } {
  const codings: Coding[] = [];
  const unresolved: Bilingual[] = [];
  for (const c of query.codings) {
    if (query.direction !== 'forward' || !isGatewayLocalSystem(c.system)) {
      codings.push(c);
      continue;
    }
    if (!query.kommunekode) {
      throw FhirError.invalid(`A code in ${c.system} is a municipality's local code: give the municipality as 'kommunekode'`, {
        expression: ['kommunekode'], da: `En kode i ${c.system} er en kommunes lokale kode: angiv kommunen som 'kommunekode'`,
      });
    }
    const systems = localSystemsDefining(registry, query.kommunekode, c.code!, catalogs);
    if (systems.length === 0) {
      unresolved.push({
        en: `'${excerpt(c.code)}' is not a code of any local catalog of municipality ${query.kommunekode}`,
        da: `'${excerpt(c.code)}' er ikke en kode i noget lokalt katalog fra kommune ${query.kommunekode}`,
      });
    }
    for (const cs of systems) codings.push({ system: cs.url, code: c.code, display: c.display });
  }
  return { codings, unresolved };
}
