import { describe, expect, test } from 'vitest';
import { IoBus, VirtualClock } from '@x86kit/core';
import { AcpiPmTimer, PM_TIMER_HZ } from './pm-timer.js';

describe('ACPI PM timer', () => {
  test('counts at 3.579545 MHz and wraps at 24 bits', () => {
    const clock = new VirtualClock();
    const t = new AcpiPmTimer({ clock });
    const io = new IoBus();
    io.map(AcpiPmTimer.DEFAULT_PORT, 4, t);
    clock.advanceTo(1e9);
    expect(io.read(0x608, 4)).toBe(PM_TIMER_HZ & 0xffffff);
    clock.advanceTo(1e9 + 1000); // 1 µs = 3.58 ticks
    expect(io.read(0x608, 4)).toBe((PM_TIMER_HZ + 3) & 0xffffff);
    clock.advanceTo(86400e9 * 30); // 30 days: still exact
    expect(t.value()).toBe((86400 * 30 * PM_TIMER_HZ) % 0x1000000);
  });

  test('32-bit variant, byte reads and writes are counted as bad', () => {
    const clock = new VirtualClock();
    const t = new AcpiPmTimer({ clock, width: 32 });
    clock.advanceTo(10e9);
    expect(t.readPort(0, 4)).toBe(10 * PM_TIMER_HZ);
    expect(t.readPort(1, 1)).toBe(((10 * PM_TIMER_HZ) >>> 8) & 0xff);
    t.writePort();
    expect(t.counters.get('badAccesses')).toBe(2);
  });
});
