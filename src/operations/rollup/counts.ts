import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CodeSystem, Coding, ConceptMap } from 'fhir/r4';
import { unknownValueSet } from '../../errors/common-errors';
import { forwardMatches, type Match } from '../translate/translator';
import { niveau2ValueSets } from '../../municipal/niveau2-catalogs';
import { ancestorAtDepth, ancestry, catalogLevels, currentCode } from '../../terminology/catalog-levels';
import { evaluateValueSet } from '../../terminology/expansion/cache';
import type { TerminologyRegistry } from '../../terminology/registry';
import { isGatewayLocalSystem, localKindOf, localTypePropertyCode, ownerOf, ownerOfCanonical } from '../../municipal/municipality';
import { localCodeSystems, localConceptMaps } from '../../municipal/local-catalogs';
import { catalogVersionsOfMaps } from '../map-version';
import { localSystemsDefining } from '../../municipal/gateway-systems';
import { excerpt } from '../../errors/excerpt';
import type { Bilingual } from '../../errors/issue';
import { FhirError } from '../../errors/fhir-error';
import { currentTimeBudget } from '../../terminology/time-budget';
import { byText, sortedByTexts } from './danish-order';
import { municipalityGenitive } from '../../municipal/kommuner';

/**
 * Roll-up of documented counts (bilag 6, "eksempler på anvendelse af data"): rows of (kommunekode, system, code,
 * count[, district][, period]) — local codes of a municipality, or common codes documented directly — become counts per niveau-2
 * intervention and per niveau 1 (law paragraph), and FSIII conditions counts per area at a chosen depth, per
 * municipality (and district and period). What is counted is what the rows count: documented interventions and conditions, not
 * citizens.
 */
export type OfferRule = 'each-target' | 'exclude';

/** Most rows one roll-up takes (400 above). */
export const MAX_ROLLUP_ROWS = 200_000;
/** Most columns of a roll-up's CSV: its rows have six it reads, and others it leaves (as the import's default, MAX_IMPORT_COLUMNS). */
export const MAX_ROLLUP_COLUMNS = 100;

export const DEFAULT_CONDITION_VALUESET = 'http://fhir.kl.dk/term/ValueSet/KLConditionCodes';

/** Where and when a count belongs: the municipality, optionally a district (bydel, område …) of it, and a period. */
export interface Scope {
  kommunekode: string;
  district?: string;
  period?: string;
}

export interface RollupRow extends Scope {
  /** 1-based position (the CSV line, or the index of the `row` parameter). */
  line: number;
  system: string;
  code: string;
  count: number;
}

export interface RollupOptions {
  offers: OfferRule;
  /** Depth of the condition hierarchy counted as the area (0 = the root, 1 = "Mental sundhed" …). */
  conditionDepth: number;
  conditionValueSet: string;
  /** Map versions to use instead of the municipalities' newest maps of the same url (their local catalogs in the versions they name). */
  conceptMaps?: ConceptMap[];
  /**
   * The municipalities' maps and local catalogs as they were on a date, instead of the newest: each map in its version
   * in force then (none in use yet: left out), each catalog in the version those maps name as their source
   * (group.sourceVersion), else in its version in force then, else the newest.
   */
  inForceOn?: InForceOn;
  /**
   * Per row instead (`dateFromPeriod`): for each period of the rows, the maps and local catalogs as they were at its
   * end, chosen as for `inForceOn`.
   */
  inForceByPeriod?: ReadonlyMap<string, InForceOn>;
}

export interface InForceOn {
  date: string;
  /** Given the newest version, the version in force on the date; undefined when none was in use yet. */
  map(newest: ConceptMap): ConceptMap | undefined;
  catalog(newest: CodeSystem): CodeSystem | undefined;
  /** The municipality's maps and local catalogs deleted since (their newest versions): in force on the date if deleted after it. */
  deleted?(kommunekode: string): { maps: ConceptMap[]; catalogs: CodeSystem[] };
}

export type NotCountedReason = 'unknown-system' | 'unknown-code' | 'not-niveau2' | 'other-municipality' | 'unmapped' | 'offer-excluded' | 'conflicting-maps';

export interface InterventionCount extends Scope {
  intervention: Coding;
  niveau1?: Coding;
  lovparagraf?: string;
  count: number;
  /** Of `count`, what came from local interventions or common codes documented directly, and what from offers. */
  direct: number;
  viaOffers: number;
}

export interface Niveau1Count extends Scope {
  niveau1?: Coding;
  lovparagraf?: string;
  count: number;
}

export interface AreaCount extends Scope {
  area: Coding;
  count: number;
}

export interface NotCounted {
  row: RollupRow;
  reason: NotCountedReason;
  message: Bilingual;
}

export interface Replaced {
  row: RollupRow;
  replaced: Coding & { status: string };
  replacement: Coding;
}

/** A row counted on a code that is retired or outgoing and has no successor to count on instead. */
export interface Outdated {
  row: RollupRow;
  code: Coding & { status: string };
}

export interface RollupResult {
  options: RollupOptions;
  rows: number;
  inputCount: number;
  /** Σ count of the rows counted as interventions (local interventions, offers, common interventions). */
  interventionInput: number;
  /** Σ count of the rows counted as conditions. */
  conditionInput: number;
  /** Σ count of the rows not counted. */
  notCountedInput: number;
  /** What offers add to the niveau-2 total beyond their own count: Σ count × (targets − 1). */
  offerExtra: number;
  niveau2: InterventionCount[];
  niveau1: Niveau1Count[];
  areas: AreaCount[];
  notCounted: NotCounted[];
  replaced: Replaced[];
  outdated: Outdated[];
}

/** How the counting is done, in words, for the answer (so that nobody has to guess); Danish when asked for. */
export function countingRule(options: RollupOptions, language: 'en' | 'da' = 'en'): string {
  const maps = options.conceptMaps?.map((cm) => `${cm.url}|${cm.version ?? ''}`).join(', ');
  if (language === 'da') {
    const offers = options.offers === 'each-target'
      ? 'Et tilbud tælles én gang for hver af sine fælleskommunale indsatser (niveau 2) (offers=each-target), så det lægger til flere indsatser.'
      : 'Tilbud tælles ikke (offers=exclude); deres rækker står blandt de ikke talte.';
    return 'Tallene er dokumenterede indsatser og tilstande, summen af hver inputrækkes antal; de er ikke borgere ' +
      '(en borger med to indsatser tælles to gange). En lokal indsats tælles på den ene fælleskommunale indsats (niveau 2), den er koblet til. ' +
      `${offers} Niveau 1 (lovparagraffen) er summen af sine indsatser på niveau 2. En kode koblet til en udgået eller udgående kode tælles på dens afløser. ` +
      `${maps ? `Lokale koder oversættes med ${maps} og ellers med hver kommunes nyeste koblinger. ` : ''}` +
      `${options.inForceOn ? `Lokale koder oversættes med hver kommunes koblinger, som de var ${options.inForceOn.date} (den version, der var i kraft; koblinger, der ikke var i brug endnu, bruges ikke), og slås op i den version af kataloget, koblingerne angiver, ellers den, der var i kraft. ` : ''}` +
      `${options.inForceByPeriod ? `Lokale koder oversættes med hver kommunes koblinger, som de var ved udgangen af hver rækkes periode (${periodDates(options.inForceByPeriod)}; den version, der var i kraft; koblinger, der ikke var i brug endnu, bruges ikke), og slås op i den version af kataloget, koblingerne angiver, ellers den, der var i kraft. ` : ''}` +
      'Giver to af kommunens koblinger en lokal kode forskellige fælleskommunale indsatser, tælles den ikke (conflicting-maps); koblinger, der er enige, tæller den én gang. ' +
      `Tilstande (koder i ${options.conditionValueSet}) tælles på deres overbegreb i dybde ${options.conditionDepth} af hierarkiet (0 = roden). ` +
      'Rækker, der ikke kan tælles, står med deres årsag; input i alt = indsatsrækker + tilstandsrækker + rækker der ikke er talt.';
  }
  const offers = options.offers === 'each-target'
    ? 'An offer (tilbud) is counted once for each of its niveau-2 interventions (offers=each-target), so it adds to several interventions.'
    : 'Offers (tilbud) are not counted (offers=exclude); their rows are listed as not counted.';
  return 'Counts are documented interventions and conditions, summed from the count of each input row; they are not citizens ' +
    '(a citizen with two interventions counts twice). A local intervention (indsats) counts on the one niveau-2 intervention it is mapped to. ' +
    `${offers} Niveau 1 (the law paragraph) is the sum of its niveau-2 interventions. A code mapped to a retired or outgoing code counts on its replacement. ` +
    `${maps ? `Local codes are translated with ${maps} and otherwise each municipality's newest maps. ` : ''}` +
    `${options.inForceOn ? `Local codes are translated with each municipality's maps as they were on ${options.inForceOn.date} (the version in force then; maps not in use yet are not used), and looked up in the catalog version those maps name, else the one in force then. ` : ''}` +
    `${options.inForceByPeriod ? `Local codes are translated with each municipality's maps as they were at the end of each row's period (${periodDates(options.inForceByPeriod)}; the version in force then; maps not in use yet are not used), and looked up in the catalog version those maps name, else the one in force then. ` : ''}` +
    'When two of a municipality\'s maps give a local code different niveau-2 interventions, it is not counted (conflicting-maps); maps that agree count it once. ' +
    `Conditions (codes of ${options.conditionValueSet}) count on their ancestor at depth ${options.conditionDepth} of the hierarchy (0 = the root). ` +
    'Rows that cannot be counted are listed with their reason; input count = intervention rows + condition rows + rows not counted.';
}

/** The periods and the dates they were read as ("2025 → 2025, 2026-K1 → 2026-03"), the first ten and how many more. */
function periodDates(byPeriod: ReadonlyMap<string, InForceOn>): string {
  const all = [...byPeriod].sort(([a], [b]) => byText(a, b));
  const shown = all.slice(0, 10).map(([period, on]) => `${excerpt(period, 40)} → ${on.date}`).join(', ');
  return all.length > 10 ? `${shown} … (${all.length})` : shown;
}

interface Target {
  intervention: Coding;
  replaces?: Coding & { status: string };
}

type Resolution =
  | { kind: 'interventions'; targets: Target[]; offer: boolean; outdated: (Coding & { status: string })[] }
  | { kind: 'condition'; area: Coding; replaces?: Coding & { status: string }; current: Coding; outdated: (Coding & { status: string })[] }
  | { kind: 'not-counted'; reason: NotCountedReason; message: Bilingual };

/**
 * The targets a local code counts on, from its matches in the municipality's maps in use: each counted target once (a
 * map that states a retired code and its successor gives the successor once; maps that agree give their targets once),
 * so a row counts at most once on any niveau-2 intervention. When two maps (url|version) give different sets of targets,
 * the maps that differ from the first, with the first: the code is then counted on none of them.
 */
export function targetsOfMaps(matches: Match[]): { matches: Match[] } | { conflicting: { map: string; matches: Match[] }[] } {
  const byMap = new Map<string, Map<string, Match>>();
  for (const m of matches) {
    const targets = byMap.get(m.originMap) ?? new Map<string, Match>();
    const key = `${m.concept.system ?? ''}\u0000${m.concept.code}`;
    if (!targets.has(key)) targets.set(key, m);
    byMap.set(m.originMap, targets);
  }
  const maps = [...byMap].map(([map, targets]) => ({ map, key: [...targets.keys()].sort().join('\u0001'), matches: [...targets.values()] }));
  const [first, ...others] = maps;
  if (!first) return { matches: [] };
  const differing = others.filter((m) => m.key !== first.key);
  if (differing.length > 0) return { conflicting: [first, ...differing].map(({ map, matches: ms }) => ({ map, matches: ms })) };
  return { matches: first.matches };
}

const label = (c: Coding) => `${c.code}${c.display ? ` (${c.display})` : ''}`;

function codingOf(system: string, code: string, display?: string): Coding {
  return { system, code, ...(display ? { display } : {}) };
}

/** The newest versions given, or for each the version `version` picks (none when it picks none). */
function inUse<T>(newest: T[], version: ((r: T) => T | undefined) | undefined): T[] {
  if (!version) return newest;
  return newest.map(version).filter((r): r is T => r !== undefined);
}

/** The codes that count as conditions: the condition value set's codes and the groupings above them, evaluated once. */
class ConditionCodes {
  private keys?: Set<string>;

  constructor(private readonly registry: TerminologyRegistry, private readonly valueSet: string) {}

  has(system: string, code: string): boolean {
    return this.all().has(`${system}\u0000${code}`);
  }

  private all(): Set<string> {
    if (!this.keys) {
      const vs = this.registry.findCanonical('ValueSet', this.valueSet);
      if (!vs) throw unknownValueSet(this.valueSet, 'conditionValueSet');
      // the value set's codes and the groupings above them (an area such as "Mental sundhed" counts as a condition too)
      this.keys = new Set();
      for (const e of evaluateValueSet(this.registry, vs).entries) {
        this.keys.add(`${e.system}\u0000${e.code}`);
        const concept = this.registry.codeSystemProvider(e.system)?.locate(e.code);
        for (const a of concept ? ancestry(concept) : []) this.keys.add(`${e.system}\u0000${a.code}`);
      }
    }
    return this.keys;
  }
}

/**
 * The codes a row counts as an intervention by: the niveau-2 catalogs' (niveau2-catalogs.ts), evaluated once per
 * version of the code's system: a map's target in the version the map states (group.targetVersion), as `$translate`
 * and `$export` read it, a common code documented directly in the newest. Undefined when the server has none of
 * them, and then every code that is not a condition counts.
 */
class Niveau2Codes {
  private readonly keys = new Map<string, Set<string> | null>();

  constructor(private readonly registry: TerminologyRegistry) {}

  has(system: string, code: string, version?: string): boolean | undefined {
    const at = version === undefined ? system : `${system}|${version}`;
    let keys = this.keys.get(at);
    if (keys === undefined) {
      keys = this.evaluated(system, version);
      this.keys.set(at, keys);
    }
    return keys === null ? undefined : keys.has(`${system}\u0000${code}`);
  }

  private evaluated(system: string, version: string | undefined): Set<string> | null {
    const valueSets = niveau2ValueSets(this.registry);
    if (valueSets.length === 0) return null;
    // a version the server does not have (a package unloaded since the map was written) judges by the newest
    const options = version !== undefined && this.registry.codeSystemProvider(system, version) ? { systemVersions: new Map([[system, version]]) } : {};
    return new Set(valueSets.flatMap((vs) => evaluateValueSet(this.registry, vs, options).entries.map((e) => `${e.system}\u0000${e.code}`)));
  }
}

/** A municipality's maps and local catalogs a row is resolved with, and a key naming those versions. */
interface InUse {
  maps: ConceptMap[];
  catalogs: CodeSystem[];
  key: string;
}

const versionsKey = (rs: (ConceptMap | CodeSystem)[]) => rs.map((r) => `${r.url}|${r.version ?? ''}`).join('\u0001');

class Resolver {
  private readonly cache = new Map<string, Resolution>();
  private readonly newest = new Map<string, { maps: ConceptMap[]; catalogs: CodeSystem[] }>();
  private readonly inUse = new Map<string, InUse>();

  private readonly niveau2: Niveau2Codes;

  constructor(private readonly registry: TerminologyRegistry, private readonly options: RollupOptions, private readonly conditions: ConditionCodes) {
    this.niveau2 = new Niveau2Codes(registry);
  }

  /**
   * How a row counts, with the municipality's maps and catalogs as they were on `on`'s date (none: the newest). The
   * answer is kept per versions in use, so that dates (periods) with the same versions resolve a code once.
   */
  resolve(row: RollupRow, on: InForceOn | undefined): Resolution {
    const use = this.inUseOn(row.kommunekode, on);
    const key = `${use.key}\u0000${row.system}\u0000${row.code}`;
    let r = this.cache.get(key);
    if (!r) {
      r = this.compute(row, use);
      this.cache.set(key, r);
    }
    return r;
  }

  private newestOf(kommunekode: string): { maps: ConceptMap[]; catalogs: CodeSystem[] } {
    let newest = this.newest.get(kommunekode);
    if (!newest) {
      newest = { maps: localConceptMaps(this.registry, kommunekode), catalogs: localCodeSystems(this.registry, kommunekode) };
      this.newest.set(kommunekode, newest);
    }
    return newest;
  }

  /**
   * The municipality's maps (the newest, the versions named by `conceptMap` instead, or those in force on the date)
   * and local catalogs (the newest, or in the versions the maps chosen name: catalogVersionsOfMaps).
   */
  private inUseOn(kommunekode: string, on: InForceOn | undefined): InUse {
    const k = `${kommunekode}\u0000${on?.date ?? ''}`;
    let use = this.inUse.get(k);
    if (!use) {
      const newest = this.newestOf(kommunekode);
      const gone = on?.deleted?.(kommunekode);
      const chosen = (this.options.conceptMaps ?? []).filter((cm) => ownerOf(cm) === kommunekode);
      const maps = [...inUse([...newest.maps, ...gone?.maps ?? []], on?.map).filter((cm) => !chosen.some((c) => c.url === cm.url)), ...chosen];
      const catalogs = on ? catalogVersionsOfMaps(this.registry, kommunekode, maps, newest.catalogs, (cs) => on.catalog(cs), gone?.catalogs)
        : chosen.length > 0 ? catalogVersionsOfMaps(this.registry, kommunekode, chosen, newest.catalogs) : newest.catalogs;
      use = { maps, catalogs, key: `${kommunekode}\u0000${versionsKey(maps)}\u0000${versionsKey(catalogs)}` };
      this.inUse.set(k, use);
    }
    return use;
  }

  private compute(row: RollupRow, use: InUse): Resolution {
    let system = row.system;
    if (isGatewayLocalSystem(system)) {
      const defining = localSystemsDefining(this.registry, row.kommunekode, row.code, use.catalogs);
      if (defining.length === 0) return { kind: 'not-counted', reason: 'unknown-code', message: {
        en: `'${excerpt(row.code)}' is not a code of any local catalog of municipality ${row.kommunekode}`,
        da: `'${excerpt(row.code)}' er ikke en kode i noget lokalt katalog fra kommune ${row.kommunekode}`,
      } };
      if (defining.length > 1) return this.ofSeveralCatalogs(row, defining.map((cs) => cs.url!), use);
      system = defining[0]!.url!;
    }
    const owner = ownerOfCanonical(system);
    if (owner !== undefined) return this.local(row, system, owner, use);
    return this.common(row, system);
  }

  /**
   * A gateway coding of a code two of the municipality's catalogs define: counted when their maps give it the same
   * niveau-2 interventions, else on none (as two maps that disagree), whichever catalog is listed first.
   */
  private ofSeveralCatalogs(row: RollupRow, systems: string[], use: InUse): Resolution {
    const each = systems.map((system) => this.local(row, system, row.kommunekode, use));
    const key = (r: Resolution) => (r.kind === 'interventions' ? `${r.offer} ${r.targets.map((t) => `${t.intervention.system}|${t.intervention.code}`).sort().join(' ')}` : undefined);
    const first = key(each[0]!);
    if (first !== undefined && each.every((r) => key(r) === first)) return each[0]!;
    // not counted by any of them for one reason (unmapped in each, an offer in each with offers=exclude): that reason
    const reason = (r: Resolution) => (r.kind === 'not-counted' ? r.reason : undefined);
    if (reason(each[0]!) !== undefined && each.every((r) => reason(r) === reason(each[0]!))) return each[0]!;
    const named = systems.join(', ');
    return { kind: 'not-counted', reason: 'conflicting-maps', message: {
      en: `${row.code} is a code of ${systems.length} local catalogs of municipality ${row.kommunekode} (${named}), which do not count it alike; send the catalog's url as its system`,
      da: `${row.code} er en kode i ${systems.length} lokale kataloger fra kommune ${row.kommunekode} (${named}), som ikke tæller den ens; send katalogets url som system`,
    } };
  }

  private local(row: RollupRow, system: string, owner: string, use: InUse): Resolution {
    if (owner !== row.kommunekode) {
      return { kind: 'not-counted', reason: 'other-municipality', message: {
        en: `${system} is ${municipalityGenitive(owner).en} catalog, not ${municipalityGenitive(row.kommunekode).en}`,
        da: `${system} er ${municipalityGenitive(owner).da} katalog, ikke ${municipalityGenitive(row.kommunekode).da}`,
      } };
    }
    // counted on a date before any of the municipality's maps came into use: the date is why, whatever the code
    if (use.maps.length === 0 && this.newestOf(row.kommunekode).maps.length > 0) {
      return { kind: 'not-counted', reason: 'unmapped', message: {
        en: `No map of municipality ${row.kommunekode} was in use yet on the date counted with, so ${row.code} is not mapped then (its maps came into use later)`,
        da: `Ingen mapning fra kommune ${row.kommunekode} var i brug endnu på den dato, der tælles med, så ${row.code} er ikke mappet da (kommunens mapninger kom i brug senere)`,
      } };
    }
    const cs = use.catalogs.find((c) => c.url === system);
    if (!cs) return { kind: 'not-counted', reason: 'unknown-system', message: { en: `No local catalog ${system} is known`, da: `Intet lokalt katalog ${system} kendes` } };
    const concept = this.registry.provider(cs).locate(row.code);
    if (!concept) return { kind: 'not-counted', reason: 'unknown-code', message: notACodeOf(row.code, system) };
    const typeCode = localTypePropertyCode(cs);
    const offer = (typeCode ? localKindOf(concept, typeCode) : undefined) === 'tilbud';
    // map by map: a translation of several maps at once gives a match they share once, and so hides which maps agree
    const matches = use.maps.flatMap((cm) => forwardMatches(this.registry, { system, code: row.code }, [cm]))
      .filter((m) => m.concept.code && m.equivalence !== 'unmatched' && m.equivalence !== 'disjoint');
    if (matches.length === 0) {
      return { kind: 'not-counted', reason: 'unmapped', message: {
        en: `No map of municipality ${row.kommunekode} maps ${row.code}`, da: `Ingen mapning fra kommune ${row.kommunekode} mapper ${row.code}`,
      } };
    }
    if (offer && this.options.offers === 'exclude') {
      return { kind: 'not-counted', reason: 'offer-excluded', message: {
        en: `${row.code} is an offer (tilbud) and offers=exclude`, da: `${row.code} er et tilbud, og tilbud tælles ikke (offers=exclude)`,
      } };
    }
    const agreed = targetsOfMaps(matches);
    if ('conflicting' in agreed) {
      const stated = (to: string) => agreed.conflicting.map((m) => `${m.map} ${to} ${m.matches
        .map((x) => label(this.describe(x.concept.system!, x.concept.code!, x.concept.display))).join(' + ')}`).join(', ');
      return {
        kind: 'not-counted', reason: 'conflicting-maps',
        message: {
          en: `The maps of municipality ${row.kommunekode} give ${row.code} different niveau-2 interventions (${stated('to')}); it is counted on none of them`,
          da: `Mapningerne fra kommune ${row.kommunekode} giver ${row.code} forskellige niveau 2-indsatser (${stated('til')}); den tælles på ingen af dem`,
        },
      };
    }
    // a map written before targets were held to the niveau-2 catalogs (or with a value set of its own as target scope)
    const outside = agreed.matches.filter((m) => this.niveau2.has(m.concept.system!, m.concept.code!, m.concept.version) === false);
    if (outside.length > 0) {
      const named = outside.map((m) => label(this.describe(m.concept.system!, m.concept.code!, m.concept.display))).join(', ');
      return { kind: 'not-counted', reason: 'not-niveau2', message: {
        en: `The maps of municipality ${row.kommunekode} give ${row.code} ${named}, not a common (niveau 2) intervention, service or offer; it is counted on none`,
        da: `Mapningerne fra kommune ${row.kommunekode} giver ${row.code} ${named}, som ikke er en fælleskommunal indsats, ydelse eller et tilbud på niveau 2; den tælles på ingen`,
      } };
    }
    const targets = agreed.matches.map((m) => ({
      intervention: this.describe(m.concept.system!, m.concept.code!, m.concept.display),
      ...(m.replaces ? { replaces: m.replaces } : {}),
    }));
    const outdated = agreed.matches.flatMap((m, i) => this.outdated(targets[i]!.intervention, m.concept.version));
    return { kind: 'interventions', targets, offer, outdated };
  }

  /**
   * The code itself when it is retired or outgoing (and so counted as it is: its code system names no successor), in
   * the version of its code system a map states for it, the one `$translate` followed successors in (none stated: the
   * newest; one the server does not have: not judged, as `$translate` follows no successor there).
   */
  private outdated(c: Coding, version?: string): (Coding & { status: string })[] {
    const provider = this.registry.codeSystemProvider(c.system!, version);
    const concept = provider?.locate(c.code!);
    const status = provider && concept ? provider.status(concept) : 'active';
    return status === 'retired' || status === 'deprecated' || status === 'inactive' ? [{ ...c, status }] : [];
  }

  private describe(system: string, code: string, display?: string): Coding {
    const concept = this.registry.codeSystemProvider(system)?.locate(code);
    return codingOf(system, code, concept?.display ?? display);
  }

  private common(row: RollupRow, system: string): Resolution {
    const provider = this.registry.codeSystemProvider(system);
    if (!provider) return { kind: 'not-counted', reason: 'unknown-system', message: { en: `The code system ${system} is not known`, da: `Kodesystemet ${system} kendes ikke` } };
    const concept = provider.locate(row.code);
    if (!concept) return { kind: 'not-counted', reason: 'unknown-code', message: notACodeOf(row.code, system) };
    const current = currentCode(this.registry, provider, concept);
    const replaces = current.replaced ? { system, ...current.replaced } : undefined;
    const currentCoding = codingOf(system, current.concept.code, current.concept.display);
    if (this.conditions.has(system, current.concept.code) || this.conditions.has(system, concept.code)) {
      const area = ancestorAtDepth(current.concept, this.options.conditionDepth);
      return { kind: 'condition', area: codingOf(system, area.code, area.display), current: currentCoding, ...(replaces ? { replaces } : {}),
        outdated: this.outdated(currentCoding) };
    }
    // a code of another catalog, a grouping (niveau 1) or any other code is not an intervention a roll-up compares on
    if (this.niveau2.has(system, current.concept.code) === false && this.niveau2.has(system, concept.code) === false) {
      return { kind: 'not-counted', reason: 'not-niveau2', message: {
        en: `${row.code}${concept.display ? ` (${concept.display})` : ''} of ${system} is neither a common (niveau 2) intervention, service or offer nor a condition`,
        da: `${row.code}${concept.display ? ` (${concept.display})` : ''} fra ${system} er hverken en fælleskommunal indsats, ydelse eller et tilbud på niveau 2 eller en tilstand`,
      } };
    }
    return { kind: 'interventions', targets: [{ intervention: currentCoding, ...(replaces ? { replaces } : {}) }], offer: false, outdated: this.outdated(currentCoding) };
  }
}

function groupKey(scope: Scope, ...parts: (string | undefined)[]): string {
  return [scope.kommunekode, scope.district, scope.period, ...parts].map((p) => p ?? '').join('\u0000');
}

/**
 * A count in the scope of a row or count (its absent parts left out), with the fields given. Built field by field:
 * object spreads of conditional parts cost ~7 µs each, and a roll-up makes one per scope and intervention.
 */
function inScopeOf<T extends Scope>(x: Scope, fields: Omit<T, keyof Scope>): T {
  const count = { kommunekode: x.kommunekode, ...fields } as T;
  if (x.district) count.district = x.district;
  if (x.period) count.period = x.period;
  return count;
}

/** A count's scope, as the keys its order goes by first. */
const SCOPE_KEYS = [(c: Scope) => c.kommunekode, (c: Scope) => c.district, (c: Scope) => c.period];

/** A niveau-2 intervention's niveau 1 and law paragraph, found once per intervention (not once per scope it is counted in). */
function levelsByIntervention(registry: TerminologyRegistry): (c: Coding) => ReturnType<typeof catalogLevels> | undefined {
  const found = new Map<string, ReturnType<typeof catalogLevels> | undefined>();
  return (c) => {
    const key = `${c.system}\u0000${c.code}`;
    if (!found.has(key)) {
      const provider = registry.codeSystemProvider(c.system!);
      const concept = provider?.locate(c.code!);
      found.set(key, provider && concept ? catalogLevels(registry, provider, concept) : undefined);
    }
    return found.get(key);
  };
}

/**
 * A roll-up gives at most as many niveau-2 and area counts as it may take rows: past that (an offer counting on
 * several interventions, in as many periods and districts as there are rows) it is no longer a summary, and its
 * answer would take the server's time and memory a roll-up should not.
 */
function checkCounts(counts: number): void {
  if (counts <= MAX_ROLLUP_ROWS) return;
  throw FhirError.tooCostly(`The roll-up would give more than ${MAX_ROLLUP_ROWS} counts (niveau-2 interventions and areas, per municipality, district and period); ` +
    'roll up fewer periods or districts at a time', {
    da: `Optællingen ville give mere end ${MAX_ROLLUP_ROWS} tal (niveau 2-indsatser og områder pr. kommune, bydel og periode); opsummér færre perioder eller bydele ad gangen`,
  });
}

/** The rows counted so far, and the counts they make. */
class Counting {
  private readonly resolver: Resolver;
  private readonly result: RollupResult;
  private readonly niveau2 = new Map<string, InterventionCount>();
  private readonly areas = new Map<string, AreaCount>();
  private readonly niveau1 = new Map<string, Niveau1Count>();
  private readonly levelsOf: ReturnType<typeof levelsByIntervention>;

  constructor(registry: TerminologyRegistry, rows: number, private readonly options: RollupOptions) {
    this.resolver = new Resolver(registry, options, new ConditionCodes(registry, options.conditionValueSet));
    this.levelsOf = levelsByIntervention(registry);
    this.result = {
      options, rows, inputCount: 0, interventionInput: 0, conditionInput: 0, notCountedInput: 0, offerExtra: 0,
      niveau2: [], niveau1: [], areas: [], notCounted: [], replaced: [], outdated: [],
    };
  }

  /** Each row with the maps of its period's end (dateFromPeriod), or all with those of one date, or the newest. */
  private dateOf(row: RollupRow): InForceOn | undefined {
    return this.options.inForceByPeriod && row.period !== undefined ? this.options.inForceByPeriod.get(row.period) : this.options.inForceOn;
  }

  add(rows: readonly RollupRow[]): void {
    const { result, niveau2, areas } = this;
    const budget = currentTimeBudget();
    for (const row of rows) {
      budget?.tick();
      result.inputCount += row.count;
      const r = this.resolver.resolve(row, this.dateOf(row));
      if (r.kind === 'not-counted') {
        result.notCountedInput += row.count;
        result.notCounted.push({ row, reason: r.reason, message: r.message });
        continue;
      }
      for (const code of r.outdated) result.outdated.push({ row, code });
      if (r.kind === 'condition') {
        result.conditionInput += row.count;
        if (r.replaces) result.replaced.push({ row, replaced: r.replaces, replacement: r.current });
        const key = groupKey(row, r.area.system, r.area.code);
        let a = areas.get(key);
        if (!a) {
          a = inScopeOf<AreaCount>(row, { area: r.area, count: 0 });
          areas.set(key, a);
          checkCounts(niveau2.size + areas.size);
        }
        a.count += row.count;
        continue;
      }
      result.interventionInput += row.count;
      result.offerExtra += row.count * (r.targets.length - 1);
      for (const t of r.targets) {
        if (t.replaces) result.replaced.push({ row, replaced: t.replaces, replacement: t.intervention });
        const key = groupKey(row, t.intervention.system, t.intervention.code);
        let n = niveau2.get(key);
        if (!n) {
          const levels = this.levelsOf(t.intervention);
          n = inScopeOf<InterventionCount>(row, { intervention: t.intervention, count: 0, direct: 0, viaOffers: 0 });
          if (levels?.niveau1) n.niveau1 = levels.niveau1;
          if (levels?.lovparagraf) n.lovparagraf = levels.lovparagraf;
          niveau2.set(key, n);
          checkCounts(niveau2.size + areas.size);
        }
        n.count += row.count;
        if (r.offer) n.viaOffers += row.count;
        else n.direct += row.count;
      }
    }
  }

  /** The counts, in order, with niveau 1 summed from niveau 2. */
  done(): RollupResult {
    this.sort();
    this.sumNiveau1(0, this.result.niveau2.length);
    return this.finish();
  }

  /**
   * done, with a turn of the event loop after the sort and between slices of the niveau-1 sums: with ~100,000
   * niveau-2 counts (2,000 districts × 12 months) the sums took 66–150 ms in one block, and the sort, comparing texts
   * with the collator, 100–165 ms (by numbers, sortedByTexts, ~30 ms).
   */
  async doneInTurns(): Promise<RollupResult> {
    this.sort();
    for (let at = 0; at < this.result.niveau2.length; at += COUNT_SLICE_ROWS) {
      await nextTurn();
      this.sumNiveau1(at, at + COUNT_SLICE_ROWS);
    }
    return this.finish();
  }

  private sort(): void {
    const { result } = this;
    result.niveau2 = sortedByTexts([...this.niveau2.values()], [...SCOPE_KEYS, (c) => c.lovparagraf, (c) => c.intervention.display]);
    result.areas = sortedByTexts([...this.areas.values()], [...SCOPE_KEYS, (c) => c.area.display]);
  }

  /** Niveau 1 summed from the sorted niveau-2 counts at from..to, in their order. */
  private sumNiveau1(from: number, to: number): void {
    const { niveau2 } = this.result;
    for (let i = from; i < Math.min(to, niveau2.length); i++) {
      const n = niveau2[i]!;
      const key = groupKey(n, n.niveau1?.system, n.niveau1?.code);
      let c = this.niveau1.get(key);
      if (!c) {
        c = inScopeOf<Niveau1Count>(n, { count: 0 });
        if (n.niveau1) c.niveau1 = n.niveau1;
        if (n.lovparagraf) c.lovparagraf = n.lovparagraf;
        this.niveau1.set(key, c);
      }
      c.count += n.count;
    }
  }

  private finish(): RollupResult {
    this.result.niveau1 = [...this.niveau1.values()];
    return this.result;
  }
}

export function rollup(registry: TerminologyRegistry, rows: readonly RollupRow[], options: RollupOptions): RollupResult {
  const counting = new Counting(registry, rows.length, options);
  counting.add(rows);
  return counting.done();
}

/** How many rows rollupInTurns counts between two turns of the event loop. */
export const COUNT_SLICE_ROWS = 10_000;

/** How often rollupInTurns starts again after a change to the catalogs before it counts in one go. */
const RECOUNTS = 2;

/**
 * rollup, a slice of the rows at a time with a turn of the event loop between, so that other requests are answered
 * meanwhile. Every row must be counted with the same catalogs: when they change between two slices (a write, a
 * package), the counting starts again with the catalogs as they are then; after RECOUNTS such starts, in one go.
 */
export async function rollupInTurns(registry: TerminologyRegistry, rows: readonly RollupRow[], options: RollupOptions): Promise<RollupResult> {
  for (let recounts = 0; ; recounts++) {
    if (recounts === RECOUNTS) return rollup(registry, rows, options);
    const generation = registry.generation;
    const counting = new Counting(registry, rows.length, options);
    let changed = false;
    for (let at = 0; at < rows.length && !changed; at += COUNT_SLICE_ROWS) {
      counting.add(rows.slice(at, at + COUNT_SLICE_ROWS));
      if (at + COUNT_SLICE_ROWS < rows.length) {
        await nextTurn();
        changed = registry.generation !== generation;
      }
    }
    if (!changed) return counting.doneInTurns();
  }
}

function notACodeOf(code: string, system: string): Bilingual {
  return { en: `'${excerpt(code)}' is not a code of ${system}`, da: `'${excerpt(code)}' er ikke en kode i ${system}` };
}
