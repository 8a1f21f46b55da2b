import type { NextFunction, Request, Response } from 'express';
import type { Bundle, BundleEntry, StructureDefinition } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import type { ProfileRegistry } from '../../profile-validation/profile-registry';
import { sendResource } from '../pipeline/fhir-json';

const SD_PATH = /^\/StructureDefinition(?:\/([^/$][^/]*))?\/?$/;

type ParamType = 'uri' | 'token' | 'string' | 'reference';

/** Search parameters of StructureDefinition this server supports (R4 names and types). */
export const STRUCTURE_DEFINITION_SEARCH_PARAMS: { name: string; type: ParamType }[] = [
  { name: 'url', type: 'uri' },
  { name: 'version', type: 'token' },
  { name: 'name', type: 'string' },
  { name: 'title', type: 'string' },
  { name: 'status', type: 'token' },
  { name: 'type', type: 'token' },
  { name: 'base', type: 'reference' },
  { name: 'derivation', type: 'token' },
  { name: 'kind', type: 'token' },
];

const CONTROL_PARAMS = new Set(['_id', '_summary', '_count', '_format', '_pretty', '_elements']);
const MAX_COUNT = 1000;

function text(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw FhirError.invalid(`The search parameter '${name}' may be given once, as text`, { expression: [name] });
  return v;
}

function startsWithFolded(value: string | undefined, wanted: string): boolean {
  return !!value && value.toLowerCase().startsWith(wanted.toLowerCase());
}

/** Summary form: no differential, snapshot or narrative. */
function summarise(sd: StructureDefinition): StructureDefinition {
  const copy = { ...sd } as Record<string, unknown>;
  for (const heavy of ['differential', 'snapshot', 'text']) delete copy[heavy];
  copy.meta = { ...(sd.meta ?? {}), tag: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }] };
  return copy as unknown as StructureDefinition;
}

/** Read and search of the profiles the server validates against (GET /StructureDefinition[/id]). */
export function structureDefinitionRoute(profiles: ProfileRegistry, baseUrlOf: (req: Request) => string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = SD_PATH.exec(req.path);
    if (!match) return next();
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        throw new FhirError(405, 'not-supported', `StructureDefinition is read-only here: ${req.method} is not supported`);
      }
      const id = match[1];
      if (id !== undefined) {
        const profile = profiles.byResourceId(decodeURIComponent(id));
        if (!profile) throw FhirError.notFound(`StructureDefinition/${id} is not known`);
        return sendResource(res, 200, profile.resource);
      }
      const query = req.query as Record<string, unknown>;
      const known = new Set(STRUCTURE_DEFINITION_SEARCH_PARAMS.map((p) => p.name));
      for (const name of Object.keys(query)) {
        if (!known.has(name) && !CONTROL_PARAMS.has(name)) {
          throw FhirError.invalid(`Unknown search parameter '${name}' for StructureDefinition`, { expression: [name] });
        }
      }
      const p = (name: string) => text(name, query[name]);
      const summary = p('_summary');
      if (summary !== undefined && !['true', 'false', 'count', 'data', 'text'].includes(summary)) {
        throw FhirError.invalid(`_summary must be true, false, count, data or text, not '${summary}'`, { expression: ['_summary'] });
      }
      const countRaw = p('_count');
      if (countRaw !== undefined && !/^\d{1,6}$/.test(countRaw)) throw FhirError.invalid(`_count must be a non-negative integer, not '${countRaw}'`, { expression: ['_count'] });
      const count = countRaw === undefined ? 100 : Math.min(Number(countRaw), MAX_COUNT);
      const [url, version, name, title, status, type, base, derivation, kind, rid] =
        ['url', 'version', 'name', 'title', 'status', 'type', 'base', 'derivation', 'kind', '_id'].map(p);
      const matches = profiles.list().map((c) => c.resource).filter((sd) =>
        (url === undefined || sd.url === url) &&
        (version === undefined || sd.version === version) &&
        (name === undefined || startsWithFolded(sd.name, name)) &&
        (title === undefined || startsWithFolded(sd.title, title)) &&
        (status === undefined || sd.status === status) &&
        (type === undefined || sd.type === type) &&
        (base === undefined || sd.baseDefinition === base) &&
        (derivation === undefined || sd.derivation === derivation) &&
        (kind === undefined || sd.kind === kind) &&
        (rid === undefined || sd.id === rid))
        .sort((a, b) => a.url.localeCompare(b.url));
      const baseUrl = baseUrlOf(req);
      const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: matches.length, link: [{ relation: 'self', url: `${baseUrl}${req.url}` }] };
      if (summary !== 'count') {
        bundle.entry = matches.slice(0, count).map((sd): BundleEntry => ({
          fullUrl: `${baseUrl}/StructureDefinition/${sd.id}`,
          resource: summary === 'true' ? summarise(sd) : sd,
          search: { mode: 'match' },
        }));
      }
      sendResource(res, 200, bundle);
    } catch (err) {
      next(err);
    }
  };
}
