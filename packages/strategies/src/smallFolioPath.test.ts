import { applyEvent, emptyState, trieForEach, Txn, type MmEvent } from '@mmsim/core'
import { describe, expect, test } from 'vitest'
import { LINUX_615 } from './linux-6.15/linux615.ts'
import { PageMapcountScheme } from './pageMapcountScheme.ts'
import { PROPOSALS, STRATEGIES } from './registry.ts'
import { DIGEST_STREAMS } from './schemeDigest.testkit.ts'
import type { SchemeState } from './schemeState.ts'
import type { AnyStrategy } from './strategy.ts'

/*
 * SchemeBase's order-0 fast path (applySmall) applies the common one-PTE rmap rules without the folio
 * cursor. With it on and off, every answer and every cost column (rmapCalls and folioLookups included)
 * must be the same.
 */

/** run - @events through the ground truth and @st (fast path @fast); every page answer and the whole cost table */
function run(st: AnyStrategy, events: readonly MmEvent[], fast: boolean): unknown[] {
  const s = st.init() as SchemeState
  if (!fast) {
    s.smallRules = false
    s.smallFree = false
  }
  const tx = new Txn(emptyState())
  for (const e of events) {
    const before = tx.violationTotal
    applyEvent(tx, e)
    if (tx.violationTotal === before && st.handles.has(e.type)) st.apply(s, e, tx)
  }
  const out: unknown[] = []
  trieForEach(tx.commit().folios, (k, f) => {
    out.push(k, st.folioMapcount(s, k), st.nrPagesMapped(s, k), st.mappedShared(s, k), st.checkInvariants?.(s, k) ?? [])
    for (let i = 0; i < Math.min(2 ** f.order, 64); i++) out.push(st.pageMapcount(s, k + i), st.anonExclusive(s, k + i), st.kpagecount(s, k + i))
  })
  out.push([...st.costs(s)], st.freeViolations(s))
  return out
}

describe('order-0 fast path', () => {
  test('the Linux schemes take it (rmap calls and clean frees); a scheme overriding an rmap call, and the proposals with their own, do not', () => {
    expect(STRATEGIES.map((st) => (st.init() as SchemeState).smallRules)).toEqual(STRATEGIES.map(() => true))
    expect(STRATEGIES.map((st) => (st.init() as SchemeState).smallFree)).toEqual(STRATEGIES.map(() => true))
    class Odd extends PageMapcountScheme {
      constructor() {
        super(LINUX_615)
      }
      protected override remove(...a: Parameters<PageMapcountScheme['remove']>): void {
        super.remove(...a)
      }
      protected override freeCheckOf(f: Parameters<PageMapcountScheme['freeCheckOf']>[0]): string | null {
        return super.freeCheckOf(f)
      }
    }
    expect([new Odd().init().smallRules, new Odd().init().smallFree]).toEqual([false, false])
    const own = PROPOSALS.filter((st) => st.id === 'willy-vma-pt' || st.id === 'total-mapped-pages')
    expect(own.map((st) => (st.init() as SchemeState).smallRules)).toEqual([false, false])
  })

  for (const d of DIGEST_STREAMS) {
    test(`${d.name}: the same answers and costs with and without it`, () => {
      const ev = d.events()
      for (const st of [...STRATEGIES, ...PROPOSALS]) expect(run(st, ev, true), st.id).toEqual(run(st, ev, false))
    })
  }
})
