/**
 * PCI: a configuration-space model for functions (type 0 header, BAR sizing, command/status)
 * and a host bridge with configuration mechanism #1 (CONFIG_ADDRESS 0xCF8 / CONFIG_DATA
 * 0xCFC, PCI Local Bus Specification 3.0 §3.2.2.3.2) plus the PIIX reset control register at
 * 0xCF9. Ready-made identities: an i440FX-like host bridge and a PIIX3-like ISA bridge.
 */
import { ApiMisuseError, CounterSet, type PortIoDevice } from '@x86kit/core';
import { type AccessSize, type DeviceObserver, NO_OBSERVER, allOnes } from './common.js';

/** What the host bridge needs from a function: config space reads and writes (offset 0–255). */
export interface PciFunction {
  readConfig(offset: number, size: AccessSize): number;
  writeConfig(offset: number, size: AccessSize, value: number): void;
}

/** Config-space offsets of the type 0 header. */
export const PciCfg = {
  VENDOR_ID: 0x00, DEVICE_ID: 0x02, COMMAND: 0x04, STATUS: 0x06, REVISION_ID: 0x08, PROG_IF: 0x09,
  SUBCLASS: 0x0a, CLASS: 0x0b, CACHE_LINE_SIZE: 0x0c, LATENCY_TIMER: 0x0d, HEADER_TYPE: 0x0e, BIST: 0x0f,
  BAR0: 0x10, SUBSYSTEM_VENDOR_ID: 0x2c, SUBSYSTEM_ID: 0x2e, ROM_ADDRESS: 0x30, CAPABILITIES: 0x34,
  INTERRUPT_LINE: 0x3c, INTERRUPT_PIN: 0x3d,
} as const;
/** Command register bits. */
export const PciCommand = { IO: 0x0001, MEMORY: 0x0002, BUS_MASTER: 0x0004, PARITY: 0x0040, SERR: 0x0100, INTX_DISABLE: 0x0400 } as const;

/** One base address register. */
export interface PciBarSpec {
  kind: 'memory' | 'io';
  /** Size in bytes: a power of two, ≥ 16 for memory and ≥ 4 for I/O. */
  size: number;
  prefetchable?: boolean;
  /** A 64-bit memory BAR (uses the next BAR slot for the high dword). */
  is64?: boolean;
}

/** Options of {@link PciDevice}. */
export interface PciDeviceOptions {
  vendorId: number;
  deviceId: number;
  /** 24-bit class code: class << 16 | subclass << 8 | programming interface. */
  classCode: number;
  revision?: number;
  /** Header type byte; bit 7 = multi-function. Default 0. */
  headerType?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  /** INTx pin: 0 none, 1 INTA# … 4 INTD#. */
  interruptPin?: number;
  /** BARs 0–5 (a 64-bit BAR takes two slots: put `null` in the second). */
  bars?: readonly (PciBarSpec | null)[];
  /** Extra writable config bytes: `[offset, mask]` pairs (device-specific registers). */
  writable?: readonly (readonly [number, number])[];
  /** A BAR's programmed base address changed (I/O or memory decoding may still be off). */
  onBarChange?: (bar: number, address: number) => void;
  /** The command register changed (I/O / memory decode, bus master). */
  onCommand?: (command: number) => void;
}

/**
 * A PCI function's configuration space with BAR sizing: writing all-ones to a BAR and reading
 * it back returns the size mask with the type bits (PCI 3.0 §6.2.5.1).
 */
export class PciDevice implements PciFunction {
  /** The 256 bytes of configuration space. */
  readonly config = new Uint8Array(256);
  /** Per-byte mask of writable bits. */
  readonly writeMask = new Uint8Array(256);
  /** Per-byte mask of write-1-to-clear bits (status register). */
  readonly w1cMask = new Uint8Array(256);
  readonly bars: readonly (PciBarSpec | null)[];
  readonly counters = new CounterSet(['configReads', 'configWrites', 'barChanges'] as const);
  private readonly onBarChange: (bar: number, address: number) => void;
  private readonly onCommand: (command: number) => void;

  constructor(o: PciDeviceOptions) {
    const c = this.config;
    this.w16(PciCfg.VENDOR_ID, o.vendorId);
    this.w16(PciCfg.DEVICE_ID, o.deviceId);
    c[PciCfg.REVISION_ID] = o.revision ?? 0;
    c[PciCfg.PROG_IF] = o.classCode & 0xff;
    c[PciCfg.SUBCLASS] = (o.classCode >> 8) & 0xff;
    c[PciCfg.CLASS] = (o.classCode >> 16) & 0xff;
    c[PciCfg.HEADER_TYPE] = o.headerType ?? 0;
    this.w16(PciCfg.SUBSYSTEM_VENDOR_ID, o.subsystemVendorId ?? 0);
    this.w16(PciCfg.SUBSYSTEM_ID, o.subsystemId ?? 0);
    c[PciCfg.INTERRUPT_PIN] = o.interruptPin ?? 0;
    const m = this.writeMask;
    m[PciCfg.COMMAND] = 0x47; // I/O, memory, bus master, parity error response
    m[PciCfg.COMMAND + 1] = 0x05; // SERR#, INTx disable
    m[PciCfg.CACHE_LINE_SIZE] = 0xff;
    m[PciCfg.LATENCY_TIMER] = 0xff;
    m[PciCfg.INTERRUPT_LINE] = 0xff;
    this.w1cMask[PciCfg.STATUS + 1] = 0xf9; // parity, signalled/received aborts, SERR, detected parity
    const bars: (PciBarSpec | null)[] = [];
    for (let i = 0; i < 6; i++) bars.push(o.bars?.[i] ?? null);
    this.bars = bars;
    for (let i = 0; i < 6; i++) {
      const b = bars[i];
      if (b === null) continue;
      const min = b.kind === 'io' ? 4 : 16;
      if (b.size < min || (b.size & (b.size - 1)) !== 0 || b.size > 0x80000000) {
        throw new ApiMisuseError('API_ARGUMENT', `BAR${i} size ${b.size} is not a power of two ≥ ${min}`);
      }
      const type = b.kind === 'io' ? 0x1 : (b.is64 === true ? 0x4 : 0) | (b.prefetchable === true ? 0x8 : 0);
      const mask = (~(b.size - 1) & (b.kind === 'io' ? 0xfffffffc : 0xfffffff0)) >>> 0;
      this.w32(PciCfg.BAR0 + 4 * i, type);
      this.setMask32(PciCfg.BAR0 + 4 * i, mask);
      if (b.is64 === true && b.kind === 'memory') {
        if (i === 5) throw new ApiMisuseError('API_ARGUMENT', 'a 64-bit BAR cannot start at BAR5');
        this.setMask32(PciCfg.BAR0 + 4 * (i + 1), 0xffffffff);
        i++;
      }
    }
    for (const [off, mask] of o.writable ?? []) m[off] = mask;
    this.onBarChange = o.onBarChange ?? ((): void => {});
    this.onCommand = o.onCommand ?? ((): void => {});
  }

  private w16(off: number, v: number): void {
    this.config[off] = v & 0xff;
    this.config[off + 1] = (v >> 8) & 0xff;
  }
  private w32(off: number, v: number): void {
    for (let i = 0; i < 4; i++) this.config[off + i] = (v >>> (8 * i)) & 0xff;
  }
  private setMask32(off: number, v: number): void {
    for (let i = 0; i < 4; i++) this.writeMask[off + i] = (v >>> (8 * i)) & 0xff;
  }

  /** Read a 32-bit config dword (little-endian). */
  read32(off: number): number {
    const c = this.config;
    return (c[off] | (c[off + 1] << 8) | (c[off + 2] << 16) | (c[off + 3] << 24)) >>> 0;
  }

  /** Command register. */
  get command(): number {
    return this.config[PciCfg.COMMAND] | (this.config[PciCfg.COMMAND + 1] << 8);
  }

  /** The base address programmed in BAR `i` (type bits removed; 64-bit BARs combined). */
  barAddress(i: number): number {
    const b = this.bars[i];
    if (b === null) return 0;
    const lo = this.read32(PciCfg.BAR0 + 4 * i);
    if (b.kind === 'io') return (lo & 0xfffffffc) >>> 0;
    const base = (lo & 0xfffffff0) >>> 0;
    return b.is64 === true ? base + this.read32(PciCfg.BAR0 + 4 * (i + 1)) * 0x1_0000_0000 : base;
  }

  readConfig(offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    offset &= 0xff;
    let v = 0;
    for (let i = 0; i < size && offset + i < 256; i++) v |= this.config[offset + i] << (8 * i);
    return v >>> 0;
  }

  writeConfig(offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    offset &= 0xff;
    const oldCmd = this.command;
    const oldBars = offset < 0x28 && offset + size > 0x10 ? this.barSnapshot() : null;
    for (let i = 0; i < size && offset + i < 256; i++) {
      const o = offset + i;
      const b = (value >>> (8 * i)) & 0xff;
      const m = this.writeMask[o];
      let v = (this.config[o] & ~m) | (b & m);
      v &= ~(b & this.w1cMask[o]);
      this.config[o] = v;
    }
    if (this.command !== oldCmd) this.onCommand(this.command);
    if (oldBars !== null) {
      for (let i = 0; i < 6; i++) {
        if (this.bars[i] !== null && this.barAddress(i) !== oldBars[i]) {
          this.counters.values[2]++;
          this.onBarChange(i, this.barAddress(i));
        }
      }
    }
  }

  private barSnapshot(): number[] {
    const a: number[] = [];
    for (let i = 0; i < 6; i++) a.push(this.barAddress(i));
    return a;
  }
}

/** i440FX PMC host bridge identity (8086:1237, class 06/00/00): PAM 0x59–0x5F and SMRAM 0x72 writable. */
export function createI440fxHostBridge(): PciDevice {
  const writable: [number, number][] = [];
  for (let off = 0x59; off <= 0x5f; off++) writable.push([off, 0xff]);
  writable.push([0x72, 0x7f]);
  return new PciDevice({ vendorId: 0x8086, deviceId: 0x1237, classCode: 0x060000, revision: 0x02, writable });
}

/**
 * PIIX3 PCI-to-ISA bridge identity (8086:7000, class 06/01/00, multi-function header).
 * PIRQ route control registers 0x60–0x63 are writable (bit 7 = routing disabled, bits 3..0 =
 * ISA IRQ) and start disabled (0x80).
 */
export function createPiix3IsaBridge(): PciDevice {
  const d = new PciDevice({
    vendorId: 0x8086, deviceId: 0x7000, classCode: 0x060100, headerType: 0x80,
    writable: [[0x60, 0x8f], [0x61, 0x8f], [0x62, 0x8f], [0x63, 0x8f], [0x69, 0xff], [0x6a, 0xff], [0x70, 0xff], [0x80, 0xff]],
  });
  for (let i = 0x60; i <= 0x63; i++) d.config[i] = 0x80;
  return d;
}

/** The ISA IRQ that PIIX PIRQ `n` (0 = PIRQA … 3 = PIRQD) routes to, or -1 when disabled. */
export function piixPirqRoute(isaBridge: PciDevice, n: number): number {
  const v = isaBridge.config[0x60 + (n & 3)];
  return (v & 0x80) !== 0 ? -1 : v & 0x0f;
}

/** Options of {@link PciHost}. */
export interface PciHostOptions {
  /** A hard reset requested through port 0xCF9 (RCR bit 2 written 1). */
  onReset?: () => void;
  /** Sees 'configRead' / 'configWrite' with the CONFIG_ADDRESS value. */
  observer?: DeviceObserver;
}

/**
 * Configuration mechanism #1 on bus 0. Map at 0xCF8 with 8 ports: a dword access at offset 0
 * is CONFIG_ADDRESS, offsets 4–7 are CONFIG_DATA (byte/word/dword), the byte at offset 1
 * (port 0xCF9) is the PIIX reset control register. Absent functions read all-ones.
 */
export class PciHost implements PortIoDevice {
  static readonly DEFAULT_BASE = 0xcf8;

  /** CONFIG_ADDRESS latch (bit 31 enable, 23..16 bus, 15..11 device, 10..8 function, 7..2 register). */
  address = 0;
  /** Reset control register (0xCF9). */
  rcr = 0;
  readonly counters = new CounterSet(['portReads', 'portWrites', 'badAccesses', 'configReads', 'configWrites', 'masterAborts'] as const);
  private readonly functions: (PciFunction | null)[] = new Array<PciFunction | null>(256).fill(null);
  private readonly onReset: () => void;
  private readonly observer: DeviceObserver;

  constructor(options: PciHostOptions = {}) {
    this.onReset = options.onReset ?? ((): void => {});
    this.observer = options.observer ?? NO_OBSERVER;
  }

  /** Attach `fn` at bus 0, device `device` (0–31), function `func` (0–7). */
  register(device: number, func: number, fn: PciFunction): void {
    if (device < 0 || device > 31 || func < 0 || func > 7) {
      throw new ApiMisuseError('API_RANGE', `PCI address ${device}.${func} is out of range`);
    }
    const devfn = (device << 3) | func;
    if (this.functions[devfn] !== null) throw new ApiMisuseError('API_OVERLAP', `PCI slot ${device}.${func} is taken`);
    this.functions[devfn] = fn;
  }

  /** The function at `device.func` on bus 0, or null. */
  find(device: number, func: number): PciFunction | null {
    return this.functions[((device & 31) << 3) | (func & 7)];
  }

  /** First free device number (function 0) at or after `from`, or -1. */
  freeSlot(from = 0): number {
    for (let d = from; d < 32; d++) if (this.functions[d << 3] === null) return d;
    return -1;
  }

  private target(): PciFunction | null {
    const a = this.address;
    if ((a & 0x80000000) === 0 || ((a >> 16) & 0xff) !== 0) return null;
    return this.functions[(a >> 8) & 0xff];
  }

  readPort(offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    if (offset < 4) {
      if (offset === 0 && size === 4) return this.address >>> 0;
      if (offset === 1 && size === 1) return this.rcr;
      this.counters.values[2]++;
      return allOnes(size);
    }
    const fn = this.target();
    if (fn === null) {
      this.counters.values[5]++;
      return allOnes(size);
    }
    this.counters.values[3]++;
    this.observer('configRead', this.address);
    const reg = (this.address & 0xfc) + (offset - 4);
    if (reg + size > ((this.address & 0xfc) + 4)) this.counters.values[2]++; // crosses the dword
    return fn.readConfig(reg, size);
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    if (offset < 4) {
      if (offset === 0 && size === 4) { this.address = (value & 0x80fffffc) >>> 0; return; }
      if (offset === 1 && size === 1) {
        const old = this.rcr;
        this.rcr = value & 0x0e;
        if ((value & 0x04) !== 0 && (old & 0x04) === 0) {
          this.rcr &= ~0x04;
          this.onReset();
        }
        return;
      }
      this.counters.values[2]++;
      return;
    }
    const fn = this.target();
    if (fn === null) { this.counters.values[5]++; return; }
    this.counters.values[4]++;
    this.observer('configWrite', this.address);
    fn.writeConfig((this.address & 0xfc) + (offset - 4), size, value);
  }
}
