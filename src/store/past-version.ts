import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import type { TerminologyStore } from './store';

/**
 * A version of a written resource that an update has replaced: looked up in the store's history of the resource that
 * carries the url now (a municipality's map updated from 1.0.0 to 1.1.0 keeps 1.0.0 there). Undefined when the url
 * is not written or no version of its history has that `version`.
 */
export async function pastVersion(
  store: TerminologyStore, registry: TerminologyRegistry, type: TerminologyType, url: string, version: string,
): Promise<TerminologyResource | undefined> {
  const current = registry.find(type, url);
  if (!current?.id || !current.meta?.versionId) return undefined; // published resources have no history
  const history = await store.history(type, current.id);
  return history.find((v) => v.resource?.url === url && v.resource.version === version)?.resource;
}
