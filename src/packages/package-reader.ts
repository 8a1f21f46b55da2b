import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/**
 * Bytes one file of `package/` may take. Each is held whole and parsed in one step nothing can interrupt, then checked
 * in another: ~10 ms per MB each on the 2-core VM for concepts with a display and a definition, up to ~50 ms per MB to
 * parse and ~120 ms per MB to check a million tiny concepts (`{"code":"…"}`). At 16 MB a package being checked holds
 * other requests ~0.15 s at a time, ~2 s at worst; KL's largest file (CodeSystem-FSIII.json, 828 concepts) is 0.3 MB.
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

const MB = 1024 * 1024;

/** A limit passed while unpacking: the archive is refused with this reason, and nothing more of it is read. */
class LimitPassed extends Error {
  constructor(readonly reason: Bilingual) {
    super(reason.en);
  }
}

function tooLargeWhole(at: Bilingual): LimitPassed {
  const mb = MAX_UNPACKED_BYTES / MB;
  return new LimitPassed({ en: `${at.en}: unpacks to more than ${mb} MB, more than a package may hold`, da: `${at.da}: fylder udpakket mere end ${mb} MB, mere end en pakke må` });
}

function tooLargeFile(at: Bilingual, name: string, bytes: number): LimitPassed {
  const mb = MAX_FILE_BYTES / MB;
  const size = (bytes / MB).toFixed(1);
  return new LimitPassed({
    en: `${at.en}: package/${name} is ${size} MB, more than the ${mb} MB one file of a package may hold`,
    da: `${at.da}: package/${name} fylder ${size} MB, mere end de ${mb} MB en fil i en pakke må`,
  });
}

/**
 * Why a text is not JSON: the parser's own words in English; in Danish, what they say where it can be told (the
 * parser has no Danish): that the text is empty or ends too soon, or which character it could not read, at which line
 * and position when it says (`da` is undefined when it says none of these).
 */
export function notJson(text: string, error: unknown): { en: string; da?: string } {
  const en = (error as Error).message;
  const cutOff = 'før JSON-værdien er færdig: filen er afkortet eller ufuldstændig';
  if (text.trim() === '') return { en, da: 'filen er tom' };
  if (/unexpected end/i.test(en)) return { en, da: `teksten slutter, ${cutOff}` };
  const position = /at position (\d+)/.exec(en)?.[1];
  if (position === undefined) {
    const token = /unexpected token '(.+?)'/i.exec(en)?.[1];
    return token === undefined ? { en } : { en, da: `uventet tegn '${token}'` };
  }
  const at = Number(position);
  let line = 1;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < at; nl = text.indexOf('\n', nl + 1)) line++;
  const column = at - (at > 0 ? text.lastIndexOf('\n', at - 1) : -1);
  const code = text.codePointAt(at);
  if (code === undefined) return { en, da: `teksten slutter i linje ${line}, ${cutOff}` };
  const found = code < 0x20 || code === 0x7f ? `kontroltegn (U+${code.toString(16).toUpperCase().padStart(4, '0')})` : `tegn '${String.fromCodePoint(code)}'`;
  return { en, da: `uventet ${found} i linje ${line}, position ${column}` };
}

/** What a zlib or tar error means, in Danish: the library's message is English only. */
function archiveProblemDa(e: Error & { code?: string }, gzip: boolean): string {
  if (gzip) {
    if (e.code === 'Z_BUF_ERROR') return 'den slutter midt i de komprimerede data (filen er afkortet)';
    if (/header/i.test(e.message)) return 'den begynder ikke som en gzip-fil';
    if (/check/i.test(e.message)) return 'dens kontrolsum passer ikke til indholdet (filen er beskadiget)';
    return 'de komprimerede data er beskadigede';
  }
  if (/unexpected end/i.test(e.message)) return 'den slutter midt i en fil (filen er afkortet)';
  if (/header/i.test(e.message)) return 'en af dens tar-headere er ugyldig (filen er beskadiget, eller den er ikke en tar-fil)';
  return 'den er beskadiget';
}

/** What the system's error reading a file means, in Danish (its message is English only). */
function readProblemDa(code: string | undefined): string {
  if (code === 'ENOENT') return `den findes ikke (${code})`;
  if (code === 'EACCES' || code === 'EPERM') return `serveren har ikke lov at læse den (${code})`;
  return `læsningen fejlede (${code ?? 'ukendt fejl'})`;
}

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
    const why = notJson(manifestText, e);
    throw new PackageError({ en: `${at.en}: package/package.json is not valid JSON (${why.en})`, da: `${at.da}: package/package.json er ikke gyldig JSON${why.da ? ` (${why.da})` : ''}` });
  }
  const files = [...entries]
    .filter(([name]) => name.endsWith('.json') && name !== 'package.json' && !name.startsWith('.'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, text]) => ({ name, text }));
  return { source, manifest, files };
}

/**
 * The kept files of a package archive, unpacked as they arrive: the unpacked bytes are counted and the reading stops
 * once they pass MAX_UNPACKED_BYTES, a file of `package/` larger than MAX_FILE_BYTES is refused by its header before
 * any of it is held, and everything else (sub-folders, links, paths outside `package/`) is passed over unread. The
 * event loop stays free meanwhile (zlib inflates on the thread pool).
 */
async function unpack(input: Readable, at: Bilingual): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  // chunks of 256 KB rather than zlib's 16 KB: a large archive goes through the streams in a sixteenth of the callbacks
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
  const gzipErrors = new WeakSet<Error>();
  gunzip.on('error', (e) => gzipErrors.add(e));
  let unpacked = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      unpacked += chunk.length;
      done(unpacked > MAX_UNPACKED_BYTES ? tooLargeWhole(at) : null, chunk);
    },
  });
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    // the extractor reports a failure of an entry (a tar that ends inside it) itself
    stream.on('error', () => undefined);
    const name = header.type === 'file' ? topLevelFile(header.name) : undefined;
    if (name === undefined || !name.endsWith('.json')) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const size = header.size ?? 0;
    if (size > MAX_FILE_BYTES) {
      ex.destroy(tooLargeFile(at, name, size));
      return;
    }
    const data = Buffer.allocUnsafe(size);
    let filled = 0;
    stream.on('data', (c: unknown) => {
      filled += (c as Buffer).copy(data, filled);
    });
    stream.on('end', () => {
      entries.set(name, data.toString('utf8', 0, filled).replace(/^\uFEFF/, ''));
      next();
    });
  });
  try {
    await pipeline(input, gunzip, counted, ex);
  } catch (e) {
    if (e instanceof LimitPassed) throw new PackageError(e.reason);
    const error = e as Error & { code?: string; syscall?: string };
    // the file itself could not be read (the watched folder, PACKAGES): the streams after it fail with its error
    if (error.syscall) {
      throw new PackageError({ en: `${at.en}: the file cannot be read: ${error.message}`, da: `${at.da}: filen kan ikke læses: ${readProblemDa(error.code)}` });
    }
    const gzip = gzipErrors.has(error);
    const da = archiveProblemDa(error, gzip);
    if (gzip) {
      throw new PackageError({ en: `${at.en}: not a gzip-compressed tar file (.tgz): ${error.message}`, da: `${at.da}: ikke en gzip-komprimeret tar-fil (.tgz): ${da}` });
    }
    throw new PackageError({ en: `${at.en}: the tar file cannot be read: ${error.message}`, da: `${at.da}: tar-filen kan ikke læses: ${da}` });
  }
  return entries;
}

/** Reads a package archive (.tgz, as `npm pack` and the FHIR tools write it). */
export async function readPackageTarball(bytes: Buffer, source: PackageSource): Promise<RawPackage> {
  return assemble(source, await unpack(Readable.from([bytes]), sourceName(source)));
}

/** Reads a package archive file, streamed from the disk. */
export async function readPackageFile(file: string): Promise<RawPackage> {
  return assemble(file, await unpack(fs.createReadStream(file), sourceName(file)));
}

/** Reads an unpacked package: a folder holding `package/`, or the `package` folder itself. */
export function readPackageFolder(dir: string): RawPackage {
  const inner = fs.existsSync(path.join(dir, 'package', 'package.json')) ? path.join(dir, 'package') : dir;
  const entries = new Map<string, string>();
  for (const entry of fs.readdirSync(inner, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) {
      const file = path.join(inner, entry.name);
      const size = fs.statSync(file).size;
      if (size > MAX_FILE_BYTES) throw new PackageError(tooLargeFile(sourceName(dir), entry.name, size).reason);
      entries.set(entry.name, fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    }
  }
  return assemble(dir, entries);
}

/** A package named by a path: a folder, or an archive file. */
export async function readPackagePath(p: string): Promise<RawPackage> {
  if (fs.statSync(p).isDirectory()) return readPackageFolder(p);
  return readPackageFile(p);
}
