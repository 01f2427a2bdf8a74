/**
 * Device hot paths: an interrupt cycle through the 8259A pair, a polled UART byte through the
 * I/O bus, a Local APIC accept/INTA/EOI cycle and a 1 kHz PIT under the virtual clock. Anchor:
 * the same number of IoBus writes to a device that does nothing, measured in the same run.
 */
import { BenchSuite } from '@x86kit/bench';
import { IoBus, type PortIoDevice, VirtualClock } from '@x86kit/core';
import { ApicDelivery, LocalApic, PicPair, Pit8254, Uart16550 } from './index.js';

const N = 1 << 16;
let sink = 0;

class Nop implements PortIoDevice {
  readPort(): number { return 0; }
  writePort(): void {}
}
const anchorIo = new IoBus();
anchorIo.map(0x80, 1, new Nop());

const io = new IoBus();
const pic = new PicPair();
io.map(0x20, 2, pic.master);
io.map(0xa0, 2, pic.slave);
for (const [p, v] of [[0x20, 0x11], [0x21, 0x20], [0x21, 0x04], [0x21, 0x01], [0xa0, 0x11], [0xa1, 0x28], [0xa1, 0x02], [0xa1, 0x01], [0x21, 0], [0xa1, 0]]) io.write(p, 1, v);
let txCount = 0;
const uart = new Uart16550({ tx: () => { txCount++; } });
io.map(0x3f8, 8, uart);
const clock = new VirtualClock();
const apic = new LocalApic({ clock });
apic.writeMmio(0xf0, 4, 0x1ff);
const idleApic = new LocalApic({ clock, extInt: new PicPair() });
const pitClock = new VirtualClock();
const pit = new Pit8254({ clock: pitClock, irq: pic.line(0) });
pit.writePort(3, 1, 0x34); pit.writePort(0, 1, 1193 & 0xff); pit.writePort(0, 1, 1193 >> 8);

const suite = new BenchSuite('devices');
const anchor = { name: 'IoBus.write to a no-op device', unit: 'Mops/s', work: N / 1e6, fn: (): void => {
  for (let i = 0; i < N; i++) anchorIo.write(0x80, 1, i);
} };
const cases = [
  { name: 'PIC: IRQ edge + INTA + EOI via port 0x20', unit: 'Mops/s', work: N / 1e6, fn: () => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      const l = pic.line((i & 7) === 2 ? 3 : i & 7);
      l.raise();
      s += pic.acknowledge();
      io.write(0x20, 1, 0x20);
      l.lower();
    }
    sink += s;
  } },
  { name: 'UART: LSR poll + THR write via IoBus', unit: 'Mops/s', work: N / 1e6, fn: () => {
    for (let i = 0; i < N; i++) {
      if ((io.read(0x3fd, 1) & 0x20) !== 0) io.write(0x3f8, 1, i);
    }
  } },
  { name: 'LAPIC: accept + INTA + EOI', unit: 'Mops/s', work: N / 1e6, fn: () => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      apic.accept(ApicDelivery.FIXED, 0x40 + (i & 0x3f), 0);
      s += apic.acknowledge();
      apic.eoi();
    }
    sink += s;
  } },
  { name: 'LAPIC+PIC: hasInterrupt() poll, nothing pending', unit: 'Mops/s', work: N / 1e6, fn: () => {
    let s = 0;
    for (let i = 0; i < N; i++) if (idleApic.hasInterrupt()) s++;
    sink += s;
  } },
  { name: 'PIT 1 kHz mode 2: virtual seconds per host second', unit: 'vs/s', work: 1, fn: () => {
    const end = pitClock.now() + 1e9;
    while (pitClock.nextDeadline() <= end) {
      pitClock.advanceTo(pitClock.nextDeadline());
      pitClock.runDue();
      if (pic.hasInterrupt()) { sink += pic.acknowledge(); pic.master.writePort(0, 1, 0x20); }
    }
    pitClock.advanceTo(end);
  } },
];
for (const c of cases) suite.rate(c, c.unit === 'Mops/s' ? anchor : undefined);
suite.finish();
if (sink === 0.5 || txCount === -1) suite.record({ name: 'sink', unit: '', value: sink });
