/**
 * The default device set: a QEMU `pc`-compatible ISA platform, wired the way a PC board wires
 * it. Only this file picks ports and IRQ numbers (devices never choose their own).
 *
 * | device | ports | IRQ |
 * | --- | --- | --- |
 * | 8259A PIC pair + ELCR | 0x20, 0xA0, 0x4D0 | cascade on 2 |
 * | 8254 PIT + port B | 0x40–0x43, 0x61 | 0 |
 * | MC146818 RTC/CMOS | 0x70–0x71 | 8 |
 * | 16550A UART COM1 | 0x3F8–0x3FF | 4 |
 * | i8042 keyboard controller (A20, reset) | 0x60, 0x64 | 1 |
 * | isa-debug-exit | 0xF4 (4 ports) | — |
 * | ACPI PM1a event / control blocks (S5 soft-off) | 0x600 (4), 0x604 (2) | — |
 * | ACPI PM timer (the FADT's PM_TMR_BLK) | 0x608 (4 ports) | — |
 * | QEMU fw_cfg (signature, RAM size, CPUs) | 0x510–0x511 | — |
 * | system control port A (A20, reset) | 0x92 | — |
 * | PCI host bridge (i440FX host 00.0, PIIX3 ISA 01.0; 0xCF9 reset) | 0xCF8–0xCFF | — |
 * | local APIC (CPU interrupt source; the 8259A pair via LINT0 ExtINT) | MMIO 0xFEE00000 | — |
 * | I/O APIC (ISA IRQ n → pin n, IRQ 0 → pin 2, as the MADT says) | MMIO 0xFEC00000 | — |
 * | POST code sink | 0x80 | — |
 */
import type { IrqLine } from '@x86kit/core';
import {
  AcpiPmTimer, ApicBus, FwCfg, I8042, IoApic, IsaDebugExit, LocalApic, PciHost, PicPair, Pit8254, PostCodePort, Rtc146818,
  SystemControlPortA, Uart16550, createI440fxHostBridge, createPiix3IsaBridge,
} from '@x86kit/devices';
import type { DeviceSet, MachineContext } from './machine.js';
import { AcpiPm1, ResetControlPort } from './platform-ports.js';

/** One ISA interrupt wire that reaches both interrupt controllers (8259A input and I/O APIC pin). */
class SplitIrqLine implements IrqLine {
  private readonly a: IrqLine;
  private readonly b: IrqLine;
  constructor(a: IrqLine, b: IrqLine) { this.a = a; this.b = b; }
  raise(): void { this.a.raise(); this.b.raise(); }
  lower(): void { this.a.lower(); this.b.lower(); }
}

/** Options of {@link pcDevices}. */
export interface PcDeviceOptions {
  /** RTC wall-clock time at virtual time 0 (ms since the epoch); fixed by default for determinism. */
  rtcStartTime?: number;
  /** isa-debug-exit port base (default 0xF4, QEMU's `iobase=0xf4,iosize=4`). */
  debugExitPort?: number;
  /**
   * Local APIC + I/O APIC (default true). Without them the CPU takes interrupts from the
   * 8259A pair directly, as on a pre-APIC PC.
   */
  apic?: boolean;
  /** PCI host bridge with i440FX/PIIX3 identities at 0xCF8 (default true; else only 0xCF9 reset control). */
  pci?: boolean;
}

/** The CMOS bytes firmware and OSes read for the memory size (0x15–0x18, 0x30–0x31, 0x34–0x35). */
function writeCmosMemorySize(rtc: Rtc146818, ramSize: number): void {
  const set = (reg: number, v: number): void => { rtc.cmos[reg] = v & 0xff; };
  const extKiB = Math.min(0xffff, Math.max(0, Math.floor((ramSize - 0x100000) / 1024)));
  set(0x15, 640 & 0xff); set(0x16, 640 >> 8);
  set(0x17, extKiB); set(0x18, extKiB >> 8);
  set(0x30, extKiB); set(0x31, extKiB >> 8);
  const above16M = Math.min(0xffff, Math.max(0, Math.floor((ramSize - 16 * 0x100000) / 65536)));
  set(0x34, above16M); set(0x35, above16M >> 8);
}

/** Build the default PC device set (see the table above). */
export function pcDevices(options: PcDeviceOptions = {}): DeviceSet {
  return (ctx: MachineContext) => {
    const { io, clock, memory } = ctx;
    const pic = new PicPair();
    io.map(PicPair.DEFAULT_MASTER, 2, pic.master);
    io.map(PicPair.DEFAULT_SLAVE, 2, pic.slave);
    io.map(PicPair.DEFAULT_ELCR, 2, pic.elcr);
    let lapic: LocalApic | null = null;
    let ioapic: IoApic | null = null;
    if (options.apic ?? true) {
      const bus = new ApicBus();
      lapic = new LocalApic({ clock, extInt: pic, onEoi: bus.broadcastEoi });
      bus.add(lapic);
      const io2 = new IoApic({ deliver: bus.deliver });
      bus.onEoi((v) => io2.eoi(v));
      ioapic = io2;
      memory.mapMmio(LocalApic.DEFAULT_BASE, 4096, lapic);
      memory.mapMmio(IoApic.DEFAULT_BASE, 4096, ioapic);
    }
    /** ISA IRQ `n` as seen by both controllers (ISA IRQ 0 is I/O APIC pin 2). */
    const isa = (n: number): IrqLine => (ioapic === null ? pic.line(n) : new SplitIrqLine(pic.line(n), ioapic.line(n === 0 ? 2 : n)));
    const pit = new Pit8254({ clock, irq: isa(0) });
    io.map(Pit8254.DEFAULT_BASE, 4, pit);
    io.map(Pit8254.DEFAULT_PORT_B, 1, pit.portB);
    const rtc = new Rtc146818({ clock, irq: isa(8), startTime: options.rtcStartTime ?? Date.UTC(2020, 0, 1) });
    io.map(Rtc146818.DEFAULT_BASE, 2, rtc);
    writeCmosMemorySize(rtc, ctx.ramSize);
    const com1 = new Uart16550({ irq: isa(4), tx: ctx.serialOut, clock });
    io.map(Uart16550.DEFAULT_COM1, 8, com1);
    const i8042 = new I8042({
      irq1: isa(1), irq12: isa(12), a20: true,
      onA20: (on) => ctx.setA20(on), onReset: () => ctx.requestReset('i8042 reset command'),
    });
    io.map(I8042.DEFAULT_DATA, 1, i8042.data);
    io.map(I8042.DEFAULT_COMMAND, 1, i8042.command);
    const debugExit = new IsaDebugExit({ onExit: (status) => ctx.requestExit(status) });
    io.map(options.debugExitPort ?? IsaDebugExit.DEFAULT_PORT, IsaDebugExit.DEFAULT_SIZE, debugExit);
    const port92 = new SystemControlPortA({ a20: true, onA20: (on) => ctx.setA20(on), onReset: () => ctx.requestReset('port 0x92 fast reset') });
    io.map(SystemControlPortA.DEFAULT_PORT, 1, port92);
    let pci: PciHost | null = null;
    if (options.pci ?? true) {
      pci = new PciHost({ onReset: () => ctx.requestReset('reset control register 0xcf9') });
      pci.register(0, 0, createI440fxHostBridge());
      pci.register(1, 0, createPiix3IsaBridge());
      io.map(PciHost.DEFAULT_BASE, 8, pci);
    } else {
      io.map(0xcf9, 1, new ResetControlPort(() => ctx.requestReset('reset control register 0xcf9')));
    }
    const post = new PostCodePort();
    io.map(PostCodePort.DEFAULT_PORT, 1, post);
    const pm1 = new AcpiPm1((slpTyp) => { if (slpTyp === 5) ctx.requestPowerOff('ACPI S5 through PM1a_CNT'); });
    io.map(0x600, 4, pm1.event);
    io.map(0x604, 2, pm1.controlBlock);
    const pmTimer = new AcpiPmTimer({ clock });
    io.map(AcpiPmTimer.DEFAULT_PORT, 4, pmTimer);
    const fwCfg = new FwCfg({ ramSize: ctx.ramSize, cpus: 1 });
    io.map(FwCfg.DEFAULT_BASE, 2, fwCfg);
    return {
      interrupts: lapic ?? pic,
      ...(lapic !== null ? { apic: lapic } : {}),
      devices: { pic, pit, rtc, com1, i8042, debugExit, port92, post, pm1, pmTimer, fwCfg, lapic, ioapic, pci },
      counters: () => {
        const out: Record<string, number> = {};
        for (const [name, set] of [['pic', pic.counters], ['pit', pit.counters], ['rtc', rtc.counters], ['com1', com1.counters], ['i8042', i8042.counters], ['fwcfg', fwCfg.counters]] as const) {
          const snap = set.snapshot() as Record<string, number>;
          for (const [k, v] of Object.entries(snap)) out[`${name}.${k}`] = v;
        }
        for (const [name, set] of [['lapic', lapic?.counters], ['ioapic', ioapic?.counters], ['pci', pci?.counters]] as const) {
          if (set === undefined) continue;
          for (const [k, v] of Object.entries(set.snapshot() as Record<string, number>)) out[`${name}.${k}`] = v;
        }
        out['post.lastCode'] = post.last;
        return out;
      },
    };
  };
}
