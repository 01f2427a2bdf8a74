/**
 * Decoded-instruction records and the per-physical-page decode cache.
 *
 * Every instruction is decoded once by `@x86kit/decoder` into a {@link DecodedInsn}: a
 * fixed-shape record holding the handler chosen from the decoder's `Code` and the operands
 * pre-extracted (operand/address size, prefixes, ModRM fields, memory form, immediates).
 * Records of instructions that lie inside one RAM or ROM page are kept in a {@link CodePage}
 * keyed by the physical page and the default code size (16/32), so an instruction is decoded
 * again only after a 128-byte line of its page holding decoded code was written (self-modifying
 * code, DMA, loaders: see core's `PhysicalMemoryBus.watchCode` and `Cpu.codePageWritten`).
 * Instructions crossing a page boundary are decoded on every execution (never cached), so they
 * need no dependency on two pages.
 */
import { Seg } from '@x86kit/core';
import { Code, DecoderError, OpKind, Register, virtClassOfInstruction, type Decoder, type Instruction } from '@x86kit/decoder';
import type { Cpu } from './cpu.js';

/** Handler of a decoded instruction: one signature for every record (monomorphic call site). */
export type InsnHandler = (c: Cpu, d: DecodedInsn) => void;

function notFilled(c: Cpu): void { c.ud(); }

/**
 * One decoded instruction. Fields are plain numbers so the shape never changes; the record
 * does not depend on the instruction's address (branch displacements are relative), so one
 * physical page mapped at several linear addresses shares its records.
 */
export class DecodedInsn {
  /** The handler chosen at decode time from the `Code` (specialised or the generic adapter). */
  exec: InsnHandler = notFilled;
  /** The decoder's `Code` (`Code.INVALID` for undecodable bytes). */
  code: number = Code.INVALID;
  /** Length in bytes. */
  len = 0;
  /** Legacy opcode index (0x000–0x0FF one-byte map, 0x100–0x1FF 0F map) for the generic handlers. */
  opcode = 0;
  /** ModRM fields (meaningful only for forms that have a ModRM byte). */
  mod = 0;
  reg = 0;
  rm = 0;
  /** Operand and address size in bytes (2 or 4). */
  os = 2;
  as = 2;
  /** Segment override (0–5) or −1, REP prefix (0, 0xF2, 0xF3), LOCK. */
  segOvr = -1;
  rep = 0;
  lock = false;
  /** Memory operand: effective segment (override or default), base/index GPR (−1 none), scale shift, displacement. */
  eaSeg: number = Seg.DS;
  eaBase = -1;
  eaIndex = -1;
  eaScale = 0;
  eaDisp = 0;
  /**
   * First immediate: unsigned value of its size (sign-extended imm8 forms: extended to the
   * operand size); relative branches: the signed displacement; far pointers: the offset;
   * moffs forms: the offset.
   */
  imm = 0;
  /** Second immediate: far-pointer selector, ENTER nesting level. */
  imm2 = 0;
  /** `@x86kit/decoder` virtualization class bits (for `interceptVirtClasses`). */
  virt = 0;
  /**
   * 1 when the handler is a specialised plain form (handlers.ts): it cannot change EFLAGS.TF/
   * RF/IF, the interrupt shadow, the mode, HLT state or I/O, and is not a REP string, so the
   * run loop may skip the event checks after it.
   */
  plain = 0;
  /**
   * Inline case of the run loop's switch for the hottest plain forms ({@link FastOp} in
   * handlers.ts; 0 = call {@link exec}), with its register operands as indices into the GPR
   * array (`2 * n`) and, for Jcc, the condition.
   */
  fast = 0;
  ra = 0;
  rb = 0;
  cc = 0;
  /** 1 when decoding stopped for a reason the CPU reports as #GP(0) (longer than 15 bytes). */
  tooLong = 0;
  /**
   * Chaining inside one {@link CodePage} (filled lazily by the run loop, valid while the page
   * is): the record that follows when this one falls through, and the target record of a taken
   * direct branch (Jcc/JMP rel) when it lies in the same page.
   */
  next: DecodedInsn | null = null;
  taken: DecodedInsn | null = null;
}

/**
 * Decoded instructions of one physical page for one default code size. Pages and their records
 * are recycled by the CPU's bounded cache ({@link CodePage.reuse}) instead of being reallocated.
 */
export class CodePage {
  /** Offset in page → index into {@link insns} (0 = not decoded). */
  readonly slots = new Uint16Array(4096);
  /** Records; entries at index ≥ {@link count} are spares kept for reuse. */
  readonly insns: DecodedInsn[] = [new DecodedInsn()];
  /** Records in use (index 0 is the unused sentinel). */
  count = 1;
  /** Cleared when the page is written or evicted: records stay usable only by an instruction already running. */
  valid = true;
  /** Physical page number (after the A20 mask). */
  ppn: number;
  code32: boolean;
  /** The page's RAM bytes (the bus's direct view). */
  mem: Uint8Array;
  constructor(ppn: number, code32: boolean, mem: Uint8Array) {
    this.ppn = ppn;
    this.code32 = code32;
    this.mem = mem;
  }
  /** The record at `off`, or null. */
  get(off: number): DecodedInsn | null {
    const s = this.slots[off];
    return s === 0 ? null : this.insns[s];
  }
  /** A record for offset `off` (a spare one when available), entered in the slot table; the caller fills it. */
  alloc(off: number): DecodedInsn {
    const n = this.count++;
    let d = this.insns[n];
    if (d === undefined) { d = new DecodedInsn(); this.insns.push(d); }
    this.slots[off] = n;
    return d;
  }
  /** Store a record for offset `off`. */
  put(off: number, d: DecodedInsn): void {
    const n = this.count++;
    if (n < this.insns.length) this.insns[n] = d; else this.insns.push(d);
    this.slots[off] = n;
  }
  /**
   * Make this (evicted, unreferenced) page the empty decoded page of another physical page,
   * keeping its record objects as spares. Only for a page no fetch entry or running loop refers to.
   */
  reuse(ppn: number, code32: boolean, mem: Uint8Array): void {
    this.slots.fill(0);
    this.count = 1;
    this.valid = true;
    this.ppn = ppn;
    this.code32 = code32;
    this.mem = mem;
  }
}

/** Legacy prefix bytes (Intel SDM Vol. 2A, 2.1.1). */
const PREFIX: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const b of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) t[b] = 1;
  return t;
})();

/** GPR index (0–7) of a 16/32-bit base/index register, −1 for none. */
function gprIndex(r: number): number {
  if (r >= Register.EAX && r <= Register.EDI) return r - Register.EAX;
  if (r >= Register.AX && r <= Register.DI) return r - Register.AX;
  return -1;
}

/**
 * Fill `d` from the decoder's result for `bytes[0..insn.length)`. `code32` is the default size.
 * The handler is picked by `pick` (Code-keyed specialisation, else the generic adapter).
 * Prefix semantics the legacy opcode handlers rely on (last segment override wins, last of
 * F2/F3 is the REP kind) are read from the prefix bytes the decoder accepted.
 */
export function fillRecord(
  d: DecodedInsn, insn: Instruction, bytes: Uint8Array, code32: boolean, pick: (d: DecodedInsn) => InsnHandler,
): void {
  const len = insn.length;
  d.len = len;
  d.code = insn.code;
  d.next = null;
  d.taken = null;
  d.tooLong = 0;
  d.plain = 0;
  d.fast = 0; d.ra = 0; d.rb = 0; d.cc = 0;
  const def = code32 ? 4 : 2;
  let os = def, as = def, seg = -1, rep = 0, lock = false;
  let p = 0;
  for (; p < len && PREFIX[bytes[p]] !== 0; p++) {
    switch (bytes[p]) {
      case 0x26: seg = Seg.ES; break;
      case 0x2e: seg = Seg.CS; break;
      case 0x36: seg = Seg.SS; break;
      case 0x3e: seg = Seg.DS; break;
      case 0x64: seg = Seg.FS; break;
      case 0x65: seg = Seg.GS; break;
      case 0x66: os = 6 - def; break;
      case 0x67: as = 6 - def; break;
      case 0xf0: lock = true; break;
      default: rep = bytes[p]; break;
    }
  }
  d.os = os; d.as = as; d.segOvr = seg; d.rep = rep; d.lock = lock;
  let op = p < len ? bytes[p] : 0;
  let q = p + 1;
  if (op === 0x0f && q < len) { op = 0x100 | bytes[q]; q++; }
  d.opcode = op;
  const m = q < len ? bytes[q] : 0;
  d.mod = m >>> 6; d.reg = (m >>> 3) & 7; d.rm = m & 7;
  d.eaSeg = seg >= 0 ? seg : Seg.DS;
  d.eaBase = -1; d.eaIndex = -1; d.eaScale = 0; d.eaDisp = 0;
  d.imm = 0; d.imm2 = 0;
  if (insn.code === Code.INVALID) {
    d.virt = 0;
    // the decoder reports 15 bytes when the instruction would exceed the limit (#GP(0), SDM Vol. 2A
    // 2.3.11), and also for an invalid encoding of exactly 15 bytes (#UD): the caller tells them
    // apart with FetchWindow.fitsIn15 (the decoder's lastErrorTooLong) and clears tooLong for the latter
    if (len >= 15) d.tooLong = 1;
    d.exec = pick(d);
    return;
  }
  d.virt = virtClassOfInstruction(insn);
  let immSeen = false;
  for (let i = 0; i < insn.opCount; i++) {
    const k = insn.opKinds[i];
    switch (k) {
      case OpKind.Memory: {
        if (insn.memSegment !== Register.None) d.eaSeg = insn.memSegment - Register.ES;
        d.eaBase = gprIndex(insn.memBase);
        d.eaIndex = gprIndex(insn.memIndex);
        d.eaScale = insn.memScale === 8 ? 3 : insn.memScale === 4 ? 2 : insn.memScale === 2 ? 1 : 0;
        d.eaDisp = insn.memDisplLo | 0;
        if (op >= 0xa0 && op <= 0xa3) d.imm = insn.memDisplLo >>> 0; // moffs
        break;
      }
      case OpKind.Immediate8: case OpKind.Immediate16: case OpKind.Immediate32:
      case OpKind.Immediate8to16: case OpKind.Immediate8to32: {
        const v = insn.immediateLo;
        const w = k === OpKind.Immediate8 ? v & 0xff : k === OpKind.Immediate16 || k === OpKind.Immediate8to16 ? v & 0xffff : v >>> 0;
        if (immSeen) d.imm2 = w; else { d.imm = w; immSeen = true; }
        break;
      }
      case OpKind.Immediate8_2nd: d.imm2 = insn.immediate2 & 0xff; break;
      case OpKind.NearBranch16: case OpKind.NearBranch32:
        d.imm = (insn.nearBranchLo - insn.nextIpLo) | 0;
        break;
      case OpKind.FarBranch16: case OpKind.FarBranch32:
        d.imm = insn.farBranchOffset >>> 0;
        d.imm2 = insn.farBranchSelector & 0xffff;
        break;
      default: break;
    }
  }
  d.exec = pick(d);
}

/** Reusable decoder state of one CPU: two decoders and the fetch window. */
export class FetchWindow {
  readonly buf = new Uint8Array(16);
  /** `buf.subarray(0, n)` for n = 0..15 (no allocation per decode). */
  readonly views: Uint8Array[];
  readonly insn: Instruction;
  readonly d16: Decoder;
  readonly d32: Decoder;
  constructor(insn: Instruction, d16: Decoder, d32: Decoder) {
    this.insn = insn;
    this.d16 = d16;
    this.d32 = d32;
    this.views = [];
    for (let n = 0; n <= 15; n++) this.views.push(this.buf.subarray(0, n));
  }
  /**
   * After {@link decode} reported `InvalidInstruction` with length 15: does the instruction end
   * within the 15 bytes (an invalid encoding of exactly 15 bytes: #UD), rather than run past the
   * 15-byte limit (#GP(0), Intel SDM Vol. 2A 2.3.11)? The decoder says which
   * (`Decoder.lastErrorTooLong`).
   */
  fitsIn15(code32: boolean): boolean {
    return !(code32 ? this.d32 : this.d16).lastErrorTooLong;
  }

  /** Decode `buf[0..n)`; returns the decoder error. */
  decode(n: number, code32: boolean, ip: number): number {
    const dec = code32 ? this.d32 : this.d16;
    dec.setIp(ip >>> 0);
    dec.decodeInto(this.insn, this.views[n], 0);
    return dec.lastError;
  }
}

export { DecoderError };
