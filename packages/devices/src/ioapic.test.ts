import { describe, expect, test } from 'vitest';
import { PhysicalMemoryBus, VirtualClock } from '@x86kit/core';
import { IoApic } from './ioapic.js';
import { ApicBus, ApicReg, LocalApic } from './lapic.js';
import { PicPair } from './pic.js';

function setup(): { mem: PhysicalMemoryBus; io: IoApic; lapic: LocalApic } {
  const clock = new VirtualClock();
  const bus = new ApicBus();
  const lapic = new LocalApic({ clock, onEoi: bus.broadcastEoi });
  bus.add(lapic);
  const io = new IoApic({ deliver: bus.deliver });
  bus.onEoi((v) => io.eoi(v));
  const mem = new PhysicalMemoryBus();
  mem.mapMmio(IoApic.DEFAULT_BASE, 0x1000, io);
  mem.mapMmio(LocalApic.DEFAULT_BASE, 0x1000, lapic);
  mem.write32(LocalApic.DEFAULT_BASE + ApicReg.SVR, 0x1ff);
  return { mem, io, lapic };
}
function wrReg(mem: PhysicalMemoryBus, reg: number, v: number): void {
  mem.write32(IoApic.DEFAULT_BASE, reg);
  mem.write32(IoApic.DEFAULT_BASE + 0x10, v);
}
function rdReg(mem: PhysicalMemoryBus, reg: number): number {
  mem.write32(IoApic.DEFAULT_BASE, reg);
  return mem.read32(IoApic.DEFAULT_BASE + 0x10);
}

describe('I/O APIC', () => {
  test('ID, version (24 entries) and masked entries after reset', () => {
    const { mem } = setup();
    expect(rdReg(mem, 0x01)).toBe(0x00170020);
    wrReg(mem, 0x00, 0x02000000);
    expect(rdReg(mem, 0x00)).toBe(0x02000000);
    expect(rdReg(mem, 0x10) & 0x10000).toBe(0x10000);
  });

  test('edge-triggered entry: one message per rising edge', () => {
    const { mem, io, lapic } = setup();
    wrReg(mem, 0x10 + 2 * 2, 0x30); // pin 2 (PIT via override): vector 0x30, edge, physical
    wrReg(mem, 0x11 + 2 * 2, 0);
    io.line(2).raise();
    io.line(2).raise();
    expect(lapic.acknowledge()).toBe(0x30);
    lapic.eoi();
    expect(lapic.hasInterrupt()).toBe(false);
    io.line(2).lower();
    io.line(2).raise();
    expect(lapic.acknowledge()).toBe(0x30);
  });

  test('level-triggered entry: remote IRR until the LAPIC EOI broadcast, redelivered while asserted', () => {
    const { mem, io, lapic } = setup();
    wrReg(mem, 0x10 + 2 * 11, 0x8000 | 0x2000 | 0x41); // level, active low, vector 0x41
    io.line(11).raise();
    expect(rdReg(mem, 0x10 + 2 * 11) & 0x4000).toBe(0x4000); // remote IRR
    expect(lapic.acknowledge()).toBe(0x41);
    io.line(11).raise(); // still asserted: coalesced, no second message
    expect(io.counters.get('coalesced')).toBe(1);
    mem.write32(LocalApic.DEFAULT_BASE + ApicReg.EOI, 0); // TMR set → EOI broadcast → redelivery
    expect(io.counters.get('delivered')).toBe(2);
    expect(lapic.acknowledge()).toBe(0x41);
    io.line(11).lower(); // device deasserted before the EOI
    mem.write32(LocalApic.DEFAULT_BASE + ApicReg.EOI, 0);
    expect(rdReg(mem, 0x10 + 2 * 11) & 0x4000).toBe(0);
    expect(lapic.hasInterrupt()).toBe(false);
  });

  test('masked level pin is delivered when unmasked; EOI register (version 0x20) clears remote IRR', () => {
    const { mem, io, lapic } = setup();
    wrReg(mem, 0x10 + 2 * 5, 0x18000 | 0x50); // masked, level
    io.line(5).raise();
    expect(lapic.hasInterrupt()).toBe(false);
    wrReg(mem, 0x10 + 2 * 5, 0x8000 | 0x50);
    expect(lapic.acknowledge()).toBe(0x50);
    io.line(5).lower();
    mem.write32(IoApic.DEFAULT_BASE + 0x40, 0x50);
    expect(rdReg(mem, 0x10 + 2 * 5) & 0x4000).toBe(0);
  });

  test('logical destination routing and bad accesses', () => {
    const { mem, io, lapic } = setup();
    mem.write32(LocalApic.DEFAULT_BASE + ApicReg.LDR, 0x02000000);
    wrReg(mem, 0x10 + 2 * 4, 0x800 | 0x61); // logical
    wrReg(mem, 0x11 + 2 * 4, 0x01000000); // logical dest 0x01: not us
    io.line(4).raise();
    expect(lapic.hasInterrupt()).toBe(false);
    io.line(4).lower();
    wrReg(mem, 0x11 + 2 * 4, 0x03000000);
    io.line(4).raise();
    expect(lapic.acknowledge()).toBe(0x61);
    expect(rdReg(mem, 0x40)).toBe(0xffffffff); // no such register
    mem.write16(IoApic.DEFAULT_BASE + 0x10, 0);
    expect(io.counters.get('badAccesses')).toBe(2);
  });

  test('an ExtINT entry (virtual wire through the I/O APIC) makes the LAPIC run an INTA cycle on the 8259A', () => {
    const clock = new VirtualClock();
    const pic = new PicPair();
    for (const [o, v] of [[0, 0x11], [1, 0x20], [1, 0x04], [1, 0x01], [1, 0x00]] as const) pic.master.writePort(o, 1, v);
    const lapic = new LocalApic({ clock, extInt: pic, bsp: false }); // LINT0 masked
    lapic.writeMmio(ApicReg.SVR, 4, 0x1ff);
    const io = new IoApic({ deliver: (_d, _m, mode, v, t) => lapic.accept(mode, v, t) });
    io.writeMmio(0, 4, 0x10);
    io.writeMmio(0x10, 4, 0x700); // pin 0: ExtINT
    pic.line(1).raise();
    expect(lapic.hasInterrupt()).toBe(false);
    io.line(0).raise();
    expect(lapic.hasInterrupt()).toBe(true);
    expect(lapic.acknowledge()).toBe(0x21);
  });

  test('snapshot/restore', () => {
    const { mem, io } = setup();
    wrReg(mem, 0x10, 0x1234);
    const copy = new IoApic({ deliver: () => {} });
    copy.restore(JSON.parse(JSON.stringify(io.snapshot())));
    expect(copy.snapshot()).toEqual(io.snapshot());
  });
});
