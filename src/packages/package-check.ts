import type { FhirSchemaValidator } from '../fhir/schema-validator';
import { sharedFhirSchemaValidator } from '../fhir/schema-validator';
import { checkTerminologyResource, TERMINOLOGY_TYPES, TerminologyLoadError } from '../terminology/loader';
import type { TerminologyResource } from '../terminology/resource-set';
import type { PackageRecord } from '../store/packages';
import { isSemVer } from '../terminology/versions';
import { PackageError } from './package-error';
import type { RawPackage } from './package-reader';

/** The FHIR version this server speaks; a package must be for it. */
export const FHIR_VERSION = '4.0.1';

/** The FHIR core package of R4, which every R4 package may depend on (the server carries what it needs of it). */
export const R4_CORE = { name: 'hl7.fhir.r4.core', version: FHIR_VERSION };

/** The core packages of other FHIR versions: a package depending on one of them is not for R4. */
const OTHER_CORES = /^hl7\.fhir\.(r2|r3|r4b|r5|r6)\.core$/;

/** Package names as the FHIR package registry has them: lower case, dot-separated parts. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;

/** A package that passed the check: what the store keeps (its CodeSystems, ValueSets and ConceptMaps, each valid FHIR R4). */
export interface CheckedPackage extends PackageRecord {
  /** Files of other resource types (ImplementationGuide, StructureDefinition …), which the server does not serve. */
  skipped: number;
}

type Json = Record<string, unknown>;

function manifestProblems(source: string, m: Json): { problems: string[]; fhirVersion?: string; dependencies: Record<string, string> } {
  const problems: string[] = [];
  const name = m.name;
  const version = m.version;
  if (typeof name !== 'string' || !PACKAGE_NAME.test(name)) {
    problems.push(`${source}: package.json name '${String(name)}' er ikke et FHIR-pakkenavn (små bogstaver, punktum-adskilte dele, fx kl.dk.fhir.term)`);
  }
  if (typeof version !== 'string' || !isSemVer(version)) {
    problems.push(`${source}: package.json version '${String(version)}' er ikke en semantisk version (fx 1.2.0)`);
  }
  const dependencies: Record<string, string> = {};
  if (m.dependencies !== undefined) {
    if (!m.dependencies || typeof m.dependencies !== 'object' || Array.isArray(m.dependencies)) {
      problems.push(`${source}: package.json dependencies skal være et objekt med pakkenavn → version`);
    } else {
      for (const [dep, v] of Object.entries(m.dependencies as Json)) {
        if (typeof v !== 'string' || v === '') problems.push(`${source}: afhængigheden ${dep} har ingen version`);
        else dependencies[dep] = v;
      }
    }
  }
  const stated = Array.isArray(m.fhirVersions) ? m.fhirVersions : Array.isArray(m['fhir-version-list']) ? m['fhir-version-list'] : undefined;
  let fhirVersion: string | undefined;
  if (stated !== undefined) {
    const versions = stated.map(String);
    const r4 = versions.filter((v) => /^4\.0(\.\d+)?$/.test(v));
    if (r4.length === 0) problems.push(`${source}: pakken er til FHIR ${versions.join(', ') || '(ingen)'}; serveren taler FHIR R4 (${FHIR_VERSION})`);
    fhirVersion = r4[0] === '4.0' ? FHIR_VERSION : r4[0];
  } else if (dependencies[R4_CORE.name] !== undefined) {
    fhirVersion = FHIR_VERSION;
  } else {
    problems.push(`${source}: package.json angiver ingen FHIR-version (fhirVersions: ["${FHIR_VERSION}"] eller en afhængighed af ${R4_CORE.name})`);
  }
  for (const dep of Object.keys(dependencies)) {
    if (OTHER_CORES.test(dep)) problems.push(`${source}: pakken afhænger af ${dep}#${dependencies[dep]}, som ikke er FHIR R4`);
  }
  const core = dependencies[R4_CORE.name];
  if (core !== undefined && !/^4\.0(\.\d+)?$/.test(core)) problems.push(`${source}: pakken afhænger af ${R4_CORE.name}#${core}; serveren har ${FHIR_VERSION}`);
  return { problems, fhirVersion, dependencies };
}

/**
 * Checks a package as read: its package.json (name, semantic version, FHIR R4, dependencies as an object) and every
 * CodeSystem, ValueSet and ConceptMap in it with the same rules as the terminology folder (R4 schema, required
 * elements, a url; one url|version once). Every problem found is reported together; any problem refuses the package.
 */
export function checkPackage(raw: RawPackage, validator: FhirSchemaValidator = sharedFhirSchemaValidator()): CheckedPackage {
  const m = raw.manifest;
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new PackageError(`${raw.source}: package/package.json er ikke et JSON-objekt`);
  const { problems, fhirVersion, dependencies } = manifestProblems(raw.source, m as Json);
  const resources: TerminologyResource[] = [];
  const seen = new Map<string, string>();
  let skipped = 0;
  for (const file of raw.files) {
    const label = `${raw.source}: package/${file.name}`;
    let json: unknown;
    try {
      json = JSON.parse(file.text);
    } catch (e) {
      problems.push(`${label}: ikke gyldig JSON (${(e as Error).message})`);
      continue;
    }
    const type = (json as { resourceType?: unknown } | null)?.resourceType;
    if (typeof type !== 'string' || !TERMINOLOGY_TYPES.has(type)) {
      skipped++;
      continue;
    }
    try {
      const resource = checkTerminologyResource(json, label, validator)!;
      const key = `${type} ${resource.url}|${resource.version ?? ''}`;
      const dup = seen.get(key);
      if (dup) problems.push(`${label}: ${type} ${resource.url}|${resource.version ?? ''} findes allerede i package/${dup}`);
      seen.set(key, file.name);
      resources.push(resource);
    } catch (e) {
      if (!(e instanceof TerminologyLoadError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length === 0 && resources.length === 0) problems.push(`${raw.source}: pakken har ingen CodeSystem, ValueSet eller ConceptMap`);
  if (problems.length > 0) throw new PackageError(problems);
  const mm = m as Json;
  return {
    name: mm.name as string,
    version: mm.version as string,
    fhirVersion: fhirVersion!,
    dependencies,
    ...(typeof mm.description === 'string' ? { description: mm.description } : {}),
    resources,
    skipped,
  };
}
