import { createHash, type Hash } from 'node:crypto'

/** LINES_PER_UPDATE - stateDigest() hashes its lines in batches of this many, joined by '\n' within a batch only. */
const LINES_PER_UPDATE = 4096

/**
 * DigestWriter - feeds SHA-256 the canonical state rendering of stateDigest() byte for byte, without
 * building a string per line: ASCII words and decimal integers are written straight into a reused buffer.
 * The rendering's one quirk is kept: lines are joined by '\n' inside each batch of 4096 lines and not
 * between batches (stateDigest() hashes `lines.join('\n')` per batch).
 */
export class DigestWriter {
  private readonly h: Hash = createHash('sha256')
  private readonly buf = Buffer.allocUnsafe(1 << 20)
  private at = 0
  private lines = 0

  /** line - start a new line (the separator rule above). */
  line(): this {
    if (this.lines % LINES_PER_UPDATE !== 0) this.byte(10)
    this.lines++
    return this
  }

  /**
   * entry - the line @prefix (ASCII bytes, e.g. 'E 3 pte ') @a ' ' @b: line().word(prefix).int(a).sp().int(b)
   * in one call, for the digest's millions of entry lines (integers in [0, 2^31) take the fast path).
   */
  entry(prefix: Uint8Array, a: number, b: number): void {
    if (this.at + prefix.length + 24 > this.buf.length) this.drain()
    const buf = this.buf
    let at = this.at
    if (this.lines % LINES_PER_UPDATE !== 0) buf[at++] = 10
    this.lines++
    for (let i = 0; i < prefix.length; i++) buf[at++] = prefix[i]!
    at = this.putNum(buf, at, a)
    buf[at++] = 32
    this.at = this.putNum(buf, at, b)
  }

  /**
   * folio - the rest of a folio line after entry(): @kindSp (' anon '), @file ' ' @index ' ' @hvo ' ' (as
   * word(kind).sp().int(file).sp().int(index).sp().int(hvo).sp() after the entry's last integer).
   */
  folio(kindSp: Uint8Array, file: number, index: number, hvo: number): void {
    if (this.at + kindSp.length + 80 > this.buf.length) this.drain()
    const buf = this.buf
    let at = this.at
    for (let i = 0; i < kindSp.length; i++) buf[at++] = kindSp[i]!
    at = this.putNum(buf, at, file)
    buf[at++] = 32
    at = this.putNum(buf, at, index)
    buf[at++] = 32
    at = this.putNum(buf, at, hvo)
    buf[at++] = 32
    this.at = at
  }

  /** raw - ASCII bytes @bytes (as word() writes a string). */
  raw(bytes: Uint8Array): void {
    if (this.at + bytes.length > this.buf.length) this.drain()
    const buf = this.buf
    let at = this.at
    for (let i = 0; i < bytes.length; i++) buf[at++] = bytes[i]!
    this.at = at
  }

  /**
   * putNum - @n in decimal at @buf[@at] (room for 24 bytes must be left): [0, 2^31) two digits at a time,
   * other numbers through int(). @returns the position after it.
   */
  private putNum(buf: Buffer, at: number, n: number): number {
    if (!(n >= 0 && n <= 0x7fffffff) || n !== (n | 0)) {
      this.at = at
      this.int(n)
      return this.at
    }
    if (n < 10) {
      buf[at] = 48 + n
      return at + 1
    }
    const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10
    const end = at + digits
    let p = end
    while (n >= 100) {
      const q = (n / 100) | 0
      const r = (n - q * 100) << 1
      buf[--p] = PAIRS[r + 1]!
      buf[--p] = PAIRS[r]!
      n = q
    }
    if (n >= 10) {
      buf[--p] = PAIRS[(n << 1) + 1]!
      buf[--p] = PAIRS[n << 1]!
    } else buf[--p] = 48 + n
    return end
  }

  /** word - ASCII text @s. */
  word(s: string): this {
    if (this.at + s.length > this.buf.length) this.drain()
    for (let i = 0; i < s.length; i++) this.buf[this.at++] = s.charCodeAt(i)
    return this
  }

  /** sp - one space. */
  sp(): this {
    return this.byte(32)
  }

  /** int - @n in decimal as JavaScript prints it (integers of either sign; other numbers through String()). */
  int(n: number): this {
    if (!Number.isSafeInteger(n)) return this.word(String(n))
    if (this.at + 24 > this.buf.length) this.drain()
    if (n < 0) {
      this.buf[this.at++] = 45
      n = -n
    }
    if (n === 0) {
      this.buf[this.at++] = 48
      return this
    }
    if (n <= 0x7fffffff) {
      // int32 fast path: integer division by | 0
      let digits = 1
      for (let m = (n / 10) | 0; m > 0; m = (m / 10) | 0) digits++
      let p = this.at + digits
      this.at = p
      for (let m = n; m > 0; m = (m / 10) | 0) this.buf[--p] = 48 + (m % 10)
      return this
    }
    let digits = 0
    for (let m = n; m > 0; m = Math.floor(m / 10)) digits++
    let p = this.at + digits
    this.at = p
    for (let m = n; m > 0; m = Math.floor(m / 10)) this.buf[--p] = 48 + (m % 10)
    return this
  }

  /** hexBytes - each of @n bytes read by @at(i) as two lowercase hex digits. */
  hexBytes(n: number, at: (i: number) => number): this {
    for (let i = 0; i < n; i++) {
      if (this.at + 2 > this.buf.length) this.drain()
      const b = at(i)
      this.buf[this.at++] = HEX[b >> 4]!
      this.buf[this.at++] = HEX[b & 15]!
    }
    return this
  }

  /** digest - the SHA-256 of everything written, 64 hex digits. */
  digest(): string {
    this.drain()
    return this.h.digest('hex')
  }

  private byte(b: number): this {
    if (this.at >= this.buf.length) this.drain()
    this.buf[this.at++] = b
    return this
  }

  private drain(): void {
    if (this.at > 0) this.h.update(this.buf.subarray(0, this.at))
    this.at = 0
  }
}

const HEX = Buffer.from('0123456789abcdef', 'latin1')
/** PAIRS[2k], PAIRS[2k + 1] - the two decimal digits of k < 100 */
const PAIRS = Buffer.from(Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0')).join(''), 'latin1')
