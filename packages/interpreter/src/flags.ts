/**
 * Lazy arithmetic flags. An ALU operation stores its operands, result, width and a
 * {@link LazyOp} kind; OF SF ZF AF PF CF are derived only when read. The carry/borrow and
 * overflow formulas are the textbook ones (Intel SDM Vol. 1, 3.4.3.1) and hold with a carry-in,
 * so ADC/SBB share them.
 */
import { Rflags } from '@x86kit/core';
import { LazyOp } from './constants.js';

/** Parity flag of each byte value: PF = 1 when the number of set bits is even. */
export const PARITY: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let n = 0;
    for (let b = i; b !== 0; b >>= 1) n += b & 1;
    t[i] = (n & 1) === 0 ? Rflags.PF : 0;
  }
  return t;
})();

/** Carry out of bit `shift` for `a + b (+cin) = r`. */
export function addCarry(a: number, b: number, r: number, shift: number): number {
  return (((a & b) | ((a ^ b) & ~r)) >>> shift) & 1;
}
/** Borrow out of bit `shift` for `a - b (-bin) = r`. */
export function subBorrow(a: number, b: number, r: number, shift: number): number {
  return (((~a & b) | (~(a ^ b) & r)) >>> shift) & 1;
}

/** Lazy flag state; the {@link Cpu} extends this with everything else. */
export class LazyFlags {
  /** RFLAGS image; the arithmetic bits listed in {@link lazyMask} are stale in it. */
  flags = 0x2;
  /** Which of OF SF ZF AF PF CF must be computed from the lazy operands. */
  lazyMask = 0;
  lfOp: number = LazyOp.Logic;
  lfA = 0;
  lfB = 0;
  lfRes = 0;
  /** Operand width minus one (7, 15, 31): the sign-bit position. */
  lfShift = 7;
  /** Width mask (0xff, 0xffff, -1). */
  lfMask = 0xff;

  /** Record an ALU result whose six arithmetic flags are all derived lazily. */
  setLazy(op: number, a: number, b: number, r: number, shift: number, mask: number): void {
    this.lfOp = op; this.lfA = a; this.lfB = b; this.lfRes = r; this.lfShift = shift; this.lfMask = mask;
    this.lazyMask = RFLAGS_ARITH_ALL;
  }

  /** Like {@link setLazy} but CF keeps its current value (INC, DEC). */
  setLazyKeepCf(op: number, a: number, b: number, r: number, shift: number, mask: number): void {
    const cf = this.cf();
    this.flags = (this.flags & ~Rflags.CF) | cf;
    this.lfOp = op; this.lfA = a; this.lfB = b; this.lfRes = r; this.lfShift = shift; this.lfMask = mask;
    this.lazyMask = RFLAGS_ARITH_ALL & ~Rflags.CF;
  }

  /** Set the flags in `mask` to the bits of `values` eagerly (materialising the rest). */
  setFlagBits(mask: number, values: number): void {
    if (this.lazyMask !== 0) this.materialize();
    this.flags = (this.flags & ~mask) | (values & mask);
  }

  /**
   * Set all six arithmetic flags eagerly from `values` (no need to fold the previous lazy state:
   * every lazy bit is overwritten).
   */
  setArithFlags(values: number): void {
    this.flags = (this.flags & ~RFLAGS_ARITH_ALL) | (values & RFLAGS_ARITH_ALL);
    this.lazyMask = 0;
  }

  /** Fold the lazy bits into {@link flags}. */
  materialize(): void {
    const m = this.lazyMask;
    if (m === 0) return;
    let f = this.flags & ~m;
    if ((m & Rflags.CF) !== 0) f |= this.lazyCf();
    if ((m & Rflags.PF) !== 0) f |= PARITY[this.lfRes & 0xff];
    if ((m & Rflags.AF) !== 0) f |= this.lazyAf();
    if ((m & Rflags.ZF) !== 0 && (this.lfRes & this.lfMask) === 0) f |= Rflags.ZF;
    if ((m & Rflags.SF) !== 0) f |= ((this.lfRes >>> this.lfShift) & 1) << 7;
    if ((m & Rflags.OF) !== 0) f |= this.lazyOf();
    this.flags = f;
    this.lazyMask = 0;
  }

  private lazyCf(): number {
    switch (this.lfOp) {
      case LazyOp.Add: return addCarry(this.lfA, this.lfB, this.lfRes, this.lfShift);
      case LazyOp.Sub: return subBorrow(this.lfA, this.lfB, this.lfRes, this.lfShift);
      default: return 0;
    }
  }
  private lazyAf(): number {
    return this.lfOp === LazyOp.Logic ? 0 : (this.lfA ^ this.lfB ^ this.lfRes) & Rflags.AF;
  }
  private lazyOf(): number {
    const a = this.lfA, b = this.lfB, r = this.lfRes;
    switch (this.lfOp) {
      case LazyOp.Add: return ((((a ^ r) & (b ^ r)) >>> this.lfShift) & 1) << 11;
      case LazyOp.Sub: return ((((a ^ b) & (a ^ r)) >>> this.lfShift) & 1) << 11;
      default: return 0;
    }
  }

  /** CF as 0/1. */
  cf(): number { return (this.lazyMask & Rflags.CF) !== 0 ? this.lazyCf() : this.flags & 1; }
  /** ZF as 0/1. */
  zf(): number { return (this.lazyMask & Rflags.ZF) !== 0 ? ((this.lfRes & this.lfMask) === 0 ? 1 : 0) : (this.flags >>> 6) & 1; }
  /** SF as 0/1. */
  sf(): number { return (this.lazyMask & Rflags.SF) !== 0 ? (this.lfRes >>> this.lfShift) & 1 : (this.flags >>> 7) & 1; }
  /** OF as 0/1. */
  of(): number { return (this.lazyMask & Rflags.OF) !== 0 ? this.lazyOf() >>> 11 : (this.flags >>> 11) & 1; }
  /** PF as 0/1. */
  pf(): number { return (this.lazyMask & Rflags.PF) !== 0 ? PARITY[this.lfRes & 0xff] >>> 2 : (this.flags >>> 2) & 1; }
  /** AF as 0/1. */
  af(): number { return (this.lazyMask & Rflags.AF) !== 0 ? this.lazyAf() >>> 4 : (this.flags >>> 4) & 1; }

  /** Evaluate condition code `cc` (0–15: O NO B AE E NE BE A S NS P NP L GE LE G). */
  cond(cc: number): boolean {
    let v: number;
    switch (cc >>> 1) {
      case 0: v = this.of(); break;
      case 1: v = this.cf(); break;
      case 2: v = this.zf(); break;
      case 3: v = this.cf() | this.zf(); break;
      case 4: v = this.sf(); break;
      case 5: v = this.pf(); break;
      case 6: v = this.sf() ^ this.of(); break;
      default: v = (this.sf() ^ this.of()) | this.zf(); break;
    }
    return (v ^ (cc & 1)) !== 0;
  }
}

const RFLAGS_ARITH_ALL = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.OF;
