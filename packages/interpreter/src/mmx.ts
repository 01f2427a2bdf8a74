/**
 * MMX technology (the Pentium II MMX set: Intel SDM Vol. 1 ch. 9, Vol. 3A ch. 12, instruction
 * pages in Vol. 2). Two layers:
 *
 * - {@link mmxBinary}: the packed-integer semantics as a plain function on 64-bit values held as
 *   `[lo, hi]` int32 pairs, with no knowledge of the CPU (a translator can call it directly);
 * - thin handlers that fetch operands through the {@link Cpu} helpers and are installed into the
 *   dispatch table by {@link registerMmx}.
 *
 * MMi aliases the 64-bit significand of x87 physical register Ri (not ST(i)). Every MMX
 * instruction except EMMS sets TOP = 0 and all tags valid; a write to MMi also sets bits 79:64
 * (sign and exponent) of Ri to all ones. The aliasing goes through the x87 unit's exact 80-bit
 * images (`Fpu.materialize`, `Fpu.mmxWrite`), so FNSAVE/FXSAVE/FSTP m80 see MMX values bit-exactly
 * and MMX reads values loaded by FLD m80/FRSTOR/FXRSTOR bit-exactly.
 *
 * The AMD MMX extensions (CPUID 8000_0001h EDX bit 22, "MmxExt": the SSE integer instructions on
 * MMX registers PSHUFW, PINSRW, PEXTRW, PMOVMSKB, PMINUB/PMAXUB, PMINSW/PMAXSW, PAVGB/PAVGW,
 * PMULHUW, PSADBW, MOVNTQ, MASKMOVQ and SFENCE; AMD APM Vol. 5) execute only when the CPU's
 * profile advertises that bit; otherwise they raise #UD like on a Pentium II.
 *
 * Exceptions (SDM Vol. 3A table 12-1 and the MMX exception tables of Vol. 2): CR0.EM = 1 → #UD,
 * CR0.TS = 1 → #NM, a pending unmasked x87 exception → #MF (CR0.NE = 1; the FERR#/IRQ 13 path
 * is not modelled), then the memory operand's segment and paging faults. A 66, F2 or F3 prefix
 * selects an SSE/SSE2 form, which is not implemented: #UD, counted as unimplemented.
 */
import { Cr0, Exc, Seg } from '@x86kit/core';
import type { Cpu } from './cpu.js';
import { fpuPendingFault } from './fpu.js';

// ---- packed-integer semantics ------------------------------------------------------------------

// Lane views over one scratch buffer: operand A at bytes 0–7, B at 8–15, a result area at 16–23
// for the forms whose result lanes overlap their inputs (packs, unpacks). Little-endian host.
const lanes = new ArrayBuffer(24);
const D = new Int32Array(lanes);
const U8 = new Uint8Array(lanes);
const I8 = new Int8Array(lanes);
const U16 = new Uint16Array(lanes);
const I16 = new Int16Array(lanes);

function ss8(x: number): number { return x > 127 ? 127 : x < -128 ? -128 : x; }
function us8(x: number): number { return x > 255 ? 255 : x < 0 ? 0 : x; }
function ss16(x: number): number { return x > 32767 ? 32767 : x < -32768 ? -32768 : x; }
function us16(x: number): number { return x > 65535 ? 65535 : x < 0 ? 0 : x; }

/** Shift count of a register/memory-count shift: the whole 64-bit source (huge when bits 63:32 ≠ 0). */
function shiftCount(): number { return D[3] !== 0 ? 0x7fffffff : D[2] >>> 0; }

/**
 * Execute the MMX two-operand instruction `0F op` (op = 0x60–0xFE, the opcode byte after 0F)
 * on `v = [dstLo, dstHi, srcLo, srcHi]`; the result replaces `v[0]`, `v[1]`. For shifts the
 * source is the count (the immediate forms 0F 71–73 map to the register forms: pass the
 * immediate as `srcLo` with `srcHi` = 0). PUNPCKL* use only `srcLo` (their memory operand is
 * 32 bits). Returns false (and leaves `v` alone) when `op` is not an MMX arithmetic opcode.
 */
export function mmxBinary(op: number, v: Int32Array): boolean {
  D[0] = v[0]; D[1] = v[1]; D[2] = v[2]; D[3] = v[3];
  if (!compute(op)) return false;
  v[0] = D[0]; v[1] = D[1];
  return true;
}

// SWAR constants: lane-wise add/sub without carries crossing lanes
const H8 = 0x80808080 | 0, L8 = 0x7f7f7f7f, H16 = 0x80008000 | 0, L16 = 0x7fff7fff;
function addB(a: number, b: number): number { return ((a & L8) + (b & L8)) ^ ((a ^ b) & H8); }
function subB(a: number, b: number): number { return ((a | H8) - (b & L8)) ^ ((a ^ ~b) & H8); }
function addW(a: number, b: number): number { return ((a & L16) + (b & L16)) ^ ((a ^ b) & H16); }
function subW(a: number, b: number): number { return ((a | H16) - (b & L16)) ^ ((a ^ ~b) & H16); }

/** {@link mmxBinary} on the lane buffer: operands in `D[0..3]`, result in `D[0..1]`. */
function compute(op: number): boolean {
  switch (op) {
    case 0x60: for (let i = 3; i >= 0; i--) { U8[16 + 2 * i] = U8[i]; U8[17 + 2 * i] = U8[8 + i]; } D[0] = D[4]; D[1] = D[5]; break; // PUNPCKLBW
    case 0x61: U16[8] = U16[0]; U16[9] = U16[4]; U16[10] = U16[1]; U16[11] = U16[5]; D[0] = D[4]; D[1] = D[5]; break; // PUNPCKLWD
    case 0x62: D[1] = D[2]; break; // PUNPCKLDQ
    case 0x63: for (let i = 0; i < 4; i++) { I8[16 + i] = ss8(I16[i]); I8[20 + i] = ss8(I16[4 + i]); } D[0] = D[4]; D[1] = D[5]; break; // PACKSSWB
    case 0x64: for (let i = 0; i < 8; i++) I8[i] = I8[i] > I8[8 + i] ? -1 : 0; break; // PCMPGTB
    case 0x65: for (let i = 0; i < 4; i++) I16[i] = I16[i] > I16[4 + i] ? -1 : 0; break; // PCMPGTW
    case 0x66: D[0] = D[0] > D[2] ? -1 : 0; D[1] = D[1] > D[3] ? -1 : 0; break; // PCMPGTD
    case 0x67: for (let i = 0; i < 4; i++) { U8[16 + i] = us8(I16[i]); U8[20 + i] = us8(I16[4 + i]); } D[0] = D[4]; D[1] = D[5]; break; // PACKUSWB
    case 0x68: for (let i = 0; i < 4; i++) { U8[16 + 2 * i] = U8[4 + i]; U8[17 + 2 * i] = U8[12 + i]; } D[0] = D[4]; D[1] = D[5]; break; // PUNPCKHBW
    case 0x69: U16[8] = U16[2]; U16[9] = U16[6]; U16[10] = U16[3]; U16[11] = U16[7]; D[0] = D[4]; D[1] = D[5]; break; // PUNPCKHWD
    case 0x6a: D[0] = D[1]; D[1] = D[3]; break; // PUNPCKHDQ
    case 0x6b: I16[8] = ss16(D[0]); I16[9] = ss16(D[1]); I16[10] = ss16(D[2]); I16[11] = ss16(D[3]); D[0] = D[4]; D[1] = D[5]; break; // PACKSSDW
    case 0x74: for (let i = 0; i < 8; i++) I8[i] = U8[i] === U8[8 + i] ? -1 : 0; break; // PCMPEQB
    case 0x75: for (let i = 0; i < 4; i++) I16[i] = U16[i] === U16[4 + i] ? -1 : 0; break; // PCMPEQW
    case 0x76: D[0] = D[0] === D[2] ? -1 : 0; D[1] = D[1] === D[3] ? -1 : 0; break; // PCMPEQD
    case 0xd1: { const n = shiftCount(); for (let i = 0; i < 4; i++) U16[i] = n > 15 ? 0 : U16[i] >>> n; break; } // PSRLW
    case 0xd2: { const n = shiftCount(); if (n > 31) { D[0] = 0; D[1] = 0; } else { D[0] = D[0] >>> n; D[1] = D[1] >>> n; } break; } // PSRLD
    case 0xd3: { // PSRLQ
      const n = shiftCount();
      if (n > 63) { D[0] = 0; D[1] = 0; } else if (n >= 32) { D[0] = D[1] >>> (n - 32); D[1] = 0; } else if (n !== 0) { D[0] = (D[0] >>> n) | (D[1] << (32 - n)); D[1] = D[1] >>> n; }
      break;
    }
    case 0xd5: for (let i = 0; i < 4; i++) I16[i] = Math.imul(I16[i], I16[4 + i]); break; // PMULLW
    case 0xd8: for (let i = 0; i < 8; i++) U8[i] = us8(U8[i] - U8[8 + i]); break; // PSUBUSB
    case 0xd9: for (let i = 0; i < 4; i++) U16[i] = us16(U16[i] - U16[4 + i]); break; // PSUBUSW
    case 0xdb: D[0] &= D[2]; D[1] &= D[3]; break; // PAND
    case 0xdc: for (let i = 0; i < 8; i++) U8[i] = us8(U8[i] + U8[8 + i]); break; // PADDUSB
    case 0xdd: for (let i = 0; i < 4; i++) U16[i] = us16(U16[i] + U16[4 + i]); break; // PADDUSW
    case 0xdf: D[0] = ~D[0] & D[2]; D[1] = ~D[1] & D[3]; break; // PANDN
    // MmxExt (SSE integer on MMX registers)
    case 0xda: for (let i = 0; i < 8; i++) U8[i] = Math.min(U8[i], U8[8 + i]); break; // PMINUB
    case 0xde: for (let i = 0; i < 8; i++) U8[i] = Math.max(U8[i], U8[8 + i]); break; // PMAXUB
    case 0xe0: for (let i = 0; i < 8; i++) U8[i] = (U8[i] + U8[8 + i] + 1) >>> 1; break; // PAVGB
    case 0xe3: for (let i = 0; i < 4; i++) U16[i] = (U16[i] + U16[4 + i] + 1) >>> 1; break; // PAVGW
    case 0xe4: for (let i = 0; i < 4; i++) U16[i] = (U16[i] * U16[4 + i]) >>> 16; break; // PMULHUW
    case 0xea: for (let i = 0; i < 4; i++) I16[i] = Math.min(I16[i], I16[4 + i]); break; // PMINSW
    case 0xee: for (let i = 0; i < 4; i++) I16[i] = Math.max(I16[i], I16[4 + i]); break; // PMAXSW
    case 0xf6: { // PSADBW: sum of absolute byte differences in the low word
      let sum = 0;
      for (let i = 0; i < 8; i++) sum += Math.abs(U8[i] - U8[8 + i]);
      D[0] = sum; D[1] = 0;
      break;
    }
    case 0xe1: { const n = Math.min(shiftCount(), 15); for (let i = 0; i < 4; i++) I16[i] = I16[i] >> n; break; } // PSRAW
    case 0xe2: { const n = Math.min(shiftCount(), 31); D[0] = D[0] >> n; D[1] = D[1] >> n; break; } // PSRAD
    case 0xe5: for (let i = 0; i < 4; i++) I16[i] = (I16[i] * I16[4 + i]) >> 16; break; // PMULHW
    case 0xe8: for (let i = 0; i < 8; i++) I8[i] = ss8(I8[i] - I8[8 + i]); break; // PSUBSB
    case 0xe9: for (let i = 0; i < 4; i++) I16[i] = ss16(I16[i] - I16[4 + i]); break; // PSUBSW
    case 0xeb: D[0] |= D[2]; D[1] |= D[3]; break; // POR
    case 0xec: for (let i = 0; i < 8; i++) I8[i] = ss8(I8[i] + I8[8 + i]); break; // PADDSB
    case 0xed: for (let i = 0; i < 4; i++) I16[i] = ss16(I16[i] + I16[4 + i]); break; // PADDSW
    case 0xef: D[0] ^= D[2]; D[1] ^= D[3]; break; // PXOR
    case 0xf1: { const n = shiftCount(); for (let i = 0; i < 4; i++) U16[i] = n > 15 ? 0 : U16[i] << n; break; } // PSLLW
    case 0xf2: { const n = shiftCount(); if (n > 31) { D[0] = 0; D[1] = 0; } else { D[0] = D[0] << n; D[1] = D[1] << n; } break; } // PSLLD
    case 0xf3: { // PSLLQ
      const n = shiftCount();
      if (n > 63) { D[0] = 0; D[1] = 0; } else if (n >= 32) { D[1] = D[0] << (n - 32); D[0] = 0; } else if (n !== 0) { D[1] = (D[1] << n) | (D[0] >>> (32 - n)); D[0] = D[0] << n; }
      break;
    }
    case 0xf5: // PMADDWD: the one overflowing case (all four words 0x8000) wraps to 0x80000000 as on hardware
      D[4] = (I16[0] * I16[4] + I16[1] * I16[5]) | 0; D[5] = (I16[2] * I16[6] + I16[3] * I16[7]) | 0; D[0] = D[4]; D[1] = D[5]; break;
    case 0xf8: D[0] = subB(D[0], D[2]); D[1] = subB(D[1], D[3]); break; // PSUBB
    case 0xf9: D[0] = subW(D[0], D[2]); D[1] = subW(D[1], D[3]); break; // PSUBW
    case 0xfa: D[0] = (D[0] - D[2]) | 0; D[1] = (D[1] - D[3]) | 0; break; // PSUBD
    case 0xfc: D[0] = addB(D[0], D[2]); D[1] = addB(D[1], D[3]); break; // PADDB
    case 0xfd: D[0] = addW(D[0], D[2]); D[1] = addW(D[1], D[3]); break; // PADDW
    case 0xfe: D[0] = (D[0] + D[2]) | 0; D[1] = (D[1] + D[3]) | 0; break; // PADDD
    default: return false;
  }
  return true;
}

/** The arithmetic opcodes (byte after 0F) of the Pentium II MMX set {@link mmxBinary} implements. */
export const MMX_BINARY_OPCODES: readonly number[] = [
  0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x74, 0x75, 0x76,
  0xd1, 0xd2, 0xd3, 0xd5, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd, 0xdf, 0xe1, 0xe2, 0xe5, 0xe8, 0xe9, 0xeb,
  0xec, 0xed, 0xef, 0xf1, 0xf2, 0xf3, 0xf5, 0xf8, 0xf9, 0xfa, 0xfc, 0xfd, 0xfe,
];
/** The MmxExt arithmetic opcodes {@link mmxBinary} implements (PMINUB…PSADBW). */
export const MMXEXT_BINARY_OPCODES: readonly number[] = [0xda, 0xde, 0xe0, 0xe3, 0xe4, 0xea, 0xee, 0xf6];

/** CPUID 8000_0001h EDX bit 22: AMD MMX extensions. */
export const CPUID_EXT_MMXEXT = 1 << 22;

/** PSHUFW: word i of the result is word `(imm >> 2i) & 3` of the source `v[2..3]`; result in `v[0..1]`. */
export function mmxPshufw(v: Int32Array, imm: number): void {
  D[2] = v[2]; D[3] = v[3];
  pshufwLanes(imm);
  v[0] = D[0]; v[1] = D[1];
}
function pshufwLanes(imm: number): void {
  for (let i = 0; i < 4; i++) U16[8 + i] = U16[4 + ((imm >>> (2 * i)) & 3)];
  D[0] = D[4]; D[1] = D[5];
}

// ---- handlers --------------------------------------------------------------------------------

/** Handler operands live in the lane buffer itself: `V[0..1]` destination, `V[2..3]` source. */
const V = D;

/** A 66/F2/F3 prefix turns an MMX opcode into an SSE/SSE2 form (not implemented here). */
function sseForm(c: Cpu): boolean {
  return c.rep !== 0 || c.os !== (c.code32 ? 4 : 2);
}

/**
 * The checks every MMX instruction makes before touching operands (Intel SDM Vol. 3A table
 * 12-1): CR0.EM → #UD, CR0.TS → #NM, pending unmasked x87 exception → #MF.
 */
export function mmxReady(c: Cpu): boolean {
  const cr0 = c.state.cr0;
  if ((cr0 & Cr0.EM) !== 0) { c.ud(); return false; }
  if ((cr0 & Cr0.TS) !== 0) { c.raise(Exc.NM, -1); return false; }
  return !fpuPendingFault(c);
}

/** Read MMi (physical register i) into `V[at]`, `V[at + 1]`. */
function readMm(c: Cpu, i: number, at: number): void {
  const fpu = c.fpu;
  fpu.materialize(i);
  V[at] = fpu.rawLo[i]; V[at + 1] = fpu.rawHi[i];
}

/** Read a 64-bit memory operand into `V[2]`, `V[3]` (the whole operand is limit-checked first). */
function readM64(c: Cpu): boolean {
  c.segAddr(c.eaSeg, c.eaOff, 8, false);
  if (c.fault) return false;
  V[2] = c.rd32(c.eaSeg, c.eaOff);
  if (c.fault) return false;
  V[3] = c.rd32(c.eaSeg, c.eaPlus(4));
  return !c.fault;
}

/** Retire an MMX instruction writing MMi = `V[0]`, `V[1]`. */
function writeMm(c: Cpu, i: number): void {
  c.fpu.mmxWrite(i, V[0], V[1]);
  c.fpu.mmxEnter();
}

/** 0F 60–6B, 74–76, D1–FE: `op mm, mm/m64` (PUNPCKL*: `mm/m32`). */
function mmxArith(c: Cpu): void {
  if (sseForm(c)) { c.unimplemented(); return; }
  c.modrm();
  if (c.fault || !mmxReady(c)) return;
  const op = c.opcode & 0xff;
  if (c.mod === 3) readMm(c, c.rm, 2);
  else if (op <= 0x62) { V[2] = c.rd32(c.eaSeg, c.eaOff); V[3] = 0; if (c.fault) return; }
  else if (!readM64(c)) return;
  readMm(c, c.reg, 0);
  compute(op);
  writeMm(c, c.reg);
}

/** True when the profile has the AMD MMX extensions; otherwise raises #UD (counted as unimplemented). */
function mmxExt(c: Cpu): boolean {
  if ((c.profile.ext1Edx & CPUID_EXT_MMXEXT) !== 0) return true;
  c.unimplemented();
  return false;
}

/**
 * The gate of every MmxExt handler: false, with the instruction already handled (#UD counted
 * as unimplemented), for a 66/F2/F3 (SSE) form or a profile without the AMD MMX extensions.
 */
function mmxExtAvailable(c: Cpu): boolean {
  if (sseForm(c) || !mmxExt(c)) { if (!c.fault) c.unimplemented(); return false; }
  return true;
}

/** MmxExt register-only forms: the gate, ModRM, #UD for a memory operand, then the MMX checks. */
function mmxExtRegForm(c: Cpu): boolean {
  if (!mmxExtAvailable(c)) return false;
  c.modrm();
  if (c.fault) return false;
  if (c.mod !== 3) { c.ud(); return false; }
  return mmxReady(c);
}

/** MmxExt 0F DA, DE, E0, E3, E4, EA, EE, F6: `op mm, mm/m64`. */
function mmxExtArith(c: Cpu): void {
  if (!mmxExtAvailable(c)) return;
  mmxArith(c);
}

/** MmxExt 0F 70: PSHUFW mm, mm/m64, imm8. */
function pshufw(c: Cpu): void {
  if (!mmxExtAvailable(c)) return;
  c.modrm();
  if (c.fault || !mmxReady(c)) return;
  if (c.mod === 3) readMm(c, c.rm, 2);
  else if (!readM64(c)) return;
  pshufwLanes(c.imm & 0xff);
  writeMm(c, c.reg);
}

/** MmxExt 0F C4: PINSRW mm, r32/m16, imm8. */
function pinsrw(c: Cpu): void {
  if (!mmxExtAvailable(c)) return;
  c.modrm();
  if (c.fault || !mmxReady(c)) return;
  const w = c.mod === 3 ? c.r[2 * c.rm] & 0xffff : c.rd16(c.eaSeg, c.eaOff);
  if (c.fault) return;
  readMm(c, c.reg, 0);
  const sel = c.imm & 3, k = sel >>> 1;
  V[k] = (sel & 1) === 0 ? (V[k] & ~0xffff) | w : (V[k] & 0xffff) | (w << 16);
  writeMm(c, c.reg);
}

/** MmxExt 0F C5: PEXTRW r32, mm, imm8 (register form only). */
function pextrw(c: Cpu): void {
  if (!mmxExtRegForm(c)) return;
  readMm(c, c.rm, 0);
  const sel = c.imm & 3;
  c.r[2 * c.reg] = (V[sel >>> 1] >>> (16 * (sel & 1))) & 0xffff;
  c.fpu.mmxEnter();
}

/** MmxExt 0F D7: PMOVMSKB r32, mm (register form only): the byte sign bits. */
function pmovmskb(c: Cpu): void {
  if (!mmxExtRegForm(c)) return;
  readMm(c, c.rm, 0);
  let m = 0;
  for (let i = 0; i < 4; i++) m |= ((V[0] >>> (8 * i + 7)) & 1) << i | ((V[1] >>> (8 * i + 7)) & 1) << (i + 4);
  c.r[2 * c.reg] = m;
  c.fpu.mmxEnter();
}

/** MmxExt 0F E7: MOVNTQ m64, mm (memory form only; the non-temporal hint is ignored). */
function movntq(c: Cpu): void {
  if (!mmxExtAvailable(c)) return;
  c.modrm();
  if (c.fault) return;
  if (c.mod === 3) { c.ud(); return; }
  movqFromMmChecked(c);
}

/**
 * MmxExt 0F F7: MASKMOVQ mm1, mm2 (register form only): the bytes of mm1 whose mask byte in
 * mm2 has bit 7 set are stored at DS:(E)DI (segment overridable). The 8-byte destination is
 * checked as a whole before any byte is written, so a fault leaves memory unchanged (the SDM
 * leaves faults on masked-off bytes implementation specific).
 */
function maskmovq(c: Cpu): void {
  if (!mmxExtRegForm(c)) return;
  readMm(c, c.reg, 0);
  readMm(c, c.rm, 2);
  const seg = c.segOvr >= 0 ? c.segOvr : Seg.DS;
  const di = c.as === 2 ? c.r[14] & 0xffff : c.r[14] >>> 0;
  c.eaOff = di;
  if (!c.checkWrite(seg, di, 8)) return;
  for (let i = 0; i < 8; i++) {
    const k = i >>> 2, sh = 8 * (i & 3);
    if (((V[2 + k] >>> (sh + 7)) & 1) !== 0) c.wr8(seg, c.eaPlus(i), V[k] >>> sh);
  }
  c.fpu.mmxEnter();
}

/** 0F 71/72/73 /2 /4 /6 ib: shifts of an MMX register by an immediate (0F 73 /3, /7 exist only with 66). */
function mmxShiftImm(c: Cpu): void {
  if (sseForm(c)) { c.unimplemented(); return; }
  c.modrm();
  if (c.fault) return;
  const op = c.opcode & 0xff, r = c.reg;
  const valid = c.mod === 3 && (r === 2 || r === 6 || (r === 4 && op !== 0x73));
  if (!valid) { c.ud(); return; }
  const imm = c.imm & 0xff;
  if (!mmxReady(c)) return;
  readMm(c, c.rm, 0);
  V[2] = imm; V[3] = 0;
  compute((r === 2 ? 0xd0 : r === 4 ? 0xe0 : 0xf0) + (op - 0x70));
  writeMm(c, c.rm);
}

/** 0F 6E: MOVD mm, r/m32 (zero-extended). */
function movdToMm(c: Cpu): void {
  if (sseForm(c)) { c.unimplemented(); return; }
  c.modrm();
  if (c.fault || !mmxReady(c)) return;
  const v = c.mod === 3 ? c.r[2 * c.rm] : c.rd32(c.eaSeg, c.eaOff);
  if (c.fault) return;
  V[0] = v; V[1] = 0;
  writeMm(c, c.reg);
}

/** 0F 7E: MOVD r/m32, mm. */
function movdFromMm(c: Cpu): void {
  if (sseForm(c)) { c.unimplemented(); return; }
  c.modrm();
  if (c.fault || !mmxReady(c)) return;
  readMm(c, c.reg, 0);
  if (c.mod === 3) c.r[2 * c.rm] = V[0];
  else { c.wr32(c.eaSeg, c.eaOff, V[0]); if (c.fault) return; }
  c.fpu.mmxEnter();
}

/** 0F 6F: MOVQ mm, mm/m64. */
function movqToMm(c: Cpu): void {
  if (sseForm(c)) { c.unimplemented(); return; }
  c.modrm();
  if (c.fault || !mmxReady(c)) return;
  if (c.mod === 3) readMm(c, c.rm, 2);
  else if (!readM64(c)) return;
  V[0] = V[2]; V[1] = V[3];
  writeMm(c, c.reg);
}

/** 0F 7F: MOVQ mm/m64, mm (the store is checked as a whole before any byte is written). */
function movqFromMm(c: Cpu): void {
  if (sseForm(c)) { c.unimplemented(); return; }
  c.modrm();
  if (c.fault) return;
  movqFromMmChecked(c);
}
/** The body of MOVQ/MOVNTQ mm/m64, mm after decoding. */
function movqFromMmChecked(c: Cpu): void {
  if (!mmxReady(c)) return;
  readMm(c, c.reg, 0);
  if (c.mod === 3) { writeMm(c, c.rm); return; }
  if (!c.checkWrite(c.eaSeg, c.eaOff, 8)) return;
  c.wr32(c.eaSeg, c.eaOff, V[0]);
  c.wr32(c.eaSeg, c.eaPlus(4), V[1]);
  if (!c.fault) c.fpu.mmxEnter();
}

/**
 * 0F 77: EMMS: every tag empty. TOP is set to 0 as well (observed on silicon: the SDM only
 * mentions the tags).
 */
function emms(c: Cpu): void {
  if (sseForm(c)) { c.unimplemented(); return; }
  if (!mmxReady(c)) return;
  c.fpu.tags.fill(3);
  c.fpu.top = 0;
}

/**
 * Install the MMX handlers into a dispatch table indexed like `exec.ts`'s `OPS` (0x100 | byte
 * after 0F). Called once by the dispatch module.
 */
export function registerMmx(ops: ((c: Cpu) => void)[]): void {
  for (const op of MMX_BINARY_OPCODES) ops[0x100 | op] = mmxArith;
  ops[0x171] = ops[0x172] = ops[0x173] = mmxShiftImm;
  ops[0x16e] = movdToMm;
  ops[0x16f] = movqToMm;
  ops[0x17e] = movdFromMm;
  ops[0x17f] = movqFromMm;
  ops[0x177] = emms;
  for (const op of MMXEXT_BINARY_OPCODES) ops[0x100 | op] = mmxExtArith;
  ops[0x170] = pshufw;
  ops[0x1c4] = pinsrw;
  ops[0x1c5] = pextrw;
  ops[0x1d7] = pmovmskb;
  ops[0x1e7] = movntq;
  ops[0x1f7] = maskmovq;
}
