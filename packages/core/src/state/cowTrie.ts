/**
 * A persistent radix trie over non-negative integer keys with copy-on-write by epoch.
 *
 * Every node carries the epoch of the transaction that created it. A write in epoch E copies each node
 * on its path whose epoch differs from E (a 64-slot array slice) and then writes the copy in place, so
 * one transaction (a frame of events) copies a path at most once, and every state committed before it
 * keeps sharing all untouched nodes: a checkpoint is one pointer. Reads never copy.
 *
 * Nodes mirror a page table: 64 slots per level (6 bits), a fixed number of levels per trie.
 */

const BITS = 6
const FANOUT = 1 << BITS
const MASK = FANOUT - 1

interface Node<T> {
  e: number
  /** occupied slots; a node left with none is pruned from its parent */
  n: number
  s: (Node<T> | T | undefined)[]
}

/** CowTrie - a trie value. Treat as immutable outside a transaction of epoch `e`. */
export interface CowTrie<T> {
  readonly e: number
  readonly levels: number
  readonly size: number
  readonly root: Node<T> | undefined
}

/** emptyTrie - a trie for keys below 2^@keyBits. */
export function emptyTrie<T>(keyBits: number): CowTrie<T> {
  return { e: 0, levels: Math.max(1, Math.ceil(keyBits / BITS)), size: 0, root: undefined }
}

const DIV = Array.from({ length: 10 }, (_, l) => 2 ** (l * BITS))

function slotOf(key: number, level: number): number {
  // level counts down from levels-1 (root) to 0 (leaves); keys may exceed 2^32: shift only below 2^30
  if (key < 0x40000000) return level * BITS >= 30 ? 0 : (key >>> (level * BITS)) & MASK
  return Math.floor(key / DIV[level]!) & MASK
}

/** trieGet - the value at @key, or undefined. */
export function trieGet<T>(t: CowTrie<T>, key: number): T | undefined {
  let n = t.root
  if (key < 0x40000000) {
    for (let l = t.levels - 1; l > 0; l--) {
      if (n === undefined) return undefined
      n = n.s[l * BITS >= 30 ? 0 : (key >>> (l * BITS)) & MASK] as Node<T> | undefined
    }
  } else {
    for (let l = t.levels - 1; l > 0; l--) {
      if (n === undefined) return undefined
      n = n.s[slotOf(key, l)] as Node<T> | undefined
    }
  }
  return n === undefined ? undefined : (n.s[key & MASK] as T | undefined)
}

/**
 * trieSet - @t with @key set to @value (undefined deletes), writing in epoch @epoch.
 * @returns the trie to use from now on: @t itself if it already belongs to @epoch.
 */
export function trieSet<T>(t: CowTrie<T>, epoch: number, key: number, value: T | undefined): CowTrie<T> {
  if (key < 0 || key >= 2 ** (t.levels * BITS) || !Number.isInteger(key)) {
    throw new RangeError(`trie key ${key} out of range`)
  }
  const out: { e: number; levels: number; size: number; root: Node<T> | undefined } =
    t.e === epoch ? (t as { e: number; levels: number; size: number; root: Node<T> | undefined }) : { ...t, e: epoch }
  let root = out.root
  if (root === undefined) {
    if (value === undefined) return out
    root = { e: epoch, n: 0, s: new Array(FANOUT) }
  } else if (root.e !== epoch) {
    root = { e: epoch, n: root.n, s: root.s.slice() }
  }
  out.root = root
  const path: Node<T>[] = []
  let n = root
  for (let l = t.levels - 1; l > 0; l--) {
    const i = slotOf(key, l)
    let c = n.s[i] as Node<T> | undefined
    if (c === undefined) {
      if (value === undefined) return out
      c = { e: epoch, n: 0, s: new Array(FANOUT) }
      n.s[i] = c
      n.n++
    } else if (c.e !== epoch) {
      c = { e: epoch, n: c.n, s: c.s.slice() }
      n.s[i] = c
    }
    path.push(n)
    n = c
  }
  const i = key & MASK
  const had = n.s[i] !== undefined
  n.s[i] = value
  if (had && value === undefined) {
    out.size--
    n.n--
    // prune nodes left empty, so a trie's memory follows its live keys, not its history
    for (let l = 1; n.n === 0 && l < t.levels; l++) {
      const parent = path[path.length - l]!
      parent.s[slotOf(key, l)] = undefined
      parent.n--
      n = parent
    }
    if (root.n === 0) out.root = undefined
  } else if (!had && value !== undefined) {
    out.size++
    n.n++
  }
  return out
}

/** trieForEach - call @fn for every (key, value) in ascending key order. */
export function trieForEach<T>(t: CowTrie<T>, fn: (key: number, value: T) => void): void {
  const walk = (n: Node<T> | undefined, level: number, base: number): void => {
    if (n === undefined) return
    const scale = 2 ** (level * BITS)
    for (let i = 0; i < FANOUT; i++) {
      const c = n.s[i]
      if (c === undefined) continue
      if (level === 0) fn(base + i, c as T)
      else walk(c as Node<T>, level - 1, base + i * scale)
    }
  }
  walk(t.root, t.levels - 1, 0)
}

/** trieFirstInRange - the smallest key in [lo, hi) present in @t, or -1 (walks only overlapping nodes). */
export function trieFirstInRange<T>(t: CowTrie<T>, lo: number, hi: number): number {
  const walk = (n: Node<T> | undefined, level: number, base: number): number => {
    if (n === undefined) return -1
    const scale = DIV[level]!
    const first = Math.max(0, Math.floor((lo - base) / scale))
    const last = Math.min(FANOUT - 1, Math.floor((hi - 1 - base) / scale))
    for (let i = first; i <= last; i++) {
      const c = n.s[i]
      if (c === undefined) continue
      if (level === 0) return base + i
      const k = walk(c as Node<T>, level - 1, base + i * scale)
      if (k >= 0) return k
    }
    return -1
  }
  return hi <= lo ? -1 : walk(t.root, t.levels - 1, 0)
}
