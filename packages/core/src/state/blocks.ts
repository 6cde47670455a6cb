/**
 * Typed-array blocks for the state's bulk (PTE tables, per-page counters, anon-exclusive bits).
 *
 * V8 allocates a typed array larger than 64 bytes with its own off-heap backing store, which costs
 * microseconds (measured here: ~2 µs for `new Int32Array(512)` or its `slice()`, ~0.08 µs for a view on an
 * existing buffer). Blocks above that size are therefore carved out of shared slabs; a slab is reclaimed
 * by the GC once no block of it is referenced. Blocks are never reused explicitly (a committed state may
 * still share them), so a fresh block is always zero-filled.
 */

const SLAB_BYTES = 1 << 18
const ON_HEAP_MAX = 64

let slab = new ArrayBuffer(SLAB_BYTES)
let used = 0

function carve(bytes: number): [ArrayBuffer, number] {
  const need = (bytes + 7) & ~7
  if (need > SLAB_BYTES) return [new ArrayBuffer(need), 0]
  if (used + need > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES)
    used = 0
  }
  const at = used
  used += need
  return [slab, at]
}

/** newInt32Block - a zero-filled Int32Array of @n entries. */
export function newInt32Block(n: number): Int32Array {
  if (n * 4 <= ON_HEAP_MAX) return new Int32Array(n)
  const [buf, at] = carve(n * 4)
  return new Int32Array(buf, at, n)
}

/** cloneInt32Block - a copy of @a. */
export function cloneInt32Block(a: Int32Array): Int32Array {
  const b = newInt32Block(a.length)
  b.set(a)
  return b
}

/** newUint8Block - a zero-filled Uint8Array of @n entries. */
export function newUint8Block(n: number): Uint8Array {
  if (n <= ON_HEAP_MAX) return new Uint8Array(n)
  const [buf, at] = carve(n)
  return new Uint8Array(buf, at, n)
}

/** cloneUint8Block - a copy of @a. */
export function cloneUint8Block(a: Uint8Array): Uint8Array {
  const b = newUint8Block(a.length)
  b.set(a)
  return b
}
