import type { CodeSystem } from 'fhir/r4';
import fs from 'node:fs';
import path from 'node:path';
import { sharedFhirSchemaValidator, type FhirSchemaValidator } from '../fhir/schema-validator';
import type { Bilingual } from '../errors/issue';
import type { TerminologyResource } from './resource-set';
import { duplicateCodesOf, duplicateCodeText } from './concept-walk';
import { hierarchyCycles, hierarchyCycleText } from './hierarchy-cycle';
import { valueField } from '../fhir/choice-value';

export class TerminologyLoadError extends Error {}

export const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'ConceptMap']);

export interface LoadedTerminology {
  resources: TerminologyResource[];
  /** Files read, by resource key, for diagnostics. */
  files: Map<TerminologyResource, string>;
  /** Canonical urls of the supplements under supplements/: applied to their code system by default. */
  defaultSupplements: Set<string>;
}

function jsonFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...jsonFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
  return out;
}

type Json = Record<string, unknown>;
const arrayOf = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const absent = (o: Json, field: string): boolean => o[field] === undefined || o[field] === null || o[field] === '';

/**
 * The JSON schema states no minimum cardinalities, so the required (1..1) elements the server computes with are
 * checked here: the first one missing, as a JSON path.
 */
function missingRequired(type: string, r: Json): string | undefined {
  const paths: string[] = [];
  const need = (o: Json, fields: string[], path: string): void => {
    for (const f of fields) if (absent(o, f)) paths.push(`${path}.${f}`);
  };
  need(r, type === 'CodeSystem' ? ['status', 'content'] : ['status'], '$');
  const concepts = (cs: Json[], path: string): void => cs.forEach((c, i) => {
    need(c, ['code'], `${path}[${i}]`);
    arrayOf(c.designation).forEach((d, j) => need(d, ['value'], `${path}[${i}].designation[${j}]`));
    arrayOf(c.property).forEach((p, j) => {
      const field = valueField(p);
      if (field === undefined || absent(p, field)) paths.push(`${path}[${i}].property[${j}].value[x]`);
    });
    concepts(arrayOf(c.concept), `${path}[${i}].concept`);
  });
  if (type === 'CodeSystem') concepts(arrayOf(r.concept), '$.concept');
  if (type === 'ValueSet' && r.compose && typeof r.compose === 'object') {
    for (const part of ['include', 'exclude']) {
      arrayOf((r.compose as Json)[part]).forEach((inc, i) => {
        arrayOf(inc.concept).forEach((c, j) => need(c, ['code'], `$.compose.${part}[${i}].concept[${j}]`));
        arrayOf(inc.filter).forEach((f, j) => need(f, ['property', 'op', 'value'], `$.compose.${part}[${i}].filter[${j}]`));
      });
    }
  }
  return paths[0];
}

/**
 * What is wrong with a CodeSystem, ValueSet or ConceptMap to be published, in English and Danish: not valid R4 (the
 * schema), a required element missing, a code system's hierarchy a cycle (as a write is refused for), or no url;
 * undefined when it can be served.
 */
export function terminologyResourceProblem(json: { resourceType: string }, validator: FhirSchemaValidator = sharedFhirSchemaValidator()): Bilingual | undefined {
  const type = json.resourceType;
  // before the schema: cheap, and a code repeated a million times is refused without the schema walking all of them
  if (type === 'CodeSystem') {
    const [twice] = duplicateCodesOf(json as CodeSystem, 1);
    if (twice) return duplicateCodeText(twice);
  }
  const problems = validator.validate(json);
  if (problems.length > 0) {
    const list = problems.slice(0, 10).map((p) => `${p.path}: ${p.message}`).join('; ');
    return { en: `not a valid FHIR R4 ${type}: ${list}`, da: `ikke en gyldig FHIR R4 ${type}: ${list}` };
  }
  const missing = missingRequired(type, json as Json);
  if (missing) return { en: `not a valid FHIR R4 ${type}: ${missing} is required`, da: `ikke en gyldig FHIR R4 ${type}: ${missing} er påkrævet` };
  if (type === 'CodeSystem') {
    const [cycle] = hierarchyCycles(json as CodeSystem, 1);
    if (cycle) {
      const said = hierarchyCycleText(cycle);
      return { en: `the hierarchy ${said.en} (${cycle.at()})`, da: `hierarkiet ${said.da} (${cycle.at()})` };
    }
  }
  if (!(json as TerminologyResource).url) return { en: '$.url is missing; published resources need a canonical url', da: '$.url mangler; udgivne ressourcer skal have en kanonisk url' };
  return undefined;
}

/**
 * Checks one published JSON file's content (`label` names it in messages): undefined when it is not a FHIR resource
 * (source data such as key tables); the resource when it is a valid R4 CodeSystem, ValueSet or ConceptMap with a url;
 * TerminologyLoadError otherwise. The same rule as for FHIR packages (src/packages/, `terminologyResourceProblem`).
 */
export function checkTerminologyResource(json: unknown, label: string, validator: FhirSchemaValidator = sharedFhirSchemaValidator()): TerminologyResource | undefined {
  const type = (json as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== 'string') return undefined;
  if (!TERMINOLOGY_TYPES.has(type)) throw new TerminologyLoadError(`${label}: $.resourceType '${type}' is not CodeSystem, ValueSet or ConceptMap`);
  const problem = terminologyResourceProblem(json as { resourceType: string }, validator);
  if (problem) throw new TerminologyLoadError(`${label}: ${problem.en}`);
  return json as TerminologyResource;
}

/**
 * Loads the published catalogs from the terminology folder. Every FHIR resource is checked against the R4 JSON
 * schema; a broken file stops start-up with a message naming the file and the JSON path. JSON files that are not
 * FHIR resources (source data such as key tables) are skipped.
 */
export function loadTerminology(root: string, options: { includeExamples: boolean }, validator: FhirSchemaValidator = sharedFhirSchemaValidator()): LoadedTerminology {
  if (!fs.existsSync(root)) throw new TerminologyLoadError(`The terminology folder ${root} does not exist`);
  if (!fs.statSync(root).isDirectory()) throw new TerminologyLoadError(`The terminology folder ${root} is not a folder`);
  const result: LoadedTerminology = { resources: [], files: new Map(), defaultSupplements: new Set() };
  const skipDirs = new Set(['build', 'seeds']);
  if (!options.includeExamples) skipDirs.add('examples');
  const files = jsonFiles(root).filter((f) => !path.relative(root, f).split(path.sep).some((part) => skipDirs.has(part)));
  const seen = new Map<string, string>();
  for (const file of files) {
    const rel = path.relative(root, file);
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new TerminologyLoadError(`${rel}: not valid JSON (${(e as Error).message})`);
    }
    const resource = checkTerminologyResource(json, rel, validator);
    if (!resource) continue;
    const type = resource.resourceType;
    const key = `${type} ${resource.url}|${resource.version ?? ''}`;
    const dup = seen.get(key);
    if (dup) throw new TerminologyLoadError(`${rel}: $.url '${resource.url}' version '${resource.version ?? ''}' is already defined by ${dup}`);
    seen.set(key, rel);
    result.resources.push(resource);
    result.files.set(resource, rel);
    if (type === 'CodeSystem' && (resource as { content?: string }).content === 'supplement') {
      result.defaultSupplements.add(resource.url!);
    }
  }
  return result;
}
