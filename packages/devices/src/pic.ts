/**
 * Intel 8259A programmable interrupt controller, as the master/slave pair of a PC/AT
 * (slave cascaded on master IR2), plus the PIIX/ICH edge/level control registers (ELCR,
 * ports 0x4D0/0x4D1).
 *
 * Programming model from the Intel 8259A datasheet (order no. 231468): ICW1–ICW4
 * initialisation, OCW1 (mask), OCW2 (EOI, rotation, priority), OCW3 (read IRR/ISR, poll,
 * special mask mode), automatic EOI, special fully nested mode, and the spurious IR7
 * acknowledge when a request disappears before INTA.
 */
import { CounterSet, type InterruptSource, type IrqLine, NO_IRQ, type PortIoDevice } from '@x86kit/core';
import { type AccessSize, type ByteRegisters, type DeviceObserver, NO_OBSERVER, splitRead, splitWrite } from './common.js';

/** Counter names of {@link PicPair}. */
export const PIC_COUNTERS = [
  'portReads', 'portWrites', 'badAccesses', 'irqRaised', 'acknowledged', 'spurious', 'eoi', 'polls', 'initSequences',
] as const;
/** Counter names of {@link PicPair}. */
export type PicCounter = (typeof PIC_COUNTERS)[number];
const C_READ = 0, C_WRITE = 1, C_BAD = 2, C_RAISED = 3, C_ACK = 4, C_SPURIOUS = 5, C_EOI = 6, C_POLL = 7, C_INIT = 8;

/** Serialisable state of one 8259A. */
export interface Pic8259State {
  irr: number; isr: number; imr: number; lastLevel: number; elcr: number;
  vectorBase: number; priorityAdd: number; initStep: number; icw4Needed: boolean; single: boolean;
  ltim: boolean; readIsr: boolean; poll: boolean; specialMask: boolean; autoEoi: boolean;
  rotateOnAutoEoi: boolean; specialFullyNested: boolean; microprocessorMode: number;
}

/** Serialisable state of a {@link PicPair} (`version` 1). */
export interface PicPairSnapshot {
  version: 1;
  master: Pic8259State;
  slave: Pic8259State;
}

/**
 * One 8259A. Ports: offset 0 = command (A0=0), offset 1 = data (A0=1). Use it through a
 * {@link PicPair}; a lone chip is also valid (single mode, ICW1.SNGL).
 */
export class Pic8259 {
  /** Interrupt request register. */
  irr = 0;
  /** In-service register. */
  isr = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0;
  /** Last level seen on each IR input (edge detection). */
  lastLevel = 0;
  /** Edge/level control: bit set = level-triggered input (PIIX ELCR). */
  elcr = 0;
  /** Vector base from ICW2 (bits 7..3). */
  vectorBase = 0;
  /** Rotation: the IR with the highest priority is `priorityAdd`. */
  priorityAdd = 0;
  /** 0 = ready (OCW mode); 1 = expecting ICW2; 2 = ICW3; 3 = ICW4. */
  initStep = 0;
  icw4Needed = false;
  single = false;
  /** ICW1.LTIM: all inputs level-triggered. */
  ltim = false;
  /** OCW3 RR/RIS: a command-port read returns ISR (true) or IRR (false). */
  readIsr = false;
  /** OCW3 P: the next read is a poll. */
  poll = false;
  /** OCW3 SMM: special mask mode. */
  specialMask = false;
  /** ICW4 AEOI. */
  autoEoi = false;
  /** OCW2 rotate in automatic EOI mode. */
  rotateOnAutoEoi = false;
  /** ICW4 SFNM. */
  specialFullyNested = false;
  /** ICW4 µPM: 1 = 8086/88 mode (the only mode a PC uses). */
  microprocessorMode = 1;
  /** True for the master of a pair (its IR2 carries the slave). */
  readonly isMaster: boolean;

  constructor(isMaster: boolean) {
    this.isMaster = isMaster;
  }

  /** Drive input `irq` (0–7) to `level`. Edge inputs latch IRR on a rising edge only. */
  setInput(irq: number, level: boolean): void {
    const mask = 1 << irq;
    if (((this.elcr | (this.ltim ? 0xff : 0)) & mask) !== 0) {
      if (level) { this.irr |= mask; this.lastLevel |= mask; } else { this.irr &= ~mask; this.lastLevel &= ~mask; }
    } else if (level) {
      if ((this.lastLevel & mask) === 0) this.irr |= mask;
      this.lastLevel |= mask;
    } else {
      this.lastLevel &= ~mask;
    }
  }

  /** Priority index (0 = highest) of the highest-priority bit in `mask`, or 8 if none. */
  private priority(mask: number): number {
    if (mask === 0) return 8;
    let p = 0;
    while ((mask & (1 << ((p + this.priorityAdd) & 7))) === 0) p++;
    return p;
  }

  /** The IR (0–7) that would be delivered now, or -1 (datasheet "priority resolver"). */
  pendingIrq(): number {
    const p = this.priority(this.irr & ~this.imr);
    if (p === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    if (this.specialFullyNested && this.isMaster) inService &= ~(1 << 2);
    const cur = this.priority(inService);
    return p < cur ? (p + this.priorityAdd) & 7 : -1;
  }

  /** INTA for `irq`: set ISR (unless AEOI) and clear an edge request. */
  ack(irq: number): void {
    const mask = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= mask;
    }
    if (((this.elcr | (this.ltim ? 0xff : 0)) & mask) === 0) this.irr &= ~mask;
  }

  /** Poll command read: acknowledge as INTA would and return `0x80 | irq`, or 0. */
  pollRead(): number {
    this.poll = false;
    const irq = this.pendingIrq();
    if (irq < 0) return 0;
    this.ack(irq);
    return 0x80 | irq;
  }

  /** ICW1: start the initialisation sequence (datasheet "Initialization Command Words"). */
  private icw1(value: number): void {
    this.lastLevel = 0;
    this.irr &= this.elcr;
    this.imr = 0;
    this.isr = 0;
    this.priorityAdd = 0;
    this.readIsr = false;
    this.poll = false;
    this.specialMask = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.ltim = (value & 0x08) !== 0;
    this.single = (value & 0x02) !== 0;
    this.icw4Needed = (value & 0x01) !== 0;
    if (!this.icw4Needed) this.microprocessorMode = 0;
    this.initStep = 1;
  }

  /** Returns true when the access changed something that needs re-evaluating outputs. */
  writeCommand(value: number): number {
    value &= 0xff;
    if ((value & 0x10) !== 0) {
      this.icw1(value);
      return 1;
    }
    if ((value & 0x08) !== 0) {
      // OCW3
      if ((value & 0x04) !== 0) this.poll = true;
      if ((value & 0x02) !== 0) this.readIsr = (value & 0x01) !== 0;
      if ((value & 0x40) !== 0) this.specialMask = (value & 0x20) !== 0;
      return 0;
    }
    // OCW2: R SL EOI in bits 7..5, level in bits 2..0.
    const cmd = value >> 5;
    switch (cmd) {
      case 0: this.rotateOnAutoEoi = false; return 0;
      case 4: this.rotateOnAutoEoi = true; return 0;
      case 1: // non-specific EOI
      case 5: { // rotate on non-specific EOI
        const p = this.priority(this.isr);
        if (p !== 8) {
          const irq = (p + this.priorityAdd) & 7;
          this.isr &= ~(1 << irq);
          if (cmd === 5) this.priorityAdd = (irq + 1) & 7;
        }
        return 2;
      }
      case 3: this.isr &= ~(1 << (value & 7)); return 2; // specific EOI
      case 7: this.isr &= ~(1 << (value & 7)); this.priorityAdd = ((value & 7) + 1) & 7; return 2;
      case 6: this.priorityAdd = ((value & 7) + 1) & 7; return 0; // set priority
      default: return 0; // 2: no operation
    }
  }

  writeData(value: number): void {
    value &= 0xff;
    switch (this.initStep) {
      case 0: this.imr = value; return; // OCW1
      case 1: // ICW2
        this.vectorBase = value & 0xf8;
        this.initStep = this.single ? (this.icw4Needed ? 3 : 0) : 2;
        return;
      case 2: // ICW3: cascade wiring; the pair's wiring is fixed (slave on IR2).
        this.initStep = this.icw4Needed ? 3 : 0;
        return;
      default: // ICW4
        this.microprocessorMode = value & 0x01;
        this.autoEoi = (value & 0x02) !== 0;
        this.specialFullyNested = (value & 0x10) !== 0;
        this.initStep = 0;
    }
  }

  /** Command-port read: poll byte, or IRR/ISR per OCW3. */
  readCommand(): number {
    if (this.poll) return this.pollRead();
    return this.readIsr ? this.isr : this.irr;
  }

  /** Data-port read: poll byte or IMR. */
  readData(): number {
    if (this.poll) return this.pollRead();
    return this.imr;
  }

  state(): Pic8259State {
    return {
      irr: this.irr, isr: this.isr, imr: this.imr, lastLevel: this.lastLevel, elcr: this.elcr,
      vectorBase: this.vectorBase, priorityAdd: this.priorityAdd, initStep: this.initStep,
      icw4Needed: this.icw4Needed, single: this.single, ltim: this.ltim, readIsr: this.readIsr, poll: this.poll,
      specialMask: this.specialMask, autoEoi: this.autoEoi, rotateOnAutoEoi: this.rotateOnAutoEoi,
      specialFullyNested: this.specialFullyNested, microprocessorMode: this.microprocessorMode,
    };
  }

  load(s: Pic8259State): void {
    this.irr = s.irr; this.isr = s.isr; this.imr = s.imr; this.lastLevel = s.lastLevel; this.elcr = s.elcr;
    this.vectorBase = s.vectorBase; this.priorityAdd = s.priorityAdd; this.initStep = s.initStep;
    this.icw4Needed = s.icw4Needed; this.single = s.single; this.ltim = s.ltim; this.readIsr = s.readIsr;
    this.poll = s.poll; this.specialMask = s.specialMask; this.autoEoi = s.autoEoi;
    this.rotateOnAutoEoi = s.rotateOnAutoEoi; this.specialFullyNested = s.specialFullyNested;
    this.microprocessorMode = s.microprocessorMode;
  }
}

/** One IRQ input of the pair, preallocated so raising an IRQ allocates nothing. */
class PicInput implements IrqLine {
  private readonly pair: PicPair;
  private readonly irq: number;
  constructor(pair: PicPair, irq: number) {
    this.pair = pair;
    this.irq = irq;
  }
  raise(): void { this.pair.setIrq(this.irq, true); }
  lower(): void { this.pair.setIrq(this.irq, false); }
}

/** The register window of one chip (2 ports). */
class PicPorts implements PortIoDevice {
  private readonly pair: PicPair;
  private readonly chip: Pic8259;
  constructor(pair: PicPair, chip: Pic8259) {
    this.pair = pair;
    this.chip = chip;
  }
  readPort(offset: number, size: AccessSize): number {
    return this.pair.chipRead(this.chip, offset, size);
  }
  writePort(offset: number, size: AccessSize, value: number): void {
    this.pair.chipWrite(this.chip, offset, size, value);
  }
}

/** ELCR1/ELCR2 (PIIX "edge/level control"), 2 ports. */
class ElcrPorts implements PortIoDevice, ByteRegisters {
  private readonly pair: PicPair;
  constructor(pair: PicPair) {
    this.pair = pair;
  }
  readByte(offset: number): number {
    return offset === 0 ? this.pair.masterChip.elcr : this.pair.slaveChip.elcr;
  }
  writeByte(offset: number, value: number): void {
    if (offset === 0) this.pair.masterChip.elcr = value & PicPair.ELCR_MASK_MASTER;
    else this.pair.slaveChip.elcr = value & PicPair.ELCR_MASK_SLAVE;
    this.pair.update();
  }
  readPort(offset: number, size: AccessSize): number {
    this.pair.counters.values[C_READ]++;
    if (size !== 1) this.pair.counters.values[C_BAD]++;
    return splitRead(this, 2, offset, size);
  }
  writePort(offset: number, size: AccessSize, value: number): void {
    this.pair.counters.values[C_WRITE]++;
    if (size !== 1) this.pair.counters.values[C_BAD]++;
    splitWrite(this, 2, offset, size, value);
  }
}

/** Options of {@link PicPair}. */
export interface PicPairOptions {
  /**
   * The INTR output (to the CPU, or to LAPIC LINT0). Raised while an unmasked request is
   * pending; a CPU that polls {@link PicPair.hasInterrupt} may leave it unwired.
   */
  intr?: IrqLine;
  observer?: DeviceObserver;
}

/**
 * The PC/AT 8259A pair: 16 IRQ inputs (`line(n)`), master on IR0–7, slave on IR8–15
 * cascaded through master IR2. Implements {@link InterruptSource} for the CPU's INTA cycle.
 *
 * Map `master` at 0x20, `slave` at 0xA0 (2 ports each) and `elcr` at 0x4D0 (2 ports).
 */
export class PicPair implements InterruptSource {
  /** Default port bases (PC/AT). */
  static readonly DEFAULT_MASTER = 0x20;
  static readonly DEFAULT_SLAVE = 0xa0;
  static readonly DEFAULT_ELCR = 0x4d0;
  /** Bits of ELCR1/ELCR2 that may be set: IRQ 0, 1, 2, 8 and 13 are always edge (PIIX). */
  static readonly ELCR_MASK_MASTER = 0xf8;
  static readonly ELCR_MASK_SLAVE = 0xde;

  readonly masterChip = new Pic8259(true);
  readonly slaveChip = new Pic8259(false);
  /** Port device for the master's 2 ports. */
  readonly master: PortIoDevice;
  /** Port device for the slave's 2 ports. */
  readonly slave: PortIoDevice;
  /** Port device for ELCR1/ELCR2 (2 ports). */
  readonly elcr: PortIoDevice;
  readonly counters = new CounterSet<PicCounter>(PIC_COUNTERS);
  private readonly lines: PicInput[] = [];
  private readonly intr: IrqLine;
  private readonly observer: DeviceObserver;
  private intrLevel = false;

  constructor(options: PicPairOptions = {}) {
    this.intr = options.intr ?? NO_IRQ;
    this.observer = options.observer ?? NO_OBSERVER;
    this.master = new PicPorts(this, this.masterChip);
    this.slave = new PicPorts(this, this.slaveChip);
    for (let i = 0; i < 16; i++) this.lines.push(new PicInput(this, i));
    this.elcr = new ElcrPorts(this);
  }

  /** The IrqLine wired to input `irq` (0–15). */
  line(irq: number): IrqLine {
    return this.lines[irq & 15];
  }

  /** Drive IRQ `irq` (0–15). IRQ 2 on the master is the cascade and not an external input. */
  setIrq(irq: number, level: boolean): void {
    if (level) {
      this.counters.values[C_RAISED]++;
      this.observer('irq', irq);
    }
    if (irq < 8) this.masterChip.setInput(irq, level);
    else this.slaveChip.setInput(irq - 8, level);
    this.update();
  }

  /** Propagate the slave's INT to master IR2 and the master's INT to `intr`. */
  update(): void {
    this.masterChip.setInput(2, this.slaveChip.pendingIrq() >= 0);
    const level = this.masterChip.pendingIrq() >= 0;
    if (level !== this.intrLevel) {
      this.intrLevel = level;
      if (level) this.intr.raise(); else this.intr.lower();
    }
  }

  /** INTR: an unmasked request is pending. */
  hasInterrupt(): boolean {
    return this.masterChip.pendingIrq() >= 0;
  }

  /**
   * INTA: returns the vector of the highest-priority request and puts it in service. If the
   * request went away, the chip answers with its IR7 vector without setting ISR (spurious).
   */
  acknowledge(): number {
    const m = this.masterChip;
    const irq = m.pendingIrq();
    let vector: number;
    if (irq < 0) {
      this.counters.values[C_SPURIOUS]++;
      vector = m.vectorBase + 7;
    } else {
      m.ack(irq);
      if (irq === 2 && !m.single) {
        const s = this.slaveChip;
        const irq2 = s.pendingIrq();
        if (irq2 < 0) {
          this.counters.values[C_SPURIOUS]++;
          vector = s.vectorBase + 7;
        } else {
          s.ack(irq2);
          vector = s.vectorBase + irq2;
        }
      } else {
        vector = m.vectorBase + irq;
      }
    }
    this.counters.values[C_ACK]++;
    this.observer('ack', vector);
    this.update();
    return vector;
  }

  /** @internal */
  chipRead(chip: Pic8259, offset: number, size: AccessSize): number {
    this.counters.values[C_READ]++;
    if (size === 1) return this.chipReadByte(chip, offset);
    this.counters.values[C_BAD]++;
    let value = 0;
    for (let i = 0; i < size; i++) value |= (offset + i < 2 ? this.chipReadByte(chip, offset + i) : 0xff) << (8 * i);
    return value >>> 0;
  }

  private chipReadByte(chip: Pic8259, offset: number): number {
    if (chip.poll) {
      this.counters.values[C_POLL]++;
      const value = chip.pollRead();
      this.update();
      return value;
    }
    return (offset & 1) === 0 ? chip.readCommand() : chip.readData();
  }

  /** @internal */
  chipWrite(chip: Pic8259, offset: number, size: AccessSize, value: number): void {
    this.counters.values[C_WRITE]++;
    if (size !== 1) this.counters.values[C_BAD]++;
    for (let i = 0; i < size; i++) {
      if (offset + i < 2) this.chipWriteByte(chip, offset + i, (value >>> (8 * i)) & 0xff);
    }
  }

  private chipWriteByte(chip: Pic8259, offset: number, value: number): void {
    if ((offset & 1) === 0) {
      const r = chip.writeCommand(value);
      if (r === 1) this.counters.values[C_INIT]++;
      if (r === 2) { this.counters.values[C_EOI]++; this.observer('eoi', chip.isMaster ? 0 : 8); }
    } else {
      chip.writeData(value);
    }
    this.update();
  }

  /** Power-on state: both chips need an ICW sequence again; inputs and ELCR are kept. */
  reset(): void {
    for (const c of [this.masterChip, this.slaveChip]) {
      c.writeCommand(0x11);
      c.initStep = 0;
      c.vectorBase = 0;
    }
    this.update();
  }

  snapshot(): PicPairSnapshot {
    return { version: 1, master: this.masterChip.state(), slave: this.slaveChip.state() };
  }

  restore(s: PicPairSnapshot): void {
    this.masterChip.load(s.master);
    this.slaveChip.load(s.slave);
    this.intrLevel = !(this.masterChip.pendingIrq() >= 0); // force INTR to be re-driven
    this.update();
  }

  /** A new pair holding `s`. */
  static restore(s: PicPairSnapshot, options: PicPairOptions = {}): PicPair {
    const p = new PicPair(options);
    p.restore(s);
    return p;
  }
}
