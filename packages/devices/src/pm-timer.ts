/**
 * ACPI power-management timer (ACPI 6.x §4.8.3.3): a free-running 24-bit (or 32-bit, FADT
 * TMR_VAL_EXT) counter at 3.579545 MHz, read as a dword at PM_TMR_BLK. Derived from the
 * virtual clock, so reading it costs no timer events.
 */
import { CounterSet, type Clock, type PortIoDevice } from '@x86kit/core';
import type { AccessSize } from './common.js';

/** PM timer frequency, Hz. */
export const PM_TIMER_HZ = 3_579_545;

/** Options of {@link AcpiPmTimer}. */
export interface AcpiPmTimerOptions {
  clock: Clock;
  /** Counter width: 24 (default) or 32 bits. */
  width?: 24 | 32;
}

/** The PM timer. Map where the FADT's PM_TMR_BLK points (QEMU PIIX4: 0x608; 4 ports). */
export class AcpiPmTimer implements PortIoDevice {
  /** PM_TMR_BLK of QEMU's PIIX4 PM (PM base 0x600 + 8). */
  static readonly DEFAULT_PORT = 0x608;
  readonly counters = new CounterSet(['portReads', 'portWrites', 'badAccesses'] as const);
  private readonly clock: Clock;
  private readonly mask: number;

  constructor(options: AcpiPmTimerOptions) {
    this.clock = options.clock;
    this.mask = (options.width ?? 24) === 32 ? 0xffffffff : 0xffffff;
  }

  /** Counter value now. Computed in two parts so it stays exact for very long runs. */
  value(): number {
    const now = this.clock.now();
    const seconds = Math.floor(now / 1e9);
    const rest = now - seconds * 1e9;
    const ticks = (seconds % 0x1_0000_0000) * PM_TIMER_HZ + Math.floor((rest * PM_TIMER_HZ) / 1e9);
    return (ticks % 0x1_0000_0000) & this.mask;
  }

  readPort(offset: number, size: AccessSize): number {
    this.counters.values[0]++;
    if (size !== 4 || offset !== 0) this.counters.values[2]++;
    const v = this.value() >>> 0;
    if (size === 4 && offset === 0) return v;
    const shifted = offset < 4 ? v >>> (8 * offset) : 0;
    return size === 4 ? shifted >>> 0 : shifted & (size === 1 ? 0xff : 0xffff);
  }

  writePort(): void {
    this.counters.values[1]++;
    this.counters.values[2]++; // read-only register
  }
}
