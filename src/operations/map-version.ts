import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { parseCanonical } from '../terminology/canonical';
import type { OperationContext } from './context';

/**
 * A ConceptMap by `url|version` (or the newest by `url`): one the registry has, or a version of a written map that an
 * update has replaced (from the store's history), so that counts of an earlier period can use the map of then.
 */
export async function conceptMapVersion(ctx: OperationContext, ref: string, parameter: string): Promise<ConceptMap> {
  const { url, version } = parseCanonical(ref);
  const found = ctx.registry.find('ConceptMap', url, version) ??
    (version ? (await ctx.pastVersion?.('ConceptMap', url, version)) as ConceptMap | undefined : undefined);
  if (!found) throw FhirError.notFound(`A ConceptMap '${ref}' is not known`, { expression: [parameter] });
  return found;
}

/** The source code systems of a map, in the versions the map names where the server has them (else the newest). */
export async function sourceCodeSystemsOf(ctx: OperationContext, cm: ConceptMap): Promise<CodeSystem[]> {
  const out: CodeSystem[] = [];
  for (const group of Array.isArray(cm.group) ? cm.group : []) {
    if (!group?.source) continue;
    const v = group.sourceVersion;
    const cs = (v ? ctx.registry.find('CodeSystem', group.source, v) ?? (await ctx.pastVersion?.('CodeSystem', group.source, v)) as CodeSystem | undefined : undefined) ??
      ctx.registry.find('CodeSystem', group.source);
    if (cs && !out.some((c) => c.url === cs.url && c.version === cs.version)) out.push(cs);
  }
  return out;
}
