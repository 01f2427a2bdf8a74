/**
 * FXSAVE/FXRSTOR (0F AE /0, /1) and the SIMD register state (Intel SDM Vol. 2A "FXSAVE", tables
 * 3-43/3-44 and "FXRSTOR"; Vol. 1, 10.5). The 512-byte image in the 32-bit (non-64-bit-mode)
 * layout:
 *
 * | bytes | field |
 * | --- | --- |
 * | 0–1, 2–3 | FCW, FSW |
 * | 4, 5 | abridged FTW (bit i = physical register i not empty), 0 |
 * | 6–7 | FOP (11 bits) |
 * | 8–11, 12–13, 14–15 | FIP, FCS, 0 |
 * | 16–19, 20–21, 22–23 | FDP, FDS, 0 |
 * | 24–27, 28–31 | MXCSR, MXCSR_MASK |
 * | 32 + 16·i | ST(i) (stack order), 10 bytes, then 6 zero bytes |
 * | 160 + 16·i | XMMi, i = 0–7 (only when CR4.OSFXSR = 1) |
 * | 288–511 | not written (reserved, then available to software) |
 *
 * Checks, in order: no memory operand (or a 66/F2/F3 prefix) → #UD; CR0.EM → #UD; CR0.TS →
 * #NM; a linear address not 16-byte aligned → #GP(0); the 512-byte operand's segment limit and
 * rights → #GP(0)/#SS(0); paging (#PF: the last byte's page is checked first, as the silicon
 * does). FXRSTOR also raises #GP(0) when the image's MXCSR sets
 * a bit outside MXCSR_MASK, before any state changes. Neither waits for pending x87 exceptions
 * (no #MF). With CR4.OSFXSR = 0 the XMM registers are neither saved nor restored (AMD APM
 * Vol. 4 "FXSAVE"; the SDM calls it implementation dependent); MXCSR always is.
 *
 * The XMM registers and MXCSR live in core's `CpuState` (`xmm`, `mxcsr`) as state only: no SSE
 * instruction is implemented (CPUID does not advertise SSE).
 */
import { Cr0, Cr4, Exc } from '@x86kit/core';
import type { CpuState } from '@x86kit/core';
import type { Cpu } from './cpu.js';
import { decodeF80, fcwOf, type Fpu } from './fpu.js';
import { CPUID_EXT_MMXEXT } from './mmx.js';

/** Bytes of the image FXSAVE writes (288–511 are left alone). */
export const FXSAVE_WRITTEN_BYTES = 288;
/** MXCSR_MASK reported when the profile does not give one (no DAZ: Intel SDM Vol. 1, 11.6.6). */
export const DEFAULT_MXCSR_MASK = 0xffbf;

/**
 * Fill `img[0..288)` with the FXSAVE image of `fpu` and `state` (XMM only when `withXmm`;
 * otherwise bytes 160–287 are left unchanged). Plain function: no memory access, no checks.
 */
export function fxsaveImage(fpu: Fpu, state: CpuState, mxcsrMask: number, withXmm: boolean, img: Uint8Array): void {
  const put16 = (o: number, v: number): void => { img[o] = v; img[o + 1] = v >>> 8; };
  const put32 = (o: number, v: number): void => { img[o] = v; img[o + 1] = v >>> 8; img[o + 2] = v >>> 16; img[o + 3] = v >>> 24; };
  put16(0, fpu.control);
  put16(2, fpu.statusWord());
  img[4] = fpu.abridgedTag();
  img[5] = 0;
  put16(6, fpu.fop & 0x7ff);
  put32(8, fpu.fip);
  put16(12, fpu.fcs);
  put16(14, 0);
  put32(16, fpu.fdp);
  put16(20, fpu.fds);
  put16(22, 0);
  put32(24, state.mxcsr);
  put32(28, mxcsrMask);
  for (let i = 0; i < 8; i++) {
    const p = (fpu.top + i) & 7, o = 32 + 16 * i;
    fpu.materialize(p); // registers keep their contents whatever their tag: saved as they are
    put32(o, fpu.rawLo[p]);
    put32(o + 4, fpu.rawHi[p]);
    put16(o + 8, fpu.rawSe[p]);
    for (let k = 10; k < 16; k++) img[o + k] = 0;
  }
  if (withXmm) for (let i = 0; i < 32; i++) put32(160 + 4 * i, state.xmm[i]);
}

/**
 * Load the FXRSTOR image `img[0..288)` into `fpu` and `state` (XMM only when `withXmm`).
 * Returns false, changing nothing, when the image's MXCSR has a bit outside `mxcsrMask`
 * (the caller raises #GP(0)).
 */
export function fxrstorImage(fpu: Fpu, state: CpuState, mxcsrMask: number, withXmm: boolean, img: Uint8Array): boolean {
  const get16 = (o: number): number => img[o] | (img[o + 1] << 8);
  const get32 = (o: number): number => img[o] | (img[o + 1] << 8) | (img[o + 2] << 16) | (img[o + 3] << 24);
  const mxcsr = get32(24);
  if ((mxcsr & ~mxcsrMask) !== 0) return false;
  // FCW: reserved bits as FLDCW loads them; FSW.ES and FSW.B are recomputed from the exception
  // flags and masks (as observed on silicon)
  const fcw = fcwOf(get16(0));
  const fsw = get16(2);
  fpu.control = fcw;
  fpu.status = (fsw & 0x477f) | ((fsw & ~fcw & 0x3f) !== 0 ? 0x8080 : 0);
  fpu.top = (fsw >>> 11) & 7;
  fpu.fop = get16(6) & 0x7ff;
  fpu.fip = get32(8);
  fpu.fcs = get16(12);
  fpu.fdp = get32(16);
  fpu.fds = get16(20);
  state.mxcsr = mxcsr;
  for (let i = 0; i < 8; i++) {
    const p = (fpu.top + i) & 7, o = 32 + 16 * i;
    const lo = get32(o), hi = get32(o + 4), se = get16(o + 8);
    fpu.rawValid[p] = 1; fpu.rawLo[p] = lo; fpu.rawHi[p] = hi; fpu.rawSe[p] = se;
    fpu.regs[p] = decodeF80(lo, hi, se);
  }
  const ftw = img[4];
  for (let p = 0; p < 8; p++) {
    // not empty: the tag follows the value (FXRSTOR page), classified from the image
    fpu.tags[p] = 0;
    if ((ftw & (1 << p)) === 0) fpu.tags[p] = 3; else fpu.tags[p] = fpu.contentTag(p);
  }
  if (withXmm) for (let i = 0; i < 32; i++) state.xmm[i] = get32(160 + 4 * i);
  return true;
}

const IMG = new Uint8Array(FXSAVE_WRITTEN_BYTES);

/** MXCSR_MASK of the CPU's profile. */
function maskOf(c: Cpu): number { return c.profile.mxcsrMask ?? DEFAULT_MXCSR_MASK; }

/**
 * The checks FXSAVE and FXRSTOR share, up to the alignment check. Returns the linear address
 * of the operand (after the segment checks for `write`), or −1 after raising a fault.
 */
function fxCommon(c: Cpu, write: boolean): number {
  const cr0 = c.state.cr0;
  if ((cr0 & Cr0.EM) !== 0) { c.ud(); return -1; }
  if ((cr0 & Cr0.TS) !== 0) { c.raise(Exc.NM, -1); return -1; }
  // alignment of the linear address first, then the whole 512-byte operand's segment checks
  if (((c.state.segBase[2 * c.eaSeg] + c.eaOff) & 15) !== 0) { c.gp(0); return -1; }
  const lin = c.segAddr(c.eaSeg, c.eaOff, 512, write) >>> 0;
  if (c.fault) return -1;
  // the silicon probes the operand's last byte first: when the 512 bytes span two pages and the
  // second one faults, CR2 = base + 511 (observed for both FXSAVE and FXRSTOR on Zen 4)
  if (((lin ^ (lin + 511)) & ~0xfff) !== 0 && c.translate((lin + 511) | 0, write ? 1 : 0) < 0) return -1;
  return lin;
}

/** FXSAVE m512byte. */
export function fxsave(c: Cpu): void {
  if (fxCommon(c, true) < 0) return;
  if (!c.checkWrite(c.eaSeg, c.eaOff, 512)) return;
  const withXmm = (c.state.cr4 & Cr4.OSFXSR) !== 0;
  fxsaveImage(c.fpu, c.state, maskOf(c), withXmm, IMG);
  const n = withXmm ? FXSAVE_WRITTEN_BYTES : 160;
  for (let o = 0; o < n; o += 4) c.wr32(c.eaSeg, c.eaPlus(o), IMG[o] | (IMG[o + 1] << 8) | (IMG[o + 2] << 16) | (IMG[o + 3] << 24));
}

/** FXRSTOR m512byte. */
export function fxrstor(c: Cpu): void {
  if (fxCommon(c, false) < 0) return;
  for (let o = 0; o < FXSAVE_WRITTEN_BYTES; o += 4) {
    const v = c.rd32(c.eaSeg, c.eaPlus(o));
    if (c.fault) return;
    IMG[o] = v; IMG[o + 1] = v >>> 8; IMG[o + 2] = v >>> 16; IMG[o + 3] = v >>> 24;
  }
  if (!fxrstorImage(c.fpu, c.state, maskOf(c), (c.state.cr4 & Cr4.OSFXSR) !== 0, IMG)) c.gp(0);
}

/**
 * 0F AE (group 15): /0 FXSAVE and /1 FXRSTOR with a memory operand, and SFENCE (0F AE F8–FF)
 * when the profile has AMD's MMX extensions. The other members (LDMXCSR, STMXCSR, XSAVE…,
 * LFENCE/MFENCE, CLFLUSH) and prefixed forms are not implemented: #UD, counted as unimplemented.
 */
export function group15(c: Cpu): void {
  if (c.rep !== 0 || c.os !== (c.code32 ? 4 : 2)) { c.unimplemented(); return; }
  c.modrm();
  if (c.fault) return;
  if (c.mod === 3 && c.reg === 7 && (c.profile.ext1Edx & CPUID_EXT_MMXEXT) !== 0) return; // SFENCE (MmxExt): stores are in order here
  if (c.mod === 3 || c.reg > 1) { c.unimplemented(); return; }
  if (c.reg === 0) fxsave(c); else fxrstor(c);
}

/** Install the FXSAVE/FXRSTOR handler into a dispatch table indexed like `exec.ts`'s `OPS`. */
export function registerFxsave(ops: ((c: Cpu) => void)[]): void {
  ops[0x1ae] = group15;
}

/**
 * Serialised SIMD state (part of the interpreter snapshot): MXCSR, XMM0–7 as 32 hex digits
 * each (big-endian), and the x87 last-instruction pointers FXSAVE/FNSTENV expose
 * (`[fip, fcs, fdp, fds, fop]`).
 */
export interface SimdSnapshot {
  mxcsr: number;
  xmm: string[];
  fpuPointers: [number, number, number, number, number];
}

/** The SIMD state of `state` (and the x87 pointers of `fpu`) as a {@link SimdSnapshot}. */
export function simdSnapshot(state: CpuState, fpu: Fpu): SimdSnapshot {
  const xmm: string[] = [];
  for (let r = 0; r < 8; r++) {
    let s = '';
    for (let d = 3; d >= 0; d--) s += (state.xmm[4 * r + d] >>> 0).toString(16).padStart(8, '0');
    xmm.push(s);
  }
  return { mxcsr: state.mxcsr >>> 0, xmm, fpuPointers: [fpu.fip >>> 0, fpu.fcs, fpu.fdp >>> 0, fpu.fds, fpu.fop] };
}

/** Restore a {@link SimdSnapshot} into `state` and `fpu`. */
export function simdRestore(state: CpuState, fpu: Fpu, s: SimdSnapshot): void {
  state.mxcsr = s.mxcsr | 0;
  for (let r = 0; r < 8 && r < s.xmm.length; r++) {
    const h = s.xmm[r];
    for (let d = 0; d < 4; d++) state.xmm[4 * r + d] = parseInt(h.slice(24 - 8 * d, 32 - 8 * d), 16) | 0;
  }
  const p = s.fpuPointers;
  fpu.fip = p[0]; fpu.fcs = p[1]; fpu.fdp = p[2]; fpu.fds = p[3]; fpu.fop = p[4];
}
