import type { CodeSystem, CodeSystemConcept, ConceptMap, ConceptMapGroup, ConceptMapGroupElement } from 'fhir/r4';
import { DEFAULT_CSV_LIMITS, type CsvLimits } from '../config';
import type { Issue } from '../errors/issue';
import type { CodeSystemProvider, Concept } from '../terminology/providers/provider';
import type { TerminologyRegistry } from '../terminology/registry';
import { findLegacyReplacement } from '../terminology/replacements';
import { statusNameDa, statusOfDanishName } from '../terminology/status-name';
import { composed } from '../terminology/text-match';
import { currentTimeBudget } from '../terminology/time-budget';
import {
  kommunekodeIdentifier, LOCAL_KINDS, LOCAL_TYPE_CODE, LOCAL_TYPE_URI, localCatalogTexts, localTargetEquivalence, municipalId, municipalUrl, NOT_UTF8_CSV,
  STATUS_PROPERTY_URI, type LocalKind,
} from './municipality';
import { excerpt } from '../errors/excerpt';
import { lineIssue, readCsvHeaderLine, readCsvRecordsInTurns } from './csv-records';

/** The common catalogs a local code may map to: FSIII and FFB. */
export const COMMON_SYSTEMS = ['urn:oid:1.2.208.176.2.21', 'urn:oid:1.2.208.176.2.22'];

export const REQUIRED_COLUMNS = ['kode', 'titel', 'type', 'maal'] as const;
const OPTIONAL_COLUMNS = ['definition', 'status'] as const;
/** Other spellings accepted in the header. */
const COLUMN_ALIASES: Record<string, string> = { mål: 'maal', titel: 'titel', title: 'titel', code: 'kode', definition: 'definition', definitioner: 'definition' };
const STATUSES = ['active', 'draft', 'retired', 'deprecated'];

export type { CsvLimits };

export interface CsvRow {
  /** Line number in the file (1 = header). */
  line: number;
  kode: string;
  titel: string;
  type: string;
  maal: string;
  definition?: string;
  status?: string;
}

function normaliseHeader(h: string): string {
  const key = h.trim().toLowerCase();
  return COLUMN_ALIASES[key] ?? key;
}

/**
 * Reads the CSV: UTF-8 with or without BOM, ';' or ',' separated, header row naming the columns. A file wider or
 * longer than `limits` is refused with one error, without reading the rest. Read a slice at a time, other work run
 * between slices (readCsvRecordsInTurns).
 */
export async function parseLocalCsv(content: Buffer | string, limits: CsvLimits = DEFAULT_CSV_LIMITS): Promise<{ rows: CsvRow[]; messages: Issue[] }> {
  const messages: Issue[] = [];
  let text: string;
  if (typeof content === 'string') {
    text = content;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      return { rows: [], messages: [lineIssue('error', NOT_UTF8_CSV.en, NOT_UTF8_CSV.da)] };
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { rows: [], messages: [lineIssue('error', 'The file is empty', 'Filen er tom.')] };
  const { delimiter, columns: width } = readCsvHeaderLine(text);
  if (width > limits.columns) {
    return { rows: [], messages: [lineIssue('error', `The header has ${width} columns; at most ${limits.columns} are accepted`, `Overskriftslinjen har ${width} kolonner; højst ${limits.columns} kan bruges.`, 1)] };
  }
  const read = await readCsvRecordsInTurns(text, { delimiter, to: limits.rows + 2, maxFields: limits.columns, relaxColumnCount: true });
  if ('problem' in read) return { rows: [], messages: [read.problem] };
  const { records } = read;
  if (records.length > limits.rows + 1) {
    return { rows: [], messages: [lineIssue('error', `The file has more than ${limits.rows} rows; at most ${limits.rows} are accepted in one import`, `Filen har mere end ${limits.rows} rækker; højst ${limits.rows} kan importeres ad gangen.`)] };
  }
  const [header, ...body] = records;
  if (header!.record.length > limits.columns) {
    return { rows: [], messages: [lineIssue('error', `The header has ${header!.record.length} columns; at most ${limits.columns} are accepted`, `Overskriftslinjen har ${header!.record.length} kolonner; højst ${limits.columns} kan bruges.`, header!.line)] };
  }
  const columns = header!.record.map(normaliseHeader);
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    messages.push(lineIssue('error', `The header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (it has ${columns.join(', ')})`, `Overskriftslinjen mangler kolonne${missing.length > 1 ? 'rne' : 'n'} ${missing.join(', ')} (den har ${columns.join(', ')}).`, header!.line));
    return { rows: [], messages };
  }
  // a column read twice (maal and mål, kode and code): either could be the one meant, and the other's values would be lost
  const isRead = (c: string) => (REQUIRED_COLUMNS as readonly string[]).includes(c) || (OPTIONAL_COLUMNS as readonly string[]).includes(c);
  const twice = [...new Set(columns.filter((c, i) => isRead(c) && columns.indexOf(c) !== i))];
  if (twice.length > 0) {
    const named = twice.map((c) => header!.record.filter((_, i) => columns[i] === c).map((h) => `'${excerpt(h.trim(), 40)}'`).join(' / ')).join(', ');
    messages.push(lineIssue('error', `The header gives ${twice.length > 1 ? 'columns' : 'a column'} twice (${named}); keep one of each, several targets go in one maal field separated by ';'`,
      `Overskriftslinjen har ${twice.length > 1 ? 'kolonner' : 'en kolonne'} to gange (${named}); behold én af hver, flere mål skrives i ét maal-felt adskilt af ';'.`, header!.line));
    return { rows: [], messages };
  }
  for (const c of columns) {
    if (c && !isRead(c)) {
      messages.push(lineIssue('warning', `Column '${excerpt(c)}' is not used`, `Kolonnen '${excerpt(c)}' bruges ikke.`, header!.line));
    }
  }
  const indexOf = new Map<string, number>();
  columns.forEach((c, i) => {
    if (!indexOf.has(c)) indexOf.set(c, i);
  });
  const rows: CsvRow[] = [];
  for (const { record, line } of body) {
    if (record.length !== columns.length) {
      messages.push(lineIssue('error', `The row has ${record.length} fields; the header has ${columns.length}`, `Rækken har ${record.length} felter; overskriftslinjen har ${columns.length}.`, line));
      continue;
    }
    const get = (name: string) => {
      const i = indexOf.get(name);
      return i === undefined ? undefined : record[i]!;
    };
    rows.push({
      line,
      kode: get('kode')!,
      titel: get('titel')!,
      type: get('type')!,
      maal: get('maal')!,
      definition: get('definition') || undefined,
      status: get('status') || undefined,
    });
  }
  if (rows.length === 0 && messages.every((m) => m.severity !== 'error')) messages.push(lineIssue('error', 'The file has a header but no rows', 'Filen har en overskriftslinje, men ingen rækker.'));
  return { rows, messages };
}

interface Candidate {
  system: string;
  provider: CodeSystemProvider;
  concept: Concept;
}

/** Resolves a `maal` value: an FSIII/FFB code, or the exact title of exactly one common concept. */
export class CommonTargetResolver {
  private readonly providers: { system: string; provider: CodeSystemProvider }[] = [];
  private byTitle?: Map<string, Candidate[]>;
  private byFoldedTitle?: Map<string, Candidate[]>;

  constructor(private readonly registry: TerminologyRegistry, systems: readonly string[] = COMMON_SYSTEMS) {
    for (const system of systems) {
      const provider = registry.codeSystemProvider(system);
      if (provider) this.providers.push({ system, provider });
    }
  }

  get known(): boolean {
    return this.providers.length > 0;
  }

  private index(): void {
    this.byTitle = new Map();
    this.byFoldedTitle = new Map();
    for (const { system, provider } of this.providers) {
      for (const concept of provider.all()) {
        // FSIII holds every concept twice; the legacy-key twin is not a separate common concept.
        if (!concept.display || findLegacyReplacement(this.registry, system, concept.code)) continue;
        const c = { system, provider, concept };
        const title = composed(concept.display.trim().replace(/\s+/g, ' '));
        this.byTitle.set(title, [...(this.byTitle.get(title) ?? []), c]);
        const folded = title.toLowerCase();
        this.byFoldedTitle.set(folded, [...(this.byFoldedTitle.get(folded) ?? []), c]);
      }
    }
  }

  resolve(value: string): { system: string; code: string; display?: string } | { error: string; da: string } {
    for (const { system, provider } of this.providers) {
      const concept = provider.locate(value);
      if (concept) return { system, code: concept.code, display: concept.display };
    }
    if (!this.byTitle) this.index();
    // composed: a title pasted with an å as a and a combining ring (macOS, a PDF) looks the same and is the same
    const title = composed(value.trim().replace(/\s+/g, ' '));
    const candidates = this.byTitle!.get(title) ?? this.byFoldedTitle!.get(title.toLowerCase()) ?? [];
    if (candidates.length === 1) {
      const { system, concept } = candidates[0]!;
      return { system, code: concept.code, display: concept.display };
    }
    if (candidates.length === 0) {
      return {
        error: `'${excerpt(value)}' is neither an FSIII/FFB code nor the exact title of a common concept`,
        da: `'${excerpt(value)}' er hverken en FSIII/FFB-kode eller den nøjagtige titel på et fælleskommunalt begreb.`,
      };
    }
    const list = candidates.map(({ system, provider, concept }) => {
      const parent = concept.parents[0]?.display;
      const status = provider.status(concept);
      const sys = system === COMMON_SYSTEMS[0] ? 'FSIII' : system === COMMON_SYSTEMS[1] ? 'FFB' : system;
      return { code: concept.code, sys, parent, status };
    });
    const en = list.map((c) => `${c.code} (${c.sys}${c.parent ? `, under "${c.parent}"` : ''}${c.status !== 'active' ? `, ${c.status}` : ''})`);
    const da = list.map((c) => `${c.code} (${c.sys}${c.parent ? `, under "${c.parent}"` : ''}${c.status !== 'active' ? `, ${statusNameDa(c.status)}` : ''})`);
    return {
      error: `'${excerpt(value)}' names ${candidates.length} common concepts; give the code instead: ${en.join('; ')}`,
      da: `'${excerpt(value)}' er titlen på ${candidates.length} fælleskommunale begreber; skriv koden i stedet: ${da.join('; ')}`,
    };
  }
}

export interface BuildOptions {
  kommunekode: string;
  /** The {name} of the canonical URLs (default lokale-indsatser). */
  name: string;
  registry: TerminologyRegistry;
  /** The current resources, when the import updates them: their metadata is kept. */
  existing?: { codeSystem?: CodeSystem; conceptMap?: ConceptMap };
  /** Business version for new resources (default 1.0.0) or to set on update. */
  version?: string;
  /** The ids of new resources, when `kommune-{kode}-{name}` is held by another resource (see `municipalId`). */
  newIds?: { codeSystem?: string; conceptMap?: string };
  /** Called every `progressEvery` rows. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

export interface BuiltCatalog {
  codeSystem: CodeSystem;
  conceptMap: ConceptMap;
  messages: Issue[];
  /** Line of each local code, to place validation issues. */
  lineOf: Map<string, number>;
}


function withoutServerFields<T extends { meta?: unknown; text?: unknown }>(r: T | undefined): Partial<T> {
  if (!r) return {};
  const copy = { ...r };
  delete copy.meta;
  delete copy.text;
  return copy;
}

/** The values of one line's `maal` that are not found, each said as an issue of its own; more are counted in one. */
export const LISTED_TARGET_ERRORS = 3;

/** Builds the municipality's CodeSystem and ConceptMap from the rows; row problems are reported by line. */
export function buildLocalCatalog(rows: CsvRow[], options: BuildOptions): BuiltCatalog {
  const { kommunekode, name, registry } = options;
  const messages: Issue[] = [];
  const resolver = new CommonTargetResolver(registry);
  if (!resolver.known) messages.push(lineIssue('error', 'The common catalogs (FSIII, FFB) are not loaded, so targets cannot be resolved',
    'De fælleskommunale kataloger (FSIII, FFB) er ikke indlæst, så målene kan ikke findes.'));
  const lineOf = new Map<string, number>();
  const byComposed = new Map<string, { line: number; code: string }>();
  const concepts: CodeSystemConcept[] = [];
  const groups = new Map<string, ConceptMapGroupElement[]>();
  const unmappedElements: ConceptMapGroupElement[] = [];
  const every = options.progressEvery ?? 500;

  const budget = currentTimeBudget();
  rows.forEach((row, i) => {
    budget?.tick();
    if (options.onProgress && i > 0 && i % every === 0) options.onProgress(i, rows.length);
    const err = (message: string, da: string) => messages.push(lineIssue('error', message, da, row.line));
    const code = row.kode;
    if (!code) return err('kode is empty', 'kode er tom.');
    if (!/^[^\s]+( [^\s]+)*$/.test(code)) {
      return err(`kode '${excerpt(code)}' has whitespace at the ends or inside other than single spaces`,
        `kode '${excerpt(code)}' har mellemrum i enderne eller mere end ét mellemrum inde i koden.`);
    }
    // two codes that are the same text (Unicode NFC: an å typed as a and a combining ring is å) are one code to a reader
    const key = composed(code);
    const first = byComposed.get(key);
    if (first !== undefined) {
      const other = first.code === code ? { en: '', da: '' }
        : { en: ' (the same letters, written with other Unicode characters)', da: ' (de samme bogstaver, skrevet med andre Unicode-tegn)' };
      return err(`kode '${excerpt(code)}' is already on line ${first.line}${other.en}`, `kode '${excerpt(code)}' står allerede på linje ${first.line}${other.da}.`);
    }
    byComposed.set(key, { line: row.line, code });
    lineOf.set(code, row.line);
    if (!row.titel) err(`kode '${excerpt(code)}' has no titel`, `kode '${excerpt(code)}' har ingen titel.`);
    const kind = row.type.toLowerCase() as LocalKind;
    if (!LOCAL_KINDS.includes(kind)) err(`type '${excerpt(row.type)}' must be indsats or tilbud`, `type '${excerpt(row.type)}' skal være indsats eller tilbud.`);
    // FHIR's code, or its Danish name as the web page shows it (aktiv, kladde, udgået, udgående / på vej ud)
    const given = row.status?.toLowerCase() ?? 'active';
    const status = STATUSES.includes(given) ? given : statusOfDanishName(given) ?? given;
    if (!STATUSES.includes(status)) {
      err(`status '${excerpt(row.status)}' must be one of ${STATUSES.join(', ')} (or its Danish name: ${STATUSES.map(statusNameDa).join(', ')})`,
        `status '${excerpt(row.status)}' skal være en af ${STATUSES.map(statusNameDa).join(', ')} (eller ${STATUSES.join(', ')}).`);
    }
    concepts.push({
      code,
      display: row.titel,
      ...(row.definition ? { definition: row.definition } : {}),
      property: [{ code: LOCAL_TYPE_CODE, valueCode: LOCAL_KINDS.includes(kind) ? kind : row.type }, { code: 'status', valueCode: status }],
    });
    const targets = row.maal.split(';').map((t) => t.trim()).filter((t) => t.length > 0);
    // an element without targets has no `target` (FHIR's JSON has no empty list): the validation reports it
    const element = (): ConceptMapGroupElement => ({ code, display: row.titel });
    if (targets.length === 0) {
      // An element without targets: the validation reports it (a local code in the file must be mapped).
      unmappedElements.push(element());
      return;
    }
    const bySystem = new Map<string, ConceptMapGroupElement>();
    let unresolved = 0;
    for (const t of targets) {
      const r = resolver.resolve(t);
      if ('error' in r) {
        // a line's first few said one by one, the rest counted: the issues of a file grow with its lines, not its cells
        if (++unresolved <= LISTED_TARGET_ERRORS) err(`maal ${r.error}`, `maal: ${r.da}`);
        continue;
      }
      const el = bySystem.get(r.system) ?? element();
      bySystem.set(r.system, el);
      (el.target ??= []).push({
        code: r.code,
        ...(r.display ? { display: r.display } : {}),
        ...localTargetEquivalence(kind),
      });
    }
    if (unresolved > LISTED_TARGET_ERRORS) {
      const more = unresolved - LISTED_TARGET_ERRORS;
      err(`maal has ${more} more value${more === 1 ? '' : 's'} on this line that ${more === 1 ? 'is' : 'are'} not a common code or title either`,
        `maal har ${more} ${more === 1 ? 'værdi' : 'værdier'} mere på denne linje, som heller ikke er en fælleskommunal kode eller titel.`);
    }
    for (const [system, el] of bySystem) groups.set(system, [...(groups.get(system) ?? []), el]);
  });
  if (options.onProgress) options.onProgress(rows.length, rows.length);

  const cs0 = options.existing?.codeSystem;
  const cm0 = options.existing?.conceptMap;
  const csUrl = municipalUrl(kommunekode, 'CodeSystem', name);
  const texts = localCatalogTexts(kommunekode, name);
  const today = new Date().toISOString().slice(0, 10);
  const version = options.version ?? cs0?.version ?? '1.0.0';
  const otherProperties = (cs0?.property ?? []).filter((p) => p.code !== LOCAL_TYPE_CODE && p.code !== 'status' && p.uri !== LOCAL_TYPE_URI);
  const codeSystem: CodeSystem = {
    ...withoutServerFields(cs0),
    resourceType: 'CodeSystem',
    id: cs0?.id ?? options.newIds?.codeSystem ?? municipalId(kommunekode, name),
    url: csUrl,
    identifier: [kommunekodeIdentifier(kommunekode)],
    version,
    name: cs0?.name ?? texts.codeSystem.name,
    title: cs0?.title ?? texts.codeSystem.title,
    status: cs0?.status ?? 'active',
    date: today,
    publisher: cs0?.publisher ?? texts.publisher,
    caseSensitive: true,
    content: 'complete',
    count: concepts.length,
    property: [
      { code: LOCAL_TYPE_CODE, uri: LOCAL_TYPE_URI, description: 'indsats = lokal indsats (niveau 3); tilbud = lokalt tilbud sammensat af flere indsatser', type: 'code' },
      { code: 'status', uri: STATUS_PROPERTY_URI, description: 'Begrebets status: active | retired | deprecated | draft', type: 'code' },
      ...otherProperties,
    ],
    concept: concepts,
  };

  const conceptMapGroups: ConceptMapGroup[] = [...groups].map(([system, element]) => ({
    source: csUrl,
    sourceVersion: version,
    target: system,
    ...(registry.codeSystemProvider(system)?.version ? { targetVersion: registry.codeSystemProvider(system)!.version } : {}),
    element,
  }));
  if (unmappedElements.length > 0) {
    if (conceptMapGroups.length === 0) {
      const system = COMMON_SYSTEMS[0]!;
      conceptMapGroups.push({ source: csUrl, sourceVersion: version, target: system, element: [] });
    }
    for (const e of unmappedElements) conceptMapGroups[0]!.element.push(e);
  }
  const conceptMap: ConceptMap = {
    ...withoutServerFields(cm0),
    resourceType: 'ConceptMap',
    id: cm0?.id ?? options.newIds?.conceptMap ?? municipalId(kommunekode, name),
    url: municipalUrl(kommunekode, 'ConceptMap', name),
    identifier: kommunekodeIdentifier(kommunekode),
    version,
    name: cm0?.name ?? texts.conceptMap.name,
    title: cm0?.title ?? texts.conceptMap.title,
    status: cm0?.status ?? 'active',
    date: today,
    publisher: cm0?.publisher ?? texts.publisher,
    sourceUri: csUrl,
    group: conceptMapGroups,
  };
  return { codeSystem, conceptMap, messages, lineOf };
}

/**
 * The line a validation issue is about: from the local code it names, or from its location (CodeSystem.concept[i],
 * ConceptMap.group[g].element[e], also inside Bundle.entry[n].resource).
 */
export function lineOfIssue(
  issue: { expression?: readonly string[]; localCode?: string },
  built: Pick<BuiltCatalog, 'codeSystem' | 'conceptMap' | 'lineOf'>,
  entryTypes: readonly ('CodeSystem' | 'ConceptMap')[] = ['CodeSystem', 'ConceptMap'],
): number | undefined {
  if (issue.localCode && built.lineOf.has(issue.localCode)) return built.lineOf.get(issue.localCode);
  const expr = issue.expression?.[0];
  if (!expr) return undefined;
  let type: string | undefined;
  let rest = expr;
  const entry = /^Bundle\.entry\[(\d+)\]\.resource(.*)$/.exec(expr);
  if (entry) {
    type = entryTypes[Number(entry[1])];
    rest = `${type}${entry[2]}`;
  }
  const cs = /^CodeSystem\.concept\[(\d+)\]/.exec(rest);
  if (cs) return built.lineOf.get(built.codeSystem.concept?.[Number(cs[1])]?.code ?? '');
  const cm = /^ConceptMap\.group\[(\d+)\]\.element\[(\d+)\]/.exec(rest);
  if (cm) return built.lineOf.get(built.conceptMap.group?.[Number(cm[1])]?.element?.[Number(cm[2])]?.code ?? '');
  return undefined;
}
