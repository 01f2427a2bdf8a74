/**
 * The PIIX reset control register (0xCF9), which `@x86kit/devices` does not model: writing
 * bit 2 performs the reset selected by bit 1 (hard) or a CPU reset. It reports to the machine
 * through a callback.
 */
import type { PortIoDevice } from '@x86kit/core';

/** PIIX reset control (0xCF9, 1 port). */
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
