import { describe, expect, test } from 'vitest';
import { IoBus, IrqLatch } from '@x86kit/core';
import { I8042, I8042Ccb, I8042Status } from './i8042.js';
import { Key } from './ps2-keyboard.js';

function setup(): { io: IoBus; kbc: I8042; irq1: IrqLatch; resets: number[]; a20: boolean[] } {
  const irq1 = new IrqLatch();
  const resets: number[] = [];
  const a20: boolean[] = [];
  const kbc = new I8042({ irq1, onReset: () => resets.push(1), onA20: (e) => a20.push(e) });
  const io = new IoBus();
  io.map(I8042.DEFAULT_DATA, 1, kbc.data);
  io.map(I8042.DEFAULT_COMMAND, 1, kbc.command);
  return { io, kbc, irq1, resets, a20 };
}
function readData(io: IoBus): number {
  expect(io.read(0x64, 1) & I8042Status.OBF).toBe(I8042Status.OBF);
  return io.read(0x60, 1);
}

describe('i8042 + PS/2 keyboard', () => {
  test('controller self test, interface test and command byte read/write', () => {
    const { io } = setup();
    io.write(0x64, 1, 0xaa);
    expect(readData(io)).toBe(0x55);
    io.write(0x64, 1, 0xab);
    expect(readData(io)).toBe(0x00);
    io.write(0x64, 1, 0x60);
    io.write(0x60, 1, 0x47);
    io.write(0x64, 1, 0x20);
    expect(readData(io)).toBe(0x47);
    expect(io.read(0x64, 1) & I8042Status.OBF).toBe(0);
  });

  test('A20 through the output port (0xD1) and 0xDD/0xDF; reset via 0xFE', () => {
    const { io, kbc, a20, resets } = setup();
    io.write(0x64, 1, 0xd1);
    io.write(0x60, 1, 0xdf); // A20 on, reset bit 1 (no reset)
    expect(kbc.a20).toBe(true);
    io.write(0x64, 1, 0xd0);
    expect(readData(io) & 0x03).toBe(0x03);
    io.write(0x64, 1, 0xdd);
    expect(a20).toEqual([true, false]);
    expect(resets.length).toBe(0);
    io.write(0x64, 1, 0xfe);
    expect(resets.length).toBe(1);
    io.write(0x64, 1, 0xd1);
    io.write(0x60, 1, 0x00); // output port bit 0 = 0 also resets
    expect(resets.length).toBe(2);
  });

  test('keyboard reset, identify and scan-code set query', () => {
    const { io } = setup();
    io.write(0x60, 1, 0xff);
    expect(readData(io)).toBe(0xfa);
    expect(readData(io)).toBe(0xaa);
    io.write(0x60, 1, 0xf2);
    // Through the translating controller the ID reads AB 41, as Linux atkbd expects (0xab41).
    expect([readData(io), readData(io), readData(io)]).toEqual([0xfa, 0xab, 0x41]);
    io.write(0x64, 1, 0x60);
    io.write(0x60, 1, I8042Ccb.KBD_INT); // no translation
    io.write(0x60, 1, 0xf0);
    expect(readData(io)).toBe(0xfa);
    io.write(0x60, 1, 0x00);
    expect([readData(io), readData(io)]).toEqual([0xfa, 0x02]);
  });

  test('key presses: set 2 translated to set 1 by default, IRQ1 per byte', () => {
    const { io, kbc, irq1 } = setup();
    kbc.keyboard.keyDown(Key.KeyA);
    expect(irq1.level).toBe(true);
    expect(io.read(0x60, 1)).toBe(0x1e);
    expect(irq1.level).toBe(false);
    kbc.keyboard.keyUp(Key.KeyA);
    expect(io.read(0x60, 1)).toBe(0x9e);
    kbc.keyboard.keyDown(Key.ArrowUp);
    expect([io.read(0x60, 1), io.read(0x60, 1)]).toEqual([0xe0, 0x48]);
    kbc.keyboard.keyUp(Key.ArrowUp);
    expect([io.read(0x60, 1), io.read(0x60, 1)]).toEqual([0xe0, 0xc8]);
    expect(irq1.risingEdges).toBe(6);
  });

  test('untranslated set 2 and native set 1', () => {
    const { io, kbc } = setup();
    io.write(0x64, 1, 0x60);
    io.write(0x60, 1, I8042Ccb.KBD_INT);
    kbc.keyboard.keyUp(Key.Enter);
    expect([io.read(0x60, 1), io.read(0x60, 1)]).toEqual([0xf0, 0x5a]);
    io.write(0x60, 1, 0xf0);
    io.write(0x60, 1, 0x01);
    expect([io.read(0x60, 1), io.read(0x60, 1)]).toEqual([0xfa, 0xfa]);
    kbc.keyboard.keyDown(Key.Enter);
    expect(io.read(0x60, 1)).toBe(0x1c);
  });

  test('disabled keyboard interface holds data; no IRQ when CCB bit 0 is clear', () => {
    const { io, kbc, irq1 } = setup();
    io.write(0x64, 1, 0xad);
    kbc.keyboard.keyDown(Key.Space);
    expect(io.read(0x64, 1) & I8042Status.OBF).toBe(0);
    io.write(0x64, 1, 0x60);
    io.write(0x60, 1, I8042Ccb.TRANSLATE | I8042Ccb.KBD_DISABLE);
    io.write(0x64, 1, 0xae);
    expect(io.read(0x64, 1) & I8042Status.OBF).toBe(I8042Status.OBF);
    expect(irq1.risingEdges).toBe(0);
    expect(io.read(0x60, 1)).toBe(0x39);
  });

  test('aux port without a mouse, echo and unknown commands', () => {
    const { io, kbc } = setup();
    io.write(0x64, 1, 0xd4);
    io.write(0x60, 1, 0xf2);
    expect(io.read(0x64, 1) & I8042Status.AUXB).toBe(I8042Status.AUXB);
    expect(io.read(0x60, 1)).toBe(0xfe);
    io.write(0x60, 1, 0xee);
    expect(readData(io)).toBe(0xee);
    io.write(0x64, 1, 0xb5);
    expect(kbc.counters.get('unknownCommands')).toBe(1);
    io.read(0x64, 2);
    expect(kbc.counters.get('badAccesses')).toBe(1);
  });

  test('snapshot/restore keeps queued bytes and the command byte', () => {
    const { io, kbc } = setup();
    io.write(0x64, 1, 0x60);
    io.write(0x60, 1, 0x65);
    kbc.keyboard.keyDown(Key.KeyQ);
    kbc.keyboard.keyDown(Key.KeyW);
    const s = JSON.parse(JSON.stringify(kbc.snapshot()));
    const copy = new I8042();
    copy.restore(s);
    expect(copy.snapshot()).toEqual(kbc.snapshot());
    expect([copy.data.readPort(0, 1), copy.data.readPort(0, 1)]).toEqual([0x10, 0x11]);
  });
});
