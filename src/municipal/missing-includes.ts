import type { Bilingual } from '../errors/issue';

/**
 * What a value set answers while a code system it includes, or a value set it imports, is not on this server, for the
 * warnings of the write that makes it so: $expand refuses the whole value set (HL7's conformance tests want an
 * expansion with an unknown code system refused, not answered without its codes), and $validate-code finds the codes
 * of its other includes (an unknown value set: none). Said after "until …," (Danish: verb first, "indtil …, kan …").
 */
export function untilKnown(missing: 'CodeSystem' | 'ValueSet'): Bilingual {
  return missing === 'CodeSystem'
    ? {
      en: 'the value set cannot be expanded ($expand answers 404) and $validate-code finds only the codes of its other includes',
      da: 'kan værdisættet ikke udfoldes ($expand svarer 404), og $validate-code finder kun koderne fra dets andre includes',
    }
    : {
      en: 'the value set cannot be expanded ($expand answers 404) and $validate-code finds none of its codes',
      da: 'kan værdisættet ikke udfoldes ($expand svarer 404), og $validate-code finder ingen af dets koder',
    };
}
