/**
 * The paging state the MMU reads: control registers, EFER, EFLAGS.AC and PKRU, plus values
 * precomputed from them by {@link PagingContext.update} (the paging mode, permission switches
 * and reserved-bit masks) so the walker and TLB test plain fields instead of decoding control
 * registers on every miss.
 *
 * The CPU owns one context and mutates it: write the raw fields, then call `update()` (or let
 * {@link Mmu.controlRegistersChanged} do it, which also performs the TLB flushes the change implies).
 */
import { Cr0, Cr4, Efer } from '@x86kit/core';

/** Paging modes (Intel SDM Vol. 3A, 4.1.1, table 4-1). */
export const PagingMode = {
  /** CR0.PG = 0: linear = physical. */
  None: 0,
  /** 32-bit paging: two levels of 4-byte entries, optional 4 MiB pages (CR4.PSE) and PSE-36. */
  Legacy32: 1,
  /** PAE paging: four cached PDPTEs, 8-byte entries, 2 MiB pages, NX. */
  Pae: 2,
  /** 4-level paging (IA-32e, EFER.LMA = 1): 48-bit linear addresses, 1 GiB pages. */
  Long4: 3,
  /** 5-level paging (CR4.LA57 = 1): 57-bit linear addresses. */
  Long5: 4,
} as const;
export type PagingMode = (typeof PagingMode)[keyof typeof PagingMode];

/**
 * Access kinds, as a bit set whose W, U and I bits sit where the #PF error code has them
 * (Intel SDM Vol. 3A, 4.7), so the error code of a fault is `P | (access & 0x16) | ...`.
 *
 * - `User`: an explicit access at CPL 3. Implicit supervisor accesses (GDT/IDT/TSS/stack of an
 *   inner level, even at CPL 3) must NOT set `User`; set `Implicit` instead (it matters for SMAP).
 * - `Probe`: walk without setting accessed/dirty bits and without filling the TLB (debuggers, tests).
 */
export const Access = {
  Read: 0,
  Write: 1 << 1,
  User: 1 << 2,
  Fetch: 1 << 4,
  Implicit: 1 << 8,
  Probe: 1 << 9,
} as const;
export type Access = (typeof Access)[keyof typeof Access];

/** 2^32 as a double: physical addresses wider than 32 bits are `lo + hi * TWO32`. */
export const TWO32 = 4294967296;

/**
 * Control state of paging. Raw fields are written by the CPU; the `readonly`-documented derived
 * fields are recomputed by {@link PagingContext.update}.
 */
export class PagingContext {
  /** CR0 (PG, WP used). */
  cr0 = 0;
  /**
   * CR3 as a non-negative number below 2^52 (bit 63, the PCID no-flush bit, is not stored:
   * pass it to {@link Mmu.loadCr3}). Bits 11:0 are the PCID when CR4.PCIDE = 1.
   */
  cr3 = 0;
  /** CR4 (PSE, PAE, PGE, PCIDE, SMEP, SMAP, PKE, LA57 used). */
  cr4 = 0;
  /** IA32_EFER (NXE, LMA used). */
  efer = 0;
  /**
   * EFLAGS.AC, kept here by the CPU (POPF, IRET, STAC, CLAC, interrupt/task entry). Only read on
   * the miss path: the TLB never caches an outcome that depends on it, so changing it needs no flush.
   */
  ac = false;
  /** PKRU (two bits per key: AD = bit 2k, WD = bit 2k+1). Change it with {@link Mmu.setPkru}. */
  pkru = 0;
  /** MAXPHYADDR (CPUID 0x80000008 EAX[7:0]): bits 51:M of entries are reserved. */
  maxPhyAddr: number;
  /**
   * Whether PAE PDPTEs are the four registers loaded by {@link loadPdptes} (Intel behaviour, also
   * AMD outside nested paging) or read from memory on each walk (set false under nested paging
   * and for shadow page tables, where the monitor edits them in place).
   */
  cachePdptes = true;

  // ---- derived by update() ----
  /** Current {@link PagingMode}. */
  mode: PagingMode = PagingMode.None;
  /** CR0.WP. */
  wp = false;
  /** CR4.PSE (4 MiB pages in 32-bit paging). */
  pse = false;
  /** CR4.PGE. */
  pge = false;
  /** EFER.NXE (only meaningful in PAE and long modes). */
  nxe = false;
  /** CR4.SMEP. */
  smep = false;
  /** CR4.SMAP. */
  smap = false;
  /** CR4.PKE and a long paging mode (protection keys exist only in 4/5-level paging). */
  pke = false;
  /** CR4.PCIDE in long mode. */
  pcide = false;
  /** Whether fetch faults report I/D (SDM 4.7: SMEP, or NXE with PAE/long paging). */
  fetchErrorBit = false;
  /** Reserved bits of the high dword of every PAE/long entry: bits 51:M, and bit 63 unless NXE. */
  rsvdHi = 0;
  /** Mask of the high dword bits that are address bits (M-1):32. */
  addrHiMask = 0;
  /** Cached PAE PDPTEs as `[lo, hi]` pairs (valid when `pdptesLoaded`). */
  readonly pdpte = new Int32Array(8);
  pdptesLoaded = false;

  constructor(options: { maxPhyAddr?: number } = {}) {
    const m = options.maxPhyAddr ?? 40;
    if (!Number.isInteger(m) || m < 32 || m > 52) throw new RangeError(`maxPhyAddr ${m} must be in 32..52`);
    this.maxPhyAddr = m;
    this.update();
  }

  /** Recompute the derived fields from the raw registers. Returns the previous mode. */
  update(): PagingMode {
    const prev = this.mode;
    const pg = (this.cr0 & Cr0.PG) !== 0;
    const pae = (this.cr4 & Cr4.PAE) !== 0;
    const lma = (this.efer & Efer.LMA) !== 0;
    this.mode = !pg ? PagingMode.None
      : !pae ? PagingMode.Legacy32
        : !lma ? PagingMode.Pae
          : (this.cr4 & Cr4.LA57) !== 0 ? PagingMode.Long5 : PagingMode.Long4;
    const long = this.mode >= PagingMode.Long4;
    this.wp = (this.cr0 & Cr0.WP) !== 0;
    this.pse = (this.cr4 & Cr4.PSE) !== 0;
    this.pge = (this.cr4 & Cr4.PGE) !== 0;
    this.nxe = (this.efer & Efer.NXE) !== 0 && this.mode >= PagingMode.Pae;
    this.smep = (this.cr4 & Cr4.SMEP) !== 0;
    this.smap = (this.cr4 & Cr4.SMAP) !== 0;
    this.pke = (this.cr4 & Cr4.PKE) !== 0 && long;
    this.pcide = (this.cr4 & Cr4.PCIDE) !== 0 && long;
    this.fetchErrorBit = this.smep || this.nxe;
    const hiBits = this.maxPhyAddr - 32;
    this.addrHiMask = hiBits >= 32 ? -1 : (1 << hiBits) - 1;
    // PAE entries reserve bits 62:M (SDM tables 4-9..4-11); 4/5-level entries reserve 51:M and
    // leave 62:52 ignored (62:59 are the protection key with CR4.PKE). Bit 63 is XD with NXE.
    const field = this.mode === PagingMode.Pae ? 0x7fffffff : 0xfffff;
    this.rsvdHi = (field & ~this.addrHiMask) | (this.nxe ? 0 : 1 << 31);
    if (this.mode !== PagingMode.Pae) this.pdptesLoaded = false;
    return prev;
  }

  /** The PCID in force: CR3[11:0] with CR4.PCIDE in long mode, else 0. */
  get pcid(): number {
    return this.pcide ? this.cr3 % 4096 : 0;
  }

  /** Physical base of the top-level table (CR3 bits M-1:12, or 31:5 in PAE mode). */
  get rootTable(): number {
    if (this.mode === PagingMode.Pae) return (this.cr3 % TWO32) - (this.cr3 % 32);
    if (this.mode === PagingMode.Legacy32) return (this.cr3 % TWO32) - (this.cr3 % 4096);
    return (this.cr3 - (this.cr3 % 4096)) % 2 ** this.maxPhyAddr;
  }
}
