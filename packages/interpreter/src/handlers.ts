/**
 * Specialised handlers for the hot instruction forms, keyed by `@x86kit/decoder`'s `Code` and
 * chosen once, when an instruction is decoded into its {@link DecodedInsn} record: separate
 * register and memory forms (no ModRM.mod test at run time), fixed operand size, operands
 * read straight from the record. They compute with the same semantic helpers as the generic
 * opcode handlers of `exec.ts` (`alu`, `inc`, `dec`, `shift`, the lazy flags), so both paths
 * agree by construction; every other form runs through the generic adapter (`execGeneric`).
 *
 * Forms specialised here (32-bit operand size unless noted): ALU (ADD OR ADC SBB AND SUB XOR
 * CMP) r/m,r · r,r/m · r/m,imm · EAX,imm; TEST; MOV r,r/m · r/m,r · r,imm · r/m,imm; LEA;
 * INC/DEC; PUSH/POP r32 and PUSH imm; shifts and rotates by 1/imm8/CL (register form); Jcc,
 * JMP, CALL rel and RET near (16- and 32-bit code); MOVZX/MOVSX r32.
 */
import { Code } from '@x86kit/decoder';
import { Seg } from '@x86kit/core';
import type { Cpu } from './cpu.js';
import type { DecodedInsn, InsnHandler } from './decode-cache.js';
import { alu, inc, dec, shift } from './alu.js';
import { LazyOp } from './constants.js';

/**
 * Inline cases of the run loop (`Cpu.runFast`) for the hottest plain forms: the loop switches on
 * `DecodedInsn.fast` and calls the same helpers as the closures below, saving the indirect call.
 */
export const FastOp = {
  None: 0, AddRR: 1, AddRI: 2, SubRR: 3, SubRI: 4, CmpRR: 5, CmpRI: 6, XorRR: 7, XorRI: 8, AndRR: 9, AndRI: 10,
  OrRR: 11, OrRI: 12, TestRR: 13, TestRI: 14, MovRR: 15, MovRI: 16, IncR: 17, DecR: 18, Jcc: 19, Jmp: 20,
  Call: 21, Ret: 22, PushR: 23, PopR: 24, Load: 25, Store: 26, Lea: 27, Shift1: 28, ShiftI: 29,
  /** REP MOVS/STOS (not plain): whole chunks of iterations by `Cpu.repChunk`, else the handler. */
  RepStr: 30,
  /** 16-bit forms (real-mode and 16-bit code); `cc` holds the ALU operation (0–7) of Alu16*. */
  Mov16RR: 31, Mov16RI: 32, Inc16: 33, Dec16: 34, Push16: 35, Pop16: 36, Alu16RR: 37, Alu16RI: 38, Load16: 39, Store16: 40,
} as const;

/** Operand sources of a fast case: none, ModRM.rm, ModRM.reg, opcode bits 2:0, EAX. */
const Src = { None: 0, Rm: 1, Reg: 2, Op: 3, Eax: 4 } as const;
const FAST_REG: number[] = [];
const FAST_MEM: number[] = [];
function fast(table: number[], name: string, op: number, a: number, b: number, cc = 0): void {
  const k = code(name);
  if (k >= 0) table[k] = op | (a << 8) | (b << 12) | (cc << 16);
}
function srcIndex(d: DecodedInsn, src: number): number {
  return src === Src.Rm ? 2 * d.rm : src === Src.Reg ? 2 * d.reg : src === Src.Op ? 2 * (d.opcode & 7) : 0;
}
/** Fill `d.fast`, `d.ra`, `d.rb`, `d.cc` of a record whose handler was specialised (decode time). */
export function assignFast(d: DecodedInsn): void {
  const e = (d.mod === 3 ? FAST_REG : FAST_MEM)[d.code];
  if (e === undefined) return;
  d.fast = e & 0xff;
  d.ra = srcIndex(d, (e >>> 8) & 0xf);
  d.rb = srcIndex(d, (e >>> 12) & 0xf);
  d.cc = (e >>> 16) & 0xf;
}

/** Handlers of the register form (ModRM.mod = 3, or no ModRM), by `Code`. */
export const REG_FORM: (InsnHandler | undefined)[] = [];
/** Handlers of the memory form (ModRM.mod ≠ 3), by `Code`. */
export const MEM_FORM: (InsnHandler | undefined)[] = [];

function code(name: string): number {
  const v = (Code as Record<string, number>)[name];
  return v === undefined ? -1 : v;
}
function onReg(name: string, h: InsnHandler): void { const k = code(name); if (k >= 0) REG_FORM[k] = h; }
function onMem(name: string, h: InsnHandler): void { const k = code(name); if (k >= 0) MEM_FORM[k] = h; }
function onBoth(name: string, h: InsnHandler): void { onReg(name, h); onMem(name, h); }

/** Effective offset of the record's memory operand (base + index·scale + disp, wrapped to the address size). */
export function ea(c: Cpu, d: DecodedInsn): number {
  const g = c.r;
  let off = d.eaDisp;
  if (d.eaBase >= 0) off += g[2 * d.eaBase];
  if (d.eaIndex >= 0) off += g[2 * d.eaIndex] << d.eaScale;
  return d.as === 2 ? off & 0xffff : off >>> 0;
}

/** Near jump to `target` masked to the operand size, checking the CS limit in protected mode. */
export function jump(c: Cpu, d: DecodedInsn, target: number): void {
  if (d.os === 2) target &= 0xffff; else target >>>= 0;
  if (target > c.csLimit && c.pe) { c.gp(0); return; }
  c.eip = target;
}

// ---- ALU -------------------------------------------------------------------------------------

const ALU = ['Add', 'Or', 'Adc', 'Sbb', 'And', 'Sub', 'Xor', 'Cmp'];

// dedicated register forms of the commonest operations (inline arithmetic, same lazy-flag record as `alu`)
export function addRR(c: Cpu, dst: number, b: number): void {
  const g = c.r, a = g[dst] >>> 0, r = (a + b) | 0;
  g[dst] = r;
  c.setLazy(LazyOp.Add, a, b, r, 31, -1);
}
export function subRR(c: Cpu, dst: number, b: number, store: boolean): void {
  const g = c.r, a = g[dst] >>> 0, r = (a - b) | 0;
  if (store) g[dst] = r;
  c.setLazy(LazyOp.Sub, a, b, r, 31, -1);
}
export function logicSet(c: Cpu, r: number): void {
  c.setLazy(LazyOp.Logic, 0, 0, r, 31, -1);
}

for (let op = 0; op < 8; op++) {
  const n = ALU[op];
  const write = op !== 7;
  // r/m32, r32
  let rmR: InsnHandler;
  let rRm: InsnHandler;
  let rmI: InsnHandler;
  switch (op) {
    case 0:
      rmR = (c, d) => { addRR(c, 2 * d.rm, c.r[2 * d.reg] >>> 0); };
      rRm = (c, d) => { addRR(c, 2 * d.reg, c.r[2 * d.rm] >>> 0); };
      rmI = (c, d) => { addRR(c, 2 * d.rm, d.imm >>> 0); };
      break;
    case 5:
      rmR = (c, d) => { subRR(c, 2 * d.rm, c.r[2 * d.reg] >>> 0, true); };
      rRm = (c, d) => { subRR(c, 2 * d.reg, c.r[2 * d.rm] >>> 0, true); };
      rmI = (c, d) => { subRR(c, 2 * d.rm, d.imm >>> 0, true); };
      break;
    case 7:
      rmR = (c, d) => { subRR(c, 2 * d.rm, c.r[2 * d.reg] >>> 0, false); };
      rRm = (c, d) => { subRR(c, 2 * d.reg, c.r[2 * d.rm] >>> 0, false); };
      rmI = (c, d) => { subRR(c, 2 * d.rm, d.imm >>> 0, false); };
      break;
    case 6:
      rmR = (c, d) => { const g = c.r, r = g[2 * d.rm] ^ g[2 * d.reg]; g[2 * d.rm] = r; logicSet(c, r); };
      rRm = (c, d) => { const g = c.r, r = g[2 * d.reg] ^ g[2 * d.rm]; g[2 * d.reg] = r; logicSet(c, r); };
      rmI = (c, d) => { const g = c.r, r = g[2 * d.rm] ^ d.imm; g[2 * d.rm] = r; logicSet(c, r); };
      break;
    case 4:
      rmR = (c, d) => { const g = c.r, r = g[2 * d.rm] & g[2 * d.reg]; g[2 * d.rm] = r; logicSet(c, r); };
      rRm = (c, d) => { const g = c.r, r = g[2 * d.reg] & g[2 * d.rm]; g[2 * d.reg] = r; logicSet(c, r); };
      rmI = (c, d) => { const g = c.r, r = g[2 * d.rm] & d.imm; g[2 * d.rm] = r; logicSet(c, r); };
      break;
    case 1:
      rmR = (c, d) => { const g = c.r, r = g[2 * d.rm] | g[2 * d.reg]; g[2 * d.rm] = r; logicSet(c, r); };
      rRm = (c, d) => { const g = c.r, r = g[2 * d.reg] | g[2 * d.rm]; g[2 * d.reg] = r; logicSet(c, r); };
      rmI = (c, d) => { const g = c.r, r = g[2 * d.rm] | d.imm; g[2 * d.rm] = r; logicSet(c, r); };
      break;
    default: // ADC, SBB: through the shared helper (reads CF)
      rmR = (c, d) => { const g = c.r; g[2 * d.rm] = alu(c, op, g[2 * d.rm] >>> 0, g[2 * d.reg] >>> 0, 4) | 0; };
      rRm = (c, d) => { const g = c.r; g[2 * d.reg] = alu(c, op, g[2 * d.reg] >>> 0, g[2 * d.rm] >>> 0, 4) | 0; };
      rmI = (c, d) => { const g = c.r; g[2 * d.rm] = alu(c, op, g[2 * d.rm] >>> 0, d.imm >>> 0, 4) | 0; };
  }
  onReg(`${n}_rm32_r32`, rmR);
  onReg(`${n}_r32_rm32`, rRm);
  onReg(`${n}_rm32_imm32`, rmI);
  onReg(`${n}_rm32_imm8`, rmI);
  // EAX, imm32: the destination is register 0 (rm field is meaningless here)
  onReg(`${n}_EAX_imm32`, (c, d) => { const g = c.r; const r = alu(c, op, g[0] >>> 0, d.imm >>> 0, 4); if (write) g[0] = r | 0; });
  onMem(`${n}_EAX_imm32`, (c, d) => { const g = c.r; const r = alu(c, op, g[0] >>> 0, d.imm >>> 0, 4); if (write) g[0] = r | 0; });
  // memory forms: read-modify-write operands are probed for writing first (#PF W bit), like exec.ts
  const memRmB = (c: Cpu, d: DecodedInsn, b: number): void => {
    const off = ea(c, d), s = d.eaSeg;
    if (write && !c.checkWrite(s, off, 4)) return;
    const a = c.rd32(s, off);
    if (c.fault) return;
    const r = alu(c, op, a, b, 4);
    if (write) c.wr32(s, off, r);
  };
  onMem(`${n}_rm32_r32`, (c, d) => { memRmB(c, d, c.r[2 * d.reg] >>> 0); });
  onMem(`${n}_rm32_imm32`, (c, d) => { memRmB(c, d, d.imm >>> 0); });
  onMem(`${n}_rm32_imm8`, (c, d) => { memRmB(c, d, d.imm >>> 0); });
  onMem(`${n}_r32_rm32`, (c, d) => {
    const b = c.rd32(d.eaSeg, ea(c, d));
    if (c.fault) return;
    const g = c.r, r = alu(c, op, g[2 * d.reg] >>> 0, b, 4);
    if (write) g[2 * d.reg] = r | 0;
  });
}

onReg('Test_rm32_r32', (c, d) => { logicSet(c, c.r[2 * d.rm] & c.r[2 * d.reg]); });
onReg('Test_rm32_imm32', (c, d) => { logicSet(c, c.r[2 * d.rm] & d.imm); });
onBoth('Test_EAX_imm32', (c, d) => { logicSet(c, c.r[0] & d.imm); });
onMem('Test_rm32_r32', (c, d) => { const v = c.rd32(d.eaSeg, ea(c, d)); if (!c.fault) logicSet(c, v & c.r[2 * d.reg]); });

// ---- MOV, LEA, MOVZX/MOVSX ---------------------------------------------------------------------

onReg('Mov_rm32_r32', (c, d) => { c.r[2 * d.rm] = c.r[2 * d.reg]; });
onReg('Mov_r32_rm32', (c, d) => { c.r[2 * d.reg] = c.r[2 * d.rm]; });
onMem('Mov_rm32_r32', (c, d) => { c.wr32(d.eaSeg, ea(c, d), c.r[2 * d.reg]); });
onMem('Mov_r32_rm32', (c, d) => { const v = c.rd32(d.eaSeg, ea(c, d)); if (!c.fault) c.r[2 * d.reg] = v | 0; });
onBoth('Mov_r32_imm32', (c, d) => { c.r[2 * (d.opcode & 7)] = d.imm | 0; });
onReg('Mov_rm32_imm32', (c, d) => { c.r[2 * d.rm] = d.imm | 0; });
onMem('Mov_rm32_imm32', (c, d) => { c.wr32(d.eaSeg, ea(c, d), d.imm); });
onMem('Lea_r32_m', (c, d) => { c.r[2 * d.reg] = ea(c, d) | 0; });
onReg('Movzx_r32_rm8', (c, d) => { c.r[2 * d.reg] = c.getReg(1, d.rm); });
onMem('Movzx_r32_rm8', (c, d) => { const v = c.rd8(d.eaSeg, ea(c, d)); if (!c.fault) c.r[2 * d.reg] = v; });
onMem('Movzx_r32_rm16', (c, d) => { const v = c.rd16(d.eaSeg, ea(c, d)); if (!c.fault) c.r[2 * d.reg] = v; });
onMem('Movsx_r32_rm8', (c, d) => { const v = c.rd8(d.eaSeg, ea(c, d)); if (!c.fault) c.r[2 * d.reg] = (v << 24) >> 24; });

// ---- INC/DEC, PUSH/POP -------------------------------------------------------------------------

onBoth('Inc_r32', (c, d) => { const g = c.r, i = 2 * (d.opcode & 7); g[i] = inc(c, g[i] >>> 0, 4) | 0; });
onBoth('Dec_r32', (c, d) => { const g = c.r, i = 2 * (d.opcode & 7); g[i] = dec(c, g[i] >>> 0, 4) | 0; });
onReg('Inc_rm32', (c, d) => { const g = c.r, i = 2 * d.rm; g[i] = inc(c, g[i] >>> 0, 4) | 0; });
onReg('Dec_rm32', (c, d) => { const g = c.r, i = 2 * d.rm; g[i] = dec(c, g[i] >>> 0, 4) | 0; });
// PUSH ESP pushes the value before the push (80286 and later)
onBoth('Push_r32', (c, d) => { c.push(4, c.r[2 * (d.opcode & 7)]); });
onBoth('Pop_r32', (c, d) => { const v = c.pop(4); if (!c.fault) c.r[2 * (d.opcode & 7)] = v | 0; });
onBoth('Pushd_imm32', (c, d) => { c.push(4, d.imm); });
onBoth('Pushd_imm8', (c, d) => { c.push(4, d.imm); });

// ---- shifts and rotates (register form) --------------------------------------------------------

for (const n of ['Rol', 'Ror', 'Rcl', 'Rcr', 'Shl', 'Shr', 'Sal', 'Sar']) {
  onReg(`${n}_rm32_1`, (c, d) => { const g = c.r, i = 2 * d.rm; g[i] = shift(c, d.reg, g[i] >>> 0, 1, 4) | 0; });
  onReg(`${n}_rm32_imm8`, (c, d) => { const g = c.r, i = 2 * d.rm; g[i] = shift(c, d.reg, g[i] >>> 0, d.imm, 4) | 0; });
  onReg(`${n}_rm32_CL`, (c, d) => { const g = c.r, i = 2 * d.rm; g[i] = shift(c, d.reg, g[i] >>> 0, g[2] & 0xff, 4) | 0; });
}

// ---- branches ----------------------------------------------------------------------------------

const CC = ['Jo', 'Jno', 'Jb', 'Jae', 'Je', 'Jne', 'Jbe', 'Ja', 'Js', 'Jns', 'Jp', 'Jnp', 'Jl', 'Jge', 'Jle', 'Jg'];
for (let cc = 0; cc < 16; cc++) {
  const h: InsnHandler = (c, d) => { if (c.cond(cc)) jump(c, d, c.eip + d.imm); };
  for (const form of ['_rel8_16', '_rel8_32', '_rel16', '_rel32_32']) onBoth(CC[cc] + form, h);
}
// the commonest conditions without the generic condition switch
function jeJne(ne: boolean): InsnHandler {
  return (c, d) => { if ((c.zf() === 0) === ne) jump(c, d, c.eip + d.imm); };
}
for (const form of ['_rel8_16', '_rel8_32', '_rel16', '_rel32_32']) {
  onBoth('Je' + form, jeJne(false));
  onBoth('Jne' + form, jeJne(true));
}
const jmpRel: InsnHandler = (c, d) => { jump(c, d, c.eip + d.imm); };
for (const n of ['Jmp_rel8_16', 'Jmp_rel8_32', 'Jmp_rel16', 'Jmp_rel32_32']) onBoth(n, jmpRel);

export const callRel: InsnHandler = (c, d) => {
  const ret = c.eip, os = d.os;
  const target = os === 2 ? (ret + d.imm) & 0xffff : (ret + d.imm) >>> 0;
  if (target > c.csLimit && c.pe) { c.gp(0); return; }
  c.push(os, ret);
  if (!c.fault) c.eip = target;
};
onBoth('Call_rel16', callRel);
onBoth('Call_rel32_32', callRel);

export const retNear: InsnHandler = (c, d) => {
  const os = d.os, sp = c.getSp();
  const t = os === 2 ? c.rd16(Seg.SS, sp) : c.rd32(Seg.SS, sp);
  if (c.fault) return;
  if (t > c.csLimit && c.pe) { c.gp(0); return; }
  c.eip = t;
  c.setSp(c.spPlus(sp, os));
};
onBoth('Retnd', retNear);
onBoth('Retnw', retNear);

// ---- fast cases of the run loop ------------------------------------------------------------------

for (const [n, rr, ri] of [['Add', FastOp.AddRR, FastOp.AddRI], ['Sub', FastOp.SubRR, FastOp.SubRI], ['Cmp', FastOp.CmpRR, FastOp.CmpRI],
  ['Xor', FastOp.XorRR, FastOp.XorRI], ['And', FastOp.AndRR, FastOp.AndRI], ['Or', FastOp.OrRR, FastOp.OrRI]] as const) {
  fast(FAST_REG, `${n}_rm32_r32`, rr, Src.Rm, Src.Reg);
  fast(FAST_REG, `${n}_r32_rm32`, rr, Src.Reg, Src.Rm);
  fast(FAST_REG, `${n}_rm32_imm32`, ri, Src.Rm, Src.None);
  fast(FAST_REG, `${n}_rm32_imm8`, ri, Src.Rm, Src.None);
  fast(FAST_REG, `${n}_EAX_imm32`, ri, Src.Eax, Src.None);
  fast(FAST_MEM, `${n}_EAX_imm32`, ri, Src.Eax, Src.None);
}
fast(FAST_REG, 'Test_rm32_r32', FastOp.TestRR, Src.Rm, Src.Reg);
fast(FAST_REG, 'Test_rm32_imm32', FastOp.TestRI, Src.Rm, Src.None);
fast(FAST_REG, 'Mov_rm32_r32', FastOp.MovRR, Src.Rm, Src.Reg);
fast(FAST_REG, 'Mov_r32_rm32', FastOp.MovRR, Src.Reg, Src.Rm);
for (const t of [FAST_REG, FAST_MEM]) {
  fast(t, 'Mov_r32_imm32', FastOp.MovRI, Src.Op, Src.None);
  fast(t, 'Inc_r32', FastOp.IncR, Src.Op, Src.None);
  fast(t, 'Dec_r32', FastOp.DecR, Src.Op, Src.None);
  fast(t, 'Push_r32', FastOp.PushR, Src.Op, Src.None);
  fast(t, 'Pop_r32', FastOp.PopR, Src.Op, Src.None);
  for (const form of ['_rel8_16', '_rel8_32', '_rel16', '_rel32_32']) {
    for (let cc = 0; cc < 16; cc++) fast(t, CC[cc] + form, FastOp.Jcc, Src.None, Src.None, cc);
  }
  for (const n of ['Jmp_rel8_16', 'Jmp_rel8_32', 'Jmp_rel16', 'Jmp_rel32_32']) fast(t, n, FastOp.Jmp, Src.None, Src.None);
  for (const n of ['Call_rel16', 'Call_rel32_32']) fast(t, n, FastOp.Call, Src.None, Src.None);
  for (const n of ['Retnd', 'Retnw']) fast(t, n, FastOp.Ret, Src.None, Src.None);
}
fast(FAST_REG, 'Mov_rm32_imm32', FastOp.MovRI, Src.Rm, Src.None);
fast(FAST_REG, 'Inc_rm32', FastOp.IncR, Src.Rm, Src.None);
fast(FAST_REG, 'Dec_rm32', FastOp.DecR, Src.Rm, Src.None);
fast(FAST_MEM, 'Mov_r32_rm32', FastOp.Load, Src.Reg, Src.None);
fast(FAST_MEM, 'Mov_rm32_r32', FastOp.Store, Src.None, Src.Reg);
fast(FAST_MEM, 'Lea_r32_m', FastOp.Lea, Src.Reg, Src.None);
for (const n of ['Rol', 'Ror', 'Rcl', 'Rcr', 'Shl', 'Shr', 'Sal', 'Sar']) {
  fast(FAST_REG, `${n}_rm32_1`, FastOp.Shift1, Src.Rm, Src.None);
  fast(FAST_REG, `${n}_rm32_imm8`, FastOp.ShiftI, Src.Rm, Src.None);
}

// ---- 8- and 16-bit forms (real-mode and 16-bit code) ------------------------------------------
// Through the shared helpers with the register accessors (8-bit registers use the AL..BH
// encoding, 16-bit writes keep bits 31:16); the commonest 16-bit ones also have inline fast
// cases (registered below the handlers).

for (const [size, w, wi] of [[1, '8', '8'], [2, '16', '16']] as const) {
  for (let op = 0; op < 8; op++) {
    const n = ALU[op];
    const write = op !== 7;
    onReg(`${n}_rm${w}_r${w}`, (c, d) => { const r = alu(c, op, c.getReg(size, d.rm), c.getReg(size, d.reg), size); if (write) c.setReg(size, d.rm, r); });
    onReg(`${n}_r${w}_rm${w}`, (c, d) => { const r = alu(c, op, c.getReg(size, d.reg), c.getReg(size, d.rm), size); if (write) c.setReg(size, d.reg, r); });
    const rmI: InsnHandler = (c, d) => { const r = alu(c, op, c.getReg(size, d.rm), d.imm >>> 0, size); if (write) c.setReg(size, d.rm, r); };
    onReg(`${n}_rm${w}_imm${wi}`, rmI);
    if (size === 2) onReg(`${n}_rm16_imm8`, rmI);
    if (size === 1) onReg(`${n}_rm8_imm8_82`, rmI);
    const acc: InsnHandler = (c, d) => { const r = alu(c, op, c.getReg(size, 0), d.imm >>> 0, size); if (write) c.setReg(size, 0, r); };
    onBoth(size === 1 ? `${n}_AL_imm8` : `${n}_AX_imm16`, acc);
    const memRmB = (c: Cpu, d: DecodedInsn, b: number): void => {
      const off = ea(c, d), s = d.eaSeg;
      if (write && !c.checkWrite(s, off, size)) return;
      const a = c.rd(size, s, off);
      if (c.fault) return;
      const r = alu(c, op, a, b, size);
      if (write) c.wr(size, s, off, r);
    };
    onMem(`${n}_rm${w}_r${w}`, (c, d) => { memRmB(c, d, c.getReg(size, d.reg)); });
    onMem(`${n}_rm${w}_imm${wi}`, (c, d) => { memRmB(c, d, d.imm >>> 0); });
    if (size === 2) onMem(`${n}_rm16_imm8`, (c, d) => { memRmB(c, d, d.imm >>> 0); });
    if (size === 1) onMem(`${n}_rm8_imm8_82`, (c, d) => { memRmB(c, d, d.imm >>> 0); });
    onMem(`${n}_r${w}_rm${w}`, (c, d) => {
      const b = c.rd(size, d.eaSeg, ea(c, d));
      if (c.fault) return;
      const r = alu(c, op, c.getReg(size, d.reg), b, size);
      if (write) c.setReg(size, d.reg, r);
    });
  }
  onReg(`Test_rm${w}_r${w}`, (c, d) => { alu(c, 4, c.getReg(size, d.rm), c.getReg(size, d.reg), size); });
  onReg(`Test_rm${w}_imm${wi}`, (c, d) => { alu(c, 4, c.getReg(size, d.rm), d.imm >>> 0, size); });
  onBoth(size === 1 ? 'Test_AL_imm8' : 'Test_AX_imm16', (c, d) => { alu(c, 4, c.getReg(size, 0), d.imm >>> 0, size); });
  onMem(`Test_rm${w}_r${w}`, (c, d) => { const v = c.rd(size, d.eaSeg, ea(c, d)); if (!c.fault) alu(c, 4, v, c.getReg(size, d.reg), size); });
  onReg(`Mov_rm${w}_r${w}`, (c, d) => { c.setReg(size, d.rm, c.getReg(size, d.reg)); });
  onReg(`Mov_r${w}_rm${w}`, (c, d) => { c.setReg(size, d.reg, c.getReg(size, d.rm)); });
  onMem(`Mov_rm${w}_r${w}`, (c, d) => { c.wr(size, d.eaSeg, ea(c, d), c.getReg(size, d.reg)); });
  onMem(`Mov_r${w}_rm${w}`, (c, d) => { const v = c.rd(size, d.eaSeg, ea(c, d)); if (!c.fault) c.setReg(size, d.reg, v); });
  onBoth(`Mov_r${w}_imm${wi}`, (c, d) => { c.setReg(size, d.opcode & 7, d.imm); });
  onReg(`Mov_rm${w}_imm${wi}`, (c, d) => { c.setReg(size, d.rm, d.imm); });
  onMem(`Mov_rm${w}_imm${wi}`, (c, d) => { c.wr(size, d.eaSeg, ea(c, d), d.imm); });
}
onBoth('Inc_r16', (c, d) => { const r = d.opcode & 7; c.setReg(2, r, inc(c, c.getReg(2, r), 2)); });
onBoth('Dec_r16', (c, d) => { const r = d.opcode & 7; c.setReg(2, r, dec(c, c.getReg(2, r), 2)); });
onBoth('Push_r16', (c, d) => { c.push(2, c.getReg(2, d.opcode & 7)); });
onBoth('Pop_r16', (c, d) => { const v = c.pop(2); if (!c.fault) c.setReg(2, d.opcode & 7, v); });
onMem('Lea_r16_m', (c, d) => { c.setReg(2, d.reg, ea(c, d)); });

// 16-bit fast cases of the run loop (same helpers as the handlers above)
for (let op = 0; op < 8; op++) {
  const n = ALU[op];
  fast(FAST_REG, `${n}_rm16_r16`, FastOp.Alu16RR, Src.Rm, Src.Reg, op);
  fast(FAST_REG, `${n}_r16_rm16`, FastOp.Alu16RR, Src.Reg, Src.Rm, op);
  fast(FAST_REG, `${n}_rm16_imm16`, FastOp.Alu16RI, Src.Rm, Src.None, op);
  fast(FAST_REG, `${n}_rm16_imm8`, FastOp.Alu16RI, Src.Rm, Src.None, op);
  fast(FAST_REG, `${n}_AX_imm16`, FastOp.Alu16RI, Src.Eax, Src.None, op);
  fast(FAST_MEM, `${n}_AX_imm16`, FastOp.Alu16RI, Src.Eax, Src.None, op);
}
fast(FAST_REG, 'Mov_rm16_r16', FastOp.Mov16RR, Src.Rm, Src.Reg);
fast(FAST_REG, 'Mov_r16_rm16', FastOp.Mov16RR, Src.Reg, Src.Rm);
fast(FAST_REG, 'Mov_rm16_imm16', FastOp.Mov16RI, Src.Rm, Src.None);
fast(FAST_MEM, 'Mov_r16_rm16', FastOp.Load16, Src.Reg, Src.None);
fast(FAST_MEM, 'Mov_rm16_r16', FastOp.Store16, Src.None, Src.Reg);
for (const t of [FAST_REG, FAST_MEM]) {
  fast(t, 'Mov_r16_imm16', FastOp.Mov16RI, Src.Op, Src.None);
  fast(t, 'Inc_r16', FastOp.Inc16, Src.Op, Src.None);
  fast(t, 'Dec_r16', FastOp.Dec16, Src.Op, Src.None);
  fast(t, 'Push_r16', FastOp.Push16, Src.Op, Src.None);
  fast(t, 'Pop_r16', FastOp.Pop16, Src.Op, Src.None);
}
