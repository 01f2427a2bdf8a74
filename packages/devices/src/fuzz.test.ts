/**
 * Properties every device must have: no host exception and in-range results for any
 * sequence of guest accesses (any offset, width and value), and snapshot → restore gives a
 * device whose snapshot is identical.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { IrqLatch, type MmioDevice, type PortIoDevice, VirtualClock } from '@x86kit/core';
import {
  AcpiPmTimer, DebugCon, FwCfg, I8042, IoApic, IsaDebugExit, LocalApic, PciHost, PcTestDev, PciTestDev, PicPair, Pit8254,
  PostCodePort, Rtc146818, SystemControlPortA, Uart16550, createI440fxHostBridge, createPiix3IsaBridge,
} from './index.js';

/** 60 runs by default; X86KIT_FULL=1 runs 1000. */
const RUNS = (globalThis as unknown as { process?: { env: Record<string, string | undefined> } }).process?.env.X86KIT_FULL === '1' ? 1000 : 60;

const access = fc.record({
  write: fc.boolean(),
  offset: fc.nat({ max: 0xfff }),
  size: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
  value: fc.nat({ max: 0xffffffff }),
  advance: fc.nat({ max: 2_000_000 }),
});
const program = fc.array(access, { maxLength: 200 });

type Target = { window: number; port?: PortIoDevice; mmio?: MmioDevice };
function devices(clock: VirtualClock): Target[] {
  const pic = new PicPair({ intr: new IrqLatch() });
  const kbc = new I8042();
  const host = new PciHost();
  host.register(0, 0, createI440fxHostBridge());
  host.register(1, 0, createPiix3IsaBridge());
  const ptd = new PciTestDev();
  host.register(2, 0, ptd.pci);
  const td = new PcTestDev({ irqs: [new IrqLatch()] });
  const lapic = new LocalApic({ clock, extInt: pic, onIpi: () => {} });
  return [
    { window: 2, port: pic.master }, { window: 2, port: pic.slave }, { window: 2, port: pic.elcr },
    { window: 4, port: new Pit8254({ clock, irq: pic.line(0) }) },
    { window: 8, port: new Uart16550({ irq: pic.line(4), clock }) },
    { window: 2, port: new Rtc146818({ clock, irq: pic.line(8) }) },
    { window: 1, port: kbc.data }, { window: 1, port: kbc.command },
    { window: 1, port: new SystemControlPortA() }, { window: 1, port: new PostCodePort() },
    { window: 4, port: new IsaDebugExit({ onExit: () => {} }) }, { window: 1, port: new DebugCon({ out: () => {} }) },
    { window: 8, port: host }, { window: 4, port: new AcpiPmTimer({ clock }) }, { window: 2, port: new FwCfg() },
    { window: 12, port: td.ports }, { window: 24, port: td.irqPorts }, { window: 256, port: ptd.portio },
    { window: 0x1000, mmio: ptd.mmio }, { window: 0x1000, mmio: td.iomem }, { window: 0x1000, mmio: lapic },
    { window: 0x1000, mmio: new IoApic({ deliver: (_d, _m, mode, v, t) => lapic.accept(mode, v, t) }) },
  ];
}

describe('every device under random guest accesses', () => {
  test.prop([program], { numRuns: RUNS })('never throws; reads fit the access width', (ops) => {
    const clock = new VirtualClock();
    const targets = devices(clock);
    for (const t of targets) {
      for (const op of ops) {
        const offset = op.offset % t.window;
        clock.advanceTo(clock.now() + op.advance);
        clock.runDue();
        if (t.port !== undefined) {
          if (op.write) t.port.writePort(offset, op.size, op.value);
          else {
            const v = t.port.readPort(offset, op.size);
            expect(v >= 0 && v <= (op.size === 4 ? 0xffffffff : (1 << (8 * op.size)) - 1)).toBe(true);
          }
        } else if (t.mmio !== undefined) {
          if (op.write) t.mmio.writeMmio(offset & ~(op.size - 1), op.size, op.value);
          else {
            const v = t.mmio.readMmio(offset & ~(op.size - 1), op.size);
            expect(v >= 0 && v <= (op.size === 4 ? 0xffffffff : (1 << (8 * op.size)) - 1)).toBe(true);
          }
        }
      }
    }
  });

  test.prop([fc.array(access, { maxLength: 120 })], { numRuns: RUNS })('snapshot → restore → snapshot is identical', (ops) => {
    const clock = new VirtualClock();
    const pic = new PicPair();
    const pit = new Pit8254({ clock });
    const uart = new Uart16550({ clock });
    const rtc = new Rtc146818({ clock });
    const lapic = new LocalApic({ clock });
    const ioapic = new IoApic({ deliver: () => {} });
    for (const op of ops) {
      clock.advanceTo(clock.now() + op.advance);
      clock.runDue();
      const size = op.size;
      if (op.write) {
        pic.master.writePort(op.offset & 1, 1, op.value);
        pit.writePort(op.offset & 3, 1, op.value);
        uart.writePort(op.offset & 7, 1, op.value);
        rtc.writePort(op.offset & 1, 1, op.value);
        lapic.writeMmio(op.offset & 0x3f0, 4, op.value);
        ioapic.writeMmio(op.offset & 0x10, 4, op.value);
        if ((op.value & 1) !== 0) { pic.line(op.value & 15).raise(); uart.receive(op.value & 0xff); }
      } else {
        pic.master.readPort(op.offset & 1, size);
        uart.readPort(op.offset & 7, 1);
      }
    }
    const j = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
    expect(PicPair.restore(j(pic.snapshot())).snapshot()).toEqual(pic.snapshot());
    expect(Pit8254.restore(j(pit.snapshot()), { clock }).snapshot()).toEqual(pit.snapshot());
    expect(Uart16550.restore(j(uart.snapshot()), { clock }).snapshot()).toEqual(uart.snapshot());
    expect(Rtc146818.restore(j(rtc.snapshot()), { clock }).snapshot()).toEqual(rtc.snapshot());
    const l2 = new LocalApic({ clock });
    l2.restore(j(lapic.snapshot()));
    expect(l2.snapshot()).toEqual(lapic.snapshot());
    const io2 = new IoApic({ deliver: () => {} });
    io2.restore(j(ioapic.snapshot()));
    expect(io2.snapshot()).toEqual(ioapic.snapshot());
  });
});
