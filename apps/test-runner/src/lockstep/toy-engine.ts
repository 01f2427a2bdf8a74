/**
 * A tiny deterministic x86 engine for testing the lockstep driver while (and independently of)
 * the real interpreter: a handful of integer instructions with exact flag semantics (Intel SDM
 * Vol. 2, ADD/SUB/XOR/INC/DEC/MOV/JZ/JNZ/JMP/HLT/NOP, register
 * operands only), real-mode or 32-bit flat addressing, no
 * faults beyond "stop". It is a test fixture, not an emulator.
 */
import { CpuState, Rflags, Seg, SegAttr, type CpuSnapshot } from '@x86kit/core';
import { ALL_GROUPS, type Engine, type LockstepGuest, type StateGroup } from './engine.js';

function parity8(v: number): boolean {
  let x = v & 0xff;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return (x & 1) === 0;
}

/** The toy engine. `observes` every group. */
export class ToyEngine implements Engine {
  readonly name: string;
  readonly observes: readonly StateGroup[] = ALL_GROUPS;
  private readonly cpu = new CpuState();
  private mem = new Uint8Array(0);

  constructor(name = 'toy') {
    this.name = name;
  }

  load(g: LockstepGuest): Promise<void> {
    this.mem = new Uint8Array(g.memSize);
    for (const r of g.regions) this.mem.set(r.bytes, r.addr);
    this.cpu.reset();
    this.cpu.restore(g.initial);
    return Promise.resolve();
  }

  private get opSize(): 16 | 32 {
    return (this.cpu.segAttr[Seg.CS] & SegAttr.DB) !== 0 ? 32 : 16;
  }

  private setFlags(res: number, a: number, b: number, bits: number, cf: boolean, of: boolean): void {
    const mask = bits === 32 ? 0xffffffff : 0xffff;
    const r = (res & mask) >>> 0;
    let f = this.cpu.rflags & ~(Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.OF);
    if (cf) f |= Rflags.CF;
    if (parity8(r)) f |= Rflags.PF;
    if (((a ^ b ^ res) & 0x10) !== 0) f |= Rflags.AF;
    if (r === 0) f |= Rflags.ZF;
    if ((r >>> (bits - 1)) & 1) f |= Rflags.SF;
    if (of) f |= Rflags.OF;
    this.cpu.rflags = f;
  }

  private getReg(r: number, bits: number): number {
    return bits === 32 ? this.cpu.gpr[2 * r] >>> 0 : this.cpu.gpr[2 * r] & 0xffff;
  }
  private setReg(r: number, bits: number, v: number): void {
    if (bits === 32) this.cpu.set32(r, v);
    else this.cpu.set16(r, v);
  }

  /** Execute one instruction; false when stopped (HLT or an unsupported opcode). */
  private stepOne(): boolean {
    const c = this.cpu;
    if (c.halted) return false;
    const bits = this.opSize;
    const ipMask = bits === 32 ? 0xffffffff : 0xffff;
    const base = c.segBase32(Seg.CS);
    const ip = c.eip;
    const fetch = (k: number): number => this.mem[(base + ((ip + k) & ipMask)) % this.mem.length];
    const op = fetch(0);
    let len = 1;
    const sign = bits === 32 ? 0x80000000 : 0x8000;
    if (op === 0x90) {
      // NOP
    } else if (op >= 0x40 && op <= 0x4f) {
      const r = op & 7;
      const a = this.getReg(r, bits);
      const dec = op >= 0x48;
      const res = dec ? a - 1 : a + 1;
      const cf = c.rflags & Rflags.CF;
      const of = dec ? a === sign : a === sign - 1;
      this.setFlags(res, a, 1, bits, false, of);
      c.rflags = (c.rflags & ~Rflags.CF) | cf; // INC/DEC leave CF alone
      this.setReg(r, bits, res);
    } else if (op >= 0xb8 && op <= 0xbf) {
      let v = fetch(1) | (fetch(2) << 8);
      len = 3;
      if (bits === 32) { v = (v | (fetch(3) << 16) | (fetch(4) << 24)) >>> 0; len = 5; }
      this.setReg(op & 7, bits, v);
    } else if (op === 0x89) {
      const modrm = fetch(1);
      if (modrm >>> 6 !== 3) return false;
      len = 2;
      this.setReg(modrm & 7, bits, this.getReg((modrm >>> 3) & 7, bits));
    } else if (op === 0x01 || op === 0x29 || op === 0x31) {
      const modrm = fetch(1);
      if (modrm >>> 6 !== 3) return false;
      len = 2;
      const dst = modrm & 7;
      const a = this.getReg(dst, bits);
      const b = this.getReg((modrm >>> 3) & 7, bits);
      const mask = bits === 32 ? 0xffffffff : 0xffff;
      let res: number;
      if (op === 0x01) {
        res = a + b;
        this.setFlags(res, a, b, bits, res > mask, ((~(a ^ b) & (a ^ res)) & sign) !== 0);
      } else if (op === 0x29) {
        res = a - b;
        this.setFlags(res, a, b, bits, b > a, (((a ^ b) & (a ^ res)) & sign) !== 0);
      } else {
        res = (a ^ b) >>> 0;
        this.setFlags(res, 0, 0, bits, false, false);
        c.rflags &= ~Rflags.AF; // AF is undefined after XOR; this engine clears it
      }
      this.setReg(dst, bits, res);
    } else if (op === 0xeb || op === 0x74 || op === 0x75) {
      len = 2;
      const zf = (c.rflags & Rflags.ZF) !== 0;
      const taken = op === 0xeb || (op === 0x74 ? zf : !zf);
      if (taken) {
        c.eip = (ip + 2 + ((fetch(1) << 24) >> 24)) & ipMask;
        return true;
      }
    } else if (op === 0xf4) {
      c.halted = true;
    } else {
      return false;
    }
    c.eip = (ip + len) & ipMask;
    return true;
  }

  step(n: number): Promise<number> {
    let k = 0;
    while (k < n && this.stepOne()) k++;
    return Promise.resolve(k);
  }

  state(): Promise<CpuSnapshot> {
    return Promise.resolve(this.cpu.snapshot());
  }

  setState(s: CpuSnapshot): Promise<void> {
    this.cpu.restore(s);
    return Promise.resolve();
  }

  readLinear(addr: number, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.mem[(addr + i) % this.mem.length];
    return Promise.resolve(out);
  }

  checkpoint(): Promise<unknown> {
    return Promise.resolve({ cpu: this.cpu.snapshot(), mem: this.mem.slice() });
  }

  rollback(token: unknown): Promise<void> {
    const t = token as { cpu: CpuSnapshot; mem: Uint8Array };
    this.cpu.restore(t.cpu);
    this.mem = t.mem.slice();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
