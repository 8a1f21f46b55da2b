import type { TerminologyResource } from '../terminology/resource-set';

/**
 * The resource without `meta.versionId` and `meta.lastUpdated`: what one server assigned, which means nothing on
 * another. A package carries neither, and one loaded here is served without those of the server it came from (its
 * tag then a digest of its content, as every published resource's; a versionId it brought would answer a stale 304
 * after the package is replaced, and name a version no vread here has). The rest of `meta` stays.
 */
export function withoutServerMeta<T extends TerminologyResource>(resource: T): T {
  const meta = resource.meta;
  if (!meta || (meta.versionId === undefined && meta.lastUpdated === undefined)) return resource;
  const { versionId: _v, lastUpdated: _l, ...rest } = meta;
  const { meta: _m, ...body } = resource;
  return (Object.keys(rest).length > 0 ? { ...body, meta: rest } : body) as T;
}
