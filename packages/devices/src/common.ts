/**
 * Small helpers shared by every device: the observer hook, access-size helpers and the
 * all-ones value an ISA/PCI bus returns when nobody drives the data lines.
 */
import type { IrqLine } from '@x86kit/core';

/** Access width of a port or MMIO access, in bytes. */
export type AccessSize = 1 | 2 | 4;

/**
 * An optional tracing hook every device accepts. `event` is a constant string (no allocation
 * per call), `value` a number whose meaning depends on the event (a register value, a vector).
 */
export type DeviceObserver = (event: string, value: number) => void;

/** The default observer: does nothing. */
export const NO_OBSERVER: DeviceObserver = (): void => {};

/** What an undriven bus returns for a read of `size` bytes (all-ones). */
export function allOnes(size: AccessSize): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

/** A host byte sink that collects bytes in memory; handy for tests and captures. */
export class ByteBuffer {
  private buf = new Uint8Array(256);
  /** Number of bytes collected. */
  length = 0;
  /** Append one byte. Bound so it can be passed as a callback: `tx: buffer.push`. */
  readonly push = (byte: number): void => {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = byte & 0xff;
  };
  /** The collected bytes (a copy). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
  /** The collected bytes decoded as Latin-1 text. */
  text(): string {
    let s = '';
    for (let i = 0; i < this.length; i++) s += String.fromCharCode(this.buf[i]);
    return s;
  }
  /** Forget everything collected. */
  clear(): void {
    this.length = 0;
  }
}

/** Convert a binary value 0..99 to packed BCD. */
export function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

/** Convert packed BCD to binary (invalid nibbles are taken at face value, as hardware does). */
export function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0x0f);
}

/** A device whose registers are 8 bits wide (every ISA-era chip). */
export interface ByteRegisters {
  readByte(offset: number): number;
  writeByte(offset: number, value: number): void;
}

/**
 * A wider-than-8-bit access to 8-bit registers, as the ISA bus performs it: one byte cycle
 * per byte at consecutive ports, low byte first. Bytes outside `[0, length)` read 0xff
 * (nobody decodes them) and are dropped on writes.
 */
export function splitRead(dev: ByteRegisters, length: number, offset: number, size: AccessSize): number {
  let value = 0;
  for (let i = 0; i < size; i++) {
    const o = offset + i;
    const b = o < length ? dev.readByte(o) & 0xff : 0xff;
    value |= b << (8 * i);
  }
  return value >>> 0;
}

/** The write counterpart of {@link splitRead}. */
export function splitWrite(dev: ByteRegisters, length: number, offset: number, size: AccessSize, value: number): void {
  for (let i = 0; i < size; i++) {
    const o = offset + i;
    if (o < length) dev.writeByte(o, (value >>> (8 * i)) & 0xff);
  }
}

/**
 * One interrupt output wired to several inputs, as ISA IRQs on a PC reach both the 8259A and
 * the I/O APIC. Forwards level changes only.
 */
export class IrqSplitter implements IrqLine {
  private readonly targets: readonly IrqLine[];
  private level = false;
  constructor(targets: readonly IrqLine[]) {
    this.targets = targets;
  }
  raise(): void {
    if (this.level) return;
    this.level = true;
    for (let i = 0; i < this.targets.length; i++) this.targets[i].raise();
  }
  lower(): void {
    if (!this.level) return;
    this.level = false;
    for (let i = 0; i < this.targets.length; i++) this.targets[i].lower();
  }
}

/**
 * A byte sink that hands bytes to a chunk writer (a Node stream's `write`, a file append, a
 * WebSocket `send`) in batches: on `\n`, when `size` bytes are buffered, or on {@link flush}.
 * ```ts
 * const out = new ChunkedSink((chunk) => process.stdout.write(chunk));
 * const com1 = new Uart16550({ tx: out.push });
 * ```
 */
export class ChunkedSink {
  private readonly buf: Uint8Array;
  private length = 0;
  private readonly write: (chunk: Uint8Array) => void;
  constructor(write: (chunk: Uint8Array) => void, size = 4096) {
    this.write = write;
    this.buf = new Uint8Array(size);
  }
  /** Append one byte (bound: pass it as a callback). */
  readonly push = (byte: number): void => {
    this.buf[this.length++] = byte & 0xff;
    if (byte === 0x0a || this.length === this.buf.length) this.flush();
  };
  /** Hand over everything buffered (the writer gets its own copy). */
  flush(): void {
    if (this.length === 0) return;
    const chunk = this.buf.slice(0, this.length);
    this.length = 0;
    this.write(chunk);
  }
}
