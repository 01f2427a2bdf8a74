/**
 * Per-access checks that are off almost always and must then cost nothing: alignment checking
 * (#AC, Intel SDM Vol. 3A 6.15 "Interrupt 17—Alignment Check Exception", table 6-7) and data
 * and I/O breakpoints (Vol. 3B 18.2 and 18.3.1.3 "Data Memory and I/O Breakpoint Exception
 * Conditions").
 *
 * How they stay free: {@link accessCheckMode} is recomputed only when what it depends on
 * changes (CR0/CPL/EFLAGS.VM through `Cpu.updateMode`, EFLAGS.AC through `Cpu.setFlags`, MOV
 * DR7 and MOV CR4 through {@link refreshAccessChecks}). While it is non-zero the CPU clears its
 * per-segment fast-path flags, so every data access takes the slow path of `Cpu.segAddr`, which
 * calls {@link checkedAccess}. While it is zero nothing here runs. Data breakpoints also keep
 * the run loop off its straight-line path (it already leaves it when DR7 enables anything).
 *
 * Modelled: every data access made through a segment (`segAddr`: loads, stores, read-modify-
 * write, stack pushes and pops, string iterations, x87/MMX operands, far pointers). Not checked,
 * as on hardware: instruction fetches and implicit supervisor accesses (descriptor tables, TSS,
 * IDT). Not modelled: data breakpoints on those implicit accesses, and on stack pushes made while
 * delivering an event (they are dropped); I/O breakpoints fire on the permission check of
 * IN/OUT/INS/OUTS, also for a REP INS/OUTS with a zero count.
 */
import { Cr0, Cr4, Exc, Rflags } from '@x86kit/core';
import type { Cpu } from './cpu.js';
import { EventType } from './system.js';

/** Bits of {@link AccessChecks.mode}. */
export const AccessCheck = {
  /** CR0.AM = 1, EFLAGS.AC = 1, CPL = 3: misaligned data accesses raise #AC(0). */
  Align: 1,
  /** DR7 enables a data breakpoint (R/W = 01 write or 11 read/write). */
  Data: 2,
  /** DR7 enables an I/O breakpoint (R/W = 10) and CR4.DE = 1. */
  Io: 4,
} as const;
export type AccessCheck = (typeof AccessCheck)[keyof typeof AccessCheck];

/** DR6.BS: single-step (Intel SDM Vol. 3B 18.2.3). */
export const DR6_BS = 0x4000;

/** The per-CPU state of these checks (one object per `Cpu`, fixed shape). */
export class AccessChecks {
  /** {@link AccessCheck} bits; 0 = nothing to check (the fast paths are on). */
  mode = 0;
  /** DR6 B0–B3 hits of data/I-O breakpoints by the current instruction (dropped if it faults). */
  hits = 0;
  /** Debug-trap bits (B0–B3, BS) held over by MOV SS / POP SS until after the next instruction. */
  held = 0;
  /**
   * The instruction (`startEip`, `instret`) whose whole multi-part operand (m80, FSAVE/FSTENV
   * image, a 6-byte far pointer or table register) passed the alignment check: its piecewise
   * accesses are not checked again (table 6-7 gives the operand's alignment, not the pieces').
   */
  wholeEip = -1;
  wholeRet = -1;
}

/** Compute {@link AccessChecks.mode} from CR0.AM, EFLAGS.AC, the CPL, DR7 and CR4.DE. */
export function accessCheckMode(c: Cpu): number {
  const st = c.state;
  let m = 0;
  if ((st.cr0 & Cr0.AM) !== 0 && (c.flags & Rflags.AC) !== 0 && c.cpl === 3 && c.pe) m = AccessCheck.Align;
  const dr7 = st.dr[14];
  if ((dr7 & 0xff) !== 0) {
    for (let i = 0; i < 4; i++) {
      if ((dr7 & (3 << (2 * i))) === 0) continue;
      const rw = (dr7 >>> (16 + 4 * i)) & 3;
      if (rw === 1 || rw === 3) m |= AccessCheck.Data;
      else if (rw === 2 && (st.cr4 & Cr4.DE) !== 0) m |= AccessCheck.Io;
    }
  }
  return m;
}

/** Recompute the mode after MOV DR7 / MOV CR4 (or an embedder's edit) and refresh the segment fast paths. */
export function refreshAccessChecks(c: Cpu): void {
  c.checks.mode = accessCheckMode(c);
  for (let s = 0; s < 6; s++) c.refreshSeg(s);
}

/**
 * Alignment an operand of `size` bytes needs under alignment checking (a mask of the low
 * address bits that must be 0), Intel SDM Vol. 3A table 6-7: word 2, doubleword 4, m64 (x87
 * double, MMX, CMPXCHG8B) 8, x87 extended real (10 bytes) 8, 6-byte far pointer and
 * GDTR/IDTR images 4, FSTENV/FLDENV and FSAVE/FRSTOR images 2 (16-bit: 14/94 bytes) or 4
 * (32-bit: 28/108 bytes), FXSAVE 16.
 */
export function alignMask(size: number): number {
  switch (size) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 3;
    case 6: return 3;
    case 8: return 7;
    case 10: return 7;
    case 14: case 94: return 1;
    case 28: case 108: return 3;
    default: return size >= 16 ? 15 : 0;
  }
}

/**
 * The slow-path checks of one data access of `size` bytes at linear `lin` (already segment-
 * checked): #AC(0) when alignment checking applies and `lin` is misaligned (SDM Vol. 3A 6.15;
 * like Bochs, before paging: the access does not happen), then data-breakpoint matching
 * (DR0–DR3 with R/W = 01 for writes or 11 for reads and writes, LEN 1/2/4/8: a hit when any
 * byte of the access falls in the breakpoint's aligned range; SDM Vol. 3B 18.2.5). Returns `lin`.
 */
export function checkedAccess(c: Cpu, lin: number, size: number, write: boolean): number {
  const k = c.checks;
  if ((k.mode & AccessCheck.Align) !== 0 && !c.implicitSupervisor && c.cpl === 3 &&
      (c.flags & Rflags.AC) !== 0 && (c.state.cr0 & Cr0.AM) !== 0) {
    if (k.wholeEip !== c.startEip || k.wholeRet !== c.instret) {
      if ((lin & alignMask(size)) !== 0) { c.raise(Exc.AC, 0); return lin; }
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) { k.wholeEip = c.startEip; k.wholeRet = c.instret; }
    }
  }
  if ((k.mode & AccessCheck.Data) !== 0) {
    const dr = c.state.dr, dr7 = dr[14];
    const first = lin >>> 0, last = (lin + size - 1) >>> 0;
    for (let i = 0; i < 4; i++) {
      if ((dr7 & (3 << (2 * i))) === 0) continue;
      const rw = (dr7 >>> (16 + 4 * i)) & 3;
      if (rw !== 3 && !(rw === 1 && write)) continue;
      const len = LEN_BYTES[(dr7 >>> (18 + 4 * i)) & 3];
      const lo = (dr[2 * i] & ~(len - 1)) >>> 0, hi = (lo + len - 1) >>> 0;
      if (first <= hi && last >= lo) k.hits |= 1 << i;
    }
  }
  return lin;
}

/**
 * Alignment check of a multi-part operand as a whole (its table 6-7 alignment by `size`), for
 * instructions that write it in pieces whose own alignment differs (SGDT/SIDT: a word, then a
 * doubleword at +2; the image must be 4-aligned as a whole). The pieces are then not checked
 * again. Nothing runs while alignment checking is off. False after raising #AC(0).
 */
export function checkAlignWhole(c: Cpu, s: number, off: number, size: number): boolean {
  if ((c.checks.mode & AccessCheck.Align) === 0) return true;
  c.segAddr(s, off, size, true);
  return !c.fault;
}

/** DR7 LEN encodings: 00 = 1 byte, 01 = 2, 10 = 8 (Intel SDM Vol. 3B 18.2.4), 11 = 4. */
const LEN_BYTES = [1, 2, 8, 4] as const;

/**
 * I/O breakpoints (DR7 R/W = 10 with CR4.DE = 1; SDM Vol. 3B 18.2.4): an IN/OUT/INS/OUTS of
 * `size` bytes at `port` hits breakpoint n when any of its ports is in DRn's LEN-aligned range.
 */
export function ioBreakpoint(c: Cpu, port: number, size: number): void {
  const dr = c.state.dr, dr7 = dr[14];
  const last = port + size - 1;
  for (let i = 0; i < 4; i++) {
    if ((dr7 & (3 << (2 * i))) === 0 || ((dr7 >>> (16 + 4 * i)) & 3) !== 2) continue;
    const len = LEN_BYTES[(dr7 >>> (18 + 4 * i)) & 3];
    const lo = dr[2 * i] & 0xffff & ~(len - 1), hi = lo + len - 1;
    if (port <= hi && last >= lo) c.checks.hits |= 1 << i;
  }
}

/**
 * After an instruction completed: deliver the debug trap its single-step (`tf`: EFLAGS.TF was
 * set when it began) and data/I-O breakpoint hits call for, as one #DB with DR6.B0–B3/BS
 * (SDM Vol. 3B 18.3.1.3/18.3.1.4; EIP = the next instruction, or the same REP string
 * instruction after one iteration). MOV SS and POP SS inhibit debug exceptions until the
 * boundary after the next instruction (Vol. 2B MOV, Vol. 3A 6.8.3): their traps are held and
 * merged with that instruction's. Returns false on a triple fault or an intercept exit.
 */
export function debugTrap(c: Cpu, tf: boolean): boolean {
  const k = c.checks;
  const bits = k.held | k.hits | (tf ? DR6_BS : 0);
  k.hits = 0;
  if (c.shadow && c.opcode !== 0xfb) { k.held = bits; return true; } // the shadow of MOV SS / POP SS (not STI)
  k.held = 0;
  if (bits === 0) return true;
  const dr = c.state.dr;
  if ((bits & 0xf) !== 0) dr[12] = (dr[12] & ~0xf) | (bits & 0xf);
  if ((bits & DR6_BS) !== 0) dr[12] |= DR6_BS;
  return c.deliver(Exc.DB, -1, EventType.Exception, c.eip);
}
