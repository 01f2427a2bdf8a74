/**
 * QEMU firmware configuration device, traditional I/O interface (QEMU docs/specs/fw_cfg.rst):
 * a 16-bit selector at 0x510 and an 8-bit data port at 0x511. Items: signature "QEMU", feature
 * ID (traditional interface only; no DMA), RAM size, CPU counts, optional UUID/kernel/command
 * line items and a file directory (big-endian, 64-byte entries) for items at 0x20 and up.
 */
import { ApiMisuseError, CounterSet, type PortIoDevice } from '@x86kit/core';
import { type AccessSize, type DeviceObserver, NO_OBSERVER } from './common.js';

/** Well-known selector keys. */
export const FwCfgKey = {
  SIGNATURE: 0x00, ID: 0x01, UUID: 0x02, RAM_SIZE: 0x03, NOGRAPHIC: 0x04, NB_CPUS: 0x05, MACHINE_ID: 0x06,
  KERNEL_ADDR: 0x07, KERNEL_SIZE: 0x08, KERNEL_CMDLINE: 0x09, INITRD_ADDR: 0x0a, INITRD_SIZE: 0x0b, BOOT_DEVICE: 0x0c,
  NUMA: 0x0d, BOOT_MENU: 0x0e, MAX_CPUS: 0x0f, KERNEL_ENTRY: 0x10, KERNEL_DATA: 0x11, INITRD_DATA: 0x12,
  CMDLINE_ADDR: 0x13, CMDLINE_SIZE: 0x14, CMDLINE_DATA: 0x15, SETUP_ADDR: 0x16, SETUP_SIZE: 0x17, SETUP_DATA: 0x18,
  FILE_DIR: 0x19, FILE_FIRST: 0x20,
  /** x86-specific (bit 15 set). */
  ACPI_TABLES: 0x8000, SMBIOS_ENTRIES: 0x8001, IRQ0_OVERRIDE: 0x8002, E820_TABLE: 0x8003, HPET: 0x8004,
} as const;

/** Options of {@link FwCfg}. */
export interface FwCfgOptions {
  /** Guest RAM size in bytes (RAM_SIZE item). */
  ramSize?: number;
  /** Number of CPUs (NB_CPUS, MAX_CPUS items; default 1). */
  cpus?: number;
  /** 16-byte VM UUID (default all zero). */
  uuid?: Uint8Array;
  observer?: DeviceObserver;
}

const EMPTY = new Uint8Array(0);
const FILE_NAME_LENGTH = 56;

function le(value: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** The fw_cfg device. Map at 0x510 with 2 ports (selector word at offset 0, data byte at offset 1). */
export class FwCfg implements PortIoDevice {
  static readonly DEFAULT_BASE = 0x510;
  readonly counters = new CounterSet(['portReads', 'portWrites', 'badAccesses', 'selects', 'dataReads'] as const);
  /** Current selector (as written, including bits 14/15). */
  selector = 0;
  /** Offset into the selected item. */
  offset = 0;
  private readonly items = new Map<number, Uint8Array>();
  private readonly files: { name: string; key: number }[] = [];
  private current: Uint8Array = EMPTY;
  private readonly observer: DeviceObserver;

  constructor(options: FwCfgOptions = {}) {
    this.observer = options.observer ?? NO_OBSERVER;
    const cpus = options.cpus ?? 1;
    this.set(FwCfgKey.SIGNATURE, Uint8Array.of(0x51, 0x45, 0x4d, 0x55)); // "QEMU"
    this.set(FwCfgKey.ID, le(1, 4)); // traditional interface only
    this.set(FwCfgKey.UUID, options.uuid ?? new Uint8Array(16));
    this.set(FwCfgKey.RAM_SIZE, le(options.ramSize ?? 0, 8));
    this.set(FwCfgKey.NOGRAPHIC, le(1, 2));
    this.set(FwCfgKey.NB_CPUS, le(cpus, 2));
    this.set(FwCfgKey.MAX_CPUS, le(cpus, 2));
    this.set(FwCfgKey.BOOT_MENU, le(0, 2));
    this.updateDirectory();
    this.select(0);
  }

  /** Set (or replace) the item at `key` (selector bits 14 and 15 as in the key; bit 14 is ignored). */
  set(key: number, data: Uint8Array): void {
    this.items.set(key & 0xbfff, data);
    if ((this.selector & 0xbfff) === (key & 0xbfff)) this.current = data;
  }

  /** Set a little-endian integer item of `bytes` bytes. */
  setInteger(key: number, value: number, bytes: 2 | 4 | 8): void {
    this.set(key, le(value, bytes));
  }

  /** Add a named file item (e.g. "etc/e820", "opt/org.x86kit/test"); returns its selector key. */
  addFile(name: string, data: Uint8Array): number {
    if (name.length === 0 || name.length >= FILE_NAME_LENGTH) {
      throw new ApiMisuseError('API_ARGUMENT', `fw_cfg file name "${name}" must be 1–55 characters`);
    }
    if (this.files.some((f) => f.name === name)) throw new ApiMisuseError('API_OVERLAP', `fw_cfg file "${name}" exists`);
    const key = FwCfgKey.FILE_FIRST + this.files.length;
    this.files.push({ name, key });
    this.set(key, data);
    this.updateDirectory();
    return key;
  }

  /** The item stored at `key`, or undefined. */
  get(key: number): Uint8Array | undefined {
    return this.items.get(key & 0xbfff);
  }

  private updateDirectory(): void {
    const dir = new Uint8Array(4 + 64 * this.files.length);
    const view = new DataView(dir.buffer);
    view.setUint32(0, this.files.length, false);
    this.files.forEach((f, i) => {
      const at = 4 + 64 * i;
      view.setUint32(at, (this.items.get(f.key) ?? EMPTY).length, false);
      view.setUint16(at + 4, f.key, false);
      for (let c = 0; c < f.name.length; c++) dir[at + 8 + c] = f.name.charCodeAt(c) & 0xff;
    });
    this.set(FwCfgKey.FILE_DIR, dir);
  }

  private select(value: number): void {
    this.counters.values[3]++;
    this.observer('select', value & 0xffff);
    this.selector = value & 0xffff;
    this.offset = 0;
    this.current = this.items.get(this.selector & 0xbfff) ?? EMPTY;
  }

  readPort(_offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    if (size !== 1) {
      // Only byte reads are defined on the x86 I/O interface.
      this.counters.values[2]++;
      return 0;
    }
    this.counters.values[4]++;
    const v = this.offset < this.current.length ? this.current[this.offset] : 0;
    if (this.offset < this.current.length) this.offset++;
    return v;
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    if (size === 2 && offset === 0) { this.select(value); return; }
    // Data writes are ignored since QEMU 2.4; other widths are invalid.
    if (size !== 1) this.counters.values[2]++;
  }
}
