/**
 * The x86 CPU: register file (core's {@link CpuState}), lazy flags, segmentation, the memory
 * access layer, exception/interrupt delivery and the run loop. Instruction semantics live in
 * `exec.ts` (handlers by opcode) and `alu.ts` (plain helpers shared with a translator);
 * protected-mode descriptor work lives in `system.ts`.
 *
 * Guest faults are values: a helper calls {@link Cpu.raise}, which records the vector and
 * error code and sets {@link Cpu.fault}; handlers return early when it is set, and the loop
 * rewinds EIP to the faulting instruction and delivers the exception (Intel SDM Vol. 3A ch. 6).
 */
import {
  CpuState, Cr0, Exc, Rflags, Seg, SegAttr, type GuestMemory, IoBus, type InterruptSource, VirtualClock,
  combineExceptions, DeliveryOutcome, hasErrorCode, withinLimit, attrIsExpandDown, attrIsReadable, attrIsWritable,
  exceptionKind, ExcKind, Msr, PhysicalMemoryBus, type CodeWriteObserver, codeLineMask, type LocalApicLink,
} from '@x86kit/core';
import { LazyFlags } from './flags.js';
import { RunStatus, InsnClass, INSN_CLASS_COUNT, ExitKind } from './constants.js';
import { pickHandler } from './exec.js';
import { FastOp, addRR, subRR, logicSet, jump, callRel, retNear, ea } from './handlers.js';
import { alu, inc, dec, shift } from './alu.js';
import { deliverProtected, type EventKind, EventType, loadSegRealOrV86 } from './system.js';
import { AccessChecks, accessCheckMode, checkedAccess, debugTrap } from './access-checks.js';
import { type CpuProfile, CPU_PROFILES } from './profiles.js';
import { Mmu, Access } from '@x86kit/mmu';
import { Fpu } from './fpu.js';
import { simdSnapshot, simdRestore, type SimdSnapshot } from './fxsave.js';
import { Code, Decoder, Instruction } from '@x86kit/decoder';
import { CodePage, DecodedInsn, DecoderError, FetchWindow, fillRecord } from './decode-cache.js';

/** Construction options of {@link Cpu}. */
export interface CpuOptions {
  /** Physical memory. A `PhysicalMemoryBus` enables the direct RAM fast path. */
  memory: GuestMemory;
  /** Port I/O bus (default: a private empty bus, reads all-ones). */
  io?: IoBus;
  /** The INTR source (usually the PIC or APIC); default: never interrupts. */
  interrupts?: InterruptSource;
  /** Virtual clock for RDTSC; default: a private deterministic clock. */
  clock?: VirtualClock;
  /** CPUID profile name or object (default `'p6'`). */
  profile?: string | CpuProfile;
  /** Use an existing state object (default: a fresh one at RESET). */
  state?: CpuState;
  /**
   * The paging unit (`@x86kit/mmu`); default: a private `Mmu` on `memory`. Pass one to share
   * it with a monitor or to give it a nested (second-stage) translator.
   */
  mmu?: Mmu;
  /** Advance `clock` by the instructions this CPU retires (default true). */
  driveClock?: boolean;
  /** The local APIC behind RDMSR/WRMSR IA32_APIC_BASE (see {@link Cpu.apic}). */
  apic?: LocalApicLink;
  /**
   * Most decoded code pages (4 KiB physical page × code size) kept at once (default
   * {@link DEFAULT_MAX_CODE_PAGES}, minimum 1). When a new page would exceed it, every decoded page
   * is dropped and recycled (see {@link CpuCounters.codeCacheFlushes}).
   */
  maxCodePages?: number;
}

/**
 * Default bound of the decode cache: 2048 pages = 8 MiB of distinct code per code size, more
 * than a Linux kernel touches while booting; about 8 KiB of slot table plus the records per page.
 */
export const DEFAULT_MAX_CODE_PAGES = 2048;

const NO_INTERRUPTS: InterruptSource = { hasInterrupt: () => false, acknowledge: () => 0 };
interface RamPageSource { ramPage(pa: number): Uint8Array | null; a20Mask: number }

const TLB_BITS = 10;
const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
const EMPTY_PAGE = new Uint8Array(4096);
const NO_CODE = new CodePage(-1, false, EMPTY_PAGE);
NO_CODE.valid = false;

/** Intercept exit details (filled when {@link Cpu.run} returns {@link RunStatus.Intercept}). */
export class ExitInfo {
  kind: number = ExitKind.None;
  /** {@link InsnClass} for instruction exits, vector for exceptions, port for I/O, MSR number for MSRs. */
  code = 0;
  /** Error code (exceptions; −1 = none), access size (I/O), 1 = write (MSR). info2: EIP the event would return to (exceptions), 1 = write (I/O). */
  info1 = 0;
  info2 = 0;
  /** Opcode (0x000–0x1ff, 0x1xx = 0F map) of the intercepted instruction. */
  opcode = 0;
}

/** Counters kept by the CPU (public API; plain typed arrays, indexed by the named constants). */
export class CpuCounters {
  /** Retired instructions by {@link InsnClass} (`Other` is derived: see {@link Cpu.countersSnapshot}). */
  readonly byClass = new Float64Array(INSN_CLASS_COUNT);
  /** Exceptions delivered, by vector (0–31); software INT n are counted in `softwareInterrupts`. */
  readonly exceptions = new Float64Array(32);
  externalInterrupts = 0;
  softwareInterrupts = 0;
  ioReads = 0;
  ioWrites = 0;
  /** Opcodes that raised #UD because they are not implemented (0x000–0x1ff). */
  readonly unimplemented = new Float64Array(512);
  intercepts = 0;
  tripleFaults = 0;
  /** Decoded code pages dropped because the cache reached `maxCodePages` (not counting SMC invalidations). */
  codePageEvictions = 0;
  /** Times the decode cache was emptied because it reached `maxCodePages`. */
  codeCacheFlushes = 0;
  /** REP MOVS/STOS iterations done as block copies/fills by the run loop's fast path. */
  repFastIterations = 0;
}

let repFastPath = true;

/**
 * Iterations of a REP string operand at offset `x` (page offset `off`, segment limit `lim`
 * already capped to the address size) that stay inside its page and segment without wrapping:
 * upwards the elements `x, x+size, …`; downwards (DF = 1) `x, x−size, …` down to offset 0.
 */
function repRoom(x: number, off: number, lim: number, size: number, down: boolean): number {
  if (!down) return Math.floor(Math.min(lim + 1 - x, 4096 - off) / size);
  if (x + size - 1 > lim || off + size > 4096) return 0;
  return Math.floor(Math.min(x, off) / size) + 1;
}
/** Test/bench hook: let the run loop chunk REP MOVS/STOS (true, default) or run every iteration alone. */
export function setRepFastPath(on: boolean): void { repFastPath = on; }

/** An x86 CPU (i686 integer core; see the README for what is modelled). */
export class Cpu extends LazyFlags implements CodeWriteObserver {
  readonly state: CpuState;
  readonly r: Int32Array;
  readonly mem: GuestMemory;
  readonly io: IoBus;
  interrupts: InterruptSource;
  readonly clock: VirtualClock;
  profile: CpuProfile;
  /** The paging unit: every linear→physical translation goes through it once CR0.PG = 1. */
  readonly mmu: Mmu;
  private readonly ram: RamPageSource | null;
  private readonly driveClock: boolean;

  // ---- per-instruction decode state ---------------------------------------------------
  /** EIP of the next byte to fetch. */
  eip = 0;
  /** EIP of the current instruction's first byte (prefixes included). */
  startEip = 0;
  opcode = 0;
  /** Operand size of the current instruction in bytes (2 or 4). */
  os = 2;
  /** Address size of the current instruction in bytes (2 or 4). */
  as = 2;
  /** Segment override (0–5) or −1. */
  segOvr = -1;
  /** 0, 0xF2 or 0xF3. */
  rep = 0;
  lock = false;
  mod = 0;
  reg = 0;
  rm = 0;
  /** Effective segment and offset of a memory operand (valid when mod ≠ 3, after {@link modrm}). */
  eaSeg = 0;
  eaOff = 0;
  /** First and second immediate of the current instruction (see {@link DecodedInsn.imm}). */
  imm = 0;
  imm2 = 0;
  /** The decoded record being executed. */
  cur: DecodedInsn = new DecodedInsn();

  // ---- mode caches (recomputed by updateMode) -----------------------------------------
  /** CR0.PE. */
  pe = false;
  /** EFLAGS.VM (virtual-8086 mode). */
  vm = false;
  cpl = 0;
  /** CS.D: default operand/address size 32. */
  code32 = false;
  /** SS.B: stack uses ESP. */
  stack32 = false;
  /** CS base and limit, cached for instruction fetch (refreshed by {@link updateMode}). */
  csBase = 0;
  csLimit = 0xffff;
  /** Per segment: 1 when a plain limit check is enough for reads / writes (fast path). */
  readonly segFastR = new Uint8Array(6);
  readonly segFastW = new Uint8Array(6);
  /**
   * Alignment checking and data/I-O breakpoints (access-checks.ts): while `checks.mode` ≠ 0 the
   * segment fast paths are off and {@link segAddr}'s slow path checks every data access.
   */
  readonly checks = new AccessChecks();

  // ---- faults, events -----------------------------------------------------------------
  /** Set when the current instruction raised an exception (see {@link raise}). */
  fault = false;
  excVector = -1;
  excCode = -1;
  /** Set around descriptor-table/TSS/IDT accesses: paging checks use supervisor rights. */
  implicitSupervisor = false;
  /** Interrupts are inhibited before the next instruction (after MOV SS / POP SS / STI). */
  shadow = false;
  /** NMI latched by {@link raiseNmi}. */
  nmiPending = false;
  /** NMIs are blocked from the delivery of an NMI until the next IRET (Intel SDM Vol. 3A, 6.7.1). */
  nmiBlocked = false;
  private stopRequested = false;
  private tfTrap = false;
  /** Intercepts (zero = none: costs nothing). Bit `1 << InsnClass`. */
  interceptClasses = 0;
  /** Exception vectors (bit `1 << vector`) that exit instead of being delivered. */
  interceptExceptions = 0;
  /** I/O ports that exit (bitmap of 65536 bits), null = none. */
  interceptPorts: Uint8Array | null = null;
  /** MSRs that exit, null = none. */
  interceptMsrs: Set<number> | null = null;
  /**
   * Exit before any instruction whose virtualization class (`@x86kit/decoder`'s `VirtClass`
   * bits, e.g. `SENSITIVE | PRIV | IOPL`) intersects this mask; 0 = off (costs one test per
   * instruction). The decoder is the source of truth for what is sensitive: a software VMM uses
   * this to catch Robin & Irvine's sensitive-but-unprivileged instructions that real x86 does
   * not trap. The exit reports `code` = the class bits and `opcode` = the decoder's `Code`.
   */
  interceptVirtClasses = 0;
  /** Set by a monitor to execute the instruction that just caused a `VirtClass` exit natively once. */
  skipVirtIntercept = false;
  readonly exit = new ExitInfo();
  /**
   * The local APIC (core's `LocalApicLink`, e.g. `@x86kit/devices`' `LocalApic`): RDMSR/WRMSR
   * IA32_APIC_BASE (0x1B) go to it (a write with a reserved bit set, or x2APIC's EXTD, is #GP).
   * null (default): the MSR is plain storage reading 0xFEE00900 until written. May be set after
   * construction (a machine creates its devices after the CPU).
   */
  apic: LocalApicLink | null = null;

  // ---- counters, MSRs -------------------------------------------------------------------
  /** The x87 unit (double-precision registers; see fpu.ts). */
  readonly fpu = new Fpu();
  /** Exact number of retired instructions. */
  instret = 0;
  readonly counters = new CpuCounters();
  /** SYSENTER MSRs, TSC offset, APIC base, misc. MSR storage (number → uint32 pair). */
  readonly msrs = new Map<number, [number, number]>();
  /** TSC ticks per virtual nanosecond. */
  tscPerNs = 1;
  tscOffset = 0;
  /** `instret` value already accounted to the clock. */
  private clockSynced = 0;
  /** Set by a REP iteration that rewinds EIP: the instruction has not retired yet. */
  repeat = false;

  // ---- linear-address fast path -------------------------------------------------------
  private readonly tlbRTag = new Int32Array(TLB_SIZE).fill(-1);
  private readonly tlbWTag = new Int32Array(TLB_SIZE).fill(-1);
  private readonly tlbRPage: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(EMPTY_PAGE);
  private readonly tlbXTag = new Int32Array(TLB_SIZE).fill(-1);
  /** Fetch entries point at the decode cache of the physical page (for the current code size). */
  private readonly tlbXCode: CodePage[] = new Array<CodePage>(TLB_SIZE).fill(NO_CODE);
  private readonly tlbWPage: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(EMPTY_PAGE);
  /** Physical page of each write entry (index into {@link codeLines}: stores into code lines invalidate). */
  private readonly tlbWPpn = new Int32Array(TLB_SIZE);
  private a20Seen = 0xffffffff;

  // ---- decode cache ---------------------------------------------------------------------
  /** The bus when it is a `PhysicalMemoryBus` (decoded code is cached only in its RAM pages). */
  private readonly bus: PhysicalMemoryBus | null;
  /**
   * The bus's per-page masks of 128-byte lines holding cached code (shared by every CPU on the
   * bus; a one-entry zero array when the memory is not a `PhysicalMemoryBus`).
   */
  private readonly codeLines: Int32Array;
  /** Decoded pages by `ppn * 2 + code32` (at most {@link maxCodePages}). */
  private readonly codePages = new Map<number, CodePage>();
  /** Bound of {@link codePages} (`CpuOptions.maxCodePages`). */
  readonly maxCodePages: number;
  /** Evicted pages kept for reuse (no fetch entry or chain refers to them). */
  private readonly freePages: CodePage[] = [];
  private readonly window = new FetchWindow(new Instruction(), new Decoder({ bitness: 16 }), new Decoder({ bitness: 32 }));
  /** Record for instructions that are not cached (page-crossing, or outside RAM). */
  private readonly scratch = new DecodedInsn();
  /** Instructions decoded (cache misses), for statistics. */
  decodes = 0;

  constructor(options: CpuOptions) {
    super();
    this.state = options.state ?? new CpuState();
    this.r = this.state.gpr;
    this.mem = options.memory;
    const m = options.memory as unknown as Partial<RamPageSource>;
    this.ram = typeof m.ramPage === 'function' ? (options.memory as unknown as RamPageSource) : null;
    this.bus = options.memory instanceof PhysicalMemoryBus ? options.memory : null;
    this.codeLines = this.bus !== null ? this.bus.watchCode(this) : new Int32Array(1);
    this.io = options.io ?? new IoBus();
    this.interrupts = options.interrupts ?? NO_INTERRUPTS;
    this.clock = options.clock ?? new VirtualClock();
    const p = options.profile ?? 'p6';
    this.profile = typeof p === 'string' ? (CPU_PROFILES[p] ?? CPU_PROFILES.p6) : p;
    this.mmu = options.mmu ?? new Mmu({ memory: options.memory });
    this.driveClock = options.driveClock ?? true;
    this.apic = options.apic ?? null;
    this.maxCodePages = Math.max(1, Math.floor(options.maxCodePages ?? DEFAULT_MAX_CODE_PAGES));
    this.loadFromState();
  }

  /**
   * Release what the CPU holds outside itself: unregister from the bus's code-write observers
   * (so the bus no longer keeps this CPU reachable) and drop the decode cache. The CPU must not
   * be run afterwards: it would no longer see code written by others.
   */
  dispose(): void {
    if (this.bus !== null) this.bus.unwatchCode(this);
    this.flushCodeCache();
    this.freePages.length = 0;
  }

  /** Number of decoded code pages currently cached (≤ {@link maxCodePages}). */
  get codePageCount(): number {
    return this.codePages.size;
  }

  // ======================================================================================
  // State synchronisation
  // ======================================================================================

  /** Re-read EIP, EFLAGS and mode caches from {@link state} (after the embedder edited it). */
  loadFromState(): void {
    this.eip = this.state.rip[0] >>> 0;
    this.flags = (this.state.rflags | 2) & ~0x28 & 0x3f7fd7;
    this.lazyMask = 0;
    this.updateMode();
    this.syncPaging(true);
  }

  /** Write EIP and EFLAGS back into {@link state} (done at the end of every run/step). */
  storeToState(): void {
    this.materialize();
    this.state.rip[0] = this.eip | 0;
    this.state.rip[1] = 0;
    this.state.rflags = this.flags;
    this.state.fpuControl = this.fpu.control;
    this.state.fpuStatus = this.fpu.statusWord();
    this.state.fpuTag = this.fpu.tagWord();
  }

  /** Power-on RESET (Intel SDM Vol. 3A table 10-1). */
  reset(): void {
    this.state.reset(this.profile.signature);
    this.fault = false; this.excVector = -1; this.excCode = -1;
    this.shadow = false; this.nmiPending = false; this.nmiBlocked = false; this.tfTrap = false;
    this.msrs.clear();
    this.tscOffset = 0;
    this.fpu.powerOn(); // FCW 0x0040 (FNINIT sets 0x37f), R0–R7 = +0: MMX reads see zeros
    this.loadFromState();
  }

  /** Recompute the mode caches from CR0, EFLAGS and the CS/SS attributes. */
  updateMode(): void {
    const st = this.state;
    this.pe = (st.cr0 & Cr0.PE) !== 0;
    this.vm = this.pe && (this.flags & Rflags.VM) !== 0;
    const oldCpl = this.cpl;
    this.cpl = !this.pe ? 0 : this.vm ? 3 : (st.segAttr[Seg.CS] >>> SegAttr.DPL_SHIFT) & 3;
    if (this.pe && !this.vm) this.cpl = st.segSel[Seg.CS] & 3;
    const oldCode32 = this.code32;
    this.code32 = this.pe && !this.vm ? (st.segAttr[Seg.CS] & SegAttr.DB) !== 0 : (st.segAttr[Seg.CS] & SegAttr.DB) !== 0 && !this.vm;
    // fetch entries point at decoded pages of one code size
    if (oldCode32 !== this.code32) this.tlbXTag.fill(-1);
    this.stack32 = (st.segAttr[Seg.SS] & SegAttr.DB) !== 0 && !this.vm;
    this.csBase = st.segBase[2 * Seg.CS];
    this.csLimit = st.segLimit[Seg.CS];
    this.checks.mode = accessCheckMode(this);
    for (let s = 0; s < 6; s++) this.refreshSeg(s);
    if (oldCpl !== this.cpl && (st.cr0 & Cr0.PG) !== 0) this.flushTlb();
  }

  /** Recompute the fast-path rights of one segment register. */
  refreshSeg(s: number): void {
    const attr = this.state.segAttr[s];
    if (this.checks.mode !== 0) { this.segFastR[s] = 0; this.segFastW[s] = 0; return; } // every access checked
    if (!this.pe || this.vm) {
      this.segFastR[s] = 1;
      this.segFastW[s] = 1;
      return;
    }
    const usable = (attr & SegAttr.P) !== 0 && !attrIsExpandDown(attr);
    this.segFastR[s] = usable && (attrIsReadable(attr) || s === Seg.CS) ? 1 : 0;
    this.segFastW[s] = usable && attrIsWritable(attr) ? 1 : 0;
  }

  // ======================================================================================
  // Registers
  // ======================================================================================

  /** Read a general register of `size` bytes (8-bit uses the legacy AL..BH encoding). */
  getReg(size: number, r: number): number {
    if (size === 1) return r < 4 ? this.r[2 * r] & 0xff : (this.r[2 * (r - 4)] >>> 8) & 0xff;
    if (size === 2) return this.r[2 * r] & 0xffff;
    return this.r[2 * r] >>> 0;
  }
  /** Write a general register of `size` bytes. 32-bit writes leave bits 63:32 as they are (legacy modes). */
  setReg(size: number, r: number, v: number): void {
    const g = this.r;
    if (size === 1) {
      if (r < 4) g[2 * r] = (g[2 * r] & ~0xff) | (v & 0xff);
      else g[2 * (r - 4)] = (g[2 * (r - 4)] & ~0xff00) | ((v & 0xff) << 8);
    } else if (size === 2) {
      g[2 * r] = (g[2 * r] & ~0xffff) | (v & 0xffff);
    } else {
      g[2 * r] = v | 0;
    }
  }

  /** The full EFLAGS value (lazy bits folded in). */
  getFlags(): number {
    if (this.lazyMask !== 0) this.materialize();
    return this.flags;
  }

  /** Set EFLAGS wholesale (caller applies privilege rules); recomputes the mode if VM or AC changed. */
  setFlags(v: number): void {
    const oldVm = this.flags & (Rflags.VM | Rflags.AC);
    this.flags = (v | 2) & ~0x8028 & 0x3f7fd7;
    this.lazyMask = 0;
    if ((this.flags & (Rflags.VM | Rflags.AC)) !== oldVm) this.updateMode();
  }

  // ======================================================================================
  // Faults
  // ======================================================================================

  /** Record an exception for the current instruction (error code −1 = none). */
  raise(vector: number, code: number): void {
    if (this.fault) return; // first fault wins
    this.fault = true;
    this.excVector = vector;
    this.excCode = code;
  }
  /** #GP(code). */
  gp(code: number): void { this.raise(Exc.GP, code); }
  /** #UD. */
  ud(): void { this.raise(Exc.UD, -1); }
  /** #PF with `code`, CR2 = `linear` (called by translators). */
  pageFault(linear: number, code: number): void {
    if (this.fault) return;
    this.state.cr2[0] = linear | 0;
    this.state.cr2[1] = 0;
    this.raise(Exc.PF, code);
  }
  /** Raise #UD for an instruction this interpreter does not implement, and count it. */
  unimplemented(): void {
    this.counters.unimplemented[this.opcode & 0x1ff]++;
    this.counters.byClass[InsnClass.Unimplemented]++;
    this.ud();
  }

  // ======================================================================================
  // Linear memory (paging through the translator; direct RAM pages cached per linear page)
  // ======================================================================================

  /** Drop all cached linear→host page mappings. Call after remapping memory or toggling A20. */
  flushTlb(): void {
    this.tlbRTag.fill(-1);
    this.tlbWTag.fill(-1);
    this.tlbXTag.fill(-1);
    if (this.ram !== null) this.a20Seen = this.ram.a20Mask;
  }
  /** Drop the cached mapping of one linear page (INVLPG). */
  flushTlbPage(linear: number): void {
    const i = (linear >>> 12) & TLB_MASK;
    this.tlbRTag[i] = -1;
    this.tlbWTag[i] = -1;
    this.tlbXTag[i] = -1;
  }
  /** Check whether the bus's A20 gate changed since the cache was filled; flush if so. */
  checkA20(): void {
    if (this.ram !== null && this.ram.a20Mask !== this.a20Seen) this.flushTlb();
  }

  /** Linear → physical through the MMU (−1 after raising #PF). `access`: 0 read, 1 write, 2 execute. */
  translate(lin: number, access: number): number {
    if ((this.state.cr0 & Cr0.PG) === 0) return lin >>> 0;
    let acc = access === 1 ? Access.Write : access === 2 ? Access.Fetch : Access.Read;
    if (this.implicitSupervisor) acc |= Access.Implicit;
    else if (this.cpl === 3) acc |= Access.User;
    const pa = this.mmu.translate(lin >>> 0, 0, acc);
    if (pa < 0) {
      if (pa === -1) this.pageFault(lin, this.mmu.errorCode);
      else this.raise(Exc.PF, this.mmu.errorCode); // nested fault: reported by the nested translator's owner
      return -1;
    }
    return pa;
  }

  /**
   * Push CR0/CR3/CR4/EFER into the MMU after a change (MOV CRn, WRMSR EFER, task switch,
   * RESET or restore) and drop the host-page cache. Returns false when PAE paging is enabled
   * with an invalid PDPTE (the caller raises #GP(0)).
   */
  syncPaging(cr3Changed: boolean): boolean {
    const ctx = this.mmu.ctx, st = this.state;
    ctx.cr0 = st.cr0; ctx.cr4 = st.cr4; ctx.efer = st.efer;
    let ok = this.mmu.controlRegistersChanged();
    if (cr3Changed) ok = this.mmu.loadCr3((st.cr3[0] >>> 0) + (st.cr3[1] >>> 0) * 4294967296) && ok;
    this.flushTlb();
    return ok;
  }

  /** Read a byte at a linear address. */
  rdLin8(lin: number): number {
    lin >>>= 0;
    const i = (lin >>> 12) & TLB_MASK;
    if (this.tlbRTag[i] === lin >>> 12) return this.tlbRPage[i][lin & 0xfff];
    return this.rdLinSlow8(lin, 0);
  }
  private rdLinSlow8(lin: number, access: number): number {
    const pa = this.translate(lin, access);
    if (pa < 0) return 0;
    if (this.ram !== null) {
      const page = this.ram.ramPage(pa);
      if (page !== null) {
        if ((this.state.cr0 & Cr0.PG) === 0 || (access === 0 && !this.implicitSupervisor)) {
          const i = (lin >>> 12) & TLB_MASK;
          this.tlbRTag[i] = lin >>> 12;
          this.tlbRPage[i] = page;
        }
        return page[pa & 0xfff];
      }
    }
    this.mmioTouched = true;
    return this.mem.read8(pa);
  }
  rdLin16(lin: number): number {
    lin >>>= 0;
    const o = lin & 0xfff;
    if (o < 0xfff) {
      const i = (lin >>> 12) & TLB_MASK;
      if (this.tlbRTag[i] === lin >>> 12) { const p = this.tlbRPage[i]; return p[o] | (p[o + 1] << 8); }
    }
    if (o < 0xfff) return this.rdLinSlowSized(lin, 2);
    const lo = this.rdLin8(lin);
    if (this.fault) return 0;
    return lo | (this.rdLin8(lin + 1) << 8);
  }
  rdLin32(lin: number): number {
    lin >>>= 0;
    const o = lin & 0xfff;
    if (o < 0xffd) {
      const i = (lin >>> 12) & TLB_MASK;
      if (this.tlbRTag[i] === lin >>> 12) { const p = this.tlbRPage[i]; return (p[o] | (p[o + 1] << 8) | (p[o + 2] << 16) | (p[o + 3] << 24)) >>> 0; }
    }
    if (o < 0xffd) return this.rdLinSlowSized(lin, 4);
    const lo = this.rdLin16(lin);
    if (this.fault) return 0;
    return (lo | (this.rdLin16(lin + 2) << 16)) >>> 0;
  }

  /**
   * Slow path of a 2- or 4-byte read inside one page: one translation, then RAM through the
   * page cache or a single sized bus access (MMIO registers see the access width).
   */
  private rdLinSlowSized(lin: number, size: number): number {
    const pa = this.translate(lin, 0);
    if (pa < 0) return 0;
    if (this.ram !== null) {
      const page = this.ram.ramPage(pa);
      if (page !== null) {
        if ((this.state.cr0 & Cr0.PG) === 0 || !this.implicitSupervisor) {
          const i = (lin >>> 12) & TLB_MASK;
          this.tlbRTag[i] = lin >>> 12;
          this.tlbRPage[i] = page;
        }
        const o = pa & 0xfff;
        return size === 2 ? page[o] | (page[o + 1] << 8) : (page[o] | (page[o + 1] << 8) | (page[o + 2] << 16) | (page[o + 3] << 24)) >>> 0;
      }
    }
    this.mmioTouched = true;
    return size === 2 ? this.mem.read16(pa) & 0xffff : this.mem.read32(pa) >>> 0;
  }

  /** Slow path of a 2- or 4-byte write inside one page (see {@link rdLinSlowSized}). */
  private wrLinSlowSized(lin: number, size: number, v: number): void {
    const pa = this.translate(lin, 1);
    if (pa < 0) return;
    if (this.ram !== null) {
      const page = this.ram.ramPage(pa);
      if (page !== null) {
        const o = pa & 0xfff;
        page[o] = v; page[o + 1] = v >>> 8;
        if (size === 4) { page[o + 2] = v >>> 16; page[o + 3] = v >>> 24; }
        this.wroteRamPage(lin, pa, page, size);
        return;
      }
    }
    this.mmioTouched = true;
    if (size === 2) this.mem.write16(pa, v & 0xffff); else this.mem.write32(pa, v >>> 0);
  }

  /**
   * After a store into RAM page `page` (physical `pa`) through the slow path: if the page holds
   * decoded code, invalidate it (every CPU on the bus is told: self-modifying code takes effect
   * from the next instruction on, P6-style precise detection); otherwise install the direct
   * write entry so further stores to the page take the fast path.
   */
  private wroteRamPage(lin: number, pa: number, page: Uint8Array, size: number): void {
    let ppn = 0;
    if (this.bus !== null) {
      ppn = (pa & this.bus.a20Mask) >>> 12;
      const m = this.codeLines[ppn];
      if (m !== 0 && (m & codeLineMask(pa & 0xfff, size)) !== 0) this.bus.codeWritten(ppn);
    }
    if ((this.state.cr0 & Cr0.PG) === 0 || !this.implicitSupervisor) {
      const i = (lin >>> 12) & TLB_MASK;
      this.tlbWTag[i] = lin >>> 12;
      this.tlbWPage[i] = page;
      this.tlbWPpn[i] = ppn;
    }
  }

  /** A fast-path store of `size` bytes at page offset `o` through write entry `i` hit a page with code: check its lines. */
  private codeStore(i: number, o: number, size: number): void {
    const ppn = this.tlbWPpn[i];
    if ((this.codeLines[ppn] & codeLineMask(o, size)) !== 0) (this.bus as PhysicalMemoryBus).codeWritten(ppn);
  }

  /** Ensure a write to `[lin, lin+size)` can proceed (page-level), so multi-byte writes never half-complete. */
  private probeWrite(lin: number, size: number): boolean {
    const last = (lin + size - 1) >>> 0;
    if ((this.state.cr0 & Cr0.PG) === 0) return true;
    if (this.translate(lin, 1) < 0) return false;
    // the second page is reported by its first byte (CR2), as hardware does
    if ((last >>> 12) !== (lin >>> 12) && this.translate(last & ~0xfff, 1) < 0) return false;
    return true;
  }

  wrLin8(lin: number, v: number): void {
    lin >>>= 0;
    const i = (lin >>> 12) & TLB_MASK;
    if (this.tlbWTag[i] === lin >>> 12) {
      this.tlbWPage[i][lin & 0xfff] = v;
      if (this.codeLines[this.tlbWPpn[i]] !== 0) this.codeStore(i, lin & 0xfff, 1);
      return;
    }
    this.wrLinSlow8(lin, v);
  }
  private wrLinSlow8(lin: number, v: number): void {
    const pa = this.translate(lin, 1);
    if (pa < 0) return;
    if (this.ram !== null) {
      const page = this.ram.ramPage(pa);
      if (page !== null) {
        page[pa & 0xfff] = v;
        this.wroteRamPage(lin, pa, page, 1);
        return;
      }
    }
    this.mmioTouched = true;
    this.mem.write8(pa, v & 0xff);
  }
  wrLin16(lin: number, v: number): void {
    lin >>>= 0;
    const o = lin & 0xfff;
    if (o < 0xfff) {
      const i = (lin >>> 12) & TLB_MASK;
      if (this.tlbWTag[i] === lin >>> 12) {
        const p = this.tlbWPage[i]; p[o] = v; p[o + 1] = v >>> 8;
        if (this.codeLines[this.tlbWPpn[i]] !== 0) this.codeStore(i, o, 2);
        return;
      }
    }
    if (o < 0xfff) { this.wrLinSlowSized(lin, 2, v); return; }
    if (!this.probeWrite(lin, 2)) return;
    this.wrLin8(lin, v);
    this.wrLin8(lin + 1, v >>> 8);
  }
  wrLin32(lin: number, v: number): void {
    lin >>>= 0;
    const o = lin & 0xfff;
    if (o < 0xffd) {
      const i = (lin >>> 12) & TLB_MASK;
      if (this.tlbWTag[i] === lin >>> 12) {
        const p = this.tlbWPage[i]; p[o] = v; p[o + 1] = v >>> 8; p[o + 2] = v >>> 16; p[o + 3] = v >>> 24;
        if (this.codeLines[this.tlbWPpn[i]] !== 0) this.codeStore(i, o, 4);
        return;
      }
    }
    if (o < 0xffd) { this.wrLinSlowSized(lin, 4, v); return; }
    if (!this.probeWrite(lin, 4)) return;
    this.wrLin8(lin, v);
    this.wrLin8(lin + 1, v >>> 8);
    this.wrLin8(lin + 2, v >>> 16);
    this.wrLin8(lin + 3, v >>> 24);
  }

  // ======================================================================================
  // Segmented memory
  // ======================================================================================

  /** Fault for a bad access through segment `s`: #SS for SS, else #GP (error code 0). */
  private segFault(s: number): void {
    this.raise(s === Seg.SS ? Exc.SS : Exc.GP, 0);
  }

  /**
   * Linear address of `[off, off+size)` in segment `s` after limit and rights checks
   * (Intel SDM Vol. 3A, 5.3 and 5.5); on failure raises #GP(0)/#SS(0) and returns 0.
   */
  segAddr(s: number, off: number, size: number, write: boolean): number {
    const st = this.state;
    if ((write ? this.segFastW[s] : this.segFastR[s]) !== 0 && off + size - 1 <= st.segLimit[s]) {
      return (st.segBase[2 * s] + off) | 0;
    }
    const attr = st.segAttr[s];
    if (this.pe && !this.vm) {
      if ((attr & SegAttr.P) === 0) { this.segFault(s); return 0; }
      if (write ? !attrIsWritable(attr) : !(attrIsReadable(attr))) { this.segFault(s); return 0; }
      if (!withinLimit(off, size, st.segLimit[s], attr)) { this.segFault(s); return 0; }
      if (this.checks.mode !== 0) return checkedAccess(this, (st.segBase[2 * s] + off) | 0, size, write);
      return (st.segBase[2 * s] + off) | 0;
    }
    // real/V86 mode: the fast path failed on the limit, or the access checks are on
    if (this.checks.mode !== 0 && off + size - 1 <= st.segLimit[s]) return checkedAccess(this, (st.segBase[2 * s] + off) | 0, size, write);
    this.segFault(s);
    return 0;
  }

  rd8(s: number, off: number): number {
    const lin = this.segAddr(s, off, 1, false);
    return this.fault ? 0 : this.rdLin8(lin);
  }
  rd16(s: number, off: number): number {
    const lin = this.segAddr(s, off, 2, false);
    return this.fault ? 0 : this.rdLin16(lin);
  }
  rd32(s: number, off: number): number {
    const lin = this.segAddr(s, off, 4, false);
    return this.fault ? 0 : this.rdLin32(lin);
  }
  rd(size: number, s: number, off: number): number {
    return size === 1 ? this.rd8(s, off) : size === 2 ? this.rd16(s, off) : this.rd32(s, off);
  }
  wr8(s: number, off: number, v: number): void {
    const lin = this.segAddr(s, off, 1, true);
    if (!this.fault) this.wrLin8(lin, v);
  }
  wr16(s: number, off: number, v: number): void {
    const lin = this.segAddr(s, off, 2, true);
    if (!this.fault) this.wrLin16(lin, v);
  }
  wr32(s: number, off: number, v: number): void {
    const lin = this.segAddr(s, off, 4, true);
    if (!this.fault) this.wrLin32(lin, v);
  }
  wr(size: number, s: number, off: number, v: number): void {
    if (size === 1) this.wr8(s, off, v);
    else if (size === 2) this.wr16(s, off, v);
    else this.wr32(s, off, v);
  }
  /** Check that a write would succeed (segment + paging) without writing: read-modify-write and multi-part stores. */
  checkWrite(s: number, off: number, size: number): boolean {
    const lin = this.segAddr(s, off, size, true);
    if (this.fault) return false;
    return this.probeWrite(lin, size);
  }

  // ======================================================================================
  // Instruction fetch and ModRM
  // ======================================================================================

  /**
   * The decoded record of the instruction at CS:EIP: from the fetch entry's decoded page when
   * present (one tag compare, one slot load), else fetched and decoded by {@link fetchDecode}.
   * Returns null after raising the fetch fault (#PF, or #GP(0) past the CS limit).
   */
  lookup(): DecodedInsn | null {
    const eip = this.eip;
    const lin = (this.csBase + eip) >>> 0;
    const i = (lin >>> 12) & TLB_MASK;
    if (this.tlbXTag[i] === lin >>> 12) {
      const cp = this.tlbXCode[i];
      if (cp.valid) {
        const slot = cp.slots[lin & 0xfff];
        if (slot !== 0) {
          const d = cp.insns[slot];
          if (eip + d.len - 1 <= this.csLimit) return d;
        }
      }
    }
    return this.fetchDecode(lin);
  }

  /** The decoded page for `ppn` in the current code size (created on first use). */
  private codePageFor(ppn: number, mem: Uint8Array): CodePage {
    const key = ppn * 2 + (this.code32 ? 1 : 0);
    let cp = this.codePages.get(key);
    if (cp === undefined || !cp.valid || cp.mem !== mem) {
      if (cp !== undefined) { cp.valid = false; this.codePages.delete(key); }
      if (this.codePages.size >= this.maxCodePages) {
        this.counters.codeCacheFlushes++;
        this.counters.codePageEvictions += this.codePages.size;
        this.dropCodePages(true);
      }
      const free = this.freePages.pop();
      if (free !== undefined) { free.reuse(ppn, this.code32, mem); cp = free; } else cp = new CodePage(ppn, this.code32, mem);
      this.codePages.set(key, cp);
    }
    return cp;
  }

  /**
   * Invalidate every decoded page and forget every fetch entry. With `recycle`, the pages go to
   * the free list: safe because nothing refers to them any more (fetch entries are reset here,
   * chain links stay inside a page, and the run loop never decodes while it holds a page).
   */
  private dropCodePages(recycle: boolean): void {
    for (const cp of this.codePages.values()) {
      cp.valid = false;
      if (recycle) this.freePages.push(cp);
    }
    this.codePages.clear();
    this.tlbXTag.fill(-1);
    this.tlbXCode.fill(NO_CODE);
  }

  /**
   * Fetch and decode the instruction at linear `lin` (= CS.base + EIP) with `@x86kit/decoder`.
   * Bytes are read only as far as the instruction needs them: a fault on the next page (#PF,
   * CR2 = its first byte) or past the CS limit (#GP(0)) is raised only when the instruction
   * extends there, as on hardware. Instructions inside one RAM page are cached in its
   * {@link CodePage}; page-crossing ones and code outside RAM are decoded into a scratch record.
   */
  private fetchDecode(lin: number): DecodedInsn | null {
    const eip = this.eip;
    if (eip > this.csLimit) { this.gp(0); return null; }
    let avail = this.csLimit - eip + 1;
    if (avail > 15) avail = 15;
    const off = lin & 0xfff;
    let n1 = 4096 - off;
    if (n1 > avail) n1 = avail;
    const i = (lin >>> 12) & TLB_MASK;
    const w = this.window, buf = w.buf;
    let cp: CodePage | null = null;
    if (this.tlbXTag[i] === lin >>> 12) {
      cp = this.tlbXCode[i];
      if (!cp.valid) { cp = this.codePageFor(cp.ppn, cp.mem); this.tlbXTag[i] = lin >>> 12; this.tlbXCode[i] = cp; }
    } else {
      const pa = this.translate(lin, 2);
      if (pa < 0) return null;
      // RAM, or firmware ROM (read-only: decoded and cached the same way, invalidated by bus.load)
      let page = this.ram !== null ? this.ram.ramPage(pa) : null;
      if (page === null && this.bus !== null) page = this.bus.romPage(pa);
      if (page !== null && this.bus !== null) {
        cp = this.codePageFor(((pa & (this.ram as RamPageSource).a20Mask) >>> 12), page);
        this.tlbXTag[i] = lin >>> 12;
        this.tlbXCode[i] = cp;
      } else if (page !== null) {
        for (let k = 0; k < n1; k++) buf[k] = page[off + k];
      } else {
        for (let k = 0; k < n1; k++) buf[k] = this.mem.read8(pa + k);
      }
    }
    if (cp !== null) { const m = cp.mem; for (let k = 0; k < n1; k++) buf[k] = m[off + k]; }
    this.decodes++;
    let err = w.decode(n1, this.code32, eip);
    let cross = false;
    if (err === DecoderError.NoMoreBytes) {
      if (n1 >= avail) { this.gp(0); return null; } // the instruction runs past the CS limit
      // the instruction continues on the next page: fetch it now (its #PF reports that page)
      const lin2 = (lin + n1) >>> 0;
      const pa2 = this.translate(lin2, 2);
      if (pa2 < 0) return null;
      const page2 = this.ram !== null ? this.ram.ramPage(pa2) : null;
      const n2 = avail - n1;
      for (let k = 0; k < n2; k++) buf[n1 + k] = page2 !== null ? page2[(pa2 + k) & 0xfff] : this.mem.read8(pa2 + k);
      err = w.decode(n1 + n2, this.code32, eip);
      if (err === DecoderError.NoMoreBytes) { this.gp(0); return null; }
      cross = true;
    }
    if (cross || cp === null) {
      fillRecord(this.scratch, w.insn, buf, this.code32, pickHandler);
      if (this.scratch.tooLong !== 0 && w.fitsIn15(this.code32)) this.scratch.tooLong = 0;
      return this.scratch;
    }
    const d = cp.alloc(off);
    fillRecord(d, w.insn, buf, this.code32, pickHandler);
    if (d.tooLong !== 0 && w.fitsIn15(this.code32)) d.tooLong = 0; // exactly 15 bytes: #UD, not #GP(0)
    // REP MOVS/STOS: the run loop hands whole chunks of iterations to repChunk
    if (d.rep !== 0 && !d.lock && d.code !== Code.INVALID && (d.opcode === 0xa4 || d.opcode === 0xa5 || d.opcode === 0xaa || d.opcode === 0xab)) {
      d.fast = FastOp.RepStr;
    }
    // stores into these lines (by anyone) now invalidate the page
    this.codeLines[cp.ppn] |= codeLineMask(off, d.len);
    return d;
  }

  /** A page holding decoded code was written (by this CPU or through the bus): drop its records. */
  codePageWritten(ppn: number): void {
    const map = this.codePages;
    let cp = map.get(ppn * 2);
    if (cp !== undefined) { cp.valid = false; map.delete(ppn * 2); }
    cp = map.get(ppn * 2 + 1);
    if (cp !== undefined) { cp.valid = false; map.delete(ppn * 2 + 1); }
  }

  /** Drop every decoded instruction (after remapping guest RAM; `restore` does it). */
  flushCodeCache(): void {
    this.dropCodePages(true);
  }

  /**
   * @deprecated Instruction bytes are no longer fetched by handlers: immediates are pre-decoded
   * into {@link imm}/{@link imm2}. Returns the low byte of the first immediate (kept so handlers
   * written against the byte-fetching decoder still work; use `c.imm`).
   */
  fetch8(): number { return this.imm & 0xff; }

  /**
   * Compute the effective address of the current instruction's memory operand from its
   * pre-decoded form (base + index × scale + displacement, wrapped to the address size; the
   * segment is the override or the base register's default) into {@link eaSeg}/{@link eaOff}.
   * Handlers call it before their first memory access; nothing is fetched.
   */
  modrm(): void {
    const d = this.cur;
    if (d.mod === 3) return;
    const g = this.r;
    let off = d.eaDisp;
    if (d.eaBase >= 0) off += g[2 * d.eaBase];
    if (d.eaIndex >= 0) off += g[2 * d.eaIndex] << d.eaScale;
    this.eaOff = d.as === 2 ? off & 0xffff : off >>> 0;
    this.eaSeg = d.eaSeg;
  }

  /** Read the r/m operand (register or memory) of `size` bytes. */
  readRm(size: number): number {
    return this.mod === 3 ? this.getReg(size, this.rm) : this.rd(size, this.eaSeg, this.eaOff);
  }
  /** Write the r/m operand. */
  writeRm(size: number, v: number): void {
    if (this.mod === 3) this.setReg(size, this.rm, v);
    else this.wr(size, this.eaSeg, this.eaOff, v);
  }
  /** Offset of the effective address plus `delta`, wrapped to the address size. */
  eaPlus(delta: number): number {
    return this.as === 2 ? (this.eaOff + delta) & 0xffff : (this.eaOff + delta) >>> 0;
  }

  // ======================================================================================
  // Stack
  // ======================================================================================

  /** Current stack pointer (SP or ESP by SS.B). */
  getSp(): number { return this.stack32 ? this.r[8] >>> 0 : this.r[8] & 0xffff; }
  setSp(v: number): void {
    if (this.stack32) this.r[8] = v | 0; else this.r[8] = (this.r[8] & ~0xffff) | (v & 0xffff);
  }
  /** SP after moving by `delta` bytes, wrapped to the stack width. */
  spPlus(sp: number, delta: number): number {
    return this.stack32 ? (sp + delta) >>> 0 : (sp + delta) & 0xffff;
  }
  /** Push `size` bytes; on a fault nothing changes. */
  push(size: number, v: number): void {
    const sp = this.spPlus(this.getSp(), -size);
    if (size === 2) this.wr16(Seg.SS, sp, v); else this.wr32(Seg.SS, sp, v);
    if (!this.fault) this.setSp(sp);
  }
  /** Pop `size` bytes (SP moves only when the read succeeds). */
  pop(size: number): number {
    const sp = this.getSp();
    const v = size === 2 ? this.rd16(Seg.SS, sp) : this.rd32(Seg.SS, sp);
    if (!this.fault) this.setSp(this.spPlus(sp, size));
    return v;
  }
  /** Read `size` bytes at SP + `delta` without popping. */
  peek(size: number, delta: number): number {
    const sp = this.spPlus(this.getSp(), delta);
    return size === 2 ? this.rd16(Seg.SS, sp) : this.rd32(Seg.SS, sp);
  }

  // ======================================================================================
  // Branches and real-mode segment loads
  // ======================================================================================

  /** Jump within CS to `target` (masked to the operand size), checking the CS limit. */
  jumpNear(target: number): void {
    if (this.os === 2) target &= 0xffff; else target >>>= 0;
    if (target > this.state.segLimit[Seg.CS] && this.pe) { this.gp(0); return; }
    this.eip = target;
  }

  /**
   * Load a segment register in real or V86 mode (base = selector × 16; in V86 mode, keyed on
   * the CPU's live EFLAGS.VM, limit 0xFFFF and DPL-3 attributes: see system.ts loadSegRealOrV86).
   */
  loadSegReal(s: number, sel: number): void {
    loadSegRealOrV86(this, s, sel, this.vm);
  }

  // ======================================================================================
  // Events
  // ======================================================================================

  /** Latch a non-maskable interrupt; delivered before the next instruction. */
  raiseNmi(): void { this.nmiPending = true; }
  /** Make {@link run} return {@link RunStatus.Stopped} after the current instruction. */
  requestStop(): void { this.stopRequested = true; }

  /**
   * Deliver an event through the IVT (real mode) or IDT (protected/V86 mode), applying the
   * #DF rules (Intel SDM Vol. 3A, 6.15 table 6-5). Returns false on a triple fault.
   * `returnEip` is the EIP pushed (faulting or next instruction).
   */
  deliver(vector: number, code: number, type: EventKind, returnEip: number): boolean {
    let first = vector;
    let vec = vector, err = code, t = type;
    if (type !== EventType.External && type !== EventType.Software && vector < 32 && (this.interceptExceptions & (1 << vector)) !== 0) {
      // exception intercept (a monitor or VMM handles it); EIP stays on the instruction
      const e = this.exit;
      e.kind = ExitKind.Exception; e.code = vector; e.info1 = code; e.info2 = returnEip; e.opcode = this.opcode;
      this.pendingExit = true;
      return false;
    }
    for (let depth = 0; depth < 4; depth++) {
      this.fault = false;
      if (t === EventType.Exception && vec < 32) this.counters.exceptions[vec]++;
      if (this.pe) deliverProtected(this, vec, err, t, returnEip);
      else this.deliverRealMode(vec, returnEip);
      if (!this.fault) return true;
      // a fault while delivering
      const second = this.excVector;
      const outcome = t === EventType.Exception || t === EventType.External ? combineExceptions(first, second) : DeliveryOutcome.Serial;
      if (outcome === DeliveryOutcome.TripleFault || (first === Exc.DF && t === EventType.Exception)) {
        this.fault = false;
        return false;
      }
      if (outcome === DeliveryOutcome.DoubleFault) { vec = Exc.DF; err = 0; first = Exc.DF; }
      else { vec = second; err = this.excCode; first = second; }
      t = EventType.Exception;
      returnEip = this.startEip;
    }
    this.fault = false;
    return false;
  }

  /** Real-mode delivery through the IVT at IDTR.base (Intel SDM Vol. 3A, 20.1.4). */
  deliverRealMode(vector: number, returnEip: number): void {
    const st = this.state;
    if (vector * 4 + 3 > st.idtrLimit) { this.gp(vector * 8 + 2); return; }
    const entry = (st.idtrBase[0] + vector * 4) | 0;
    const ip = this.rdLin16(entry);
    const cs = this.rdLin16(entry + 2);
    if (this.fault) return;
    const fl = this.getFlags();
    const sp0 = this.getSp();
    const sp1 = this.spPlus(sp0, -2), sp2 = this.spPlus(sp0, -4), sp3 = this.spPlus(sp0, -6);
    if (!this.checkWrite(Seg.SS, sp1, 2) || !this.checkWrite(Seg.SS, sp2, 2) || !this.checkWrite(Seg.SS, sp3, 2)) return;
    this.wr16(Seg.SS, sp1, fl);
    this.wr16(Seg.SS, sp2, st.segSel[Seg.CS]);
    this.wr16(Seg.SS, sp3, returnEip);
    this.setSp(sp3);
    this.flags = fl & ~(Rflags.IF | Rflags.TF | Rflags.AC | Rflags.RF);
    this.loadSegReal(Seg.CS, cs);
    this.eip = ip;
  }

  // ======================================================================================
  // Intercepts
  // ======================================================================================

  /** Called by sensitive handlers: true (and exit info filled) when `cls` is intercepted. */
  interceptInsn(cls: number): boolean {
    if ((this.interceptClasses & (1 << cls)) === 0) return false;
    const e = this.exit;
    e.kind = ExitKind.Instruction; e.code = cls; e.info1 = 0; e.info2 = 0; e.opcode = this.opcode;
    this.pendingExit = true;
    return true;
  }
  /** Called by IN/OUT handlers: true when `port` is intercepted. */
  interceptPort(port: number, size: number, write: boolean): boolean {
    const map = this.interceptPorts;
    if (map === null || (map[port >>> 3] & (1 << (port & 7))) === 0) return false;
    const e = this.exit;
    e.kind = ExitKind.IoPort; e.code = port; e.info1 = size; e.info2 = write ? 1 : 0; e.opcode = this.opcode;
    this.pendingExit = true;
    return true;
  }
  /** Called by RDMSR/WRMSR: true when `msr` is intercepted. */
  interceptMsr(msr: number, write: boolean): boolean {
    if (this.interceptMsrs === null || !this.interceptMsrs.has(msr >>> 0)) return false;
    const e = this.exit;
    e.kind = ExitKind.Msr; e.code = msr >>> 0; e.info1 = write ? 1 : 0; e.info2 = 0; e.opcode = this.opcode;
    this.pendingExit = true;
    return true;
  }
  /** An intercept fired during the current instruction: the loop rewinds EIP and returns. */
  pendingExit = false;

  // ======================================================================================
  // Time
  // ======================================================================================

  /** Advance the virtual clock by the instructions retired since the last sync (deterministic time). */
  private syncClock(): void {
    if (this.driveClock && this.instret !== this.clockSynced) {
      this.clock.advanceInstructions(this.instret - this.clockSynced);
    }
    this.clockSynced = this.instret;
  }

  /** Current TSC value as a float64 (exact to 2^53). */
  readTsc(): number {
    this.syncClock();
    return Math.floor(this.clock.now() * this.tscPerNs) + this.tscOffset;
  }

  /** Read an MSR as [lo, hi] (uint32 pair), or null when the MSR does not exist (#GP). */
  readMsr(msr: number): [number, number] | null {
    msr >>>= 0;
    if (msr === Msr.IA32_TIME_STAMP_COUNTER) { const t = this.readTsc(); return [t % 0x100000000, Math.floor(t / 0x100000000)]; }
    if (msr === Msr.IA32_APIC_BASE && this.apic !== null) return [this.apic.readApicBaseMsr() >>> 0, 0];
    if (msr === Msr.IA32_APIC_BASE && !this.msrs.has(msr)) return [0xfee00900, 0];
    if (msr === Msr.IA32_EFER) return this.profile.syscall ? [this.state.efer >>> 0, 0] : null;
    const v = this.msrs.get(msr);
    if (v !== undefined) return [v[0] >>> 0, v[1] >>> 0];
    return this.profile.msrs.includes(msr) ? [0, 0] : null;
  }
  /** Write an MSR; false when the MSR does not exist or the value is invalid (#GP). */
  writeMsr(msr: number, lo: number, hi: number): boolean {
    msr >>>= 0;
    if (msr === Msr.IA32_TIME_STAMP_COUNTER) {
      const want = (hi >>> 0) * 0x100000000 + (lo >>> 0);
      this.tscOffset += want - this.readTsc();
      return true;
    }
    if (msr === Msr.IA32_EFER) {
      if (!this.profile.syscall) return false;
      this.state.efer = (this.state.efer & ~1) | (lo & 1); // SCE only (no long mode yet)
      return true;
    }
    if (msr === Msr.IA32_APIC_BASE && this.apic !== null) {
      // bits 7:0, 9 and 10 (EXTD: no x2APIC) and the bits above a 32-bit base are reserved (SDM Vol. 3A 11.4.4)
      if ((hi | 0) !== 0 || (lo & 0x6ff) !== 0) return false;
      this.apic.writeApicBaseMsr(lo >>> 0);
      return true;
    }
    if (!this.profile.msrs.includes(msr) && msr !== Msr.IA32_APIC_BASE) return false;
    this.msrs.set(msr, [lo >>> 0, hi >>> 0]);
    return true;
  }

  // ======================================================================================
  // The run loop
  // ======================================================================================

  /**
   * Execute at most `budget` instructions (REP iterations count individually). Returns a
   * {@link RunStatus}. Interrupts are taken between instructions when EFLAGS.IF = 1 and no
   * interrupt shadow is active; a halted CPU wakes on an interrupt (or NMI).
   */
  run(budget: number): RunStatus {
    this.checkA20();
    let status: RunStatus = RunStatus.BudgetExhausted;
    let n = 0;
    const irq = this.interrupts;
    while (n < budget) {
      // ---- event window between instructions ----
      if (this.shadow) {
        this.shadow = false;
      } else if (this.nmiPending && !this.nmiBlocked) {
        this.nmiPending = false;
        this.nmiBlocked = true;
        this.state.halted = false;
        if (!this.deliver(Exc.NMI, -1, EventType.External, this.eip)) { status = this.tripleFault(); break; }
      } else if ((this.flags & 0x200) !== 0 && irq.hasInterrupt()) { // EFLAGS.IF
        const vector = irq.acknowledge() & 0xff;
        this.state.halted = false;
        this.counters.externalInterrupts++;
        if (!this.deliver(vector, -1, EventType.External, this.eip)) { status = this.tripleFault(); break; }
        if (this.pendingExit) { status = this.takeExit(); break; }
      }
      if (this.state.halted) { status = RunStatus.Halted; break; }
      if (this.stopRequested) { this.stopRequested = false; status = RunStatus.Stopped; break; }
      n++;
      if (!this.stepInsn()) {
        if (this.pendingExit) { status = this.takeExit(); break; }
        status = this.tripleFault();
        break;
      }
      if (this.state.halted) { status = RunStatus.Halted; break; }
      // ---- straight-line execution of cached records while no event can be due ----
      // (no TF/RF/interrupt shadow/NMI/stop request, no execution breakpoints or class
      // intercepts; with IF = 1 the interrupt source is still polled before every instruction)
      if (this.interceptVirtClasses !== 0 || (this.state.dr[14] & 0xff) !== 0) continue;
      n += this.runFast(budget - n);
      if (this.fastStatus >= 0) { status = this.fastStatus as RunStatus; break; }
    }
    this.syncClock();
    this.storeToState();
    return status;
  }

  /** Set by accesses that reach a device (MMIO) instead of RAM: the run loop re-polls interrupts. */
  mmioTouched = false;
  /** Set by {@link runFast} when it ends the run (a {@link RunStatus}), else −1. */
  private fastStatus = -1;

  /**
   * Straight-line execution of cached records while no event can be due: no TF/RF, interrupt
   * shadow, NMI or stop request (all of which only an executed instruction can raise; with
   * IF = 1 the interrupt source is still polled before every instruction). Leaves the loop
   * on a cache miss (the caller's {@link stepInsn} decodes) and at HLT, a triple fault or an
   * intercept exit ({@link fastStatus}). Returns the number of instructions executed.
   */
  private runFast(budget: number): number {
    this.fastStatus = -1;
    const tlbXTag = this.tlbXTag, tlbXCode = this.tlbXCode, irq = this.interrupts;
    let n = 0;
    let retired = 0; // plain instructions retired but not yet added to instret
    this.mmioTouched = false;
    events: while (n < budget) {
      const f = this.flags;
      if ((f & (Rflags.TF | Rflags.RF)) !== 0 || this.shadow || this.nmiPending || this.stopRequested) break;
      if ((this.state.dr[14] & 0xff) !== 0) break; // MOV DR7 armed breakpoints: they are checked by stepInsn
      if ((f & Rflags.IF) !== 0 && irq.hasInterrupt()) break;
      // a run of instructions; after plain ones (see DecodedInsn.plain) no event can be due
      let eip = this.eip;
      let lin = (this.csBase + eip) >>> 0;
      let i = (lin >>> 12) & TLB_MASK;
      if (tlbXTag[i] !== lin >>> 12) break;
      let cp = tlbXCode[i];
      let slot = cp.slots[lin & 0xfff];
      if (slot === 0 || !cp.valid) break;
      let d = cp.insns[slot];
      for (;;) {
        if (eip + d.len - 1 > this.csLimit) break events;
        if (d.plain === 0 && retired !== 0) { this.instret += retired; retired = 0; } // exact for any handler that reads it
        // startEip/cur/opcode are set by the generic adapter (and below on a fault) only
        this.eip = eip + d.len;
        n++;
        // the hottest plain forms inline (same helpers as their handlers in handlers.ts)
        const g = this.r;
        switch (d.fast) {
          case FastOp.AddRR: addRR(this, d.ra, g[d.rb] >>> 0); break;
          case FastOp.AddRI: addRR(this, d.ra, d.imm >>> 0); break;
          case FastOp.SubRR: subRR(this, d.ra, g[d.rb] >>> 0, true); break;
          case FastOp.SubRI: subRR(this, d.ra, d.imm >>> 0, true); break;
          case FastOp.CmpRR: subRR(this, d.ra, g[d.rb] >>> 0, false); break;
          case FastOp.CmpRI: subRR(this, d.ra, d.imm >>> 0, false); break;
          case FastOp.XorRR: { const r = g[d.ra] ^ g[d.rb]; g[d.ra] = r; logicSet(this, r); break; }
          case FastOp.XorRI: { const r = g[d.ra] ^ d.imm; g[d.ra] = r; logicSet(this, r); break; }
          case FastOp.AndRR: { const r = g[d.ra] & g[d.rb]; g[d.ra] = r; logicSet(this, r); break; }
          case FastOp.AndRI: { const r = g[d.ra] & d.imm; g[d.ra] = r; logicSet(this, r); break; }
          case FastOp.OrRR: { const r = g[d.ra] | g[d.rb]; g[d.ra] = r; logicSet(this, r); break; }
          case FastOp.OrRI: { const r = g[d.ra] | d.imm; g[d.ra] = r; logicSet(this, r); break; }
          case FastOp.TestRR: logicSet(this, g[d.ra] & g[d.rb]); break;
          case FastOp.TestRI: logicSet(this, g[d.ra] & d.imm); break;
          case FastOp.MovRR: g[d.ra] = g[d.rb]; break;
          case FastOp.MovRI: g[d.ra] = d.imm | 0; break;
          case FastOp.IncR: g[d.ra] = inc(this, g[d.ra] >>> 0, 4) | 0; break;
          case FastOp.DecR: g[d.ra] = dec(this, g[d.ra] >>> 0, 4) | 0; break;
          case FastOp.Jcc: if (this.cond(d.cc)) jump(this, d, this.eip + d.imm); break;
          case FastOp.Jmp: jump(this, d, this.eip + d.imm); break;
          case FastOp.Call: callRel(this, d); break;
          case FastOp.Ret: retNear(this, d); break;
          case FastOp.PushR: this.push(4, g[d.ra]); break;
          case FastOp.PopR: { const v = this.pop(4); if (!this.fault) g[d.ra] = v | 0; break; }
          case FastOp.Load: { const v = this.rd32(d.eaSeg, ea(this, d)); if (!this.fault) g[d.ra] = v | 0; break; }
          case FastOp.Store: this.wr32(d.eaSeg, ea(this, d), g[d.rb]); break;
          case FastOp.Lea: g[d.ra] = ea(this, d) | 0; break;
          case FastOp.Shift1: g[d.ra] = shift(this, d.reg, g[d.ra] >>> 0, 1, 4) | 0; break;
          case FastOp.ShiftI: g[d.ra] = shift(this, d.reg, g[d.ra] >>> 0, d.imm, 4) | 0; break;
          case FastOp.Mov16RR: g[d.ra] = (g[d.ra] & ~0xffff) | (g[d.rb] & 0xffff); break;
          case FastOp.Mov16RI: g[d.ra] = (g[d.ra] & ~0xffff) | (d.imm & 0xffff); break;
          case FastOp.Inc16: g[d.ra] = (g[d.ra] & ~0xffff) | inc(this, g[d.ra] & 0xffff, 2); break;
          case FastOp.Dec16: g[d.ra] = (g[d.ra] & ~0xffff) | dec(this, g[d.ra] & 0xffff, 2); break;
          case FastOp.Alu16RR: {
            const r = alu(this, d.cc, g[d.ra] & 0xffff, g[d.rb] & 0xffff, 2);
            if (d.cc !== 7) g[d.ra] = (g[d.ra] & ~0xffff) | r;
            break;
          }
          case FastOp.Alu16RI: {
            const r = alu(this, d.cc, g[d.ra] & 0xffff, d.imm & 0xffff, 2);
            if (d.cc !== 7) g[d.ra] = (g[d.ra] & ~0xffff) | r;
            break;
          }
          case FastOp.Push16: this.push(2, g[d.ra] & 0xffff); break;
          case FastOp.Pop16: { const v = this.pop(2); if (!this.fault) g[d.ra] = (g[d.ra] & ~0xffff) | v; break; }
          case FastOp.Load16: { const v = this.rd16(d.eaSeg, ea(this, d)); if (!this.fault) g[d.ra] = (g[d.ra] & ~0xffff) | v; break; }
          case FastOp.Store16: this.wr16(d.eaSeg, ea(this, d), g[d.rb] & 0xffff); break;
          case FastOp.RepStr: {
            const k = this.repChunk(d, eip, budget - n + 1);
            if (k === 0) d.exec(this, d); else n += k - 1;
            break;
          }
          default: d.exec(this, d);
        }
        if (this.fault || this.pendingExit) {
          this.instret += retired; retired = 0;
          this.startEip = eip; this.cur = d; this.opcode = d.opcode;
          if (!this.completeFault()) { this.fastStatus = this.pendingExit ? this.takeExit() : this.tripleFault(); break events; }
          continue events;
        }
        if (d.plain !== 0) {
          retired++;
          if (n >= budget) break events;
          if (this.mmioTouched) break; // MMIO may have changed the interrupt state
          // the successor: through the record's chain links while its page is unchanged
          const ne = this.eip, delta = ne - eip;
          const direct = d.fast === FastOp.Jcc || d.fast === FastOp.Jmp;
          const nd = delta === d.len ? d.next : direct && delta === d.len + d.imm ? d.taken : null;
          if (nd !== null && cp.valid) { eip = ne; lin = (lin + delta) >>> 0; d = nd; continue; }
          const lin2 = (this.csBase + ne) >>> 0;
          i = (lin2 >>> 12) & TLB_MASK;
          if (tlbXTag[i] !== lin2 >>> 12) break events;
          const cp2 = tlbXCode[i];
          slot = cp2.slots[lin2 & 0xfff];
          if (slot === 0 || !cp2.valid) break events;
          const d2 = cp2.insns[slot];
          if (cp2 === cp && (lin2 >>> 12) === (lin >>> 12)) {
            if (delta === d.len) d.next = d2;
            else if (direct && delta === d.len + d.imm) d.taken = d2;
          }
          eip = ne; lin = lin2; cp = cp2; d = d2;
          continue;
        }
        // other instructions may change anything: back to the event checks
        if (this.repeat) this.repeat = false;
        else this.instret++;
        break;
      }
      this.instret += retired; retired = 0;
      this.mmioTouched = false;
      if (this.state.halted) { this.fastStatus = RunStatus.Halted; break; }
    }
    this.instret += retired;
    return n;
  }

  /**
   * REP MOVS/STOS fast path of the run loop: up to `max` iterations of the instruction at `eip`
   * (record `d`) at once, as a block copy or fill between direct RAM pages. Applies only when
   * every iteration of the chunk is one that the per-iteration handler would complete without
   * any fault or side effect beyond the bytes and registers: forward direction (DF = 0), count
   * ≥ 2, both segments on the fast path (no access checks) and within their limits without
   * address-size wrap, both pages present in the read/write TLB (so RAM, already translated and
   * permitted), no 128-byte line of cached code in the destination range (SMC keeps the
   * per-iteration path, so a store into the REP instruction itself is seen exactly as before),
   * and, for an overlapping MOVS of words/dwords, a distance of at least the element size.
   * Called only from {@link runFast}, i.e. while no event can be due (no TF, breakpoints, NMI,
   * interrupt shadow, stop request; interrupts were polled before the instruction and nothing in
   * a RAM-only chunk can raise one). Leaves ECX/ESI/EDI (16-bit halves with a 16-bit address
   * size) and EIP as after the last iteration: rewound with {@link repeat} set while the count
   * is not exhausted, so the budget counts every iteration and `instret` the instruction once,
   * exactly like the per-iteration path. Returns the iterations done, 0 when not applicable.
   */
  private repChunk(d: DecodedInsn, eip: number, max: number): number {
    if (!repFastPath) return 0;
    const down = (this.flags & Rflags.DF) !== 0;
    const g = this.r, st = this.state;
    const as16 = d.as === 2;
    const cnt = as16 ? g[2] & 0xffff : g[2] >>> 0;
    if (cnt < 2 || max < 2) return 0;
    const op = d.opcode;
    const size = (op & 1) === 0 ? 1 : d.os;
    const movs = op <= 0xa5;
    let k = cnt < max ? cnt : max;
    // destination ES:(E)DI
    if (this.segFastW[Seg.ES] === 0) return 0;
    const addrMax = as16 ? 0xffff : 0xffffffff;
    const di = as16 ? g[14] & 0xffff : g[14] >>> 0;
    let lim = st.segLimit[Seg.ES] >>> 0;
    if (lim > addrMax) lim = addrMax;
    const dLin = (st.segBase[2 * Seg.ES] + di) >>> 0;
    const dOff = dLin & 0xfff;
    let m = repRoom(di, dOff, lim, size, down);
    if (m < k) k = m;
    const wi = (dLin >>> 12) & TLB_MASK;
    if (this.tlbWTag[wi] !== dLin >>> 12) return 0;
    // source DS:(E)SI (or the override)
    let si = 0, sOff = 0, sp: Uint8Array = EMPTY_PAGE;
    if (movs) {
      const s = d.segOvr >= 0 ? d.segOvr : Seg.DS;
      if (this.segFastR[s] === 0) return 0;
      si = as16 ? g[12] & 0xffff : g[12] >>> 0;
      lim = st.segLimit[s] >>> 0;
      if (lim > addrMax) lim = addrMax;
      const sLin = (st.segBase[2 * s] + si) >>> 0;
      sOff = sLin & 0xfff;
      m = repRoom(si, sOff, lim, size, down);
      if (m < k) k = m;
      const ri = (sLin >>> 12) & TLB_MASK;
      if (this.tlbRTag[ri] !== sLin >>> 12) return 0;
      sp = this.tlbRPage[ri];
    }
    if (k < 2) return 0;
    const bytes = k * size;
    // the block's lowest page offsets (DF = 1: the last element is the lowest)
    const dLo = down ? dOff - bytes + size : dOff;
    const sLo = down ? sOff - bytes + size : sOff;
    const ppn = this.tlbWPpn[wi];
    if (this.codeLines[ppn] !== 0 && (this.codeLines[ppn] & codeLineMask(dLo, bytes)) !== 0) return 0;
    const dp = this.tlbWPage[wi];
    if (movs) {
      const sa = sp.byteOffset + sLo, da = dp.byteOffset + dLo;
      const overlap = sp.buffer === dp.buffer && da < sa + bytes && sa < da + bytes;
      if (overlap && !down && da > sa) {
        // destination ahead of the source in the copy direction: an element-order byte copy
        // equals the per-iteration result when the distance is at least the element size
        if (da - sa < size) return 0;
        for (let j = 0; j < bytes; j++) dp[dLo + j] = sp[sLo + j];
      } else if (overlap && down && da < sa) {
        if (sa - da < size) return 0;
        for (let j = bytes - 1; j >= 0; j--) dp[dLo + j] = sp[sLo + j];
      } else {
        dp.set(sp.subarray(sLo, sLo + bytes), dLo); // no overlap, or the source is read first anyway
      }
    } else {
      const v = g[0];
      if (size === 1) dp.fill(v & 0xff, dLo, dLo + bytes);
      else if (size === 2) for (let j = dLo, e = dLo + bytes; j < e; j += 2) { dp[j] = v; dp[j + 1] = v >>> 8; }
      else for (let j = dLo, e = dLo + bytes; j < e; j += 4) { dp[j] = v; dp[j + 1] = v >>> 8; dp[j + 2] = v >>> 16; dp[j + 3] = v >>> 24; }
    }
    const left = cnt - k;
    const delta = down ? -bytes : bytes;
    if (as16) {
      g[14] = (g[14] & ~0xffff) | ((di + delta) & 0xffff);
      if (movs) g[12] = (g[12] & ~0xffff) | ((si + delta) & 0xffff);
      g[2] = (g[2] & ~0xffff) | left;
    } else {
      g[14] = (di + delta) | 0;
      if (movs) g[12] = (si + delta) | 0;
      g[2] = left | 0;
    }
    if (left !== 0) { this.eip = eip; this.repeat = true; }
    this.counters.repFastIterations += k;
    return k;
  }

  /** Execute exactly one instruction (or deliver one pending interrupt); see {@link run}. */
  step(): RunStatus {
    return this.run(1);
  }

  private tripleFault(): RunStatus {
    this.counters.tripleFaults++;
    this.state.halted = false;
    return RunStatus.TripleFault;
  }

  private takeExit(): RunStatus {
    this.pendingExit = false;
    this.counters.intercepts++;
    return RunStatus.Intercept;
  }

  /**
   * Fetch, decode and execute one instruction, then deliver any exception it raised.
   * Returns false on a triple fault or an intercept exit.
   */
  /**
   * Instruction breakpoints (DR0–3 with R/W = 00 enabled in DR7), checked before an instruction
   * executes unless EFLAGS.RF is set; a hit is a fault-class #DB with DR6.Bn (Intel SDM Vol. 3B,
   * 18.3.1.1). Data and I/O breakpoints are traps: see access-checks.ts.
   */
  private instructionBreakpoint(): number {
    const dr = this.state.dr;
    const dr7 = dr[14];
    const lin = (this.csBase + this.eip) | 0;
    let hit = 0;
    for (let i = 0; i < 4; i++) {
      if ((dr7 & (3 << (2 * i))) === 0) continue;
      if (((dr7 >>> (16 + 4 * i)) & 3) !== 0) continue; // not an execution breakpoint
      if (dr[2 * i] === lin) hit |= 1 << i;
    }
    if (hit === 0) return 0;
    dr[12] = (dr[12] & ~0xf) | hit;
    this.startEip = this.eip;
    return this.deliver(Exc.DB, -1, EventType.Exception, this.eip) ? 1 : 2;
  }

  /**
   * The current instruction raised an exception or an intercept exit: rewind EIP to it and
   * deliver the exception (false on a triple fault) or return false for the exit.
   */
  private completeFault(): boolean {
    if (this.pendingExit) {
      this.fault = false;
      this.eip = this.startEip;
      return false;
    }
    this.fault = false;
    this.repeat = false;
    const vec = this.excVector;
    this.eip = this.startEip;
    this.shadow = false;
    const code = hasErrorCode(vec) ? (this.excCode < 0 ? 0 : this.excCode) : -1;
    // traps (INTO, INT3 raised as values) return after the instruction
    return this.deliver(vec, code, EventType.Exception, exceptionKind(vec) === ExcKind.Trap ? this.eip : this.startEip);
  }

  stepInsn(): boolean {
    if ((this.state.dr[14] & 0xff) !== 0) {
      this.checks.hits = 0; // data/I-O breakpoint hits of this instruction (dropped when it faults)
      if ((this.flags & Rflags.RF) === 0) {
        const bp = this.instructionBreakpoint();
        if (bp !== 0) return bp === 1; // #DB delivered before the instruction (2: triple fault or intercept)
      }
    }
    this.startEip = this.eip;
    const d = this.lookup();
    if (d !== null) {
      if (this.interceptVirtClasses !== 0) {
        if (this.skipVirtIntercept) this.skipVirtIntercept = false;
        else if ((d.virt & this.interceptVirtClasses) !== 0) {
          // the decoder's virtualization class is the source of truth for sensitive instructions
          const e = this.exit;
          e.kind = ExitKind.VirtClass; e.code = d.virt; e.info1 = d.len; e.info2 = 0; e.opcode = d.code;
          this.pendingExit = true;
          return false;
        }
      }
    }
    const tf = (this.flags & Rflags.TF) !== 0;
    const rf = (this.flags & Rflags.RF) !== 0;
    let op = -1;
    if (d !== null) {
      this.cur = d;
      op = d.opcode;
      this.opcode = op;
      this.eip = this.startEip + d.len;
      d.exec(this, d);
    }
    if (this.pendingExit || this.fault) return this.completeFault();
    if (this.repeat) this.repeat = false;
    else this.instret++;
    // RF is cleared after every instruction that completes (IRET may set it for the next one)
    if (rf && op !== 0xcf) this.flags &= ~Rflags.RF;
    // single-step and data/I-O breakpoint traps after the instruction (Intel SDM Vol. 3B,
    // 18.3.1.3-4), held over MOV SS / POP SS (access-checks.ts debugTrap)
    if (tf || (this.checks.hits | this.checks.held) !== 0) return debugTrap(this, tf);
    return true;
  }

  // ======================================================================================
  // Snapshots and counters
  // ======================================================================================

  /** The complete CPU state as a JSON-friendly object (core snapshot + interpreter extras). */
  snapshot(): InterpreterSnapshot {
    this.storeToState();
    const msrs: [number, number, number][] = [];
    for (const [k, v] of this.msrs) msrs.push([k, v[0], v[1]]);
    return {
      version: 1, cpu: this.state.snapshot(), shadow: this.shadow, nmiPending: this.nmiPending, nmiBlocked: this.nmiBlocked,
      msrs, tscOffset: this.tscOffset, instret: this.instret,
      fpu: {
        control: this.fpu.control, status: this.fpu.statusWord(), tag: this.fpu.tagWord(),
        regs: Array.from(this.fpu.regs, (v) => (Object.is(v, -0) ? '-0' : String(v))),
        raw: Array.from(this.fpu.rawValid, (ok, i): [number, number, number, number] => [ok, this.fpu.rawLo[i], this.fpu.rawHi[i], this.fpu.rawSe[i]]),
      },
      simd: simdSnapshot(this.state, this.fpu),
    };
  }
  /** Restore a {@link snapshot}. */
  restore(s: InterpreterSnapshot): void {
    this.state.restore(s.cpu);
    this.shadow = s.shadow;
    this.nmiPending = s.nmiPending;
    this.nmiBlocked = s.nmiBlocked;
    this.msrs.clear();
    for (const [k, lo, hi] of s.msrs) this.msrs.set(k, [lo, hi]);
    this.tscOffset = s.tscOffset;
    this.instret = s.instret;
    this.clockSynced = s.instret;
    this.fpu.control = s.fpu.control; this.fpu.status = s.fpu.status & ~0x3800; this.fpu.top = (s.fpu.status >>> 11) & 7;
    this.fpu.setTagWord(s.fpu.tag);
    for (let i = 0; i < 8; i++) {
      this.fpu.regs[i] = Number(s.fpu.regs[i]);
      const r = s.fpu.raw[i];
      this.fpu.rawValid[i] = r[0]; this.fpu.rawLo[i] = r[1]; this.fpu.rawHi[i] = r[2]; this.fpu.rawSe[i] = r[3];
    }
    if (s.simd !== undefined) simdRestore(this.state, this.fpu, s.simd);
    this.fault = false; this.pendingExit = false;
    this.flushCodeCache(); // memory may have been restored behind the bus's back
    this.loadFromState();
  }

  /** Counters as a plain object (`--stats --json`). */
  countersSnapshot(): Record<string, number> {
    const c = this.counters;
    const out: Record<string, number> = { instructions: this.instret };
    let classified = 0;
    for (let i = 1; i < INSN_CLASS_COUNT; i++) classified += c.byClass[i];
    out['class.other'] = this.instret - classified;
    const names = INSN_CLASS_NAMES_LOCAL;
    for (let i = 1; i < INSN_CLASS_COUNT; i++) if (c.byClass[i] !== 0) out[`class.${names[i]}`] = c.byClass[i];
    for (let v = 0; v < 32; v++) if (c.exceptions[v] !== 0) out[`exception.${v}`] = c.exceptions[v];
    out.externalInterrupts = c.externalInterrupts;
    out.softwareInterrupts = c.softwareInterrupts;
    out.ioReads = c.ioReads;
    out.ioWrites = c.ioWrites;
    out.intercepts = c.intercepts;
    out.tripleFaults = c.tripleFaults;
    out.codePageEvictions = c.codePageEvictions;
    out.codeCacheFlushes = c.codeCacheFlushes;
    out.codePagesCached = this.codePages.size;
    out.repFastIterations = c.repFastIterations;
    let unimpl = 0;
    for (let i = 0; i < 512; i++) unimpl += c.unimplemented[i];
    out.unimplemented = unimpl;
    return out;
  }
}

import { INSN_CLASS_NAMES } from './constants.js';
const INSN_CLASS_NAMES_LOCAL: readonly string[] = INSN_CLASS_NAMES;

/** Serialized {@link Cpu} state (version 1). */
export interface InterpreterSnapshot {
  version: 1;
  cpu: ReturnType<CpuState['snapshot']>;
  shadow: boolean;
  nmiPending: boolean;
  nmiBlocked: boolean;
  /** `[msr, lo, hi]` triples. */
  msrs: [number, number, number][];
  tscOffset: number;
  instret: number;
  /** x87: control/status/tag words and R0–R7 as decimal strings (NaN/Infinity survive JSON). */
  fpu: { control: number; status: number; tag: number; regs: string[]; raw: [number, number, number, number][] };
  /** MXCSR, XMM0–7 and the x87 instruction/operand pointers (`fxsave.ts`); absent in older snapshots. */
  simd?: SimdSnapshot;
}

