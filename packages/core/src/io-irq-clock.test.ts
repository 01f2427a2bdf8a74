import { describe, expect, test } from 'vitest';
import { IoBus, ApiMisuseError, VirtualClock, IrqLatch, CallbackIrqLine, type PortIoDevice } from './index.js';

class Scratch implements PortIoDevice {
  regs = new Uint32Array(4);
  readPort(offset: number): number { return this.regs[offset]; }
  writePort(offset: number, _size: 1 | 2 | 4, value: number): void { this.regs[offset] = value; }
}

describe('IoBus', () => {
  test('dispatches with relative offsets and counts accesses', () => {
    const io = new IoBus();
    const dev = new Scratch();
    io.map(0x3f8, 4, dev);
    io.write(0x3f9, 1, 0x5a);
    expect(dev.regs[1]).toBe(0x5a);
    expect(io.read(0x3f9, 1)).toBe(0x5a);
    expect(io.reads[0x3f9]).toBe(1);
    expect(io.writes[0x3f9]).toBe(1);
    expect(io.busyPorts()).toEqual([{ port: 0x3f9, reads: 1, writes: 1 }]);
  });

  test('unmapped ports read all-ones by size', () => {
    const io = new IoBus();
    expect(io.read(0x80, 1)).toBe(0xff);
    expect(io.read(0x80, 2)).toBe(0xffff);
    expect(io.read(0x80, 4)).toBe(0xffffffff);
  });

  test('overlaps and bad ranges are API misuse', () => {
    const io = new IoBus();
    io.map(0x60, 1, new Scratch());
    expect(() => io.map(0x60, 1, new Scratch())).toThrow(ApiMisuseError);
    expect(() => io.map(0xffff, 2, new Scratch())).toThrow(ApiMisuseError);
  });

  test('an observer sees every access', () => {
    const io = new IoBus();
    const seen: string[] = [];
    io.observer = (port, size, value, isWrite) => seen.push(`${isWrite ? 'out' : 'in'} ${port.toString(16)}/${size}=${value.toString(16)}`);
    io.write(0xe9, 1, 0x41);
    io.read(0x64, 1);
    expect(seen).toEqual(['out e9/1=41', 'in 64/1=ff']);
  });
});

describe('irq lines', () => {
  test('a latch counts rising edges', () => {
    const l = new IrqLatch();
    l.raise(); l.raise(); l.lower(); l.raise();
    expect(l.risingEdges).toBe(2);
    expect(l.level).toBe(true);
  });
  test('callback lines report level changes only', () => {
    const levels: boolean[] = [];
    const l = new CallbackIrqLine((v) => levels.push(v));
    l.raise(); l.raise(); l.lower(); l.lower();
    expect(levels).toEqual([true, false]);
  });
});

describe('VirtualClock', () => {
  test('deterministic time follows instructions', () => {
    const c = new VirtualClock({ nsPerInstruction: 2 });
    c.advanceInstructions(500);
    expect(c.now()).toBe(1000);
  });

  test('timers fire in deadline order, can be re-armed and cancelled', () => {
    const c = new VirtualClock();
    const fired: string[] = [];
    const a = c.createTimer(() => fired.push('a'));
    const b = c.createTimer(() => fired.push('b'));
    const d = c.createTimer(() => fired.push('d'));
    a.arm(300); b.arm(100); d.arm(200);
    a.arm(50); // move earlier
    d.cancel();
    expect(c.nextDeadline()).toBe(50);
    c.advanceInstructions(150);
    expect(c.runDue()).toBe(2);
    expect(fired).toEqual(['a', 'b']);
    expect(c.nextDeadline()).toBe(Infinity);
    expect(a.armed).toBe(false);
  });

  test('a periodic timer re-arming itself from its callback', () => {
    const c = new VirtualClock();
    let ticks = 0;
    const t = c.createTimer((now) => { ticks++; t.arm(now + 10); });
    t.arm(10);
    for (let i = 0; i < 10; i++) { c.advanceInstructions(10); c.runDue(); }
    expect(ticks).toBe(10);
  });

  test('many timers keep heap order', () => {
    const c = new VirtualClock();
    const order: number[] = [];
    const deadlines = [57, 3, 99, 12, 44, 3, 71, 28, 65, 90, 1, 36];
    deadlines.forEach((d, i) => c.createTimer(() => order.push(i)).arm(d));
    c.advanceTo(1000);
    c.runDue();
    const expected = deadlines.map((d, i) => [d, i] as const).sort((x, y) => x[0] - y[0]).map((x) => x[1]);
    expect(order.map((i) => deadlines[i])).toEqual(expected.map((i) => deadlines[i]));
  });

  test('realtime mode reads the host clock and never goes backwards', () => {
    let host = 1000;
    const c = new VirtualClock({ mode: 'realtime', hostNow: () => host });
    host = 1500;
    expect(c.now()).toBe(500);
    host = 1200;
    expect(c.now()).toBe(500);
  });
});
