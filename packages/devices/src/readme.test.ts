import { expect, test } from 'vitest';
import { IoBus, VirtualClock } from '@x86kit/core';
import { ByteBuffer, PicPair, Pit8254, Uart16550 } from './index.js';

test('README usage example', () => {
  const clock = new VirtualClock();
  const io = new IoBus();
  const pic = new PicPair();
  const out = new ByteBuffer();
  io.map(PicPair.DEFAULT_MASTER, 2, pic.master);
  io.map(PicPair.DEFAULT_SLAVE, 2, pic.slave);
  io.map(Pit8254.DEFAULT_BASE, 4, new Pit8254({ clock, irq: pic.line(0) }));
  io.map(Uart16550.DEFAULT_COM1, 8, new Uart16550({ irq: pic.line(4), tx: out.push }));

  for (const [port, v] of [[0x20, 0x11], [0x21, 0x20], [0x21, 0x04], [0x21, 0x01], [0x21, 0x00]]) io.write(port, 1, v);
  io.write(0x43, 1, 0x34); io.write(0x40, 1, 1193 & 0xff); io.write(0x40, 1, 1193 >> 8);
  io.write(0x3f8, 1, 0x41);

  clock.advanceTo(1_000_000); clock.runDue();
  expect([pic.hasInterrupt(), pic.acknowledge(), out.text()]).toEqual([true, 32, 'A']);
});
