import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { inCwd, type CliIo } from './cliIo.ts'
import { UserError } from './userError.ts'

/**
 * OutputFile - where a command writes output @arg: @path is a temporary file that becomes @arg only at
 * {@link commit} (renamed into place, so a killed or failed run never leaves half a file or destroys the
 * previous one), or is copied to @stdout for `-`. @discard removes the temporary file.
 */
export interface OutputFile {
  path: string
  commit(): Promise<void>
  discard(): void
}

/**
 * outputFile - the {@link OutputFile} for @arg (relative to @io.cwd; `-`: @io.stdout); @inputs are the
 * command's input files (relative to @io.cwd too), which it refuses to overwrite (`record x.scenario -o x.scenario`).
 */
export function outputFile(arg: string, io: Pick<CliIo, 'stdout' | 'cwd'>, inputs: readonly string[] = []): OutputFile {
  const stdout = io.stdout
  if (arg === '-') {
    const dir = mkdtempSync(join(tmpdir(), 'mmsim-out-'))
    const path = join(dir, 'stdout')
    closeSync(openSync(path, 'w'))
    return {
      path,
      commit: async () => {
        try {
          // a stream (the process's stdout) with back-pressure; an in-process buffer at once
          if (stdout instanceof Writable) await pipeline(createReadStream(path), stdout, { end: false })
          else stdout.write(readFileSync(path))
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      },
      discard: () => rmSync(dir, { recursive: true, force: true }),
    }
  }
  const target = inCwd(io, arg)
  for (const i of inputs) if (i !== '-' && sameFile(inCwd(io, i), target)) throw new UserError(`${arg}: refusing to overwrite the input ${i}`)
  const path = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`)
  try {
    closeSync(openSync(path, 'w'))
  } catch (e) {
    throw new UserError(`cannot write ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  return {
    path,
    commit: async () => {
      try {
        renameSync(path, target)
      } catch (e) {
        rmSync(path, { force: true })
        throw new UserError(`cannot write ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      }
    },
    discard: () => rmSync(path, { force: true }),
  }
}

function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true
  try {
    const x = statSync(a)
    const y = statSync(b)
    return x.dev === y.dev && x.ino === y.ino
  } catch {
    return false
  }
}
