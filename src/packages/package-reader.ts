import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { extract } from 'tar-stream';
import { PackageError } from './package-error';

/** One FHIR NPM package as read: its package.json and the JSON files directly in its `package/` folder. */
export interface RawPackage {
  /** Where it came from (a file, a folder, or an upload), for messages. */
  source: string;
  manifest: unknown;
  /** The JSON files of `package/` (not its sub-folders such as example/ or other/), by file name, in name order. */
  files: { name: string; text: string }[];
}

/** Bytes an unpacked package may take: a bound against a small archive that unpacks to something huge. */
export const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

/** `package/x.json` (also `./package/x.json`) → `x.json`; undefined for anything else. */
function topLevelFile(entryName: string): string | undefined {
  const m = /^(?:\.\/)?package\/([^/]+)$/.exec(entryName);
  return m ? m[1] : undefined;
}

function assemble(source: string, entries: Map<string, string>): RawPackage {
  const manifestText = entries.get('package.json');
  if (manifestText === undefined) throw new PackageError(`${source}: package/package.json mangler – det er ikke en FHIR-pakke`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (e) {
    throw new PackageError(`${source}: package/package.json er ikke gyldig JSON (${(e as Error).message})`);
  }
  const files = [...entries]
    .filter(([name]) => name.endsWith('.json') && name !== 'package.json' && !name.startsWith('.'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, text]) => ({ name, text }));
  return { source, manifest, files };
}

/** Reads a package archive (.tgz, as `npm pack` and the FHIR tools write it). */
export async function readPackageTarball(bytes: Buffer, source: string): Promise<RawPackage> {
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (e) {
    throw new PackageError(`${source}: ikke en gzip-komprimeret tar-fil (.tgz): ${(e as Error).message}`);
  }
  const entries = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const name = header.type === 'file' ? topLevelFile(header.name) : undefined;
      if (name === undefined) {
        stream.on('end', next);
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        entries.set(name, Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''));
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([tar]).pipe(ex);
  try {
    await done;
  } catch (e) {
    throw new PackageError(`${source}: tar-filen kan ikke læses: ${(e as Error).message}`);
  }
  return assemble(source, entries);
}

/** Reads an unpacked package: a folder holding `package/`, or the `package` folder itself. */
export function readPackageFolder(dir: string): RawPackage {
  const inner = fs.existsSync(path.join(dir, 'package', 'package.json')) ? path.join(dir, 'package') : dir;
  const entries = new Map<string, string>();
  for (const entry of fs.readdirSync(inner, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) {
      entries.set(entry.name, fs.readFileSync(path.join(inner, entry.name), 'utf8').replace(/^\uFEFF/, ''));
    }
  }
  return assemble(dir, entries);
}

/** A package named by a path: a folder, or an archive file. */
export async function readPackagePath(p: string): Promise<RawPackage> {
  if (fs.statSync(p).isDirectory()) return readPackageFolder(p);
  return readPackageTarball(fs.readFileSync(p), p);
}
