import { describe, expect, test } from 'vitest';
import { ApiMisuseError, IoBus } from '@x86kit/core';
import { PciDevice, PciHost, createI440fxHostBridge, createPiix3IsaBridge, piixPirqRoute } from './pci.js';

function cfgAddr(dev: number, fn: number, reg: number): number {
  return (0x80000000 | (dev << 11) | (fn << 8) | (reg & 0xfc)) >>> 0;
}
function setup(): { io: IoBus; host: PciHost; nic: PciDevice; isa: PciDevice; changes: [number, number][]; resets: number[] } {
  const resets: number[] = [];
  const host = new PciHost({ onReset: () => resets.push(1) });
  const isa = createPiix3IsaBridge();
  host.register(0, 0, createI440fxHostBridge());
  host.register(1, 0, isa);
  const changes: [number, number][] = [];
  const nic = new PciDevice({
    vendorId: 0x10ec, deviceId: 0x8139, classCode: 0x020000, interruptPin: 1,
    bars: [{ kind: 'io', size: 256 }, { kind: 'memory', size: 4096 }, { kind: 'memory', size: 0x100000, is64: true, prefetchable: true }, null],
    onBarChange: (bar, address) => changes.push([bar, address]),
  });
  host.register(3, 0, nic);
  const io = new IoBus();
  io.map(PciHost.DEFAULT_BASE, 8, host);
  return { io, host, nic, isa, changes, resets };
}
function rd32(io: IoBus, dev: number, fn: number, reg: number): number {
  io.write(0xcf8, 4, cfgAddr(dev, fn, reg));
  return io.read(0xcfc, 4);
}
function wr32(io: IoBus, dev: number, fn: number, reg: number, v: number): void {
  io.write(0xcf8, 4, cfgAddr(dev, fn, reg));
  io.write(0xcfc, 4, v);
}

describe('PCI host bridge (mechanism #1)', () => {
  test('bus scan finds the i440FX, the PIIX3 and the registered device; empty slots read all-ones', () => {
    const { io } = setup();
    const found: string[] = [];
    for (let dev = 0; dev < 32; dev++) {
      const id = rd32(io, dev, 0, 0);
      if (id !== 0xffffffff) found.push(`${dev}:${id.toString(16)}`);
    }
    expect(found).toEqual(['0:12378086', '1:70008086', '3:813910ec']);
    expect(rd32(io, 1, 0, 0x08) >>> 8).toBe(0x060100);
    io.write(0xcf8, 4, cfgAddr(1, 0, 0x0c));
    expect(io.read(0xcfe, 1) & 0x80).toBe(0x80); // multi-function header
    expect(io.read(0xcf8, 4)).toBe(cfgAddr(1, 0, 0x0c));
  });

  test('BAR sizing: all-ones write reads back the size mask and type bits', () => {
    const { io, nic, changes } = setup();
    wr32(io, 3, 0, 0x10, 0xffffffff);
    expect(rd32(io, 3, 0, 0x10)).toBe(0xffffff01); // 256-byte I/O
    wr32(io, 3, 0, 0x14, 0xffffffff);
    expect(rd32(io, 3, 0, 0x14)).toBe(0xfffff000); // 4 KiB memory
    wr32(io, 3, 0, 0x18, 0xffffffff);
    expect(rd32(io, 3, 0, 0x18)).toBe(0xfff0000c); // 1 MiB, 64-bit, prefetchable
    wr32(io, 3, 0, 0x1c, 0xffffffff);
    expect(rd32(io, 3, 0, 0x1c)).toBe(0xffffffff);
    expect(rd32(io, 3, 0, 0x20)).toBe(0); // unimplemented BAR
    wr32(io, 3, 0, 0x10, 0xc001);
    wr32(io, 3, 0, 0x14, 0xfebf0000);
    wr32(io, 3, 0, 0x18, 0xfe000000);
    wr32(io, 3, 0, 0x1c, 0x1);
    expect(nic.barAddress(0)).toBe(0xc000);
    expect(nic.barAddress(1)).toBe(0xfebf0000);
    expect(nic.barAddress(2)).toBe(0x1_fe00_0000);
    expect(changes.at(-1)).toEqual([2, 0x1_fe00_0000]);
  });

  test('command register, read-only IDs, interrupt line/pin, byte and word data accesses', () => {
    const { io, nic } = setup();
    wr32(io, 3, 0, 0x04, 0xffffffff);
    expect(nic.command).toBe(0x0547);
    wr32(io, 3, 0, 0x00, 0);
    expect(rd32(io, 3, 0, 0x00)).toBe(0x813910ec);
    io.write(0xcf8, 4, cfgAddr(3, 0, 0x3c));
    io.write(0xcfc, 1, 11);
    expect(io.read(0xcfd, 1)).toBe(1); // INTA#
    expect(io.read(0xcfc, 2)).toBe(0x010b);
  });

  test('PIIX3 PIRQ routing registers', () => {
    const { io, isa } = setup();
    expect(piixPirqRoute(isa, 0)).toBe(-1);
    io.write(0xcf8, 4, cfgAddr(1, 0, 0x60));
    io.write(0xcfc, 4, 0x0b0b0a0a);
    expect([0, 1, 2, 3].map((n) => piixPirqRoute(isa, n))).toEqual([10, 10, 11, 11]);
  });

  test('disabled CONFIG_ADDRESS, other buses and byte access to 0xCF8 are not config cycles', () => {
    const { io, host } = setup();
    io.write(0xcf8, 4, 0x00000000);
    expect(io.read(0xcfc, 4)).toBe(0xffffffff);
    io.write(0xcf8, 4, 0x80010000);
    expect(io.read(0xcfc, 4)).toBe(0xffffffff);
    io.write(0xcf8, 1, 0x12);
    expect(host.counters.get('badAccesses')).toBe(1);
    expect(host.counters.get('masterAborts')).toBe(2);
  });

  test('0xCF9 reset control register', () => {
    const { io, resets } = setup();
    io.write(0xcf9, 1, 0x02);
    io.write(0xcf9, 1, 0x06);
    expect(resets.length).toBe(1);
  });

  test('registration errors are API misuse', () => {
    const { host } = setup();
    expect(() => host.register(3, 0, createI440fxHostBridge())).toThrow(ApiMisuseError);
    expect(() => host.register(32, 0, createI440fxHostBridge())).toThrow(ApiMisuseError);
    expect(() => new PciDevice({ vendorId: 1, deviceId: 1, classCode: 0, bars: [{ kind: 'memory', size: 100 }] })).toThrow(ApiMisuseError);
    expect(host.freeSlot()).toBe(2);
  });
});
