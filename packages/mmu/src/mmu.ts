/**
 * {@link Mmu}: the paging unit a CPU model owns — a {@link PagingContext}, a {@link Tlb} and a
 * {@link PageWalker} — with the operations the architecture defines on them (MOV CR3, control
 * register changes, INVLPG, INVPCID, PKRU writes, ASID/VPID switches) and one miss-path entry
 * point, {@link Mmu.translate}, that returns a physical address or a negative status with the
 * fault recorded in preallocated fields.
 */
import { CounterSet, Cr0, Cr4, Efer, Exc, type GuestMemory } from '@x86kit/core';
import { Access, PagingContext, PagingMode } from './paging-context.js';
import { Tlb, TlbCounter } from './tlb.js';
import { PageFlags, PageWalker, WalkResult, WalkStatus, accessFault, type GpaTranslator } from './walker.js';

/** Negative results of {@link Mmu.translate}. */
export const TranslateFault = {
  /** Guest #PF: see `mmu.errorCode`, `mmu.cr2Lo/cr2Hi`. */
  PageFault: -1,
  /** Nested-paging fault: details are in the nested translator (`NestedPaging.fault*`). */
  Nested: -2,
} as const;
export type TranslateFault = (typeof TranslateFault)[keyof typeof TranslateFault];

/** Slots of {@link Mmu.counters}. */
export const MmuCounter = {
  /** Page walks (TLB misses that walked). */
  Walks: 0,
  /** Memory references made by those walks (2D walks include every nested reference). */
  WalkMemRefs: 1,
  /** Accessed/dirty write-backs to guest paging structures. */
  AdWrites: 2,
  /** Guest #PFs returned. */
  PageFaults: 3,
  /** Nested faults returned. */
  NestedFaults: 4,
} as const;
export const MMU_COUNTER_NAMES = ['walks', 'walkMemRefs', 'adWrites', 'pageFaults', 'nestedFaults'] as const;

/** Options of {@link Mmu}. */
export interface MmuOptions {
  /** Memory the paging structures live in (guest-physical, or host-physical under nested paging). */
  memory: GuestMemory;
  /** log2 of the TLB sets (default 10). */
  tlbBits?: number;
  /** MAXPHYADDR (default 40). */
  maxPhyAddr?: number;
  /** Second-stage translator (nested paging), default none. */
  nested?: GpaTranslator | null;
}

const FLUSH_CR0 = Cr0.PG;
const FLUSH_CR4 = Cr4.PSE | Cr4.PAE | Cr4.PGE | Cr4.PCIDE | Cr4.LA57;
const HOT_CR0 = Cr0.WP;
const HOT_CR4 = Cr4.SMEP | Cr4.SMAP | Cr4.PKE;

/** The paging unit of one logical processor. */
export class Mmu {
  readonly ctx: PagingContext;
  readonly tlb: Tlb;
  readonly walker: PageWalker;
  /** Result of the last walk (valid after a miss). */
  readonly result = new WalkResult();
  /** Exception vector of the last fault ({@link Exc.PF}), -1 when none yet. */
  faultVector = -1;
  /** #PF error code of the last fault. */
  errorCode = 0;
  /** Faulting linear address (what goes into CR2), `[lo, hi]`. */
  cr2Lo = 0;
  cr2Hi = 0;
  /** Current ASID/VPID (0 = the host / no virtualization). */
  asid = 0;
  /** Walk statistics ({@link MmuCounter}): average references per walk = walkMemRefs / walks. */
  readonly counters = new CounterSet(MMU_COUNTER_NAMES);
  private lastCr0 = 0;
  private lastCr4 = 0;
  private lastEfer = 0;

  constructor(options: MmuOptions) {
    this.ctx = new PagingContext(options.maxPhyAddr === undefined ? {} : { maxPhyAddr: options.maxPhyAddr });
    this.tlb = new Tlb(options.tlbBits ?? 10);
    this.walker = new PageWalker(options.memory, options.nested ?? null);
  }

  /**
   * Translate `[laLo, laHi]` for `access` ({@link Access} bits). Returns the physical address
   * (≥ 0), or {@link TranslateFault.PageFault} with `faultVector`, `errorCode`, `cr2Lo/Hi` set
   * (the caller delivers #PF and writes CR2), or {@link TranslateFault.Nested}. Tries the TLB
   * entry first (no walk), then walks and fills. Never allocates, never throws for guest faults.
   * Outside long mode pass `laHi = 0`.
   */
  translate(laLo: number, laHi: number, access: number): number {
    const ctx = this.ctx;
    const tlb = this.tlb;
    if (ctx.mode < PagingMode.Long4) laHi = 0;
    const i = (laLo >>> 12) & tlb.mask;
    const vpn = laLo & -4096;
    if (tlb.hot[(Tlb.kindOf(access) << tlb.bits) | i] === vpn && tlb.vpnHi[i] === laHi) {
      tlb.counters.values[TlbCounter.Hits]++;
      return tlb.frame[i] + (laLo & 0xfff);
    }
    if (tlb.vpnLo[i] === vpn && tlb.vpnHi[i] === laHi && tlb.usable(i)) {
      const perm = tlb.perm[i];
      if (accessFault(ctx, perm, access) === 0 && ((access & Access.Write) === 0 || (perm & PageFlags.Dirty) !== 0)) {
        tlb.counters.values[TlbCounter.Hits]++;
        if (tlb.ctxTag[i] !== tlb.current) { // a global entry of another PCID: retag it for the hot path
          tlb.ctxTag[i] = tlb.current;
        }
        tlb.setHot(i, vpn, perm, ctx);
        return tlb.frame[i] + (laLo & 0xfff);
      }
    }
    tlb.counters.values[TlbCounter.Misses]++;
    const r = this.result;
    const status = this.walker.walk(ctx, laLo, laHi, access, r);
    const c = this.counters.values;
    c[MmuCounter.Walks]++;
    c[MmuCounter.WalkMemRefs] += r.memRefs;
    c[MmuCounter.AdWrites] += r.adWrites;
    if (status !== WalkStatus.Ok) {
      if (status === WalkStatus.Nested) { c[MmuCounter.NestedFaults]++; return TranslateFault.Nested; }
      c[MmuCounter.PageFaults]++;
      this.faultVector = Exc.PF;
      this.errorCode = r.errorCode;
      this.cr2Lo = laLo;
      this.cr2Hi = laHi;
      // A #PF invalidates the TLB entries of the faulting address (SDM 4.10.4.1).
      if (tlb.vpnLo[i] === vpn && tlb.vpnHi[i] === laHi) tlb.invlpg(laLo, laHi);
      return TranslateFault.PageFault;
    }
    if ((access & Access.Probe) === 0) tlb.insert(i, vpn, laHi, r.frame, r.perm, r.pageShift, ctx);
    return r.pa;
  }

  /**
   * MOV to CR3 (SDM 4.10.4.1). `cr3` without bit 63; `noFlush` is bit 63 (honoured only with
   * CR4.PCIDE). Without PCIDs, non-global entries are flushed; with PCIDs the new PCID's
   * non-global entries are flushed unless `noFlush`. In PAE mode the PDPTEs are loaded: the
   * result is false when one is invalid (the CPU raises #GP(0) and must restore CR3).
   */
  loadCr3(cr3: number, noFlush = false): boolean {
    const ctx = this.ctx;
    ctx.cr3 = cr3;
    const tag = (this.asid << 12) | ctx.pcid;
    if (!ctx.pcide) this.tlb.flushAsidNonGlobal(this.asid);
    else if (!noFlush) this.tlb.flushContext(tag);
    this.tlb.switchContext(tag);
    if (ctx.mode === PagingMode.Pae) return this.walker.loadPdptes(ctx);
    return true;
  }

  /**
   * Call after writing `ctx.cr0`, `ctx.cr4` or `ctx.efer` (MOV CR0/CR4, WRMSR EFER, mode switches):
   * recomputes the context and performs the implied TLB invalidation (all entries when PG,
   * PSE, PAE, PGE, PCIDE, LA57, LMA or NXE change; hot tags when WP, SMEP, SMAP or PKE change).
   * Returns false when PAE paging became active with an invalid PDPTE (#GP(0) for MOV CR0/CR4).
   */
  controlRegistersChanged(): boolean {
    const ctx = this.ctx;
    const d0 = ctx.cr0 ^ this.lastCr0, d4 = ctx.cr4 ^ this.lastCr4, de = ctx.efer ^ this.lastEfer;
    this.lastCr0 = ctx.cr0; this.lastCr4 = ctx.cr4; this.lastEfer = ctx.efer;
    const prevMode = ctx.update();
    if ((d0 & FLUSH_CR0) !== 0 || (d4 & FLUSH_CR4) !== 0 || (de & (Efer.LMA | Efer.NXE)) !== 0) this.tlb.flushAll();
    else if ((d0 & HOT_CR0) !== 0 || (d4 & HOT_CR4) !== 0) this.tlb.clearHot();
    this.tlb.switchContext((this.asid << 12) | ctx.pcid);
    if (ctx.mode === PagingMode.Pae && (prevMode !== PagingMode.Pae || (d4 & (Cr4.PSE | Cr4.PGE | Cr4.PAE)) !== 0 || (d0 & (Cr0.PG | Cr0.CD | Cr0.NW)) !== 0)) {
      return this.walker.loadPdptes(ctx);
    }
    return true;
  }

  /** INVLPG: invalidate one linear address in the current PCID (and global entries for it). */
  invlpg(laLo: number, laHi: number): void {
    this.tlb.invlpg(laLo, this.ctx.mode < PagingMode.Long4 ? 0 : laHi);
  }

  /**
   * INVPCID (SDM Vol. 2, INVPCID): type 0 one address in `pcid`, 1 all non-global of `pcid`,
   * 2 everything including globals, 3 everything except globals.
   */
  invpcid(type: 0 | 1 | 2 | 3, pcid: number, laLo = 0, laHi = 0): void {
    const tag = (this.asid << 12) | (pcid & 0xfff);
    if (type === 0) this.tlb.invlpgNonGlobal(laLo, laHi, tag);
    else if (type === 1) this.tlb.flushContext(tag);
    else if (type === 2) this.tlb.flushAsid(this.asid);
    else this.tlb.flushAsidNonGlobal(this.asid);
  }

  /** WRPKRU / XRSTOR of PKRU: protection-key outcomes cached as hot tags are dropped. */
  setPkru(pkru: number): void {
    this.ctx.pkru = pkru | 0;
    if (this.ctx.pke) this.tlb.clearHot();
  }

  /**
   * Processor RESET/INIT: paging off, control fields cleared, TLB and fault state emptied,
   * ASID 0. (MAXPHYADDR, `cachePdptes` and the nested translator are kept.)
   */
  reset(): void {
    const ctx = this.ctx;
    ctx.cr0 = 0; ctx.cr3 = 0; ctx.cr4 = 0; ctx.efer = 0; ctx.ac = false; ctx.pkru = 0;
    ctx.update();
    this.lastCr0 = 0; this.lastCr4 = 0; this.lastEfer = 0;
    this.asid = 0;
    this.tlb.current = 0;
    this.tlb.flushAll();
    this.faultVector = -1; this.errorCode = 0; this.cr2Lo = 0; this.cr2Hi = 0;
  }

  /** Switch ASID/VPID (VMRUN/VM entry/#VMEXIT). Entries of other ASIDs stay cached. */
  setAsid(asid: number): void {
    this.asid = asid & 0xfffff;
    this.tlb.switchContext((this.asid << 12) | this.ctx.pcid);
  }
}
