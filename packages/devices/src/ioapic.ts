/**
 * I/O APIC (Intel 82093AA datasheet, order no. 290566): indirect register access through
 * IOREGSEL (offset 0x00) and IOWIN (offset 0x10), ID/version/arbitration registers, 24
 * redirection table entries with edge/level trigger, remote IRR and mask, plus the EOI
 * register at offset 0x40 of later (version 0x20, ICH-style) parts.
 *
 * Pin inputs are logical levels (raise = asserted); the polarity bit is stored but, as in
 * other emulators, the wiring is assumed to present asserted interrupts as active.
 */
import { CounterSet, type IrqLine, type MmioDevice } from '@x86kit/core';
import { type AccessSize, type DeviceObserver, NO_OBSERVER } from './common.js';

/** Redirection entry bits (low dword). */
export const IoApicRte = {
  VECTOR: 0xff, DELIVERY_MODE: 0x700, DEST_LOGICAL: 0x800, DELIVERY_STATUS: 0x1000, POLARITY_LOW: 0x2000,
  REMOTE_IRR: 0x4000, LEVEL: 0x8000, MASKED: 0x10000,
} as const;

/** Counter names of {@link IoApic}. */
export const IOAPIC_COUNTERS = ['mmioReads', 'mmioWrites', 'badAccesses', 'delivered', 'eoi', 'coalesced'] as const;
export type IoApicCounter = (typeof IOAPIC_COUNTERS)[number];
const C_READ = 0, C_WRITE = 1, C_BAD = 2, C_DELIVER = 3, C_EOI = 4, C_COALESCED = 5;

/** How the I/O APIC sends an interrupt message (e.g. {@link ApicBus.deliver}). Trigger: 0 edge, 1 level. */
export type ApicDeliver = (dest: number, destMode: number, deliveryMode: number, vector: number, trigger: number) => void;

/** Options of {@link IoApic}. */
export interface IoApicOptions {
  deliver: ApicDeliver;
  /** I/O APIC ID (bits 27:24 of register 0). Default 0. */
  id?: number;
  /** Version register low byte: 0x11 (82093AA, no EOI register) or 0x20 (default, with EOI register). */
  version?: number;
  observer?: DeviceObserver;
}

/** Serialisable state of {@link IoApic} (`version` 1). */
export interface IoApicSnapshot {
  version: 1;
  id: number; select: number; redirLow: number[]; redirHigh: number[]; pinLevels: number;
}

const PINS = 24;

class IoApicPin implements IrqLine {
  private readonly ioapic: IoApic;
  private readonly pin: number;
  constructor(ioapic: IoApic, pin: number) {
    this.ioapic = ioapic;
    this.pin = pin;
  }
  raise(): void { this.ioapic.setPin(this.pin, true); }
  lower(): void { this.ioapic.setPin(this.pin, false); }
}

/** The I/O APIC. Map {@link IoApic.DEFAULT_BASE} (0x1000 bytes, decoding 0x00/0x10/0x40) as MMIO. */
export class IoApic implements MmioDevice {
  static readonly DEFAULT_BASE = 0xfec00000;
  static readonly PINS = PINS;

  readonly counters = new CounterSet<IoApicCounter>(IOAPIC_COUNTERS);
  id: number;
  /** IOREGSEL. */
  select = 0;
  readonly redirLow = new Uint32Array(PINS).fill(IoApicRte.MASKED);
  readonly redirHigh = new Uint32Array(PINS);
  /** Bit n = pin n asserted. */
  pinLevels = 0;
  private readonly version: number;
  private readonly deliverFn: ApicDeliver;
  private readonly lines: IoApicPin[] = [];
  private readonly observer: DeviceObserver;

  constructor(options: IoApicOptions) {
    this.deliverFn = options.deliver;
    this.id = options.id ?? 0;
    this.version = options.version ?? 0x20;
    this.observer = options.observer ?? NO_OBSERVER;
    for (let i = 0; i < PINS; i++) this.lines.push(new IoApicPin(this, i));
  }

  /** Input pin `n` (0–23). */
  line(n: number): IrqLine {
    return this.lines[n];
  }

  /** Drive pin `n`. Edge entries fire on a rising edge, level entries while asserted and remote IRR clear. */
  setPin(n: number, level: boolean): void {
    const bit = 1 << n;
    const was = (this.pinLevels & bit) !== 0;
    if (level) this.pinLevels |= bit; else this.pinLevels &= ~bit;
    if (!level) return;
    const lo = this.redirLow[n];
    if ((lo & IoApicRte.LEVEL) !== 0) this.service(n);
    else if (!was) this.service(n);
  }

  /** Send pin `n`'s message if it is unmasked (and, for level entries, not awaiting EOI). */
  private service(n: number): void {
    const lo = this.redirLow[n];
    if ((lo & IoApicRte.MASKED) !== 0) return;
    const level = (lo & IoApicRte.LEVEL) !== 0;
    if (level) {
      if ((lo & IoApicRte.REMOTE_IRR) !== 0) { this.counters.values[C_COALESCED]++; return; }
      this.redirLow[n] = lo | IoApicRte.REMOTE_IRR;
    }
    this.counters.values[C_DELIVER]++;
    this.observer('deliver', n);
    this.deliverFn(this.redirHigh[n] >>> 24, (lo >> 11) & 1, (lo >> 8) & 7, lo & 0xff, level ? 1 : 0);
  }

  /** EOI broadcast from a Local APIC (or a write to the EOI register): clear remote IRR for `vector`. */
  eoi(vector: number): void {
    this.counters.values[C_EOI]++;
    for (let n = 0; n < PINS; n++) {
      const lo = this.redirLow[n];
      if ((lo & 0xff) !== (vector & 0xff) || (lo & IoApicRte.REMOTE_IRR) === 0) continue;
      this.redirLow[n] = lo & ~IoApicRte.REMOTE_IRR;
      // Still asserted: the level interrupt is delivered again.
      if ((lo & IoApicRte.LEVEL) !== 0 && (this.pinLevels & (1 << n)) !== 0) this.service(n);
    }
  }

  private readRegister(reg: number): number {
    switch (reg) {
      case 0x00: return (this.id & 0xf) << 24;
      case 0x01: return ((PINS - 1) << 16) | this.version;
      case 0x02: return (this.id & 0xf) << 24; // arbitration ID
      default:
        if (reg >= 0x10 && reg < 0x10 + 2 * PINS) {
          const n = (reg - 0x10) >> 1;
          return (reg & 1) === 0 ? this.redirLow[n] : this.redirHigh[n] >>> 0;
        }
        this.counters.values[C_BAD]++;
        return 0xffffffff;
    }
  }

  private writeRegister(reg: number, value: number): void {
    switch (reg) {
      case 0x00: this.id = (value >>> 24) & 0xf; return;
      case 0x01: case 0x02: return; // read-only
      default:
        if (reg >= 0x10 && reg < 0x10 + 2 * PINS) {
          const n = (reg - 0x10) >> 1;
          if ((reg & 1) === 1) { this.redirHigh[n] = (value & 0xff000000) >>> 0; return; }
          const keep = this.redirLow[n] & (IoApicRte.REMOTE_IRR | IoApicRte.DELIVERY_STATUS);
          let v = (value & 0x1afff) | keep;
          if ((v & IoApicRte.LEVEL) === 0) v &= ~IoApicRte.REMOTE_IRR; // edge entries have no remote IRR
          this.redirLow[n] = v >>> 0;
          // Unmasking a level entry whose pin is asserted delivers it.
          if ((v & IoApicRte.MASKED) === 0 && (v & IoApicRte.LEVEL) !== 0 && (this.pinLevels & (1 << n)) !== 0) this.service(n);
          return;
        }
        this.counters.values[C_BAD]++;
    }
  }

  readMmio(offset: number, size: AccessSize): number {
    this.counters.values[C_READ]++;
    if (size !== 4) this.counters.values[C_BAD]++;
    let v: number;
    if (offset >= 0x10 && offset < 0x14) v = this.readRegister(this.select);
    else if (offset < 4) v = this.select;
    else { if (size === 4) this.counters.values[C_BAD]++; return 0; }
    const shift = 8 * (offset & 3);
    return size === 4 ? v >>> 0 : (v >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  writeMmio(offset: number, size: AccessSize, value: number): void {
    this.counters.values[C_WRITE]++;
    if (offset === 0x00) { this.select = value & 0xff; if (size !== 4 && size !== 1) this.counters.values[C_BAD]++; return; }
    if (size !== 4) { this.counters.values[C_BAD]++; return; }
    if (offset === 0x10) { this.writeRegister(this.select, value >>> 0); return; }
    if (offset === 0x40 && this.version >= 0x20) { this.eoi(value & 0xff); return; }
    this.counters.values[C_BAD]++;
  }

  snapshot(): IoApicSnapshot {
    return {
      version: 1, id: this.id, select: this.select, redirLow: Array.from(this.redirLow), redirHigh: Array.from(this.redirHigh),
      pinLevels: this.pinLevels,
    };
  }

  restore(s: IoApicSnapshot): void {
    this.id = s.id; this.select = s.select; this.redirLow.set(s.redirLow); this.redirHigh.set(s.redirHigh);
    this.pinLevels = s.pinLevels;
  }
}
