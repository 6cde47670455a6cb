import { describe, expect, it } from 'vitest'
import { runFuzz } from '../../../tools/fuzz/fuzz.ts'

describe('fuzz (fixed seed, short)', () => {
  it('damaged traces never crash, hang, apply an event outside its schema or contaminate a later read', async () => {
    const r = await runFuzz({ seed: 15, traces: 1500, jsonl: 0, scenarios: 0, budgetMs: 5000, replay: true })
    expect(r.findings.map((f) => `${f.kind} ${f.mutator}: ${f.message.split('\n')[0]}`)).toEqual([])
    expect(r.outcomes.damage! + r.outcomes.userError!).toBeGreaterThan(0)
  })
})
