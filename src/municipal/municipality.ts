import type { CodeSystem, Identifier } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import type { Bilingual } from '../errors/issue';
import { municipalityName } from './kommuner';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';

/**
 * Municipalities' local (niveau 3) catalogs. Canonical pattern (terminology/README.md):
 *   http://faelles-tx.dk/fhir/kommune/{kommunekode}/{CodeSystem|ConceptMap|ValueSet}/{name}
 * with the kommunekode also as identifier (system KOMMUNEKODE_SYSTEM) and id `kommune-{kommunekode}-{name}`.
 */
export const KOMMUNE_BASE = 'http://faelles-tx.dk/fhir/kommune/';
export const KOMMUNEKODE_SYSTEM = 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode';
/** The property that says whether a local concept is an intervention (indsats) or an offer (tilbud). */
export const LOCAL_TYPE_URI = 'http://faelles-tx.dk/fhir/CodeSystem/lokal-type';
export const LOCAL_TYPE_CODE = 'type';
export const STATUS_PROPERTY_URI = 'http://hl7.org/fhir/concept-properties#status';

/** What municipal staff are told of a CSV file that is not UTF-8 (the import; the page's counts file), in both languages. */
export const NOT_UTF8_CSV = {
  en: 'The file is not UTF-8 encoded; save it as UTF-8 (CSV UTF-8)',
  da: 'Filen er ikke gemt som UTF-8. Gem den som "CSV UTF-8 (kommasepareret)" i Excel, og prøv igen.',
} as const;

export type LocalKind = 'indsats' | 'tilbud';
export const LOCAL_KINDS: readonly LocalKind[] = ['indsats', 'tilbud'];

const OFFER_COMMENT = 'Tilbuddet er sammensat af flere fælleskommunale indsatser; alle mål gælder samlet (del-helhed, R4 "inexact"). ' +
  'The offer is composed of several common interventions; all targets apply together.';

/**
 * How a local code's map targets are stated (the CSV import and the web page's editor write the same): an intervention
 * is `subsumes` (the common intervention subsumes it), an offer `inexact` to each of its interventions, with the
 * comment R4 requires for `inexact`.
 */
export function localTargetEquivalence(kind: string): { equivalence: 'subsumes' | 'inexact'; comment?: string } {
  return kind === 'tilbud' ? { equivalence: 'inexact', comment: OFFER_COMMENT } : { equivalence: 'subsumes' };
}

/** KL's systems for niveau-3 codes in gateway submissions (§119/§140 IGs, and the care gateway 1.2.0). */
export const GATEWAY_LOCAL_SYSTEMS: readonly string[] = [
  'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions',
  'http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions',
];

const KOMMUNEKODE = /^\d{3}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,51}$/;
const URL_PATTERN = /^http:\/\/faelles-tx\.dk\/fhir\/kommune\/([^/]*)\/([^/]*)\/([^/|]*)$/;

export function isKommunekode(value: unknown): value is string {
  return typeof value === 'string' && KOMMUNEKODE.test(value);
}

export function isValidLocalName(name: string): boolean {
  return NAME.test(name);
}

/** What a local name is, as the messages about one say it. */
const LOCAL_NAME_RULE: Bilingual = {
  en: "1–52 letters (a–z), digits, '-' or '.', starting with a letter or digit",
  da: "1–52 bogstaver (a–z), tal, '-' eller '.', og det begynder med et bogstav eller tal",
};

/** What is wrong with a local name (isValidLocalName), as the predicate of a sentence about it; undefined when nothing. */
function localNameFault(name: string): Bilingual | undefined {
  if (NAME.test(name)) return undefined;
  if (name === '') return { en: 'is empty', da: 'er tomt' };
  const other = [...name].find((c) => !/[A-Za-z0-9.-]/.test(c));
  if (other !== undefined) return { en: `has the character '${other}'`, da: `har tegnet '${other}'` };
  if (name.length > 52) return { en: `is ${name.length} characters long`, da: `er ${name.length} tegn langt` };
  return { en: `starts with '${name[0]}'`, da: `begynder med '${name[0]}'` };
}

/** What is wrong with a local name (the `{name}` of a municipal url), in a sentence naming it; undefined when nothing. */
export function localNameProblem(name: string): Bilingual | undefined {
  const fault = localNameFault(name);
  if (!fault) return undefined;
  return {
    en: `The name '${excerpt(name)}' ${fault.en}; a name is ${LOCAL_NAME_RULE.en}`,
    da: `Navnet '${excerpt(name)}' ${fault.da}; et navn er ${LOCAL_NAME_RULE.da}.`,
  };
}

export function isGatewayLocalSystem(system: string | undefined): boolean {
  return system !== undefined && GATEWAY_LOCAL_SYSTEMS.includes(system);
}

export interface MunicipalUrl {
  kommunekode: string;
  type: string;
  name: string;
}

/** Whether a url is under the municipal base: a municipality's, of the documented form or not (municipalUrlProblem). */
export function isUnderMunicipalBase(url: unknown): url is string {
  return typeof url === 'string' && url.startsWith(KOMMUNE_BASE);
}

/**
 * The parts of a municipal canonical URL, `{KOMMUNE_BASE}{kommunekode}/{type}/{name}` with a kommunekode of three
 * digits; undefined for any other URL, one under the municipal base that is not of that form too (municipalUrlProblem
 * says what is wrong with it: no municipality is read from it).
 */
export function parseMunicipalUrl(url: unknown): MunicipalUrl | undefined {
  if (!isUnderMunicipalBase(url)) return undefined;
  const m = URL_PATTERN.exec(url);
  if (!m || !isKommunekode(m[1])) return undefined;
  return { kommunekode: m[1], type: m[2]!, name: m[3]! };
}

/**
 * What is wrong with a resource's url under the municipal base, if anything: it must be
 * `{KOMMUNE_BASE}{kommunekode}/{type}/{name}`, the kommunekode three digits, the type the resource's and the name a
 * local name (localNameProblem). Undefined for a url that is not under the base.
 */
export function municipalUrlProblem(url: unknown, type: string): Bilingual | undefined {
  if (!isUnderMunicipalBase(url)) return undefined;
  const m = URL_PATTERN.exec(url);
  let fault: Bilingual | undefined;
  if (!m) {
    fault = { en: 'does not have that form', da: 'har ikke den form' };
  } else if (!isKommunekode(m[1])) {
    fault = { en: `has '${excerpt(m[1], 20)}' where the kommunekode goes`, da: `har '${excerpt(m[1], 20)}', hvor kommunekoden skal stå` };
  } else if (m[2] !== type) {
    fault = { en: `names the type '${excerpt(m[2], 20)}'`, da: `angiver typen '${excerpt(m[2], 20)}'` };
  } else {
    const name = localNameFault(m[3]!);
    if (name) fault = { en: `has a name that ${name.en}`, da: `har et navn, der ${name.da}` };
  }
  if (!fault) return undefined;
  const pattern = `${KOMMUNE_BASE}{kommunekode}/${type}/{name}`;
  return {
    en: `A url under ${KOMMUNE_BASE} is a municipality's, of the form ${pattern} ({kommunekode} three digits, {name} ${LOCAL_NAME_RULE.en}); '${excerpt(url)}' ${fault.en}`,
    da: `En url under ${KOMMUNE_BASE} er en kommunes og har formen ${pattern} ({kommunekode} tre cifre, {name} ${LOCAL_NAME_RULE.da}); '${excerpt(url)}' ${fault.da}.`,
  };
}

export function municipalUrl(kommunekode: string, type: TerminologyType, name: string): string {
  return `${KOMMUNE_BASE}${kommunekode}/${type}/${name}`;
}

export function municipalId(kommunekode: string, name: string): string {
  return `kommune-${kommunekode}-${name}`;
}

const MUNICIPAL_ID = /^kommune-(\d{3})(?:-|$)/i;

/**
 * The municipality an id of the form `kommune-{kommunekode}-…` is reserved for (whatever its case): such an id holds
 * only that municipality's resources. Undefined for other ids.
 */
export function reservedIdKommunekode(id: string): string | undefined {
  return MUNICIPAL_ID.exec(id)?.[1];
}

/**
 * The names, titles and publisher a new local catalog (CodeSystem) and its map get, as the CSV import and the web
 * page's editor write them: the municipality by its name ("Næstved Kommune"), the catalog by its name in the url.
 */
export function localCatalogTexts(kommunekode: string, name: string): {
  codeSystem: { name: string; title: string }; conceptMap: { name: string; title: string }; publisher: string;
} {
  const municipality = municipalityName(kommunekode);
  const pascal = name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return {
    codeSystem: { name: `Kommune${kommunekode}${pascal}`, title: `${municipality} – lokale indsatser og tilbud (${name})` },
    conceptMap: { name: `Kommune${kommunekode}${pascal}TilFaellesKataloger`, title: `${municipality} – lokale indsatser og tilbud til fælleskommunale indsatser (${name})` },
    publisher: municipality,
  };
}

export function kommunekodeIdentifier(kommunekode: string): Identifier {
  return { system: KOMMUNEKODE_SYSTEM, value: kommunekode };
}

function identifiersOf(resource: TerminologyResource): Identifier[] {
  const ids = (resource as { identifier?: Identifier | Identifier[] }).identifier;
  if (!ids) return [];
  return Array.isArray(ids) ? ids : [ids];
}

/** The kommunekode identifier values of a resource. */
export function identifierKommunekoder(resource: TerminologyResource): string[] {
  return identifiersOf(resource).filter((i) => i?.system === KOMMUNEKODE_SYSTEM && typeof i.value === 'string').map((i) => i.value!);
}

/** Every municipality a resource names, in its canonical URL or a kommunekode identifier; empty for the common catalogs. */
export function resourceKommunekoder(resource: TerminologyResource): string[] {
  const set = new Set<string>();
  const fromUrl = parseMunicipalUrl(resource.url)?.kommunekode;
  if (fromUrl !== undefined) set.add(fromUrl);
  for (const k of identifierKommunekoder(resource)) set.add(k);
  return [...set];
}

/**
 * The municipality a resource belongs to: the kommunekode in its canonical URL, else its kommunekode identifier.
 * Undefined for the common catalogs.
 */
export function ownerOf(resource: TerminologyResource | undefined): string | undefined {
  if (!resource) return undefined;
  const fromUrl = parseMunicipalUrl(resource.url)?.kommunekode;
  if (fromUrl !== undefined) return fromUrl;
  return identifierKommunekoder(resource)[0];
}

/** The municipality a canonical (code system url) belongs to, from the URL pattern alone. */
export function ownerOfCanonical(url: unknown): string | undefined {
  return typeof url === 'string' ? parseMunicipalUrl(url.split('|')[0])?.kommunekode : undefined;
}

/** The municipality of each system asked about (a few hundred in use: the common and the local code systems). */
const owners = new Map<string, string | undefined>();
const MAX_OWNERS = 10_000;
/** Longer systems are not remembered: an expansion's systems may come from a request's tx-resource. */
const MAX_REMEMBERED_LENGTH = 512;

/** ownerOfCanonical of an expansion's code system, remembered: a picker's expansion asks for each of its codes' systems. */
export function ownerOfSystem(system: string): string | undefined {
  const known = owners.get(system);
  if (known !== undefined || owners.has(system)) return known;
  const owner = ownerOfCanonical(system);
  if (system.length > MAX_REMEMBERED_LENGTH) return owner;
  if (owners.size >= MAX_OWNERS) owners.clear();
  owners.set(system, owner);
  return owner;
}

export function belongsTo(resource: TerminologyResource, kommunekode: string): boolean {
  return ownerOf(resource) === kommunekode || identifierKommunekoder(resource).includes(kommunekode);
}

/** The code of the local-type property in a code system (declared by its URI; `type` by convention). */
export function localTypePropertyCode(cs: CodeSystem): string | undefined {
  const declared = (cs.property ?? []).find((p) => p.uri === LOCAL_TYPE_URI);
  if (declared) return declared.code;
  return (cs.property ?? []).some((p) => p.code === LOCAL_TYPE_CODE) ? LOCAL_TYPE_CODE : undefined;
}

export function statusPropertyCode(cs: CodeSystem): string {
  return (cs.property ?? []).find((p) => p.uri === STATUS_PROPERTY_URI)?.code ?? 'status';
}

/** The kind of a local concept from its `type` property, when it has exactly one valid value. */
export function localKindOf(concept: { properties?: readonly { code: string; valueCode?: string; valueString?: string }[] }, typeCode: string): LocalKind | undefined {
  let value: string | undefined;
  let count = 0;
  for (const p of concept.properties ?? []) {
    if (p.code !== typeCode) continue;
    if (++count > 1) return undefined;
    value = p.valueCode ?? p.valueString;
  }
  return count === 1 && LOCAL_KINDS.includes(value as LocalKind) ? (value as LocalKind) : undefined;
}
