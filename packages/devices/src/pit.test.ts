import { describe, expect, test } from 'vitest';
import { IoBus, IrqLatch, VirtualClock } from '@x86kit/core';
import { Pit8254, PIT_FREQUENCY_HZ } from './pit.js';

function setup(): { io: IoBus; pit: Pit8254; clock: VirtualClock; irq: IrqLatch } {
  const clock = new VirtualClock();
  const irq = new IrqLatch();
  const pit = new Pit8254({ clock, irq });
  const io = new IoBus();
  io.map(Pit8254.DEFAULT_BASE, 4, pit);
  io.map(Pit8254.DEFAULT_PORT_B, 1, pit.portB);
  return { io, pit, clock, irq };
}
const tickNs = (n: number): number => Math.ceil((n * 1e9) / PIT_FREQUENCY_HZ);
function run(clock: VirtualClock, t: number): void {
  while (clock.nextDeadline() <= t) {
    clock.advanceTo(clock.nextDeadline());
    clock.runDue();
  }
  clock.advanceTo(t);
}

describe('8254 PIT', () => {
  test('mode 2 rate generator (Linux HZ=1000: LATCH=1193) delivers one IRQ0 edge per period', () => {
    const { io, clock, irq } = setup();
    io.write(0x43, 1, 0x34); // counter 0, LSB/MSB, mode 2, binary
    io.write(0x40, 1, 1193 & 0xff);
    io.write(0x40, 1, 1193 >> 8);
    run(clock, 10_000_000); // 10 ms
    expect(irq.risingEdges).toBeGreaterThanOrEqual(10);
    expect(irq.risingEdges).toBeLessThanOrEqual(11);
    run(clock, 1_000_000_000);
    expect(Math.abs(irq.risingEdges - 1000)).toBeLessThanOrEqual(1);
  });

  test('stays exact after hours of virtual time (timer deadlines land on their tick)', () => {
    const { io, clock, irq } = setup();
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 1193 & 0xff);
    io.write(0x40, 1, 1193 >> 8);
    clock.advanceTo(5 * 3600e9 + 123_456.5); // five hours later, off-grid
    clock.runDue();
    const before = irq.risingEdges;
    let events = 0;
    const end = clock.now() + 100_000_000;
    while (clock.nextDeadline() <= end) {
      clock.advanceTo(clock.nextDeadline());
      events += clock.runDue();
    }
    expect(Math.abs(irq.risingEdges - before - 100)).toBeLessThanOrEqual(1);
    expect(events).toBeLessThanOrEqual(202); // two OUT transitions per period, no re-fires
  });

  test('mode 2: a new count written while counting takes effect at the end of the period', () => {
    const { io, clock, irq, pit } = setup();
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 1000 & 0xff);
    io.write(0x40, 1, 1000 >> 8);
    const edges: number[] = [];
    const step = (t: number): void => {
      while (clock.nextDeadline() <= t) {
        clock.advanceTo(clock.nextDeadline());
        const before = irq.risingEdges;
        clock.runDue();
        if (irq.risingEdges !== before) edges.push(pit.channel(0).ticks(clock.now()));
      }
      clock.advanceTo(t);
    };
    step(tickNs(300));
    io.write(0x40, 1, 500 & 0xff);
    io.write(0x40, 1, 500 >> 8);
    io.write(0x43, 1, 0xe2); // read-back status: null count until the reload
    expect(io.read(0x40, 1) & 0x40).toBe(0x40);
    expect(pit.channel(0).value(clock.now())).toBe(700); // current period undisturbed
    step(tickNs(2100));
    // edges at the old period's end (tick 1000 = new start), then every 500 ticks
    expect(edges).toEqual([0, 500, 1000]);
    io.write(0x43, 1, 0xe2);
    expect(io.read(0x40, 1) & 0x40).toBe(0);
  });

  test('counter latch command reads a frozen count, LSB then MSB', () => {
    const { io, clock } = setup();
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x10); // N = 0x1000
    clock.advanceTo(tickNs(0x100));
    io.write(0x43, 1, 0x00); // latch counter 0
    clock.advanceTo(tickNs(0x200)); // later ticks do not change the latched value
    const lo = io.read(0x40, 1);
    const hi = io.read(0x40, 1);
    expect((hi << 8) | lo).toBe(0x1000 - 0x100);
  });

  test('mode 3 square wave on counter 2 seen through port 0x61 bit 5, gated by bit 0', () => {
    const { io, clock } = setup();
    io.write(0x61, 1, 0x01); // gate 2 on
    io.write(0x43, 1, 0xb6); // counter 2, LSB/MSB, mode 3
    io.write(0x42, 1, 100);
    io.write(0x42, 1, 0);
    expect(io.read(0x61, 1) & 0x20).toBe(0x20); // first half high
    clock.advanceTo(tickNs(60));
    expect(io.read(0x61, 1) & 0x20).toBe(0); // second half low
    clock.advanceTo(tickNs(100) + 1);
    expect(io.read(0x61, 1) & 0x20).toBe(0x20);
    io.write(0x61, 1, 0x00); // gate low forces OUT high in mode 3
    clock.advanceTo(tickNs(160));
    expect(io.read(0x61, 1) & 0x20).toBe(0x20);
  });

  test('mode 0 on counter 2 (calibration loop): OUT goes high at terminal count', () => {
    const { io, clock } = setup();
    io.write(0x61, 1, 0x01);
    io.write(0x43, 1, 0xb0); // counter 2, LSB/MSB, mode 0
    io.write(0x42, 1, 0xff);
    io.write(0x42, 1, 0xff);
    expect(io.read(0x61, 1) & 0x20).toBe(0);
    clock.advanceTo(tickNs(0xffff) + 1);
    expect(io.read(0x61, 1) & 0x20).toBe(0x20);
  });

  test('mode 0 counter 0 raises IRQ0 once at terminal count and gate-low freezes other counters', () => {
    const { io, clock, irq, pit } = setup();
    io.write(0x43, 1, 0x30);
    io.write(0x40, 1, 10);
    io.write(0x40, 1, 0);
    expect(irq.level).toBe(false);
    run(clock, tickNs(11));
    expect(irq.risingEdges).toBe(1);
    run(clock, tickNs(1000));
    expect(irq.risingEdges).toBe(1);
    // counter 2 in mode 0 with gate low does not count
    io.write(0x61, 1, 0x00);
    io.write(0x43, 1, 0xb0);
    io.write(0x42, 1, 50);
    io.write(0x42, 1, 0);
    clock.advanceTo(clock.now() + tickNs(40));
    expect(pit.channel(2).value(clock.now())).toBe(50);
  });

  test('read-back: status byte then count; null count set until the count is written', () => {
    const { io } = setup();
    io.write(0x43, 1, 0x36); // counter 0, LSB/MSB, mode 3
    io.write(0x43, 1, 0xe2); // read-back status only, counter 0
    expect(io.read(0x40, 1)).toBe(0x40 | 0x80 | 0x30 | 0x06); // OUT high, null count, rw 3, mode 3
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x20);
    io.write(0x43, 1, 0xc2); // read-back count and status
    expect(io.read(0x40, 1)).toBe(0x80 | 0x36);
    expect(io.read(0x40, 1)).toBe(0x00);
    expect(io.read(0x40, 1)).toBe(0x20);
  });

  test('BCD counting: count written and read in BCD', () => {
    const { io, clock } = setup();
    io.write(0x43, 1, 0x31); // counter 0, LSB/MSB, mode 0, BCD
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x10); // 1000 decimal
    clock.advanceTo(tickNs(1));
    io.write(0x43, 1, 0x00);
    expect(io.read(0x40, 1)).toBe(0x99);
    expect(io.read(0x40, 1)).toBe(0x09); // 999
  });

  test('mode 4 software strobe pulses OUT low for one clock', () => {
    const { io, clock, pit } = setup();
    io.write(0x43, 1, 0x78); // counter 1, LSB/MSB, mode 4
    io.write(0x41, 1, 5);
    io.write(0x41, 1, 0);
    clock.advanceTo(tickNs(5) + 1);
    expect(pit.output(1)).toBe(false);
    clock.advanceTo(tickNs(6) + 1);
    expect(pit.output(1)).toBe(true);
  });

  test('mode 1 and 5 wait for a gate trigger', () => {
    const { io, clock, pit } = setup();
    io.write(0x43, 1, 0xb2); // counter 2 mode 1
    io.write(0x42, 1, 20);
    io.write(0x42, 1, 0);
    expect(pit.output(2)).toBe(true);
    io.write(0x61, 1, 0x01); // trigger
    expect(pit.output(2)).toBe(false);
    clock.advanceTo(tickNs(21));
    expect(pit.output(2)).toBe(true);
    io.write(0x43, 1, 0xba); // counter 2 mode 5
    io.write(0x42, 1, 4);
    io.write(0x42, 1, 0);
    io.write(0x61, 1, 0x00);
    io.write(0x61, 1, 0x01);
    const t0 = clock.now();
    clock.advanceTo(t0 + tickNs(4) + 1);
    expect(pit.output(2)).toBe(false);
  });

  test('LSB-only access and a wide access counted as bad', () => {
    const { io, pit, clock } = setup();
    io.write(0x43, 1, 0x14); // counter 0, LSB only, mode 2
    io.write(0x40, 1, 200);
    clock.advanceTo(tickNs(50));
    expect(io.read(0x40, 1)).toBe(150);
    io.read(0x40, 2);
    expect(pit.counters.get('badAccesses')).toBe(1);
    expect(io.read(0x43, 1)).toBe(0xff);
  });

  test('snapshot/restore keeps counting from the same point', () => {
    const { io, clock, pit } = setup();
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x40);
    clock.advanceTo(tickNs(100));
    const s = JSON.parse(JSON.stringify(pit.snapshot()));
    const copy = Pit8254.restore(s, { clock });
    expect(copy.channel(0).value(clock.now())).toBe(pit.channel(0).value(clock.now()));
    expect(copy.snapshot()).toEqual(pit.snapshot());
  });

  test('mode 3 with an odd count: high for (N+1)/2 clocks, low for (N-1)/2', () => {
    const { io, clock, pit } = setup();
    io.write(0x61, 1, 0x01);
    io.write(0x43, 1, 0xb6);
    io.write(0x42, 1, 7);
    io.write(0x42, 1, 0);
    const levels: boolean[] = [];
    for (let t = 0; t < 14; t++) {
      clock.advanceTo(tickNs(t) + 1);
      levels.push(pit.output(2));
    }
    expect(levels.map((l) => (l ? 1 : 0)).join('')).toBe('11110001111000');
  });
});
