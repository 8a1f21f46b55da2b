/**
 * Texts kept encoded as UTF-8 for answers assembled from them (a code's JSON, written into hundreds of answers): each
 * a view into a slab of its own, so that copying it into an answer is a copy of bytes, not an encoding, and a kept
 * text does not hold a block shared with short-lived buffers (Buffer.from of a small text is a slice of Node's pool).
 */
const SLAB_BYTES = 1024 * 1024;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;

/** The text's UTF-8 bytes, in memory kept for texts (a text larger than a quarter slab gets its own). */
export function keptBytes(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  if (length > SLAB_BYTES / 4) {
    const own = Buffer.allocUnsafeSlow(length);
    own.write(text, 0, 'utf8');
    return own;
  }
  if (used + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  slab.write(text, used, 'utf8');
  const bytes = slab.subarray(used, used + length);
  used += length;
  return bytes;
}
