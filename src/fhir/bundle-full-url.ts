import type { Bilingual } from '../errors/issue';

/** `[base]/Type/id` of a RESTful fullUrl (http(s), or relative as some senders write it), without a version. */
export const RESTFUL_FULL_URL = /^((?:https?:\/\/[^?#]*\/)?)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/** Where the type and id of an entry's resource are read from: the resource, or the url of a transaction's PUT or DELETE. */
const WHOSE = {
  resource: { en: "the resource's type and id", da: 'ressourcens type og id' },
  request: { en: "the type and id of the entry's request.url", da: "typen og id'et i postens request.url" },
} as const satisfies Record<string, Bilingual>;

/**
 * R4's rule of Bundle.entry.fullUrl: a RESTful fullUrl ends with the type and id of the resource its entry is (`own`,
 * `Type/id`, as the resource or the request says). What is wrong, in both languages, when it names another; undefined
 * when it agrees or is not RESTful. `isResourceType` tells a RESTful fullUrl (`…/Patient/7`) from another url ending
 * in two segments.
 */
export function fullUrlDisagreement(fullUrl: string, own: string, from: keyof typeof WHOSE, isResourceType: (type: string) => boolean): Bilingual | undefined {
  const whose = WHOSE[from];
  const restful = RESTFUL_FULL_URL.exec(fullUrl);
  if (!restful || !isResourceType(restful[2]!) || `${restful[2]}/${restful[3]}` === own) return undefined;
  return {
    en: `The fullUrl '${fullUrl}' disagrees with ${whose.en} ${own}: a RESTful fullUrl must end with ${own} (Bundle.entry.fullUrl)`,
    da: `fullUrl '${fullUrl}' stemmer ikke med ${whose.da} ${own}: en RESTful fullUrl skal ende på ${own} (Bundle.entry.fullUrl)`,
  };
}
