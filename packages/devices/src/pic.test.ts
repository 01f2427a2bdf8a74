import { describe, expect, test } from 'vitest';
import { IoBus, IrqLatch } from '@x86kit/core';
import { PicPair } from './pic.js';

/** The BIOS/Linux init sequence (init_8259A): ICW1..ICW4 on both chips, then masks. */
function setup(opts: { autoEoi?: boolean } = {}): { io: IoBus; pic: PicPair; intr: IrqLatch } {
  const intr = new IrqLatch();
  const pic = new PicPair({ intr });
  const io = new IoBus();
  io.map(PicPair.DEFAULT_MASTER, 2, pic.master);
  io.map(PicPair.DEFAULT_SLAVE, 2, pic.slave);
  io.map(PicPair.DEFAULT_ELCR, 2, pic.elcr);
  io.write(0x21, 1, 0xff); // mask all
  io.write(0xa1, 1, 0xff);
  io.write(0x20, 1, 0x11); // ICW1: edge, cascade, ICW4 needed
  io.write(0x21, 1, 0x20); // ICW2: vectors 0x20..0x27
  io.write(0x21, 1, 0x04); // ICW3: slave on IR2
  io.write(0x21, 1, opts.autoEoi ? 0x03 : 0x01); // ICW4: 8086 mode (+AEOI)
  io.write(0xa0, 1, 0x11);
  io.write(0xa1, 1, 0x28);
  io.write(0xa1, 1, 0x02); // slave identity 2
  io.write(0xa1, 1, 0x01);
  io.write(0x21, 1, 0x00); // unmask all
  io.write(0xa1, 1, 0x00);
  return { io, pic, intr };
}

describe('8259A pair', () => {
  test('init sequence programs the vector bases and masks', () => {
    const { io, pic } = setup();
    expect(pic.masterChip.vectorBase).toBe(0x20);
    expect(pic.slaveChip.vectorBase).toBe(0x28);
    io.write(0x21, 1, 0xfb);
    expect(io.read(0x21, 1)).toBe(0xfb);
    expect(pic.counters.get('initSequences')).toBe(2);
    expect(pic.hasInterrupt()).toBe(false);
  });

  test('edge IRQ: INTR, INTA vector, ISR until EOI, IRR read via OCW3', () => {
    const { io, pic, intr } = setup();
    pic.line(1).raise();
    expect(intr.level).toBe(true);
    io.write(0x20, 1, 0x0a); // OCW3: read IRR
    expect(io.read(0x20, 1)).toBe(0x02);
    expect(pic.acknowledge()).toBe(0x21);
    expect(intr.level).toBe(false);
    io.write(0x20, 1, 0x0b); // OCW3: read ISR
    expect(io.read(0x20, 1)).toBe(0x02);
    // Holding the line high does not re-trigger an edge input.
    pic.line(1).raise();
    io.write(0x20, 1, 0x20); // non-specific EOI
    expect(io.read(0x20, 1)).toBe(0);
    expect(pic.hasInterrupt()).toBe(false);
    pic.line(1).lower();
    pic.line(1).raise();
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.counters.get('eoi')).toBe(1);
  });

  test('priority: IRQ0 beats IRQ1; a lower request waits for EOI of a higher one', () => {
    const { io, pic } = setup();
    pic.line(1).raise();
    pic.line(0).raise();
    expect(pic.acknowledge()).toBe(0x20);
    expect(pic.hasInterrupt()).toBe(false); // IRQ1 blocked by IRQ0 in service
    io.write(0x20, 1, 0x60); // specific EOI IR0
    expect(pic.acknowledge()).toBe(0x21);
  });

  test('cascade: slave IRQ delivered through IR2, both chips need EOI', () => {
    const { io, pic } = setup();
    pic.line(12).raise();
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x2c);
    expect(pic.masterChip.isr).toBe(0x04);
    expect(pic.slaveChip.isr).toBe(0x10);
    pic.line(8).raise(); // RTC: higher priority on the slave, but master IR2 in service
    expect(pic.hasInterrupt()).toBe(false);
    io.write(0xa0, 1, 0x20);
    io.write(0x20, 1, 0x20);
    expect(pic.acknowledge()).toBe(0x28);
  });

  test('masked IRQ stays pending in IRR and is delivered when unmasked', () => {
    const { io, pic } = setup();
    io.write(0x21, 1, 0x10);
    pic.line(4).raise();
    expect(pic.hasInterrupt()).toBe(false);
    io.write(0x21, 1, 0x00);
    expect(pic.acknowledge()).toBe(0x24);
  });

  test('level-triggered via ELCR: request stays while the line is high', () => {
    const { io, pic } = setup();
    io.write(0x4d0, 1, 0xff);
    expect(io.read(0x4d0, 1)).toBe(PicPair.ELCR_MASK_MASTER); // IRQ 0/1/2 forced edge
    pic.line(5).raise();
    expect(pic.acknowledge()).toBe(0x25);
    io.write(0x20, 1, 0x20);
    expect(pic.hasInterrupt()).toBe(true); // still asserted
    expect(pic.acknowledge()).toBe(0x25);
    io.write(0x20, 1, 0x20);
    pic.line(5).lower();
    expect(pic.hasInterrupt()).toBe(false);
  });

  test('spurious IRQ 7 when the request disappears before INTA (level input)', () => {
    const { io, pic } = setup();
    io.write(0x4d0, 1, 0x20);
    pic.line(5).raise();
    expect(pic.hasInterrupt()).toBe(true);
    pic.line(5).lower();
    expect(pic.acknowledge()).toBe(0x27);
    expect(pic.masterChip.isr).toBe(0); // ISR7 not set for a spurious IRQ
    expect(pic.counters.get('spurious')).toBe(1);
  });

  test('spurious IRQ 15: slave request withdrawn after the master latched the cascade edge', () => {
    const { io, pic } = setup();
    io.write(0x4d1, 1, 0x08); // IRQ 11 level-triggered
    pic.line(11).raise();
    pic.line(11).lower();
    expect(pic.hasInterrupt()).toBe(true); // master IR2 is edge-latched
    expect(pic.acknowledge()).toBe(0x2f);
    expect(pic.masterChip.isr).toBe(0x04); // the master still needs an EOI
    expect(pic.slaveChip.isr).toBe(0);
    expect(pic.counters.get('spurious')).toBe(1);
  });

  test('automatic EOI leaves ISR clear', () => {
    const { pic } = setup({ autoEoi: true });
    pic.line(3).raise();
    expect(pic.acknowledge()).toBe(0x23);
    expect(pic.masterChip.isr).toBe(0);
    pic.line(4).raise();
    expect(pic.acknowledge()).toBe(0x24);
  });

  test('poll mode returns 0x80|irq and acknowledges', () => {
    const { io, pic } = setup();
    pic.line(6).raise();
    io.write(0x20, 1, 0x0c); // OCW3 poll
    expect(io.read(0x20, 1)).toBe(0x86);
    expect(pic.masterChip.isr).toBe(0x40);
    io.write(0x20, 1, 0x0c);
    expect(io.read(0x20, 1)).toBe(0x00);
    expect(pic.counters.get('polls')).toBe(2);
  });

  test('special mask mode lets lower-priority IRQs in while one is in service', () => {
    const { io, pic } = setup();
    pic.line(0).raise();
    expect(pic.acknowledge()).toBe(0x20);
    io.write(0x21, 1, 0x01); // mask IR0 (in service)
    io.write(0x20, 1, 0x68); // OCW3: set special mask
    pic.line(3).raise();
    expect(pic.acknowledge()).toBe(0x23);
  });

  test('rotate on non-specific EOI makes the serviced IRQ lowest priority', () => {
    const { io, pic } = setup();
    pic.line(0).raise();
    expect(pic.acknowledge()).toBe(0x20);
    io.write(0x20, 1, 0xa0); // rotate on non-specific EOI
    pic.line(0).lower();
    pic.line(0).raise();
    pic.line(5).raise();
    expect(pic.acknowledge()).toBe(0x25); // IR0 now lowest
  });

  test('a 16-bit OUT splits into two byte cycles; counted as a bad access', () => {
    const { io, pic } = setup();
    io.write(0x20, 2, 0x5500 | 0x0b); // OCW3 read ISR, then IMR = 0x55
    expect(io.read(0x21, 1)).toBe(0x55);
    expect(io.read(0x20, 2)).toBe(0x5500); // ISR low byte, IMR high byte
    expect(pic.counters.get('badAccesses')).toBe(2);
  });

  test('snapshot/restore round-trips', () => {
    const { pic } = setup();
    pic.line(12).raise();
    pic.line(3).raise();
    const s = pic.snapshot();
    const copy = PicPair.restore(JSON.parse(JSON.stringify(s)));
    expect(copy.snapshot()).toEqual(s);
    expect(copy.acknowledge()).toBe(pic.acknowledge());
  });
});
