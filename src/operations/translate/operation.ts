import type { ConceptMap } from 'fhir/r4';
import { messageLanguageOf } from '../../errors/message-language';
import type { OperationSpec } from '../../fhir/parameters';
import { versionInForce } from '../../terminology/in-force';
import type { OperationHandler } from '../context';
import { KOMMUNEKODE_PARAM } from '../gateway-codings';
import { TX_RESOURCE_PARAM } from '../tx-resources';
import { translateAnswer } from './answer';
import { anothersMap, candidateMaps, explicitMap, noMapOfVersion, scopeMismatch, versionOfAllMaps, type InForce } from './candidate-maps';
import { gatewayCatalogs, resolveGatewayCodings } from './gateway-catalogs';
import { canonicalOf, mapNamed } from './map-names';
import { joined, replacementMessage } from './messages';
import { readQuery } from './query';
import { Translator } from './translator';
import { NO_MAPPING } from '../../terminology/equivalence';
import { municipalityGenitive } from '../../municipal/kommuner';

/**
 * ConceptMap/$translate, R4 parameters (code/system/version, coding, codeableConcept, source, target,
 * targetsystem, reverse) and the R5 names (sourceCode, sourceCoding, sourceCodeableConcept, sourceScope,
 * targetCode, targetCoding, targetCodeableConcept, targetScope, targetSystem) as aliases, plus `kommunekode`:
 * restricts the maps to one municipality's and resolves gateway-style niveau-3 codings (src/operations/gateway-codings.ts).
 *
 * Each match has `equivalence` (as stated in the map, which R4 reads from target to source; under reverse not
 * inverted), `concept` and `originMap` (the map's url|version). Forward: `concept` is the target code. Reverse
 * with R4 `reverse=true`: `concept` is the source code that maps to the given one. Reverse by R5 `targetCode`/`targetCoding`: `concept` is the given
 * target and `source` is the source code (as tx.fhir.org answers).
 * Forward with a codeableConcept of several codings, each match's `source` names the coding it translates (the matches
 * of two codings are not merged). Forward, a target's `product` is the match's `product` (element, concept), and a
 * target whose `dependsOn` names an element the request gives as a `dependency` with another value is left out.
 * The code given is found in a map whatever its case when its system (forward the group's source, reverse its target)
 * is known to the server and not case sensitive, by the provider's rule (foldedCode), as $lookup and $validate-code find it.
 */
const spec: OperationSpec = {
  name: 'translate',
  params: [
    { name: 'url', type: 'uri' },
    { name: 'conceptMap', type: 'Resource' },
    { name: 'conceptMapVersion', type: 'string' },
    { name: 'code', type: 'code' },
    { name: 'system', type: 'uri' },
    { name: 'version', type: 'string' },
    { name: 'source', type: 'uri' },
    { name: 'coding', type: 'Coding' },
    { name: 'codeableConcept', type: 'CodeableConcept' },
    { name: 'target', type: 'uri' },
    { name: 'targetsystem', type: 'uri' },
    { name: 'reverse', type: 'boolean' },
    // R4's parts: a target whose dependsOn names the element with another value is left out (forward)
    { name: 'dependency', type: 'part', repeats: true, parts: [{ name: 'element', type: 'uri' }, { name: 'concept', type: 'CodeableConcept' }] },
    { name: 'sourceCode', type: 'code' },
    { name: 'sourceSystem', type: 'uri' },
    { name: 'sourceVersion', type: 'string' },
    { name: 'sourceCoding', type: 'Coding' },
    { name: 'sourceCodeableConcept', type: 'CodeableConcept' },
    { name: 'sourceScope', type: 'uri' },
    { name: 'targetCode', type: 'code' },
    { name: 'targetCoding', type: 'Coding' },
    { name: 'targetCodeableConcept', type: 'CodeableConcept' },
    { name: 'targetScope', type: 'uri' },
    { name: 'targetSystem', type: 'uri' },
    { name: 'targetVersion', type: 'string' },
    { name: 'date', type: 'dateTime' },
    KOMMUNEKODE_PARAM,
    TX_RESOURCE_PARAM,
  ],
};

/** This server's addition to HL7's $translate (documented in its OperationDefinition, which is based on HL7's). */
const DATE_DOCUMENTATION = 'This server: translate with the map version in force on this date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime, read in UTC) ' +
  "instead of the newest: of the map's versions that are not drafts, the one that came into use last by the end of the date. A version comes " +
  "into use at its ConceptMap.date, or, without one, when it was first written to this server. With 'url' it picks that map's version; " +
  'without, every map of the request is taken in its version of then (maps not in use yet are left out, maps deleted since are taken); so is a map ' +
  'named by group.unmapped.url without a version. A delete ends the use of the versions its map held. Not with conceptMapVersion or url|version.';

export const translateOperation: OperationHandler = {
  spec,
  resourceType: 'ConceptMap',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-translate',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/ConceptMap-translate',
    description: "HL7's ConceptMap/$translate (R4 parameters and the R5 names as aliases), plus this server's 'date' (the map version in force " +
      "on a date) and 'kommunekode' (one municipality's maps; gateway-style niveau-3 codings). A group.unmapped other-map link that " +
      'cannot be followed never fails the request: a map met again on the way (a circle) is not followed again, and a map not known is not ' +
      'followed and named in the message.',
    inputs: {
      conceptMap: { type: 'ConceptMap', documentation: 'The concept map to translate with, given in the request (instead of one the server holds)' },
      date: DATE_DOCUMENTATION, kommunekode: 'Only this municipality\'s maps; resolves gateway-style niveau-3 codings (in the local catalog versions the maps chosen by ' +
        'date, conceptMapVersion or url|version name, as $rollup does)',
      dependency: {
        documentation: "Another element's value: a target whose dependsOn names the element with another value is left out (forward); " +
          'an element given without a value leaves it in',
        parts: [
          { name: 'element', documentation: 'The element (dependsOn.property)' },
          { name: 'concept', documentation: 'Its value' },
        ],
      },
    },
    outputs: [
      { name: 'result', type: 'boolean', min: 1, documentation: 'Whether a match was found' },
      { name: 'message', type: 'string', documentation: 'Why there is no match, which outdated targets were replaced, or which group.unmapped other-map link was not followed' },
      {
        name: 'match', repeats: true, documentation: 'A match',
        parts: [
          { name: 'equivalence', type: 'code', documentation: "As stated in the map, which R4 reads from target to source ('wider': the map's target is wider than its source); a reverse answer gives it as the map states it, not inverted" },
          { name: 'concept', type: 'Coding', min: 1, documentation: 'The target code (reverse: the source code that maps to the one given; by targetCode: the target given)' },
          {
            name: 'product', repeats: true, documentation: "A product of the target (the map's product)",
            parts: [
              { name: 'element', type: 'uri', min: 1, documentation: 'The element the product is of' },
              { name: 'concept', type: 'Coding', min: 1, documentation: 'Its value' },
            ],
          },
          { name: 'source', type: 'Coding', documentation: 'The code translated: the coding of a codeableConcept the match is of; the source code (by targetCode)' },
          { name: 'originMap', type: 'canonical', documentation: 'url|version of the map used (ConceptMap/{id} for a map without url; absent for a map given inline with neither)' },
          {
            name: 'replaces', documentation: 'The retired or outgoing target the map states, which the concept replaces',
            parts: [
              { name: 'concept', type: 'Coding', min: 1, documentation: 'The target the map states' },
              { name: 'status', type: 'code', min: 1, documentation: 'Its status' },
            ],
          },
        ],
      },
    ],
  },
  cache: 'answer',
  handle(input, ctx, target) {
    const registry = ctx.registry;
    const query = readQuery(input);
    const date = input.string('date');
    const inForce: InForce | undefined = date === undefined ? undefined
      : (url) => versionInForce(registry, 'ConceptMap', url, date, ctx.written);
    const explicit = explicitMap(input, registry, target as ConceptMap | undefined, inForce);
    const mapVersion = versionOfAllMaps(input, target as ConceptMap | undefined, inForce);
    const maps = candidateMaps(input, registry, query, explicit, inForce, mapVersion, inForce && ctx.written?.deletedUrls?.('ConceptMap'));
    if (mapVersion !== undefined && maps.length === 0) throw noMapOfVersion(mapVersion);
    const { codings, unresolved } = resolveGatewayCodings(registry, query, gatewayCatalogs(input, ctx, query, maps));
    const translator = new Translator(registry, query, inForce).translateAll(codings, maps);
    const matches = translator.all;
    const result = matches.some((m) => !m.equivalence || !NO_MAPPING.has(m.equivalence));
    const lang = messageLanguageOf(ctx.acceptLanguages);
    if (result) return translateAnswer(true, joined([replacementMessage(matches), ...translator.notes]), matches, lang);
    const given = query.codings.map((c) => `${c.system}#${c.code}`).join(', ');
    const reasons = [...unresolved];
    if (explicit && maps.length === 0) {
      const owner = anothersMap(explicit, query.kommunekode);
      reasons.push(owner !== undefined ? {
        en: `ConceptMap ${canonicalOf(explicit)} is ${municipalityGenitive(owner).en} map, not ${municipalityGenitive(query.kommunekode!).en}`,
        da: `ConceptMap ${canonicalOf(explicit)} er en mapning fra kommune ${owner}, ikke fra kommune ${query.kommunekode}`,
      } : scopeMismatch(explicit, query));
    } else if (maps.length === 0) {
      const forMunicipality = query.kommunekode ? { en: ` for municipality ${query.kommunekode}`, da: ` for kommune ${query.kommunekode}` } : { en: '', da: '' };
      // on a date, whether the maps in use now would translate it: then the date is the reason
      const laterOnly = date !== undefined &&
        new Translator(registry, query).translateAll(codings, candidateMaps(input, registry, query, explicit, undefined, mapVersion, undefined)).all.length > 0;
      reasons.push(laterOnly ? {
        en: `no ConceptMap${forMunicipality.en} in force on ${date} translates it (maps that came into use later do)`,
        da: `ingen ConceptMap${forMunicipality.da}, der var gældende den ${date}, oversætter den (det gør mapninger, der kom i brug senere)`,
      } : {
        en: `no ConceptMap matches the request${forMunicipality.en}`,
        da: `ingen ConceptMap passer til forespørgslen${forMunicipality.da}`,
      });
    } else if (matches.length === 0 && !translator.statesNoMatch) {
      reasons.push({
        en: `no mapping in ${maps.length === 1 ? mapNamed(maps[0]!.map, false).en : `any of ${maps.length} ConceptMaps`}`,
        da: `ingen mapning i ${maps.length === 1 ? mapNamed(maps[0]!.map, false).da : `nogen af ${maps.length} ConceptMaps`}`,
      });
    } else {
      reasons.push({ en: 'the maps state that there is no match (unmatched or disjoint)', da: 'mapningerne siger, at der ikke er noget match (unmatched eller disjoint)' });
    }
    reasons.push(...translator.notes);
    const reverse = query.direction === 'reverse';
    return translateAnswer(false, {
      en: `No ${reverse ? 'reverse ' : ''}translation for ${given}: ${reasons.map((r) => r.en).join('; ')}`,
      da: `Ingen ${reverse ? 'omvendt ' : ''}oversættelse af ${given}: ${reasons.map((r) => r.da).join('; ')}`,
    }, matches, lang);
  },
};