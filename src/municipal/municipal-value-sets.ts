import { createHash } from 'node:crypto';
import type { CodeSystem, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { canonical } from '../terminology/canonical';
import { entryKey } from '../terminology/compose/result';
import type { CodeSystemProvider } from '../terminology/providers/provider';
import type { TerminologyRegistry } from '../terminology/registry';
import { DEFAULT_COVERAGE_VALUESETS } from './coverage';
import { localTargetsOfSystem } from './local-targets';
import { municipalityName } from './kommuner';
import type { TerminologyResource } from '../terminology/resource-set';
import { isValidLocalName, kommunekodeIdentifier, localKindOf, localTypePropertyCode, municipalId, municipalUrl, ownerOf, type LocalKind } from './municipality';
import { localCodeSystems, localConceptMaps } from './local-catalogs';

/**
 * The pick lists every municipality gets from its written local catalogs (bilag 6's three scenarios), under its own
 * canonical base: `…/kommune/{kommunekode}/ValueSet/{name}`. They are computed, never stored, so they follow each write.
 */
export const PICK_LISTS = {
  /** Local interventions (niveau 3). */
  interventions: 'indsatser',
  /** Local offers (tilbud). */
  offers: 'tilbud',
  /** Both. */
  all: 'lokalt-katalog',
  /** Niveau 1 → niveau 2 → the local interventions under the niveau-2 code they map to (scenario 3). */
  picker: 'indsatsvaelger',
} as const;

/** Prefix of the per-offer value set: the common interventions one offer is recorded as (scenario 1). */
export const OFFER_VALUE_SET_PREFIX = 'tilbud-';
/** Prefix of a per-offer value set's id when the code cannot stand in an id (`tilbud.`: never one of a code's). */
const OFFER_HASHED_ID_PREFIX = 'tilbud.';
/** Hex digits of the code's SHA-256 in such an id (96 bits). */
const OFFER_HASH_LENGTH = 24;

/** The characters an offer code keeps as they are in its pick list's url: RFC 3986's unreserved characters. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * An offer code as it stands in its pick list's url: each UTF-8 byte of a character other than A–Z, a–z, 0–9, `-`,
 * `.`, `_` and `~` as `%XX` (upper-case hex). A code of letters, digits, `-` and `.` is left as it is.
 */
export function offerCodeInUrl(code: string): string {
  let out = '';
  for (const ch of code) {
    out += UNRESERVED.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/**
 * Where one offer's pick list is (scenario 1; README "Pick lists for EOJ systems"): its url's last segment is
 * `tilbud-{the code as offerCodeInUrl writes it}`, for every code. Its id is `kommune-{kommunekode}-tilbud-{code}` when
 * `tilbud-{code}` is a local name (letters, digits, `-` and `.`, at most 52), else `kommune-{kommunekode}-tilbud.{the
 * first 24 hex digits of the SHA-256 of the code's UTF-8}`: the `.` keeps the two forms apart.
 */
export function offerPickList(kommunekode: string, code: string): { url: string; id: string } {
  const plain = `${OFFER_VALUE_SET_PREFIX}${code}`;
  const idName = isValidLocalName(plain) ? plain
    : `${OFFER_HASHED_ID_PREFIX}${createHash('sha256').update(code, 'utf8').digest('hex').slice(0, OFFER_HASH_LENGTH)}`;
  return { url: municipalUrl(kommunekode, 'ValueSet', `${OFFER_VALUE_SET_PREFIX}${offerCodeInUrl(code)}`), id: municipalId(kommunekode, idName) };
}

/** R5 `ValueSet.compose.property` (the properties an expansion returns unless the client names others), carried in R4. */
export const COMPOSE_PROPERTY_EXT = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.property';
/** The expansion property that gives a local code's niveau-2 target(s) as Codings. */
export const NIVEAU2_PROPERTY = 'niveau2';
export const NIVEAU2_PROPERTY_URI = 'http://faelles-tx.dk/fhir/concept-properties#niveau2';

const LOCAL_PROPERTIES = ['type', 'status', NIVEAU2_PROPERTY];

/** The derived value sets that are nested by map (niveau 3 under niveau 2), not by one code system's hierarchy. */
const pickers = new WeakSet<ValueSet>();

export function isMunicipalPicker(vs: ValueSet): boolean {
  return pickers.has(vs);
}

interface Source {
  kommunekode: string;
  codeSystems: CodeSystem[];
}

function header(kommunekode: string, name: string, title: string, description: string, sources: CodeSystem[],
  at = { url: municipalUrl(kommunekode, 'ValueSet', name), id: municipalId(kommunekode, name) }): ValueSet {
  const dates = sources.map((cs) => cs.date).filter((d): d is string => typeof d === 'string').sort();
  return {
    resourceType: 'ValueSet',
    id: at.id,
    url: at.url,
    identifier: [kommunekodeIdentifier(kommunekode)],
    name: `Kommune${kommunekode}${name.replace(/[^A-Za-z0-9]/g, '')}`,
    title,
    status: 'active',
    experimental: sources.some((cs) => cs.experimental === true),
    ...(dates.length > 0 ? { date: dates[dates.length - 1] } : {}),
    publisher: 'faelles-tx',
    description: `${description}\n\nBeregnet af serveren ud fra kommunens lokale kataloger: ${sources.map((cs) => canonical(cs.url ?? '', cs.version)).join(', ')}.`,
  };
}

function withProperties(vs: ValueSet, include: ValueSetComposeInclude[], properties: readonly string[]): ValueSet {
  vs.compose = {
    extension: properties.map((p) => ({ url: COMPOSE_PROPERTY_EXT, valueString: p })),
    include,
  };
  return vs;
}

function localIncludes(codeSystems: readonly CodeSystem[], kind: LocalKind | undefined): ValueSetComposeInclude[] {
  return codeSystems.flatMap((cs) => {
    const typeCode = localTypePropertyCode(cs);
    if (kind && !typeCode) return [];
    return [{
      system: cs.url, ...(cs.version ? { version: cs.version } : {}),
      ...(kind ? { filter: [{ property: typeCode!, op: '=' as const, value: kind }] } : {}),
    }];
  });
}

function localLists({ kommunekode, codeSystems }: Source): ValueSet[] {
  const k = municipalityName(kommunekode);
  return [
    withProperties(header(kommunekode, PICK_LISTS.interventions, `${k} – lokale indsatser (niveau 3)`,
      'Kommunens lokale indsatser (niveau 3), hver med sin fælleskommunale indsats (niveau 2) som egenskaben niveau2.', codeSystems),
    localIncludes(codeSystems, 'indsats'), LOCAL_PROPERTIES),
    withProperties(header(kommunekode, PICK_LISTS.offers, `${k} – lokale tilbud`,
      'Kommunens lokale tilbud, hvert med de fælleskommunale indsatser (niveau 2) det dokumenteres som (egenskaben niveau2).', codeSystems),
    localIncludes(codeSystems, 'tilbud'), LOCAL_PROPERTIES),
    withProperties(header(kommunekode, PICK_LISTS.all, `${k} – lokale tilbud og indsatser`,
      'Kommunens lokale katalog: tilbud og indsatser, med type, status og fælleskommunale indsatser (niveau2).', codeSystems),
    localIncludes(codeSystems, undefined), LOCAL_PROPERTIES),
  ];
}

/** For each offer, the value set of the common interventions it is recorded as, in the map's order (scenario 1). */
function offerLists(registry: TerminologyRegistry, { kommunekode, codeSystems }: Source): ValueSet[] {
  const out: ValueSet[] = [];
  for (const cs of codeSystems) {
    const typeCode = localTypePropertyCode(cs);
    if (!typeCode || !cs.url) continue;
    const targetsOf = localTargetsOfSystem(registry, cs.url);
    for (const concept of registry.provider(cs).all()) {
      if (localKindOf(concept, typeCode) !== 'tilbud') continue;
      const targets = targetsOf?.get(concept.code) ?? [];
      if (targets.length === 0) continue;
      const bySystem = new Map<string, ValueSetComposeInclude>();
      for (const t of targets) {
        const include = bySystem.get(t.system) ?? { system: t.system, concept: [] };
        include.concept!.push({ code: t.code });
        bySystem.set(t.system, include);
      }
      const vs = header(kommunekode, `${OFFER_VALUE_SET_PREFIX}${concept.code}`, `${concept.display ?? concept.code} – fælleskommunale indsatser`,
        `De fælleskommunale indsatser (niveau 2), som kommunens tilbud "${concept.display ?? concept.code}" (${concept.code}) dokumenteres som (bilag 6, scenarie 1).`,
        [cs], offerPickList(kommunekode, concept.code));
      vs.compose = { include: [...bySystem.values()] };
      out.push(vs);
    }
  }
  return out;
}

/** Position of each common code in the published catalogs' own order (KL's documents), for ordering niveau 2. */
function catalogOrder(registry: TerminologyRegistry): Map<string, number> {
  const order = new Map<string, number>();
  for (const ref of DEFAULT_COVERAGE_VALUESETS) {
    for (const include of registry.findCanonical('ValueSet', ref)?.compose?.include ?? []) {
      for (const c of include.concept ?? []) {
        const key = entryKey(include.system ?? '', c.code);
        if (!order.has(key)) order.set(key, order.size);
      }
    }
  }
  return order;
}

/**
 * Scenario 3's picker: the active niveau-2 codes of each niveau-1 group the local interventions map into, in catalog
 * order, then the local interventions (nested under their niveau-2 code on expansion). Niveau 1 is not a code of the
 * picker (an intervention is recorded at niveau 2 or 3): a nested expansion groups niveau 2 under it (nestByMap).
 */
function pickerList(registry: TerminologyRegistry, { kommunekode, codeSystems }: Source): ValueSet {
  const order = catalogOrder(registry);
  /** Per system, each niveau-1 code with its niveau-2 codes, or a target without a parent with none. */
  const groups = new Map<string, Map<string, string[]>>();
  // the thousands of local codes map to codes of one or two systems
  const providers = new Map<string, CodeSystemProvider | undefined>();
  const providerOf = (system: string): CodeSystemProvider | undefined => {
    if (!providers.has(system)) providers.set(system, registry.codeSystemProvider(system));
    return providers.get(system);
  };
  for (const cs of codeSystems) {
    const typeCode = localTypePropertyCode(cs);
    if (!typeCode || !cs.url) continue;
    const targetsOf = localTargetsOfSystem(registry, cs.url);
    for (const concept of registry.provider(cs).all()) {
      if (localKindOf(concept, typeCode) !== 'indsats') continue;
      for (const t of targetsOf?.get(concept.code) ?? []) {
        const provider = providerOf(t.system);
        const target = provider?.locate(t.code);
        if (!provider || !target) continue;
        const perSystem = groups.get(t.system) ?? new Map<string, string[]>();
        groups.set(t.system, perSystem);
        const niveau1 = target.parents[0];
        if (!niveau1) {
          if (!perSystem.has(t.code)) perSystem.set(t.code, []);
          continue;
        }
        const group = perSystem.get(niveau1.code);
        if (group) {
          // a target the group left out (a retired code still mapped to) is added, so its local codes have their place
          if (!group.includes(t.code)) group.push(t.code);
          continue;
        }
        const rank = (code: string): number => order.get(entryKey(t.system, code)) ?? Number.MAX_SAFE_INTEGER;
        const siblings = niveau1.children.filter((c) => !provider.isInactive(c) || c === target).map((c) => c.code);
        // a stable sort keeps the code system's order for codes the catalogs do not list
        perSystem.set(niveau1.code, siblings.sort((a, b) => rank(a) - rank(b)));
      }
    }
  }
  const include: ValueSetComposeInclude[] = [];
  for (const [system, perSystem] of groups) {
    const rankOf = (code: string): number => Math.min(...[code, ...(perSystem.get(code) ?? [])].map((c) => order.get(entryKey(system, c)) ?? Number.MAX_SAFE_INTEGER));
    const roots = [...perSystem.keys()].sort((a, b) => rankOf(a) - rankOf(b));
    const codes = roots.flatMap((r) => { const niveau2 = perSystem.get(r) ?? []; return niveau2.length > 0 ? niveau2 : [r]; });
    include.push({ system, concept: codes.map((code) => ({ code })) });
  }
  include.push(...localIncludes(codeSystems, 'indsats'));
  const vs = withProperties(header(kommunekode, PICK_LISTS.picker, `${municipalityName(kommunekode)} – vælg indsats (niveau 1, 2 og 3)`,
    'Bilag 6, scenarie 3: de fælleskommunale indsatser (niveau 2) i katalogets rækkefølge, grupperet under paragraffen (niveau 1), ' +
    'der ikke selv kan vælges, og under hver kommunens lokale indsatser (niveau 3), der er koblet til den. ' +
    'Lokale indsatser bærer deres niveau-2-kode som egenskaben niveau2.',
  codeSystems), include, LOCAL_PROPERTIES);
  pickers.add(vs);
  return vs;
}

/** One municipality's derived pick lists, from the local catalogs the registry holds now (none without a local catalog). */
export function municipalValueSetsOf(registry: TerminologyRegistry, kommunekode: string): ValueSet[] {
  const codeSystems = localCodeSystems(registry, kommunekode).filter((cs) => cs.url && ownerOf(cs) === kommunekode);
  if (codeSystems.length === 0) return [];
  const source = { kommunekode, codeSystems };
  return [...localLists(source), pickerList(registry, source), ...offerLists(registry, source)];
}

/**
 * Everything one municipality's pick lists are computed from, as the registry holds it now: its local catalogs and
 * maps, the code systems they map to, and the catalogs that give niveau 2 its order. While these are the same
 * resources, the lists computed from them are still current (a write of another municipality changes none of them).
 */
export function municipalSourcesOf(registry: TerminologyRegistry, kommunekode: string): (TerminologyResource | undefined)[] {
  const maps = localConceptMaps(registry, kommunekode);
  const targets = [...new Set(maps.flatMap((cm) => (cm.group ?? []).map((g) => g.target)).filter((t): t is string => t !== undefined))].sort();
  return [
    ...localCodeSystems(registry, kommunekode), ...maps,
    ...targets.map((t) => registry.findCodeSystem(t)),
    ...DEFAULT_COVERAGE_VALUESETS.map((ref) => registry.findCanonical('ValueSet', ref)),
  ];
}

/** The municipalities that have a local catalog. */
export function municipalitiesWithCatalogs(registry: TerminologyRegistry): string[] {
  return [...new Set(localCodeSystems(registry).map(ownerOf).filter((k): k is string => k !== undefined))];
}
