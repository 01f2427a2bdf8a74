/**
 * Platform registers `@x86kit/devices` does not model: the PIIX reset control register
 * (0xCF9, used when no PCI host is mapped) and the ACPI PM1a event/control blocks named by
 * the FADT (ACPI 6.5 4.8.3). They report to the machine through callbacks.
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

/**
 * ACPI PM1a event block (4 ports: PM1_STS, write 1 to clear; PM1_EN) and control block
 * (2 ports: SCI_EN always 1 because the FADT has no SMI_CMD; SLP_TYP bits 12:10; writing
 * SLP_EN, bit 13, enters the sleep state: `onSleep(SLP_TYP)`).
 */
export class AcpiPm1 {
  status = 0;
  enable = 0;
  control = 1;
  readonly event: PortIoDevice;
  readonly controlBlock: PortIoDevice;
  constructor(onSleep: (slpTyp: number) => void) {
    const read16 = (v: number, offset: number, size: 1 | 2 | 4): number => (size === 1 ? (v >>> (8 * (offset & 1))) & 0xff : v & 0xffff);
    this.event = {
      readPort: (offset, size) => {
        if (size === 4) return (this.status | (this.enable << 16)) >>> 0;
        return read16(offset < 2 ? this.status : this.enable, offset, size);
      },
      writePort: (offset, size, value) => {
        if (size === 4) { this.status &= ~value & 0xffff; this.enable = (value >>> 16) & 0xffff; return; }
        const v = size === 1 ? (value & 0xff) << (8 * (offset & 1)) : value & 0xffff;
        if (offset < 2) this.status &= ~v & 0xffff;
        else this.enable = size === 1 ? (this.enable & ~(0xff << (8 * (offset & 1)))) | v : v;
      },
    };
    this.controlBlock = {
      readPort: (offset, size) => read16(this.control, offset, size),
      writePort: (offset, size, value) => {
        const v = size === 1 ? (this.control & ~(0xff << (8 * (offset & 1)))) | ((value & 0xff) << (8 * (offset & 1))) : value & 0xffff;
        this.control = (v & ~0x2000) | 1;
        if ((v & 0x2000) !== 0) onSleep((v >>> 10) & 7);
      },
    };
  }
}
