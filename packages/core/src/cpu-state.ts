/**
 * The architectural state of one logical x86 processor, laid out for speed and 64-bit
 * readiness: 64-bit registers are `[lo, hi]` int32 pairs in typed arrays (no BigInt), so the
 * same layout serves real, protected, compatibility and (later) 64-bit mode. Every field is
 * initialised in the constructor in a fixed order (one hidden class).
 *
 * Reset values follow Intel SDM Vol. 3A table 10-1 ("IA-32 and Intel 64 Processor States
 * Following Power-up, Reset, or INIT").
 */
import { Reg, Rflags, Cr0, type CpuMode, cpuModeOf, Seg, SysSeg } from './arch.js';
import { SegAttr } from './descriptors.js';

/** Number of segment-register slots: ES CS SS DS FS GS LDTR TR. */
export const SEG_SLOTS = 8;

/** A plain, JSON-friendly copy of {@link CpuState}, used by snapshots and lockstep diffs. */
export interface CpuSnapshot {
  version: 1;
  /** 16 GPRs as hex strings of 64-bit values (`"0x..."`). */
  gpr: string[];
  rip: string;
  rflags: number;
  seg: { sel: number; base: string; limit: number; attr: number }[];
  gdtr: { base: string; limit: number };
  idtr: { base: string; limit: number };
  cr0: number; cr2: string; cr3: string; cr4: number; cr8: number; efer: number; xcr0: number;
  dr: string[];
  halted: boolean;
}

function hex64(lo: number, hi: number): string {
  return `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}
function parse64(s: string, out: Int32Array, i: number): void {
  const v = BigInt(s);
  out[i] = Number(v & 0xffffffffn) | 0;
  out[i + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
}

/** Architectural CPU state. Hot code indexes the typed arrays directly. */
export class CpuState {
  /** RAX..R15 as `[lo, hi]` pairs: `gpr[2*r]` is the low dword of register r. */
  readonly gpr = new Int32Array(32);
  /** RIP as `[lo, hi]`. */
  readonly rip = new Int32Array(2);
  /** RFLAGS (the architectural bits; lazily computed flags are the engine's business). */
  rflags = 0x2;
  /** Selectors of ES CS SS DS FS GS LDTR TR (index {@link Seg} / {@link SysSeg}). */
  readonly segSel = new Uint16Array(SEG_SLOTS);
  /** Hidden bases as `[lo, hi]` pairs. */
  readonly segBase = new Int32Array(SEG_SLOTS * 2);
  /** Hidden byte-granular limits (uint32). */
  readonly segLimit = new Uint32Array(SEG_SLOTS);
  /** Hidden attributes in the packed 12-bit {@link SegAttr} format. */
  readonly segAttr = new Uint16Array(SEG_SLOTS);
  /** GDTR/IDTR bases `[lo, hi]` and limits. */
  readonly gdtrBase = new Int32Array(2);
  gdtrLimit = 0xffff;
  readonly idtrBase = new Int32Array(2);
  idtrLimit = 0xffff;
  cr0 = 0x60000010;
  /** CR2 `[lo, hi]`: the last page-fault linear address. */
  readonly cr2 = new Int32Array(2);
  /** CR3 `[lo, hi]`. */
  readonly cr3 = new Int32Array(2);
  cr4 = 0;
  /** CR8 (TPR), 64-bit mode view of the APIC task priority. */
  cr8 = 0;
  efer = 0;
  xcr0 = 1;
  /** DR0..DR7 as `[lo, hi]` pairs (DR4/DR5 alias DR6/DR7 when CR4.DE = 0). */
  readonly dr = new Int32Array(16);
  /** x87: control, status and tag words; registers as raw 80-bit values, 16 bytes each (ST order is physical). */
  fpuControl = 0x37f;
  fpuStatus = 0;
  fpuTag = 0xffff;
  readonly fpr = new Uint8Array(8 * 16);
  /** XMM0..XMM15 as four dwords each. */
  readonly xmm = new Int32Array(16 * 4);
  mxcsr = 0x1f80;
  /** True while the CPU is halted (HLT) waiting for an interrupt. */
  halted = false;
  /** Exception pending delivery (vector), -1 when none; see `pendingErrorCode`. */
  pendingVector = -1;
  /** Error code of the pending exception, -1 when it has none. */
  pendingErrorCode = -1;

  constructor() {
    this.reset();
  }

  /** Power-up/RESET state (Intel SDM Vol. 3A table 10-1). `edx` gets the processor signature. */
  reset(signature = 0x00000663): void {
    this.gpr.fill(0);
    this.gpr[Reg.RDX * 2] = signature;
    this.rip[0] = 0xfff0;
    this.rip[1] = 0;
    this.rflags = 0x2;
    for (let s = 0; s < SEG_SLOTS; s++) {
      this.segSel[s] = 0;
      this.segBase[2 * s] = 0;
      this.segBase[2 * s + 1] = 0;
      this.segLimit[s] = 0xffff;
      // present, read/write data, accessed
      this.segAttr[s] = SegAttr.P | SegAttr.S | SegAttr.WRITABLE | SegAttr.ACCESSED;
    }
    this.segSel[Seg.CS] = 0xf000;
    this.segBase[2 * Seg.CS] = 0xffff0000 | 0;
    this.segAttr[Seg.CS] = SegAttr.P | SegAttr.S | SegAttr.CODE | SegAttr.READABLE | SegAttr.ACCESSED;
    this.segAttr[SysSeg.LDTR] = SegAttr.P | 0x2; // LDT
    this.segAttr[SysSeg.TR] = SegAttr.P | 0xb; // busy 32-bit TSS
    this.gdtrBase.fill(0);
    this.gdtrLimit = 0xffff;
    this.idtrBase.fill(0);
    this.idtrLimit = 0xffff;
    this.cr0 = 0x60000010;
    this.cr2.fill(0);
    this.cr3.fill(0);
    this.cr4 = 0;
    this.cr8 = 0;
    this.efer = 0;
    this.xcr0 = 1;
    this.dr.fill(0);
    this.dr[12] = 0xffff0ff0 | 0; // DR6
    this.dr[14] = 0x400; // DR7
    this.fpuControl = 0x40; // FINIT happens later; RESET leaves 0x0040
    this.fpuStatus = 0;
    this.fpuTag = 0x5555;
    this.fpr.fill(0);
    this.xmm.fill(0);
    this.mxcsr = 0x1f80;
    this.halted = false;
    this.pendingVector = -1;
    this.pendingErrorCode = -1;
  }

  // ---- register views (cold-path helpers; engines index `gpr` directly) -----------------

  /** Low 32 bits of a GPR, as uint32. */
  get32(r: number): number { return this.gpr[2 * r] >>> 0; }
  /** Write 32 bits; like hardware in 64-bit mode, the upper half is zeroed. */
  set32(r: number, v: number): void { this.gpr[2 * r] = v | 0; this.gpr[2 * r + 1] = 0; }
  /** Low 16 bits of a GPR. */
  get16(r: number): number { return this.gpr[2 * r] & 0xffff; }
  /** Write the low 16 bits, preserving the rest. */
  set16(r: number, v: number): void { this.gpr[2 * r] = (this.gpr[2 * r] & ~0xffff) | (v & 0xffff); }
  /**
   * 8-bit register by legacy encoding without REX: 0–3 = AL CL DL BL, 4–7 = AH CH DH BH.
   */
  get8Legacy(enc: number): number {
    return enc < 4 ? this.gpr[2 * enc] & 0xff : (this.gpr[2 * (enc - 4)] >>> 8) & 0xff;
  }
  /** Write an 8-bit register by legacy encoding (see {@link get8Legacy}). */
  set8Legacy(enc: number, v: number): void {
    if (enc < 4) this.gpr[2 * enc] = (this.gpr[2 * enc] & ~0xff) | (v & 0xff);
    else this.gpr[2 * (enc - 4)] = (this.gpr[2 * (enc - 4)] & ~0xff00) | ((v & 0xff) << 8);
  }
  /** A 64-bit GPR as bigint (cold paths, tests). */
  get64(r: number): bigint { return (BigInt(this.gpr[2 * r + 1] >>> 0) << 32n) | BigInt(this.gpr[2 * r] >>> 0); }
  /** Write a 64-bit GPR from a bigint. */
  set64(r: number, v: bigint): void {
    this.gpr[2 * r] = Number(v & 0xffffffffn) | 0;
    this.gpr[2 * r + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
  }
  /** EIP (low 32 bits of RIP) as uint32. */
  get eip(): number { return this.rip[0] >>> 0; }
  set eip(v: number) { this.rip[0] = v | 0; this.rip[1] = 0; }
  /** Segment base (low 32 bits) as uint32. */
  segBase32(s: number): number { return this.segBase[2 * s] >>> 0; }
  /**
   * Load a segment register in real or virtual-8086 fashion: base = selector × 16, limit
   * 0xffff; attributes are kept except in V86 mode, where they become DPL-3 data/code.
   */
  loadSegmentReal(s: number, selector: number): void {
    this.segSel[s] = selector & 0xffff;
    this.segBase[2 * s] = (selector & 0xffff) << 4;
    this.segBase[2 * s + 1] = 0;
    if ((this.rflags & Rflags.VM) !== 0) {
      this.segLimit[s] = 0xffff;
      this.segAttr[s] = SegAttr.P | SegAttr.S | SegAttr.WRITABLE | SegAttr.ACCESSED | (3 << SegAttr.DPL_SHIFT) |
        (s === Seg.CS ? SegAttr.CODE : 0);
    }
  }

  /** Current privilege level: CS.DPL in protected mode (SS.DPL equals it), 0 in real mode, 3 in V86. */
  get cpl(): number {
    if ((this.cr0 & Cr0.PE) === 0) return 0;
    if ((this.rflags & Rflags.VM) !== 0) return 3;
    return (this.segAttr[Seg.SS] >>> SegAttr.DPL_SHIFT) & 3;
  }

  /** The processor mode ({@link CpuMode}). */
  get mode(): CpuMode {
    return cpuModeOf(this.cr0, this.rflags, this.efer, (this.segAttr[Seg.CS] & SegAttr.L) !== 0);
  }

  /** A JSON-friendly copy. */
  snapshot(): CpuSnapshot {
    const seg: CpuSnapshot['seg'] = [];
    for (let s = 0; s < SEG_SLOTS; s++) {
      seg.push({ sel: this.segSel[s], base: hex64(this.segBase[2 * s], this.segBase[2 * s + 1]), limit: this.segLimit[s], attr: this.segAttr[s] });
    }
    const gpr: string[] = [];
    for (let r = 0; r < 16; r++) gpr.push(hex64(this.gpr[2 * r], this.gpr[2 * r + 1]));
    const dr: string[] = [];
    for (let r = 0; r < 8; r++) dr.push(hex64(this.dr[2 * r], this.dr[2 * r + 1]));
    return {
      version: 1, gpr, rip: hex64(this.rip[0], this.rip[1]), rflags: this.rflags >>> 0, seg,
      gdtr: { base: hex64(this.gdtrBase[0], this.gdtrBase[1]), limit: this.gdtrLimit },
      idtr: { base: hex64(this.idtrBase[0], this.idtrBase[1]), limit: this.idtrLimit },
      cr0: this.cr0 >>> 0, cr2: hex64(this.cr2[0], this.cr2[1]), cr3: hex64(this.cr3[0], this.cr3[1]),
      cr4: this.cr4 >>> 0, cr8: this.cr8, efer: this.efer >>> 0, xcr0: this.xcr0 >>> 0, dr, halted: this.halted,
    };
  }

  /** Restore from {@link snapshot} output. */
  restore(s: CpuSnapshot): void {
    for (let r = 0; r < 16; r++) parse64(s.gpr[r], this.gpr, 2 * r);
    parse64(s.rip, this.rip, 0);
    this.rflags = s.rflags | 0;
    for (let i = 0; i < SEG_SLOTS; i++) {
      this.segSel[i] = s.seg[i].sel;
      parse64(s.seg[i].base, this.segBase, 2 * i);
      this.segLimit[i] = s.seg[i].limit;
      this.segAttr[i] = s.seg[i].attr;
    }
    parse64(s.gdtr.base, this.gdtrBase, 0);
    this.gdtrLimit = s.gdtr.limit;
    parse64(s.idtr.base, this.idtrBase, 0);
    this.idtrLimit = s.idtr.limit;
    this.cr0 = s.cr0 | 0;
    parse64(s.cr2, this.cr2, 0);
    parse64(s.cr3, this.cr3, 0);
    this.cr4 = s.cr4 | 0;
    this.cr8 = s.cr8;
    this.efer = s.efer | 0;
    this.xcr0 = s.xcr0 | 0;
    for (let r = 0; r < 8; r++) parse64(s.dr[r], this.dr, 2 * r);
    this.halted = s.halted;
  }
}

/** Field-by-field differences between two snapshots, as `path: a → b` lines (lockstep reports). */
export function diffSnapshots(a: CpuSnapshot, b: CpuSnapshot): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
      for (const k of Object.keys(x)) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      return;
    }
    if (x !== y) out.push(`${path}: ${String(x)} → ${String(y)}`);
  };
  walk(a, b, '');
  return out;
}
