/**
 * The devices composed the way a PC wires them: ISA IRQs to both the 8259A pair and the
 * I/O APIC (IRQ 0 on pin 2), the 8259A behind LAPIC LINT0 (ExtINT), the I/O APIC delivering
 * through the APIC bus, and a tiny "CPU" loop that takes interrupts from the LAPIC.
 */
import { describe, expect, test } from 'vitest';
import { IoBus, PhysicalMemoryBus, VirtualClock } from '@x86kit/core';
import {
  ApicBus, ApicReg, IoApic, IrqSplitter, LocalApic, PicPair, Pit8254, Rtc146818, RtcB, RtcReg,
} from './index.js';

function pc(): { clock: VirtualClock; io: IoBus; mem: PhysicalMemoryBus; pic: PicPair; ioapic: IoApic; lapic: LocalApic } {
  const clock = new VirtualClock();
  const io = new IoBus();
  const mem = new PhysicalMemoryBus();
  const pic = new PicPair();
  const bus = new ApicBus();
  const lapic = new LocalApic({ clock, extInt: pic, onEoi: bus.broadcastEoi });
  bus.add(lapic);
  const ioapic = new IoApic({ deliver: bus.deliver });
  bus.onEoi((v) => ioapic.eoi(v));
  const irq0 = new IrqSplitter([pic.line(0), ioapic.line(2)]);
  const irq8 = new IrqSplitter([pic.line(8), ioapic.line(8)]);
  io.map(PicPair.DEFAULT_MASTER, 2, pic.master);
  io.map(PicPair.DEFAULT_SLAVE, 2, pic.slave);
  io.map(Pit8254.DEFAULT_BASE, 4, new Pit8254({ clock, irq: irq0 }));
  io.map(Rtc146818.DEFAULT_BASE, 2, new Rtc146818({ clock, irq: irq8 }));
  mem.mapMmio(LocalApic.DEFAULT_BASE, 0x1000, lapic);
  mem.mapMmio(IoApic.DEFAULT_BASE, 0x1000, ioapic);
  return { clock, io, mem, pic, ioapic, lapic };
}

/** Run `ns` of virtual time; after each device event, take every pending interrupt. */
function run(clock: VirtualClock, cpu: LocalApic, ns: number, handler: (vector: number) => void): void {
  const end = clock.now() + ns;
  while (clock.nextDeadline() <= end) {
    clock.advanceTo(clock.nextDeadline());
    clock.runDue();
    while (cpu.hasInterrupt()) handler(cpu.acknowledge());
  }
  clock.advanceTo(end);
}

describe('a PC composed from the devices', () => {
  test('legacy mode: PIT IRQ 0 through the 8259A and LAPIC ExtINT (virtual wire)', () => {
    const { clock, io, lapic } = pc();
    for (const [p, v] of [[0x20, 0x11], [0x21, 0x08], [0x21, 0x04], [0x21, 0x01], [0xa0, 0x11], [0xa1, 0x70], [0xa1, 0x02], [0xa1, 0x01], [0x21, 0xfe], [0xa1, 0xff]]) io.write(p, 1, v);
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 0x9c); io.write(0x40, 1, 0x2e); // 11932: ~100 Hz
    const vectors: number[] = [];
    run(clock, lapic, 100_000_000, (v) => { vectors.push(v); io.write(0x20, 1, 0x20); });
    expect(vectors.length).toBeGreaterThanOrEqual(10);
    expect(vectors.length).toBeLessThanOrEqual(11);
    expect(new Set(vectors)).toEqual(new Set([0x08]));
  });

  test('APIC mode: PIC masked, PIT on I/O APIC pin 2 and level RTC on pin 8 with EOI broadcast', () => {
    const { clock, io, mem, lapic } = pc();
    io.write(0x21, 1, 0xff); io.write(0xa1, 1, 0xff);
    mem.write32(LocalApic.DEFAULT_BASE + ApicReg.SVR, 0x1ff);
    mem.write32(LocalApic.DEFAULT_BASE + ApicReg.LVT_LINT0, 0x10700); // ExtINT masked
    const wrIo = (reg: number, v: number): void => { mem.write32(IoApic.DEFAULT_BASE, reg); mem.write32(IoApic.DEFAULT_BASE + 0x10, v); };
    wrIo(0x10 + 2 * 2, 0x30); // pin 2: vector 0x30, edge
    wrIo(0x10 + 2 * 8, 0x8000 | 0x38); // pin 8: vector 0x38, level
    io.write(0x43, 1, 0x34);
    io.write(0x40, 1, 0x9c); io.write(0x40, 1, 0x2e);
    io.write(0x70, 1, RtcReg.A); io.write(0x71, 1, 0x2b); // 32 Hz
    io.write(0x70, 1, RtcReg.B); io.write(0x71, 1, RtcB.PIE | RtcB.H24);
    const counts = new Map<number, number>();
    run(clock, lapic, 1_000_000_000, (v) => {
      counts.set(v, (counts.get(v) ?? 0) + 1);
      if (v === 0x38) { io.write(0x70, 1, RtcReg.C); io.read(0x71, 1); } // acknowledge the RTC
      mem.write32(LocalApic.DEFAULT_BASE + ApicReg.EOI, 0);
    });
    expect(Math.abs((counts.get(0x30) ?? 0) - 100)).toBeLessThanOrEqual(1);
    expect(counts.get(0x38)).toBe(32);
    expect(counts.has(0x08)).toBe(false);
  });
});
