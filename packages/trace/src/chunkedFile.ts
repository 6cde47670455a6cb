import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

/**
 * the chunk of a recycled buffer: many frames per read, yet small enough that the bytes read are still in
 * the CPU cache when they are checksummed and decoded (measured on a 175 MB trace, 2 busy cores: 256 KiB to
 * 2 MiB take 0.13 s CPU, 8 MiB 0.185 s)
 */
export const CHUNK_BYTES = 1024 * 1024
/**
 * the chunk when every chunk is a fresh buffer: 8 MiB buffers are mmap()ed and page-faulted anew each time
 * (measured: +80 % page faults, +35 % CPU on a 175 MB trace), smaller ones are recycled by malloc; a
 * frame that is kept also keeps less memory alive
 */
export const FRESH_CHUNK_BYTES = 512 * 1024

/**
 * ChunkedFile - synchronous reads of a file through big chunks (one `readSync` per chunk, not per frame).
 * window() hands out byte ranges as positions in the current chunk; a range that straddles the chunk's end
 * is moved into the next chunk (only its bytes are copied), placed so that a given offset inside it lands on
 * an 8-byte boundary (column views need aligned payloads; realign() copies one that is not).
 *
 * @reuse false (the default): every chunk is a fresh buffer, so the views into a chunk handed out earlier
 *   stay valid for as long as they are referenced. true: one buffer is recycled, so a view is valid only
 *   until the next window() call.
 */
export class ChunkedFile {
  readonly size: number
  /** the current chunk; window() positions index into it */
  buf: Buffer
  /** file offset of buf[0] (a virtual position: bytes before `lo` are not loaded) */
  private base = 0
  private lo = 0
  private hi = 0
  private arena: Buffer
  private arenaUsed = 0

  constructor(
    readonly fd: number,
    private readonly chunkBytes = CHUNK_BYTES,
    private readonly reuse = false,
  ) {
    this.size = fstatSync(fd).size
    this.buf = Buffer.alloc(0)
    this.arena = Buffer.alloc(0)
  }

  /** open - @file opened for reading; throws the fs error as it is. */
  static open(file: string, chunkBytes?: number, reuse?: boolean): ChunkedFile {
    const fd = openSync(file, 'r')
    try {
      return new ChunkedFile(fd, chunkBytes, reuse)
    } catch (e) {
      closeSync(fd)
      throw e
    }
  }

  close(): void {
    closeSync(this.fd)
  }

  /**
   * window - make [@pos, @pos + @len) available in buf. Precondition: 0 <= @pos. When it is moved into a new
   * chunk, @pos + @alignAt lands 8-byte aligned. @returns the index of @pos in buf, or -1 when the file ends
   * before @pos + @len.
   */
  window(pos: number, len: number, alignAt = 0): number {
    if (pos >= this.lo && pos + len <= this.hi) return pos - this.base
    if (pos + len > this.size) return -1
    const lead = (8 - (alignAt & 7)) & 7
    // no bigger than the rest of the file: a small trace does not pay for a whole chunk
    const cap = lead + Math.max(Math.min(this.chunkBytes, this.size - pos), len)
    const old = this.buf
    const next = this.reuse && old.length >= cap ? old : Buffer.allocUnsafeSlow(cap)
    let from = pos
    if (pos >= this.lo && pos < this.hi) {
      // the range's head is already loaded: move just those bytes
      if (next === old) old.copyWithin(lead, pos - this.base, this.hi - this.base)
      else old.copy(next, lead, pos - this.base, this.hi - this.base)
      from = this.hi
    }
    const want = Math.min(cap - lead, this.size - pos)
    let got = from - pos
    while (got < want) {
      const n = readSync(this.fd, next, lead + got, want - got, pos + got)
      if (n === 0) break
      got += n
    }
    this.buf = next
    this.base = pos - lead
    this.lo = pos
    this.hi = pos + got
    return got >= len ? lead : -1
  }

  /**
   * loadAll - when the whole file fits one chunk, load it now (one read; later windows of it need none), with
   * file offset @alignAt on an 8-byte boundary. @returns whether it did.
   */
  loadAll(alignAt: number): boolean {
    return this.size <= this.chunkBytes && this.window(0, this.size, alignAt) >= 0
  }

  /** copyOf - a fresh copy of file bytes [@pos, @pos + @len) when the current chunk holds them all, else null. */
  copyOf(pos: number, len: number): Buffer | null {
    if (pos < this.lo || pos + len > this.hi) return null
    const b = Buffer.allocUnsafeSlow(len)
    this.buf.copy(b, 0, pos - this.base, pos - this.base + len)
    return b
  }

  /** bytes - the @len bytes at buf index @at, viewed in place. */
  bytes(at: number, len: number): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + at, len)
  }

  /**
   * realign - a copy of @v starting on an 8-byte boundary, in a side buffer (a fresh one per chunk's worth of
   * copies; with reuse, one recycled buffer: the copy is valid until the next realign()).
   */
  readonly realign = (v: Uint8Array): Uint8Array => {
    const len = v.length
    if (this.reuse) this.arenaUsed = 0
    if (this.arenaUsed + len > this.arena.length) {
      this.arena = Buffer.allocUnsafeSlow(Math.max(len, this.reuse ? 2 * this.arena.length : Math.min(this.chunkBytes, this.size)))
      this.arenaUsed = 0
    }
    const off = this.arenaUsed
    this.arena.set(v, off)
    this.arenaUsed = (off + len + 7) & ~7
    return new Uint8Array(this.arena.buffer, this.arena.byteOffset + off, len)
  }
}
