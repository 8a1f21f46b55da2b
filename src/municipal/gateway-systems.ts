import type { CodeSystem } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { TerminologyRegistry } from '../terminology/registry';
import { localCodeSystems } from './local-catalogs';
import { excerpt } from '../errors/excerpt';

/**
 * The municipality's local code systems that define the code (normally exactly one): among its newest, or among the
 * versions given (those its maps in the versions chosen name, operations/map-version.ts).
 */
export function localSystemsDefining(registry: TerminologyRegistry, kommunekode: string, code: string,
  catalogs: CodeSystem[] = localCodeSystems(registry, kommunekode)): CodeSystem[] {
  return catalogs.filter((cs) => registry.provider(cs).locate(code) !== undefined);
}

/**
 * The local code system a gateway coding stands for: the one that defines the code, else the municipality's only
 * local catalog (so that validation reports the unknown code against it); undefined when there is no candidate.
 * Among the municipality's newest catalogs, or the versions given (those of a date: operations/map-version.ts).
 */
export function resolveGatewaySystem(registry: TerminologyRegistry, kommunekode: string, code: string | undefined,
  catalogs: CodeSystem[] = localCodeSystems(registry, kommunekode)): CodeSystem | undefined {
  if (code !== undefined) {
    const defining = localSystemsDefining(registry, kommunekode, code, catalogs);
    if (defining.length > 1) {
      const urls = defining.map((c) => c.url).join(', ');
      throw FhirError.invalid(`Code '${excerpt(code)}' is defined by ${defining.length} local catalogs of municipality ${kommunekode} (${urls}); name the catalog's url as system instead`, {
        da: `Koden '${excerpt(code)}' findes i ${defining.length} lokale kataloger i kommune ${kommunekode} (${urls}); angiv i stedet katalogets url som system`,
      });
    }
    if (defining.length === 1) return defining[0];
  }
  return catalogs.length === 1 ? catalogs[0] : undefined;
}
