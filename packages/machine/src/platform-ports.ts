/**
 * Small platform ports the machine needs that `@x86kit/devices` does not export yet:
 * QEMU's isa-debug-exit, the PS/2 "system control port A" (0x92: fast A20 and reset), the
 * PIIX reset control register (0xCF9), and a POST-code sink (0x80). They report to the
 * machine through callbacks; none knows about the CPU. When the devices package ships its
 * own versions, the PC device set switches to them.
 */
import type { PortIoDevice } from '@x86kit/core';

/** QEMU `isa-debug-exit`: a write of `v` ends the run with host status `(v << 1) | 1`. Reads return all-ones. */
export class DebugExitPort implements PortIoDevice {
  private readonly onExit: (status: number) => void;
  constructor(onExit: (status: number) => void) { this.onExit = onExit; }
  readPort(_offset: number, size: 1 | 2 | 4): number { return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff; }
  writePort(_offset: number, size: 1 | 2 | 4, value: number): void {
    const v = size === 1 ? value & 0xff : size === 2 ? value & 0xffff : value >>> 0;
    this.onExit(((v << 1) | 1) >>> 0);
  }
}

/** Port 0x92: bit 1 = A20 gate, bit 0 = fast reset (a 0→1 edge resets the CPU). */
export class SystemControlPortA implements PortIoDevice {
  value = 0x02;
  private readonly setA20: (on: boolean) => void;
  private readonly reset: () => void;
  constructor(setA20: (on: boolean) => void, reset: () => void) { this.setA20 = setA20; this.reset = reset; }
  readPort(): number { return this.value; }
  writePort(_offset: number, _size: 1 | 2 | 4, value: number): void {
    const old = this.value;
    this.value = value & 0x03;
    this.setA20((value & 2) !== 0);
    if ((old & 1) === 0 && (value & 1) !== 0) this.reset();
  }
}

/** PIIX reset control (0xCF9): writing bit 2 set performs the reset selected by bit 1 (hard) or a CPU reset. */
export class ResetControlPort implements PortIoDevice {
  value = 0;
  private readonly reset: () => void;
  constructor(reset: () => void) { this.reset = reset; }
  readPort(): number { return this.value; }
  writePort(_offset: number, _size: 1 | 2 | 4, value: number): void {
    this.value = value & 0x0a;
    if ((value & 0x04) !== 0) this.reset();
  }
}

/** POST codes (port 0x80): remembers the last value; reads return it. */
export class PostCodePort implements PortIoDevice {
  last = 0;
  count = 0;
  readPort(): number { return this.last; }
  writePort(_offset: number, _size: 1 | 2 | 4, value: number): void { this.last = value & 0xff; this.count++; }
}
