/**
 * x87 FPU (Intel SDM Vol. 1 ch. 8; instruction pages in Vol. 2). Registers are held as
 * float64: arithmetic is double precision, not 64-bit-mantissa extended precision (the
 * documented deviation); FLD/FSTP m80 convert exactly for every value a double can hold.
 * Stack, tags, control/status words, condition codes, the six exception flags with masking
 * and deferred #MF (at the next waiting FPU instruction, CR0.NE = 1), FNSAVE/FRSTOR and
 * FNSTENV/FLDENV (32- and 16-bit protected-mode layouts) are modelled.
 */
import { Cr0, Exc, Rflags } from '@x86kit/core';
import type { Cpu } from './cpu.js';

const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, SF = 64, ES = 128;
const C0 = 1 << 8, C1 = 1 << 9, C2 = 1 << 10, C3 = 1 << 14;
const TAG_EMPTY = 3;

const scratch = new ArrayBuffer(16);
const f32 = new Float32Array(scratch);
const f64 = new Float64Array(scratch);
const u32 = new Uint32Array(scratch);

/** FPU register file and control state. */
export class Fpu {
  /** Physical registers R0–R7 (ST(i) = R[(top + i) & 7]). */
  readonly regs = new Float64Array(8);
  /** Tag per physical register: 0 valid, 1 zero, 2 special, 3 empty. */
  readonly tags = new Uint8Array(8).fill(TAG_EMPTY);
  /** The same eight tags as two int32 words (MMX sets or tests all of them at once). */
  private readonly tags32 = new Int32Array(this.tags.buffer);
  top = 0;
  control = 0x37f;
  /** Status word without TOP (bits 13:11 are inserted on read). */
  status = 0;
  /**
   * Exact 80-bit images of registers loaded from m80 (FLD/FRSTOR) or constants (FLDPI...), so
   * FLD/FSTP m80 round trips are bit-exact although values are held as float64. Any
   * arithmetic result clears the image (`rawValid`).
   */
  readonly rawValid = new Uint8Array(8);
  readonly rawLo = new Int32Array(8);
  readonly rawHi = new Int32Array(8);
  readonly rawSe = new Uint16Array(8);
  /** Last instruction/operand pointers (FNSTENV). */
  fip = 0; fcs = 0; fdp = 0; fds = 0; fop = 0;

  /**
   * FNINIT (and the reset half of FNSAVE): control/status/tags/pointers; the data registers keep
   * their contents (Intel SDM Vol. 1, 8.1.7), which MMX reads and FXSAVE/FNSAVE can still see.
   */
  reset(): void {
    this.control = 0x37f; this.status = 0; this.top = 0; this.tags.fill(TAG_EMPTY);
    this.fip = 0; this.fcs = 0; this.fdp = 0; this.fds = 0; this.fop = 0;
  }
  /**
   * Power-up/RESET state (Intel SDM Vol. 3A table 10-1): FCW 0x0040, tags empty, R0–R7 = +0
   * (INIT, unlike RESET, would leave the registers alone).
   */
  powerOn(): void {
    this.reset();
    this.control = 0x40;
    this.regs.fill(0);
    this.rawValid.fill(0);
  }
  statusWord(): number { return (this.status & ~0x3800) | ((this.top & 7) << 11); }
  /**
   * The full tag word as FNSTENV/FNSAVE store it: empty registers from the tag register, the
   * others classified from their contents (valid, zero, special: Intel SDM Vol. 3A, 12.2.1 and
   * the FXSAVE page's "Recreating FSAVE Format"). So after an MMX instruction (all tags valid,
   * exponents all ones) the stored tags read "special".
   */
  tagWord(): number {
    let t = 0;
    for (let i = 0; i < 8; i++) t |= this.contentTag(i) << (2 * i);
    return t;
  }
  /** Tag of physical register `i` (3 = empty), computed from its contents when it is not empty. */
  contentTag(i: number): number {
    const tag = this.tags[i];
    if (tag === TAG_EMPTY) return tag;
    if (this.rawValid[i] === 0) return Fpu.tagOf(this.regs[i]); // float64 contents: an exact image is normal
    const exp = this.rawSe[i] & 0x7fff, lo = this.rawLo[i], hi = this.rawHi[i];
    if (exp === 0x7fff) return 2;
    if (exp === 0) return lo === 0 && hi === 0 ? 1 : 2;
    return hi < 0 ? 0 : 2; // integer bit J clear: unnormal
  }
  /** The FXSAVE abridged tag byte: bit i set when physical register i is not empty. */
  abridgedTag(): number {
    let t = 0;
    for (let i = 0; i < 8; i++) if (this.tags[i] !== TAG_EMPTY) t |= 1 << i;
    return t;
  }

  // ---- MMX aliasing (Intel SDM Vol. 1, 9.5; Vol. 3A, 12.2) ----------------------------------

  /**
   * Make physical register `i`'s exact 80-bit image explicit (a value computed as float64 is
   * encoded; an image loaded from memory or written by MMX is kept). MMX reads the significand.
   */
  materialize(i: number): void {
    if (this.rawValid[i] !== 0) return;
    encodeF80(this.regs[i]);
    this.rawValid[i] = 1; this.rawLo[i] = encLo; this.rawHi[i] = encHi; this.rawSe[i] = encSe;
  }
  /**
   * MMX write of MMi (physical register i): the significand takes the 64-bit value, sign and
   * exponent become all ones. (The register then reads as a NaN, or −∞ for 0x8000000000000000.)
   */
  mmxWrite(i: number, lo: number, hi: number): void {
    this.rawValid[i] = 1; this.rawLo[i] = lo; this.rawHi[i] = hi; this.rawSe[i] = 0xffff;
    this.regs[i] = lo === 0 && hi === (0x80000000 | 0) ? -Infinity : NaN;
  }
  /** What every MMX instruction except EMMS does to the x87 state: TOP = 0, all tags valid. */
  mmxEnter(): void {
    this.top = 0;
    this.tags32[0] = 0; this.tags32[1] = 0;
  }
  setTagWord(t: number): void {
    for (let i = 0; i < 8; i++) this.tags[i] = (t >>> (2 * i)) & 3;
  }
  private static tagOf(v: number): number { return v === 0 ? 1 : Number.isFinite(v) ? 0 : 2; }
  isEmpty(i: number): boolean { return this.tags[(this.top + i) & 7] === TAG_EMPTY; }
  /** ST(i) holds a signaling NaN image (exponent all ones, integer bit set, quiet bit clear, non-zero fraction). */
  isSignalingNaN(i: number): boolean {
    const p = (this.top + i) & 7;
    if (this.tags[p] === TAG_EMPTY || this.rawValid[p] === 0 || (this.rawSe[p] & 0x7fff) !== 0x7fff) return false;
    const hi = this.rawHi[p];
    return hi < 0 && (hi & 0x40000000) === 0 && ((hi & 0x3fffffff) | this.rawLo[p]) !== 0;
  }
  /** ST(i) holds an unsupported 80-bit encoding (exponent ≠ 0 with the integer bit clear). */
  isUnsupported(i: number): boolean {
    const p = (this.top + i) & 7;
    return this.tags[p] !== TAG_EMPTY && this.rawValid[p] !== 0 && (this.rawSe[p] & 0x7fff) !== 0 && this.rawHi[p] >= 0;
  }
  /** ST(i) holds an 80-bit denormal or pseudo-denormal (exponent 0, significand ≠ 0). */
  isDenormal(i: number): boolean {
    const p = (this.top + i) & 7;
    return this.tags[p] !== TAG_EMPTY && this.rawValid[p] !== 0 && (this.rawSe[p] & 0x7fff) === 0 && (this.rawLo[p] | this.rawHi[p]) !== 0;
  }
  /** ST(i); an empty register reads as NaN, which gives the masked stack-underflow response. */
  st(i: number): number { const p = (this.top + i) & 7; return this.tags[p] === TAG_EMPTY ? NaN : this.regs[p]; }
  setSt(i: number, v: number): void { const p = (this.top + i) & 7; this.regs[p] = v; this.tags[p] = Fpu.tagOf(v); this.rawValid[p] = 0; }
  /** Attach an exact 80-bit image to ST(i). */
  setRaw(i: number, lo: number, hi: number, se: number): void {
    const p = (this.top + i) & 7;
    this.rawValid[p] = 1; this.rawLo[p] = lo; this.rawHi[p] = hi; this.rawSe[p] = se;
  }
  /**
   * Copy ST(src)'s 80-bit image (or its absence) to ST(dst). An empty source reads as the QNaN
   * indefinite (masked underflow), so its stale image is not copied.
   */
  copyRaw(dst: number, src: number): void {
    const d = (this.top + dst) & 7, q = (this.top + src) & 7;
    this.rawValid[d] = this.tags[q] === TAG_EMPTY ? 0 : this.rawValid[q];
    this.rawLo[d] = this.rawLo[q]; this.rawHi[d] = this.rawHi[q]; this.rawSe[d] = this.rawSe[q];
  }
  /** Raise exception flags; returns true when any raised one is unmasked (result must not be stored). */
  exc(flags: number): boolean {
    this.status |= flags;
    if ((flags & ~this.control & 0x3f) !== 0) { this.status |= ES | 0x8000; return true; }
    return false;
  }
  /**
   * Push `v`. Returns true when `v` itself was stored; false on stack overflow, when either
   * nothing was stored (IE unmasked) or the QNaN indefinite was pushed (masked response), so a
   * caller attaching an exact 80-bit image to the new ST(0) must only do so on true.
   */
  push(v: number): boolean {
    const p = (this.top - 1) & 7;
    let stored = true;
    if (this.tags[p] !== TAG_EMPTY) { // stack overflow
      this.status |= C1;
      if (this.exc(IE | SF)) return false;
      v = NaN;
      stored = false;
    }
    this.top = p;
    this.regs[p] = v;
    this.tags[p] = Fpu.tagOf(v);
    this.rawValid[p] = 0;
    return stored;
  }
  pop(): void { this.tags[this.top] = TAG_EMPTY; this.top = (this.top + 1) & 7; }
  /** Push without the overflow check (the masked stack-underflow response of FLD ST(i)). */
  pushForce(v: number): void {
    const p = (this.top - 1) & 7;
    this.top = p;
    this.regs[p] = v;
    this.tags[p] = Fpu.tagOf(v);
    this.rawValid[p] = 0;
  }
  /**
   * Stack-underflow check for reading ST(i): raises IE/SF when it is empty and returns false
   * only when IE is unmasked (then nothing is stored); masked, the operation goes on with the
   * empty register reading as the QNaN indefinite (Intel SDM Vol. 1, 8.5.1.2).
   */
  need(i: number): boolean {
    if (!this.isEmpty(i)) return true;
    this.status &= ~C1;
    return !this.exc(IE | SF);
  }
}

// ---- conversions ------------------------------------------------------------------------------

/** Set by {@link readF32}/{@link readF64}: the operand just read is a denormal (for #D). */
let memDenormal = false;
/** Set by {@link readF32}/{@link readF64}: 0, or 1/2 when the operand is a QNaN/SNaN, with its 80-bit image. */
let memNan = 0, memNanLo = 0, memNanHi = 0, memNanSe = 0;
function readF32(c: Cpu, seg: number, off: number): number {
  const b = c.rd32(seg, off);
  u32[0] = b;
  memDenormal = (b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0;
  memNan = (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0 ? ((b & 0x400000) !== 0 ? 1 : 2) : 0;
  if (memNan !== 0) { memNanSe = ((b >>> 16) & 0x8000) | 0x7fff; memNanHi = 0x80000000 | ((b & 0x7fffff) << 8); memNanLo = 0; }
  return f32[0];
}
function readF64(c: Cpu, seg: number, off: number): number {
  c.segAddr(seg, off, 8, false); // the whole operand is limit-checked before any byte is read
  if (c.fault) return 0;
  const lo = c.rd32(seg, off), hi = c.rd32(seg, c.eaPlus(4));
  u32[0] = lo; u32[1] = hi;
  memDenormal = (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0;
  memNan = (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0 ? ((hi & 0x80000) !== 0 ? 1 : 2) : 0;
  if (memNan !== 0) { memNanSe = ((hi >>> 16) & 0x8000) | 0x7fff; memNanHi = 0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21); memNanLo = lo << 11; }
  return f64[0];
}
/** The 80-bit image read by the last {@link readF80}. */
let lastLo = 0, lastHi = 0, lastSe = 0;
function readF80(c: Cpu, seg: number, off: number): number {
  c.segAddr(seg, off, 10, false);
  if (c.fault) return 0;
  const lo = c.rd32(seg, off) >>> 0, hi = c.rd32(seg, c.eaPlus(4)) >>> 0, se = c.rd16(seg, c.eaPlus(8));
  lastLo = lo | 0; lastHi = hi | 0; lastSe = se;
  return decodeF80(lo, hi, se);
}
/** Output of {@link encodeF80}: the 80-bit image as low/high significand dwords and sign+exponent. */
let encLo = 0, encHi = 0, encSe = 0;
/**
 * Encode a float64 as an 80-bit extended image (exact: every double is representable). NaN
 * becomes the default (negative) quiet NaN. Result in {@link encLo}/{@link encHi}/{@link encSe}.
 */
function encodeF80(v: number): void {
  let se = 0, hi = 0, lo = 0;
  if (Number.isNaN(v)) { se = 0xffff; hi = 0xc0000000 | 0; lo = 0; }
  else if (!Number.isFinite(v)) { se = v < 0 ? 0xffff : 0x7fff; hi = 0x80000000 | 0; }
  else if (v === 0) { se = Object.is(v, -0) ? 0x8000 : 0; }
  else {
    const sign = v < 0 ? 0x8000 : 0;
    const a = Math.abs(v);
    let e = Math.floor(Math.log2(a));
    // correct rounding of log2
    if (Math.pow(2, e) > a) e--;
    if (Math.pow(2, e + 1) <= a) e++;
    const m = a / Math.pow(2, e - 63); // in [2^63, 2^64)
    hi = Math.floor(m / 4294967296) | 0;
    lo = (m - (hi >>> 0) * 4294967296) | 0;
    se = sign | ((e + 16383) & 0x7fff);
  }
  encLo = lo; encHi = hi; encSe = se;
}
/** Decode an 80-bit image to the nearest float64 (unsupported encodings and NaNs give NaN). */
export function decodeF80(lo: number, hi: number, se: number): number {
  const sign = (se & 0x8000) !== 0 ? -1 : 1, exp = se & 0x7fff;
  if (exp !== 0 && (hi | 0) >= 0) return NaN; // unnormal, pseudo-NaN/infinity: unsupported, read as NaN
  lo >>>= 0; hi >>>= 0;
  if (exp === 0x7fff) return (hi & 0x7fffffff) === 0 && lo === 0 ? sign * Infinity : NaN;
  const mant = hi * 4294967296 + lo; // 64-bit mantissa (rounded to double)
  if (mant === 0) return sign * 0;
  return sign * mant * Math.pow(2, (exp === 0 ? 1 : exp) - 16383 - 63);
}
function writeF80(c: Cpu, seg: number, off: number, v: number, fpu: Fpu, i: number): void {
  let se = 0, hi = 0, lo = 0;
  const p = (fpu.top + i) & 7;
  if (fpu.rawValid[p] !== 0 && fpu.tags[p] !== TAG_EMPTY) {
    lo = fpu.rawLo[p]; hi = fpu.rawHi[p]; se = fpu.rawSe[p];
  } else {
    encodeF80(v);
    lo = encLo; hi = encHi; se = encSe;
  }
  c.wr32(seg, off, lo);
  c.wr32(seg, c.eaPlus(4), hi);
  c.wr16(seg, c.eaPlus(8), se);
}

/**
 * PE and C1 (rounded up) of FST m32/m64 (round to nearest only): `v` is ST(0) as float64, `r`
 * the stored value; `dropMask` the significand bits of an exact 80-bit image a float64 store
 * drops (0x7FF for m64, 0 for m32, where the float64 comparison decides).
 */
function storeRounding(fpu: Fpu, v: number, r: number, dropMask: number): void {
  if (Number.isNaN(v) || !Number.isFinite(v)) return;
  const p = fpu.top & 7;
  let inexact = r !== v, up = Math.abs(r) > Math.abs(v);
  if (fpu.rawValid[p] !== 0) {
    const lo = fpu.rawLo[p], exp = fpu.rawSe[p] & 0x7fff;
    if (dropMask !== 0 && exp > 0x3c00 && exp < 0x43ff) { // normal as a double: 11 bits dropped
      const dropped = lo & dropMask;
      inexact = dropped !== 0;
      up = dropped > 0x400 || (dropped === 0x400 && (lo & 0x800) !== 0);
    } else if (dropMask === 0 && (lo & 0x7ff) !== 0) {
      inexact = true;
    }
  }
  if (!inexact) return;
  if (up) fpu.status |= C1;
  fpu.exc(PE);
}

/** Round per the control word's RC field. */
function roundRc(fpu: Fpu, v: number): number {
  switch ((fpu.control >>> 10) & 3) {
    case 0: { // nearest even
      const r = Math.round(v);
      return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
    case 1: return Math.floor(v);
    case 2: return Math.ceil(v);
    default: return Math.trunc(v);
  }
}

// ---- arithmetic ----------------------------------------------------------------------------------

/**
 * Source-operand checks of arithmetic and compares: an unsupported 80-bit encoding (unnormal,
 * pseudo-NaN, pseudo-infinity: integer bit clear with a non-zero exponent) is an invalid
 * operand (#IA; masked, the result is the indefinite: such values read as NaN); otherwise a
 * denormal source (80-bit exponent 0 with a non-zero significand, or a denormal m32/m64) raises
 * #D unless the other operand is a NaN (Intel SDM Vol. 1, 8.5.1.2 and 8.5.2). `ra`/`rb`: the
 * ST index of each source, −1 for the m32/m64 just read, −2 for an integer. Returns true when
 * the raised exception is unmasked (nothing is stored).
 */
function sourceChecks(fpu: Fpu, a: number, b: number, ra: number, rb: number): boolean {
  if ((ra >= 0 && fpu.isUnsupported(ra)) || (rb >= 0 && fpu.isUnsupported(rb))) return fpu.exc(IE);
  const den = (ra >= 0 && fpu.isDenormal(ra)) || (rb >= 0 ? fpu.isDenormal(rb) : rb === -1 && memDenormal);
  if (!den || Number.isNaN(a) || Number.isNaN(b)) return false;
  return fpu.exc(DE);
}

/** Result image of {@link nanOperands}. */
let nanLo = 0, nanHi = 0, nanSe = 0;
let opLo = 0, opHi = 0, opSe = 0;
/** NaN kind of ST(i) (0 none, 1 QNaN, 2 SNaN) with its image in opLo/opHi/opSe; empty or unsupported: the indefinite. */
function regNan(fpu: Fpu, i: number): number {
  if (!Number.isNaN(fpu.st(i))) return 0;
  const p = (fpu.top + i) & 7;
  const se = fpu.rawSe[p], hi = fpu.rawHi[p], lo = fpu.rawLo[p];
  if (fpu.tags[p] === TAG_EMPTY || fpu.rawValid[p] === 0 || (se & 0x7fff) !== 0x7fff || hi >= 0 || ((hi & 0x7fffffff) | lo) === 0) {
    opLo = 0; opHi = 0xc0000000 | 0; opSe = 0xffff; return 1;
  }
  opLo = lo; opHi = hi; opSe = se;
  return (hi & 0x40000000) !== 0 ? 1 : 2;
}
/**
 * NaN operands of an arithmetic instruction (Intel SDM Vol. 1, table 4-7, x87 column): an SNaN
 * raises IE; the result is the QNaN operand when one is a QNaN and the other an SNaN, else the
 * NaN with the larger significand (the first on a tie), quieted. `ra`/`rb`: ST indices, −1 for
 * the m32/m64 just read, −2 for an integer. Returns 0 when neither is a NaN, 1 when the result
 * is in nanLo/nanHi/nanSe, 2 when IE is unmasked (nothing is stored).
 */
function nanOperands(fpu: Fpu, ra: number, rb: number): number {
  if ((ra >= 0 && fpu.isEmpty(ra)) || (rb >= 0 && fpu.isEmpty(rb))) { // masked stack underflow: the indefinite
    nanLo = 0; nanHi = 0xc0000000 | 0; nanSe = 0xffff;
    return 1;
  }
  let ka = 0, la = 0, ha = 0, sa = 0, kb = 0, lb = 0, hb = 0, sb = 0;
  if (ra >= 0) { ka = regNan(fpu, ra); la = opLo; ha = opHi; sa = opSe; }
  if (rb >= 0) { kb = regNan(fpu, rb); lb = opLo; hb = opHi; sb = opSe; }
  else if (rb === -1 && memNan !== 0) { kb = memNan; lb = memNanLo; hb = memNanHi; sb = memNanSe; }
  if (ka === 0 && kb === 0) return 0;
  if ((ka === 2 || kb === 2) && fpu.exc(IE)) return 2;
  let pickA: boolean;
  if (kb === 0) pickA = true;
  else if (ka === 0) pickA = false;
  else if (ka !== kb) pickA = ka === 1;
  else {
    const ma = (ha & 0xbfffffff) >>> 0, mb = (hb & 0xbfffffff) >>> 0; // significands without the quiet bit
    pickA = ma > mb || (ma === mb && (la >>> 0) >= (lb >>> 0));
  }
  if (pickA) { nanLo = la; nanHi = ha | 0x40000000; nanSe = sa; } else { nanLo = lb; nanHi = hb | 0x40000000; nanSe = sb; }
  return 1;
}

function arith(fpu: Fpu, op: number, a: number, b: number): number {
  // op: 0 add, 1 mul, 4 sub (a-b), 5 subr (b-a), 6 div (a/b), 7 divr (b/a)
  switch (op) {
    case 0: if (a === Infinity && b === -Infinity || a === -Infinity && b === Infinity) { fpu.exc(IE); return NaN; } return a + b;
    case 1: if ((a === 0 && !Number.isFinite(b)) || (b === 0 && !Number.isFinite(a))) { fpu.exc(IE); return NaN; } return a * b;
    case 4: return a - b;
    case 5: return b - a;
    case 6:
      if (b === 0) { if (a === 0 || Number.isNaN(a)) { fpu.exc(IE); return NaN; } fpu.exc(ZE); return a / b; }
      return a / b;
    default:
      if (a === 0) { if (b === 0) { fpu.exc(IE); return NaN; } fpu.exc(ZE); return b / a; }
      return b / a;
  }
}
/** True when an exception raised since `before` (a status snapshot) is unmasked: the result is not stored. */
function unmaskedSince(fpu: Fpu, before: number): boolean {
  return ((fpu.status & ~before) & ~fpu.control & 0x3f) !== 0;
}
function checkResult(fpu: Fpu, r: number): boolean {
  if (Number.isFinite(r) && Math.abs(r) > 1.7976931348623157e308) return !fpu.exc(OE | PE);
  if (r !== 0 && Math.abs(r) < 2.2250738585072014e-308) return !fpu.exc(UE | PE);
  return true;
}
/** An SNaN or unsupported operand makes even the unordered compares (FUCOM*, FUCOMI*) invalid. */
function signaling(fpu: Fpu, i: number, j: number): boolean {
  return fpu.isSignalingNaN(i) || fpu.isSignalingNaN(j) || fpu.isUnsupported(i) || fpu.isUnsupported(j);
}
function compare(fpu: Fpu, a: number, b: number, unordered: boolean): void {
  fpu.status &= ~(C0 | C1 | C2 | C3);
  if (Number.isNaN(a) || Number.isNaN(b)) { if (!unordered) fpu.exc(IE); fpu.status |= C0 | C2 | C3; return; }
  if (a > b) return;
  fpu.status |= a < b ? C0 : C3;
}
function comi(c: Cpu, a: number, b: number, unordered: boolean): void {
  let f = 0;
  if (Number.isNaN(a) || Number.isNaN(b)) { if (!unordered) c.fpu.exc(IE); f = Rflags.ZF | Rflags.PF | Rflags.CF; }
  else if (a < b) f = Rflags.CF;
  else if (a === b) f = Rflags.ZF;
  c.setFlagBits(Rflags.ZF | Rflags.PF | Rflags.CF | Rflags.OF | Rflags.SF | Rflags.AF, f);
}

/** #MF check done by waiting FPU instructions (and FWAIT): Intel SDM Vol. 1, 8.7. */
export function fpuPendingFault(c: Cpu): boolean {
  if ((c.fpu.status & ES) !== 0 && (c.state.cr0 & Cr0.NE) !== 0) { c.raise(Exc.MF, -1); return true; }
  return false;
}

/** FWAIT/WAIT. */
export function fwait(c: Cpu): void {
  if ((c.state.cr0 & (Cr0.MP | Cr0.TS)) === (Cr0.MP | Cr0.TS)) { c.raise(Exc.NM, -1); return; }
  fpuPendingFault(c);
}

function intRange(v: number, bits: number): boolean {
  const lim = Math.pow(2, bits - 1);
  return v >= -lim && v < lim;
}
function storeInt(c: Cpu, fpu: Fpu, v: number, bytes: number): void {
  let r = roundRc(fpu, v);
  if (Number.isNaN(v) || !intRange(r, bytes * 8)) { if (fpu.exc(IE)) return; r = -Math.pow(2, bytes * 8 - 1); } // integer indefinite
  else if (r !== v) fpu.exc(PE);
  if (bytes === 2) c.wr16(c.eaSeg, c.eaOff, r & 0xffff);
  else if (bytes === 4) c.wr32(c.eaSeg, c.eaOff, r | 0);
  else {
    const hi = Math.floor(r / 4294967296), lo = r - hi * 4294967296;
    c.wr32(c.eaSeg, c.eaOff, lo >>> 0);
    c.wr32(c.eaSeg, c.eaPlus(4), hi | 0);
  }
}

const BCD_TMP = new Uint8Array(10);
/**
 * 80-bit images (lo, hi, sign+exponent) of FLD1..FLDLN2 constants, rounded to nearest (Intel
 * SDM Vol. 1, 8.3.9); index = ModRM rm of D9 E8+rm. Other rounding modes may differ in the
 * last bit on hardware.
 */
const CONST_RAW = new Int32Array([
  0, 0x80000000 | 0, 0x3fff, // 1
  0xcd1b8afe | 0, 0xd49a784b | 0, 0x4000, // log2(10)
  0x5c17f0bc, 0xb8aa3b29 | 0, 0x3fff, // log2(e)
  0x2168c235, 0xc90fdaa2 | 0, 0x4000, // pi
  0xfbcff799 | 0, 0x9a209a84 | 0, 0x3ffd, // log10(2)
  0xd1cf79ac | 0, 0xb17217f7 | 0, 0x3ffe, // ln(2)
]);
const CONSTS = [1, Math.log2(10), Math.LOG2E, Math.PI, Math.log10(2), Math.LN2, 0];

/**
 * The control word as loaded by FLDCW/FLDENV/FRSTOR/FXRSTOR: bits 7 and 13–15 are reserved and
 * read as 0, bit 6 reads as 1 (observed on silicon for FLDCW and FXRSTOR).
 */
export function fcwOf(v: number): number { return (v & 0x1f3f) | 0x40; }

const ENV = new Int32Array(7);
/**
 * The FNSTENV/FNSAVE environment (Intel SDM Vol. 1, figures 8-9 to 8-12): 28 bytes (32-bit
 * operand size) or 14 bytes (16-bit). Protected mode stores FIP/FCS/FOP/FDP/FDS; real-address and
 * virtual-8086 mode store the instruction and operand pointers as linear addresses (selector·16 +
 * offset) split around FOP. Reserved high halves of the 32-bit format are written as ones.
 */
function saveEnv(c: Cpu, fpu: Fpu, os: number): void {
  ENV[0] = fpu.control; ENV[1] = fpu.statusWord(); ENV[2] = fpu.tagWord();
  if (c.pe && !c.vm) {
    ENV[3] = fpu.fip; ENV[4] = fpu.fcs | ((fpu.fop & 0x7ff) << 16); ENV[5] = fpu.fdp; ENV[6] = fpu.fds;
  } else {
    const ip = ((fpu.fcs << 4) + fpu.fip) >>> 0, dp = ((fpu.fds << 4) + fpu.fdp) >>> 0;
    const hiShift = os === 4 ? 0xffff : 0xf; // 32-bit format: bits 31:16 in 27:12; 16-bit: bits 19:16 in 15:12
    ENV[3] = (ip & 0xffff) | (os === 4 ? 0xffff0000 : 0);
    ENV[4] = (((ip >>> 16) & hiShift) << 12) | (fpu.fop & 0x7ff);
    ENV[5] = (dp & 0xffff) | (os === 4 ? 0xffff0000 : 0);
    ENV[6] = ((dp >>> 16) & hiShift) << 12;
  }
  for (let i = 0; i < 7; i++) {
    if (os === 4) c.wr32(c.eaSeg, c.eaPlus(i * 4), i < 3 ? ENV[i] | 0xffff0000 : ENV[i]);
    else c.wr16(c.eaSeg, c.eaPlus(i * 2), ENV[i]);
  }
}
/** FLDENV/FRSTOR: the environment of {@link saveEnv}, pointers included (real mode: linear, FCS/FDS 0). */
function loadEnv(c: Cpu, fpu: Fpu, os: number): void {
  const w = os === 4 ? 4 : 2;
  for (let i = 0; i < 7; i++) ENV[i] = w === 4 ? c.rd32(c.eaSeg, c.eaPlus(4 * i)) : c.rd16(c.eaSeg, c.eaPlus(2 * i));
  if (c.fault) return;
  const cw = ENV[0] & 0xffff, sw = ENV[1] & 0xffff, tw = ENV[2] & 0xffff;
  fpu.control = fcwOf(cw); fpu.status = sw & ~0x3800; fpu.top = (sw >>> 11) & 7; fpu.setTagWord(tw);
  if ((fpu.status & ~fpu.control & 0x3f) !== 0) fpu.status |= ES | 0x8000; else fpu.status &= ~(ES | 0x8000);
  if (c.pe && !c.vm) {
    fpu.fip = ENV[3] | 0; fpu.fcs = ENV[4] & 0xffff; fpu.fop = (ENV[4] >>> 16) & 0x7ff; fpu.fdp = ENV[5] | 0; fpu.fds = ENV[6] & 0xffff;
  } else {
    const hiMask = w === 4 ? 0xffff : 0xf;
    fpu.fip = ((ENV[3] & 0xffff) | (((ENV[4] >>> 12) & hiMask) << 16)) | 0; fpu.fcs = 0;
    fpu.fop = ENV[4] & 0x7ff;
    fpu.fdp = ((ENV[5] & 0xffff) | (((ENV[6] >>> 12) & hiMask) << 16)) | 0; fpu.fds = 0;
  }
}

/** FCMOVcc condition `cc` (0 B, 1 E, 2 BE, 3 U) of the DA forms; the DB forms negate it. */
function fcmovCond(c: Cpu, cc: number): boolean {
  switch (cc) {
    case 0: return c.cf() !== 0;
    case 1: return c.zf() !== 0;
    case 2: return c.cf() !== 0 || c.zf() !== 0;
    default: return c.pf() !== 0;
  }
}
/**
 * FCMOVcc ST(0), ST(i): the exact image moves with the value. An empty ST(0) or ST(i) is a
 * stack underflow; masked, ST(0) becomes the QNaN indefinite whatever the condition.
 */
function fcmov(c: Cpu, fpu: Fpu, rm: number, cond: boolean): void {
  if (fpu.isEmpty(0) || fpu.isEmpty(rm)) {
    fpu.status &= ~C1;
    if (fpu.exc(IE | SF)) return;
    fpu.setSt(0, NaN);
    return;
  }
  if (cond && rm !== 0) { fpu.setSt(0, fpu.st(rm)); fpu.copyRaw(0, rm); }
}

/**
 * Execute an x87 escape (D8–DF). The ModRM byte has been decoded by the caller.
 * Returns nothing; faults are recorded on `c`.
 */
export function x87(c: Cpu, op: number): void {
  const fpu = c.fpu;
  const status = fpu.status, fip = fpu.fip, fcs = fpu.fcs, fdp = fpu.fdp, fds = fpu.fds, fop = fpu.fop;
  x87Exec(c, op);
  if (c.fault) { // a faulting instruction (#PF, #GP, #SS on its operand) leaves the FPU state as it was
    fpu.status = status; fpu.fip = fip; fpu.fcs = fcs; fpu.fdp = fdp; fpu.fds = fds; fpu.fop = fop;
  }
}
function x87Exec(c: Cpu, op: number): void {
  const fpu = c.fpu;
  if ((c.state.cr0 & (Cr0.EM | Cr0.TS)) !== 0) { c.raise(Exc.NM, -1); return; }
  const mem = c.mod !== 3;
  const reg = c.reg, rm = c.rm;
  // control instructions that do not wait: FNINIT FNCLEX FNSTSW FNSTCW FNSTENV FNSAVE
  const noWait = (op === 0xdb && !mem && (rm === 2 || rm === 3) && reg === 4) || (op === 0xdf && !mem && reg === 4 && rm === 0) ||
    (op === 0xd9 && mem && (reg === 7 || reg === 6)) || (op === 0xdd && mem && (reg === 6 || reg === 7));
  if (!noWait && fpuPendingFault(c)) return;
  // C1 is cleared by every non-control instruction (then set on stack overflow or, in hardware,
  // when the result was rounded up: not modelled, float64 arithmetic); FLDENV/FLDCW/FSTENV/
  // FSTCW/FRSTOR/FSAVE/FSTSW/FCLEX/FINIT keep or load it
  const control = noWait || (op === 0xd9 && mem && (reg === 4 || reg === 5)) || (op === 0xdd && mem && reg === 4) ||
    (op === 0xd9 && !mem && reg === 2) || // FNOP keeps C1 (observed on silicon)
    ((op === 0xda || op === 0xdb) && !mem && reg < 4); // so does FCMOVcc unless it underflows
  if (!control) fpu.status &= ~C1;
  // the instruction/operand pointers and FOP describe the last non-control instruction (Intel SDM
  // Vol. 1, 8.1.8): FNINIT/FNCLEX/FNSTSW/FNSTCW/FNSTENV/FNSAVE, FLDCW/FLDENV/FRSTOR, FNOP,
  // FINCSTP/FDECSTP and FFREE(P) leave them alone
  const pointerKeeping = control || (op === 0xd9 && !mem && reg === 6 && rm >= 6) || ((op === 0xdd || op === 0xdf) && !mem && reg === 0);
  if (!pointerKeeping || (op >= 0xda && op <= 0xdb && !mem && reg < 4)) {
    if (mem) { fpu.fdp = c.eaOff; fpu.fds = c.state.segSel[c.eaSeg]; }
    fpu.fip = c.startEip; fpu.fcs = c.state.segSel[1]; fpu.fop = ((op & 7) << 8) | (c.mod << 6) | (reg << 3) | rm;
  }
  switch (op) {
    case 0xd8: case 0xdc: { // arithmetic with m32/m64 or ST(i)
      let b: number, dstI = 0;
      if (mem) { b = op === 0xd8 ? readF32(c, c.eaSeg, c.eaOff) : readF64(c, c.eaSeg, c.eaOff); if (c.fault) return; if (!fpu.need(0)) return; }
      else {
        if (!fpu.need(0) || !fpu.need(rm)) return;
        if (op === 0xd8) b = fpu.st(rm); else { b = fpu.st(0); dstI = rm; }
      }
      const a = mem || op === 0xd8 ? fpu.st(0) : fpu.st(rm);
      if (sourceChecks(fpu, a, b, mem || op === 0xd8 ? 0 : rm, mem ? -1 : op === 0xd8 ? rm : 0)) return;
      if (reg === 2 || reg === 3) { compare(fpu, fpu.st(0), mem || op === 0xd8 ? b : fpu.st(rm), false); if (reg === 3) fpu.pop(); return; }
      let k = reg;
      if (!mem && op === 0xdc) k = reg === 4 ? 5 : reg === 5 ? 4 : reg === 6 ? 7 : reg === 7 ? 6 : reg; // DC reg forms swap R
      const nan = nanOperands(fpu, mem || op === 0xd8 ? 0 : rm, mem ? -1 : op === 0xd8 ? rm : 0);
      if (nan !== 0) { if (nan === 1) { fpu.setSt(dstI, NaN); fpu.setRaw(dstI, nanLo, nanHi, nanSe); } return; }
      const before = fpu.status;
      const r = arith(fpu, k, a, b);
      if (unmaskedSince(fpu, before)) return;
      if (checkResult(fpu, r)) fpu.setSt(dstI, r);
      return;
    }
    case 0xd9: {
      if (mem) {
        switch (reg) {
          case 0: { const v = readF32(c, c.eaSeg, c.eaOff); if (!c.fault) fpu.push(v); return; }
          case 2: case 3: {
            if (!fpu.need(0)) return;
            const v = fpu.st(0);
            f32[0] = v;
            const bits = Number.isNaN(v) ? 0xffc00000 | 0 : u32[0]; // NaN: the indefinite QNaN
            c.wr32(c.eaSeg, c.eaOff, bits);
            if (c.fault) return;
            storeRounding(fpu, v, f32[0], 0);
            if (reg === 3) fpu.pop();
            return;
          }
          case 4: loadEnv(c, fpu, c.os); return;
          case 5: { const v = c.rd16(c.eaSeg, c.eaOff); if (!c.fault) { fpu.control = fcwOf(v); if ((fpu.status & ~v & 0x3f) !== 0) fpu.status |= ES | 0x8000; else fpu.status &= ~(ES | 0x8000); } return; }
          case 6: saveEnv(c, fpu, c.os); return;
          case 7: c.wr16(c.eaSeg, c.eaOff, fpu.control); return;
          default: c.ud(); return;
        }
      }
      switch (reg) {
        case 0: {
          // an empty source is a stack underflow: masked, the indefinite is pushed and no overflow
          // is reported even when the destination is full (C1 = 0, as the silicon does)
          if (fpu.isEmpty(rm)) { if (fpu.need(rm)) fpu.pushForce(NaN); return; }
          if (fpu.push(fpu.st(rm))) fpu.copyRaw(0, rm + 1);
          return;
        }
        case 1: { // FXCH
          if (!fpu.need(0) || !fpu.need(rm)) return;
          const t = fpu.st(0);
          const p0 = fpu.top & 7, p1 = (fpu.top + rm) & 7;
          const rv = fpu.tags[p0] === TAG_EMPTY ? 0 : fpu.rawValid[p0], rl = fpu.rawLo[p0], rh = fpu.rawHi[p0], rs = fpu.rawSe[p0];
          fpu.setSt(0, fpu.st(rm)); fpu.copyRaw(0, rm);
          fpu.setSt(rm, t);
          fpu.rawValid[p1] = rv; fpu.rawLo[p1] = rl; fpu.rawHi[p1] = rh; fpu.rawSe[p1] = rs;
          return;
        }
        case 2: if (rm === 0) return; c.ud(); return; // FNOP
        case 4: {
          if (rm === 4 || rm === 5) { // FTST, FXAM
            if (rm === 4) { if (!fpu.need(0)) return; compare(fpu, fpu.st(0), 0, false); return; }
            const v = fpu.st(0), p0 = fpu.top & 7, r0 = fpu.regs[p0];
            fpu.status &= ~(C0 | C1 | C2 | C3);
            // C1 is the sign bit of the register's contents, also when it is empty
            if (fpu.rawValid[p0] !== 0 ? (fpu.rawSe[p0] & 0x8000) !== 0 : r0 < 0 || Object.is(r0, -0)) fpu.status |= C1;
            if (fpu.isEmpty(0)) fpu.status |= C3 | C0;
            else if (fpu.rawValid[p0] !== 0) { // classify the exact image (SDM FXAM table)
              const exp = fpu.rawSe[p0] & 0x7fff, hi = fpu.rawHi[p0], frac = (hi & 0x7fffffff) | fpu.rawLo[p0];
              if (exp === 0x7fff) { if (hi < 0) fpu.status |= frac === 0 ? C2 | C0 : C0; } // ∞, NaN; J = 0: unsupported (000)
              else if (exp === 0) fpu.status |= (hi | fpu.rawLo[p0]) === 0 ? C3 : C3 | C2; // zero, denormal
              else if (hi < 0) fpu.status |= C2; // normal; J = 0: unnormal, unsupported (000)
            }
            else if (Number.isNaN(v)) fpu.status |= C0;
            else if (!Number.isFinite(v)) fpu.status |= C2 | C0;
            else if (v === 0) fpu.status |= C3;
            else fpu.status |= C2;
            return;
          }
          if (rm > 1) { c.ud(); return; }
          if (!fpu.need(0)) return;
          const p0 = fpu.top & 7, se0 = fpu.rawSe[p0];
          if (fpu.tags[p0] === TAG_EMPTY) { fpu.setSt(0, NaN); return; } // masked underflow: the QNaN indefinite
          const rv = fpu.rawValid[p0];
          fpu.setSt(0, rm === 0 ? -fpu.st(0) : Math.abs(fpu.st(0)));
          if (rv !== 0) { fpu.rawValid[p0] = 1; fpu.rawSe[p0] = rm === 0 ? se0 ^ 0x8000 : se0 & 0x7fff; }
          return;
        }
        case 5: {
          if (rm === 7) { c.ud(); return; }
          if (fpu.push(CONSTS[rm]) && rm >= 1 && rm <= 5) fpu.setRaw(0, CONST_RAW[3 * rm], CONST_RAW[3 * rm + 1], CONST_RAW[3 * rm + 2]);
          return;
        }
        case 6: case 7: {
          const code = (reg - 6) * 8 + rm;
          if (code === 6) { fpu.top = (fpu.top - 1) & 7; return; } // FDECSTP
          if (code === 7) { fpu.top = (fpu.top + 1) & 7; return; } // FINCSTP
          if (fpu.isEmpty(0) && (code === 2 || code === 4)) {
            // FPTAN/FXTRACT of an empty ST(0): masked underflow, the indefinite in ST(0) and pushed,
            // without an overflow report (C1 = 0, as observed on silicon)
            if (fpu.need(0)) { fpu.setSt(0, NaN); fpu.pushForce(NaN); }
            return;
          }
          if (!fpu.need(0)) return;
          const x = fpu.st(0);
          switch (code) {
            case 0: fpu.setSt(0, Math.pow(2, x) - 1); return; // F2XM1
            case 1: if (!fpu.need(1)) return; fpu.setSt(1, fpu.st(1) * Math.log2(x)); fpu.pop(); return; // FYL2X
            case 2: fpu.setSt(0, Math.tan(x)); fpu.status &= ~C2; fpu.push(1); return; // FPTAN
            case 3: if (!fpu.need(1)) return; fpu.setSt(1, Math.atan2(fpu.st(1), x)); fpu.pop(); return; // FPATAN
            case 4: { // FXTRACT
              const e = x === 0 ? -Infinity : Math.floor(Math.log2(Math.abs(x)));
              fpu.setSt(0, e);
              fpu.push(x === 0 ? x : x / Math.pow(2, e));
              return;
            }
            case 5: case 8: { // FPREM1 / FPREM
              if (!fpu.need(1)) return;
              const y = fpu.st(1);
              if (Number.isNaN(x) || Number.isNaN(y) || !Number.isFinite(x) || y === 0) {
                // NaN operands propagate (an SNaN is quieted, raising IE), an infinite dividend or a
                // zero divisor is invalid; C2 and C1 are cleared, C0 and C3 left alone (silicon)
                fpu.status &= ~(C1 | C2);
                if (fpu.isUnsupported(0) || fpu.isUnsupported(1)) { if (!fpu.exc(IE)) fpu.setSt(0, NaN); return; }
                const p0 = fpu.top & 7, p1 = (fpu.top + 1) & 7;
                const sn0 = fpu.isSignalingNaN(0), sn1 = fpu.isSignalingNaN(1);
                if (!Number.isNaN(x) && !Number.isNaN(y)) { if (fpu.exc(IE)) return; fpu.setSt(0, NaN); return; }
                if (sn0 || sn1) { if (fpu.exc(IE)) return; }
                if (Number.isNaN(x) && !fpu.isEmpty(0) && fpu.rawValid[p0] !== 0) { fpu.rawHi[p0] |= 0x40000000; return; } // ST(0) stays, quieted
                if (Number.isNaN(y) && !Number.isNaN(x) && !fpu.isEmpty(1) && fpu.rawValid[p1] !== 0) {
                  fpu.setSt(0, NaN); fpu.setRaw(0, fpu.rawLo[p1], fpu.rawHi[p1] | 0x40000000, fpu.rawSe[p1]);
                  return;
                }
                fpu.setSt(0, NaN);
                return;
              }
              let q = x / y;
              if (code === 8) q = Math.trunc(q);
              else { const r = Math.round(q); q = Math.abs(q % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; } // nearest even
              fpu.status &= ~(C0 | C1 | C2 | C3);
              if (q === 0 || Object.is(q, -0)) return; // |ST(0)| below the divisor: ST(0) is the remainder, image and all
              fpu.setSt(0, x - q * y);
              const qa = Math.abs(q);
              if (qa & 1) fpu.status |= C1;
              if (qa & 2) fpu.status |= C3;
              if (qa & 4) fpu.status |= C0;
              return;
            }
            case 9: if (!fpu.need(1)) return; fpu.setSt(1, fpu.st(1) * Math.log2(x + 1)); fpu.pop(); return; // FYL2XP1
            case 10: if (x < 0) { if (fpu.exc(IE)) return; fpu.setSt(0, NaN); return; } fpu.setSt(0, Math.sqrt(x)); return;
            case 11: fpu.setSt(0, Math.sin(x)); fpu.status &= ~C2; fpu.push(Math.cos(x)); return; // FSINCOS
            case 12: fpu.setSt(0, roundRc(fpu, x)); return; // FRNDINT
            case 13: if (!fpu.need(1)) return; fpu.setSt(0, x * Math.pow(2, Math.trunc(fpu.st(1)))); return; // FSCALE
            case 14: fpu.setSt(0, Math.sin(x)); fpu.status &= ~C2; return;
            default: fpu.setSt(0, Math.cos(x)); fpu.status &= ~C2; return;
          }
        }
        default: c.ud(); return;
      }
    }
    case 0xda: case 0xde: { // int32/int16 arithmetic; reg forms: FCMOVcc / FUCOMPP (DA), xxxP (DE)
      if (mem) {
        const b = op === 0xda ? c.rd32(c.eaSeg, c.eaOff) | 0 : (c.rd16(c.eaSeg, c.eaOff) << 16) >> 16;
        if (c.fault || !fpu.need(0)) return;
        if (sourceChecks(fpu, fpu.st(0), b, 0, -2)) return;
        if (reg === 2 || reg === 3) { compare(fpu, fpu.st(0), b, false); if (reg === 3) fpu.pop(); return; }
        const nan = nanOperands(fpu, 0, -2);
        if (nan !== 0) { if (nan === 1) { fpu.setSt(0, NaN); fpu.setRaw(0, nanLo, nanHi, nanSe); } return; }
        const before = fpu.status;
        const r = arith(fpu, reg, fpu.st(0), b);
        if (unmaskedSince(fpu, before)) return;
        if (checkResult(fpu, r)) fpu.setSt(0, r);
        return;
      }
      if (op === 0xda) {
        if (reg === 5 && rm === 1) { if (!fpu.need(0) || !fpu.need(1)) return; compare(fpu, fpu.st(0), fpu.st(1), !signaling(fpu, 0, 1)); fpu.pop(); fpu.pop(); return; }
        if (reg > 3) { c.ud(); return; }
        fcmov(c, fpu, rm, fcmovCond(c, reg));
        return;
      }
      if (reg === 3) { if (rm !== 1) { c.ud(); return; } if (!fpu.need(0) || !fpu.need(1)) return; compare(fpu, fpu.st(0), fpu.st(1), false); fpu.pop(); fpu.pop(); return; }
      if (reg === 2) { c.ud(); return; }
      if (!fpu.need(0) || !fpu.need(rm)) return;
      if (sourceChecks(fpu, fpu.st(rm), fpu.st(0), rm, 0)) return;
      const k = reg === 4 ? 5 : reg === 5 ? 4 : reg === 6 ? 7 : reg === 7 ? 6 : reg;
      const nan = nanOperands(fpu, rm, 0);
      if (nan === 2) return;
      if (nan === 1) { fpu.setSt(rm, NaN); fpu.setRaw(rm, nanLo, nanHi, nanSe); fpu.pop(); return; }
      const before = fpu.status;
      const r = arith(fpu, k, fpu.st(rm), fpu.st(0));
      if (unmaskedSince(fpu, before)) return; // unmasked: no result, no pop (SDM Vol. 1, 8.7)
      if (checkResult(fpu, r)) fpu.setSt(rm, r);
      fpu.pop();
      return;
    }
    case 0xdb: {
      if (mem) {
        switch (reg) {
          case 0: { const v = c.rd32(c.eaSeg, c.eaOff) | 0; if (!c.fault) fpu.push(v); return; }
          case 1: case 2: case 3: { // FISTTP (SSE3: #UD on i686), FIST, FISTP
            if (reg === 1) { c.ud(); return; }
            if (!fpu.need(0)) return;
            if (!c.checkWrite(c.eaSeg, c.eaOff, 4)) return;
            storeInt(c, fpu, fpu.st(0), 4);
            if (!c.fault && reg === 3) fpu.pop();
            return;
          }
          case 5: { const v = readF80(c, c.eaSeg, c.eaOff); if (!c.fault && fpu.push(v)) fpu.setRaw(0, lastLo, lastHi, lastSe); return; }
          case 7: { if (!fpu.need(0)) return; if (!c.checkWrite(c.eaSeg, c.eaOff, 10)) return; writeF80(c, c.eaSeg, c.eaOff, fpu.st(0), fpu, 0); if (!c.fault) fpu.pop(); return; }
          default: c.ud(); return;
        }
      }
      if (reg === 4) {
        if (rm === 2) { fpu.status &= ~(0x80ff); return; } // FNCLEX
        if (rm === 3) { fpu.reset(); return; } // FNINIT
        if (rm === 0 || rm === 1 || rm === 4) return; // FENI/FDISI/FSETPM: no-ops on 387+
        c.ud(); return;
      }
      if (reg === 5 || reg === 6) { fpu.need(0); fpu.need(rm); comi(c, fpu.st(0), fpu.st(rm), reg === 5 && !signaling(fpu, 0, rm)); return; } // EFLAGS are written even on an unmasked #IA
      if (reg === 7) { c.ud(); return; }
      { // FCMOVNcc
        fcmov(c, fpu, rm, !fcmovCond(c, reg));
        return;
      }
    }
    case 0xdd: {
      if (mem) {
        switch (reg) {
          case 0: { const v = readF64(c, c.eaSeg, c.eaOff); if (!c.fault) fpu.push(v); return; }
          case 1: c.ud(); return; // FISTTP m64 (SSE3)
          case 2: case 3: {
            if (!fpu.need(0)) return;
            if (!c.checkWrite(c.eaSeg, c.eaOff, 8)) return;
            const v = fpu.st(0);
            f64[0] = v;
            if (Number.isNaN(v)) { u32[0] = 0; u32[1] = 0xfff80000; } // the indefinite QNaN
            c.wr32(c.eaSeg, c.eaOff, u32[0]); c.wr32(c.eaSeg, c.eaPlus(4), u32[1]);
            storeRounding(fpu, v, v, 0x7ff);
            if (reg === 3) fpu.pop();
            return;
          }
          case 4: { // FRSTOR
            loadEnv(c, fpu, c.os);
            if (c.fault) return;
            const base = c.os === 4 ? 28 : 14;
            const save = c.eaOff;
            for (let i = 0; i < 8; i++) {
              c.eaOff = c.eaPlus(base + 10 * i);
              const v = readF80(c, c.eaSeg, c.eaOff);
              c.eaOff = save;
              if (c.fault) return;
              const tag = fpu.tags[(fpu.top + i) & 7];
              fpu.regs[(fpu.top + i) & 7] = v;
              fpu.tags[(fpu.top + i) & 7] = tag;
              fpu.setRaw(i, lastLo, lastHi, lastSe);
            }
            return;
          }
          case 6: { // FNSAVE
            const base = c.os === 4 ? 28 : 14;
            if (!c.checkWrite(c.eaSeg, c.eaOff, base + 80)) return;
            saveEnv(c, fpu, c.os);
            const save = c.eaOff;
            for (let i = 0; i < 8; i++) {
              c.eaOff = c.eaPlus(base + 10 * i);
              writeF80(c, c.eaSeg, c.eaOff, fpu.st(i), fpu, i);
              c.eaOff = save;
            }
            fpu.reset();
            return;
          }
          case 7: c.wr16(c.eaSeg, c.eaOff, fpu.statusWord()); return;
          default: c.ud(); return;
        }
      }
      switch (reg) {
        case 0: fpu.tags[(fpu.top + rm) & 7] = TAG_EMPTY; return; // FFREE
        case 2: case 3: if (!fpu.need(0)) return; fpu.setSt(rm, fpu.st(0)); fpu.copyRaw(rm, 0); if (reg === 3) fpu.pop(); return;
        case 4: case 5: if (!fpu.need(0) || !fpu.need(rm)) return; compare(fpu, fpu.st(0), fpu.st(rm), !signaling(fpu, 0, rm)); if (reg === 5) fpu.pop(); return;
        default: c.ud(); return;
      }
    }
    default: { // 0xdf
      if (mem) {
        switch (reg) {
          case 0: { const v = (c.rd16(c.eaSeg, c.eaOff) << 16) >> 16; if (!c.fault) fpu.push(v); return; }
          case 2: case 3: {
            if (!fpu.need(0)) return;
            if (!c.checkWrite(c.eaSeg, c.eaOff, 2)) return;
            storeInt(c, fpu, fpu.st(0), 2);
            if (reg === 3) fpu.pop();
            return;
          }
          case 5: {
            c.segAddr(c.eaSeg, c.eaOff, 8, false); // whole m64: limit, and #AC 8-byte alignment (SDM Vol. 3A table 6-7)
            if (c.fault) return;
            const lo = c.rd32(c.eaSeg, c.eaOff) >>> 0, hi = c.rd32(c.eaSeg, c.eaPlus(4)) | 0;
            if (!c.fault) fpu.push(hi * 4294967296 + lo);
            return;
          }
          case 7: {
            if (!fpu.need(0)) return;
            if (!c.checkWrite(c.eaSeg, c.eaOff, 8)) return;
            storeInt(c, fpu, fpu.st(0), 8);
            fpu.pop();
            return;
          }
          case 4: { // FBLD m80bcd: 18 packed BCD digits and a sign byte
            c.segAddr(c.eaSeg, c.eaOff, 10, false);
            if (c.fault) return;
            const bytes = BCD_TMP;
            for (let i = 0; i < 10; i++) bytes[i] = c.rd8(c.eaSeg, c.eaPlus(i)); // ascending, as the silicon reads
            if (c.fault) return;
            let v = 0;
            for (let i = 8; i >= 0; i--) v = v * 100 + ((bytes[i] >>> 4) & 0xf) * 10 + (bytes[i] & 0xf);
            const sign = bytes[9];
            fpu.push((sign & 0x80) !== 0 ? -v : v);
            return;
          }
          case 6: { // FBSTP m80bcd: round per RC; out of range or NaN stores the BCD indefinite
            if (!fpu.need(0)) return;
            if (!c.checkWrite(c.eaSeg, c.eaOff, 10)) return;
            const x = fpu.st(0);
            let r = roundRc(fpu, x);
            const bytes = BCD_TMP;
            if (Number.isNaN(x) || Math.abs(r) >= 1e18) {
              if (fpu.exc(IE)) return;
              bytes.fill(0); bytes[7] = 0xc0; bytes[8] = 0xff; bytes[9] = 0xff;
            } else {
              if (r !== x) fpu.exc(PE);
              const neg = r < 0 || Object.is(r, -0);
              r = Math.abs(r);
              for (let i = 0; i < 9; i++) {
                const lo = r % 10; r = Math.floor(r / 10);
                const hi = r % 10; r = Math.floor(r / 10);
                bytes[i] = (hi << 4) | lo;
              }
              bytes[9] = neg ? 0x80 : 0;
            }
            for (let i = 0; i < 10; i++) c.wr8(c.eaSeg, c.eaPlus(i), bytes[i]);
            if (!c.fault) fpu.pop();
            return;
          }
          default: c.ud(); return;
        }
      }
      if (reg === 4 && rm === 0) { c.setReg(2, 0, fpu.statusWord()); return; } // FNSTSW AX
      if (reg === 5 || reg === 6) {
        const ok = fpu.need(0) && fpu.need(rm);
        comi(c, fpu.st(0), fpu.st(rm), reg === 5 && !signaling(fpu, 0, rm));
        if (ok) fpu.pop();
        return;
      }
      if (reg === 0) { fpu.tags[(fpu.top + rm) & 7] = TAG_EMPTY; fpu.pop(); return; } // FFREEP
      c.ud();
    }
  }
}

