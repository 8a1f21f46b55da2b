import type { Coding } from 'fhir/r4';
import type { Bilingual } from '../../errors/issue';
import { statusNameDa } from '../../terminology/status-name';
import { capitalized, MAP_IN_REQUEST } from './map-names';
import type { Match } from './translator';

/** The parts of a $translate answer's message that the matches give. */

function label(c: Coding): string {
  return `${c.code}${c.display ? ` (${c.display})` : ''}`;
}

/** Messages as one, each after the one before (undefined when there is none). */
export function joined(messages: (Bilingual | undefined)[]): Bilingual | undefined {
  const given = messages.filter((m): m is Bilingual => m !== undefined);
  return given.length > 0 ? { en: given.map((m) => m.en).join('; '), da: given.map((m) => m.da).join('; ') } : undefined;
}

/** The message of an answer that followed outdated targets to their successors; undefined when none was followed. */
export function replacementMessage(matches: Match[]): Bilingual | undefined {
  const notes = matches.filter((m) => m.replaces).map((m): Bilingual => {
    const legacy = m.replaces!.status === 'legacy-key';
    const why = legacy ? 'a legacy key' : m.replaces!.status;
    const whyDa = legacy ? 'er en gammel brugervendt nøgle' : `har status ${statusNameDa(m.replaces!.status)}`;
    const map = m.originMap ? { en: m.originMap, da: m.originMap } : { en: capitalized(MAP_IN_REQUEST.en), da: capitalized(MAP_IN_REQUEST.da) };
    // forward, or R5's reverse (its concept is the code asked): the map's target was replaced by the match's concept
    if (m.source || !m.reverse) {
      return {
        en: `${map.en} maps to ${label(m.replaces!)}, which is ${why}; the match gives its replacement ${label(m.concept)}`,
        da: `${map.da} mapper til ${label(m.replaces!)}, som ${whyDa}; svaret giver i stedet afløseren ${label(m.concept)}`,
      };
    }
    return {
      en: `${map.en} maps ${label(m.concept)} to ${label(m.replaces!)}, which is ${why} and replaced by the code asked for`,
      da: `${map.da} mapper ${label(m.concept)} til ${label(m.replaces!)}, som ${whyDa} og er afløst af den kode, der er spurgt om`,
    };
  });
  return joined(notes);
}
