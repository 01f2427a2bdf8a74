import { describe, expect, test } from 'vitest';
import { PhysicalMemoryBus, VirtualClock } from '@x86kit/core';
import { ApicBus, ApicDelivery, ApicReg, type IpiMessage, LocalApic } from './lapic.js';
import { PicPair } from './pic.js';

const BASE = LocalApic.DEFAULT_BASE;
function setup(opts: Partial<ConstructorParameters<typeof LocalApic>[0]> = {}): { mem: PhysicalMemoryBus; apic: LocalApic; clock: VirtualClock } {
  const clock = new VirtualClock();
  const apic = new LocalApic({ clock, ...opts });
  const mem = new PhysicalMemoryBus();
  mem.mapMmio(BASE, 0x1000, apic);
  return { mem, apic, clock };
}
const rd = (mem: PhysicalMemoryBus, reg: number): number => mem.read32(BASE + reg);
const wr = (mem: PhysicalMemoryBus, reg: number, v: number): void => mem.write32(BASE + reg, v);
/** The OS's view: take interrupts while hasInterrupt(), EOI each. */
function drain(apic: LocalApic, mem: PhysicalMemoryBus): number[] {
  const seen: number[] = [];
  while (apic.hasInterrupt()) {
    seen.push(apic.acknowledge());
    wr(mem, ApicReg.EOI, 0);
  }
  return seen;
}

describe('Local APIC (xAPIC)', () => {
  test('identity registers and the software-enable bit', () => {
    const { mem, apic } = setup({ id: 3 });
    expect(rd(mem, ApicReg.ID) >>> 24).toBe(3);
    expect(rd(mem, ApicReg.VERSION)).toBe(0x00050014);
    expect(rd(mem, ApicReg.SVR)).toBe(0xff);
    expect(rd(mem, ApicReg.LVT_TIMER)).toBe(0x10000);
    wr(mem, ApicReg.SVR, 0x1ff);
    expect(apic.softwareEnabled).toBe(true);
    expect(apic.readApicBaseMsr()).toBe(0xfee00900);
  });

  test('periodic timer delivers its vector every period (divide 16)', () => {
    const { mem, apic, clock } = setup();
    wr(mem, ApicReg.SVR, 0x1ff);
    wr(mem, ApicReg.TIMER_DIVIDE, 0x3); // divide by 16
    wr(mem, ApicReg.LVT_TIMER, 0x20000 | 0xec); // periodic, vector 0xEC
    wr(mem, ApicReg.TIMER_INITIAL, 1000); // 16 µs at 1 GHz bus
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advanceTo(clock.nextDeadline());
      clock.runDue();
      seen.push(...drain(apic, mem));
    }
    expect(seen).toEqual([0xec, 0xec, 0xec, 0xec, 0xec]);
    expect(clock.now()).toBe(5 * 16000);
    clock.advanceTo(clock.now() + 4000);
    expect(rd(mem, ApicReg.TIMER_CURRENT)).toBe(750);
    expect(rd(mem, ApicReg.TIMER_DIVIDE)).toBe(0x3);
  });

  test('one-shot timer fires once and the current count stops at 0; masked LVT counts but does not deliver', () => {
    const { mem, apic, clock } = setup();
    wr(mem, ApicReg.SVR, 0x1ff);
    wr(mem, ApicReg.TIMER_DIVIDE, 0xb); // divide by 1
    wr(mem, ApicReg.LVT_TIMER, 0x40);
    wr(mem, ApicReg.TIMER_INITIAL, 500);
    clock.advanceTo(499);
    expect(clock.runDue()).toBe(0);
    expect(rd(mem, ApicReg.TIMER_CURRENT)).toBe(1);
    clock.advanceTo(500);
    clock.runDue();
    expect(drain(apic, mem)).toEqual([0x40]);
    clock.advanceTo(5000);
    expect(clock.runDue()).toBe(0);
    expect(rd(mem, ApicReg.TIMER_CURRENT)).toBe(0);
    wr(mem, ApicReg.LVT_TIMER, 0x10040);
    wr(mem, ApicReg.TIMER_INITIAL, 10);
    clock.advanceTo(clock.nextDeadline());
    clock.runDue();
    expect(apic.hasInterrupt()).toBe(false);
    expect(apic.counters.get('timerFires')).toBe(2);
  });

  test('TSC-deadline mode: arms from the MSR, clears it on expiry, ignores the initial count', () => {
    const { mem, apic, clock } = setup({ tscHz: 2e9 });
    wr(mem, ApicReg.SVR, 0x1ff);
    wr(mem, ApicReg.LVT_TIMER, 0x40000 | 0x55);
    wr(mem, ApicReg.TIMER_INITIAL, 10);
    expect(rd(mem, ApicReg.TIMER_INITIAL)).toBe(0);
    apic.writeTscDeadline(20000); // 10 µs at 2 GHz
    expect(clock.nextDeadline()).toBe(10000);
    clock.advanceTo(10000);
    clock.runDue();
    expect(apic.readTscDeadline()).toBe(0);
    expect(drain(apic, mem)).toEqual([0x55]);
    apic.writeTscDeadline(100000);
    wr(mem, ApicReg.LVT_TIMER, 0x55); // leaving TSC-deadline mode disarms
    expect(clock.nextDeadline()).toBe(Infinity);
  });

  test('TPR/PPR gate delivery by priority class; CR8 mirrors TPR[7:4]', () => {
    const { mem, apic } = setup();
    wr(mem, ApicReg.SVR, 0x1ff);
    apic.accept(ApicDelivery.FIXED, 0x51, 0);
    wr(mem, ApicReg.TPR, 0x60);
    expect(apic.readCr8()).toBe(6);
    expect(apic.hasInterrupt()).toBe(false);
    apic.writeCr8(4);
    expect(rd(mem, ApicReg.TPR)).toBe(0x40);
    expect(apic.acknowledge()).toBe(0x51);
    expect(rd(mem, ApicReg.PPR)).toBe(0x50);
    apic.accept(ApicDelivery.FIXED, 0x58, 0); // same class as in service: blocked
    apic.accept(ApicDelivery.FIXED, 0x61, 0); // higher class: nests
    expect(apic.acknowledge()).toBe(0x61);
    expect(rd(mem, ApicReg.ISR0 + 0x30)).toBe((1 << 1) | 0); // 0x61 is word 3 bit 1
    expect(rd(mem, ApicReg.ISR0 + 0x20)).toBe(1 << 0x11); // 0x51
    wr(mem, ApicReg.EOI, 0);
    wr(mem, ApicReg.EOI, 0);
    expect(apic.acknowledge()).toBe(0x58);
  });

  test('spurious vector when nothing is deliverable at INTA', () => {
    const { mem, apic } = setup({ bsp: false });
    wr(mem, ApicReg.SVR, 0x1ff);
    expect(apic.acknowledge()).toBe(0xff);
    expect(apic.counters.get('spurious')).toBe(1);
  });

  test('self-IPI via the shorthand and via the physical destination', () => {
    const { mem, apic } = setup({ id: 2 });
    wr(mem, ApicReg.SVR, 0x1ff);
    wr(mem, ApicReg.ICR_LOW, 0x40000 | 0x30); // self, fixed, vector 0x30
    wr(mem, ApicReg.ICR_HIGH, 2 << 24);
    wr(mem, ApicReg.ICR_LOW, 0x31);
    expect(drain(apic, mem)).toEqual([0x31, 0x30]);
    expect(rd(mem, ApicReg.ICR_LOW) & 0x1000).toBe(0); // delivery status idle
  });

  test('INIT and SIPI are surfaced to the host; the bus routes them to the target APIC', () => {
    const clock = new VirtualClock();
    const bus = new ApicBus();
    const started: number[] = [];
    const inits: number[] = [];
    const bsp = new LocalApic({ clock, id: 0, onIpi: bus.sendIpi });
    const ap = new LocalApic({ clock, id: 1, bsp: false, onInit: () => inits.push(1), onStartup: (v) => started.push(v) });
    bus.add(bsp);
    bus.add(ap);
    const seen: IpiMessage[] = [];
    const spy = new LocalApic({ clock, id: 5, onIpi: (m) => seen.push({ ...m }) });
    bsp.writeMmio(ApicReg.ICR_HIGH, 4, 1 << 24);
    bsp.writeMmio(ApicReg.ICR_LOW, 4, 0x4500); // INIT, level assert
    bsp.writeMmio(ApicReg.ICR_LOW, 4, 0x8500); // INIT de-assert (ignored)
    bsp.writeMmio(ApicReg.ICR_LOW, 4, 0x4600 | 0x9a); // SIPI, vector 0x9A
    expect(inits).toEqual([1]);
    expect(started).toEqual([0x9a]);
    spy.writeMmio(ApicReg.ICR_LOW, 4, 0xc4600 | 0x10); // all-but-self SIPI
    expect(seen[0]).toMatchObject({ source: 5, deliveryMode: ApicDelivery.STARTUP, vector: 0x10, shorthand: 3 });
  });

  test('logical destinations: flat and cluster models', () => {
    const { mem, apic } = setup();
    wr(mem, ApicReg.LDR, 0x04000000);
    expect(apic.matchesDestination(0x0c, 1)).toBe(true);
    expect(apic.matchesDestination(0x03, 1)).toBe(false);
    wr(mem, ApicReg.DFR, 0x0fffffff); // cluster
    wr(mem, ApicReg.LDR, 0x21000000); // cluster 2, member bit 0
    expect(apic.matchesDestination(0x21, 1)).toBe(true);
    expect(apic.matchesDestination(0x11, 1)).toBe(false);
    expect(apic.matchesDestination(0xff, 0)).toBe(true);
  });

  test('ExtINT: the 8259A behind LINT0 (virtual wire) is acknowledged through the APIC', () => {
    const clock = new VirtualClock();
    const pic = new PicPair();
    pic.master.writePort(0, 1, 0x11); pic.master.writePort(1, 1, 0x08); pic.master.writePort(1, 1, 0x04); pic.master.writePort(1, 1, 0x01);
    pic.master.writePort(1, 1, 0x00);
    const apic = new LocalApic({ clock, extInt: pic });
    pic.line(0).raise();
    expect(apic.hasInterrupt()).toBe(true);
    expect(apic.acknowledge()).toBe(0x08);
    apic.writeMmio(ApicReg.LVT_LINT0, 4, 0x10700); // mask LINT0
    pic.master.writePort(0, 1, 0x20);
    pic.line(1).raise();
    expect(apic.hasInterrupt()).toBe(false);
    apic.writeApicBaseMsr(0xfee00000); // hardware-disable: the PIC reaches the CPU directly
    expect(apic.hasInterrupt()).toBe(true);
  });

  test('LINT1 as NMI, illegal vectors set ESR, bad widths are counted', () => {
    let nmis = 0;
    const { mem, apic } = setup({ onNmi: () => nmis++ });
    wr(mem, ApicReg.SVR, 0x1ff);
    wr(mem, ApicReg.LVT_LINT1, 0x400);
    apic.lint1.raise();
    expect(nmis).toBe(1);
    apic.accept(ApicDelivery.FIXED, 0x05, 0);
    wr(mem, ApicReg.ESR, 0);
    expect(rd(mem, ApicReg.ESR)).toBe(0x40);
    expect(mem.read8(BASE + ApicReg.VERSION)).toBe(0x14);
    mem.write8(BASE + ApicReg.TPR, 0xff);
    expect(rd(mem, ApicReg.TPR)).toBe(0);
    expect(apic.counters.get('badAccesses')).toBe(2);
  });

  test('software disable masks every LVT; snapshot/restore round-trips', () => {
    const { mem, apic, clock } = setup();
    wr(mem, ApicReg.SVR, 0x1ff);
    wr(mem, ApicReg.LVT_TIMER, 0x20000 | 0x40);
    wr(mem, ApicReg.TIMER_INITIAL, 100);
    apic.accept(ApicDelivery.FIXED, 0x70, 1);
    const copy = new LocalApic({ clock });
    copy.restore(JSON.parse(JSON.stringify(apic.snapshot())));
    expect(copy.snapshot()).toEqual(apic.snapshot());
    wr(mem, ApicReg.SVR, 0x0ff);
    expect(rd(mem, ApicReg.LVT_TIMER) & 0x10000).toBe(0x10000);
    wr(mem, ApicReg.LVT_TIMER, 0x40);
    expect(rd(mem, ApicReg.LVT_TIMER) & 0x10000).toBe(0x10000);
  });

  test('the APIC bus: lowest priority picks the lowest TPR; logical broadcast reaches every APIC', () => {
    const clock = new VirtualClock();
    const bus = new ApicBus();
    const a = new LocalApic({ clock, id: 0 });
    const b = new LocalApic({ clock, id: 1, bsp: false });
    for (const [apic, bit] of [[a, 1], [b, 2]] as const) {
      apic.writeMmio(ApicReg.SVR, 4, 0x1ff);
      apic.writeMmio(ApicReg.LDR, 4, bit << 24);
      bus.add(apic);
    }
    a.writeMmio(ApicReg.TPR, 4, 0x20);
    bus.deliver(0x03, 1, ApicDelivery.LOWEST, 0x41, 0);
    expect([a.hasInterrupt(), b.hasInterrupt()]).toEqual([false, true]);
    bus.deliver(0xff, 1, ApicDelivery.FIXED, 0x42, 0);
    expect(a.acknowledge()).toBe(0x42);
    expect(b.acknowledge()).toBe(0x42);
  });
});
