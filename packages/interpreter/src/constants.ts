/**
 * Numeric vocabulary of the interpreter: run-loop status codes, instruction classes (for
 * counters and intercepts) and lazy-flag operation kinds.
 */

/** What {@link Cpu.run} returns. Plain numbers: no allocation per call. */
export const RunStatus = {
  /** The instruction budget was used up. */
  BudgetExhausted: 0,
  /** The CPU executed HLT (or is halted) and no interrupt can wake it now. */
  Halted: 1,
  /** A triple fault: the processor entered shutdown (a PC resets the machine). */
  TripleFault: 2,
  /** An intercept fired before an instruction or event was carried out; see {@link Cpu.exit}. */
  Intercept: 3,
  /** The embedder asked the loop to stop ({@link Cpu.requestStop}). */
  Stopped: 4,
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/**
 * Instruction classes: the sensitive and privileged groups a monitor cares about (Adams &
 * Agesen's trap sources), plus `Other`. Counted per retired instruction; each class can be
 * intercepted ({@link Cpu.interceptClasses} is a bit mask of `1 << class`).
 */
export const InsnClass = {
  Other: 0, Io: 1, StringIo: 2, Cpuid: 3, Hlt: 4, IntN: 5, Iret: 6, MovCr: 7, MovDr: 8,
  Rdmsr: 9, Wrmsr: 10, Rdtsc: 11, Invlpg: 12, PushfPopf: 13, CliSti: 14, DescTable: 15,
  SegLoad: 16, FarTransfer: 17, Sysenter: 18, Lmsw: 19, Clts: 20, Invd: 21, Unimplemented: 22,
} as const;
export type InsnClass = (typeof InsnClass)[keyof typeof InsnClass];
/** Names of {@link InsnClass} values, indexed by class. */
export const INSN_CLASS_NAMES = [
  'other', 'io', 'string-io', 'cpuid', 'hlt', 'int-n', 'iret', 'mov-cr', 'mov-dr', 'rdmsr', 'wrmsr',
  'rdtsc', 'invlpg', 'pushf-popf', 'cli-sti', 'desc-table', 'seg-load', 'far-transfer', 'sysenter',
  'lmsw', 'clts', 'invd', 'unimplemented',
] as const;
export const INSN_CLASS_COUNT = INSN_CLASS_NAMES.length;

/** Kinds of intercept exits reported in {@link Cpu.exit}. */
export const ExitKind = {
  None: 0, Instruction: 1, Exception: 2, IoPort: 3, Msr: 4,
  /** An instruction whose `@x86kit/decoder` virtualization class matched {@link Cpu.interceptVirtClasses}. */
  VirtClass: 5,
} as const;
export type ExitKind = (typeof ExitKind)[keyof typeof ExitKind];

/** Lazy flag producers: which formula derives CF/OF/AF from the stored operands. */
export const LazyOp = { Add: 0, Sub: 1, Logic: 2 } as const;
export type LazyOp = (typeof LazyOp)[keyof typeof LazyOp];
