/**
 * Our own test guests (`<workspace>/guests`, Multiboot v1 ELF kernels whose expected serial
 * output was recorded on QEMU 7.2 TCG) run on the bare interpreter with a minimal board:
 * RAM, a Multiboot loader, a COM1 transmit stub and QEMU's isa-debug-exit at port 0xf4.
 * Guests that need the PIC/PIT/RTC (timer, demo) are run by the machine package instead.
 * Each guest's output must match the QEMU recording except for the lines listed in
 * KNOWN (checks that exercise unimplemented features), so regressions fail.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IoBus, PhysicalMemoryBus, Seg, SegAttr, Cr0, type PortIoDevice } from '@x86kit/core';
import { Cpu, RunStatus } from './index.js';

/** Checks we know fail, with the reason (feature not implemented yet). */
const KNOWN: Record<string, Record<string, string>> = {};

function findRoot(): string | null {
  let d = import.meta.dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'pnpm-workspace.yaml'))) return d;
    d = join(d, '..');
  }
  return null;
}

class Board implements PortIoDevice {
  out = '';
  exitCode = -1;
  private lcr = 0;
  private readonly cpu: () => Cpu;
  constructor(cpu: () => Cpu) { this.cpu = cpu; }
  readPort(offset: number): number {
    if (offset === 5) return 0x60; // LSR: THR empty, transmitter idle
    if (offset === 3) return this.lcr;
    return 0;
  }
  writePort(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (offset === 3) this.lcr = value;
    else if (offset === 0 && (this.lcr & 0x80) === 0) this.out += String.fromCharCode(value & 0xff);
  }
  exit(value: number): void { this.exitCode = value; this.cpu().requestStop(); }
}

/** Load a Multiboot v1 ELF and put the CPU in the Multiboot entry state. */
function boot(image: Uint8Array, cmdline: string): { cpu: Cpu; board: Board } {
  const bus = new PhysicalMemoryBus();
  const RAM = 64 << 20;
  bus.mapRam(0, RAM);
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const entry = dv.getUint32(0x18, true), phoff = dv.getUint32(0x1c, true);
  const phentsize = dv.getUint16(0x2a, true), phnum = dv.getUint16(0x2c, true);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== 1) continue;
    const off = dv.getUint32(p + 4, true), paddr = dv.getUint32(p + 12, true), filesz = dv.getUint32(p + 16, true);
    bus.load(paddr, image.subarray(off, off + filesz));
  }
  const mbi = 0x9000;
  bus.write32(mbi, (1 << 0) | (1 << 2) | (1 << 6));
  bus.write32(mbi + 4, 639);
  bus.write32(mbi + 8, (RAM >>> 10) - 1024);
  bus.write32(mbi + 16, 0x9100);
  bus.load(0x9100, new TextEncoder().encode(`${cmdline}\0`));
  bus.write32(mbi + 44, 48);
  bus.write32(mbi + 48, 0x9200);
  const mm = [[0, 0x9fc00, 1], [0x100000, RAM - 0x100000, 1]];
  mm.forEach(([base, len, type], k) => {
    const e = 0x9200 + 24 * k;
    bus.write32(e, 20); bus.write32(e + 4, base); bus.write32(e + 8, 0); bus.write32(e + 12, len); bus.write32(e + 16, 0); bus.write32(e + 20, type);
  });
  const io = new IoBus();
  let cpuRef: Cpu | null = null;
  const board = new Board(() => cpuRef as Cpu);
  io.map(0x3f8, 8, board);
  io.map(0xf4, 4, { readPort: () => 0xff, writePort: (_o, _s, v) => board.exit(v) });
  const cpu = new Cpu({ memory: bus, io });
  cpuRef = cpu;
  const st = cpu.state;
  const flat = SegAttr.P | SegAttr.S | SegAttr.DB | SegAttr.G | SegAttr.ACCESSED;
  for (let s = 0; s < 6; s++) {
    st.segSel[s] = s === Seg.CS ? 0x08 : 0x10;
    st.segBase[2 * s] = 0;
    st.segLimit[s] = 0xffffffff;
    st.segAttr[s] = flat | (s === Seg.CS ? SegAttr.CODE | SegAttr.READABLE : SegAttr.WRITABLE);
  }
  st.cr0 = Cr0.PE | Cr0.ET;
  st.rip[0] = entry;
  st.rflags = 2;
  st.gpr[0] = 0x2badb002;
  st.gpr[6] = mbi;
  cpu.loadFromState();
  return { cpu, board };
}

const root = findRoot();
const guestsDir = root === null ? null : join(root, 'guests');
describe.skipIf(guestsDir === null || !existsSync(join(guestsDir, 'guests.json')))('test guests on the bare interpreter', () => {
  const dir = guestsDir as string;
  for (const name of ['hello', 'exceptions', 'paging', 'modes', 'bench']) {
    it(name, () => {
      const { cpu, board } = boot(readFileSync(join(dir, 'bin', `${name}.elf`)), name === 'bench' ? 'scale=1' : '');
      let status: number = RunStatus.BudgetExhausted;
      for (let i = 0; i < 400 && board.exitCode < 0; i++) {
        status = cpu.run(1_000_000);
        if (status === RunStatus.TripleFault || status === RunStatus.Halted) break;
      }
      const want = readFileSync(join(dir, 'expected', `${name}.txt`), 'utf8').split('\n').filter((l) => l !== '');
      const got = board.out.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
      const known = KNOWN[name] ?? {};
      const missing = want.filter((l) => !got.includes(l) && !(l in known) && !l.startsWith('SUMMARY'));
      expect(missing, `${name}: output was\n${board.out}\nstatus ${status}, counters ${JSON.stringify(cpu.countersSnapshot())}`).toEqual([]);
      if (Object.keys(known).length === 0) expect(board.exitCode).toBe(0);
    });
  }
});
