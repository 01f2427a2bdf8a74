/**
 * The stepping interface every lockstep engine implements: our interpreter today, QEMU through
 * its gdbstub as the reference no one here wrote, and later the translator and the
 * hardware-assisted monitor. Methods are async because some engines live in another process.
 */
import type { CpuSnapshot } from '@x86kit/core';

/** A guest as loaded into an engine: physical memory regions and the initial CPU state. */
export interface LockstepGuest {
  name: string;
  /** Bytes to place in guest-physical memory before the first step. */
  regions: readonly { addr: number; bytes: Uint8Array }[];
  /** The CPU state at the first instruction. */
  initial: CpuSnapshot;
  /** Guest RAM size in bytes (engines round up to what they support). */
  memSize: number;
  /**
   * Boot a multiboot kernel instead (engines that support it: `machine`, `qemu`): each engine
   * loads it with its own loader and stops at the kernel entry; `regions`/`initial` are unused.
   */
  kernel?: { path: string; cmdline: string };
}

/**
 * Groups of architectural state an engine can observe. Lockstep compares only the groups both
 * engines observe (QEMU's gdbstub, for one, does not expose hidden segment state).
 */
export const StateGroup = {
  /** The general registers, RIP and RFLAGS. */
  Gpr: 'gpr', Rip: 'rip', Rflags: 'rflags',
  /** Selectors of ES, CS, SS, DS, FS, GS. */
  Sel: 'sel',
  /** Hidden segment state (base, limit, attributes), LDTR and TR, GDTR, IDTR. */
  Hidden: 'hidden',
  /** CR0, CR2, CR3, CR4, EFER. */
  Control: 'control',
  /** Debug registers, CR8, XCR0. */
  Other: 'other',
  Halted: 'halted',
} as const;
export type StateGroup = (typeof StateGroup)[keyof typeof StateGroup];

/** Every group. */
export const ALL_GROUPS: readonly StateGroup[] = Object.values(StateGroup);

/** One engine behind the lockstep driver. */
export interface Engine {
  /** A short name for reports (`interpreter`, `qemu`, ...). */
  readonly name: string;
  /** State groups {@link state} reports faithfully. */
  readonly observes: readonly StateGroup[];
  /** Reset the engine and load a guest. */
  load(guest: LockstepGuest): Promise<void>;
  /**
   * Execute up to `n` instructions; resolves to how many retired. Fewer than `n` means the
   * engine stopped (HLT with interrupts off, shutdown, an engine-level error).
   */
  step(n: number): Promise<number>;
  /** The architectural state now. */
  state(): Promise<CpuSnapshot>;
  /** Overwrite the architectural state (used by fault injection and by rollback). */
  setState(s: CpuSnapshot): Promise<void>;
  /** Read guest memory at a linear address (for disassembly and memory diffs). */
  readLinear(addr: number, len: number): Promise<Uint8Array>;
  /** Optional: write guest memory (used to align two boot loaders' data before a kernel run). */
  writeLinear?(addr: number, bytes: Uint8Array): Promise<void>;
  /**
   * Optional: true once the guest left through isa-debug-exit. The final state of such an
   * engine may not be observable (QEMU exits), so the last step is not compared.
   */
  exited?(): boolean;
  /** Optional: the guest's serial output so far (COM1). */
  serialOutput?(): string;
  /**
   * Optional: save everything (CPU and memory) so a block-mode run can go back and find the
   * exact diverging instruction inside a block.
   */
  checkpoint?(): Promise<unknown>;
  rollback?(token: unknown): Promise<void>;
  /** Release processes and sockets. */
  close(): Promise<void>;
}
