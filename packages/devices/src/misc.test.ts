import { describe, expect, test } from 'vitest';
import { IoBus } from '@x86kit/core';
import { ByteBuffer } from './common.js';
import { DebugCon, IsaDebugExit, PostCodePort, SystemControlPortA } from './misc.js';

describe('port 0x92, POST 0x80, isa-debug-exit, debugcon', () => {
  test('port 0x92: A20 on bit 1, fast reset on bit 0 (self-clearing)', () => {
    const a20: boolean[] = [];
    let resets = 0;
    const p = new SystemControlPortA({ onA20: (e) => a20.push(e), onReset: () => resets++ });
    const io = new IoBus();
    io.map(SystemControlPortA.DEFAULT_PORT, 1, p);
    io.write(0x92, 1, io.read(0x92, 1) | 0x02);
    expect(a20).toEqual([true]);
    io.write(0x92, 1, 0x03);
    expect(resets).toBe(1);
    expect(io.read(0x92, 1)).toBe(0x02);
  });

  test('POST port latches the code', () => {
    const codes: number[] = [];
    const p = new PostCodePort({ onPost: (c) => codes.push(c) });
    const io = new IoBus();
    io.map(PostCodePort.DEFAULT_PORT, 1, p);
    io.write(0x80, 1, 0x55);
    expect(io.read(0x80, 1)).toBe(0x55);
    expect(codes).toEqual([0x55]);
  });

  test('isa-debug-exit reports (value << 1) | 1', () => {
    const statuses: number[] = [];
    const d = new IsaDebugExit({ onExit: (s) => statuses.push(s) });
    const io = new IoBus();
    io.map(IsaDebugExit.DEFAULT_PORT, IsaDebugExit.DEFAULT_SIZE, d);
    io.write(0xf4, 4, 0);
    io.write(0xf4, 1, 0x10);
    io.write(0xf4, 4, 0xffffffff);
    expect(statuses).toEqual([1, 0x21, 0x1_ffff_ffff]);
    expect(io.read(0xf4, 4)).toBe(0);
  });

  test('debugcon: bytes to the sink, reads return 0xE9', () => {
    const out = new ByteBuffer();
    const d = new DebugCon({ out: out.push });
    const io = new IoBus();
    io.map(DebugCon.DEFAULT_PORT, 1, d);
    for (const c of 'ok') io.write(0xe9, 1, c.charCodeAt(0));
    io.write(0xe9, 2, 0x0a0a);
    expect(out.text()).toBe('ok\n');
    expect(io.read(0xe9, 1)).toBe(0xe9);
    expect(d.counters.get('badAccesses')).toBe(1);
  });
});
