/**
 * Nested paging: the second translation stage of a hardware-assisted monitor, guest-physical →
 * host-physical, in both formats:
 *
 * - **AMD NPT** (AMD APM Vol. 2, 15.25 "Nested Paging"): ordinary long-mode page tables rooted
 *   at nCR3; every nested access is a *user* access (so every nested entry needs U/S = 1),
 *   writes need R/W = 1, fetches need XD = 0 (with the host's EFER.NXE); A/D flags are set in
 *   nested entries. Faults become #VMEXIT(NPF) with EXITINFO1 = a #PF-style error code plus
 *   bit 32 (fault on the final guest-physical address) or bit 33 (fault on a guest page-table
 *   access), EXITINFO2 = the guest-physical address (15.25.6).
 * - **Intel EPT** (Intel SDM Vol. 3C, 29.3 "The Extended Page Table Mechanism"): R/W/X entries,
 *   execute-only (optional), memory type in leaves, EPTP with page-walk length and optional
 *   A/D flags (bits 8/9; with them, guest paging-structure accesses count as writes). Faults
 *   are EPT violations (exit qualification bits 0–5, 7, 8; guest-physical and guest-linear
 *   address) or EPT misconfigurations (reserved bits, W without R, unsupported execute-only,
 *   reserved memory types).
 *
 * {@link NestedPaging} implements the walker's {@link GpaTranslator}: give it to a
 * {@link PageWalker} (or `new Mmu({ nested })`) and the guest walk becomes the 2D walk, every
 * guest paging-structure access translated through the nested tables. A small nested TLB
 * (gPA page → hPA page) can be enabled; its hits and misses are counted, as are the memory
 * references of each walk (24 for a 4-level guest over 4-level nested tables without it).
 */
import { CounterSet, Pte, PfErr, type GuestMemory } from '@x86kit/core';
import { Access, TWO32 } from './paging-context.js';
import { WalkResult, ramPageOf, type GpaTranslator } from './walker.js';

/** Nested table format. */
export const NestedFormat = { Npt: 0, Ept: 1 } as const;
export type NestedFormat = (typeof NestedFormat)[keyof typeof NestedFormat];

/** Kind of the last nested fault. */
export const NestedFault = { None: 0, Npf: 1, EptViolation: 2, EptMisconfig: 3 } as const;
export type NestedFault = (typeof NestedFault)[keyof typeof NestedFault];

/** EPT entry bits (SDM Vol. 3C, tables 29-1..29-6). */
export const Ept = { R: 1, W: 2, X: 4, MemTypeShift: 3, IgnorePat: 1 << 6, PS: 1 << 7, A: 1 << 8, D: 1 << 9 } as const;
/** EPTP bits: memory type (2:0), page-walk length − 1 (5:3), A/D enable (6). */
export const Eptp = { WB: 6, UC: 0, Pwl4: 3 << 3, Pwl5: 4 << 3, AD: 1 << 6 } as const;
/** EPT-violation exit qualification bits (SDM Vol. 3C, table 28-7). */
export const EptQual = {
  Read: 1 << 0, Write: 1 << 1, Fetch: 1 << 2, Readable: 1 << 3, Writable: 1 << 4, Executable: 1 << 5,
  LinearValid: 1 << 7, FinalTranslation: 1 << 8,
} as const;
/** High dword of NPF EXITINFO1: bit 32 (final gPA) and bit 33 (guest page-table access). */
export const NpfInfoHi = { FinalGpa: 1 << 0, GuestPageTable: 1 << 1 } as const;

/** Slots of {@link NestedPaging.counters}. */
export const NestedCounter = {
  /** Nested walks performed (nested-TLB misses that walked). */
  Walks: 0,
  /** Nested paging-structure entries read. */
  MemRefs: 1,
  /** Nested TLB hits / misses. */
  TlbHits: 2,
  TlbMisses: 3,
  /** Nested faults by kind. */
  Npf: 4,
  EptViolations: 5,
  EptMisconfigs: 6,
  /** gPA translations requested for guest paging-structure accesses, and for final addresses. */
  TableAccesses: 7,
  FinalAccesses: 8,
  /** Nested A/D write-backs. */
  AdWrites: 9,
} as const;
export const NESTED_COUNTER_NAMES = [
  'walks', 'memRefs', 'tlbHits', 'tlbMisses', 'npf', 'eptViolations', 'eptMisconfigs', 'tableAccesses', 'finalAccesses', 'adWrites',
] as const;

/** Options of {@link NestedPaging}. */
export interface NestedPagingOptions {
  /** Host memory holding the nested tables (and the guest's memory). */
  memory: GuestMemory;
  format: NestedFormat;
  /** MAXPHYADDR of the host (default 40). */
  maxPhyAddr?: number;
  /** log2 of nested-TLB entries; 0 disables it (default 8). */
  tlbBits?: number;
  /** NPT: host EFER.NXE (default true). */
  nxe?: boolean;
  /** NPT: nested paging levels, 4 or 5 (default 4). */
  levels?: 4 | 5;
  /** EPT: execute-only translations supported (IA32_VMX_EPT_VPID_CAP bit 0; default true). */
  executeOnly?: boolean;
}

const RSVD_1G = 0x3fffe000, RSVD_2M = 0x1fe000;

/** The second translation stage (gPA → hPA), with its fault reporting and counters. */
export class NestedPaging implements GpaTranslator {
  readonly format: NestedFormat;
  readonly mem: GuestMemory;
  readonly maxPhyAddr: number;
  readonly nxe: boolean;
  readonly executeOnly: boolean;
  /** NPT: nCR3 (a physical address; set with {@link setRoot}). EPT: the EPTP. */
  root = 0;
  /** Levels of the nested tables (NPT: from options; EPT: from EPTP bits 5:3). */
  levels: number;
  /** EPT: accessed/dirty flags enabled (EPTP bit 6). */
  eptAd = false;
  readonly counters = new CounterSet(NESTED_COUNTER_NAMES);
  // ---- last fault ----
  fault: NestedFault = NestedFault.None;
  /** Faulting guest-physical address (NPF EXITINFO2; the VMCS guest-physical-address field). */
  faultGpa = 0;
  /** NPF EXITINFO1, low dword (a #PF-style error code) and high dword ({@link NpfInfoHi}). */
  exitInfo1Lo = 0;
  exitInfo1Hi = 0;
  /** EPT-violation exit qualification ({@link EptQual}); 0 for misconfigurations. */
  exitQualification = 0;
  /** Guest-linear address of the access (`[lo, hi]`), valid when the fault came from a linear access. */
  guestLinearLo = 0;
  guestLinearHi = 0;
  // ---- nested TLB ----
  private readonly tlbMask: number;
  private readonly tlbGfn: Float64Array;
  private readonly tlbFrame: Float64Array;
  /** R(1) W(2) X(4) D(8) allowed by the cached translation. */
  private readonly tlbPerm: Uint8Array;
  private readonly addrHiMask: number;
  private readonly rsvdHi: number;
  private readonly ramPage: ((pa: number) => Uint8Array | null) | null;

  constructor(options: NestedPagingOptions) {
    this.format = options.format;
    this.mem = options.memory;
    this.ramPage = ramPageOf(options.memory);
    this.maxPhyAddr = options.maxPhyAddr ?? 40;
    this.nxe = options.nxe ?? true;
    this.executeOnly = options.executeOnly ?? true;
    this.levels = options.levels ?? 4;
    const hiBits = this.maxPhyAddr - 32;
    this.addrHiMask = hiBits >= 32 ? -1 : (1 << hiBits) - 1;
    this.rsvdHi = (0xfffff & ~this.addrHiMask) | (this.format === NestedFormat.Npt && !this.nxe ? 1 << 31 : 0);
    const bits = options.tlbBits ?? 8;
    const n = bits > 0 ? 1 << bits : 0;
    this.tlbMask = n - 1;
    this.tlbGfn = new Float64Array(n).fill(-1);
    this.tlbFrame = new Float64Array(n);
    this.tlbPerm = new Uint8Array(n);
  }

  /**
   * Set nCR3 (NPT) or the EPTP (EPT), as VMRUN / VM entry do; flushes the nested TLB.
   * For EPT the page-walk length (4 or 5) and A/D enable are taken from the EPTP.
   */
  setRoot(value: number): void {
    this.root = value;
    if (this.format === NestedFormat.Ept) {
      this.levels = ((value >>> 3) & 7) + 1;
      this.eptAd = (value & Eptp.AD) !== 0;
    }
    this.flush();
  }

  /** INVEPT / nested TLB flush (also needed after the monitor edits nested tables). */
  flush(): void {
    this.tlbGfn.fill(-1);
  }

  private readonly scratch = new WalkResult();

  /**
   * Translate a guest-physical address that is not the result of a linear translation (device
   * DMA, the processor's own structure accesses such as the VMCB/VMCS-referenced pages, guest
   * PDPTE loads): -1 on a nested fault, recorded as for the walker but with no guest-linear
   * address (EPT qualification bit 7 clear).
   */
  translateGuestPhysical(gpa: number, access: number): number {
    const r = this.scratch;
    r.laLo = 0; r.laHi = 0; r.memRefs = 0;
    const hpa = this.translateGpa(gpa, access, false, r);
    if (hpa < 0 && this.fault === NestedFault.EptViolation) {
      this.exitQualification &= ~(EptQual.LinearValid | EptQual.FinalTranslation);
    }
    return hpa;
  }

  /** {@inheritDoc GpaTranslator.translateGpa} */
  translateGpa(gpa: number, access: number, table: boolean, r: WalkResult): number {
    const c = this.counters.values;
    c[table ? NestedCounter.TableAccesses : NestedCounter.FinalAccesses]++;
    // What the nested stage sees: guest table reads are data reads (writes with EPT A/D), A/D
    // write-backs are writes; final accesses keep their kind.
    const write = (access & Access.Write) !== 0 || (table && this.eptAd);
    const fetch = !table && (access & Access.Fetch) !== 0;
    const need = fetch ? 4 : write ? 2 | 8 : 1;
    const gfn = Math.floor(gpa / 4096);
    const off = gpa & 0xfff;
    if (this.tlbMask >= 0) {
      const i = gfn & this.tlbMask;
      if (this.tlbGfn[i] === gfn && (this.tlbPerm[i] & need) === need) {
        c[NestedCounter.TlbHits]++;
        return this.tlbFrame[i] + off;
      }
      c[NestedCounter.TlbMisses]++;
    }
    c[NestedCounter.Walks]++;
    const frame = this.format === NestedFormat.Npt
      ? this.walkNpt(gpa, write, fetch, table, r)
      : this.walkEpt(gpa, write, fetch, table, (access & Access.Write) !== 0, r);
    if (frame < 0) return -1;
    if (this.tlbMask >= 0) {
      const i = gfn & this.tlbMask;
      this.tlbGfn[i] = gfn;
      this.tlbFrame[i] = frame;
      this.tlbPerm[i] = this.lastPerm;
    }
    return frame + off;
  }

  private lastPerm = 0;
  private readonly eAddr = new Float64Array(6);
  private readonly eLo = new Int32Array(6);

  /** Low/high dwords of the entry last read by {@link readEntry} (no tuple allocation). */
  private entryLo = 0;
  private entryHi = 0;

  /**
   * Read the 8-byte nested-table entry at host-physical `ea` into `entryLo`/`entryHi`, straight
   * from the RAM page when the memory exposes one, and count the memory reference.
   */
  private readEntry(ea: number, r: { memRefs: number }): void {
    const page = this.ramPage === null ? null : this.ramPage(ea);
    if (page !== null) {
      const o = ea & 0xfff;
      this.entryLo = page[o] | (page[o + 1] << 8) | (page[o + 2] << 16) | (page[o + 3] << 24);
      this.entryHi = page[o + 4] | (page[o + 5] << 8) | (page[o + 6] << 16) | (page[o + 7] << 24);
    } else {
      this.entryLo = this.mem.read32(ea) | 0;
      this.entryHi = this.mem.read32(ea + 4) | 0;
    }
    this.counters.values[NestedCounter.MemRefs]++;
    r.memRefs++;
  }

  private index(gLo: number, gHi: number, level: number): number {
    switch (level) {
      case 5: return (gHi >>> 16) & 0x1ff;
      case 4: return (gHi >>> 7) & 0x1ff;
      case 3: return ((gHi & 0x7f) << 2) | (gLo >>> 30);
      case 2: return (gLo >>> 21) & 0x1ff;
      default: return (gLo >>> 12) & 0x1ff;
    }
  }

  /** AMD NPT walk; returns the host frame of the gPA's 4 KiB page, or -1 after recording an NPF. */
  private walkNpt(gpa: number, write: boolean, fetch: boolean, table: boolean, r: WalkResult): number {
    const gLo = gpa >>> 0, gHi = (gpa / TWO32) >>> 0;
    const mem = this.mem;
    const ecBase = PfErr.U | (write ? PfErr.W : 0) | (fetch && this.nxe ? PfErr.I : 0);
    let tableBase = (this.root - (this.root % 4096)) % 2 ** this.maxPhyAddr;
    let level = this.levels;
    let user = true, rw = true, nx = false;
    let n = 0, lo = 0, hi = 0, base = 0, shift = 12;
    for (;;) {
      const ea = tableBase + this.index(gLo, gHi, level) * 8;
      this.readEntry(ea, r);
      lo = this.entryLo;
      hi = this.entryHi;
      this.eAddr[n] = ea; this.eLo[n] = lo; n++;
      if ((lo & Pte.P) === 0) return this.npf(gpa, ecBase, table, r);
      const ps = (lo & Pte.PS) !== 0 && level > 1;
      if ((hi & this.rsvdHi) !== 0 || (ps && (level >= 4 || (level === 3 ? (lo & RSVD_1G) !== 0 : (lo & RSVD_2M) !== 0)))) {
        return this.npf(gpa, ecBase | PfErr.P | PfErr.RSVD, table, r);
      }
      if ((lo & Pte.US) === 0) user = false;
      if ((lo & Pte.RW) === 0) rw = false;
      if (hi < 0) nx = true;
      if (ps || level === 1) {
        shift = level === 1 ? 12 : level === 2 ? 21 : 30;
        base = ((lo & (level === 1 ? 0xfffff000 : level === 2 ? 0xffe00000 : 0xc0000000)) >>> 0) + (hi & this.addrHiMask) * TWO32;
        break;
      }
      tableBase = ((lo & 0xfffff000) >>> 0) + (hi & this.addrHiMask) * TWO32;
      level--;
    }
    if (!user || (write && !rw) || (fetch && nx)) return this.npf(gpa, ecBase | PfErr.P, table, r);
    for (let j = 0; j < n; j++) {
      const want = j === n - 1 && write ? Pte.A | Pte.D : Pte.A;
      if ((this.eLo[j] & want) !== want) {
        mem.write32(this.eAddr[j], this.eLo[j] | want);
        this.counters.values[NestedCounter.AdWrites]++;
      }
    }
    this.lastPerm = 1 | (rw ? 2 : 0) | (nx ? 0 : 4) | (write || (lo & Pte.D) !== 0 ? 8 : 0);
    return base + ((gLo & ((1 << shift) - 1) & ~0xfff) >>> 0);
  }

  private npf(gpa: number, errorCode: number, table: boolean, r: WalkResult): number {
    this.counters.values[NestedCounter.Npf]++;
    this.fault = NestedFault.Npf;
    this.faultGpa = gpa;
    this.exitInfo1Lo = errorCode;
    this.exitInfo1Hi = table ? NpfInfoHi.GuestPageTable : NpfInfoHi.FinalGpa;
    this.exitQualification = 0;
    this.guestLinearLo = r.laLo;
    this.guestLinearHi = r.laHi;
    return -1;
  }

  /** Intel EPT walk; returns the host frame, or -1 after recording a violation/misconfiguration. */
  private walkEpt(gpa: number, write: boolean, fetch: boolean, table: boolean, adWrite: boolean, r: WalkResult): number {
    const gLo = gpa >>> 0, gHi = (gpa / TWO32) >>> 0;
    const mem = this.mem;
    // Exit-qualification access bits: guest-table accesses are reads (reads + writes with A/D).
    const accBits = fetch ? EptQual.Fetch : table ? (this.eptAd ? EptQual.Read | EptQual.Write : adWrite ? EptQual.Write : EptQual.Read)
      : write ? EptQual.Write : EptQual.Read;
    let tableBase = (this.root - (this.root % 4096)) % 2 ** this.maxPhyAddr;
    let level = this.levels;
    let and = 7;
    let n = 0, lo = 0, hi = 0, base = 0, shift = 12;
    for (;;) {
      const ea = tableBase + this.index(gLo, gHi, level) * 8;
      this.readEntry(ea, r);
      lo = this.entryLo;
      hi = this.entryHi;
      this.eAddr[n] = ea; this.eLo[n] = lo; n++;
      and &= lo;
      if ((lo & 7) === 0) return this.eptViolation(gpa, accBits, 0, table, r);
      const ps = (lo & Ept.PS) !== 0 && (level === 2 || level === 3);
      const leaf = ps || level === 1;
      const mt = (lo >>> 3) & 7;
      if ((lo & 3) === 2 || ((lo & 7) === 4 && !this.executeOnly) || (hi & 0xfffff & ~this.addrHiMask) !== 0 ||
          (level >= 4 && (lo & 0xf8) !== 0) || (!leaf && (lo & 0x78) !== 0) ||
          (leaf && (mt === 2 || mt === 3 || mt === 7)) ||
          (ps && (level === 3 ? (lo & 0x3ffff000) !== 0 : (lo & 0x1ff000) !== 0))) {
        return this.eptMisconfig(gpa, r);
      }
      if (leaf) {
        shift = level === 1 ? 12 : level === 2 ? 21 : 30;
        base = ((lo & (level === 1 ? 0xfffff000 : level === 2 ? 0xffe00000 : 0xc0000000)) >>> 0) + (hi & this.addrHiMask) * TWO32;
        break;
      }
      tableBase = ((lo & 0xfffff000) >>> 0) + (hi & this.addrHiMask) * TWO32;
      level--;
    }
    if ((fetch && (and & 4) === 0) || (write && (and & 2) === 0) || (!fetch && !write && (and & 1) === 0) ||
        (table && (and & 1) === 0)) {
      return this.eptViolation(gpa, accBits, and, table, r);
    }
    if (this.eptAd) {
      for (let j = 0; j < n; j++) {
        const want = j === n - 1 && write ? Ept.A | Ept.D : Ept.A;
        if ((this.eLo[j] & want) !== want) {
          mem.write32(this.eAddr[j], this.eLo[j] | want);
          this.counters.values[NestedCounter.AdWrites]++;
        }
      }
    }
    this.lastPerm = (and & 7) | (!this.eptAd || write || (lo & Ept.D) !== 0 ? 8 : 0);
    return base + ((gLo & ((1 << shift) - 1) & ~0xfff) >>> 0);
  }

  private eptViolation(gpa: number, accBits: number, and: number, table: boolean, r: WalkResult): number {
    this.counters.values[NestedCounter.EptViolations]++;
    this.fault = NestedFault.EptViolation;
    this.faultGpa = gpa;
    this.exitQualification = accBits | ((and & 7) << 3) | EptQual.LinearValid | (table ? 0 : EptQual.FinalTranslation);
    this.exitInfo1Lo = 0;
    this.exitInfo1Hi = 0;
    this.guestLinearLo = r.laLo;
    this.guestLinearHi = r.laHi;
    return -1;
  }

  private eptMisconfig(gpa: number, r: WalkResult): number {
    this.counters.values[NestedCounter.EptMisconfigs]++;
    this.fault = NestedFault.EptMisconfig;
    this.faultGpa = gpa;
    this.exitQualification = 0;
    this.exitInfo1Lo = 0;
    this.exitInfo1Hi = 0;
    this.guestLinearLo = r.laLo;
    this.guestLinearHi = r.laHi;
    return -1;
  }
}
