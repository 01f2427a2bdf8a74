/**
 * Instruction semantics written once, as plain functions of (flags, operands, width): the
 * interpreter's handlers call them and a binary translator can emit calls to the very same
 * helpers. Widths are in bytes (1, 2, 4). Results are returned masked to the width (uint).
 * Flag behaviour follows the Intel SDM Vol. 2 pseudocode; where the SDM leaves a flag
 * undefined we reproduce what the SingleStepTests hardware captures show when they agree.
 */
import { Rflags } from '@x86kit/core';
import { LazyOp } from './constants.js';
import { PARITY, type LazyFlags } from './flags.js';

/** Width mask for 1/2/4-byte operands. */
export function widthMask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
}

/** ALU group-1 operations by ModRM reg / opcode bits 5:3. */
export const AluOp = { ADD: 0, OR: 1, ADC: 2, SBB: 3, AND: 4, SUB: 5, XOR: 6, CMP: 7 } as const;

/**
 * ADD OR ADC SBB AND SUB XOR CMP (Intel SDM Vol. 2: each instruction's "Flags Affected").
 * Returns the result (for CMP: the unchanged first operand).
 */
export function alu(f: LazyFlags, op: number, a: number, b: number, size: number): number {
  const shift = size * 8 - 1;
  const mask = widthMask(size);
  let r: number;
  switch (op) {
    case 0: r = (a + b) & mask; f.setLazy(LazyOp.Add, a, b, r, shift, mask); return r >>> 0;
    case 1: r = (a | b) & mask; f.setLazy(LazyOp.Logic, 0, 0, r, shift, mask); return r >>> 0;
    case 2: r = (a + b + f.cf()) & mask; f.setLazy(LazyOp.Add, a, b, r, shift, mask); return r >>> 0;
    case 3: r = (a - b - f.cf()) & mask; f.setLazy(LazyOp.Sub, a, b, r, shift, mask); return r >>> 0;
    case 4: r = a & b & mask; f.setLazy(LazyOp.Logic, 0, 0, r, shift, mask); return r >>> 0;
    case 5: r = (a - b) & mask; f.setLazy(LazyOp.Sub, a, b, r, shift, mask); return r >>> 0;
    case 6: r = (a ^ b) & mask; f.setLazy(LazyOp.Logic, 0, 0, r, shift, mask); return r >>> 0;
    default: r = (a - b) & mask; f.setLazy(LazyOp.Sub, a, b, r, shift, mask); return a;
  }
}

/** INC: like ADD 1 but CF is preserved. */
export function inc(f: LazyFlags, a: number, size: number): number {
  const mask = widthMask(size);
  const r = (a + 1) & mask;
  f.setLazyKeepCf(LazyOp.Add, a, 1, r, size * 8 - 1, mask);
  return r >>> 0;
}
/** DEC: like SUB 1 but CF is preserved. */
export function dec(f: LazyFlags, a: number, size: number): number {
  const mask = widthMask(size);
  const r = (a - 1) & mask;
  f.setLazyKeepCf(LazyOp.Sub, a, 1, r, size * 8 - 1, mask);
  return r >>> 0;
}
/** NEG: 0 − a; CF = (a ≠ 0). */
export function neg(f: LazyFlags, a: number, size: number): number {
  const mask = widthMask(size);
  const r = (0 - a) & mask;
  f.setLazy(LazyOp.Sub, 0, a, r, size * 8 - 1, mask);
  return r >>> 0;
}

function szp(r: number, size: number): number {
  const mask = widthMask(size);
  return ((r & mask) === 0 ? Rflags.ZF : 0) | (((r >>> (size * 8 - 1)) & 1) << 7) | PARITY[r & 0xff];
}

/** Sign-extend a `size`-byte value to int32. */
export function sext(v: number, size: number): number {
  return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
}


/**
 * Rotates and shifts, group 2 (ROL ROR RCL RCR SHL SHR SAL SAR by ModRM reg). `count` is
 * the raw count: it is masked to 5 bits here as on every CPU since the 80286. Flags follow
 * the SDM; OF for counts > 1 and AF are architecturally undefined: we give OF the value of
 * the last single-bit step and leave AF clear.
 */
export function shift(f: LazyFlags, op: number, v: number, count: number, size: number): number {
  count &= 0x1f;
  if (count === 0) return v;
  const bits = size * 8;
  const mask = widthMask(size);
  const msb = bits - 1;
  v &= mask;
  let r: number, cf: number, of: number;
  switch (op) {
    case 0: { // ROL
      const c = count & msb;
      r = c === 0 ? v : ((v << c) | (v >>> (bits - c))) & mask;
      cf = r & 1;
      of = ((r >>> msb) & 1) ^ cf;
      f.setFlagBits(Rflags.CF | Rflags.OF, cf | (of << 11));
      return r >>> 0;
    }
    case 1: { // ROR
      const c = count & msb;
      r = c === 0 ? v : ((v >>> c) | (v << (bits - c))) & mask;
      cf = (r >>> msb) & 1;
      of = cf ^ ((r >>> (msb - 1)) & 1);
      f.setFlagBits(Rflags.CF | Rflags.OF, cf | (of << 11));
      return r >>> 0;
    }
    case 2: { // RCL
      const c = size === 4 ? count : count % (bits + 1);
      r = v; cf = f.cf();
      for (let i = 0; i < c; i++) {
        const out = (r >>> msb) & 1;
        r = ((r << 1) | cf) & mask;
        cf = out;
      }
      of = ((r >>> msb) & 1) ^ cf;
      f.setFlagBits(Rflags.CF | Rflags.OF, cf | (of << 11));
      return r >>> 0;
    }
    case 3: { // RCR
      const c = size === 4 ? count : count % (bits + 1);
      r = v; cf = f.cf();
      for (let i = 0; i < c; i++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf << msb)) & mask;
        cf = out;
      }
      of = ((r >>> msb) & 1) ^ ((r >>> (msb - 1)) & 1);
      f.setFlagBits(Rflags.CF | Rflags.OF, cf | (of << 11));
      return r >>> 0;
    }
    case 4: case 6: { // SHL / SAL
      if (size === 4) {
        r = v << count;
        cf = (v >>> (32 - count)) & 1;
      } else {
        const wide = v * Math.pow(2, count);
        r = wide & mask;
        cf = Math.floor(wide / Math.pow(2, bits)) & 1;
      }
      of = ((r >>> msb) & 1) ^ cf;
      f.setArithFlags(szp(r, size) | cf | (of << 11));
      return (r & mask) >>> 0;
    }
    case 5: { // SHR
      r = count >= 32 ? 0 : v >>> count;
      cf = (v >>> (count - 1)) & 1;
      // OF: the MSB of the operand before the last single-bit step
      of = count === 1 ? (v >>> msb) & 1 : ((v >>> (count - 1)) >>> msb) & 1;
      f.setArithFlags(szp(r, size) | cf | (of << 11));
      return r >>> 0;
    }
    default: { // SAR
      const sv = sext(v, size);
      r = (sv >> count) & mask;
      cf = (sv >> (count - 1)) & 1;
      f.setArithFlags(szp(r, size) | cf);
      return r >>> 0;
    }
  }
}

/** SHLD/SHRD (Intel SDM Vol. 2B): count masked to 5 bits; for 16-bit counts > 16 the result is undefined. */
export function shiftDouble(f: LazyFlags, left: boolean, dst: number, src: number, count: number, size: number): number {
  count &= 0x1f;
  if (count === 0) return dst;
  const bits = size * 8;
  const mask = widthMask(size);
  let r: number, cf: number;
  if (size === 4) {
    if (left) { r = (dst << count) | (src >>> (32 - count)); cf = (dst >>> (32 - count)) & 1; }
    else { r = (dst >>> count) | (src << (32 - count)); cf = (dst >>> (count - 1)) & 1; }
  } else {
    // 16-bit: operate on the 32-bit concatenation (hardware-like for counts > 16)
    if (left) {
      const cat = ((dst & 0xffff) << 16) | (src & 0xffff);
      const wide = count <= 16 ? cat : (cat << 16) | (dst & 0xffff);
      r = ((wide << count) >>> 16) & mask;
      if (count > 16) r = (((cat << (count - 16)) | ((dst & 0xffff) >>> (32 - count))) >>> 16) & mask;
      cf = count <= 16 ? (dst >>> (16 - count)) & 1 : (src >>> (32 - count)) & 1;
    } else {
      const cat = ((src & 0xffff) << 16) | (dst & 0xffff);
      r = count <= 16 ? (cat >>> count) & mask : (((cat >>> count) | ((dst & 0xffff) << (32 - count))) & mask);
      cf = count <= 16 ? (cat >>> (count - 1)) & 1 : (src >>> (count - 17)) & 1;
    }
  }
  r &= mask;
  const of = ((r ^ dst) >>> (bits - 1)) & 1;
  f.setArithFlags(szp(r, size) | cf | (of << 11));
  return r >>> 0;
}

/** DAA (Intel SDM Vol. 2A). Returns the new AL. */
export function daa(f: LazyFlags, al: number): number {
  const oldAl = al, oldCf = f.cf();
  let cf = 0, af = 0;
  if ((al & 0xf) > 9 || f.af() !== 0) { al = (al + 6) & 0xff; af = Rflags.AF; cf = oldCf | ((oldAl + 6) > 0xff ? 1 : 0); }
  if (oldAl > 0x99 || oldCf !== 0) { al = (al + 0x60) & 0xff; cf = 1; }
  f.setArithFlags(szp(al, 1) | af | cf);
  return al;
}
/** DAS (Intel SDM Vol. 2A). Returns the new AL. */
export function das(f: LazyFlags, al: number): number {
  const oldAl = al, oldCf = f.cf();
  let cf = 0, af = 0;
  if ((al & 0xf) > 9 || f.af() !== 0) { al = (al - 6) & 0xff; af = Rflags.AF; cf = oldCf | (oldAl < 6 ? 1 : 0); }
  if (oldAl > 0x99 || oldCf !== 0) { al = (al - 0x60) & 0xff; cf = 1; }
  f.setArithFlags(szp(al, 1) | af | cf);
  return al;
}
/** AAA: returns the new AX. */
export function aaa(f: LazyFlags, ax: number): number {
  let fl = 0;
  if ((ax & 0xf) > 9 || f.af() !== 0) { ax = (ax + 0x106) & 0xffff; fl = Rflags.AF | Rflags.CF; }
  ax &= 0xff0f;
  f.setArithFlags(szp(ax & 0xff, 1) | fl);
  return ax;
}
/** AAS: returns the new AX. */
export function aas(f: LazyFlags, ax: number): number {
  let fl = 0;
  if ((ax & 0xf) > 9 || f.af() !== 0) {
    // SDM: AX ← AX − 6; AH ← AH − 1 (the borrow out of AL reaches AH as well)
    ax = (ax - 6) & 0xffff;
    ax = ((ax - 0x100) & 0xff00) | (ax & 0xff);
    fl = Rflags.AF | Rflags.CF;
  }
  ax &= 0xff0f;
  f.setArithFlags(szp(ax & 0xff, 1) | fl);
  return ax;
}
/** AAM imm8 (base ≠ 0; the caller raises #DE for 0): returns the new AX. */
export function aam(f: LazyFlags, al: number, base: number): number {
  const ah = Math.floor(al / base), nl = al % base;
  f.setArithFlags(szp(nl, 1));
  return (ah << 8) | nl;
}
/** AAD imm8: returns the new AX (AH = 0). Flags as an 8-bit ADD of AL and AH×base. */
export function aad(f: LazyFlags, ax: number, base: number): number {
  const al = ax & 0xff, t = ((ax >>> 8) * base) & 0xff;
  const r = (al + t) & 0xff;
  f.setLazy(LazyOp.Add, al, t, r, 7, 0xff);
  return r;
}

/** Flags for MUL/IMUL: CF = OF = `overflow`; SF ZF PF from the low result (undefined in the SDM), AF clear. */
export function mulFlags(f: LazyFlags, low: number, size: number, overflow: boolean): void {
  f.setArithFlags(szp(low, size) | (overflow ? Rflags.CF | Rflags.OF : 0));
}

/** Bit-test family flags: CF = the selected bit; other flags unchanged. */
export function setCf(f: LazyFlags, bit: number): void {
  f.setFlagBits(Rflags.CF, bit & 1);
}

/** Logic-style flags for a result (TEST, BSF zero handling...). */
export function logicFlags(f: LazyFlags, r: number, size: number): void {
  f.setLazy(LazyOp.Logic, 0, 0, r & widthMask(size), size * 8 - 1, widthMask(size));
}
