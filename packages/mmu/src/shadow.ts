/**
 * Shadow paging for a software monitor (the paper's "traces, hidden page faults, ptemod"
 * cost centre; Adams & Agesen 2006, section 2.4 and 6).
 *
 * The guest's page tables live in guest-physical memory and the guest's CR3 is virtual. The
 * CPU really translates through **shadow page tables**: ordinary x86 tables (same format as the
 * guest's mode; 32-bit paging when the guest has paging off) built lazily in a pool of
 * host-physical pages, mapping guest-linear addresses straight to host-physical frames through
 * the monitor's gPA → hPA map ({@link GpaMap}). The CPU's {@link Mmu} walks them with the same
 * {@link PageWalker} as any tables.
 *
 * On a shadow #PF the monitor calls {@link ShadowPager.handleFault}, which walks the guest's
 * tables (setting the guest's A/D flags as hardware would) and classifies the fault:
 * - **true fault** — the guest's own tables forbid the access: reflect #PF to the guest with
 *   `guestErrorCode`;
 * - **hidden fault** — the guest allows it but the shadow lacked the entry, or had it
 *   read-only to emulate the guest's dirty flag: the shadow path is built, the access retried;
 * - **tracing fault** — a write to a guest page that holds a shadowed guest page table (those
 *   pages are *traced*: write-protected in every shadow mapping): the monitor emulates the
 *   writing instruction, sending its stores through {@link ShadowPager.writeGuest32} /
 *   {@link ShadowPager.writeGuest}, which zap the shadow entries derived from the modified
 *   guest entries (the next use rebuilds them through a hidden fault);
 * - **MMIO** — the guest-physical page is not RAM in the gPA → hPA map.
 *
 * Shadow tables mirror the guest's rights level by level (R/W, U/S, XD, protection key, G,
 * PWT/PCD/PAT), so the CPU's checks on the shadow equal the guest's checks; only R/W at the
 * leaf is reduced (traced page, guest D = 0). Guest large pages are shadowed with 4 KiB
 * pieces ("fracture" tables), because host frames need not be contiguous. Shadow pages of a
 * guest table are shared by every path and every guest CR3 that reaches it, so shadow roots
 * are cached per guest CR3 for free: switching back to an address space reuses its tree.
 *
 * Exact counts (see {@link ShadowCounter}) are kept for the cost model; the README explains each.
 */
import { Cr0, CounterSet, Pte, type GuestMemory } from '@x86kit/core';
import { Access, PagingContext, PagingMode, TWO32 } from './paging-context.js';
import { PageFlags, PageWalker, WalkResult, WalkStatus } from './walker.js';
import type { Mmu } from './mmu.js';

/** The monitor's guest-physical → host-physical map. */
export interface GpaMap {
  /** Host-physical address of the guest-physical page holding `gpa` (4 KiB aligned), or -1 when it is not RAM. */
  hpaOfPage(gpa: number): number;
}

/** Guest RAM `[0, size)` placed contiguously at host-physical `base`. */
export class OffsetGpaMap implements GpaMap {
  readonly base: number;
  readonly size: number;
  constructor(base: number, size: number) { this.base = base; this.size = size; }
  hpaOfPage(gpa: number): number {
    return gpa >= 0 && gpa < this.size ? this.base + (gpa - (gpa % 4096)) : -1;
  }
}

/** Guest-physical memory as seen through a {@link GpaMap} over host memory (non-RAM reads all-ones, writes dropped). */
export class GuestPhysicalView implements GuestMemory {
  readonly host: GuestMemory;
  readonly map: GpaMap;
  constructor(host: GuestMemory, map: GpaMap) { this.host = host; this.map = map; }
  private h(gpa: number, n: number): number {
    const page = this.map.hpaOfPage(gpa);
    if (page < 0 || (gpa % 4096) + n > 4096) return -1;
    return page + (gpa % 4096);
  }
  read8(gpa: number): number { const h = this.h(gpa, 1); return h < 0 ? 0xff : this.host.read8(h); }
  read16(gpa: number): number { const h = this.h(gpa, 2); return h < 0 ? this.read8(gpa) | (this.read8(gpa + 1) << 8) : this.host.read16(h); }
  read32(gpa: number): number { const h = this.h(gpa, 4); return h < 0 ? (this.read16(gpa) | (this.read16(gpa + 2) << 16)) >>> 0 : this.host.read32(h); }
  read64(gpa: number): bigint { return BigInt(this.read32(gpa)) | (BigInt(this.read32(gpa + 4)) << 32n); }
  write8(gpa: number, v: number): void { const h = this.h(gpa, 1); if (h >= 0) this.host.write8(h, v); }
  write16(gpa: number, v: number): void { const h = this.h(gpa, 2); if (h >= 0) this.host.write16(h, v); else { this.write8(gpa, v); this.write8(gpa + 1, v >>> 8); } }
  write32(gpa: number, v: number): void { const h = this.h(gpa, 4); if (h >= 0) this.host.write32(h, v); else { this.write16(gpa, v); this.write16(gpa + 2, v >>> 16); } }
  write64(gpa: number, v: bigint): void { this.write32(gpa, Number(v & 0xffffffffn)); this.write32(gpa + 4, Number((v >> 32n) & 0xffffffffn)); }
  readBytes(gpa: number, dst: Uint8Array): void { for (let i = 0; i < dst.length; i++) dst[i] = this.read8(gpa + i); }
  writeBytes(gpa: number, src: Uint8Array): void { for (let i = 0; i < src.length; i++) this.write8(gpa + i, src[i]); }
}

/** Result of {@link ShadowPager.handleFault}. */
export const ShadowOutcome = {
  /** Hidden fault: the shadow was fixed; retry the access. */
  Retry: 0,
  /** True fault: deliver #PF to the guest with `pager.guestErrorCode`, CR2 = the address. */
  GuestFault: 1,
  /**
   * The write must be emulated by the monitor (`pager.faultGpa` = target): a tracing fault
   * (traced guest page table), or a supervisor write to a read-only page with guest CR0.WP = 0.
   * Route the emulated stores through `writeGuest*`.
   */
  EmulateWrite: 2,
  /** The guest-physical page is not RAM (`pager.faultGpa`): the monitor emulates the MMIO access. */
  Mmio: 3,
} as const;
export type ShadowOutcome = (typeof ShadowOutcome)[keyof typeof ShadowOutcome];

/** Slots of {@link ShadowPager.counters}. */
export const ShadowCounter = {
  /** Shadow faults resolved inside the monitor by building/upgrading shadow entries. */
  HiddenFaults: 0,
  /** Shadow faults that are guest page faults (reflected to the guest). */
  TrueFaults: 1,
  /** Writes to traced guest page-table pages (each needs an emulated instruction). */
  TracingFaults: 2,
  /** Faults on non-RAM guest-physical pages. */
  MmioFaults: 3,
  /** Supervisor writes to read-only pages under guest CR0.WP = 0 (emulated). */
  WpEmulations: 4,
  /** Hidden faults that only set the guest D flag / made a present shadow entry writable. */
  DirtyFaults: 5,
  /** Shadow pages allocated and freed. */
  PagesBuilt: 6,
  PagesFreed: 7,
  /** Guest CR3 writes, and how many found their shadow root cached. */
  Cr3Switches: 8,
  RootHits: 9,
  /** Guest page-table writes done through writeGuest* (the paper's "ptemod"), and the shadow entries they zapped. */
  PtWrites: 10,
  Zaps: 11,
  /** Shadow leaf entries write-protected because their page became traced. */
  WriteProtects: 12,
  /** Full shadow resets (mode changes, pool exhaustion). */
  Resets: 13,
  /** Guest page walks made by the pager. */
  GuestWalks: 14,
  /** TLB flushes the pager asked of the CPU's MMU. */
  TlbFlushes: 15,
  /** Guest INVLPGs. */
  Invlpg: 16,
  /** Shadow leaves re-derived in place from a written guest PTE (policy `'update'`) instead of zapped. */
  Updates: 17,
} as const;
export const SHADOW_COUNTER_NAMES = [
  'hiddenFaults', 'trueFaults', 'tracingFaults', 'mmioFaults', 'wpEmulations', 'dirtyFaults', 'pagesBuilt', 'pagesFreed',
  'cr3Switches', 'rootHits', 'ptWrites', 'zaps', 'writeProtects', 'resets', 'guestWalks', 'tlbFlushes', 'invlpg', 'updates',
] as const;

/** Options of {@link ShadowPager}. */
export interface ShadowPagerOptions {
  /** Host-physical memory: shadow tables and guest RAM. */
  host: GuestMemory;
  /** The gPA → hPA map of guest RAM. */
  map: GpaMap;
  /** The CPU's MMU (its memory must be `host`); the pager programs its context and flushes its TLB. */
  mmu: Mmu;
  /** Host-physical pool for shadow pages: `pages` pages at `base` (4 KiB aligned; at least 16). */
  pool: { base: number; pages: number };
  /**
   * What an emulated store to a traced guest page table does to the shadow entries derived from
   * it: `'zap'` clears them (the next access takes a hidden fault and rebuilds), `'update'`
   * (default) re-derives a shadow PTE at once from a written guest PTE that is present,
   * accessed and valid (other cases, and all non-leaf entries, are zapped).
   */
  ptWritePolicy?: 'zap' | 'update';
}

const FREE = 0, NORMAL = 1, FRACTURE = 2;
const RIGHTS = Pte.RW | Pte.US | Pte.PWT | Pte.PCD;
const ZERO_PAGE = new Uint8Array(4096);

/** Builds and maintains shadow page tables for one guest vCPU. */
export class ShadowPager {
  readonly host: GuestMemory;
  readonly map: GpaMap;
  readonly mmu: Mmu;
  /** The guest's view of its paging registers (virtual CR0/CR3/CR4/EFER, EFLAGS.AC, PKRU). */
  readonly guestCtx: PagingContext;
  /** Guest-physical memory through the map (the guest walker reads it). */
  readonly guest: GuestPhysicalView;
  readonly counters = new CounterSet(SHADOW_COUNTER_NAMES);
  /** The guest #PF error code after {@link ShadowOutcome.GuestFault}. */
  guestErrorCode = 0;
  /** Guest-physical address of the access after EmulateWrite / Mmio. */
  faultGpa = 0;
  /** The guest walk of the last handled fault. */
  readonly guestWalk = new WalkResult();
  private readonly walker: PageWalker;
  private readonly poolBase: number;
  private readonly poolPages: number;
  private readonly kind: Uint8Array;
  private readonly tableGpa: Float64Array;
  private readonly keyOf: (string | null)[];
  private readonly free: number[] = [];
  private readonly byKey = new Map<string, number>();
  /** Guest frame number → shadow pages of guest tables in that frame. */
  private readonly byGfn = new Map<number, number[]>();
  /** Guest entry gPA → fracture pages derived from it. */
  private readonly fractures = new Map<number, number[]>();
  /** Guest frame number → host addresses of shadow leaf entries that map it. */
  private readonly rmap = new Map<number, number[]>();
  private root = -1;
  private shadowMode: PagingMode = PagingMode.Legacy32;
  private readonly update: boolean;

  constructor(options: ShadowPagerOptions) {
    this.host = options.host;
    this.map = options.map;
    this.mmu = options.mmu;
    if (options.pool.pages < 16 || options.pool.base % 4096 !== 0) throw new RangeError('shadow pool: at least 16 pages, 4 KiB aligned');
    this.update = (options.ptWritePolicy ?? 'update') === 'update';
    this.poolBase = options.pool.base;
    this.poolPages = options.pool.pages;
    this.kind = new Uint8Array(this.poolPages);
    this.tableGpa = new Float64Array(this.poolPages).fill(-1);
    this.keyOf = new Array<string | null>(this.poolPages).fill(null);
    for (let i = this.poolPages - 1; i >= 0; i--) this.free.push(i);
    this.guestCtx = new PagingContext({ maxPhyAddr: this.mmu.ctx.maxPhyAddr });
    this.guestCtx.cachePdptes = false;
    this.guest = new GuestPhysicalView(this.host, this.map);
    this.walker = new PageWalker(this.guest);
  }

  /** Number of shadow pages in use. */
  get pagesInUse(): number { return this.poolPages - this.free.length; }

  /** Host-physical address of the current shadow root (what the CPU's CR3 holds). */
  get rootHpa(): number { return this.root < 0 ? -1 : this.poolBase + this.root * 4096; }

  /**
   * The guest wrote CR0/CR4/EFER (`guestCtx` fields already updated): recompute the guest mode,
   * drop every shadow (they encode the old mode's rules) and program the CPU's context.
   */
  guestControlChanged(): void {
    this.guestCtx.update();
    this.reset();
    const g = this.guestCtx, c = this.mmu.ctx;
    this.shadowMode = g.mode === PagingMode.None ? PagingMode.Legacy32 : g.mode;
    // The shadow runs with paging on, CR0.WP = 1 (so traced pages stay protected from the
    // guest kernel), the guest's PAE/LA57/LMA/NXE/SMEP/SMAP/PKE/PGE, and no PSE (never used).
    c.cr0 = (g.cr0 | Cr0.PG | Cr0.PE | Cr0.WP) >>> 0 | 0;
    c.cr4 = g.mode === PagingMode.None ? 0 : g.cr4 & ~0x10;
    c.efer = g.efer;
    c.cachePdptes = false;
    this.mmu.controlRegistersChanged();
    this.setGuestCr3(g.cr3);
  }

  /** Guest MOV CR3: switch to (or build) the shadow root for that guest CR3 and load it into the CPU. */
  setGuestCr3(cr3: number): void {
    this.counters.values[ShadowCounter.Cr3Switches]++;
    const g = this.guestCtx;
    g.cr3 = cr3;
    const key = this.rootKey();
    const cached = this.byKey.get(key);
    if (cached !== undefined) {
      this.counters.values[ShadowCounter.RootHits]++;
      this.root = cached;
    } else {
      this.root = this.allocRoot();
    }
    this.counters.values[ShadowCounter.TlbFlushes]++;
    this.mmu.loadCr3(this.poolBase + this.root * 4096);
  }

  private rootKey(): string {
    const g = this.guestCtx;
    if (g.mode === PagingMode.None) return 'i';
    return `n${g.rootTable}:${g.mode === PagingMode.Pae ? 3 : g.mode === PagingMode.Legacy32 ? 2 : g.mode === PagingMode.Long5 ? 5 : 4}`;
  }

  private allocRoot(): number {
    const g = this.guestCtx;
    if (g.mode === PagingMode.None) return this.alloc('i', FRACTURE, -1, -1);
    const level = g.mode === PagingMode.Pae ? 3 : g.mode === PagingMode.Legacy32 ? 2 : g.mode === PagingMode.Long5 ? 5 : 4;
    return this.alloc(`n${g.rootTable}:${level}`, NORMAL, g.rootTable, -1);
  }

  /** Allocate a zeroed shadow page; -1 when the pool is exhausted. */
  private alloc(key: string, kind: number, tableGpa: number, fractureOf: number): number {
    const i = this.free.pop();
    if (i === undefined) return -1;
    this.counters.values[ShadowCounter.PagesBuilt]++;
    this.host.writeBytes(this.poolBase + i * 4096, ZERO_PAGE);
    this.kind[i] = kind;
    this.keyOf[i] = key;
    this.tableGpa[i] = tableGpa;
    this.byKey.set(key, i);
    if (kind === NORMAL) {
      const gfn = Math.floor(tableGpa / 4096);
      const list = this.byGfn.get(gfn);
      if (list === undefined) {
        this.byGfn.set(gfn, [i]);
        this.writeProtect(gfn);
      } else {
        list.push(i);
      }
    } else if (fractureOf >= 0) {
      const list = this.fractures.get(fractureOf);
      if (list === undefined) this.fractures.set(fractureOf, [i]); else list.push(i);
    }
    return i;
  }

  private release(i: number): void {
    if (this.kind[i] === FREE) return;
    this.counters.values[ShadowCounter.PagesFreed]++;
    const key = this.keyOf[i];
    if (key !== null) this.byKey.delete(key);
    this.kind[i] = FREE;
    this.keyOf[i] = null;
    this.free.push(i);
  }

  /** Drop every shadow page (counted in `resets` and `pagesFreed`) and flush the CPU's TLB. */
  reset(): void {
    this.counters.values[ShadowCounter.Resets]++;
    for (let i = 0; i < this.poolPages; i++) if (this.kind[i] !== FREE) this.release(i);
    this.byGfn.clear();
    this.fractures.clear();
    this.rmap.clear();
    this.root = -1;
    this.counters.values[ShadowCounter.TlbFlushes]++;
    this.mmu.tlb.flushAll();
  }

  /** A guest frame became traced: clear R/W in every shadow leaf that maps it. */
  private writeProtect(gfn: number): void {
    const list = this.rmap.get(gfn);
    if (list === undefined) return;
    const hpa = this.map.hpaOfPage(gfn * 4096);
    let n = 0;
    for (const ea of list) {
      const lo = this.host.read32(ea) | 0;
      if ((lo & Pte.P) === 0 || (lo & Pte.RW) === 0) continue;
      const hi = this.shadowMode === PagingMode.Legacy32 ? 0 : this.host.read32(ea + 4) & this.mmu.ctx.addrHiMask;
      if (((lo & 0xfffff000) >>> 0) + hi * TWO32 !== hpa) continue;
      this.host.write32(ea, lo & ~Pte.RW);
      n++;
    }
    this.rmap.set(gfn, []);
    if (n > 0) {
      this.counters.values[ShadowCounter.WriteProtects] += n;
      this.counters.values[ShadowCounter.TlbFlushes]++;
      this.mmu.tlb.flushAll();
    }
  }

  private isTraced(gpa: number): boolean {
    return this.byGfn.has(Math.floor(gpa / 4096));
  }

  /**
   * Resolve a #PF that the CPU's MMU reported on the shadow tables for `[laLo, laHi]` and
   * `access` (the same {@link Access} bits). Returns what the monitor must do next.
   */
  handleFault(laLo: number, laHi: number, access: number): ShadowOutcome {
    const c = this.counters.values;
    const g = this.guestCtx;
    const r = this.guestWalk;
    c[ShadowCounter.GuestWalks]++;
    const st = this.walker.walk(g, laLo, laHi, access & ~Access.Probe, r);
    if (st !== WalkStatus.Ok) {
      c[ShadowCounter.TrueFaults]++;
      this.guestErrorCode = r.errorCode;
      return ShadowOutcome.GuestFault;
    }
    const gpa = r.gpa;
    const write = (access & Access.Write) !== 0;
    if (write && this.isTraced(gpa)) {
      c[ShadowCounter.TracingFaults]++;
      this.faultGpa = gpa;
      return ShadowOutcome.EmulateWrite;
    }
    const hpa = this.map.hpaOfPage(gpa);
    if (hpa < 0) {
      c[ShadowCounter.MmioFaults]++;
      this.faultGpa = gpa;
      return ShadowOutcome.Mmio;
    }
    if (write && (access & Access.User) === 0 && !g.wp && (r.perm & PageFlags.Write) === 0) {
      c[ShadowCounter.WpEmulations]++;
      this.faultGpa = gpa;
      return ShadowOutcome.EmulateWrite;
    }
    if (this.root < 0 || !this.buildPath(laLo, laHi, hpa)) {
      // Pool exhausted: start over with an empty pool; the retried access builds afresh.
      this.reset();
      this.root = this.allocRoot();
      this.mmu.loadCr3(this.poolBase + this.root * 4096);
      if (!this.buildPath(laLo, laHi, hpa)) throw new RangeError('shadow pool too small for one translation');
    }
    c[ShadowCounter.HiddenFaults]++;
    this.mmu.invlpg(laLo, laHi);
    return ShadowOutcome.Retry;
  }

  private index(level: number, laLo: number, laHi: number): number {
    if (this.shadowMode === PagingMode.Legacy32) return level === 2 ? laLo >>> 22 : (laLo >>> 12) & 0x3ff;
    switch (level) {
      case 5: return (laHi >>> 16) & 0x1ff;
      case 4: return (laHi >>> 7) & 0x1ff;
      case 3: return this.shadowMode === PagingMode.Pae ? laLo >>> 30 : ((laHi & 0x7f) << 2) | (laLo >>> 30);
      case 2: return (laLo >>> 21) & 0x1ff;
      default: return (laLo >>> 12) & 0x1ff;
    }
  }

  /** Link `child` under shadow entry `ea` with the guest entry's rights. */
  private link(ea: number, wide: boolean, child: number, gLo: number, gHi: number, pdpte: boolean): void {
    const hpa = this.poolBase + child * 4096;
    const lo = pdpte ? (hpa % TWO32) | Pte.P | (gLo & (Pte.PWT | Pte.PCD)) : (hpa % TWO32) | Pte.P | Pte.A | (gLo & RIGHTS);
    this.host.write32(ea, lo >>> 0);
    if (wide) this.host.write32(ea + 4, (Math.floor(hpa / TWO32) | (pdpte ? 0 : gHi & (1 << 31))) >>> 0);
  }

  /** Build the shadow path for the guest walk in `guestWalk`; false when the pool ran out. */
  private buildPath(laLo: number, laHi: number, hpa: number): boolean {
    const r = this.guestWalk;
    const wide = this.shadowMode !== PagingMode.Legacy32;
    const esz = wide ? 8 : 4;
    let sp = this.root;
    let level = this.shadowMode === PagingMode.Pae ? 3 : this.shadowMode === PagingMode.Legacy32 ? 2 : this.shadowMode === PagingMode.Long5 ? 5 : 4;
    const guestNone = this.guestCtx.mode === PagingMode.None;
    // Guest entry j corresponds to shadow level entryLevel[j]; a large guest leaf continues in fracture tables.
    let leafLo = guestNone ? Pte.RW | Pte.US : r.entryLo[r.levels - 1];
    const leafHi = guestNone ? 0 : r.entryHi[r.levels - 1];
    const leafGpa = guestNone ? -1 : r.entryAddr[r.levels - 1];
    const leafLevel = guestNone ? 2 : r.entryLevel[r.levels - 1];
    let j = 0;
    while (level > 1) {
      const ea = this.poolBase + sp * 4096 + this.index(level, laLo, laHi) * esz;
      const cur = this.host.read32(ea) | 0;
      const pdpte = level === 3 && this.shadowMode === PagingMode.Pae;
      if ((cur & Pte.P) === 0) {
        let child: number;
        let gLo: number, gHi: number;
        if (level > leafLevel) {
          // A guest non-leaf entry: shadow the guest table it points to.
          gLo = r.entryLo[j]; gHi = r.entryHi[j];
          const tableGpa = ((gLo & 0xfffff000) >>> 0) + (wide ? (gHi & this.guestCtx.addrHiMask) * TWO32 : 0);
          const key = `n${tableGpa}:${level - 1}`;
          child = this.byKey.get(key) ?? this.alloc(key, NORMAL, tableGpa, -1);
        } else {
          // Inside a guest large page (or paging off): fracture tables keyed by the guest entry.
          gLo = level === leafLevel ? leafLo : Pte.RW | Pte.US;
          gHi = level === leafLevel ? leafHi : 0;
          const span = level - 1 === 1 ? laLo >>> 21 : laLo >>> 30; // which sub-table of the large page
          const key = `f${leafGpa}:${level - 1}:${laHi}:${span}`;
          child = this.byKey.get(key) ?? this.alloc(key, FRACTURE, -1, leafGpa);
        }
        if (child < 0) return false;
        this.link(ea, wide, child, gLo, gHi, pdpte);
        sp = child;
      } else {
        const hi = wide ? this.host.read32(ea + 4) & this.mmu.ctx.addrHiMask : 0;
        sp = (((cur & 0xfffff000) >>> 0) + hi * TWO32 - this.poolBase) / 4096;
      }
      if (level > leafLevel) j++;
      level--;
    }
    // The 4 KiB shadow leaf.
    const ea = this.poolBase + sp * 4096 + this.index(1, laLo, laHi) * esz;
    if (leafLevel > 1) {
      // Large guest page: rights are already in the shadow entry that mirrors the guest PDE/PDPTE;
      // the PAT bit moves from bit 12 to bit 7; D and G come from the guest leaf.
      leafLo = (leafLo & (Pte.RW | Pte.US | Pte.PWT | Pte.PCD | Pte.D | Pte.G)) | ((leafLo >>> 12) & 1 ? Pte.PAT : 0);
    }
    const gfn = Math.floor((r.gpa - (r.gpa % 4096)) / 4096);
    const writable = (leafLo & Pte.RW) !== 0 && (guestNone || (r.perm & PageFlags.Dirty) !== 0) && !this.byGfn.has(gfn);
    const prev = this.host.read32(ea) | 0;
    const lo = (hpa % TWO32) | Pte.P | Pte.A | (leafLo & (Pte.US | Pte.PWT | Pte.PCD | Pte.PAT | Pte.G)) | (writable ? Pte.RW | Pte.D : 0);
    if ((prev & Pte.P) !== 0 && (prev & Pte.RW) === 0 && writable) this.counters.values[ShadowCounter.DirtyFaults]++;
    this.host.write32(ea, lo >>> 0);
    if (wide) this.host.write32(ea + 4, (Math.floor(hpa / TWO32) | (leafHi & ((1 << 31) | (15 << 27)))) >>> 0);
    const list = this.rmap.get(gfn);
    if (list === undefined) this.rmap.set(gfn, [ea]); else list.push(ea);
    return true;
  }

  /**
   * Emulated guest store of `size` (1, 2, 4) bytes at `gpa` (e.g. after EmulateWrite): writes
   * guest memory and zaps the shadow entries derived from the guest entries it overlaps.
   */
  writeGuest(gpa: number, size: 1 | 2 | 4, value: number): void {
    if (size === 1) this.guest.write8(gpa, value);
    else if (size === 2) this.guest.write16(gpa, value);
    else this.guest.write32(gpa, value);
    this.guestTableWritten(gpa, size);
  }

  /** Shorthand for a 4-byte {@link writeGuest}. */
  writeGuest32(gpa: number, value: number): void {
    this.writeGuest(gpa, 4, value);
  }

  /**
   * Tell the pager that guest bytes `[gpa, gpa+size)` changed by other means (DMA, a device
   * model, an emulated string instruction). Zaps every shadow entry derived from them.
   */
  guestTableWritten(gpa: number, size: number): void {
    const gfn = Math.floor(gpa / 4096);
    const list = this.byGfn.get(gfn);
    if (list === undefined) return;
    const c = this.counters.values;
    c[ShadowCounter.PtWrites]++;
    const esz = this.shadowMode === PagingMode.Legacy32 ? 4 : 8;
    let zapped = 0, updated = 0;
    for (const sp of list) {
      if (this.kind[sp] !== NORMAL) continue;
      const base = this.tableGpa[sp];
      const entries = this.shadowMode === PagingMode.Pae && this.keyOf[sp]?.endsWith(':3') === true ? 4 : 4096 / esz;
      const first = Math.max(0, Math.floor((gpa - base) / esz));
      const last = Math.min(entries - 1, Math.floor((gpa + size - 1 - base) / esz));
      for (let idx = first; idx <= last; idx++) {
        const ea = this.poolBase + sp * 4096 + idx * esz;
        if (this.update && this.keyOf[sp]?.endsWith(':1') === true && this.refresh(ea, base + idx * esz, esz)) {
          c[ShadowCounter.Updates]++;
          updated++;
          continue;
        }
        if ((this.host.read32(ea) & Pte.P) !== 0) {
          this.host.write32(ea, 0);
          if (esz === 8) this.host.write32(ea + 4, 0);
          zapped++;
        }
        const fr = this.fractures.get(base + idx * esz);
        if (fr !== undefined) {
          for (const f of fr) this.release(f);
          this.fractures.delete(base + idx * esz);
        }
      }
    }
    c[ShadowCounter.Zaps] += zapped;
    if (zapped + updated > 0) {
      c[ShadowCounter.TlbFlushes]++;
      this.mmu.tlb.flushAll();
    }
  }

  /**
   * Re-derive the shadow PTE at `ea` from the guest PTE at `gpa` (policy 'update'). Returns false
   * (caller zaps) unless the guest PTE is present, accessed, free of reserved bits and maps RAM.
   */
  private refresh(ea: number, gpa: number, esz: number): boolean {
    const lo = this.guest.read32(gpa) | 0;
    const hi = esz === 8 ? this.guest.read32(gpa + 4) | 0 : 0;
    const g = this.guestCtx;
    if ((lo & (Pte.P | Pte.A)) !== (Pte.P | Pte.A) || (hi & g.rsvdHi) !== 0) return false;
    const gpaPage = ((lo & 0xfffff000) >>> 0) + (esz === 8 ? (hi & g.addrHiMask) * TWO32 : 0);
    const hpa = this.map.hpaOfPage(gpaPage);
    if (hpa < 0) return false;
    const gfn = gpaPage / 4096;
    const writable = (lo & (Pte.RW | Pte.D)) === (Pte.RW | Pte.D) && !this.byGfn.has(gfn);
    const slo = (hpa % TWO32) | Pte.P | Pte.A | (lo & (Pte.US | Pte.PWT | Pte.PCD | Pte.PAT | Pte.G)) | (writable ? Pte.RW | Pte.D : 0);
    this.host.write32(ea, slo >>> 0);
    if (esz === 8) this.host.write32(ea + 4, (Math.floor(hpa / TWO32) | (hi & ((1 << 31) | (15 << 27)))) >>> 0);
    const list = this.rmap.get(gfn);
    if (list === undefined) this.rmap.set(gfn, [ea]); else list.push(ea);
    return true;
  }

  /** Guest INVLPG: shadows are kept coherent by tracing, so only the CPU's TLB entry goes. */
  invlpg(laLo: number, laHi: number): void {
    this.counters.values[ShadowCounter.Invlpg]++;
    this.mmu.invlpg(laLo, laHi);
  }

  /** Whether the guest frame holding `gpa` is traced (holds a shadowed guest page table). */
  traced(gpa: number): boolean {
    return this.isTraced(gpa);
  }
}
