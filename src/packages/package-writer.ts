import zlib from 'node:zlib';
import { pack } from 'tar-stream';
import type { TerminologyResource } from '../terminology/resource-set';
import { FHIR_VERSION, SERVER_FIELD } from './package-check';

export interface PackageManifest {
  name: string;
  version: string;
  description?: string;
  /** Package name → version; the R4 core package is always added. */
  dependencies?: Record<string, string>;
  /** The urls of its supplements that apply to their code system by default (package.json `faelles-tx.defaultSupplements`). */
  defaultSupplements?: string[];
}

export interface PackageFile {
  name: string;
  text: string;
}

/** The same instant on every file, so that the same content gives the same archive. */
const FILE_TIME = new Date('2000-01-01T00:00:00Z');

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'x';
}

/** `CodeSystem-FSIII.json`; a second resource with the same id (another version) gets its version in the name. */
function fileNames(resources: readonly TerminologyResource[]): string[] {
  const used = new Set<string>();
  return resources.map((r) => {
    const stem = `${r.resourceType}-${safe(r.id ?? r.url ?? 'resource')}`;
    let name = `${stem}.json`;
    if (used.has(name.toLowerCase()) && r.version) name = `${stem}-${safe(r.version)}.json`;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${stem}-${i}.json`;
    used.add(name.toLowerCase());
    return name;
  });
}

/**
 * The files of a FHIR NPM package (package/package.json, package/.index.json, one resource per file), as the FHIR
 * package specification lays them out; names are relative to `package/`.
 */
export function packageFiles(manifest: PackageManifest, resources: readonly TerminologyResource[]): PackageFile[] {
  const names = fileNames(resources);
  const packageJson = {
    name: manifest.name,
    version: manifest.version,
    ...(manifest.description ? { description: manifest.description } : {}),
    fhirVersions: [FHIR_VERSION],
    type: 'fhir.ig',
    dependencies: { 'hl7.fhir.r4.core': FHIR_VERSION, ...(manifest.dependencies ?? {}) },
    author: 'faelles-tx',
    jurisdiction: 'urn:iso:std:iso:3166#DK',
    ...(manifest.defaultSupplements?.length ? { [SERVER_FIELD]: { defaultSupplements: manifest.defaultSupplements } } : {}),
  };
  const index = {
    'index-version': 1,
    files: resources.map((r, i) => ({
      filename: names[i],
      resourceType: r.resourceType,
      ...(r.id ? { id: r.id } : {}),
      ...(r.url ? { url: r.url } : {}),
      ...(r.version ? { version: r.version } : {}),
    })),
  };
  return [
    { name: 'package.json', text: `${JSON.stringify(packageJson, null, 2)}\n` },
    { name: '.index.json', text: `${JSON.stringify(index, null, 2)}\n` },
    ...resources.map((r, i) => ({ name: names[i]!, text: JSON.stringify(r) })),
  ];
}

/** The package as a gzip-compressed tar archive (.tgz), as `npm pack` writes it. */
export async function writePackageTarball(manifest: PackageManifest, resources: readonly TerminologyResource[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    tar.on('data', (c: unknown) => chunks.push(c as Buffer));
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  for (const f of packageFiles(manifest, resources)) {
    tar.entry({ name: `package/${f.name}`, mtime: FILE_TIME, mode: 0o644 }, f.text);
  }
  tar.finalize();
  await done;
  return zlib.gzipSync(Buffer.concat(chunks));
}
