/**
 * QEMU's test devices, so kvm-unit-tests style guests run unchanged: `pc-testdev` (ISA) and
 * `pci-testdev` (PCI). Behaviour follows QEMU's hw/misc/pc-testdev.c and
 * docs/specs/pci-testdev.rst.
 */
import { CounterSet, type IrqLine, type MmioDevice, NO_IRQ, type PortIoDevice } from '@x86kit/core';
import { type AccessSize, type DeviceObserver, NO_OBSERVER } from './common.js';
import { PciDevice } from './pci.js';

/** Options of {@link PcTestDev}. */
export interface PcTestDevOptions {
  /** ISA IRQ lines 0–23 that writes to 0x2000 + n drive (missing entries are unwired). */
  irqs?: readonly IrqLine[];
  /** Port 0xE4 "flush page" request with the page's physical address. */
  onFlushPage?: (pa: number) => void;
  observer?: DeviceObserver;
}

/**
 * `pc-testdev`. Four windows:
 * - {@link PcTestDev.ports} at 0xE0, 12 ports: 0xE0–0xE3 a 32-bit scratch register (any
 *   width, incl. string I/O), 0xE4–0xE7 "flush page" (32-bit writes), 0xE8–0xEB the same
 *   scratch register in byte-wide form;
 * - {@link PcTestDev.irqPorts} at 0x2000, 24 ports: a byte write of v sets ISA IRQ n to !!v;
 * - {@link PcTestDev.iomem} at 0xFF000000, 64 KiB of MMIO scratch memory.
 */
export class PcTestDev {
  static readonly DEFAULT_PORTS = 0xe0;
  static readonly PORTS_LENGTH = 12;
  static readonly DEFAULT_IRQ_PORTS = 0x2000;
  static readonly IRQ_PORTS_LENGTH = 24;
  static readonly DEFAULT_IOMEM = 0xff000000;
  static readonly IOMEM_LENGTH = 0x10000;

  /** The 32-bit scratch register. */
  scratch = 0;
  /** Last page address written to the flush port. */
  lastFlush = -1;
  readonly counters = new CounterSet(['portReads', 'portWrites', 'badAccesses', 'irqWrites', 'flushes', 'iomemReads', 'iomemWrites'] as const);
  readonly ports: PortIoDevice;
  readonly irqPorts: PortIoDevice;
  readonly iomem: MmioDevice;
  readonly iomemBytes = new Uint8Array(PcTestDev.IOMEM_LENGTH);
  private readonly irqs: readonly IrqLine[];
  private readonly onFlushPage: (pa: number) => void;
  private readonly observer: DeviceObserver;

  constructor(options: PcTestDevOptions = {}) {
    this.observer = options.observer ?? NO_OBSERVER;
    this.irqs = options.irqs ?? [];
    this.onFlushPage = options.onFlushPage ?? ((): void => {});
    this.ports = new PcTestPorts(this);
    this.irqPorts = new PcTestIrqPorts(this);
    this.iomem = new PcTestIomem(this);
  }

  /** @internal */
  irqWrite(offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    // Byte-wide registers: a wider write drives consecutive lines.
    if (size !== 1) this.counters.values[2]++;
    for (let i = 0; i < size && offset + i < 24; i++) {
      this.counters.values[3]++;
      this.observer('irq', ((offset + i) << 8) | ((value >>> (8 * i)) & 0xff));
      const line = this.irqs[offset + i] ?? NO_IRQ;
      if (((value >>> (8 * i)) & 0xff) !== 0) line.raise(); else line.lower();
    }
  }

  /** @internal */
  portRead(offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    if (offset >= 4 && offset < 8) { this.counters.values[2]++; return size === 4 ? 0xffffffff : (1 << (8 * size)) - 1; }
    const shift = (offset & 3) * 8;
    const bits = size * 8;
    const mask = bits === 32 ? 0xffffffff : ((1 << bits) - 1) << shift;
    return ((this.scratch & mask) >>> shift) >>> 0;
  }

  /** @internal */
  portWrite(offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    if (offset >= 4 && offset < 8) {
      if (size !== 4 || offset !== 4) { this.counters.values[2]++; return; }
      this.counters.values[4]++;
      this.lastFlush = (value & ~0xfff) >>> 0;
      this.observer('flushPage', this.lastFlush);
      this.onFlushPage(this.lastFlush);
      return;
    }
    const shift = (offset & 3) * 8;
    const bits = size * 8;
    const mask = (bits === 32 ? 0xffffffff : ((1 << bits) - 1) << shift) >>> 0;
    this.scratch = ((this.scratch & ~mask) | ((value << shift) & mask)) >>> 0;
  }
}

class PcTestPorts implements PortIoDevice {
  private readonly dev: PcTestDev;
  constructor(dev: PcTestDev) { this.dev = dev; }
  readPort(offset: number, size: AccessSize): number { return this.dev.portRead(offset, size); }
  writePort(offset: number, size: AccessSize, value: number): void { this.dev.portWrite(offset, size, value); }
}

class PcTestIrqPorts implements PortIoDevice {
  private readonly dev: PcTestDev;
  constructor(dev: PcTestDev) { this.dev = dev; }
  readPort(_offset: number, size: AccessSize): number {
    this.dev.counters.values[0]++;
    this.dev.counters.values[2]++; // write-only
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
  writePort(offset: number, size: AccessSize, value: number): void { this.dev.irqWrite(offset, size, value); }
}

class PcTestIomem implements MmioDevice {
  private readonly dev: PcTestDev;
  constructor(dev: PcTestDev) { this.dev = dev; }
  readMmio(offset: number, size: AccessSize): number {
    this.dev.counters.values[5]++;
    const b = this.dev.iomemBytes;
    let v = 0;
    for (let i = 0; i < size && offset + i < PcTestDev.IOMEM_LENGTH; i++) v |= b[offset + i] << (8 * i);
    return v >>> 0;
  }
  writeMmio(offset: number, size: AccessSize, value: number): void {
    this.dev.counters.values[6]++;
    const b = this.dev.iomemBytes;
    for (let i = 0; i < size && offset + i < PcTestDev.IOMEM_LENGTH; i++) b[offset + i] = (value >>> (8 * i)) & 0xff;
  }
}

/** Test names per BAR, in QEMU's order (test numbers 0–2 on each BAR). */
const PCI_TESTS = ['no-eventfd', 'wildcard-eventfd', 'datamatch-eventfd'] as const;
const HDR_SIZE = 16;

/** One pci-testdev test: its header bytes and the access it counts. */
class PciTest {
  readonly header: Uint8Array;
  readonly offset: number;
  readonly matchData: boolean;
  readonly data: number;
  /** `index` is the global test number (0–2 memory BAR, 3–5 I/O BAR), as QEMU numbers them. */
  constructor(index: number, isMem: boolean) {
    const name = `${isMem ? 'mmio' : 'portio'}-${PCI_TESTS[index % 3]}`;
    this.header = new Uint8Array(HDR_SIZE + name.length + 1);
    this.offset = (isMem ? 2048 : 128) + index;
    this.matchData = PCI_TESTS[index % 3] !== 'wildcard-eventfd';
    this.data = this.matchData ? 0xfa : 0xce;
    const h = this.header;
    h[0] = index;
    h[1] = 1; // width: byte
    h[4] = this.offset & 0xff; h[5] = this.offset >> 8;
    h[8] = this.data;
    for (let i = 0; i < name.length; i++) h[HDR_SIZE + i] = name.charCodeAt(i);
  }
  get count(): number {
    const h = this.header;
    return (h[12] | (h[13] << 8) | (h[14] << 16) | (h[15] << 24)) >>> 0;
  }
  set count(v: number) {
    const h = this.header;
    h[12] = v & 0xff; h[13] = (v >> 8) & 0xff; h[14] = (v >> 16) & 0xff; h[15] = (v >>> 24) & 0xff;
  }
}

/**
 * QEMU `pci-testdev` (1b36:0005, class 00/ff): BAR0 = 4 KiB memory, BAR1 = 256 bytes of I/O.
 * Each BAR starts with the PCITestDevHdr of the selected test: write a test number to byte 0,
 * read `width`, `offset`, `data`, write `data` at `offset`, and `count` (byte 12) counts the
 * matching writes. Tests 0–2 are "no-eventfd", "wildcard-eventfd" (any value counts) and
 * "datamatch-eventfd". Map {@link PciTestDev.mmio} / {@link PciTestDev.portio} where the BARs
 * are programmed (see `onBarChange`).
 */
export class PciTestDev {
  readonly pci: PciDevice;
  readonly mmio: MmioDevice;
  readonly portio: PortIoDevice;
  readonly counters = new CounterSet(['reads', 'writes', 'testsStarted', 'matchingWrites'] as const);
  private readonly tests: PciTest[] = [];
  private current = -1;
  private readonly observer: DeviceObserver;

  constructor(options: { onBarChange?: (bar: number, address: number) => void; observer?: DeviceObserver } = {}) {
    this.observer = options.observer ?? NO_OBSERVER;
    this.pci = new PciDevice({
      vendorId: 0x1b36, deviceId: 0x0005, classCode: 0x00ff00,
      bars: [{ kind: 'memory', size: 4096 }, { kind: 'io', size: 256 }],
      ...(options.onBarChange ? { onBarChange: options.onBarChange } : {}),
    });
    for (let i = 0; i < 6; i++) this.tests.push(new PciTest(i, i < 3));
    this.mmio = new PciTestBar(this, 0);
    this.portio = new PciTestBar(this, 1);
  }

  /** Matching writes seen by test `n` (0–2 on the memory BAR, 3–5 on the I/O BAR). */
  count(n: number): number {
    return this.tests[n].count;
  }

  /** @internal */
  read(offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    if (this.current < 0) return 0;
    const h = this.tests[this.current].header;
    let v = 0;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      v |= (o < h.length - 1 ? h[o] : 0) << (8 * i);
    }
    return v >>> 0;
  }

  /** @internal */
  write(offset: number, size: AccessSize, value: number, type: number): void {
    this.counters.values[1]++;
    if (offset === 0) {
      this.current = -1;
      const n = value & 0xff;
      if (n >= 3) return;
      this.current = type * 3 + n;
      this.tests[this.current].count = 0;
      this.counters.values[2]++;
      this.observer('test', this.current);
      return;
    }
    if (this.current < 0) return;
    const t = this.tests[this.current];
    if (offset !== t.offset) return;
    if (t.matchData && (size !== 1 || (value & 0xff) !== t.data)) return;
    t.count = t.count + 1;
    this.counters.values[3]++;
  }
}

/** One BAR window of {@link PciTestDev} (type 0 = memory, 1 = I/O). */
class PciTestBar implements MmioDevice, PortIoDevice {
  private readonly dev: PciTestDev;
  private readonly type: number;
  constructor(dev: PciTestDev, type: number) {
    this.dev = dev;
    this.type = type;
  }
  readMmio(offset: number, size: AccessSize): number { return this.dev.read(offset, size); }
  writeMmio(offset: number, size: AccessSize, value: number): void { this.dev.write(offset, size, value, this.type); }
  readPort(offset: number, size: AccessSize): number { return this.dev.read(offset, size); }
  writePort(offset: number, size: AccessSize, value: number): void { this.dev.write(offset, size, value, this.type); }
}
