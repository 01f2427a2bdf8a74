/**
 * QEMU as a lockstep reference: `qemu-system-i386 -S -gdb tcp:127.0.0.1:PORT` (no firmware
 * runs: the CPU is stopped at the reset vector), guest memory written with `M`, registers
 * with `G`, one instruction per `s`. The register layout comes from the stub's own target
 * description (`qXfer:features:read`), so QEMU versions that add registers still parse.
 *
 * What QEMU's gdbstub shows: the eight 32-bit GPRs, EIP, EFLAGS, the six selectors, CR0/2/3/4,
 * CR8, EFER — not hidden segment state, GDTR/IDTR or debug registers, so those groups are not
 * compared. `halted` is inferred: a step that does not finish (HLT with IF = 0) is interrupted
 * and marks the engine halted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { Cr0, PhysicalMemoryBus, Rflags, type CpuSnapshot } from '@x86kit/core';
import { loadGuestImage, pcE820 } from '@x86kit/machine';
import { StateGroup, type Engine, type LockstepGuest } from './engine.js';
import { GdbRemote } from './gdb-remote.js';

let qemuPath: string | null | undefined;

/** Entry point of an ELF or multiboot image, for the breakpoint at the kernel entry. */
function kernelEntry(path: string): number {
  const bytes = readFileSync(path);
  const mem = new PhysicalMemoryBus();
  mem.mapRam(0, 64 << 20);
  return loadGuestImage(mem, bytes, { name: path, memoryMap: pcE820(64 << 20) }).boot.entry >>> 0;
}

/** Path of `qemu-system-i386` if installed (`X86KIT_QEMU` overrides), else `null`. */
export function findQemu(): string | null {
  if (qemuPath !== undefined) return qemuPath;
  const cand = process.env.X86KIT_QEMU ?? 'qemu-system-i386';
  const r = spawnSync(cand, ['--version'], { stdio: 'ignore', timeout: 5000 });
  qemuPath = r.status === 0 ? cand : null;
  return qemuPath;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Register name → [byte offset, byte size] in the `g` packet. */
export type RegLayout = Map<string, [number, number]>;

/** Parse target-description XML `<reg>` elements (comments removed) into a layout. */
export function parseRegLayout(xmls: readonly string[]): RegLayout {
  const map: RegLayout = new Map();
  let off = 0;
  for (const xml of xmls) {
    const clean = xml.replace(/<!--[\s\S]*?-->/g, '');
    for (const m of clean.matchAll(/<reg\s[^>]*name="([^"]+)"[^>]*bitsize="(\d+)"[^>]*>/g)) {
      const size = Number(m[2]) / 8;
      map.set(m[1], [off, size]);
      off += size;
    }
  }
  return map;
}

/** QEMU 7.x's i386 layout, used when the stub has no target description. */
function fallbackLayout(): RegLayout {
  const names = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs'];
  return new Map(names.map((n, i) => [n, [4 * i, 4]]));
}

const GPR_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

function readLe(buf: Buffer, off: number, size: number): number {
  return size >= 4 ? buf.readUInt32LE(off) : size === 2 ? buf.readUInt16LE(off) : buf[off];
}

/** Options of {@link QemuGdbEngine}. */
export interface QemuEngineOptions {
  binary: string;
  /** Extra QEMU arguments (e.g. `-cpu`). */
  args?: readonly string[];
  /** How long a single step may take before it is treated as a HLT that never finishes. */
  hltTimeoutMs?: number;
}

/** QEMU through its gdbstub, as an {@link Engine}. */
export class QemuGdbEngine implements Engine {
  readonly name = 'qemu';
  readonly observes: readonly StateGroup[] = [StateGroup.Gpr, StateGroup.Rip, StateGroup.Rflags, StateGroup.Sel, StateGroup.Control, StateGroup.Halted];
  private readonly opts: QemuEngineOptions;
  private proc: ChildProcess | null = null;
  private gdb: GdbRemote | null = null;
  private layout: RegLayout = fallbackLayout();
  private template: CpuSnapshot | null = null;
  private halted = false;
  private exitedFlag = false;
  private last: CpuSnapshot | null = null;

  constructor(opts: QemuEngineOptions) {
    this.opts = opts;
  }

  private get g(): GdbRemote {
    if (this.gdb === null) throw new Error('qemu engine: load() first');
    return this.gdb;
  }

  async load(guest: LockstepGuest): Promise<void> {
    await this.close();
    const port = await freePort();
    const mib = Math.max(2, Math.ceil(guest.memSize / (1 << 20)));
    const kernel = guest.kernel === undefined ? [] : [
      '-kernel', guest.kernel.path, ...(guest.kernel.cmdline !== '' ? ['-append', guest.kernel.cmdline] : []),
      // The device set the guests expect: COM1 (output discarded) and isa-debug-exit.
      '-serial', 'null', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
    ];
    this.proc = spawn(this.opts.binary, [
      '-machine', 'pc', '-m', String(mib), '-display', 'none', '-nodefaults', '-no-reboot', '-S',
      '-gdb', `tcp:127.0.0.1:${port}`, ...kernel, ...(this.opts.args ?? []),
    ], { stdio: 'ignore' });
    this.gdb = await GdbRemote.connect('127.0.0.1', port);
    try {
      const target = await this.g.readFeature('target.xml');
      const xmls = [target];
      for (const m of target.matchAll(/<xi:include\s+href="([^"]+)"/g)) xmls.push(await this.g.readFeature(m[1]));
      const l = parseRegLayout(xmls);
      if (l.has('eip') && l.has('eflags')) this.layout = l;
    } catch {
      this.layout = fallbackLayout();
    }
    this.template = structuredClone(guest.initial);
    this.halted = false;
    this.exitedFlag = false;
    this.last = null;
    if (guest.kernel !== undefined) {
      // Firmware and QEMU's multiboot loader run first; stop at the kernel entry.
      const entry = kernelEntry(guest.kernel.path);
      const stop = await this.g.continueTo(entry, 30_000);
      if (!/^[ST]/.test(stop)) throw new Error(`qemu engine: did not reach the kernel entry 0x${entry.toString(16)}: ${stop}`);
      const s = await this.state();
      // Flat 32-bit protected mode at entry (multiboot), hidden state as the spec promises.
      this.template.cr0 = s.cr0;
      return;
    }
    for (const r of guest.regions) await this.g.writeMemory(r.addr, r.bytes);
    await this.setState(guest.initial);
  }

  writeLinear(addr: number, bytes: Uint8Array): Promise<void> {
    return this.g.writeMemory(addr, bytes);
  }

  private async regs(): Promise<Buffer> {
    return Buffer.from(await this.g.request('g'), 'hex');
  }

  async setState(s: CpuSnapshot): Promise<void> {
    const buf = await this.regs();
    const put = (name: string, v: number): void => {
      const e = this.layout.get(name);
      if (e === undefined || e[0] + e[1] > buf.length) return;
      if (e[1] >= 4) buf.writeUInt32LE(v >>> 0, e[0]);
      if (e[1] === 8) buf.writeUInt32LE(0, e[0] + 4);
    };
    for (let i = 0; i < 8; i++) put(GPR_NAMES[i], Number(BigInt(s.gpr[i]) & 0xffffffffn));
    put('eip', Number(BigInt(s.rip) & 0xffffffffn));
    put('eflags', s.rflags);
    for (let i = 0; i < 6; i++) put(SEG_NAMES[i], s.seg[i].sel);
    const r = await this.g.request(`G${buf.toString('hex')}`);
    if (r !== 'OK') throw new Error(`qemu engine: G failed: ${r}`);
    this.halted = s.halted;
  }

  /**
   * One step = one whole instruction: QEMU single-steps REP string instructions one iteration
   * at a time, so steps repeat while EIP stays put (bounded, for a jump to itself).
   */
  async step(n: number): Promise<number> {
    let k = 0;
    for (; k < n && !this.halted; k++) {
      const eip = await this.eip();
      // Only a HLT may never finish its step (QEMU masks interrupts while single-stepping);
      // anything else gets a generous timeout, so a slow host is not mistaken for a halt.
      const s = await this.state();
      const csBase = Number(BigInt(s.seg[1].base) & 0xffffffffn);
      const isHlt = (await this.g.readMemory((csBase + eip) >>> 0, 1).catch(() => Uint8Array.of(0)))[0] === 0xf4;
      for (let i = 0; i < 1 << 16; i++) {
        let reply: string | null;
        try {
          reply = isHlt ? await this.g.stepOrInterrupt(this.opts.hltTimeoutMs ?? 1000) : await this.g.request('s', 60_000);
        } catch (e) {
          // QEMU exits when the guest writes isa-debug-exit: the instruction retired, the run is over.
          if (!this.g.closed) throw e;
          this.halted = true;
          this.exitedFlag = true;
          return k + 1;
        }
        if (reply === null) { this.halted = true; break; }
        if (!/^[ST]/.test(reply)) throw new Error(`qemu engine: step: ${reply}`);
        if (reply.startsWith('W') || (await this.eip()) !== eip) break;
      }
    }
    return k;
  }

  private async eip(): Promise<number> {
    const e = this.layout.get('eip');
    const r = await this.g.request(`p${[...this.layout.keys()].indexOf('eip').toString(16)}`);
    if (e !== undefined && r.length === 2 * e[1]) return Buffer.from(r, 'hex').readUInt32LE(0);
    const buf = await this.regs();
    return buf.readUInt32LE(e?.[0] ?? 32);
  }

  async state(): Promise<CpuSnapshot> {
    if (this.exitedFlag && this.last !== null) return structuredClone(this.last);
    const buf = await this.regs();
    const s = structuredClone(this.template!);
    const get = (name: string): number | undefined => {
      const e = this.layout.get(name);
      return e === undefined || e[0] + e[1] > buf.length ? undefined : readLe(buf, e[0], e[1]);
    };
    const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(16, '0')}`;
    for (let i = 0; i < 8; i++) s.gpr[i] = hex(get(GPR_NAMES[i]) ?? 0);
    s.rip = hex(get('eip') ?? 0);
    s.rflags = (get('eflags') ?? Rflags.FIXED1) >>> 0;
    for (let i = 0; i < 6; i++) s.seg[i].sel = get(SEG_NAMES[i]) ?? 0;
    s.cr0 = (get('cr0') ?? s.cr0) >>> 0;
    s.cr2 = hex(get('cr2') ?? 0);
    s.cr3 = hex(get('cr3') ?? 0);
    s.cr4 = (get('cr4') ?? s.cr4) >>> 0;
    s.cr8 = get('cr8') ?? s.cr8;
    s.efer = (get('efer') ?? s.efer) >>> 0;
    // Hidden state is not visible; in real mode it follows from the selectors.
    if ((s.cr0 & Cr0.PE) === 0) for (let i = 0; i < 6; i++) s.seg[i].base = hex(s.seg[i].sel << 4);
    s.halted = this.halted;
    this.last = structuredClone(s);
    return s;
  }

  /** True when QEMU exited (the guest wrote isa-debug-exit). */
  exited(): boolean {
    return this.exitedFlag;
  }

  readLinear(addr: number, len: number): Promise<Uint8Array> {
    return this.g.readMemory(addr, len);
  }

  /** Run to a breakpoint (`Z0` + `c`); exposed for guest-level runs. */
  continueTo(addr: number): Promise<string> {
    return this.g.continueTo(addr);
  }

  async close(): Promise<void> {
    if (this.gdb !== null) {
      await this.gdb.close(true).catch(() => undefined);
      this.gdb = null;
    }
    if (this.proc !== null) {
      const p = this.proc;
      this.proc = null;
      if (p.exitCode === null) {
        await new Promise<void>((r) => {
          const t = setTimeout(() => { p.kill('SIGKILL'); r(); }, 500);
          p.once('exit', () => { clearTimeout(t); r(); });
          p.kill('SIGTERM');
        });
      }
    }
  }
}
