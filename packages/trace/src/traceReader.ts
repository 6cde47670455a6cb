import { Observable } from 'rxjs'
import { readTraceSync, type SyncReadOptions, type TraceItem } from './readTraceSync.ts'

export type { TraceItem } from './readTraceSync.ts'

/** frames emitted before readTrace() lets the event loop run (timers, I/O, signals) */
const SLICE_MS = 20

/**
 * traceItems - read @file frame by frame: the header, every readable frame, every damage found, then an end
 * record; {@link readTraceSync} behind an async iterator (the reads themselves are synchronous chunk reads).
 * Throws a TraceError (one line) when the file is not a trace or its header is unusable; damage after the
 * header is yielded, not thrown. Frames stay valid after the next item is read, unless @opts.reuseBuffers.
 */
export async function* traceItems(file: string, opts: SyncReadOptions = {}): AsyncGenerator<TraceItem> {
  yield* readTraceSync(file, opts)
}

/**
 * readTrace - @file as an rxjs stream of {@link TraceItem}s, one frame at a time, read by
 * {@link readTraceSync}. Emission starts asynchronously after subscribe() and hands the event loop back
 * every ~20 ms; unsubscribing (take, takeWhile, ...) stops the reading and closes the file. A header
 * error arrives as the stream's error. With @opts.reuseBuffers a frame is valid only while its item is being
 * handled (synchronous operators such as reduce/scan/takeWhile are fine; buffering operators are not).
 */
export function readTrace(file: string, opts: SyncReadOptions = {}): Observable<TraceItem> {
  return new Observable<TraceItem>((sub) => {
    let it: Generator<TraceItem, void, undefined> | null = null
    let timer: NodeJS.Immediate | null = null
    const run = (): void => {
      timer = null
      try {
        it ??= readTraceSync(file, opts)
        const until = performance.now() + SLICE_MS
        while (!sub.closed) {
          const r = it.next()
          if (r.done === true) return sub.complete()
          sub.next(r.value)
          if (r.value.kind === 'frame' && performance.now() > until) {
            timer = setImmediate(run)
            return
          }
        }
      } catch (e) {
        sub.error(e)
      }
    }
    timer = setImmediate(run)
    return () => {
      if (timer !== null) clearImmediate(timer)
      it?.return()
    }
  })
}
