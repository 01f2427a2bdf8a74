import { describe, expect, test } from 'vitest';
import { IoBus, IrqLatch, VirtualClock } from '@x86kit/core';
import { Rtc146818, RtcB, RtcC, RtcReg } from './rtc.js';

function setup(startTime = Date.UTC(2024, 1, 29, 23, 59, 58)): {
  io: IoBus; rtc: Rtc146818; clock: VirtualClock; irq: IrqLatch; nmi: boolean[];
} {
  const clock = new VirtualClock();
  const irq = new IrqLatch();
  const nmi: boolean[] = [];
  const rtc = new Rtc146818({ clock, irq, startTime, onNmiMask: (d) => nmi.push(d) });
  const io = new IoBus();
  io.map(Rtc146818.DEFAULT_BASE, 2, rtc);
  return { io, rtc, clock, irq, nmi };
}
function rd(io: IoBus, reg: number): number {
  io.write(0x70, 1, reg);
  return io.read(0x71, 1);
}
function wr(io: IoBus, reg: number, v: number): void {
  io.write(0x70, 1, reg);
  io.write(0x71, 1, v);
}

describe('MC146818 RTC', () => {
  test('reads BCD time and date; crosses a leap day at midnight', () => {
    const { io, clock } = setup();
    expect(rd(io, RtcReg.SECONDS)).toBe(0x58);
    expect(rd(io, RtcReg.HOURS)).toBe(0x23);
    expect(rd(io, RtcReg.DAY_OF_MONTH)).toBe(0x29);
    expect(rd(io, RtcReg.MONTH)).toBe(0x02);
    expect(rd(io, RtcReg.YEAR)).toBe(0x24);
    expect(rd(io, RtcReg.CENTURY)).toBe(0x20);
    clock.advanceTo(2e9);
    expect(rd(io, RtcReg.DAY_OF_MONTH)).toBe(0x01);
    expect(rd(io, RtcReg.MONTH)).toBe(0x03);
    expect(rd(io, RtcReg.HOURS)).toBe(0x00);
    expect(rd(io, RtcReg.DAY_OF_WEEK)).toBe(6); // Friday 2024-03-01
  });

  test('binary and 12-hour formats', () => {
    const { io } = setup(Date.UTC(2021, 5, 1, 13, 5, 9));
    wr(io, RtcReg.B, RtcB.DM); // binary, 12 h
    expect(rd(io, RtcReg.HOURS)).toBe(0x80 | 1);
    expect(rd(io, RtcReg.SECONDS)).toBe(9);
    expect(rd(io, RtcReg.YEAR)).toBe(21);
  });

  test('SET freezes the clock; guest-written time runs from where SET is cleared', () => {
    const { io, clock, rtc } = setup();
    wr(io, RtcReg.B, RtcB.SET | RtcB.H24);
    wr(io, RtcReg.HOURS, 0x12);
    wr(io, RtcReg.MINUTES, 0x34);
    wr(io, RtcReg.SECONDS, 0x56);
    wr(io, RtcReg.DAY_OF_MONTH, 0x15);
    wr(io, RtcReg.MONTH, 0x07);
    wr(io, RtcReg.YEAR, 0x99);
    wr(io, RtcReg.CENTURY, 0x19);
    clock.advanceTo(5e9);
    expect(rd(io, RtcReg.SECONDS)).toBe(0x56); // frozen while SET
    wr(io, RtcReg.B, RtcB.H24);
    expect(rtc.seconds()).toBe(Date.UTC(1999, 6, 15, 12, 34, 56) / 1000);
    clock.advanceTo(clock.now() + 1e9);
    expect(rd(io, RtcReg.SECONDS)).toBe(0x57);
  });

  test('periodic interrupt at rate 6 (1024 Hz): one IRQ per period when register C is read', () => {
    const { io, clock, irq, rtc } = setup();
    wr(io, RtcReg.A, 0x26);
    wr(io, RtcReg.B, RtcB.PIE | RtcB.H24);
    let handled = 0;
    while (clock.nextDeadline() <= 1e9) {
      clock.advanceTo(clock.nextDeadline());
      clock.runDue();
      if (irq.level) {
        const c = rd(io, RtcReg.C);
        expect(c & (RtcC.IRQF | RtcC.PF)).toBe(RtcC.IRQF | RtcC.PF);
        expect(irq.level).toBe(false); // reading C lowers IRQ 8
        handled++;
      }
    }
    expect(handled).toBe(1024);
    expect(rtc.counters.get('periodicTicks')).toBe(1024);
  });

  test('without reading C, IRQ 8 stays asserted and no new edges occur', () => {
    const { io, clock, irq } = setup();
    wr(io, RtcReg.A, 0x2f); // 2 Hz
    wr(io, RtcReg.B, RtcB.PIE | RtcB.H24);
    while (clock.nextDeadline() <= 3e9) { clock.advanceTo(clock.nextDeadline()); clock.runDue(); }
    expect(irq.risingEdges).toBe(1);
    // UF is set every second whether or not UIE is on (datasheet, register C), and AF too:
    // the zeroed alarm bytes mean 00:00:00, which the clock passed at midnight.
    expect(rd(io, RtcReg.C)).toBe(RtcC.IRQF | RtcC.PF | RtcC.UF | RtcC.AF);
    expect(rd(io, RtcReg.C)).toBe(0); // read-to-clear
  });

  test('update-ended and alarm interrupts', () => {
    const { io, clock, irq } = setup(Date.UTC(2024, 0, 1, 10, 0, 0));
    wr(io, RtcReg.SECONDS_ALARM, 0x03);
    wr(io, RtcReg.MINUTES_ALARM, 0xc0); // don't care
    wr(io, RtcReg.HOURS_ALARM, 0xff);
    wr(io, RtcReg.B, RtcB.AIE | RtcB.H24);
    while (clock.nextDeadline() <= 2.5e9) { clock.advanceTo(clock.nextDeadline()); clock.runDue(); }
    expect(irq.level).toBe(false);
    while (clock.nextDeadline() <= 3.5e9) { clock.advanceTo(clock.nextDeadline()); clock.runDue(); }
    expect(irq.level).toBe(true);
    expect(rd(io, RtcReg.C) & 0xb0).toBe(RtcC.IRQF | RtcC.AF | RtcC.UF);
    wr(io, RtcReg.B, RtcB.UIE | RtcB.H24);
    clock.advanceTo(clock.nextDeadline());
    clock.runDue();
    expect(rd(io, RtcReg.C) & 0xb0).toBe(RtcC.IRQF | RtcC.UF);
  });

  test('UIP is set in the 2228 us before an update; register D reports valid RAM', () => {
    const { io, clock } = setup();
    clock.advanceTo(0.5e9);
    expect(rd(io, RtcReg.A) & 0x80).toBe(0);
    clock.advanceTo(1e9 - 1000);
    expect(rd(io, RtcReg.A) & 0x80).toBe(0x80);
    expect(rd(io, RtcReg.D)).toBe(0x80);
  });

  test('divider reset holds time; leaving reset gives the first update 500 ms later', () => {
    const { io, clock } = setup(Date.UTC(2024, 0, 1, 0, 0, 0));
    wr(io, RtcReg.A, 0x70);
    clock.advanceTo(3e9);
    expect(rd(io, RtcReg.SECONDS)).toBe(0x00);
    wr(io, RtcReg.A, 0x26);
    clock.advanceTo(3e9 + 0.49e9);
    expect(rd(io, RtcReg.SECONDS)).toBe(0x00);
    clock.advanceTo(3e9 + 0.51e9);
    expect(rd(io, RtcReg.SECONDS)).toBe(0x01);
  });

  test('NMI mask bit, CMOS RAM, memory-size fields and checksum', () => {
    const { io, rtc, nmi } = setup();
    io.write(0x70, 1, 0x80 | 0x40);
    expect(rtc.nmiDisabled).toBe(true);
    io.write(0x71, 1, 0xab);
    io.write(0x70, 1, 0x40);
    expect(io.read(0x71, 1)).toBe(0xab);
    expect(nmi).toEqual([true, false]);
    rtc.setMemorySize(32 * 1024 * 1024);
    rtc.setCpuCount(2);
    expect(rd(io, 0x15) | (rd(io, 0x16) << 8)).toBe(640);
    expect(rd(io, 0x17) | (rd(io, 0x18) << 8)).toBe(31 * 1024);
    expect(rd(io, 0x34) | (rd(io, 0x35) << 8)).toBe(256);
    rtc.setMemorySize(3 * 1024 * 1024 * 1024, 1024 * 1024 * 1024);
    expect(rd(io, 0x17) | (rd(io, 0x18) << 8)).toBe(0xffff); // capped
    expect(rd(io, 0x5b) | (rd(io, 0x5c) << 8) | (rd(io, 0x5d) << 16)).toBe(0x4000);
    expect(rd(io, 0x5f)).toBe(1);
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += rd(io, i);
    expect((rd(io, 0x2e) << 8) | rd(io, 0x2f)).toBe(sum);
    expect(io.read(0x70, 1)).toBe(0xff);
  });

  test('snapshot/restore', () => {
    const { io, rtc, clock } = setup();
    wr(io, 0x50, 0x77);
    wr(io, RtcReg.B, RtcB.PIE | RtcB.H24);
    const copy = Rtc146818.restore(JSON.parse(JSON.stringify(rtc.snapshot())), { clock });
    expect(copy.snapshot()).toEqual(rtc.snapshot());
    expect(copy.seconds()).toBe(rtc.seconds());
  });

  test('guest sets the time in binary 12-hour mode (PM bit) and reads it back', () => {
    const { io, rtc } = setup();
    wr(io, RtcReg.B, RtcB.SET | RtcB.DM);
    wr(io, RtcReg.HOURS, 0x80 | 11); // 11 PM
    wr(io, RtcReg.MINUTES, 30);
    wr(io, RtcReg.SECONDS, 0);
    wr(io, RtcReg.DAY_OF_MONTH, 31);
    wr(io, RtcReg.MONTH, 12);
    wr(io, RtcReg.YEAR, 99);
    wr(io, RtcReg.CENTURY, 20);
    wr(io, RtcReg.B, RtcB.DM);
    expect(rtc.seconds()).toBe(Date.UTC(2099, 11, 31, 23, 30, 0) / 1000);
    expect(rd(io, RtcReg.HOURS)).toBe(0x80 | 11);
  });

  test('AF is set by a matching update even while AIE is off (seen on the next register C read)', () => {
    const { io, clock } = setup(Date.UTC(2024, 0, 1, 10, 0, 0));
    wr(io, RtcReg.SECONDS_ALARM, 0x05);
    wr(io, RtcReg.MINUTES_ALARM, 0x00);
    wr(io, RtcReg.HOURS_ALARM, 0x10);
    rd(io, RtcReg.C);
    clock.advanceTo(3.5e9);
    expect(rd(io, RtcReg.C) & RtcC.AF).toBe(0);
    clock.advanceTo(6.5e9);
    expect(rd(io, RtcReg.C) & (RtcC.AF | RtcC.IRQF)).toBe(RtcC.AF); // flag only: AIE is off
  });
});
