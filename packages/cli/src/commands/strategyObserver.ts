import type { PageObserver } from '@mmsim/kernel'
import { loadStrategies, observePage, StrategyLoadError, type AnyStrategy } from '@mmsim/strategies'
import { UserError } from '../userError.ts'

/**
 * strategyObserver - the simulated kernel's observer for `mmsim observe --strategy @spec`: one mapcount
 * scheme (an id, or a ./plugin.js relative to @cwd) fed every event, answering what /proc/kpagecount and pagemap bit 56 would show under it.
 */
export async function strategyObserver(spec: string, cwd = process.cwd()): Promise<PageObserver> {
  let list: AnyStrategy[]
  try {
    list = await loadStrategies(spec, cwd)
  } catch (e) {
    if (e instanceof StrategyLoadError) throw new UserError(e.message)
    throw e
  }
  const st = list[0]
  if (list.length !== 1 || st === undefined) throw new UserError(`--strategy: observe takes exactly one scheme, got '${spec}'`)
  const s = st.init()
  return {
    detail: `${st.id} (mapcount scheme on the simulated linux-6.18 events)`,
    onEvent(e, truth) {
      if (st.handles.has(e.type)) st.apply(s, e, truth)
    },
    page(pfn, level) {
      const v = observePage(st, s, pfn, level)
      // smaps' private/shared: the page's mapcount where the scheme tracks one (CONFIG_PAGE_MAPCOUNT), else
      // !folio_maybe_mapped_shared() — the scheme's folio-wide pagemap bit 56 (CONFIG_NO_PAGE_MAPCOUNT)
      const pm = st.pageMapcount(s, pfn)
      return { ...v, smapsPrivate: pm === null ? v.exclusive : pm < 2 }
    },
  }
}
