/**
 * The PC: guest RAM and firmware regions on a {@link PhysicalMemoryBus}, an {@link IoBus}, a
 * {@link VirtualClock}, a device set wired to the interrupt controllers, a CPU from a factory,
 * and a run loop that fires device timers between instruction batches and skips idle time
 * while the CPU halts with interrupts enabled.
 *
 * Composition is explicit: a {@link DeviceSet} function receives the {@link MachineContext}
 * (memory, I/O bus, clock, hooks) and maps whatever devices it wants; {@link pcDevices} is the
 * QEMU-compatible default. A CPU factory receives the same buses. So a team can build a
 * custom monitor from the same parts with other devices or another CPU engine.
 *
 * Determinism: in the clock's deterministic mode, time is a function of retired instructions,
 * timers fire at exact instruction boundaries (a batch never runs past the next deadline) and
 * idle skips jump to the next deadline; so the same image and inputs give the same instruction
 * count and output on every run.
 */
import {
  type CpuState, type InterruptSource, IoBus, PhysicalMemoryBus, Rflags, VirtualClock, ApiMisuseError, type LocalApicLink,
} from '@x86kit/core';
import { applyBootState, BootMode, type BootState } from './boot-state.js';
import { checkRamSize, PcLayout } from './layout.js';

/** What the machine needs from a CPU engine (the interpreter's `Cpu` fits; so can others). */
export interface MachineCpu {
  readonly state: CpuState;
  /**
   * Run at most `budget` instructions and return a status: 0 budget used, 1 halted, 2 triple
   * fault, 3 intercept, 4 stopped (the interpreter's `RunStatus`). Must not advance the clock
   * itself: the machine accounts retired instructions.
   */
  run(budget: number): number;
  /** Exact retired-instruction count. */
  readonly instret: number;
  /** Re-read the state after the machine edited {@link state} (boot, reset). */
  loadFromState(): void;
  /** Ask a running {@link run} to return at the next instruction boundary. */
  requestStop?(): void;
  /** Interrupt source the CPU takes INTR from (the machine sets it after building devices). */
  interrupts: InterruptSource;
  /** Counters for `--stats` (flat name → value). */
  countersSnapshot?(): Record<string, number>;
  /**
   * The local APIC behind IA32_APIC_BASE (and CR8) for engines that model it: the machine sets
   * it after building devices when the device set provides one ({@link DeviceSetResult.apic}).
   */
  apic?: LocalApicLink | null;
}

/** Buses and hooks handed to the CPU factory and the device set. */
export interface MachineContext {
  readonly memory: PhysicalMemoryBus;
  readonly io: IoBus;
  readonly clock: VirtualClock;
  /** Guest RAM size in bytes. */
  readonly ramSize: number;
  /** Stop the run with a host exit status (isa-debug-exit). */
  requestExit(status: number): void;
  /** A reset request from the guest (port 0x92, 0xCF9, i8042 0xFE, triple fault). */
  requestReset(reason: string): void;
  /** The guest powered the machine off (ACPI S5). */
  requestPowerOff(reason: string): void;
  /** Enable/disable the A20 gate. */
  setA20(enabled: boolean): void;
  /** Byte sink of the primary serial port (COM1). */
  readonly serialOut: (byte: number) => void;
}

/** What a device set returns: the interrupt source for the CPU, named devices and their counters. */
export interface DeviceSetResult {
  interrupts: InterruptSource;
  /** Devices by name, for embedders and tests. */
  devices: Record<string, unknown>;
  /** Counter snapshots for `--stats`. */
  counters: () => Record<string, number>;
  /** The boot CPU's local APIC, connected to the CPU's IA32_APIC_BASE MSR (and CR8). */
  apic?: LocalApicLink;
}

/** Builds and maps a machine's devices. */
export type DeviceSet = (ctx: MachineContext) => DeviceSetResult;

/** Creates the CPU on the machine's buses. */
export type CpuFactory = (env: { memory: PhysicalMemoryBus; io: IoBus; clock: VirtualClock }) => MachineCpu;

/** Options of {@link Machine}. */
export interface MachineOptions {
  /** Guest RAM in bytes (2 MiB .. 3 GiB, 4 KiB multiple). Allocated lazily. */
  ramSize: number;
  cpu: CpuFactory;
  devices: DeviceSet;
  /** Default: a deterministic clock at 1 ns per instruction. */
  clock?: VirtualClock;
  /** COM1 output (default: discarded). */
  serialOut?: (byte: number) => void;
  /** Map RAM at 0xC0000–0xFFFFF (direct boots keep ACPI tables there). Default true; `false` for firmware boots that map the BIOS there. */
  ramInBiosArea?: boolean;
  /** Largest instruction batch between device-timer checks (default 65536). */
  batch?: number;
  /**
   * What a guest reset does — a reset request (port 0x92 bit 0, 0xCF9, the i8042 0xFE pulse) or a
   * triple fault (a PC's chipset turns the shutdown cycle into a reset): `'stop'` (default) ends
   * {@link Machine.run} with {@link StopReason.Reset} / {@link StopReason.TripleFault}, like QEMU
   * with `-no-reboot`; `'restart'` resets the CPU and keeps running. See {@link Machine.restart}.
   */
  onReset?: ResetAction;
  /**
   * With `onReset: 'restart'` after a direct (non-firmware) boot: reload the guest into memory
   * and return its entry state. Without it the last boot state is re-applied to the CPU and memory
   * is left as the guest left it.
   */
  reload?: (machine: Machine) => BootState;
}

/** What a guest reset does (see {@link MachineOptions.onReset}). */
export type ResetAction = 'stop' | 'restart';

/** The power-on state: CS:IP = F000:FFF0, CS base 0xFFFF0000 (Intel SDM Vol. 3A table 10-1). */
const RESET_BOOT: BootState = { mode: BootMode.Reset, entry: 0xfff0, cs: 0xf000, ds: 0, gdt: null, regs: {}, notes: [] };

/** Why {@link Machine.run} returned. */
export const StopReason = {
  DebugExit: 'debug-exit',
  TripleFault: 'triple-fault',
  Reset: 'reset',
  /** The guest entered ACPI S5 (soft off). */
  PowerOff: 'poweroff',
  InstructionLimit: 'instruction-limit',
  Timeout: 'timeout',
  /** HLT with interrupts disabled (or enabled with no timer that could ever wake it). */
  HaltedForever: 'halted-forever',
  Intercept: 'intercept',
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

/** Limits of one {@link Machine.run}. */
export interface RunLimits {
  /** Stop after this many instructions (default: no limit). */
  maxInstructions?: number;
  /** Stop after this much host time in ms (default: no limit). */
  timeoutMs?: number;
  /** Called about every `progressEveryMs` host ms with the instruction count (TTY progress). */
  onProgress?: (instructions: number, hostMs: number) => void;
  progressEveryMs?: number;
  /** Host clock for timeouts/progress (default performance.now). */
  hostNowMs?: () => number;
}

/** The outcome of {@link Machine.run}. */
export interface RunResult {
  reason: StopReason;
  /** Host exit status requested by the guest (debug-exit), or null. */
  exitStatus: number | null;
  /** A human-readable detail (reset cause, ...). */
  detail: string;
  instructions: number;
  /** Virtual time at the end, in ns. */
  virtualNs: number;
  /** Virtual time skipped while halted, in ns. */
  idleSkippedNs: number;
  /** Halt-idle skips taken. */
  idleSkips: number;
  /** Guest resets handled by restarting (`onReset: 'restart'`) during this run. */
  resets: number;
  hostMs: number;
}

const RUN_BUDGET = 0, RUN_HALTED = 1, RUN_TRIPLE = 2, RUN_INTERCEPT = 3;

function hostNow(): number {
  return (globalThis as unknown as { performance: { now(): number } }).performance.now();
}

/** A PC built from a RAM size, a CPU factory and a device set. */
export class Machine implements MachineContext {
  readonly memory = new PhysicalMemoryBus();
  readonly io = new IoBus();
  readonly clock: VirtualClock;
  readonly ramSize: number;
  readonly cpu: MachineCpu;
  readonly devices: Record<string, unknown>;
  readonly serialOut: (byte: number) => void;
  private readonly deviceCounters: () => Record<string, number>;
  private readonly batch: number;
  private readonly onReset: ResetAction;
  private readonly reload: ((machine: Machine) => BootState) | null;
  private exitStatus: number | null = null;
  private resetReason: string | null = null;
  private powerOffReason: string | null = null;
  private stopPending = false;
  /** Last boot state applied (a guest reset re-enters firmware only for BIOS boots). */
  private boot: BootState | null = null;

  constructor(options: MachineOptions) {
    checkRamSize(options.ramSize);
    this.ramSize = options.ramSize;
    this.clock = options.clock ?? new VirtualClock({ mode: 'deterministic' });
    this.serialOut = options.serialOut ?? ((): void => {});
    this.batch = options.batch ?? 65536;
    if (!Number.isInteger(this.batch) || this.batch < 1) throw new ApiMisuseError('API_ARGUMENT', 'batch must be a positive integer');
    this.onReset = options.onReset ?? 'stop';
    if (this.onReset !== 'stop' && this.onReset !== 'restart') throw new ApiMisuseError('API_ARGUMENT', "onReset must be 'stop' or 'restart'");
    this.reload = options.reload ?? null;
    // RAM: conventional memory, the BIOS area (direct boots), and everything from 1 MiB.
    this.memory.mapRam(0, PcLayout.VGA_START);
    if (options.ramInBiosArea ?? true) this.memory.mapRam(PcLayout.BIOS_AREA, PcLayout.HIGH_RAM_START - PcLayout.BIOS_AREA);
    this.memory.mapRam(PcLayout.HIGH_RAM_START, this.ramSize - PcLayout.HIGH_RAM_START);
    this.cpu = options.cpu({ memory: this.memory, io: this.io, clock: this.clock });
    const set = options.devices(this);
    this.cpu.interrupts = set.interrupts;
    if (set.apic !== undefined) this.cpu.apic = set.apic;
    this.devices = set.devices;
    this.deviceCounters = set.counters;
  }

  // ---- MachineContext hooks -----------------------------------------------------------
  requestExit(status: number): void {
    if (this.exitStatus === null) this.exitStatus = status;
    this.stop();
  }
  requestReset(reason: string): void {
    if (this.resetReason === null) this.resetReason = reason;
    this.stop();
  }
  requestPowerOff(reason: string): void {
    if (this.powerOffReason === null) this.powerOffReason = reason;
    this.stop();
  }
  setA20(enabled: boolean): void {
    this.memory.setA20(enabled);
  }
  private stop(): void {
    this.stopPending = true;
    this.cpu.requestStop?.();
  }

  /** Put the CPU at a loader's entry state. */
  start(boot: BootState): void {
    this.boot = boot;
    applyBootState(this.cpu.state, boot);
    this.cpu.loadFromState();
  }

  /**
   * Reset the CPU as a guest reset does with `onReset: 'restart'`: a firmware boot (or a machine
   * never started) restarts at F000:FFF0 with the ROM still mapped; a direct boot re-enters the
   * kernel at its loader's entry state, reloaded by {@link MachineOptions.reload} when given. Only
   * the CPU is reset: devices keep their state (no device reset line is modelled) and RAM keeps
   * its contents, as on a PC's warm reset.
   */
  restart(): void {
    this.resetReason = null;
    const boot = this.boot ?? RESET_BOOT;
    const next = boot.mode !== BootMode.Reset && this.reload !== null ? this.reload(this) : boot;
    applyBootState(this.cpu.state, next);
    this.cpu.loadFromState();
  }

  /** The last boot state given to {@link start}. */
  get bootState(): BootState | null {
    return this.boot;
  }

  /**
   * Run until the guest exits, resets, triple-faults or halts for good, or a limit is hit.
   * Device timers fire between batches; a halted CPU with IF = 1 skips to the next deadline.
   */
  run(limits: RunLimits = {}): RunResult {
    const now = limits.hostNowMs ?? hostNow;
    const t0 = now();
    const maxInsns = limits.maxInstructions ?? Infinity;
    const timeout = limits.timeoutMs ?? Infinity;
    const progressEvery = limits.progressEveryMs ?? 500;
    let nextProgress = t0 + progressEvery;
    const clock = this.clock;
    const cpu = this.cpu;
    const startInsns = cpu.instret;
    let lastInsns = cpu.instret;
    let idleSkippedNs = 0;
    let idleSkips = 0;
    let resets = 0;
    let reason: StopReason | null = null;
    let detail = '';
    const nsPerInsn = clock.nsPerInstruction;
    const deterministic = clock.mode === 'deterministic';
    this.stopPending = false;

    while (reason === null) {
      const done = cpu.instret - startInsns;
      if (done >= maxInsns) { reason = StopReason.InstructionLimit; detail = `stopped after ${done} instructions (--max-instructions)`; break; }
      let budget = Math.min(this.batch, maxInsns - done);
      if (deterministic) {
        const wait = clock.nextDeadline() - clock.now();
        if (wait < Infinity) budget = Math.max(1, Math.min(budget, Math.ceil(wait / nsPerInsn)));
      }
      const status = cpu.run(budget);
      const retired = cpu.instret - lastInsns;
      lastInsns = cpu.instret;
      clock.advanceInstructions(retired);
      clock.runDue();
      if (this.exitStatus !== null) { reason = StopReason.DebugExit; detail = `guest wrote to isa-debug-exit: status ${this.exitStatus}`; break; }
      if (this.powerOffReason !== null) { reason = StopReason.PowerOff; detail = `guest powered off (${this.powerOffReason})`; break; }
      let restarted = false;
      if (this.resetReason !== null || status === RUN_TRIPLE) {
        if (this.onReset === 'restart') {
          this.restart();
          resets++;
          restarted = true;
        } else {
          if (this.resetReason !== null) { reason = StopReason.Reset; detail = `guest requested a reset (${this.resetReason})`; break; }
          reason = StopReason.TripleFault;
          detail = `triple fault at ${hex(cpu.state.segSel[1])}:${hex(cpu.state.rip[0] >>> 0)}`;
          break;
        }
      }
      if (restarted) {
        // the CPU starts afresh: nothing of the old status applies
      } else if (status === RUN_INTERCEPT) {
        reason = StopReason.Intercept;
        detail = 'an intercept fired (no monitor is attached)';
        break;
      } else if (status === RUN_HALTED) {
        if ((cpu.state.rflags & Rflags.IF) === 0) {
          reason = StopReason.HaltedForever;
          detail = `HLT with interrupts disabled at ${hex(cpu.state.segSel[1])}:${hex(cpu.state.rip[0] >>> 0)}`;
          break;
        }
        if (!cpu.interrupts.hasInterrupt()) {
          const deadline = clock.nextDeadline();
          if (deadline === Infinity) {
            reason = StopReason.HaltedForever;
            detail = 'HLT with interrupts enabled but no armed timer or pending input can ever wake the CPU';
            break;
          }
          const before = clock.now();
          if (deadline > before) {
            clock.advanceTo(deadline);
            idleSkippedNs += deadline - before;
            idleSkips++;
          }
          clock.runDue();
        }
      } else if (status !== RUN_BUDGET && !this.stopPending) {
        // RUN_STOPPED without a reason of ours: an embedder's requestStop; report as a limit.
        reason = StopReason.Intercept;
        detail = 'the CPU was stopped';
        break;
      }
      this.stopPending = false;
      if (timeout !== Infinity || limits.onProgress !== undefined) {
        const t = now();
        if (t - t0 >= timeout) { reason = StopReason.Timeout; detail = `timed out after ${(timeout / 1000).toFixed(1)} s`; break; }
        if (limits.onProgress !== undefined && t >= nextProgress) { limits.onProgress(cpu.instret - startInsns, t - t0); nextProgress = t + progressEvery; }
      }
    }
    return {
      reason, exitStatus: this.exitStatus, detail,
      instructions: cpu.instret - startInsns, virtualNs: clock.now(), idleSkippedNs, idleSkips, resets, hostMs: now() - t0,
    };
  }

  /** Counters of every component: `cpu.*`, `io.*`, `mem.*` and the device set's. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    const cpu = this.cpu.countersSnapshot?.() ?? {};
    for (const [k, v] of Object.entries(cpu)) out[`cpu.${k}`] = v;
    const mem = this.memory.counters;
    out['mem.mmioReads'] = mem[0];
    out['mem.mmioWrites'] = mem[1];
    out['mem.romWritesIgnored'] = mem[2];
    out['mem.unmappedReads'] = mem[3];
    out['mem.unmappedWrites'] = mem[4];
    out['mem.allocatedBytes'] = this.memory.allocatedBytes;
    for (const [k, v] of Object.entries(this.deviceCounters())) out[k] = v;
    return out;
  }
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}
