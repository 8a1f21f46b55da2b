/**
 * Texts kept encoded as UTF-8 for answers assembled from them (a code's JSON, written into hundreds of answers), in
 * slabs of their own: copying one into an answer is a copy of bytes, not an encoding; a kept text holds no block
 * shared with short-lived buffers (Buffer.from of a small text is a slice of Node's pool); and it is a place in a
 * slab, not a view object of its own (a large picker's codes are 200,000 texts).
 */
const SLAB_BYTES = 1024 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
/** The slab as one Buffer that texts are written through (not a view made per text). */
let slabBytes = Buffer.from(slab);
let used = 0;

/** Where a kept text's bytes are. */
export interface KeptText {
  slab: ArrayBuffer;
  start: number;
  length: number;
}

/** Keeps the text's UTF-8 bytes (a text larger than a quarter slab in a slab of its own). */
export function keepText(text: string): KeptText {
  const length = Buffer.byteLength(text, 'utf8');
  if (length > SLAB_BYTES / 4) {
    const own = new ArrayBuffer(length);
    Buffer.from(own).write(text, 0, 'utf8');
    return { slab: own, start: 0, length };
  }
  if (used + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabBytes = Buffer.from(slab);
    used = 0;
  }
  slabBytes.write(text, used, length, 'utf8');
  const kept = { slab, start: used, length };
  used += length;
  return kept;
}

/** A kept text's bytes as a view (for the few texts kept as views: parts many codes share). */
export function keptBytes(text: string): Uint8Array {
  const { slab: bytes, start, length } = keepText(text);
  return new Uint8Array(bytes, start, length);
}
