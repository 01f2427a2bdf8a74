import { describe, expect, test } from 'vitest';
import { test as ptest, fc } from '@fast-check/vitest';
import { PhysicalMemoryBus, PageKind, MemCounter, ApiMisuseError, type MmioDevice } from './index.js';

class RecordingMmio implements MmioDevice {
  log: string[] = [];
  readMmio(offset: number, size: 1 | 2 | 4): number { this.log.push(`r${size}@${offset}`); return 0x11223344 & (size === 4 ? 0xffffffff : (1 << (8 * size)) - 1); }
  writeMmio(offset: number, size: 1 | 2 | 4, value: number): void { this.log.push(`w${size}@${offset}=${value.toString(16)}`); }
}

describe('PhysicalMemoryBus', () => {
  test('RAM is zero and allocated lazily', () => {
    const m = new PhysicalMemoryBus();
    m.mapRam(0, 3 * 1024 * 1024 * 1024); // 3 GiB costs nothing up front
    expect(m.allocatedBytes).toBe(0);
    expect(m.read32(0xbfff0000)).toBe(0);
    expect(m.allocatedBytes).toBe(0);
    m.write32(0x1000, 0xdeadbeef);
    expect(m.read32(0x1000)).toBe(0xdeadbeef);
    expect(m.read16(0x1002)).toBe(0xdead);
    expect(m.read8(0x1003)).toBe(0xde);
    expect(m.allocatedBytes).toBe(1 << 20);
  });

  test('accesses that straddle pages are split', () => {
    const m = new PhysicalMemoryBus();
    m.mapRam(0, 0x10000);
    m.write32(0x0ffe, 0x44332211);
    expect(m.read8(0x0ffe)).toBe(0x11);
    expect(m.read8(0x1001)).toBe(0x44);
    expect(m.read32(0x0ffe)).toBe(0x44332211);
    m.write64(0x1ffc, 0x0102030405060708n);
    expect(m.read64(0x1ffc)).toBe(0x0102030405060708n);
  });

  ptest.prop([fc.integer({ min: 0, max: 0xfff0 }), fc.uint8Array({ minLength: 1, maxLength: 9000 })])('writeBytes/readBytes round trip', (pa, data) => {
    const m = new PhysicalMemoryBus();
    m.mapRam(0, 0x20000);
    m.writeBytes(pa, data);
    const back = new Uint8Array(data.length);
    m.readBytes(pa, back);
    expect(back).toEqual(data);
  });

  test('ROM ignores writes and counts them; load() may fill it', () => {
    const m = new PhysicalMemoryBus();
    m.mapRom(0xf0000, Uint8Array.of(1, 2, 3));
    expect(m.read8(0xf0001)).toBe(2);
    expect(m.read8(0xf0003)).toBe(0xff);
    m.write8(0xf0001, 9);
    expect(m.read8(0xf0001)).toBe(2);
    expect(m.counters[MemCounter.RomWritesIgnored]).toBe(1);
    m.load(0xf0001, Uint8Array.of(7));
    expect(m.read8(0xf0001)).toBe(7);
    expect(() => m.load(0x100000, Uint8Array.of(1))).toThrow(ApiMisuseError);
  });

  test('MMIO dispatches with offsets relative to the region base', () => {
    const m = new PhysicalMemoryBus();
    const dev = new RecordingMmio();
    m.mapMmio(0xfee00000, 0x1000, dev);
    expect(m.kindAt(0xfee00020)).toBe(PageKind.Mmio);
    expect(m.read32(0xfee00020)).toBe(0x11223344);
    m.write32(0xfee000b0, 0);
    m.write8(0xfee00001, 0x1ff);
    expect(dev.log).toEqual(['r4@32', 'w4@176=0', 'w1@1=ff']);
  });

  test('unmapped space reads all-ones and ignores writes', () => {
    const m = new PhysicalMemoryBus();
    expect(m.read8(0x5000)).toBe(0xff);
    expect(m.read32(0x5000)).toBe(0xffffffff);
    m.write32(0x5000, 1);
    expect(m.counters[MemCounter.UnmappedWrites]).toBe(1);
    expect(m.read8(0x1_0000_0000)).toBe(0xff);
  });

  test('A20 disabled wraps 1 MiB + x onto x', () => {
    const m = new PhysicalMemoryBus();
    m.mapRam(0, 0x200000);
    m.write8(0x100010, 0xaa);
    m.setA20(false);
    expect(m.read8(0x100010)).toBe(0);
    m.write8(0x100020, 0xbb);
    m.setA20(true);
    expect(m.read8(0x000020)).toBe(0xbb);
    expect(m.read8(0x100010)).toBe(0xaa);
  });

  test('misaligned or out-of-range regions are API misuse', () => {
    const m = new PhysicalMemoryBus();
    expect(() => m.mapRam(0x10, 0x1000)).toThrow(ApiMisuseError);
    expect(() => m.mapRam(0xfffff000, 0x2000)).toThrow(/inside 4 GiB/);
  });

  test('ramPage exposes the host view of a RAM page', () => {
    const m = new PhysicalMemoryBus();
    m.mapRam(0, 0x10000);
    const page = m.ramPage(0x2000);
    expect(page).not.toBeNull();
    page![5] = 42;
    expect(m.read8(0x2005)).toBe(42);
    expect(m.ramPage(0x20000)).toBeNull();
  });
});
