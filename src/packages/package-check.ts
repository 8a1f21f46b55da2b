import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import { sharedFhirSchemaValidator } from '../fhir/schema-validator';
import type { Bilingual } from '../errors/issue';
import { TERMINOLOGY_TYPES, terminologyResourceProblem } from '../terminology/loader';
import type { TerminologyResource } from '../terminology/resource-set';
import type { PackageRecord } from '../store/packages';
import { PackageError } from './package-error';
import { notJson, sourceName, type RawPackage } from './package-reader';
import { excerpt } from '../errors/excerpt';
import { repeatedNameText } from '../fhir/json-names';
import { inexactNumberText } from '../fhir/json-numbers';
import { scanJsonText } from '../fhir/json-scan';
import { brokenR4Invariants } from '../profile-validation/r4-invariants';
import { withoutServerMeta } from './server-meta';
import { ownerOf, reservedIdKommunekode } from '../municipal/municipality';
import { municipalityGenitive } from '../municipal/kommuner';

/** How many of one file's broken R4 invariants a refusal names. */
const LISTED_INVARIANTS = 5;

/** The FHIR version this server speaks; a package must be for it. */
export const FHIR_VERSION = '4.0.1';

/** The FHIR core package of R4, which every R4 package may depend on (the server carries what it needs of it). */
export const R4_CORE = { name: 'hl7.fhir.r4.core', version: FHIR_VERSION };

/**
 * The field of package.json in which a package names its supplements applied by default: a field of this server's
 * own, which other FHIR package readers pass over as they pass over any field they do not know.
 */
export const SERVER_FIELD = 'faelles-tx';

/** The core packages of other FHIR versions: a package depending on one of them is not for R4. */
const OTHER_CORES = /^hl7\.fhir\.(r2|r3|r4b|r5|r6)\.core$/;

/**
 * A package version: a whole semantic version, MAJOR.MINOR.PATCH with an optional pre-release and build (semver.org
 * 2.0.0, as npm and the FHIR package specification require; `1.0` is not one). A canonical version compared by
 * versionAlgorithm semver may leave the patch out (terminology/versions.ts); a package version may not.
 */
const PACKAGE_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

export function isPackageVersion(version: string): boolean {
  return PACKAGE_VERSION.test(version);
}

/** Package names as the FHIR package registry has them: lower case, dot-separated parts. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;

/** A package that passed the check: what the store keeps (its CodeSystems, ValueSets and ConceptMaps, each valid FHIR R4). */
export interface CheckedPackage extends PackageRecord {
  /** Files of other resource types (ImplementationGuide, StructureDefinition …), which the server does not serve. */
  skipped: number;
}

type Json = Record<string, unknown>;

function manifestProblems(at: Bilingual, m: Json): { problems: Bilingual[]; fhirVersion?: string; dependencies: Record<string, string> } {
  const problems: Bilingual[] = [];
  const name = m.name;
  const version = m.version;
  if (name === undefined || name === null || name === '') {
    problems.push({
      en: `${at.en}: package.json has no name (a FHIR package name: lower case, dot-separated parts, e.g. kl.dk.fhir.term)`,
      da: `${at.da}: package.json har intet navn (et FHIR-pakkenavn: små bogstaver, punktum-adskilte dele, fx kl.dk.fhir.term)`,
    });
  } else if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) {
    problems.push({
      en: `${at.en}: package.json name '${excerpt(name)}' is not a FHIR package name (lower case, dot-separated parts, e.g. kl.dk.fhir.term)`,
      da: `${at.da}: package.json name '${excerpt(name)}' er ikke et FHIR-pakkenavn (små bogstaver, punktum-adskilte dele, fx kl.dk.fhir.term)`,
    });
  }
  if (version === undefined || version === null || version === '') {
    problems.push({
      en: `${at.en}: package.json has no version (a semantic version MAJOR.MINOR.PATCH, e.g. 1.2.0, as npm and FHIR packages require)`,
      da: `${at.da}: package.json har ingen version (en semantisk version MAJOR.MINOR.PATCH, fx 1.2.0, som npm og FHIR-pakker kræver)`,
    });
  } else if (typeof version !== 'string' || !isPackageVersion(version)) {
    problems.push({
      en: `${at.en}: package.json version '${excerpt(version)}' is not a semantic version MAJOR.MINOR.PATCH (e.g. 1.2.0), as npm and FHIR packages require`,
      da: `${at.da}: package.json version '${excerpt(version)}' er ikke en semantisk version MAJOR.MINOR.PATCH (fx 1.2.0), som npm og FHIR-pakker kræver`,
    });
  }
  const dependencies: Record<string, string> = {};
  if (m.dependencies !== undefined) {
    if (!m.dependencies || typeof m.dependencies !== 'object' || Array.isArray(m.dependencies)) {
      problems.push({
        en: `${at.en}: package.json dependencies must be an object of package name → version`,
        da: `${at.da}: package.json dependencies skal være et objekt med pakkenavn → version`,
      });
    } else {
      for (const [dep, v] of Object.entries(m.dependencies as Json)) {
        if (typeof v !== 'string' || v === '') problems.push({ en: `${at.en}: the dependency ${dep} has no version`, da: `${at.da}: afhængigheden ${dep} har ingen version` });
        else dependencies[dep] = v;
      }
    }
  }
  const stated = Array.isArray(m.fhirVersions) ? m.fhirVersions : Array.isArray(m['fhir-version-list']) ? m['fhir-version-list'] : undefined;
  let fhirVersion: string | undefined;
  if (stated !== undefined) {
    const versions = stated.map(String);
    const r4 = versions.filter((v) => /^4\.0(\.\d+)?$/.test(v));
    if (r4.length === 0) {
      problems.push({
        en: `${at.en}: the package is for FHIR ${versions.join(', ') || '(none)'}; the server speaks FHIR R4 (${FHIR_VERSION})`,
        da: `${at.da}: pakken er til FHIR ${versions.join(', ') || '(ingen)'}; serveren taler FHIR R4 (${FHIR_VERSION})`,
      });
    }
    fhirVersion = r4[0] === '4.0' ? FHIR_VERSION : r4[0];
  } else if (dependencies[R4_CORE.name] !== undefined) {
    fhirVersion = FHIR_VERSION;
  } else {
    problems.push({
      en: `${at.en}: package.json states no FHIR version (fhirVersions: ["${FHIR_VERSION}"] or a dependency on ${R4_CORE.name})`,
      da: `${at.da}: package.json angiver ingen FHIR-version (fhirVersions: ["${FHIR_VERSION}"] eller en afhængighed af ${R4_CORE.name})`,
    });
  }
  for (const dep of Object.keys(dependencies)) {
    if (OTHER_CORES.test(dep)) {
      problems.push({
        en: `${at.en}: the package depends on ${dep}#${dependencies[dep]}, which is not FHIR R4`,
        da: `${at.da}: pakken afhænger af ${dep}#${dependencies[dep]}, som ikke er FHIR R4`,
      });
    }
  }
  const core = dependencies[R4_CORE.name];
  if (core !== undefined && !/^4\.0(\.\d+)?$/.test(core)) {
    problems.push({
      en: `${at.en}: the package depends on ${R4_CORE.name}#${core}; the server has ${FHIR_VERSION}`,
      da: `${at.da}: pakken afhænger af ${R4_CORE.name}#${core}; serveren har ${FHIR_VERSION}`,
    });
  }
  return { problems, fhirVersion, dependencies };
}

/** `name#version` of a package.json that has both, as the audit log names the package, whatever the check finds of them. */
export function manifestId(manifest: unknown): string | undefined {
  const m = manifest as { name?: unknown; version?: unknown } | null;
  return typeof m?.name === 'string' && m.name !== '' && typeof m.version === 'string' && m.version !== '' ? `${m.name}#${m.version}` : undefined;
}

/**
 * How the check's reasons name the package: by its package.json's name#version when both are valid (after the file's
 * path, for a package from a file), else by where it came from.
 */
function checkedName(raw: RawPackage): Bilingual {
  const { name, version } = (raw.manifest ?? {}) as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || !PACKAGE_NAME.test(name) || typeof version !== 'string' || !isPackageVersion(version)) return sourceName(raw.source);
  const id = `${name}#${version}`;
  return typeof raw.source === 'string' ? { en: `${raw.source} (${id})`, da: `${raw.source} (${id})` } : { en: id, da: id };
}

/** How a package is checked: the schema validator, and what runs at each turn the check gives the event loop. */
export interface CheckOptions {
  validator?: FhirSchemaValidator;
  /** Called at each turn: throws to stop the check (a request answered by its timeout meanwhile). */
  checkpoint?: () => void;
}

/**
 * Checks a package as read: its package.json (name, semantic version, FHIR R4, dependencies as an object) and every
 * CodeSystem, ValueSet and ConceptMap in it with the same rules as the terminology folder (R4 schema, required
 * elements, a url, no cycle in a code system's hierarchy; one url|version once) and, as writes are, against R4's invariants (`brokenR4Invariants`). Every problem found is reported together; any problem refuses the package.
 * Parsing and checking a large file each hold the CPU for a while (MAX_FILE_BYTES bounds how long), so the check gives
 * the event loop a turn before each file and between a file's parse and its check: other requests are answered
 * meanwhile, and the request's timeout can answer and stop it (`checkpoint`).
 */
export async function checkPackage(raw: RawPackage, options: CheckOptions = {}): Promise<CheckedPackage> {
  const { validator = sharedFhirSchemaValidator(), checkpoint } = options;
  const turn = async () => {
    await nextTurn();
    checkpoint?.();
  };
  const m = raw.manifest;
  const at = checkedName(raw);
  if (!m || typeof m !== 'object' || Array.isArray(m)) {
    throw new PackageError({ en: `${at.en}: package/package.json is not a JSON object`, da: `${at.da}: package/package.json er ikke et JSON-objekt` });
  }
  const { problems, fhirVersion, dependencies } = manifestProblems(at, m as Json);
  const resources: TerminologyResource[] = [];
  const seen = new Map<string, string>();
  let skipped = 0;
  for (const file of raw.files) {
    await turn();
    const label = { en: `${at.en}: package/${file.name}`, da: `${at.da}: package/${file.name}` };
    let json: unknown;
    try {
      json = JSON.parse(file.text);
    } catch (e) {
      const why = notJson(file.text, e);
      problems.push({ en: `${label.en}: not valid JSON (${why.en})`, da: `${label.da}: ikke gyldig JSON${why.da ? ` (${why.da})` : ''}` });
      continue;
    }
    const type = (json as { resourceType?: unknown } | null)?.resourceType;
    if (typeof type !== 'string' || !TERMINOLOGY_TYPES.has(type)) {
      skipped++;
      continue;
    }
    // FHIR's JSON names each property once (JSON.parse kept the last value of a name given twice), and a number JSON.parse
    // changes would be served as another value than the package's
    const { repeated, inexact } = scanJsonText(Buffer.from(file.text, 'utf8'), 0, undefined, type, true);
    if (repeated) {
      const why = repeatedNameText(repeated);
      problems.push({ en: `${label.en}: not valid FHIR JSON: ${why.en}`, da: `${label.da}: ikke gyldig FHIR JSON: ${why.da}` });
      continue;
    }
    if (inexact) {
      const why = inexactNumberText(inexact);
      problems.push({ en: `${label.en}: ${why.en}`, da: `${label.da}: ${why.da}` });
      continue;
    }
    await turn();
    const problem = terminologyResourceProblem(json as { resourceType: string }, validator);
    if (problem) {
      problems.push({ en: `${label.en}: ${problem.en}`, da: `${label.da}: ${problem.da}` });
      continue;
    }
    // what a write refuses a package does not bring in: the server would serve it and its own $validate call it invalid
    const broken = brokenR4Invariants(json as Json, type, []);
    if (broken.length > 0) {
      const listed = broken.slice(0, LISTED_INVARIANTS);
      const more = broken.length - listed.length;
      problems.push({
        en: `${label.en}: breaks FHIR R4's invariants: ${listed.map((i) => `${i.expression[0]}: ${i.text.en}`).join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`,
        da: `${label.da}: overholder ikke FHIR R4's regler: ${listed.map((i) => `${i.expression[0]}: ${i.text.da}`).join('; ')}${more > 0 ? ` (og ${more} mere)` : ''}`,
      });
      continue;
    }
    const resource = json as TerminologyResource;
    const reserved = reservedIdProblem(resource);
    if (reserved) {
      problems.push({ en: `${label.en}: ${reserved.en}`, da: `${label.da}: ${reserved.da}` });
      continue;
    }
    const key = `${type} ${resource.url}|${resource.version ?? ''}`;
    const dup = seen.get(key);
    if (dup) {
      problems.push({
        en: `${label.en}: ${key} is already in package/${dup}`,
        da: `${label.da}: ${key} findes allerede i package/${dup}`,
      });
    }
    seen.set(key, file.name);
    resources.push(withoutServerMeta(resource));
  }
  const defaultSupplements = defaultSupplementsOf(at, m as Json, resources, problems);
  if (problems.length === 0 && resources.length === 0) {
    problems.push({ en: `${at.en}: the package has no CodeSystem, ValueSet or ConceptMap`, da: `${at.da}: pakken har ingen CodeSystem, ValueSet eller ConceptMap` });
  }
  if (problems.length > 0) throw new PackageError(problems);
  const mm = m as Json;
  return {
    name: mm.name as string,
    version: mm.version as string,
    fhirVersion: fhirVersion!,
    dependencies,
    ...(typeof mm.description === 'string' ? { description: mm.description } : {}),
    resources,
    ...(defaultSupplements.length > 0 ? { defaultSupplements } : {}),
    skipped,
  };
}

/**
 * An id `kommune-{kommunekode}-…` belongs to that municipality (write/id-ownership.ts): a package may bring such an id
 * only for that municipality's own resource (its url the municipality's, as a municipality's exported package has
 * them), so that the id, and the `{id}-{version}` a second version is served under, stay in the municipality's hands.
 */
function reservedIdProblem(resource: TerminologyResource): Bilingual | undefined {
  const kommunekode = resource.id ? reservedIdKommunekode(resource.id) : undefined;
  if (kommunekode === undefined) return undefined;
  const owner = ownerOf(resource);
  if (owner === kommunekode) return undefined;
  const whose = owner === undefined ? { en: 'the common catalogs', da: 'de fælles kataloger' } : { en: `municipality ${owner}`, da: `kommune ${owner}` };
  return {
    en: `the id ${resource.id} is reserved for ${municipalityGenitive(kommunekode).en} resources, and this ${resource.resourceType} (${resource.url}) belongs to ${whose.en}; give it another id`,
    da: `id'et ${resource.id} er forbeholdt ${municipalityGenitive(kommunekode).da} ressourcer, og denne ${resource.resourceType} (${resource.url}) tilhører ${whose.da}; giv den et andet id`,
  };
}

/**
 * The supplements package.json says apply by default (`"faelles-tx": {"defaultSupplements": [url, …]}`), as the
 * terminology folder's supplements/ do: each the url of a supplement in the package (else a problem).
 */
function defaultSupplementsOf(at: Bilingual, m: Json, resources: readonly TerminologyResource[], problems: Bilingual[]): string[] {
  const field = m[SERVER_FIELD];
  if (field === undefined) return [];
  const listed = (field as { defaultSupplements?: unknown } | null)?.defaultSupplements;
  if (!field || typeof field !== 'object' || Array.isArray(field) || (listed !== undefined && (!Array.isArray(listed) || listed.some((u) => typeof u !== 'string')))) {
    problems.push({
      en: `${at.en}: package.json ${SERVER_FIELD} must be an object whose defaultSupplements lists supplement urls`,
      da: `${at.da}: package.json ${SERVER_FIELD} skal være et objekt, hvis defaultSupplements er en liste af supplementers URL'er`,
    });
    return [];
  }
  const urls = [...new Set((listed ?? []) as string[])];
  const supplements = new Set(resources.filter((r) => r.resourceType === 'CodeSystem' && (r as { content?: string }).content === 'supplement').map((r) => r.url));
  for (const url of urls) {
    if (supplements.has(url)) continue;
    problems.push({
      en: `${at.en}: package.json ${SERVER_FIELD}.defaultSupplements names ${excerpt(url)}, which is not a supplement (CodeSystem with content supplement) in the package`,
      da: `${at.da}: package.json ${SERVER_FIELD}.defaultSupplements nævner ${excerpt(url)}, som ikke er et supplement (CodeSystem med content supplement) i pakken`,
    });
  }
  return urls;
}
