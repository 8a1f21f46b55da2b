import zlib from 'node:zlib';

const BLOCK = 512;
const ZEROS = 16 * 1024 * 1024;
let zerosMember: Buffer | undefined;

/** A ustar header of a regular file (what tar-stream's extractor reads). */
function ustarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\u000000', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function tarFile(name: string, text: string): Buffer {
  const data = Buffer.from(text);
  return Buffer.concat([ustarHeader(name, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]);
}

/**
 * A small .tgz with a valid package.json, then a file `name` of `size` zero bytes: gzip members of 16 MB of zeros
 * each (a gzip file may hold several, read as one), so a package that unpacks to gigabytes is a few hundred KB and
 * costs the test one compression of 16 MB.
 */
export function packageBomb(name: string, size: number): Buffer {
  zerosMember ??= zlib.gzipSync(Buffer.alloc(ZEROS));
  const manifest = JSON.stringify({ name: 'example.bomb', version: '1.0.0', fhirVersions: ['4.0.1'] });
  const head = zlib.gzipSync(Buffer.concat([tarFile('package/package.json', manifest), ustarHeader(name, size)]));
  return Buffer.concat([head, ...Array<Buffer>(Math.ceil(size / ZEROS)).fill(zerosMember)]);
}

/** A .tgz of these files of `package/`, each text as given (a package.json or a resource that is not valid JSON). */
export function packageArchive(files: Record<string, string>): Buffer {
  return zlib.gzipSync(Buffer.concat([...Object.entries(files).map(([name, text]) => tarFile(`package/${name}`, text)), Buffer.alloc(2 * BLOCK)]));
}
