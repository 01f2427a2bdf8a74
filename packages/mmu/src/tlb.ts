/**
 * A software TLB for an interpreter's hot path: direct-mapped, indexed by linear page number,
 * holding one 4 KiB translation per set (large pages are cached as their 4 KiB pieces, as
 * "fractured" by many real TLBs). Entries are tagged with a context number
 * `(asid << 12) | pcid` so PCIDs (Intel SDM Vol. 3A 4.10.1) and ASIDs/VPIDs (AMD APM Vol. 2
 * 15.16, SDM Vol. 3C 29.1) keep their translations across switches; global entries
 * (CR4.PGE, G = 1) match every PCID of their ASID and survive non-global flushes.
 *
 * Hot path: besides the entry itself, each set has one "hot tag" per access kind
 * ({@link Tlb.kindOf}: supervisor/user × read/write/fetch). A hot tag equals the page's
 * `la & ~0xfff` only when that kind of access is allowed by the cached rights and needs no
 * A/D update, so a hit is two integer compares:
 * ```ts
 * const i = (laLo >>> 12) & tlb.mask;
 * if (tlb.hot[(kind << tlb.bits) | i] === (laLo & -4096) && tlb.vpnHi[i] === laHi)
 *   pa = tlb.frame[i] + (laLo & 0xfff);          // hit (count it yourself, or use lookup())
 * else pa = mmu.translate(laLo, laHi, access);    // miss path: checks, walk, fill, faults
 * ```
 * Outcomes that depend on EFLAGS.AC (SMAP) are never made hot; outcomes that depend on PKRU
 * are, and {@link Mmu.setPkru} clears hot tags.
 */
import { CounterSet } from '@x86kit/core';
import { Access, type PagingContext } from './paging-context.js';
import { PageFlags, accessFault } from './walker.js';

/** Slots of {@link Tlb.counters}. Hot-path hits made inline by a caller are not counted. */
export const TlbCounter = {
  /** Lookups served from a cached entry by `lookup()` / `Mmu.translate` (no walk). */
  Hits: 0,
  /** `Mmu.translate` calls that needed a page walk. */
  Misses: 1,
  /** Entries written. */
  Fills: 2,
  /** Fills that replaced a valid entry of another page or context (conflict misses). */
  Evictions: 3,
  /** Whole-TLB flushes (global entries included). */
  FlushAll: 4,
  /** Non-global flushes (MOV CR3 without PCID no-flush, INVPCID type 1/3). */
  FlushNonGlobal: 5,
  /** ASID/VPID flushes. */
  FlushAsid: 6,
  /** INVLPG / single-address invalidations. */
  Invlpg: 7,
  /** INVLPGs that had to scan the whole TLB because large-page pieces were cached. */
  InvlpgScans: 8,
  /** Hot-tag clears (PKRU, WP/SMEP/SMAP/PKE changes, context switches). */
  HotClears: 9,
} as const;
export const TLB_COUNTER_NAMES = [
  'hits', 'misses', 'fills', 'evictions', 'flushAll', 'flushNonGlobal', 'flushAsid', 'invlpg', 'invlpgScans', 'hotClears',
] as const;

/** Value of an empty tag: never equal to a page-aligned `la & -4096`. */
export const TLB_INVALID = 1;
/** Number of hot-tag banks (access kinds 0..7; 5 and 7, "write fetches", stay empty). */
const KINDS = 8;

/** The software TLB. Fields are public for the inline hot path; mutate them only through methods. */
export class Tlb {
  /** log2 of the number of sets. */
  readonly bits: number;
  /** Number of sets. */
  readonly size: number;
  /** `size - 1`: set index is `(laLo >>> 12) & mask`. */
  readonly mask: number;
  /** Linear page `la & -4096` (low dword) of each set's entry, {@link TLB_INVALID} when empty. */
  readonly vpnLo: Int32Array;
  /** High dword of the linear address (0 outside long mode). */
  readonly vpnHi: Int32Array;
  /** Context tag `(asid << 12) | pcid` of each entry. */
  readonly ctxTag: Int32Array;
  /** {@link PageFlags} of each entry. */
  readonly perm: Int32Array;
  /** Physical address of the 4 KiB frame of each entry. */
  readonly frame: Float64Array;
  /** log2 of the page size the entry came from (12, 21, 22, 30). */
  readonly shift: Uint8Array;
  /** Hot tags: `hot[(kind << bits) | set]`. */
  readonly hot: Int32Array;
  /** Event counts, indexed by {@link TlbCounter}. */
  readonly counters = new CounterSet(TLB_COUNTER_NAMES);
  /** Context tag of the current ASID/PCID: `(asid << 12) | pcid`. */
  current = 0;
  /** Valid entries that are pieces of pages larger than 4 KiB (INVLPG must then scan). */
  private large = 0;

  /** @param bits log2 of the number of sets (default 10: 1024 sets, 4 MiB of reach). */
  constructor(bits = 10) {
    if (!Number.isInteger(bits) || bits < 1 || bits > 20) throw new RangeError(`tlb bits ${bits} must be in 1..20`);
    this.bits = bits;
    this.size = 1 << bits;
    this.mask = this.size - 1;
    this.vpnLo = new Int32Array(this.size).fill(TLB_INVALID);
    this.vpnHi = new Int32Array(this.size);
    this.ctxTag = new Int32Array(this.size);
    this.perm = new Int32Array(this.size);
    this.frame = new Float64Array(this.size);
    this.shift = new Uint8Array(this.size);
    this.hot = new Int32Array(KINDS << bits).fill(TLB_INVALID);
  }

  /** Hot bank of an access: bit 0 = write, bit 1 = user, bit 2 = fetch (from {@link Access} bits). */
  static kindOf(access: number): number {
    return ((access >>> 1) & 3) | ((access >>> 2) & 4);
  }

  /**
   * Hot-path lookup with hit counting: the physical address, or -1 on a hot miss (then call
   * {@link Mmu.translate}). `laHi` must be 0 outside long mode.
   */
  lookup(laLo: number, laHi: number, access: number): number {
    const i = (laLo >>> 12) & this.mask;
    if (this.hot[(Tlb.kindOf(access) << this.bits) | i] === (laLo & -4096) && this.vpnHi[i] === laHi) {
      this.counters.values[TlbCounter.Hits]++;
      return this.frame[i] + (laLo & 0xfff);
    }
    return -1;
  }

  /** Whether set `i` holds a valid entry usable in the current context (global entries: any PCID of the ASID). */
  usable(i: number): boolean {
    const t = this.ctxTag[i];
    return t === this.current || ((this.perm[i] & PageFlags.Global) !== 0 && (t >>> 12) === (this.current >>> 12));
  }

  /** Write an entry for linear page `vpnLo/vpnHi` in set `i` and its hot tags. */
  insert(i: number, vpnLo: number, vpnHi: number, frame: number, perm: number, shift: number, ctx: PagingContext): void {
    const c = this.counters.values;
    c[TlbCounter.Fills]++;
    if (this.vpnLo[i] !== TLB_INVALID) {
      if (this.vpnLo[i] !== vpnLo || this.vpnHi[i] !== vpnHi || this.ctxTag[i] !== this.current) c[TlbCounter.Evictions]++;
      if (this.shift[i] !== 12) this.large--;
    }
    this.vpnLo[i] = vpnLo;
    this.vpnHi[i] = vpnHi;
    this.ctxTag[i] = this.current;
    this.perm[i] = perm;
    this.frame[i] = frame;
    this.shift[i] = shift;
    if (shift !== 12) this.large++;
    this.setHot(i, vpnLo, perm, ctx);
  }

  /** (Re)compute the hot tags of set `i`. */
  setHot(i: number, vpnLo: number, perm: number, ctx: PagingContext): void {
    const bits = this.bits;
    const smapUser = ctx.smap && (perm & PageFlags.User) !== 0;
    for (let k = 0; k < KINDS; k++) {
      let tag = TLB_INVALID;
      if ((k & 5) !== 5) {
        const access = ((k & 1) !== 0 ? Access.Write : 0) | ((k & 2) !== 0 ? Access.User : 0) | ((k & 4) !== 0 ? Access.Fetch : 0);
        const ok = accessFault(ctx, perm, access) === 0 &&
          ((k & 1) === 0 || (perm & PageFlags.Dirty) !== 0) &&
          !(smapUser && (k & 6) === 0); // supervisor data access to a user page: depends on EFLAGS.AC
        if (ok) tag = vpnLo;
      }
      this.hot[(k << bits) | i] = tag;
    }
  }

  /** Empty set `i`. */
  private kill(i: number): void {
    if (this.vpnLo[i] === TLB_INVALID) return;
    if (this.shift[i] !== 12) this.large--;
    this.vpnLo[i] = TLB_INVALID;
    for (let k = 0; k < KINDS; k++) this.hot[(k << this.bits) | i] = TLB_INVALID;
  }

  /** Invalidate everything, global entries and all contexts included. */
  flushAll(): void {
    this.counters.values[TlbCounter.FlushAll]++;
    this.vpnLo.fill(TLB_INVALID);
    this.hot.fill(TLB_INVALID);
    this.large = 0;
  }

  /**
   * Invalidate the non-global entries of context `tag` (default: the current one), as MOV CR3
   * does (SDM 4.10.4.1). With `includeGlobal`, global entries of that ASID go too.
   */
  flushContext(tag = this.current, includeGlobal = false): void {
    this.counters.values[TlbCounter.FlushNonGlobal]++;
    for (let i = 0; i < this.size; i++) {
      if (this.vpnLo[i] === TLB_INVALID) continue;
      const t = this.ctxTag[i];
      const global = (this.perm[i] & PageFlags.Global) !== 0;
      if (global ? includeGlobal && (t >>> 12) === (tag >>> 12) : t === tag) this.kill(i);
    }
  }

  /** Invalidate every entry of an ASID/VPID (all PCIDs, global entries included). */
  flushAsid(asid: number): void {
    this.counters.values[TlbCounter.FlushAsid]++;
    for (let i = 0; i < this.size; i++) {
      if (this.vpnLo[i] !== TLB_INVALID && (this.ctxTag[i] >>> 12) === asid) this.kill(i);
    }
  }

  /** Invalidate every non-global entry of every PCID of an ASID (INVPCID type 3 / MOV CR3 with PCIDE=0 semantics). */
  flushAsidNonGlobal(asid: number): void {
    this.counters.values[TlbCounter.FlushNonGlobal]++;
    for (let i = 0; i < this.size; i++) {
      if (this.vpnLo[i] !== TLB_INVALID && (this.ctxTag[i] >>> 12) === asid && (this.perm[i] & PageFlags.Global) === 0) this.kill(i);
    }
  }

  /**
   * Invalidate the translation of one linear address in context `tag` (global entries of the
   * ASID included), the whole large page when the address lies in one (SDM 4.10.4.1 INVLPG).
   */
  invlpg(laLo: number, laHi: number, tag = this.current): void {
    this.counters.values[TlbCounter.Invlpg]++;
    const i = (laLo >>> 12) & this.mask;
    const asid = tag >>> 12;
    if (this.vpnLo[i] === (laLo & -4096) && this.vpnHi[i] === laHi &&
        (this.ctxTag[i] === tag || ((this.perm[i] & PageFlags.Global) !== 0 && (this.ctxTag[i] >>> 12) === asid))) this.kill(i);
    if (this.large === 0) return;
    this.counters.values[TlbCounter.InvlpgScans]++;
    for (let j = 0; j < this.size; j++) {
      const s = this.shift[j];
      if (this.vpnLo[j] === TLB_INVALID || s === 12 || this.vpnHi[j] !== laHi) continue;
      if (!(this.ctxTag[j] === tag || ((this.perm[j] & PageFlags.Global) !== 0 && (this.ctxTag[j] >>> 12) === asid))) continue;
      const m = s >= 32 ? 0 : -(2 ** s) | 0; // large-page mask in the low dword (1 GiB: 0xc0000000)
      if ((this.vpnLo[j] & m) === (laLo & m)) this.kill(j);
    }
  }

  /**
   * Invalidate the translations of one linear address in every context of an ASID/VPID, global
   * entries included, large pages whole (SVM INVLPGA; VT-x INVVPID individual-address).
   */
  invlpgAsid(laLo: number, laHi: number, asid: number): void {
    this.counters.values[TlbCounter.Invlpg]++;
    for (let j = 0; j < this.size; j++) {
      if (this.vpnLo[j] === TLB_INVALID || (this.ctxTag[j] >>> 12) !== asid || this.vpnHi[j] !== laHi) continue;
      const m = -(2 ** this.shift[j]) | 0;
      if ((this.vpnLo[j] & m) === (laLo & m)) this.kill(j);
    }
  }

  /** INVPCID type 0: invalidate one address of context `tag`, global entries excluded. */
  invlpgNonGlobal(laLo: number, laHi: number, tag: number): void {
    this.counters.values[TlbCounter.Invlpg]++;
    for (let j = 0; j < this.size; j++) {
      if (this.vpnLo[j] === TLB_INVALID || this.ctxTag[j] !== tag || (this.perm[j] & PageFlags.Global) !== 0 || this.vpnHi[j] !== laHi) continue;
      const s = this.shift[j];
      const m = -(2 ** s) | 0;
      if ((this.vpnLo[j] & m) === (laLo & m)) this.kill(j);
    }
  }

  /** Switch to context `(asid << 12) | pcid`; hot tags are cleared, entries stay. */
  switchContext(tag: number): void {
    if (tag === this.current) return;
    this.current = tag;
    this.clearHot();
  }

  /** Drop every hot tag (entries stay and are re-promoted on their next use). */
  clearHot(): void {
    this.counters.values[TlbCounter.HotClears]++;
    this.hot.fill(TLB_INVALID);
  }

  /** Number of valid entries (for tests and statistics; O(size)). */
  count(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.vpnLo[i] !== TLB_INVALID) n++;
    return n;
  }
}
