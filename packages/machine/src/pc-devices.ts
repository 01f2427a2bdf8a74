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
 * | ACPI PM timer (the FADT's PM_TMR_BLK) | 0x608 (4 ports) | — |
 * | QEMU fw_cfg (signature, RAM size, CPUs) | 0x510–0x511 | — |
 * | system control port A (A20, reset) | 0x92 | — |
 * | PIIX reset control | 0xCF9 | — |
 * | POST code sink | 0x80 | — |
 */
import {
  AcpiPmTimer, FwCfg, I8042, IsaDebugExit, PicPair, Pit8254, PostCodePort, Rtc146818, SystemControlPortA, Uart16550,
} from '@x86kit/devices';
import type { DeviceSet, MachineContext } from './machine.js';
import { ResetControlPort } from './platform-ports.js';

/** Options of {@link pcDevices}. */
export interface PcDeviceOptions {
  /** RTC wall-clock time at virtual time 0 (ms since the epoch); fixed by default for determinism. */
  rtcStartTime?: number;
  /** isa-debug-exit port base (default 0xF4, QEMU's `iobase=0xf4,iosize=4`). */
  debugExitPort?: number;
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
    const { io, clock } = ctx;
    const pic = new PicPair();
    io.map(PicPair.DEFAULT_MASTER, 2, pic.master);
    io.map(PicPair.DEFAULT_SLAVE, 2, pic.slave);
    io.map(PicPair.DEFAULT_ELCR, 2, pic.elcr);
    const pit = new Pit8254({ clock, irq: pic.line(0) });
    io.map(Pit8254.DEFAULT_BASE, 4, pit);
    io.map(Pit8254.DEFAULT_PORT_B, 1, pit.portB);
    const rtc = new Rtc146818({ clock, irq: pic.line(8), startTime: options.rtcStartTime ?? Date.UTC(2020, 0, 1) });
    io.map(Rtc146818.DEFAULT_BASE, 2, rtc);
    writeCmosMemorySize(rtc, ctx.ramSize);
    const com1 = new Uart16550({ irq: pic.line(4), tx: ctx.serialOut, clock });
    io.map(Uart16550.DEFAULT_COM1, 8, com1);
    const i8042 = new I8042({
      irq1: pic.line(1), irq12: pic.line(12), a20: true,
      onA20: (on) => ctx.setA20(on), onReset: () => ctx.requestReset('i8042 reset command'),
    });
    io.map(I8042.DEFAULT_DATA, 1, i8042.data);
    io.map(I8042.DEFAULT_COMMAND, 1, i8042.command);
    const debugExit = new IsaDebugExit({ onExit: (status) => ctx.requestExit(status) });
    io.map(options.debugExitPort ?? IsaDebugExit.DEFAULT_PORT, IsaDebugExit.DEFAULT_SIZE, debugExit);
    const port92 = new SystemControlPortA({ a20: true, onA20: (on) => ctx.setA20(on), onReset: () => ctx.requestReset('port 0x92 fast reset') });
    io.map(SystemControlPortA.DEFAULT_PORT, 1, port92);
    const cf9 = new ResetControlPort(() => ctx.requestReset('reset control register 0xcf9'));
    io.map(0xcf9, 1, cf9);
    const post = new PostCodePort();
    io.map(PostCodePort.DEFAULT_PORT, 1, post);
    const pmTimer = new AcpiPmTimer({ clock });
    io.map(AcpiPmTimer.DEFAULT_PORT, 4, pmTimer);
    const fwCfg = new FwCfg({ ramSize: ctx.ramSize, cpus: 1 });
    io.map(FwCfg.DEFAULT_BASE, 2, fwCfg);
    return {
      interrupts: pic,
      devices: { pic, pit, rtc, com1, i8042, debugExit, port92, cf9, post, pmTimer, fwCfg },
      counters: () => {
        const out: Record<string, number> = {};
        for (const [name, set] of [['pic', pic.counters], ['pit', pit.counters], ['rtc', rtc.counters], ['com1', com1.counters], ['i8042', i8042.counters], ['fwcfg', fwCfg.counters]] as const) {
          const snap = set.snapshot() as Record<string, number>;
          for (const [k, v] of Object.entries(snap)) out[`${name}.${k}`] = v;
        }
        out['post.lastCode'] = post.last;
        return out;
      },
    };
  };
}
