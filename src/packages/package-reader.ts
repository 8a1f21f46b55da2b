import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { extract } from 'tar-stream';
import type { Bilingual } from '../errors/issue';
import { PackageError } from './package-error';

/** Where a package came from, as its messages name it: a file or folder, or the words for an upload (`UPLOADED`). */
export type PackageSource = string | Bilingual;

/** A package sent to $load-package, which has no file name. */
export const UPLOADED: Bilingual = { en: 'the package', da: 'pakken' };

/** The source's name in both languages (a path is the same in both). */
export function sourceName(source: PackageSource): Bilingual {
  return typeof source === 'string' ? { en: source, da: source } : source;
}

/** One FHIR NPM package as read: its package.json and the JSON files directly in its `package/` folder. */
export interface RawPackage {
  /** Where it came from, for messages. */
  source: PackageSource;
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

function assemble(source: PackageSource, entries: Map<string, string>): RawPackage {
  const at = sourceName(source);
  const manifestText = entries.get('package.json');
  if (manifestText === undefined) {
    throw new PackageError({ en: `${at.en}: package/package.json is missing – it is not a FHIR package`, da: `${at.da}: package/package.json mangler – det er ikke en FHIR-pakke` });
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (e) {
    const why = (e as Error).message;
    throw new PackageError({ en: `${at.en}: package/package.json is not valid JSON (${why})`, da: `${at.da}: package/package.json er ikke gyldig JSON (${why})` });
  }
  const files = [...entries]
    .filter(([name]) => name.endsWith('.json') && name !== 'package.json' && !name.startsWith('.'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, text]) => ({ name, text }));
  return { source, manifest, files };
}

/** Reads a package archive (.tgz, as `npm pack` and the FHIR tools write it). */
export async function readPackageTarball(bytes: Buffer, source: PackageSource): Promise<RawPackage> {
  const at = sourceName(source);
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (e) {
    const mb = MAX_UNPACKED_BYTES / 1024 / 1024;
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PackageError({ en: `${at.en}: unpacks to more than ${mb} MB, more than a package may hold`, da: `${at.da}: fylder udpakket mere end ${mb} MB, mere end en pakke må` });
    }
    const why = (e as Error).message;
    throw new PackageError({ en: `${at.en}: not a gzip-compressed tar file (.tgz): ${why}`, da: `${at.da}: ikke en gzip-komprimeret tar-fil (.tgz): ${why}` });
  }
  const entries = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      // a tar that ends inside an entry fails the entry's stream (as well as the extractor)
      stream.on('error', reject);
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
    const why = (e as Error).message;
    throw new PackageError({ en: `${at.en}: the tar file cannot be read: ${why}`, da: `${at.da}: tar-filen kan ikke læses: ${why}` });
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
