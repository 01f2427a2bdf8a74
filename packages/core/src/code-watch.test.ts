import { describe, expect, it } from 'vitest';
import { PhysicalMemoryBus, codeLineMask, type CodeWriteObserver } from './index.js';

describe('code-page write observers (PhysicalMemoryBus.watchCode)', () => {
  it('codeLineMask covers the 128-byte lines of a byte range', () => {
    expect(codeLineMask(0, 1)).toBe(1);
    expect(codeLineMask(127, 2)).toBe(3);
    expect(codeLineMask(0xfff, 1)).toBe(1 << 31);
    expect(codeLineMask(0, 4096)).toBe(-1);
    expect(codeLineMask(0x80, 0x100)).toBe(0b110);
  });

  it('a write into a flagged line tells every observer once and clears the page mask; other lines do not', () => {
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 1 << 20);
    const seen: number[] = [];
    const obs: CodeWriteObserver = { codePageWritten: (p) => seen.push(p) };
    const map = bus.watchCode(obs);
    expect(bus.watchCode(obs)).toBe(map); // idempotent
    map[5] = codeLineMask(0x100, 16);
    bus.write8(0x5000, 1); // another line of the page
    bus.write32(0x5080, 1);
    expect(seen).toEqual([]);
    bus.write16(0x510e, 0xffff);
    expect(seen).toEqual([5]);
    expect(map[5]).toBe(0);
    map[5] = codeLineMask(0x100, 16);
    bus.writeBytes(0x4ff0, new Uint8Array(0x200));
    map[6] = codeLineMask(0, 1);
    bus.load(0x6000, Uint8Array.of(1));
    expect(seen).toEqual([5, 5, 6]);
  });

  it('unwatchCode stops the notifications of one observer only', () => {
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 1 << 20);
    const a: number[] = [], b: number[] = [];
    const oa: CodeWriteObserver = { codePageWritten: (p) => a.push(p) };
    const ob: CodeWriteObserver = { codePageWritten: (p) => b.push(p) };
    const map = bus.watchCode(oa);
    bus.watchCode(ob);
    expect(bus.codeObserverCount).toBe(2);
    bus.unwatchCode(oa);
    bus.unwatchCode(oa); // idempotent
    expect(bus.codeObserverCount).toBe(1);
    map[3] = codeLineMask(0, 1);
    bus.write8(0x3000, 1);
    expect(a).toEqual([]);
    expect(b).toEqual([3]);
  });

  it('romPage gives the bytes of ROM pages only', () => {
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 0x10000);
    bus.mapRom(0xf0000, Uint8Array.of(0xea, 0x5b));
    const rom = bus.romPage(0xf0001);
    expect(rom?.[0]).toBe(0xea);
    expect(rom?.[1]).toBe(0x5b);
    expect(bus.romPage(0x1000)).toBeNull();
    expect(bus.romPage(0x20000)).toBeNull();
    expect(bus.romPage(0x1_0000_0000)).toBeNull();
  });
});
