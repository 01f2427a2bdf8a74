/**
 * Instruction handlers, one per opcode of the one-byte and 0F maps (index 0x000–0x0FF and
 * 0x100–0x1FF), in a dense table prefilled with the "unimplemented → #UD" handler. Handlers
 * read operands through the {@link Cpu} helpers and compute with the shared semantics in
 * `alu.ts`. References are to the Intel SDM Vol. 2 instruction pages.
 */
import { Exc, Rflags, Seg, Cr4 } from '@x86kit/core';
import type { Cpu } from './cpu.js';
import { alu, inc, dec, neg, shift, shiftDouble, daa, das, aaa, aas, aam, aad, mulFlags, setCf, logicFlags, sext, widthMask } from './alu.js';
import { InsnClass } from './constants.js';
import {
  loadSegment, farJump, farCall, farReturn, iret, softwareInterrupt, EventType, sysInsn0F00, sysInsn0F01,
  lar, lsl, movToCr, movFromCr, movToDr, movFromDr, ioAllowed, sysenter, sysexit, syscallLegacy, sysretLegacy, clts,
} from './system.js';
import { cpuid } from './profiles.js';
import { x87, fwait } from './fpu.js';
import { registerMmx } from './mmx.js';
import { registerFxsave } from './fxsave.js';
import { Code } from '@x86kit/decoder';
import type { DecodedInsn, InsnHandler } from './decode-cache.js';
import { REG_FORM, MEM_FORM, assignFast } from './handlers.js';

/** Handler signature: one per table. */
export type Handler = (c: Cpu) => void;

function unimplemented(c: Cpu): void { c.unimplemented(); }

/** Dense dispatch table: opcode (0x000–0x1FF) → handler. */
export const OPS: Handler[] = new Array<Handler>(512).fill(unimplemented);
/** 1 where a LOCK prefix may be valid (memory destination still required). */
export const LOCKABLE = new Uint8Array(512);

// ---------------------------------------------------------------------------------------
// ALU 00–3F
// ---------------------------------------------------------------------------------------

function aluEbGb(c: Cpu): void {
  c.modrm();
  if (c.fault) return;
  const op = (c.opcode >>> 3) & 7;
  const b = c.getReg(1, c.reg);
  if (c.mod === 3) { const r = alu(c, op, c.getReg(1, c.rm), b, 1); if (op !== 7) c.setReg(1, c.rm, r); return; }
  // read-modify-write operands are checked for writing first: a fault reports W = 1, like hardware
  if (op !== 7 && !c.checkWrite(c.eaSeg, c.eaOff, 1)) return;
  const a = c.rd8(c.eaSeg, c.eaOff);
  if (c.fault) return;
  if (op === 7) { alu(c, op, a, b, 1); return; }
  c.wr8(c.eaSeg, c.eaOff, alu(c, op, a, b, 1));
}
function aluEvGv(c: Cpu): void {
  c.modrm();
  if (c.fault) return;
  const op = (c.opcode >>> 3) & 7, s = c.os;
  const b = c.getReg(s, c.reg);
  if (c.mod === 3) { const r = alu(c, op, c.getReg(s, c.rm), b, s); if (op !== 7) c.setReg(s, c.rm, r); return; }
  if (op !== 7 && !c.checkWrite(c.eaSeg, c.eaOff, s)) return;
  const a = c.rd(s, c.eaSeg, c.eaOff);
  if (c.fault) return;
  if (op === 7) { alu(c, op, a, b, s); return; }
  c.wr(s, c.eaSeg, c.eaOff, alu(c, op, a, b, s));
}
function aluGbEb(c: Cpu): void {
  c.modrm();
  if (c.fault) return;
  const op = (c.opcode >>> 3) & 7;
  const b = c.readRm(1);
  if (c.fault) return;
  const r = alu(c, op, c.getReg(1, c.reg), b, 1);
  if (op !== 7) c.setReg(1, c.reg, r);
}
function aluGvEv(c: Cpu): void {
  c.modrm();
  if (c.fault) return;
  const op = (c.opcode >>> 3) & 7, s = c.os;
  const b = c.readRm(s);
  if (c.fault) return;
  const r = alu(c, op, c.getReg(s, c.reg), b, s);
  if (op !== 7) c.setReg(s, c.reg, r);
}
function aluAlIb(c: Cpu): void {
  const b = c.imm;
  const op = (c.opcode >>> 3) & 7;
  const r = alu(c, op, c.r[0] & 0xff, b, 1);
  if (op !== 7) c.setReg(1, 0, r);
}
function aluAxIv(c: Cpu): void {
  const s = c.os;
  const b = c.imm;
  const op = (c.opcode >>> 3) & 7;
  const r = alu(c, op, c.getReg(s, 0), b, s);
  if (op !== 7) c.setReg(s, 0, r);
}
for (let op = 0; op < 8; op++) {
  const b = op << 3;
  OPS[b] = aluEbGb; OPS[b + 1] = aluEvGv; OPS[b + 2] = aluGbEb; OPS[b + 3] = aluGvEv; OPS[b + 4] = aluAlIb; OPS[b + 5] = aluAxIv;
  if (op !== 7) { LOCKABLE[b] = 1; LOCKABLE[b + 1] = 1; }
}

function pushSeg(c: Cpu, s: number): void {
  // a 32-bit push of a segment register writes 16 bits on most CPUs since the Pentium Pro;
  // we store the zero-extended selector (Intel SDM Vol. 2B PUSH: "the upper bits ... may be zero").
  c.push(c.os, c.state.segSel[s]);
}
function popSeg(c: Cpu, s: number): void {
  const sp = c.getSp();
  const v = c.os === 2 ? c.rd16(Seg.SS, sp) : c.rd32(Seg.SS, sp);
  if (c.fault) return;
  // the stack pointer moves with the width of the stack the value was popped from (POP SS)
  const was32 = c.stack32, newSp = c.spPlus(sp, c.os);
  if (!loadSegment(c, s, v & 0xffff)) return;
  if (was32) c.r[8] = newSp | 0; else c.r[8] = (c.r[8] & ~0xffff) | (newSp & 0xffff);
  if (s === Seg.SS) c.shadow = true;
}
OPS[0x06] = (c) => pushSeg(c, Seg.ES);
OPS[0x07] = (c) => popSeg(c, Seg.ES);
OPS[0x0e] = (c) => pushSeg(c, Seg.CS);
OPS[0x16] = (c) => pushSeg(c, Seg.SS);
OPS[0x17] = (c) => popSeg(c, Seg.SS);
OPS[0x1e] = (c) => pushSeg(c, Seg.DS);
OPS[0x1f] = (c) => popSeg(c, Seg.DS);
OPS[0x1a0] = (c) => pushSeg(c, Seg.FS);
OPS[0x1a1] = (c) => popSeg(c, Seg.FS);
OPS[0x1a8] = (c) => pushSeg(c, Seg.GS);
OPS[0x1a9] = (c) => popSeg(c, Seg.GS);

OPS[0x27] = (c) => { c.setReg(1, 0, daa(c, c.r[0] & 0xff)); };
OPS[0x2f] = (c) => { c.setReg(1, 0, das(c, c.r[0] & 0xff)); };
OPS[0x37] = (c) => { c.setReg(2, 0, aaa(c, c.r[0] & 0xffff)); };
OPS[0x3f] = (c) => { c.setReg(2, 0, aas(c, c.r[0] & 0xffff)); };

// ---------------------------------------------------------------------------------------
// 40–6F
// ---------------------------------------------------------------------------------------

for (let r = 0; r < 8; r++) {
  OPS[0x40 + r] = (c) => { c.setReg(c.os, r, inc(c, c.getReg(c.os, r), c.os)); };
  OPS[0x48 + r] = (c) => { c.setReg(c.os, r, dec(c, c.getReg(c.os, r), c.os)); };
  // PUSH SP pushes the value before the push (80286 and later)
  OPS[0x50 + r] = (c) => { c.push(c.os, c.getReg(c.os, r)); };
  OPS[0x58 + r] = (c) => {
    const v = c.pop(c.os);
    if (!c.fault) c.setReg(c.os, r, v);
  };
}

OPS[0x60] = (c) => { // PUSHA/PUSHAD: stores go out in order until one faults; ESP changes only at the end
  const s = c.os, sp0 = c.getSp();
  for (let r = 0; r < 8; r++) {
    const v = r === 4 ? (s === 2 ? sp0 & 0xffff : c.r[8]) : c.getReg(s, r);
    c.wr(s, Seg.SS, c.spPlus(sp0, -(r + 1) * s), v);
    if (c.fault) return;
  }
  c.setSp(c.spPlus(sp0, -8 * s));
};
OPS[0x61] = (c) => { // POPA/POPAD: registers are loaded in order (as the silicon does when a later load faults); SP moves at the end
  const s = c.os, sp0 = c.getSp();
  for (let i = 0; i < 8; i++) {
    const v = c.rd(s, Seg.SS, c.spPlus(sp0, i * s));
    if (c.fault) return;
    const r = 7 - i;
    if (r !== 4) c.setReg(s, r, v);
  }
  c.setSp(c.spPlus(sp0, 8 * s));
};

OPS[0x62] = (c) => { // BOUND
  c.modrm();
  if (c.fault) return;
  if (c.mod === 3) { c.ud(); return; }
  const s = c.os;
  const lo = sext(c.rd(s, c.eaSeg, c.eaOff), s);
  const hi = sext(c.rd(s, c.eaSeg, c.eaPlus(s)), s);
  if (c.fault) return;
  const v = sext(c.getReg(s, c.reg), s);
  if (v < lo || v > hi) c.raise(Exc.BR, -1);
};
OPS[0x63] = (c) => { // ARPL (protected mode only)
  if (!c.pe || c.vm) { c.ud(); return; }
  c.modrm();
  if (c.fault) return;
  const dst = c.readRm(2);
  if (c.fault) return;
  const src = c.getReg(2, c.reg);
  if ((dst & 3) < (src & 3)) {
    if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, 2)) return;
    c.writeRm(2, (dst & ~3) | (src & 3));
    c.setFlagBits(Rflags.ZF, Rflags.ZF);
  } else {
    c.setFlagBits(Rflags.ZF, 0);
  }
};
OPS[0x68] = (c) => { c.push(c.os, c.imm); };
OPS[0x6a] = (c) => { c.push(c.os, c.imm); }; // imm8 sign-extended to the operand size by the decoder
function imulTri(c: Cpu): void {
  c.modrm();
  if (c.fault) return;
  const s = c.os;
  const a = sext(c.readRm(s), s);
  if (c.fault) return;
  const b = sext(c.imm, s); // imm8 forms arrive sign-extended to the operand size
  imulStore(c, a, b, s, c.reg);
}
function imulStore(c: Cpu, a: number, b: number, s: number, dst: number): void {
  let low: number, ovf: boolean;
  if (s === 4) {
    // a*b is exact below 2^53; above that it cannot equal an int32 anyway
    low = Math.imul(a, b);
    ovf = a * b !== low;
  } else {
    const full = a * b;
    low = full & 0xffff;
    ovf = full !== sext(low, 2);
  }
  c.setReg(s, dst, low);
  mulFlags(c, low, s, ovf);
}
OPS[0x69] = imulTri;
OPS[0x6b] = imulTri;

// ---------------------------------------------------------------------------------------
// Jcc, group 1, TEST, XCHG, MOV, LEA, POP Ev
// ---------------------------------------------------------------------------------------

for (let cc = 0; cc < 16; cc++) {
  OPS[0x70 + cc] = (c) => {
    if (c.cond(cc)) c.jumpNear(c.eip + c.imm);
  };
  OPS[0x180 + cc] = (c) => {
    if (c.cond(cc)) c.jumpNear(c.eip + c.imm);
  };
  OPS[0x190 + cc] = (c) => { // SETcc
    c.modrm();
    if (c.fault) return;
    c.writeRm(1, c.cond(cc) ? 1 : 0);
  };
  OPS[0x140 + cc] = (c) => { // CMOVcc: the source is read even when the condition is false
    c.modrm();
    if (c.fault) return;
    const v = c.readRm(c.os);
    if (c.fault) return;
    if (c.cond(cc)) c.setReg(c.os, c.reg, v);
  };
}

function group1(c: Cpu, size: number): void {
  c.modrm();
  if (c.fault) return;
  const imm = c.imm; // imm8 forms (83) arrive sign-extended and masked to the operand size
  const op = c.reg;
  if (c.mod === 3) { const r = alu(c, op, c.getReg(size, c.rm), imm >>> 0, size); if (op !== 7) c.setReg(size, c.rm, r); return; }
  if (op !== 7 && !c.checkWrite(c.eaSeg, c.eaOff, size)) return;
  const a = c.rd(size, c.eaSeg, c.eaOff);
  if (c.fault) return;
  if (op === 7) { alu(c, op, a, imm >>> 0, size); return; }
  c.wr(size, c.eaSeg, c.eaOff, alu(c, op, a, imm >>> 0, size));
}
OPS[0x80] = (c) => group1(c, 1);
OPS[0x81] = (c) => group1(c, c.os);
OPS[0x82] = (c) => group1(c, 1);
OPS[0x83] = (c) => group1(c, c.os);
LOCKABLE[0x80] = LOCKABLE[0x81] = LOCKABLE[0x82] = LOCKABLE[0x83] = 1;

OPS[0x84] = (c) => { c.modrm(); if (c.fault) return; const a = c.readRm(1); if (!c.fault) alu(c, 4, a, c.getReg(1, c.reg), 1); };
OPS[0x85] = (c) => { c.modrm(); if (c.fault) return; const a = c.readRm(c.os); if (!c.fault) alu(c, 4, a, c.getReg(c.os, c.reg), c.os); };
function xchgRm(c: Cpu, s: number): void {
  c.modrm();
  if (c.fault) return;
  if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, s)) return;
  const a = c.readRm(s);
  if (c.fault) return;
  c.writeRm(s, c.getReg(s, c.reg));
  c.setReg(s, c.reg, a);
}
OPS[0x86] = (c) => xchgRm(c, 1);
OPS[0x87] = (c) => xchgRm(c, c.os);
LOCKABLE[0x86] = LOCKABLE[0x87] = 1;
OPS[0x88] = (c) => { c.modrm(); if (!c.fault) c.writeRm(1, c.getReg(1, c.reg)); };
OPS[0x89] = (c) => { c.modrm(); if (!c.fault) c.writeRm(c.os, c.getReg(c.os, c.reg)); };
OPS[0x8a] = (c) => { c.modrm(); if (c.fault) return; const v = c.readRm(1); if (!c.fault) c.setReg(1, c.reg, v); };
OPS[0x8b] = (c) => { c.modrm(); if (c.fault) return; const v = c.readRm(c.os); if (!c.fault) c.setReg(c.os, c.reg, v); };
OPS[0x8c] = (c) => { // MOV r/m, Sreg
  c.modrm();
  if (c.fault) return;
  if (c.reg > 5) { c.ud(); return; }
  const v = c.state.segSel[c.reg];
  if (c.mod === 3) c.setReg(c.os, c.rm, v); // zero-extended into a 32-bit register
  else c.wr16(c.eaSeg, c.eaOff, v);
};
OPS[0x8d] = (c) => { // LEA
  c.modrm();
  if (c.fault) return;
  if (c.mod === 3) { c.ud(); return; }
  c.setReg(c.os, c.reg, c.eaOff);
};
OPS[0x8e] = (c) => { // MOV Sreg, r/m
  c.modrm();
  if (c.fault) return;
  if (c.reg === Seg.CS || c.reg > 5) { c.ud(); return; }
  const v = c.readRm(2);
  if (c.fault) return;
  c.counters.byClass[InsnClass.SegLoad]++;
  if (!loadSegment(c, c.reg, v)) return;
  if (c.reg === Seg.SS) c.shadow = true;
};
OPS[0x8f] = (c) => { // POP r/m (ESP is incremented before the address is computed: SDM POP)
  if (c.reg !== 0) { c.ud(); return; }
  const s = c.os, sp = c.getSp();
  const v = c.rd(s, Seg.SS, sp);
  if (c.fault) return;
  c.setSp(c.spPlus(sp, s));
  c.modrm();
  if (!c.fault) c.writeRm(s, v);
  if (c.fault) c.setSp(sp);
};

// ---------------------------------------------------------------------------------------
// 90–9F
// ---------------------------------------------------------------------------------------

OPS[0x90] = (c) => {
  if (c.rep === 0xf3) return; // PAUSE
};
for (let r = 1; r < 8; r++) {
  OPS[0x90 + r] = (c) => { const s = c.os; const t = c.getReg(s, 0); c.setReg(s, 0, c.getReg(s, r)); c.setReg(s, r, t); };
}
OPS[0x98] = (c) => { // CBW / CWDE
  if (c.os === 2) c.setReg(2, 0, sext(c.r[0] & 0xff, 1)); else c.r[0] = sext(c.r[0] & 0xffff, 2);
};
OPS[0x99] = (c) => { // CWD / CDQ
  if (c.os === 2) c.setReg(2, 2, (c.r[0] & 0x8000) !== 0 ? 0xffff : 0); else c.r[4] = c.r[0] >> 31;
};
OPS[0x9a] = (c) => { // CALL ptr16:16/32
  const off = c.imm, sel = c.imm2;
  c.counters.byClass[InsnClass.FarTransfer]++;
  farCall(c, sel, off, c.os);
};
OPS[0x9b] = (c) => fwait(c); // WAIT/FWAIT
OPS[0x9c] = (c) => { // PUSHF
  c.counters.byClass[InsnClass.PushfPopf]++;
  if (c.interceptInsn(InsnClass.PushfPopf)) return;
  const f = c.getFlags();
  if (c.vm && ((f >>> 12) & 3) !== 3) { c.gp(0); return; }
  c.push(c.os, c.os === 2 ? f & 0xffff : f & 0x00fcffff);
};
OPS[0x9d] = (c) => { // POPF
  c.counters.byClass[InsnClass.PushfPopf]++;
  if (c.interceptInsn(InsnClass.PushfPopf)) return;
  const old = c.getFlags();
  const iopl = (old >>> 12) & 3;
  if (c.vm && iopl !== 3) { c.gp(0); return; }
  const v = c.pop(c.os);
  if (c.fault) return;
  let mask = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.TF | Rflags.DF | Rflags.OF | Rflags.NT;
  if (c.os === 4) mask |= Rflags.AC | Rflags.ID;
  if (!c.pe || c.cpl === 0) mask |= Rflags.IOPL;
  if (!c.pe || c.cpl <= iopl) mask |= Rflags.IF;
  c.setFlags((old & ~mask) | (v & mask));
  if (c.os === 4) c.setFlags(c.flags & ~(Rflags.RF | Rflags.VIP | Rflags.VIF) | (old & (Rflags.VIP | Rflags.VIF)));
};
OPS[0x9e] = (c) => { // SAHF
  c.setFlagBits(Rflags.SF | Rflags.ZF | Rflags.AF | Rflags.PF | Rflags.CF, (c.r[0] >>> 8) & 0xff);
};
OPS[0x9f] = (c) => { // LAHF
  c.setReg(1, 4, (c.getFlags() & 0xd5) | 2);
};

// ---------------------------------------------------------------------------------------
// A0–AF: moffs, string instructions
// ---------------------------------------------------------------------------------------

function moffs(c: Cpu): number { return c.imm; }
function dseg(c: Cpu): number { return c.segOvr >= 0 ? c.segOvr : Seg.DS; }
OPS[0xa0] = (c) => { const o = moffs(c); if (c.fault) return; const v = c.rd8(dseg(c), o); if (!c.fault) c.setReg(1, 0, v); };
OPS[0xa1] = (c) => { const o = moffs(c); if (c.fault) return; const v = c.rd(c.os, dseg(c), o); if (!c.fault) c.setReg(c.os, 0, v); };
OPS[0xa2] = (c) => { const o = moffs(c); if (!c.fault) c.wr8(dseg(c), o, c.r[0]); };
OPS[0xa3] = (c) => { const o = moffs(c); if (!c.fault) c.wr(c.os, dseg(c), o, c.getReg(c.os, 0)); };
OPS[0xa8] = (c) => { alu(c, 4, c.r[0] & 0xff, c.imm, 1); };
OPS[0xa9] = (c) => { alu(c, 4, c.getReg(c.os, 0), c.imm, c.os); };

/** SI/DI/CX by address size. */
function idx(c: Cpu, r: number): number { return c.as === 2 ? c.r[2 * r] & 0xffff : c.r[2 * r] >>> 0; }
function setIdx(c: Cpu, r: number, v: number): void {
  if (c.as === 2) c.r[2 * r] = (c.r[2 * r] & ~0xffff) | (v & 0xffff); else c.r[2 * r] = v | 0;
}
function step(c: Cpu, size: number): number { return (c.flags & Rflags.DF) !== 0 ? -size : size; }
/**
 * REP handling: returns false when a REP prefix is present and the count is already zero.
 * One iteration runs per step; EIP stays on the instruction until the count is exhausted,
 * so REP strings are resumable across interrupts and faults (Intel SDM Vol. 2B REP).
 */
function repStart(c: Cpu): boolean {
  return c.rep === 0 || idx(c, 1) !== 0;
}
function repEnd(c: Cpu, zfCond: boolean): void {
  if (c.rep === 0) return;
  const n = (idx(c, 1) - 1) >>> 0;
  setIdx(c, 1, n);
  if ((c.as === 2 ? n & 0xffff : n) === 0) return;
  if (zfCond) {
    const zf = c.zf();
    if (c.rep === 0xf3 ? zf === 0 : zf !== 0) return;
  }
  c.eip = c.startEip;
  c.repeat = true;
}
function movs(c: Cpu, s: number): void {
  if (!repStart(c)) return;
  const si = idx(c, 6), di = idx(c, 7);
  const v = c.rd(s, dseg(c), si);
  if (c.fault) return;
  c.wr(s, Seg.ES, di, v);
  if (c.fault) return;
  const d = step(c, s);
  setIdx(c, 6, si + d); setIdx(c, 7, di + d);
  repEnd(c, false);
}
function cmps(c: Cpu, s: number): void {
  if (!repStart(c)) return;
  const si = idx(c, 6), di = idx(c, 7);
  // the ES:rDI operand is read first (what the captured silicon reports when both would fault)
  const b = c.rd(s, Seg.ES, di);
  if (c.fault) return;
  const a = c.rd(s, dseg(c), si);
  if (c.fault) return;
  alu(c, 7, a, b, s);
  const d = step(c, s);
  setIdx(c, 6, si + d); setIdx(c, 7, di + d);
  repEnd(c, true);
}
function stos(c: Cpu, s: number): void {
  if (!repStart(c)) return;
  const di = idx(c, 7);
  c.wr(s, Seg.ES, di, c.getReg(s, 0));
  if (c.fault) return;
  setIdx(c, 7, di + step(c, s));
  repEnd(c, false);
}
function lods(c: Cpu, s: number): void {
  if (!repStart(c)) return;
  const si = idx(c, 6);
  const v = c.rd(s, dseg(c), si);
  if (c.fault) return;
  c.setReg(s, 0, v);
  setIdx(c, 6, si + step(c, s));
  repEnd(c, false);
}
function scas(c: Cpu, s: number): void {
  if (!repStart(c)) return;
  const di = idx(c, 7);
  const b = c.rd(s, Seg.ES, di);
  if (c.fault) return;
  alu(c, 7, c.getReg(s, 0), b, s);
  setIdx(c, 7, di + step(c, s));
  repEnd(c, true);
}
OPS[0xa4] = (c) => movs(c, 1);
OPS[0xa5] = (c) => movs(c, c.os);
OPS[0xa6] = (c) => cmps(c, 1);
OPS[0xa7] = (c) => cmps(c, c.os);
OPS[0xaa] = (c) => stos(c, 1);
OPS[0xab] = (c) => stos(c, c.os);
OPS[0xac] = (c) => lods(c, 1);
OPS[0xad] = (c) => lods(c, c.os);
OPS[0xae] = (c) => scas(c, 1);
OPS[0xaf] = (c) => scas(c, c.os);

// ---------------------------------------------------------------------------------------
// B0–CF
// ---------------------------------------------------------------------------------------

for (let r = 0; r < 8; r++) {
  OPS[0xb0 + r] = (c) => { c.setReg(1, r, c.imm); };
  OPS[0xb8 + r] = (c) => { c.setReg(c.os, r, c.imm); };
  OPS[0x1c8 + r] = (c) => { // BSWAP
    const v = c.r[2 * r];
    if (c.os === 2) { c.setReg(2, r, 0); return; } // undefined; hardware clears the low word
    c.r[2 * r] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff);
  };
}

function group2(c: Cpu, size: number, countKind: number): void {
  c.modrm();
  if (c.fault) return;
  let count: number;
  if (countKind === 0) count = 1;
  else if (countKind === 1) count = c.r[2] & 0xff;
  else count = c.imm;
  if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, size)) return;
  const v = c.readRm(size);
  if (c.fault) return;
  const r = shift(c, c.reg, v, count, size);
  c.writeRm(size, r);
}
OPS[0xc0] = (c) => group2(c, 1, 2);
OPS[0xc1] = (c) => group2(c, c.os, 2);
OPS[0xd0] = (c) => group2(c, 1, 0);
OPS[0xd1] = (c) => group2(c, c.os, 0);
OPS[0xd2] = (c) => group2(c, 1, 1);
OPS[0xd3] = (c) => group2(c, c.os, 1);

function retNear(c: Cpu, imm: number): void {
  const sp = c.getSp();
  const t = c.rd(c.os, Seg.SS, sp);
  if (c.fault) return;
  const target = c.os === 2 ? t & 0xffff : t >>> 0;
  if (target > c.state.segLimit[Seg.CS] && c.pe) { c.gp(0); return; }
  c.eip = target;
  c.setSp(c.spPlus(sp, c.os + imm));
}
OPS[0xc2] = (c) => { retNear(c, c.imm); };
OPS[0xc3] = (c) => retNear(c, 0);
function loadFarPtr(c: Cpu, s: number): void { // LES/LDS/LSS/LFS/LGS
  c.modrm();
  if (c.fault) return;
  if (c.mod === 3) { c.ud(); return; }
  const off = c.rd(c.os, c.eaSeg, c.eaOff);
  const sel = c.rd16(c.eaSeg, c.eaPlus(c.os));
  if (c.fault) return;
  if (!loadSegment(c, s, sel)) return;
  c.setReg(c.os, c.reg, off);
}
OPS[0xc4] = (c) => loadFarPtr(c, Seg.ES);
OPS[0xc5] = (c) => loadFarPtr(c, Seg.DS);
OPS[0x1b2] = (c) => loadFarPtr(c, Seg.SS);
OPS[0x1b4] = (c) => loadFarPtr(c, Seg.FS);
OPS[0x1b5] = (c) => loadFarPtr(c, Seg.GS);
OPS[0xc6] = (c) => {
  c.modrm();
  if (c.fault) return;
  if (c.reg !== 0) { c.ud(); return; }
  c.writeRm(1, c.imm);
};
OPS[0xc7] = (c) => {
  c.modrm();
  if (c.fault) return;
  if (c.reg !== 0) { c.ud(); return; }
  c.writeRm(c.os, c.imm);
};
OPS[0xc8] = (c) => { // ENTER (Intel SDM Vol. 2A)
  const size = c.imm;
  const level = c.imm2 & 0x1f;
  const s = c.os;
  let sp = c.getSp();
  const bp = c.stack32 ? c.r[10] >>> 0 : c.r[10] & 0xffff;
  sp = c.spPlus(sp, -s);
  c.wr(s, Seg.SS, sp, c.getReg(s, 5));
  if (c.fault) return;
  const frame = sp;
  let bpi = bp;
  if (level > 0) {
    for (let i = 1; i < level; i++) {
      bpi = c.spPlus(bpi, -s);
      const v = c.rd(s, Seg.SS, bpi);
      if (c.fault) return;
      sp = c.spPlus(sp, -s);
      c.wr(s, Seg.SS, sp, v);
      if (c.fault) return;
    }
    sp = c.spPlus(sp, -s);
    c.wr(s, Seg.SS, sp, frame);
    if (c.fault) return;
  }
  const newSp = c.spPlus(sp, -size);
  // the new stack top is probed for writing (#SS past the limit, #PF if not present/writable)
  if (size !== 0 && !c.checkWrite(Seg.SS, newSp, 1)) return;
  // eBP ← FrameTemp by operand size (what the captured silicon does for o32 on a 16-bit stack)
  c.setReg(s, 5, frame);
  c.setSp(newSp);
};
OPS[0xc9] = (c) => { // LEAVE
  const bp = c.stack32 ? c.r[10] >>> 0 : c.r[10] & 0xffff;
  const v = c.rd(c.os, Seg.SS, bp);
  if (c.fault) return;
  c.setSp(c.spPlus(bp, c.os));
  c.setReg(c.os, 5, v);
};
OPS[0xca] = (c) => { c.counters.byClass[InsnClass.FarTransfer]++; farReturn(c, c.os, c.imm); };
OPS[0xcb] = (c) => { c.counters.byClass[InsnClass.FarTransfer]++; farReturn(c, c.os, 0); };
OPS[0xcc] = (c) => { softwareInterrupt(c, 3, EventType.Int3); };
OPS[0xcd] = (c) => {
  const v = c.imm;
  c.counters.byClass[InsnClass.IntN]++;
  if (c.interceptInsn(InsnClass.IntN)) return;
  softwareInterrupt(c, v, EventType.Software);
};
OPS[0xce] = (c) => { if (c.of() !== 0) softwareInterrupt(c, 4, EventType.Int3); };
OPS[0xcf] = (c) => {
  c.counters.byClass[InsnClass.Iret]++;
  if (c.interceptInsn(InsnClass.Iret)) return;
  iret(c, c.os);
};

// ---------------------------------------------------------------------------------------
// D4–DF
// ---------------------------------------------------------------------------------------

OPS[0xd4] = (c) => {
  const b = c.imm;
  if (b === 0) { c.raise(Exc.DE, -1); return; }
  c.setReg(2, 0, aam(c, c.r[0] & 0xff, b));
};
OPS[0xd5] = (c) => {
  c.setReg(2, 0, aad(c, c.r[0] & 0xffff, c.imm));
};
OPS[0xd6] = (c) => { c.setReg(1, 0, c.cf() !== 0 ? 0xff : 0); }; // SALC (undocumented)
OPS[0xd7] = (c) => { // XLAT
  const off = (c.as === 2 ? (c.r[6] + (c.r[0] & 0xff)) & 0xffff : (c.r[6] + (c.r[0] & 0xff)) >>> 0);
  const v = c.rd8(dseg(c), off);
  if (!c.fault) c.setReg(1, 0, v);
};
function fpuEscape(c: Cpu): void {
  c.modrm();
  if (c.fault) return;
  x87(c, c.opcode);
}
for (let op = 0xd8; op <= 0xdf; op++) OPS[op] = fpuEscape;

// ---------------------------------------------------------------------------------------
// E0–FF
// ---------------------------------------------------------------------------------------

function loopCommon(c: Cpu, kind: number): void {
  const d = c.imm;
  if (kind === 3) { // JCXZ/JECXZ
    if (idx(c, 1) === 0) c.jumpNear(c.eip + d);
    return;
  }
  const n = (idx(c, 1) - 1) >>> 0;
  setIdx(c, 1, n);
  const nz = (c.as === 2 ? n & 0xffff : n) !== 0;
  let take = nz;
  if (kind === 0) take = nz && c.zf() === 0;
  else if (kind === 1) take = nz && c.zf() !== 0;
  if (take) c.jumpNear(c.eip + d);
}
OPS[0xe0] = (c) => loopCommon(c, 0);
OPS[0xe1] = (c) => loopCommon(c, 1);
OPS[0xe2] = (c) => loopCommon(c, 2);
OPS[0xe3] = (c) => loopCommon(c, 3);

function portIn(c: Cpu, port: number, size: number): void {
  c.counters.byClass[InsnClass.Io]++;
  if (!ioAllowed(c, port, size)) return;
  if (c.interceptClasses !== 0 && c.interceptInsn(InsnClass.Io)) return;
  if (c.interceptPorts !== null && c.interceptPort(port, size, false)) return;
  c.counters.ioReads++;
  c.setReg(size, 0, c.io.read(port, size as 1 | 2 | 4));
}
function portOut(c: Cpu, port: number, size: number): void {
  c.counters.byClass[InsnClass.Io]++;
  if (!ioAllowed(c, port, size)) return;
  if (c.interceptClasses !== 0 && c.interceptInsn(InsnClass.Io)) return;
  if (c.interceptPorts !== null && c.interceptPort(port, size, true)) return;
  c.counters.ioWrites++;
  c.io.write(port, size as 1 | 2 | 4, c.getReg(size, 0));
  c.checkA20();
}
OPS[0xe4] = (c) => { portIn(c, c.imm, 1); };
OPS[0xe5] = (c) => { portIn(c, c.imm, c.os); };
OPS[0xe6] = (c) => { portOut(c, c.imm, 1); };
OPS[0xe7] = (c) => { portOut(c, c.imm, c.os); };
OPS[0xec] = (c) => portIn(c, c.r[4] & 0xffff, 1);
OPS[0xed] = (c) => portIn(c, c.r[4] & 0xffff, c.os);
OPS[0xee] = (c) => portOut(c, c.r[4] & 0xffff, 1);
OPS[0xef] = (c) => portOut(c, c.r[4] & 0xffff, c.os);

function ins(c: Cpu, s: number): void {
  c.counters.byClass[InsnClass.StringIo]++;
  const port = c.r[4] & 0xffff;
  if (!ioAllowed(c, port, s)) return; // checked even when the REP count is 0
  if (!repStart(c)) return;
  if (c.interceptClasses !== 0 && c.interceptInsn(InsnClass.StringIo)) return;
  if (c.interceptPorts !== null && c.interceptPort(port, s, false)) return;
  const di = idx(c, 7);
  if (!c.checkWrite(Seg.ES, di, s)) return;
  c.counters.ioReads++;
  c.wr(s, Seg.ES, di, c.io.read(port, s as 1 | 2 | 4));
  setIdx(c, 7, di + step(c, s));
  repEnd(c, false);
}
function outs(c: Cpu, s: number): void {
  c.counters.byClass[InsnClass.StringIo]++;
  const port = c.r[4] & 0xffff;
  if (!ioAllowed(c, port, s)) return; // checked even when the REP count is 0
  if (!repStart(c)) return;
  if (c.interceptClasses !== 0 && c.interceptInsn(InsnClass.StringIo)) return;
  if (c.interceptPorts !== null && c.interceptPort(port, s, true)) return;
  const si = idx(c, 6);
  const v = c.rd(s, dseg(c), si);
  if (c.fault) return;
  c.counters.ioWrites++;
  c.io.write(port, s as 1 | 2 | 4, v);
  setIdx(c, 6, si + step(c, s));
  repEnd(c, false);
}
OPS[0x6c] = (c) => ins(c, 1);
OPS[0x6d] = (c) => ins(c, c.os);
OPS[0x6e] = (c) => outs(c, 1);
OPS[0x6f] = (c) => outs(c, c.os);

OPS[0xe8] = (c) => { // CALL rel
  const d = c.imm;
  const ret = c.eip;
  const target = c.os === 2 ? (ret + d) & 0xffff : (ret + d) >>> 0;
  if (target > c.state.segLimit[Seg.CS] && c.pe) { c.gp(0); return; }
  c.push(c.os, ret);
  if (!c.fault) c.eip = target;
};
OPS[0xe9] = (c) => {
  c.jumpNear(c.eip + c.imm);
};
OPS[0xea] = (c) => {
  const off = c.imm, sel = c.imm2;
  c.counters.byClass[InsnClass.FarTransfer]++;
  farJump(c, sel, off, c.os);
};
OPS[0xeb] = (c) => { c.jumpNear(c.eip + c.imm); };
OPS[0xf1] = (c) => { softwareInterrupt(c, 1, EventType.Icebp); }; // INT1 / ICEBP
OPS[0xf4] = (c) => { // HLT
  c.counters.byClass[InsnClass.Hlt]++;
  if (c.pe && c.cpl !== 0) { c.gp(0); return; }
  if (c.interceptInsn(InsnClass.Hlt)) return;
  c.state.halted = true;
};
OPS[0xf5] = (c) => { c.setFlagBits(Rflags.CF, c.cf() ^ 1); };

function group3(c: Cpu, s: number): void {
  c.modrm();
  if (c.fault) return;
  switch (c.reg) {
    case 0: case 1: {
      const imm = c.imm;
      const v = c.readRm(s);
      if (!c.fault) alu(c, 4, v, imm, s);
      return;
    }
    case 2: case 3: {
      if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, s)) return;
      const v = c.readRm(s);
      if (c.fault) return;
      c.writeRm(s, c.reg === 2 ? ~v & widthMask(s) : neg(c, v, s));
      return;
    }
    case 4: case 5: {
      const v = c.readRm(s);
      if (c.fault) return;
      mulAcc(c, s, v, c.reg === 5);
      return;
    }
    default: {
      const v = c.readRm(s);
      if (c.fault) return;
      divAcc(c, s, v, c.reg === 7);
    }
  }
}
function mulAcc(c: Cpu, s: number, v: number, signed: boolean): void {
  if (s === 1) {
    const a = c.r[0] & 0xff;
    const p = signed ? sext(a, 1) * sext(v, 1) : a * v;
    c.setReg(2, 0, p);
    mulFlags(c, p & 0xff, 1, signed ? p !== sext(p & 0xff, 1) : (p & 0xff00) !== 0);
  } else if (s === 2) {
    const a = c.r[0] & 0xffff;
    const p = signed ? sext(a, 2) * sext(v, 2) : a * v;
    c.setReg(2, 0, p);
    c.setReg(2, 2, p >> 16);
    mulFlags(c, p & 0xffff, 2, signed ? p !== sext(p & 0xffff, 2) : (p >>> 16) !== 0);
  } else {
    const a = c.r[0];
    let lo: number, hi: number;
    if (signed) {
      const ba = BigInt(a | 0) * BigInt(v | 0);
      lo = Number(BigInt.asIntN(32, ba));
      hi = Number(BigInt.asIntN(32, ba >> 32n));
      c.r[0] = lo; c.r[4] = hi;
      mulFlags(c, lo, 4, hi !== (lo >> 31));
    } else {
      const ba = BigInt(a >>> 0) * BigInt(v >>> 0);
      lo = Number(ba & 0xffffffffn) | 0;
      hi = Number(ba >> 32n) | 0;
      c.r[0] = lo; c.r[4] = hi;
      mulFlags(c, lo, 4, hi !== 0);
    }
  }
}
function divAcc(c: Cpu, s: number, v: number, signed: boolean): void {
  if (v === 0) { c.raise(Exc.DE, -1); return; }
  if (s === 1) {
    const a = c.r[0] & 0xffff;
    if (signed) {
      const n = sext(a, 2), d = sext(v, 1);
      const q = Math.trunc(n / d), r = n - q * d;
      if (q > 127 || q < -128) { c.raise(Exc.DE, -1); return; }
      c.setReg(2, 0, (q & 0xff) | ((r & 0xff) << 8));
    } else {
      const q = Math.floor(a / v), r = a % v;
      if (q > 0xff) { c.raise(Exc.DE, -1); return; }
      c.setReg(2, 0, q | (r << 8));
    }
  } else if (s === 2) {
    const a = ((c.r[4] & 0xffff) << 16 | (c.r[0] & 0xffff)) >>> 0;
    if (signed) {
      const n = a | 0, d = sext(v, 2);
      const q = Math.trunc(n / d), r = n - q * d;
      if (q > 32767 || q < -32768) { c.raise(Exc.DE, -1); return; }
      c.setReg(2, 0, q); c.setReg(2, 2, r);
    } else {
      const q = Math.floor(a / v), r = a % v;
      if (q > 0xffff) { c.raise(Exc.DE, -1); return; }
      c.setReg(2, 0, q); c.setReg(2, 2, r);
    }
  } else {
    if (signed) {
      const n = (BigInt(c.r[4]) << 32n) | BigInt(c.r[0] >>> 0);
      const d = BigInt(v | 0);
      const q = n / d, r = n % d;
      if (q > 0x7fffffffn || q < -0x80000000n) { c.raise(Exc.DE, -1); return; }
      c.r[0] = Number(q) | 0; c.r[4] = Number(r) | 0;
    } else {
      const n = (BigInt(c.r[4] >>> 0) << 32n) | BigInt(c.r[0] >>> 0);
      const d = BigInt(v >>> 0);
      const q = n / d, r = n % d;
      if (q > 0xffffffffn) { c.raise(Exc.DE, -1); return; }
      c.r[0] = Number(q) | 0; c.r[4] = Number(r) | 0;
    }
  }
  // flags are undefined after DIV/IDIV; leave them unchanged
}
OPS[0xf6] = (c) => group3(c, 1);
OPS[0xf7] = (c) => group3(c, c.os);
LOCKABLE[0xf6] = LOCKABLE[0xf7] = 1;
OPS[0xf8] = (c) => c.setFlagBits(Rflags.CF, 0);
OPS[0xf9] = (c) => c.setFlagBits(Rflags.CF, Rflags.CF);
OPS[0xfa] = (c) => { // CLI
  c.counters.byClass[InsnClass.CliSti]++;
  if (c.pe && c.cpl > ((c.flags >>> 12) & 3)) { c.gp(0); return; }
  if (c.interceptInsn(InsnClass.CliSti)) return;
  c.flags &= ~Rflags.IF;
};
OPS[0xfb] = (c) => { // STI: interrupts stay inhibited for one more instruction
  c.counters.byClass[InsnClass.CliSti]++;
  if (c.pe && c.cpl > ((c.flags >>> 12) & 3)) { c.gp(0); return; }
  if (c.interceptInsn(InsnClass.CliSti)) return;
  if ((c.flags & Rflags.IF) === 0) c.shadow = true;
  c.flags |= Rflags.IF;
};
OPS[0xfc] = (c) => { c.flags &= ~Rflags.DF; };
OPS[0xfd] = (c) => { c.flags |= Rflags.DF; };
OPS[0xfe] = (c) => {
  c.modrm();
  if (c.fault) return;
  if (c.reg > 1) { c.ud(); return; }
  if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, 1)) return;
  const v = c.readRm(1);
  if (c.fault) return;
  c.writeRm(1, c.reg === 0 ? inc(c, v, 1) : dec(c, v, 1));
};
OPS[0xff] = (c) => {
  c.modrm();
  if (c.fault) return;
  const s = c.os;
  switch (c.reg) {
    case 0: case 1: {
      if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, s)) return;
      const v = c.readRm(s);
      if (c.fault) return;
      c.writeRm(s, c.reg === 0 ? inc(c, v, s) : dec(c, v, s));
      return;
    }
    case 2: { // CALL r/m
      const t = c.readRm(s);
      if (c.fault) return;
      if (t > c.state.segLimit[Seg.CS] && c.pe) { c.gp(0); return; }
      c.push(s, c.eip);
      if (!c.fault) c.eip = t;
      return;
    }
    case 4: { // JMP r/m
      const t = c.readRm(s);
      if (!c.fault) c.jumpNear(t);
      return;
    }
    case 3: case 5: { // CALL/JMP m16:16/32
      if (c.mod === 3) { c.ud(); return; }
      const off = c.rd(s, c.eaSeg, c.eaOff);
      const sel = c.rd16(c.eaSeg, c.eaPlus(s));
      if (c.fault) return;
      c.counters.byClass[InsnClass.FarTransfer]++;
      if (c.reg === 3) farCall(c, sel, off, s); else farJump(c, sel, off, s);
      return;
    }
    case 6: {
      const v = c.readRm(s);
      if (!c.fault) c.push(s, v);
      return;
    }
    default: c.ud();
  }
};
LOCKABLE[0xfe] = LOCKABLE[0xff] = 1;

// ---------------------------------------------------------------------------------------
// 0F map
// ---------------------------------------------------------------------------------------

OPS[0x100] = (c) => sysInsn0F00(c);
OPS[0x101] = (c) => sysInsn0F01(c);
OPS[0x102] = (c) => lar(c);
OPS[0x103] = (c) => lsl(c);
OPS[0x105] = (c) => { // SYSCALL (AMD, legacy mode)
  c.counters.byClass[InsnClass.Sysenter]++;
  syscallLegacy(c);
};
OPS[0x106] = (c) => { c.counters.byClass[InsnClass.Clts]++; if (!c.interceptInsn(InsnClass.Clts)) clts(c); };
OPS[0x107] = (c) => { c.counters.byClass[InsnClass.Sysenter]++; sysretLegacy(c); };
OPS[0x108] = OPS[0x109] = (c) => { // INVD / WBINVD: caches are not modelled
  c.counters.byClass[InsnClass.Invd]++;
  if (c.pe && c.cpl !== 0) { c.gp(0); return; }
  c.interceptInsn(InsnClass.Invd);
};
OPS[0x10b] = (c) => c.ud(); // UD2
OPS[0x10d] = (c) => { c.modrm(); if (c.mod === 3 && !c.fault) c.ud(); }; // PREFETCH (hint)
OPS[0x118] = OPS[0x119] = OPS[0x11a] = OPS[0x11b] = OPS[0x11c] = OPS[0x11d] = OPS[0x11e] = OPS[0x11f] = (c) => { c.modrm(); }; // hint NOPs / NOP r/m
OPS[0x120] = (c) => movFromCr(c);
OPS[0x121] = (c) => movFromDr(c);
OPS[0x122] = (c) => movToCr(c);
OPS[0x123] = (c) => movToDr(c);
OPS[0x130] = (c) => { // WRMSR
  c.counters.byClass[InsnClass.Wrmsr]++;
  if (c.pe && c.cpl !== 0 || c.vm) { c.gp(0); return; }
  if (c.interceptInsn(InsnClass.Wrmsr)) return;
  const msr = c.r[2] >>> 0;
  if (c.interceptMsrs !== null && c.interceptMsr(msr, true)) return;
  if (!c.writeMsr(msr, c.r[0], c.r[4])) c.gp(0);
};
OPS[0x131] = (c) => { // RDTSC
  c.counters.byClass[InsnClass.Rdtsc]++;
  if ((c.state.cr4 & Cr4.TSD) !== 0 && c.pe && c.cpl !== 0) { c.gp(0); return; }
  if (c.interceptInsn(InsnClass.Rdtsc)) return;
  const t = c.readTsc();
  c.r[0] = t % 0x100000000 | 0;
  c.r[4] = Math.floor(t / 0x100000000) | 0;
};
OPS[0x132] = (c) => { // RDMSR
  c.counters.byClass[InsnClass.Rdmsr]++;
  if (c.pe && c.cpl !== 0 || c.vm) { c.gp(0); return; }
  if (c.interceptInsn(InsnClass.Rdmsr)) return;
  const msr = c.r[2] >>> 0;
  if (c.interceptMsrs !== null && c.interceptMsr(msr, false)) return;
  const v = c.readMsr(msr);
  if (v === null) { c.gp(0); return; }
  c.r[0] = v[0] | 0; c.r[4] = v[1] | 0;
};
OPS[0x133] = (c) => { // RDPMC: no performance counters are modelled (they read as 0)
  if (c.pe && c.cpl !== 0 && (c.state.cr4 & Cr4.PCE) === 0) { c.gp(0); return; }
  if ((c.r[2] >>> 0) > 1) { c.gp(0); return; }
  c.r[0] = 0; c.r[4] = 0;
};
OPS[0x134] = (c) => { c.counters.byClass[InsnClass.Sysenter]++; if (!c.interceptInsn(InsnClass.Sysenter)) sysenter(c); };
OPS[0x135] = (c) => { c.counters.byClass[InsnClass.Sysenter]++; if (!c.interceptInsn(InsnClass.Sysenter)) sysexit(c); };
OPS[0x1a2] = (c) => { // CPUID
  c.counters.byClass[InsnClass.Cpuid]++;
  if (c.interceptInsn(InsnClass.Cpuid)) return;
  cpuid(c);
};

function bitBase(c: Cpu, immForm: boolean): number {
  // returns the bit offset within the addressed operand, adjusting eaOff for register bit offsets
  const s = c.os;
  if (immForm) return c.imm & (s * 8 - 1);
  const raw = c.getReg(s, c.reg);
  if (c.mod === 3) return raw & (s * 8 - 1);
  const bitOff = sext(raw, s);
  const byteDelta = Math.floor(bitOff / (s * 8)) * s;
  c.eaOff = c.eaPlus(byteDelta);
  return bitOff & (s * 8 - 1);
}
function bitOp(c: Cpu, kind: number, immForm: boolean): void {
  // kind: 0 BT, 1 BTS, 2 BTR, 3 BTC
  const s = c.os;
  const bit = bitBase(c, immForm);
  if (c.fault) return;
  if (kind !== 0 && c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, s)) return;
  const v = c.readRm(s);
  if (c.fault) return;
  setCf(c, (v >>> bit) & 1);
  if (kind === 0) return;
  const m = 1 << bit;
  c.writeRm(s, kind === 1 ? v | m : kind === 2 ? v & ~m : v ^ m);
}
OPS[0x1a3] = (c) => { c.modrm(); if (!c.fault) bitOp(c, 0, false); };
OPS[0x1ab] = (c) => { c.modrm(); if (!c.fault) bitOp(c, 1, false); };
OPS[0x1b3] = (c) => { c.modrm(); if (!c.fault) bitOp(c, 2, false); };
OPS[0x1bb] = (c) => { c.modrm(); if (!c.fault) bitOp(c, 3, false); };
OPS[0x1ba] = (c) => {
  c.modrm();
  if (c.fault) return;
  if (c.reg < 4) { c.ud(); return; }
  bitOp(c, c.reg - 4, true);
};
LOCKABLE[0x1ab] = LOCKABLE[0x1b3] = LOCKABLE[0x1bb] = LOCKABLE[0x1ba] = 1;

function shld(c: Cpu, left: boolean, immCount: boolean): void {
  c.modrm();
  if (c.fault) return;
  const count = immCount ? c.imm : c.r[2] & 0xff;
  const s = c.os;
  if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, s)) return;
  const v = c.readRm(s);
  if (c.fault) return;
  c.writeRm(s, shiftDouble(c, left, v, c.getReg(s, c.reg), count, s));
}
OPS[0x1a4] = (c) => shld(c, true, true);
OPS[0x1a5] = (c) => shld(c, true, false);
OPS[0x1ac] = (c) => shld(c, false, true);
OPS[0x1ad] = (c) => shld(c, false, false);
OPS[0x1af] = (c) => { // IMUL Gv, Ev
  c.modrm();
  if (c.fault) return;
  const s = c.os;
  const b = sext(c.readRm(s), s);
  if (c.fault) return;
  imulStore(c, sext(c.getReg(s, c.reg), s), b, s, c.reg);
};
function cmpxchg(c: Cpu, s: number): void {
  c.modrm();
  if (c.fault) return;
  if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, s)) return;
  const v = c.readRm(s);
  if (c.fault) return;
  const acc = c.getReg(s, 0);
  alu(c, 7, acc, v, s);
  if (acc === v) c.writeRm(s, c.getReg(s, c.reg));
  else { c.writeRm(s, v); c.setReg(s, 0, v); } // the destination is always written (SDM)
}
OPS[0x1b0] = (c) => cmpxchg(c, 1);
OPS[0x1b1] = (c) => cmpxchg(c, c.os);
LOCKABLE[0x1b0] = LOCKABLE[0x1b1] = 1;
OPS[0x1b6] = (c) => { c.modrm(); if (c.fault) return; const v = c.readRm(1); if (!c.fault) c.setReg(c.os, c.reg, v); };
OPS[0x1b7] = (c) => { c.modrm(); if (c.fault) return; const v = c.readRm(2); if (!c.fault) c.setReg(c.os, c.reg, v); };
OPS[0x1be] = (c) => { c.modrm(); if (c.fault) return; const v = c.readRm(1); if (!c.fault) c.setReg(c.os, c.reg, sext(v, 1)); };
OPS[0x1bf] = (c) => { c.modrm(); if (c.fault) return; const v = c.readRm(2); if (!c.fault) c.setReg(c.os, c.reg, sext(v, 2)); };
function bitScan(c: Cpu, reverse: boolean): void {
  c.modrm();
  if (c.fault) return;
  const s = c.os;
  const v = c.readRm(s) & widthMask(s);
  if (c.fault) return;
  if (v === 0) { c.setFlagBits(Rflags.ZF, Rflags.ZF); return; } // destination unchanged (as hardware does)
  const idxv = reverse ? 31 - Math.clz32(v) : 31 - Math.clz32(v & -v);
  c.setReg(s, c.reg, idxv);
  logicFlags(c, 1, s);
  c.setFlagBits(Rflags.ZF, 0);
}
OPS[0x1bc] = (c) => bitScan(c, false);
OPS[0x1bd] = (c) => bitScan(c, true);
function xadd(c: Cpu, s: number): void {
  c.modrm();
  if (c.fault) return;
  if (c.mod !== 3 && !c.checkWrite(c.eaSeg, c.eaOff, s)) return;
  const v = c.readRm(s);
  if (c.fault) return;
  const src = c.getReg(s, c.reg);
  const sum = alu(c, 0, v, src, s);
  c.setReg(s, c.reg, v);
  c.writeRm(s, sum);
}
OPS[0x1c0] = (c) => xadd(c, 1);
OPS[0x1c1] = (c) => xadd(c, c.os);
LOCKABLE[0x1c0] = LOCKABLE[0x1c1] = 1;
OPS[0x1c7] = (c) => { // CMPXCHG8B
  c.modrm();
  if (c.fault) return;
  if (c.reg !== 1 || c.mod === 3) { c.ud(); return; }
  if (!c.checkWrite(c.eaSeg, c.eaOff, 8)) return;
  const lo = c.rd32(c.eaSeg, c.eaOff);
  const hi = c.rd32(c.eaSeg, c.eaPlus(4));
  if (c.fault) return;
  if ((lo | 0) === c.r[0] && (hi | 0) === c.r[4]) {
    c.wr32(c.eaSeg, c.eaOff, c.r[6]);
    c.wr32(c.eaSeg, c.eaPlus(4), c.r[2]);
    c.setFlagBits(Rflags.ZF, Rflags.ZF);
  } else {
    c.wr32(c.eaSeg, c.eaOff, lo);
    c.wr32(c.eaSeg, c.eaPlus(4), hi);
    c.r[0] = lo | 0; c.r[4] = hi | 0;
    c.setFlagBits(Rflags.ZF, 0);
  }
};
LOCKABLE[0x1c7] = 1;
OPS[0x1ff] = (c) => c.ud(); // UD0
OPS[0x1b9] = (c) => { c.modrm(); if (!c.fault) c.ud(); }; // UD1
registerMmx(OPS); // MMX (mmx.ts): 0F 60–7F, D1–FE
registerFxsave(OPS); // FXSAVE/FXRSTOR (fxsave.ts): 0F AE /0 /1


// ---------------------------------------------------------------------------------------
// Decoded-record dispatch
// ---------------------------------------------------------------------------------------

/**
 * The generic adapter: loads a decoded record into the CPU's decode fields and runs the
 * opcode handler of {@link OPS}. Handlers read ModRM fields, the effective address
 * (`c.modrm()` computes it from the pre-decoded memory form) and immediates (`c.imm`,
 * `c.imm2`) from there; none of them fetches instruction bytes.
 */
export function execGeneric(c: Cpu, d: DecodedInsn): void {
  c.cur = d; c.opcode = d.opcode; c.startEip = c.eip - d.len;
  c.os = d.os; c.as = d.as; c.segOvr = d.segOvr; c.rep = d.rep; c.lock = d.lock;
  c.mod = d.mod; c.reg = d.reg; c.rm = d.rm; c.imm = d.imm; c.imm2 = d.imm2;
  OPS[d.opcode](c);
}

/** Undecodable bytes: #UD, or #GP(0) for an instruction longer than 15 bytes (Intel SDM Vol. 2A, 2.3.11). */
export function execInvalid(c: Cpu, d: DecodedInsn): void {
  if (d.tooLong !== 0) c.gp(0); else c.ud();
}

/** LOCK is valid only on the lockable forms with a memory destination (Intel SDM Vol. 2A, LOCK). */
function lockAllowed(d: DecodedInsn): boolean {
  const op = d.opcode;
  if (LOCKABLE[op] === 0 || d.mod === 3) return false;
  const reg = d.reg;
  if (op === 0xf6 || op === 0xf7) return reg === 2 || reg === 3;
  if (op === 0xfe || op === 0xff) return reg < 2;
  if (op === 0x1ba) return reg >= 4;
  if (op === 0x1c7) return reg === 1;
  if (op >= 0x80 && op <= 0x83) return reg !== 7;
  return true;
}

/** Code-keyed handlers (specialised forms); entries left `undefined` use {@link execGeneric}. */
export const CODE_HANDLERS: (InsnHandler | undefined)[] = [];

let specialise = true;
/** Test hook: decode every later instruction to the generic adapter (false) or allow specialised handlers (true). */
export function setSpecialisedHandlers(on: boolean): void { specialise = on; }

/** Pick the handler of a freshly decoded record (decode time, never per execution). */
export function pickHandler(d: DecodedInsn): InsnHandler {
  if (d.code === Code.INVALID) return execInvalid;
  if (d.lock && !lockAllowed(d)) return execInvalid;
  const h = specialise ? (d.mod === 3 ? REG_FORM : MEM_FORM)[d.code] : undefined;
  if (h !== undefined) { d.plain = 1; assignFast(d); return h; }
  return CODE_HANDLERS[d.code] ?? execGeneric;
}
