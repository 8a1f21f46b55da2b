/**
 * An answer's bytes written piece by piece (a picker's answer is some 1,000 pieces of kept JSON) into one buffer
 * reused from answer to answer, then copied once into a buffer of the answer's own size: the pieces are copied while
 * they are read, and no list of them is made. Answers are assembled one at a time (synchronously), so one buffer serves.
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

  /** Writes `length` kept bytes at `start` in `slab` (kept-bytes.ts). */
  writeKept(slab: ArrayBuffer, start: number, length: number): void {
    this.write(new Uint8Array(slab, start, length));
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

  private grow(needed: number): void {
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const larger = Buffer.allocUnsafeSlow(size);
    larger.set(this.bytes.subarray(0, this.length));
    this.bytes = larger;
  }
}
