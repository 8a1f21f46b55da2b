import type { Bilingual } from '../errors/issue';
import { FhirError } from '../errors/fhir-error';
import { methodNotAllowed } from '../errors/common-errors';
import { excerpt } from '../errors/excerpt';
import { municipalUrlProblem } from '../municipal/municipality';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import type { WriteRequest } from './writer';

/** The checks of a write request before its resource is validated: its body's type, its If-Match, its canonical url and version. */

/**
 * One member of an If-Match list, with the comma or end after it (RFC 9110 §5.6.1, empty members allowed): an
 * entity-tag (§8.8.3: W/ then a quoted opaque tag, which may hold a comma) or a bare version number, as this server took it before.
 */
const IF_MATCH_MEMBER = /[\s,]*(?:(?:W\/)?"([\x21\x23-\x7e\x80-\xff]*)"|(\d{1,15}))\s*(?:,|$)/y;
/** The end of a list: nothing but empty members left. */
const LIST_END = /[\s,]*$/y;

/**
 * What an If-Match value of a request matches (RFC 9110 §13.1.1): `*`, any current version; else a list of
 * entity-tags (W/"3", "3", or 3), the version any of them names (weak comparison, as FHIR's tags are weak). A value
 * that is neither is 400.
 */
export function parseIfMatch(value: string, request: WriteRequest): '*' | string[] {
  if (value.trim() === '*') return '*';
  const tags: string[] = [];
  let at = 0;
  for (;;) {
    LIST_END.lastIndex = at;
    if (LIST_END.test(value)) break;
    IF_MATCH_MEMBER.lastIndex = at;
    const m = IF_MATCH_MEMBER.exec(value);
    if (!m) {
      tags.length = 0;
      break;
    }
    tags.push(m[1] ?? m[2]!);
    at = IF_MATCH_MEMBER.lastIndex;
  }
  if (tags.length === 0) {
    throw requestInvalid(request, 'request.ifMatch', {
      en: `If-Match must be * or ETags like W/"3" (a list: W/"3", W/"4"), not '${excerpt(value)}'`,
      da: `If-Match skal være * eller ETags som W/"3" (en liste: W/"3", W/"4"), ikke '${excerpt(value)}'.`,
    });
  }
  return tags;
}

/**
 * The resource of a create or update without the meta.versionId and meta.lastUpdated it was given (R4 create and
 * update: the server SHALL ignore them; it sets its own). A write conditional on a version says so by If-Match.
 */
export function withoutVersionMeta(resource: TerminologyResource): TerminologyResource {
  const meta = resource.meta as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return resource;
  const { versionId: _v, lastUpdated: _l, ...rest } = meta;
  if (Object.keys(rest).length > 0) resource.meta = rest;
  else delete resource.meta;
  return resource;
}

/**
 * 400 for a request: alone with its `expression`, in a transaction naming its entry's `element` (`request.ifMatch`,
 * `resource.id`) as the transaction's other refusals of an entry do.
 */
export function requestInvalid(request: WriteRequest, element: string, text: Bilingual, expression?: string[]): FhirError {
  if (request.entry === undefined) return FhirError.invalid(text.en, { da: text.da, ...(expression ? { expression } : {}) });
  const where = `Bundle.entry[${request.entry}].${element}`;
  return FhirError.invalid(`${where}: ${text.en}`, { expression: [where], da: `${where}: ${text.da}` });
}

/** 405 for a DELETE of a computed pick list (`ResourceWriter.isComputed`): Allow names what its id takes. */
export function computedNotDeleted(type: TerminologyType, id: string): FhirError {
  return methodNotAllowed(['GET', 'PUT'],
    `${type}/${id} is a pick list computed from the municipality's catalogs; it is not stored and cannot be deleted: change the catalogs, or PUT a value set under its url to replace it`,
    `${type}/${id} er en plukkeliste, som beregnes ud fra kommunens kataloger; den gemmes ikke og kan ikke slettes: ret katalogerne, eller erstat den med et værdisæt under dens url (PUT).`);
}

/**
 * 400 for the body of a create or update (a transaction entry's resource) that is not a `type` resource, saying what
 * it is: not a JSON object, without a resourceType, with one that is not text, or of another type.
 */
export function checkBody(request: WriteRequest, type: TerminologyType): void {
  const body = request.body;
  const [it, its] = request.entry === undefined ? [{ en: 'The body', da: 'Kroppen' }, { en: "The body's", da: 'Kroppens' }]
    : [{ en: 'The resource', da: 'Ressourcen' }, { en: "The resource's", da: 'Ressourcens' }];
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw requestInvalid(request, 'resource', { en: `${it.en} is not a JSON object; it must be a ${type} resource`, da: `${it.da} er ikke et JSON-objekt; den skal være en ${type}-ressource` });
  }
  const given: unknown = (body as { resourceType?: unknown }).resourceType;
  const problem: Bilingual | undefined = given === undefined ? { en: `${it.en} has no resourceType; it must be a ${type} resource`, da: `${it.da} har ingen resourceType; den skal være en ${type}-ressource` }
    : typeof given !== 'string' ? { en: `${its.en} resourceType is not a string; it must be '${type}'`, da: `${its.da} resourceType er ikke en tekst; den skal være '${type}'` }
      : given !== type ? { en: `${it.en} is a ${excerpt(given)}, but the URL is for ${type}`, da: `${it.da} er en ${excerpt(given)}, men URL'en er til ${type}` }
        : undefined;
  if (problem) throw requestInvalid(request, 'resource.resourceType', problem, ['resourceType']);
}

const MAX_URL_LENGTH = 2048;
const MAX_VERSION_LENGTH = 255;
/** Control characters (C0, DEL, C1) and unpaired surrogates: never part of a url or version, and not storable everywhere. */
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

/**
 * The canonical url and version identify a resource (url|version) and are stored as columns, so they are checked
 * before anything reaches the store: an absolute URI without `|`, `#`, spaces or control characters, and bounded; a
 * url under the municipal base of the municipal form (municipalUrlProblem), checked before whose the resource is.
 */
export function canonicalProblems(resource: TerminologyResource): { where: string; text: Bilingual }[] {
  const out: { where: string; text: Bilingual }[] = [];
  const { url, version } = resource as { url?: unknown; version?: unknown };
  if (typeof url === 'string') {
    if (url.length > MAX_URL_LENGTH) out.push({ where: '.url', text: { en: `The url is longer than ${MAX_URL_LENGTH} characters`, da: `url'en er længere end ${MAX_URL_LENGTH} tegn` } });
    else if (UNSAFE_TEXT.test(url) || !ABSOLUTE_URI.test(url) || /[|#]/.test(url)) {
      out.push({
        where: '.url', text: {
          en: 'The url must be an absolute URI (scheme:…) without spaces, control characters, \'|\' or \'#\'',
          da: 'url\'en skal være en absolut URI (skema:…) uden mellemrum, kontroltegn, \'|\' og \'#\'',
        },
      });
    } else {
      // a url under the municipal base is a municipality's: of its form, or nobody's to write (before whose it is is asked)
      const municipal = municipalUrlProblem(url, resource.resourceType);
      if (municipal) out.push({ where: '.url', text: municipal });
    }
  }
  if (typeof version === 'string') {
    if (version.length > MAX_VERSION_LENGTH) out.push({ where: '.version', text: { en: `The version is longer than ${MAX_VERSION_LENGTH} characters`, da: `Versionen er længere end ${MAX_VERSION_LENGTH} tegn` } });
    else if (UNSAFE_TEXT.test(version) || version.includes('|')) {
      out.push({ where: '.version', text: { en: 'The version must not contain control characters or \'|\'', da: 'Versionen må ikke indeholde kontroltegn eller \'|\'' } });
    }
  }
  return out;
}
