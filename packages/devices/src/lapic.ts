/**
 * Local APIC in xAPIC mode (MMIO page at IA32_APIC_BASE, default 0xFEE00000).
 *
 * From the Intel SDM Vol. 3A, chapter 11 "Advanced Programmable Interrupt Controller
 * (APIC)": IRR/ISR/TMR, TPR/PPR and the priority rule for delivery (§11.8.3), EOI with the
 * level-triggered EOI broadcast to I/O APICs (§11.8.5), the spurious-interrupt vector register
 * and software enable (§11.9, §11.4.7.2), LVT entries, the APIC timer in one-shot, periodic
 * and TSC-deadline modes (§11.5.4), ESR (§11.5.3), ICR-based IPIs with shorthands (§11.6),
 * logical destination flat/cluster models (§11.6.2.2) and the CR8 ↔ TPR link (§11.8.6.1).
 * x2APIC (MSR access) is not modelled.
 */
import { CounterSet, type InterruptSource, type IrqLine, type MmioDevice, type Timer, type VirtualClock } from '@x86kit/core';
import { type AccessSize, type DeviceObserver, NO_OBSERVER } from './common.js';

/** Register offsets in the APIC page. */
export const ApicReg = {
  ID: 0x020, VERSION: 0x030, TPR: 0x080, APR: 0x090, PPR: 0x0a0, EOI: 0x0b0, RRD: 0x0c0, LDR: 0x0d0, DFR: 0x0e0,
  SVR: 0x0f0, ISR0: 0x100, TMR0: 0x180, IRR0: 0x200, ESR: 0x280, LVT_CMCI: 0x2f0, ICR_LOW: 0x300, ICR_HIGH: 0x310,
  LVT_TIMER: 0x320, LVT_THERMAL: 0x330, LVT_PERF: 0x340, LVT_LINT0: 0x350, LVT_LINT1: 0x360, LVT_ERROR: 0x370,
  TIMER_INITIAL: 0x380, TIMER_CURRENT: 0x390, TIMER_DIVIDE: 0x3e0,
} as const;
/** Delivery modes (ICR, LVT, IOAPIC redirection entries). */
export const ApicDelivery = { FIXED: 0, LOWEST: 1, SMI: 2, NMI: 4, INIT: 5, STARTUP: 6, EXTINT: 7 } as const;
export type ApicDelivery = (typeof ApicDelivery)[keyof typeof ApicDelivery];
/** LVT bits. */
export const ApicLvt = { MASKED: 0x10000, LEVEL: 0x8000, REMOTE_IRR: 0x4000, PENDING: 0x1000 } as const;
/** LVT timer modes (bits 18:17). */
export const ApicTimerMode = { ONE_SHOT: 0, PERIODIC: 1, TSC_DEADLINE: 2 } as const;
export type ApicTimerMode = (typeof ApicTimerMode)[keyof typeof ApicTimerMode];
/** ESR bits. */
export const ApicEsr = { SEND_ILLEGAL_VECTOR: 0x20, RECEIVE_ILLEGAL_VECTOR: 0x40, ILLEGAL_REGISTER: 0x80 } as const;
/** IA32_APIC_BASE bits. */
export const ApicBaseMsr = { BSP: 0x100, EXTD: 0x400, ENABLE: 0x800 } as const;

/** Counter names of {@link LocalApic}. */
export const LAPIC_COUNTERS = [
  'mmioReads', 'mmioWrites', 'badAccesses', 'accepted', 'delivered', 'eoi', 'eoiBroadcasts', 'spurious',
  'timerFires', 'ipisSent', 'selfIpis', 'nmi', 'init', 'startup', 'extInt', 'errors',
] as const;
export type LapicCounter = (typeof LAPIC_COUNTERS)[number];
const C_READ = 0, C_WRITE = 1, C_BAD = 2, C_ACCEPT = 3, C_DELIVER = 4, C_EOI = 5, C_EOI_BC = 6, C_SPURIOUS = 7,
  C_TIMER = 8, C_IPI = 9, C_SELF = 10, C_NMI = 11, C_INIT = 12, C_STARTUP = 13, C_EXTINT = 14, C_ERR = 15;

/**
 * An interprocessor message written to the ICR, surfaced to the host. One object per APIC is
 * reused for every message: copy the fields if you keep them.
 */
export class IpiMessage {
  /** APIC ID of the sender. */
  source = 0;
  vector = 0;
  /** {@link ApicDelivery}. */
  deliveryMode = 0;
  /** 0 = physical, 1 = logical. */
  destMode = 0;
  /** ICR level bit: 1 = assert (0 only matters for INIT level de-assert). */
  level = 1;
  /** 0 = edge, 1 = level. */
  trigger = 0;
  /** 0 = none (use `destination`), 1 = self, 2 = all including self, 3 = all excluding self. */
  shorthand = 0;
  /** Destination field (ICR bits 63:56). */
  destination = 0;
}

/** Options of {@link LocalApic}. */
export interface LocalApicOptions {
  clock: VirtualClock;
  /** Initial APIC ID (default 0). */
  id?: number;
  /** Bootstrap processor (default true): sets IA32_APIC_BASE.BSP and, as QEMU does, LINT0 = ExtINT at reset. */
  bsp?: boolean;
  /** APIC timer input clock (default 1 GHz, one bus tick per ns, as QEMU). */
  busHz?: number;
  /** TSC frequency for TSC-deadline mode (default 1 GHz: TSC = virtual ns). */
  tscHz?: number;
  /** The 8259A pair behind LINT0 in ExtINT (virtual wire) mode, polled on INTA. */
  extInt?: InterruptSource;
  /** ICR messages that leave this APIC (everything but the "self" shorthand). */
  onIpi?: (msg: IpiMessage) => void;
  /** EOI of a level-triggered vector (TMR set): broadcast to I/O APICs. */
  onEoi?: (vector: number) => void;
  onNmi?: () => void;
  onSmi?: () => void;
  /** An INIT was accepted: the host resets this CPU (the APIC already reset itself). */
  onInit?: () => void;
  /** A STARTUP IPI was accepted: the host starts this CPU at `vector << 12` in real mode. */
  onStartup?: (vector: number) => void;
  /** IA32_APIC_BASE moved the register page. */
  onBaseChange?: (base: number) => void;
  observer?: DeviceObserver;
}

/** Serialisable state of {@link LocalApic} (`version` 1). */
export interface LocalApicSnapshot {
  version: 1;
  id: number; apicBase: number; tpr: number; ldr: number; dfr: number; svr: number; esr: number; pendingEsr: number;
  icrLow: number; icrHigh: number; lvt: number[]; irr: number[]; isr: number[]; tmr: number[];
  timerInitial: number; timerDivide: number; timerStart: number; timerExpirations: number; tscDeadline: number;
}

const LVT_TIMER = 0, LVT_LINT0 = 3, LVT_LINT1 = 4, LVT_ERROR = 5; // thermal = 1, performance = 2
const LVT_WRITE_MASK = [0x700ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff] as const;

function highestBit(bits: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const w = bits[i];
    if (w !== 0) return i * 32 + 31 - Math.clz32(w);
  }
  return -1;
}

class LintInput implements IrqLine {
  private readonly apic: LocalApic;
  private readonly index: number;
  private level = false;
  constructor(apic: LocalApic, index: number) {
    this.apic = apic;
    this.index = index;
  }
  raise(): void {
    if (!this.level) { this.level = true; this.apic.lintEdge(this.index, true); }
  }
  lower(): void {
    if (this.level) { this.level = false; this.apic.lintEdge(this.index, false); }
  }
}

/**
 * One Local APIC. Map {@link LocalApic.DEFAULT_BASE} (4 KiB) as MMIO; give the CPU this object
 * as its {@link InterruptSource}. The machine forwards IA32_APIC_BASE, IA32_TSC_DEADLINE and
 * CR8 accesses to the methods below.
 */
export class LocalApic implements MmioDevice, InterruptSource {
  static readonly DEFAULT_BASE = 0xfee00000;
  /** Version register: version 0x14 (integrated xAPIC), 6 LVT entries (max LVT = 5). */
  static readonly VERSION = 0x00050014;

  readonly counters = new CounterSet<LapicCounter>(LAPIC_COUNTERS);
  /** LINT0 input pin (the 8259A INTR in virtual-wire mode). */
  readonly lint0: IrqLine;
  /** LINT1 input pin (NMI on PCs). */
  readonly lint1: IrqLine;
  id: number;
  apicBase: number;
  tpr = 0;
  ldr = 0;
  dfr = 0xffffffff;
  svr = 0xff;
  esr = 0;
  private pendingEsr = 0;
  icrLow = 0;
  icrHigh = 0;
  /** LVT: timer, thermal, performance, LINT0, LINT1, error. */
  readonly lvt = new Uint32Array(6);
  readonly irr = new Uint32Array(8);
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  /** Number of bits set in IRR: lets the per-instruction `hasInterrupt()` poll skip the scan. */
  private irrBits = 0;
  timerInitial = 0;
  timerDivide = 2;
  private timerStart = 0;
  private timerExpirations = 0;
  private tscDeadline = 0;
  /** An ExtINT message arrived (e.g. an I/O APIC pin in ExtINT mode): INTA goes to the 8259A. */
  private extIntRequested = false;
  private readonly bsp: boolean;
  private readonly nsPerBusTick: number;
  private readonly tscHz: number;
  private readonly clock: VirtualClock;
  private readonly timer: Timer;
  private readonly msg = new IpiMessage();
  private readonly extInt: InterruptSource | null;
  private readonly onIpi: ((msg: IpiMessage) => void) | null;
  private readonly onEoi: (vector: number) => void;
  private readonly onNmi: () => void;
  private readonly onSmi: () => void;
  private readonly onInit: () => void;
  private readonly onStartup: (vector: number) => void;
  private readonly onBaseChange: (base: number) => void;
  private readonly observer: DeviceObserver;

  constructor(options: LocalApicOptions) {
    const noop = (): void => {};
    this.clock = options.clock;
    this.id = options.id ?? 0;
    this.bsp = options.bsp ?? true;
    this.apicBase = LocalApic.DEFAULT_BASE | ApicBaseMsr.ENABLE | (this.bsp ? ApicBaseMsr.BSP : 0);
    this.nsPerBusTick = 1e9 / (options.busHz ?? 1e9);
    this.tscHz = options.tscHz ?? 1e9;
    this.extInt = options.extInt ?? null;
    this.onIpi = options.onIpi ?? null;
    this.onEoi = options.onEoi ?? noop;
    this.onNmi = options.onNmi ?? noop;
    this.onSmi = options.onSmi ?? noop;
    this.onInit = options.onInit ?? noop;
    this.onStartup = options.onStartup ?? noop;
    this.onBaseChange = options.onBaseChange ?? noop;
    this.observer = options.observer ?? NO_OBSERVER;
    this.timer = this.clock.createTimer(() => this.onTimer());
    this.lint0 = new LintInput(this, LVT_LINT0);
    this.lint1 = new LintInput(this, LVT_LINT1);
    this.reset();
  }

  /** Power-on / INIT state (SDM §11.4.7.1); the APIC ID and IA32_APIC_BASE are kept. */
  reset(): void {
    this.tpr = 0; this.ldr = 0; this.dfr = 0xffffffff; this.svr = 0xff; this.esr = 0; this.pendingEsr = 0;
    this.icrLow = 0; this.icrHigh = 0;
    this.lvt.fill(ApicLvt.MASKED);
    // QEMU's convention: the BSP comes up with LINT0 in ExtINT so the 8259A works before firmware runs.
    if (this.bsp) this.lvt[LVT_LINT0] = ApicDelivery.EXTINT << 8;
    this.irr.fill(0); this.isr.fill(0); this.tmr.fill(0);
    this.irrBits = 0;
    this.timerInitial = 0; this.timerDivide = 2; this.timerExpirations = 0; this.tscDeadline = 0;
    this.extIntRequested = false;
    this.timer.cancel();
  }

  /** IA32_APIC_BASE.EN: the APIC is hardware-enabled. */
  get hardwareEnabled(): boolean {
    return (this.apicBase & ApicBaseMsr.ENABLE) !== 0;
  }

  /** SVR bit 8: the APIC is software-enabled. */
  get softwareEnabled(): boolean {
    return (this.svr & 0x100) !== 0;
  }

  /** RDMSR IA32_APIC_BASE (low 32 bits; the high bits are 0 in a 32-bit physical space). */
  readApicBaseMsr(): number {
    return this.apicBase >>> 0;
  }

  /** WRMSR IA32_APIC_BASE. Clearing EN resets the APIC; x2APIC (EXTD) is not supported and ignored. */
  writeApicBaseMsr(value: number): void {
    const old = this.apicBase;
    this.apicBase = ((value & 0xfffff000) | (value & ApicBaseMsr.ENABLE) | (old & ApicBaseMsr.BSP)) >>> 0;
    if ((old & ApicBaseMsr.ENABLE) !== 0 && (value & ApicBaseMsr.ENABLE) === 0) this.reset();
    if (((old ^ this.apicBase) & 0xfffff000) !== 0) this.onBaseChange((this.apicBase & 0xfffff000) >>> 0);
  }

  /** MOV from CR8: TPR[7:4]. */
  readCr8(): number {
    return this.tpr >> 4;
  }

  /** MOV to CR8: TPR[7:4] = value, TPR[3:0] = 0. */
  writeCr8(value: number): void {
    this.tpr = (value & 0xf) << 4;
  }

  /** RDMSR IA32_TSC_DEADLINE. */
  readTscDeadline(): number {
    return this.tscDeadline;
  }

  /** WRMSR IA32_TSC_DEADLINE: arms the timer in TSC-deadline mode; 0 disarms (SDM §11.5.4.1). */
  writeTscDeadline(value: number): void {
    if (this.timerMode() !== ApicTimerMode.TSC_DEADLINE) return; // ignored in other modes
    this.tscDeadline = value;
    if (value === 0) { this.timer.cancel(); return; }
    const ns = (value * 1e9) / this.tscHz;
    this.timer.arm(Math.max(ns, this.clock.now()));
  }

  /** Processor priority (SDM §11.8.3.1). */
  get ppr(): number {
    const isrv = Math.max(0, highestBit(this.isr));
    return (this.tpr & 0xf0) >= (isrv & 0xf0) ? this.tpr & 0xff : isrv & 0xf0;
  }

  private timerMode(): number {
    return (this.lvt[LVT_TIMER] >> 17) & 3;
  }

  private ticksNs(): number {
    return this.timerDivide * this.nsPerBusTick;
  }

  /** Current-count register now. */
  currentCount(): number {
    if (this.timerInitial === 0 || this.timerMode() === ApicTimerMode.TSC_DEADLINE) return 0;
    const elapsed = Math.floor((this.clock.now() - this.timerStart) / this.ticksNs());
    if (this.timerMode() === ApicTimerMode.PERIODIC) return this.timerInitial - (elapsed % this.timerInitial);
    return elapsed >= this.timerInitial ? 0 : this.timerInitial - elapsed;
  }

  private armCountdown(): void {
    if (this.timerInitial === 0 || this.timerMode() === ApicTimerMode.TSC_DEADLINE) { this.timer.cancel(); return; }
    this.timer.arm(this.timerStart + (this.timerExpirations + 1) * this.timerInitial * this.ticksNs());
  }

  private onTimer(): void {
    this.counters.values[C_TIMER]++;
    const lvt = this.lvt[LVT_TIMER];
    if ((lvt & ApicLvt.MASKED) === 0) this.acceptLocal(lvt & 0xff, 0);
    const mode = this.timerMode();
    if (mode === ApicTimerMode.PERIODIC) {
      this.timerExpirations++;
      this.armCountdown();
    } else if (mode === ApicTimerMode.TSC_DEADLINE) {
      this.tscDeadline = 0;
    }
  }

  /** Record an APIC error and raise the LVT error interrupt if unmasked. */
  private error(bits: number): void {
    this.counters.values[C_ERR]++;
    this.pendingEsr |= bits;
    const lvt = this.lvt[LVT_ERROR];
    if ((lvt & ApicLvt.MASKED) === 0 && (lvt & 0xff) >= 16) this.setIrr(lvt & 0xff, 0);
  }

  private setIrr(vector: number, trigger: number): void {
    const w = vector >> 5, bit = 1 << (vector & 31);
    if ((this.irr[w] & bit) === 0) this.irrBits++;
    this.irr[w] |= bit;
    if (trigger !== 0) this.tmr[w] |= bit; else this.tmr[w] &= ~bit;
    this.counters.values[C_ACCEPT]++;
  }

  /** A locally generated fixed interrupt (LVT, self-IPI). */
  private acceptLocal(vector: number, trigger: number): void {
    if (vector < 16) { this.error(ApicEsr.SEND_ILLEGAL_VECTOR); return; }
    this.setIrr(vector, trigger);
  }

  /**
   * An interrupt message arriving from the APIC bus (I/O APIC, another CPU's IPI, MSI).
   * `trigger`: 0 edge, 1 level.
   */
  accept(deliveryMode: number, vector: number, trigger: number): void {
    vector &= 0xff;
    if (!this.hardwareEnabled) return; // a globally disabled APIC takes no part in the APIC bus
    switch (deliveryMode) {
      case ApicDelivery.FIXED: case ApicDelivery.LOWEST:
        if (vector < 16) { this.error(ApicEsr.RECEIVE_ILLEGAL_VECTOR); return; }
        this.setIrr(vector, trigger);
        return;
      case ApicDelivery.NMI: this.counters.values[C_NMI]++; this.onNmi(); return;
      case ApicDelivery.SMI: this.onSmi(); return;
      case ApicDelivery.INIT:
        this.counters.values[C_INIT]++;
        this.reset();
        this.onInit();
        return;
      case ApicDelivery.STARTUP: this.counters.values[C_STARTUP]++; this.onStartup(vector); return;
      case ApicDelivery.EXTINT: // serviced by an INTA cycle to the 8259A
        this.counters.values[C_EXTINT]++;
        if (this.extInt !== null) this.extIntRequested = true;
        return;
      default: this.counters.values[C_BAD]++;
    }
  }

  /** Does a message addressed with (`dest`, `destMode`) select this APIC? (SDM §11.6.2). */
  matchesDestination(dest: number, destMode: number): boolean {
    dest &= 0xff;
    if (destMode === 0) return dest === 0xff || dest === (this.id & 0xff);
    const ldr = this.ldr >>> 24;
    if ((this.dfr >>> 28) === 0xf) return (ldr & dest) !== 0; // flat model
    // cluster model: high nibble = cluster, low nibble = member bitmap
    return ((dest >> 4) === 0xf || (dest >> 4) === (ldr >> 4)) && (dest & ldr & 0x0f) !== 0;
  }

  /** @internal LINT pin edge. */
  lintEdge(index: number, level: boolean): void {
    const lvt = this.lvt[index];
    if ((lvt & ApicLvt.MASKED) !== 0 || !this.hardwareEnabled) return;
    const mode = (lvt >> 8) & 7;
    const levelTriggered = (lvt & ApicLvt.LEVEL) !== 0 && mode === ApicDelivery.FIXED;
    if (!level) {
      if (levelTriggered) this.lvt[index] &= ~ApicLvt.REMOTE_IRR;
      return;
    }
    switch (mode) {
      case ApicDelivery.FIXED:
        if (levelTriggered) this.lvt[index] |= ApicLvt.REMOTE_IRR;
        this.acceptLocal(lvt & 0xff, levelTriggered ? 1 : 0);
        return;
      case ApicDelivery.NMI: this.counters.values[C_NMI]++; this.onNmi(); return;
      case ApicDelivery.SMI: this.onSmi(); return;
      case ApicDelivery.INIT: this.accept(ApicDelivery.INIT, 0, 0); return;
      default: return; // ExtINT: the 8259A is polled through hasInterrupt()/acknowledge()
    }
  }

  private picRoutedHere(): boolean {
    if (this.extInt === null) return false;
    if (!this.hardwareEnabled || this.extIntRequested) return true; // no APIC: INTR goes straight to the CPU
    const lvt = this.lvt[LVT_LINT0];
    return (lvt & ApicLvt.MASKED) === 0 && ((lvt >> 8) & 7) === ApicDelivery.EXTINT;
  }

  private deliverable(): number {
    if (this.irrBits === 0) return -1;
    const v = highestBit(this.irr);
    return v >= 0 && (v & 0xf0) > (this.ppr & 0xf0) ? v : -1;
  }

  hasInterrupt(): boolean {
    if (this.hardwareEnabled && this.deliverable() >= 0) return true;
    return this.picRoutedHere() && (this.extInt as InterruptSource).hasInterrupt();
  }

  /** INTA: the highest deliverable vector moves from IRR to ISR; else the 8259A (ExtINT); else spurious. */
  acknowledge(): number {
    if (this.hardwareEnabled) {
      const v = this.deliverable();
      if (v >= 0) {
        const w = v >> 5, bit = 1 << (v & 31);
        this.irr[w] &= ~bit;
        this.irrBits--;
        this.isr[w] |= bit;
        this.counters.values[C_DELIVER]++;
        this.observer('deliver', v);
        return v;
      }
    }
    if (this.picRoutedHere() && (this.extInt as InterruptSource).hasInterrupt()) {
      this.counters.values[C_EXTINT]++;
      this.extIntRequested = false;
      return (this.extInt as InterruptSource).acknowledge();
    }
    this.extIntRequested = false;
    this.counters.values[C_SPURIOUS]++;
    return this.svr & 0xff;
  }

  /** Write to the EOI register: retire the highest in-service vector (SDM §11.8.5). */
  eoi(): void {
    const v = highestBit(this.isr);
    this.counters.values[C_EOI]++;
    if (v < 0) return;
    const w = v >> 5, bit = 1 << (v & 31);
    this.isr[w] &= ~bit;
    if ((this.tmr[w] & bit) !== 0) {
      this.counters.values[C_EOI_BC]++;
      this.onEoi(v);
    }
  }

  private sendIcr(): void {
    const lo = this.icrLow;
    const m = this.msg;
    m.source = this.id & 0xff;
    m.vector = lo & 0xff;
    m.deliveryMode = (lo >> 8) & 7;
    m.destMode = (lo >> 11) & 1;
    m.level = (lo >> 14) & 1;
    m.trigger = (lo >> 15) & 1;
    m.shorthand = (lo >> 18) & 3;
    m.destination = this.icrHigh >>> 24;
    this.counters.values[C_IPI]++;
    this.observer('ipi', lo);
    if (m.shorthand === 1) {
      this.counters.values[C_SELF]++;
      if (m.deliveryMode === ApicDelivery.FIXED) this.acceptLocal(m.vector, m.trigger);
      else this.accept(m.deliveryMode, m.vector, m.trigger); // self NMI etc. (self INIT/SIPI are invalid)
      return;
    }
    if (this.onIpi !== null) { this.onIpi(m); return; }
    // No APIC bus wired: a uniprocessor delivers what is addressed to itself.
    if (m.deliveryMode === ApicDelivery.INIT && m.level === 0) return; // INIT level de-assert
    if (m.shorthand === 2 || (m.shorthand === 0 && this.matchesDestination(m.destination, m.destMode))) {
      if (m.shorthand === 2) this.counters.values[C_SELF]++;
      this.accept(m.deliveryMode, m.vector, m.trigger);
    }
  }

  readMmio(offset: number, size: AccessSize): number {
    this.counters.values[C_READ]++;
    if (size !== 4 || (offset & 0xf) !== 0) {
      this.counters.values[C_BAD]++;
      if ((offset & 0xf) + size > 4) return 0;
      return (this.readRegister(offset & 0xff0) >>> (8 * (offset & 3))) & (size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff);
    }
    return this.readRegister(offset);
  }

  private readRegister(reg: number): number {
    switch (reg) {
      case ApicReg.ID: return (this.id << 24) >>> 0;
      case ApicReg.VERSION: return LocalApic.VERSION;
      case ApicReg.TPR: return this.tpr;
      case ApicReg.APR: return 0;
      case ApicReg.PPR: return this.ppr;
      case ApicReg.EOI: return 0;
      case ApicReg.RRD: return 0;
      case ApicReg.LDR: return this.ldr >>> 0;
      case ApicReg.DFR: return this.dfr >>> 0;
      case ApicReg.SVR: return this.svr;
      case ApicReg.ESR: return this.esr;
      case ApicReg.ICR_LOW: return this.icrLow & ~ApicLvt.PENDING; // delivery is instantaneous
      case ApicReg.ICR_HIGH: return this.icrHigh >>> 0;
      case ApicReg.LVT_TIMER: case ApicReg.LVT_THERMAL: case ApicReg.LVT_PERF:
      case ApicReg.LVT_LINT0: case ApicReg.LVT_LINT1: case ApicReg.LVT_ERROR:
        return this.lvt[(reg - ApicReg.LVT_TIMER) >> 4];
      case ApicReg.TIMER_INITIAL: return this.timerInitial;
      case ApicReg.TIMER_CURRENT: return this.currentCount();
      case ApicReg.TIMER_DIVIDE: return this.divideConfig();
      default:
        if (reg >= ApicReg.ISR0 && reg < ApicReg.ISR0 + 0x80) return this.isr[(reg - ApicReg.ISR0) >> 4] >>> 0;
        if (reg >= ApicReg.TMR0 && reg < ApicReg.TMR0 + 0x80) return this.tmr[(reg - ApicReg.TMR0) >> 4] >>> 0;
        if (reg >= ApicReg.IRR0 && reg < ApicReg.IRR0 + 0x80) return this.irr[(reg - ApicReg.IRR0) >> 4] >>> 0;
        this.counters.values[C_BAD]++;
        this.error(ApicEsr.ILLEGAL_REGISTER);
        return 0;
    }
  }

  private divideConfig(): number {
    const d = this.timerDivide;
    if (d === 1) return 0xb;
    const v = Math.log2(d) - 1; // 2→0 … 128→6
    return (v & 3) | ((v & 4) << 1);
  }

  writeMmio(offset: number, size: AccessSize, value: number): void {
    this.counters.values[C_WRITE]++;
    if (size !== 4 || (offset & 0xf) !== 0) { this.counters.values[C_BAD]++; return; }
    value >>>= 0;
    switch (offset) {
      case ApicReg.ID: this.id = value >>> 24; return;
      case ApicReg.TPR: this.tpr = value & 0xff; return;
      case ApicReg.EOI: this.eoi(); return;
      case ApicReg.LDR: this.ldr = (value & 0xff000000) >>> 0; return;
      case ApicReg.DFR: this.dfr = (value | 0x0fffffff) >>> 0; return;
      case ApicReg.SVR:
        this.svr = value & 0x3ff;
        if ((value & 0x100) === 0) for (let i = 0; i < 6; i++) this.lvt[i] |= ApicLvt.MASKED;
        return;
      case ApicReg.ESR: this.esr = this.pendingEsr; this.pendingEsr = 0; return;
      case ApicReg.ICR_HIGH: this.icrHigh = (value & 0xff000000) >>> 0; return;
      case ApicReg.ICR_LOW: this.icrLow = value & 0xccfff; this.sendIcr(); return;
      case ApicReg.LVT_TIMER: case ApicReg.LVT_THERMAL: case ApicReg.LVT_PERF:
      case ApicReg.LVT_LINT0: case ApicReg.LVT_LINT1: case ApicReg.LVT_ERROR: {
        const i = (offset - ApicReg.LVT_TIMER) >> 4;
        const keep = this.lvt[i] & (ApicLvt.REMOTE_IRR | ApicLvt.PENDING);
        let v = (value & LVT_WRITE_MASK[i]) | keep;
        if (!this.softwareEnabled) v |= ApicLvt.MASKED;
        if (i === LVT_TIMER) {
          const oldMode = this.timerMode();
          this.lvt[i] = v;
          const newMode = this.timerMode();
          if ((oldMode === ApicTimerMode.TSC_DEADLINE) !== (newMode === ApicTimerMode.TSC_DEADLINE)) {
            // Switching to or from TSC-deadline mode disarms the timer (SDM §11.5.4.1).
            this.timer.cancel();
            this.timerInitial = 0;
            this.tscDeadline = 0;
          }
        } else {
          this.lvt[i] = v;
        }
        return;
      }
      case ApicReg.TIMER_INITIAL:
        if (this.timerMode() === ApicTimerMode.TSC_DEADLINE) return; // ignored in TSC-deadline mode
        this.timerInitial = value;
        this.timerStart = this.clock.now();
        this.timerExpirations = 0;
        this.armCountdown();
        return;
      case ApicReg.TIMER_DIVIDE: {
        const current = this.currentCount();
        const v = (value & 3) | ((value >> 1) & 4);
        this.timerDivide = v === 7 ? 1 : 2 << v;
        if (this.timerInitial !== 0 && current !== 0) {
          // Keep the current count; the remaining ticks run at the new rate.
          this.timerStart = this.clock.now() - (this.timerInitial - current) * this.ticksNs();
          this.timerExpirations = 0;
          this.armCountdown();
        }
        return;
      }
      default:
        if (offset === ApicReg.VERSION || offset === ApicReg.PPR || offset === ApicReg.APR || offset === ApicReg.RRD
          || offset === ApicReg.TIMER_CURRENT || (offset >= ApicReg.ISR0 && offset < ApicReg.IRR0 + 0x80)) {
          return; // read-only registers ignore writes
        }
        this.counters.values[C_BAD]++;
        this.error(ApicEsr.ILLEGAL_REGISTER);
    }
  }

  snapshot(): LocalApicSnapshot {
    return {
      version: 1, id: this.id, apicBase: this.apicBase, tpr: this.tpr, ldr: this.ldr, dfr: this.dfr, svr: this.svr,
      esr: this.esr, pendingEsr: this.pendingEsr, icrLow: this.icrLow, icrHigh: this.icrHigh, lvt: Array.from(this.lvt),
      irr: Array.from(this.irr), isr: Array.from(this.isr), tmr: Array.from(this.tmr), timerInitial: this.timerInitial,
      timerDivide: this.timerDivide, timerStart: this.timerStart, timerExpirations: this.timerExpirations,
      tscDeadline: this.tscDeadline,
    };
  }

  restore(s: LocalApicSnapshot): void {
    this.id = s.id; this.apicBase = s.apicBase; this.tpr = s.tpr; this.ldr = s.ldr; this.dfr = s.dfr; this.svr = s.svr;
    this.esr = s.esr; this.pendingEsr = s.pendingEsr; this.icrLow = s.icrLow; this.icrHigh = s.icrHigh;
    this.lvt.set(s.lvt); this.irr.set(s.irr); this.isr.set(s.isr); this.tmr.set(s.tmr);
    this.irrBits = 0;
    for (let i = 0; i < 256; i++) if ((this.irr[i >> 5] & (1 << (i & 31))) !== 0) this.irrBits++;
    this.timerInitial = s.timerInitial; this.timerDivide = s.timerDivide; this.timerStart = s.timerStart;
    this.timerExpirations = s.timerExpirations; this.tscDeadline = s.tscDeadline;
    this.timer.cancel();
    if (this.timerMode() === ApicTimerMode.TSC_DEADLINE) {
      if (this.tscDeadline !== 0) this.timer.arm(Math.max((this.tscDeadline * 1e9) / this.tscHz, this.clock.now()));
    } else {
      this.armCountdown();
    }
  }
}

/**
 * The APIC bus between several Local APICs and I/O APICs: routes IPIs and I/O APIC messages
 * by destination (physical, logical flat/cluster, shorthands; lowest priority picks the
 * lowest TPR), and broadcasts level-triggered EOIs to listeners (I/O APICs).
 */
export class ApicBus {
  readonly apics: LocalApic[] = [];
  private readonly eoiListeners: ((vector: number) => void)[] = [];

  add(apic: LocalApic): void {
    this.apics.push(apic);
  }

  /** Register an EOI listener (e.g. `(v) => ioapic.eoi(v)`); wire each LAPIC's `onEoi` to {@link ApicBus.broadcastEoi}. */
  onEoi(listener: (vector: number) => void): void {
    this.eoiListeners.push(listener);
  }

  readonly broadcastEoi = (vector: number): void => {
    for (let i = 0; i < this.eoiListeners.length; i++) this.eoiListeners[i](vector);
  };

  /** Deliver a message to the APICs selected by (`dest`, `destMode`). */
  readonly deliver = (dest: number, destMode: number, deliveryMode: number, vector: number, trigger: number): void => {
    if (deliveryMode === ApicDelivery.LOWEST) {
      let best: LocalApic | null = null;
      for (const a of this.apics) {
        if (a.matchesDestination(dest, destMode) && (best === null || a.tpr < best.tpr)) best = a;
      }
      if (best !== null) best.accept(deliveryMode, vector, trigger);
      return;
    }
    for (const a of this.apics) if (a.matchesDestination(dest, destMode)) a.accept(deliveryMode, vector, trigger);
  };

  /** Route an ICR message (pass as every LAPIC's `onIpi`). */
  readonly sendIpi = (m: IpiMessage): void => {
    if (m.deliveryMode === ApicDelivery.INIT && m.level === 0) return; // INIT level de-assert: no effect
    if (m.shorthand === 0) { this.deliver(m.destination, m.destMode, m.deliveryMode, m.vector, m.trigger); return; }
    for (const a of this.apics) {
      if (m.shorthand === 3 && (a.id & 0xff) === m.source) continue;
      if (m.shorthand === 1 && (a.id & 0xff) !== m.source) continue;
      a.accept(m.deliveryMode, m.vector, m.trigger);
    }
  };
}
