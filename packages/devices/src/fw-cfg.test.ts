import { describe, expect, test } from 'vitest';
import { ApiMisuseError, IoBus } from '@x86kit/core';
import { FwCfg, FwCfgKey } from './fw-cfg.js';

function readItem(io: IoBus, key: number, n: number): number[] {
  io.write(0x510, 2, key);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(io.read(0x511, 1));
  return out;
}
function u32be(b: number[], at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

describe('QEMU fw_cfg', () => {
  test('signature, feature ID, RAM size and CPU count as SeaBIOS reads them', () => {
    const fw = new FwCfg({ ramSize: 0x1_2000_0000, cpus: 4 });
    const io = new IoBus();
    io.map(FwCfg.DEFAULT_BASE, 2, fw);
    expect(String.fromCharCode(...readItem(io, FwCfgKey.SIGNATURE, 4))).toBe('QEMU');
    expect(readItem(io, FwCfgKey.ID, 4)).toEqual([1, 0, 0, 0]);
    expect(readItem(io, FwCfgKey.RAM_SIZE, 8)).toEqual([0, 0, 0, 0x20, 1, 0, 0, 0]);
    expect(readItem(io, FwCfgKey.NB_CPUS, 2)).toEqual([4, 0]);
    expect(readItem(io, FwCfgKey.SIGNATURE, 6)).toEqual([0x51, 0x45, 0x4d, 0x55, 0, 0]); // past the end: 0
    expect(readItem(io, 0x1234, 2)).toEqual([0, 0]); // unknown item
  });

  test('file directory: big-endian count, size, select and NUL-terminated name', () => {
    const fw = new FwCfg();
    const key = fw.addFile('opt/org.x86kit/hello', Uint8Array.of(0x68, 0x69, 0x21));
    fw.addFile('etc/boot-fail-wait', Uint8Array.of(5, 0, 0, 0));
    const io = new IoBus();
    io.map(FwCfg.DEFAULT_BASE, 2, fw);
    const dir = readItem(io, FwCfgKey.FILE_DIR, 4 + 128);
    expect(u32be(dir, 0)).toBe(2);
    expect(u32be(dir, 4)).toBe(3);
    expect((dir[8] << 8) | dir[9]).toBe(key);
    expect(String.fromCharCode(...dir.slice(12, 12 + 20))).toBe('opt/org.x86kit/hello');
    expect(dir[12 + 20]).toBe(0);
    expect(String.fromCharCode(...readItem(io, key, 3))).toBe('hi!');
    expect(() => fw.addFile('opt/org.x86kit/hello', EMPTY)).toThrow(ApiMisuseError);
  });

  test('data writes are ignored; wide data reads are invalid and counted', () => {
    const fw = new FwCfg();
    const io = new IoBus();
    io.map(FwCfg.DEFAULT_BASE, 2, fw);
    io.write(0x510, 2, FwCfgKey.SIGNATURE | 0x4000); // write channel bit
    io.write(0x511, 1, 0x00);
    expect(io.read(0x511, 1)).toBe(0x51);
    expect(io.read(0x511, 4)).toBe(0);
    expect(fw.counters.get('badAccesses')).toBe(1);
  });
});
const EMPTY = new Uint8Array(0);
