import { describe, expect, test } from 'vitest';
import { IoBus, IrqLatch, PhysicalMemoryBus } from '@x86kit/core';
import { PciHost } from './pci.js';
import { PcTestDev, PciTestDev } from './testdev.js';

describe('pc-testdev', () => {
  test('scratch register at 0xE0 (all widths) and its byte-wide alias at 0xE8', () => {
    const dev = new PcTestDev();
    const io = new IoBus();
    io.map(PcTestDev.DEFAULT_PORTS, PcTestDev.PORTS_LENGTH, dev.ports);
    io.write(0xe0, 4, 0x12345678);
    expect(io.read(0xe0, 1)).toBe(0x78);
    expect(io.read(0xe2, 2)).toBe(0x1234);
    io.write(0xe1, 1, 0xab);
    expect(io.read(0xe0, 4)).toBe(0x1234ab78);
    expect(io.read(0xeb, 1)).toBe(0x12);
    // string I/O (rep insb/outsb) is a sequence of byte accesses to the same port
    for (const b of [1, 2, 3]) io.write(0xe0, 1, b);
    expect(io.read(0xe0, 1)).toBe(3);
  });

  test('IRQ lines at 0x2000+n and the flush-page port', () => {
    const lines = Array.from({ length: 24 }, () => new IrqLatch());
    const flushes: number[] = [];
    const dev = new PcTestDev({ irqs: lines, onFlushPage: (pa) => flushes.push(pa) });
    const io = new IoBus();
    io.map(PcTestDev.DEFAULT_PORTS, PcTestDev.PORTS_LENGTH, dev.ports);
    io.map(PcTestDev.DEFAULT_IRQ_PORTS, PcTestDev.IRQ_PORTS_LENGTH, dev.irqPorts);
    io.write(0x200e, 1, 1);
    expect(lines[14].level).toBe(true);
    io.write(0x200e, 1, 0);
    expect(lines[14].level).toBe(false);
    expect(lines[14].risingEdges).toBe(1);
    io.write(0xe4, 4, 0x12345678);
    expect(flushes).toEqual([0x12345000]);
  });

  test('iomem at 0xFF000000 is 64 KiB of scratch', () => {
    const dev = new PcTestDev();
    const mem = new PhysicalMemoryBus();
    mem.mapMmio(PcTestDev.DEFAULT_IOMEM, PcTestDev.IOMEM_LENGTH, dev.iomem);
    mem.write32(0xff000010, 0xdeadbeef);
    expect(mem.read8(0xff000011)).toBe(0xbe);
    expect(mem.read32(0xff000010)).toBe(0xdeadbeef);
  });
});

describe('pci-testdev', () => {
  test('enumerates as 1b36:0005 and runs the kvm-unit-tests protocol on both BARs', () => {
    const host = new PciHost();
    const td = new PciTestDev();
    host.register(4, 0, td.pci);
    const io = new IoBus();
    io.map(PciHost.DEFAULT_BASE, 8, host);
    io.write(0xcf8, 4, 0x80002000);
    expect(io.read(0xcfc, 4)).toBe(0x00051b36);
    io.write(0xcf8, 4, 0x80002008);
    expect(io.read(0xcfc, 4) >>> 8).toBe(0x00ff00);
    io.write(0xcf8, 4, 0x80002014);
    io.write(0xcfc, 4, 0xc101);
    io.map(td.pci.barAddress(1), 256, td.portio);
    let passed = 0;
    for (let n = 0; ; n++) {
      io.write(0xc100, 1, n);
      const width = io.read(0xc101, 1);
      if (width !== 1 && width !== 2 && width !== 4) break;
      const offset = io.read(0xc104, 4);
      const data = io.read(0xc108, 1);
      io.write(0xc100 + offset, 1, data);
      if (io.read(0xc10c, 4) === 1) passed++;
    }
    expect(passed).toBe(3);
    expect(io.read(0xc101, 1)).toBe(0); // no test selected after an unknown number
    io.write(0xc100, 1, 2); // re-select datamatch (restarting resets its count)
    let name = '';
    for (let i = 16; ; i++) { const c = io.read(0xc100 + i, 1); if (c === 0) break; name += String.fromCharCode(c); }
    expect(name).toBe('portio-datamatch-eventfd');
    expect(td.count(5)).toBe(0);
    io.write(0xc100 + 133, 1, 0xfa);
    expect(td.count(5)).toBe(1);
    // a mismatching value does not count in datamatch mode
    io.write(0xc100 + 133, 1, 0x00);
    expect(td.count(5)).toBe(1);
    // the memory BAR
    expect(td.mmio.readMmio(0, 1)).toBe(5); // header byte 0: QEMU's global test index
    td.mmio.writeMmio(0, 1, 1);
    td.mmio.writeMmio(2049, 1, 0x42);
    expect(td.count(1)).toBe(1);
  });
});
