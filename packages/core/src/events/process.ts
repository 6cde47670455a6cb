import type { EventBase, Pid } from './common.ts'

/**
 * ProcessCreated - a new, empty address space @pid exists.
 * Precondition: no live process @pid.
 * @see mm_alloc(), bprm_mm_init() — kernel/fork.c, fs/exec.c
 */
export interface ProcessCreated extends EventBase {
  readonly type: 'process/created'
  readonly pid: Pid
}

/**
 * ProcessForked - @child is a copy of @pid's VMAs (all but VM_DONTCOPY ones) with empty page tables.
 * The entries fork copies follow as `rmap/*Duplicated`, `hugetlb/anonDuplicated` and `zeropage/mapped` events.
 * Precondition: @pid is live, @child is not.
 * @see dup_mm(), dup_mmap() — kernel/fork.c, mm/mmap.c
 */
export interface ProcessForked extends EventBase {
  readonly type: 'process/forked'
  readonly pid: Pid
  readonly child: Pid
}

/**
 * ProcessExited - @pid's address space is torn down.
 * Precondition: @pid is live and maps nothing any more (exit_mmap's zaps come before, as `rmap/removed`).
 * @see exit_mmap() — mm/mmap.c
 */
export interface ProcessExited extends EventBase {
  readonly type: 'process/exited'
  readonly pid: Pid
}

export type ProcessEvent = ProcessCreated | ProcessForked | ProcessExited
