import type { ConceptMap } from 'fhir/r4';
import type { Bilingual } from '../../errors/issue';

/** How a $translate answer and its messages name a concept map. */

/** The map's url|version, else `ConceptMap/{id}`; empty for a map given inline with neither (its matches name no originMap). */
export function canonicalOf(cm: ConceptMap): string {
  if (cm.url) return cm.version ? `${cm.url}|${cm.version}` : cm.url;
  return cm.id ? `ConceptMap/${cm.id}` : '';
}

/**
 * The map as a message names it, in both languages: its url|version (after `ConceptMap ` with `typed`), or the map
 * given in the request.
 */
export function mapNamed(cm: ConceptMap, typed = true): Bilingual {
  const canonical = canonicalOf(cm);
  if (!canonical) return MAP_IN_REQUEST;
  const named = typed ? `ConceptMap ${canonical}` : canonical;
  return { en: named, da: named };
}

/** A map given in the request with neither url nor id, as a message names it. */
export const MAP_IN_REQUEST: Bilingual = { en: 'the ConceptMap given in the request', da: 'ConceptMap\'en i forespørgslen' };

export const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
