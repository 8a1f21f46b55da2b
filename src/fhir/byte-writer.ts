/**
 * An answer's bytes written piece by piece (a picker's answer is some 1,000 pieces of kept JSON; a $translate answer
 * text around its elements' prepared JSON) into one buffer reused from answer to answer, then copied once into a
 * buffer of the answer's own size: the pieces are copied while they are read, and no list of them is made. Answers
 * are assembled one at a time (synchronously), so one buffer serves.
 */
const KEPT_SCRATCH_BYTES = 4 * 1024 * 1024;

let scratch: Buffer | undefined;

export class ByteWriter {
  /** The reused buffer, taken while this answer is written (a writer started before another ended gets its own). */
  private bytes = scratch ?? Buffer.allocUnsafeSlow(64 * 1024);
  length = 0;

  constructor() {
    scratch = undefined;
  }

  write(piece: Uint8Array): void {
    if (this.length + piece.length > this.bytes.length) this.grow(this.length + piece.length);
    this.bytes.set(piece, this.length);
    this.length += piece.length;
  }

  /** Writes `length` kept bytes at `start` in `slab` (terminology/expansion/kept-bytes.ts). */
  writeKept(slab: ArrayBuffer, start: number, length: number): void {
    this.write(new Uint8Array(slab, start, length));
  }

  /** Writes the text's UTF-8 bytes. */
  writeText(text: string): void {
    const most = text.length * 3;
    if (this.length + most > this.bytes.length) this.grow(this.length + most);
    this.length += this.bytes.write(text, this.length, 'utf8');
  }

  /** Writes bytes[start, end): a few dozen bytes, copied here rather than through a view of them made for the copy. */
  writeRange(bytes: Uint8Array, start: number, end: number): void {
    if (this.length + end - start > this.bytes.length) this.grow(this.length + end - start);
    for (let i = start; i < end; i++) this.bytes[this.length++] = bytes[i]!;
  }

  /** Takes back the last `n` bytes written. */
  unwrite(n: number): void {
    this.length -= n;
  }

  /** Copies what was written into `target` at `offset`; the writer's buffer is then free for the next answer. */
  copyTo(target: Buffer, offset: number): number {
    target.set(this.bytes.subarray(0, this.length), offset);
    if (this.bytes.length <= KEPT_SCRATCH_BYTES) scratch = this.bytes;
    return this.length;
  }

  /** What was written, in a buffer of its size; the writer's buffer is then free for the next answer. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.copyTo(out, 0);
    return out;
  }

  private grow(needed: number): void {
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const larger = Buffer.allocUnsafeSlow(size);
    larger.set(this.bytes.subarray(0, this.length));
    this.bytes = larger;
  }
}
