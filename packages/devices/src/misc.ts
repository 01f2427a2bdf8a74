/**
 * Small PC ports: System Control Port A (0x92: fast A20 and reset), the POST diagnostic port
 * (0x80), QEMU's isa-debug-exit and the Bochs/QEMU debug console (0xE9).
 */
import { CounterSet, type PortIoDevice } from '@x86kit/core';
import { type AccessSize, type DeviceObserver, NO_OBSERVER } from './common.js';

/** Options of {@link SystemControlPortA}. */
export interface SystemControlPortAOptions {
  onReset?: () => void;
  onA20?: (enabled: boolean) => void;
  /** Initial A20 state (default false). */
  a20?: boolean;
  observer?: DeviceObserver;
}

/**
 * Port 0x92 ("PS/2 System Control Port A", PIIX/ICH datasheets): bit 0 write 1 = fast CPU
 * reset (self-clearing), bit 1 = A20 gate; other bits are stored. 1 port.
 */
export class SystemControlPortA implements PortIoDevice {
  static readonly DEFAULT_PORT = 0x92;
  readonly counters = new CounterSet(['portReads', 'portWrites', 'badAccesses', 'resets', 'a20Changes'] as const);
  value: number;
  private readonly onReset: () => void;
  private readonly onA20: (enabled: boolean) => void;
  private readonly observer: DeviceObserver;

  constructor(options: SystemControlPortAOptions = {}) {
    this.observer = options.observer ?? NO_OBSERVER;
    this.onReset = options.onReset ?? ((): void => {});
    this.onA20 = options.onA20 ?? ((): void => {});
    this.value = options.a20 === true ? 0x02 : 0x00;
  }

  get a20(): boolean {
    return (this.value & 0x02) !== 0;
  }

  readPort(_offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    if (size !== 1) this.counters.values[2]++;
    return size === 1 ? this.value : (this.value | (size === 2 ? 0xff00 : 0xffffff00)) >>> 0;
  }

  writePort(_offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    if (size !== 1) this.counters.values[2]++;
    const old = this.value;
    this.observer('write', value & 0xff);
    this.value = value & 0xfe;
    if (((old ^ value) & 0x02) !== 0) {
      this.counters.values[4]++;
      this.onA20((value & 0x02) !== 0);
    }
    if ((value & 0x01) !== 0) {
      this.counters.values[3]++;
      this.onReset();
    }
  }
}

/** POST code port (0x80): latches the last byte written; reads return it. 1 port. */
export class PostCodePort implements PortIoDevice {
  static readonly DEFAULT_PORT = 0x80;
  readonly counters = new CounterSet(['portReads', 'portWrites', 'badAccesses'] as const);
  /** Last POST code written. */
  last = 0;
  private readonly onPost: (code: number) => void;
  private readonly observer: DeviceObserver;

  constructor(options: { onPost?: (code: number) => void; observer?: DeviceObserver } = {}) {
    this.onPost = options.onPost ?? ((): void => {});
    this.observer = options.observer ?? NO_OBSERVER;
  }

  readPort(_offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    if (size !== 1) this.counters.values[2]++;
    return size === 1 ? this.last : (this.last | (size === 2 ? 0xff00 : 0xffffff00)) >>> 0;
  }

  writePort(_offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    if (size !== 1) this.counters.values[2]++;
    this.last = value & 0xff;
    this.observer('post', this.last);
    this.onPost(this.last);
  }
}

/**
 * QEMU `isa-debug-exit`: any write ends the VM with status `(value << 1) | 1`, reported to
 * `onExit` (the value is the whole access, so status 1 means "wrote 0"). Reads return 0.
 * QEMU's default is iobase 0x501 / iosize 2; test suites such as kvm-unit-tests use 0xF4 / 4,
 * which is our default.
 */
export class IsaDebugExit implements PortIoDevice {
  static readonly DEFAULT_PORT = 0xf4;
  static readonly DEFAULT_SIZE = 4;
  readonly counters = new CounterSet(['portReads', 'portWrites'] as const);
  /** Exit status of the last write, or -1. */
  lastStatus = -1;
  private readonly onExit: (status: number) => void;
  private readonly observer: DeviceObserver;

  constructor(options: { onExit: (status: number) => void; observer?: DeviceObserver }) {
    this.onExit = options.onExit;
    this.observer = options.observer ?? NO_OBSERVER;
  }

  readPort(): number {
    this.counters.values[0]++;
    return 0;
  }

  writePort(_offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    const v = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
    this.lastStatus = v * 2 + 1; // (value << 1) | 1 without 32-bit wrap
    this.observer('exit', this.lastStatus);
    this.onExit(this.lastStatus);
  }
}

/**
 * Bochs/QEMU debug console (port 0xE9): each byte written goes to the sink; reads return
 * 0xE9 so guests can detect the port. A wider write sends its low byte (the next port is
 * not part of the device). 1 port.
 */
export class DebugCon implements PortIoDevice {
  static readonly DEFAULT_PORT = 0xe9;
  static readonly READBACK = 0xe9;
  readonly counters = new CounterSet(['portReads', 'portWrites', 'badAccesses', 'bytes'] as const);
  private readonly out: (byte: number) => void;
  private readonly observer: DeviceObserver;

  constructor(options: { out: (byte: number) => void; observer?: DeviceObserver }) {
    this.out = options.out;
    this.observer = options.observer ?? NO_OBSERVER;
  }

  readPort(_offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    if (size !== 1) this.counters.values[2]++;
    return size === 1 ? DebugCon.READBACK : (DebugCon.READBACK | (size === 2 ? 0xff00 : 0xffffff00)) >>> 0;
  }

  writePort(_offset: number, size: AccessSize, value: number): void {
    this.counters.values[1]++;
    if (size !== 1) this.counters.values[2]++;
    this.counters.values[3]++;
    this.observer('byte', value & 0xff);
    this.out(value & 0xff);
  }
}
