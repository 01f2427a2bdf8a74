/**
 * The guest page walker: linear → physical translation for every x86 paging mode, with the
 * access-rights checks, reserved-bit checks, accessed/dirty updates and #PF error code of
 * Intel SDM Vol. 3A, chapter 4 ("Paging") and AMD APM Vol. 2, chapter 5 ("Page Translation
 * and Protection"). Faults are return values: {@link WalkStatus} plus fields of a preallocated
 * {@link WalkResult}; nothing is thrown and nothing is allocated per walk.
 *
 * Modelling choices (both allowed by the manuals, chosen to be deterministic):
 * - accessed/dirty flags are written only when the whole translation succeeds (no A bits on a
 *   faulting walk), in top-down order, as Bochs does;
 * - a reserved-bit violation is reported at the first entry (top-down) that has one; access
 *   rights are checked only after a complete walk.
 */
import { Pte, PfErr, type GuestMemory } from '@x86kit/core';
import { Access, type PagingContext, PagingMode, TWO32 } from './paging-context.js';

/** Outcome of {@link PageWalker.walk}. */
export const WalkStatus = {
  Ok: 0,
  /** A guest #PF: `errorCode` and the linear address (CR2) are in the {@link WalkResult}. */
  PageFault: 1,
  /** A nested-paging fault (NPF / EPT violation / EPT misconfiguration), details in the nested translator. */
  Nested: 2,
} as const;
export type WalkStatus = (typeof WalkStatus)[keyof typeof WalkStatus];

/**
 * Effective rights of a translation, combined over every level (SDM 4.6): `User` if U/S = 1 at
 * every level, `Write` if R/W = 1 at every level, `Nx` if XD = 1 at any level (with NXE),
 * `Global` for a global leaf (with CR4.PGE), `Dirty` when the leaf's D flag is set. The
 * protection key sits in bits 11:8 (`perm >>> PageFlags.PkeyShift & 15`).
 */
export const PageFlags = { User: 1, Write: 2, Nx: 4, Global: 8, Dirty: 16, PkeyShift: 8 } as const;
export type PageFlags = (typeof PageFlags)[keyof typeof PageFlags];

/**
 * Translates guest-physical addresses of a second stage (nested paging). The walker calls it for
 * every guest paging-structure access (`table = true`) and for the final address; it returns the
 * host-physical address, or -1 after recording the nested fault itself. It adds the memory
 * references it makes to `r.memRefs`.
 */
export interface GpaTranslator {
  translateGpa(gpa: number, access: number, table: boolean, r: WalkResult): number;
}

/** Preallocated output of one walk. Reuse one instance; read fields right after the call. */
export class WalkResult {
  /** The linear address walked, `[lo, hi]` (CR2 on a #PF). */
  laLo = 0;
  laHi = 0;
  /** Physical address of the access (host-physical under nested paging). */
  pa = 0;
  /** Guest-physical address of the access (equals `pa` without nested paging). */
  gpa = 0;
  /** Physical base of the 4 KiB frame holding `pa` (`pa - (la & 0xfff)`), what the TLB caches. */
  frame = 0;
  /** log2 of the page size: 12, 21 (2 MiB), 22 (4 MiB) or 30 (1 GiB). */
  pageShift = 12;
  /** {@link PageFlags} of the translation. */
  perm = 0;
  /** #PF error code ({@link PfErr} bits) when the walk returned {@link WalkStatus.PageFault}. */
  errorCode = 0;
  /** Paging-structure entries read, top level first. */
  levels = 0;
  /** Memory references of this walk: entry reads, plus nested-walk reads under nested paging. */
  memRefs = 0;
  /** Accessed/dirty write-backs done by this walk. */
  adWrites = 0;
  /** (Guest-)physical address of each entry read. */
  readonly entryAddr = new Float64Array(6);
  /** Host-physical address of each entry read (equals `entryAddr` without nested paging). */
  readonly entryHpa = new Float64Array(6);
  /** Entry values as read (before A/D updates), low and high dwords (high = 0 for 4-byte entries). */
  readonly entryLo = new Int32Array(6);
  readonly entryHi = new Int32Array(6);
  /** Level of each entry: 5 = PML5E, 4 = PML4E, 3 = PDPTE, 2 = PDE, 1 = PTE. */
  readonly entryLevel = new Uint8Array(6);
}

const P = Pte.P, RW = Pte.RW, US = Pte.US, A = Pte.A, D = Pte.D, PS = Pte.PS, G = Pte.G;
/** Reserved low bits of a PAE PDPTE (SDM table 4-8: bits 2:1 and 8:5). */
const PAE_PDPTE_RSVD_LO = 0x1e6;
/** Reserved low bits of a 2 MiB PDE (bits 20:13) and a 1 GiB PDPTE (bits 29:13). */
const RSVD_2M = 0x1fe000;
const RSVD_1G = 0x3fffe000;

/**
 * The #PF error code for an access-rights violation of `perm` by `access`, or 0 when the access
 * is allowed (SDM Vol. 3A 4.6 "Access Rights", 4.6.2 "Protection Keys"; AMD APM Vol. 2 5.6).
 * Does not look at the Dirty flag: a write to a clean page is allowed (the walk sets D).
 */
export function accessFault(ctx: PagingContext, perm: number, access: number): number {
  const user = (access & Access.User) !== 0;
  const userPage = (perm & PageFlags.User) !== 0;
  if ((access & Access.Fetch) !== 0) {
    const ec = P | (access & Access.User) | (ctx.fetchErrorBit ? PfErr.I : 0);
    if ((perm & PageFlags.Nx) !== 0) return ec;
    if (user) return userPage ? 0 : ec;
    return userPage && ctx.smep ? ec : 0;
  }
  const write = (access & Access.Write) !== 0;
  const ec = P | (access & (Access.Write | Access.User));
  if (user) {
    if (!userPage) return ec;
    if (write && (perm & PageFlags.Write) === 0) return ec;
  } else {
    if (userPage && ctx.smap && (!ctx.ac || (access & Access.Implicit) !== 0)) return ec;
    if (write && ctx.wp && (perm & PageFlags.Write) === 0) return ec;
  }
  if (userPage && ctx.pke) {
    const k = (ctx.pkru >>> ((perm >>> PageFlags.PkeyShift) & 15) * 2) & 3;
    if ((k & 1) !== 0) return ec | PfErr.PK;
    if (write && (k & 2) !== 0 && (user || ctx.wp)) return ec | PfErr.PK;
  }
  return 0;
}

/** The `ramPage(pa)` accessor of a memory that has one (bound), else null. */
export function ramPageOf(mem: GuestMemory): ((pa: number) => Uint8Array | null) | null {
  const m = mem as GuestMemory & { ramPage?: unknown };
  if (typeof m.ramPage !== 'function') return null;
  const f = m.ramPage as (pa: number) => Uint8Array | null;
  return (pa: number) => f.call(mem, pa);
}

/**
 * Walks paging structures in `mem` (guest-physical memory; host memory under nested paging, with
 * `nested` translating each guest-physical table address).
 */
export class PageWalker {
  /** Where the paging structures (and, under nested paging, the nested tables) are read from. */
  mem: GuestMemory;
  /** Second-stage translator for nested paging, or null. */
  nested: GpaTranslator | null;
  private eLo = 0;
  private eHi = 0;

  /**
   * Direct RAM-page access when `mem` offers it (core's `PhysicalMemoryBus.ramPage`): entries
   * are then read from the page bytes instead of two bus calls. Other memories use `read32`.
   */
  private readonly ramPage: ((pa: number) => Uint8Array | null) | null;

  constructor(mem: GuestMemory, nested: GpaTranslator | null = null) {
    this.mem = mem;
    this.nested = nested;
    this.ramPage = ramPageOf(mem);
  }

  /**
   * Load the four PAE PDPTE registers from the table at CR3 (done on MOV CR3 and when PAE paging
   * is activated, SDM 4.4.1). Returns false when a present PDPTE has a reserved bit set: the
   * CPU must then raise #GP(0) for the instruction (and not change CR3).
   */
  loadPdptes(ctx: PagingContext): boolean {
    const base = ctx.rootTable;
    let ok = true;
    for (let i = 0; i < 4; i++) {
      const lo = this.mem.read32(base + i * 8) | 0;
      const hi = this.mem.read32(base + i * 8 + 4) | 0;
      ctx.pdpte[i * 2] = lo;
      ctx.pdpte[i * 2 + 1] = hi;
      if ((lo & P) !== 0 && ((lo & PAE_PDPTE_RSVD_LO) !== 0 || (hi & ~ctx.addrHiMask) !== 0)) ok = false;
    }
    ctx.pdptesLoaded = ok;
    return ok;
  }

  /** Read the entry at (guest-)physical `ea` into eLo/eHi and record it; false on a nested fault. */
  private fetch(ea: number, wide: boolean, level: number, r: WalkResult): boolean {
    let hpa = ea;
    if (this.nested !== null) {
      hpa = this.nested.translateGpa(ea, Access.Read, true, r); // paging-structure reads are data reads
      if (hpa < 0) return false;
    }
    let lo: number, hi = 0;
    const page = this.ramPage === null ? null : this.ramPage(hpa);
    if (page !== null) {
      const o = hpa & 0xfff; // entries are naturally aligned: never cross a page
      lo = page[o] | (page[o + 1] << 8) | (page[o + 2] << 16) | (page[o + 3] << 24);
      if (wide) hi = page[o + 4] | (page[o + 5] << 8) | (page[o + 6] << 16) | (page[o + 7] << 24);
    } else {
      lo = this.mem.read32(hpa) | 0;
      if (wide) hi = this.mem.read32(hpa + 4) | 0;
    }
    r.memRefs++;
    const j = r.levels++;
    r.entryAddr[j] = ea;
    r.entryHpa[j] = hpa;
    r.entryLo[j] = lo;
    r.entryHi[j] = hi;
    r.entryLevel[j] = level;
    this.eLo = lo;
    this.eHi = hi;
    return true;
  }

  /**
   * Translate the linear address `[laLo, laHi]` for `access` ({@link Access} bits) under `ctx`.
   * `laHi` is ignored outside long mode; canonical checks (#GP/#SS) are the CPU's job.
   * On success `r.pa`, `r.frame`, `r.perm`, `r.pageShift` are set and A/D flags updated.
   */
  walk(ctx: PagingContext, laLo: number, laHi: number, access: number, r: WalkResult): WalkStatus {
    const mode = ctx.mode;
    r.laLo = laLo;
    r.laHi = mode >= PagingMode.Long4 ? laHi : 0;
    r.levels = 0;
    r.memRefs = 0;
    r.adWrites = 0;
    r.errorCode = 0;
    r.pageShift = 12;
    if (mode === PagingMode.None) {
      r.perm = PageFlags.User | PageFlags.Write | PageFlags.Dirty;
      return this.finish(laLo >>> 0, access, r);
    }
    const ecNp = (access & (Access.Write | Access.User)) | ((access & Access.Fetch) !== 0 && ctx.fetchErrorBit ? PfErr.I : 0);
    const ecRsvd = ecNp | P | PfErr.RSVD;
    let perm = PageFlags.User | PageFlags.Write;
    let lo = 0, hi = 0, base = 0, shift = 12;
    if (mode === PagingMode.Legacy32) {
      if (!this.fetch(ctx.rootTable + ((laLo >>> 22) << 2), false, 2, r)) return WalkStatus.Nested;
      lo = this.eLo;
      if ((lo & P) === 0) { r.errorCode = ecNp; return WalkStatus.PageFault; }
      if ((lo & US) === 0) perm &= ~PageFlags.User;
      if ((lo & RW) === 0) perm &= ~PageFlags.Write;
      if ((lo & PS) !== 0 && ctx.pse) {
        // 4 MiB page; PSE-36 puts physical bits (M'-1):32 in bits (M'-20):13, M' = min(M, 40).
        const m = ctx.maxPhyAddr < 40 ? ctx.maxPhyAddr : 40;
        if ((lo & ((1 << 22) - (1 << (m - 19)))) !== 0) { r.errorCode = ecRsvd; return WalkStatus.PageFault; }
        base = ((lo & 0xffc00000) >>> 0) + ((lo >>> 13) & 0xff) * TWO32;
        shift = 22;
      } else {
        if (!this.fetch(((lo & 0xfffff000) >>> 0) + (((laLo >>> 12) & 0x3ff) << 2), false, 1, r)) return WalkStatus.Nested;
        lo = this.eLo;
        if ((lo & P) === 0) { r.errorCode = ecNp; return WalkStatus.PageFault; }
        if ((lo & US) === 0) perm &= ~PageFlags.User;
        if ((lo & RW) === 0) perm &= ~PageFlags.Write;
        base = (lo & 0xfffff000) >>> 0;
      }
    } else {
      let level: number;
      let table: number;
      const addrHi = ctx.addrHiMask;
      if (mode === PagingMode.Pae) {
        const idx = laLo >>> 30;
        const ea = ctx.rootTable + idx * 8;
        if (ctx.cachePdptes && ctx.pdptesLoaded && this.nested === null) {
          lo = ctx.pdpte[idx * 2];
          hi = ctx.pdpte[idx * 2 + 1];
          const j = r.levels++;
          r.entryAddr[j] = ea; r.entryHpa[j] = ea; r.entryLo[j] = lo; r.entryHi[j] = hi; r.entryLevel[j] = 3;
        } else {
          if (!this.fetch(ea, true, 3, r)) return WalkStatus.Nested;
          lo = this.eLo; hi = this.eHi;
        }
        if ((lo & P) === 0) { r.errorCode = ecNp; return WalkStatus.PageFault; }
        if ((lo & PAE_PDPTE_RSVD_LO) !== 0 || (hi & ~addrHi) !== 0) { r.errorCode = ecRsvd; return WalkStatus.PageFault; }
        table = ((lo & 0xfffff000) >>> 0) + (hi & addrHi) * TWO32;
        level = 2;
      } else {
        table = ctx.rootTable;
        level = mode === PagingMode.Long5 ? 5 : 4;
      }
      const rsvdHi = ctx.rsvdHi;
      for (;;) {
        let idx: number;
        switch (level) {
          case 5: idx = (laHi >>> 16) & 0x1ff; break;
          case 4: idx = (laHi >>> 7) & 0x1ff; break;
          case 3: idx = ((laHi & 0x7f) << 2) | (laLo >>> 30); break;
          case 2: idx = (laLo >>> 21) & 0x1ff; break;
          default: idx = (laLo >>> 12) & 0x1ff; break;
        }
        if (!this.fetch(table + idx * 8, true, level, r)) return WalkStatus.Nested;
        lo = this.eLo; hi = this.eHi;
        if ((lo & P) === 0) { r.errorCode = ecNp; return WalkStatus.PageFault; }
        const ps = (lo & PS) !== 0 && level > 1;
        if ((hi & rsvdHi) !== 0 ||
            (ps && (level >= 4 || (level === 3 ? (lo & RSVD_1G) !== 0 : (lo & RSVD_2M) !== 0)))) {
          r.errorCode = ecRsvd;
          return WalkStatus.PageFault;
        }
        if ((lo & US) === 0) perm &= ~PageFlags.User;
        if ((lo & RW) === 0) perm &= ~PageFlags.Write;
        if (hi < 0) perm |= PageFlags.Nx; // bit 63 set passed the reserved check, so NXE = 1
        if (ps || level === 1) {
          shift = level === 1 ? 12 : level === 2 ? 21 : 30;
          base = ((lo & (level === 1 ? 0xfffff000 : level === 2 ? 0xffe00000 : 0xc0000000)) >>> 0) + (hi & addrHi) * TWO32;
          break;
        }
        table = ((lo & 0xfffff000) >>> 0) + (hi & addrHi) * TWO32;
        level--;
      }
    }
    // lo/hi now hold the leaf entry.
    if ((lo & G) !== 0 && ctx.pge) perm |= PageFlags.Global;
    if (ctx.pke) perm |= ((hi >>> 27) & 15) << PageFlags.PkeyShift;
    const ec = accessFault(ctx, perm, access);
    if (ec !== 0) { r.errorCode = ec; return WalkStatus.PageFault; }
    const write = (access & Access.Write) !== 0;
    if ((access & Access.Probe) === 0) {
      const last = r.levels - 1;
      const first = mode === PagingMode.Pae ? 1 : 0; // PAE PDPTEs have no accessed flag
      for (let j = first; j <= last; j++) {
        const e = r.entryLo[j];
        const want = j === last && write ? A | D : A;
        if ((e & want) !== want) {
          let hpa = r.entryHpa[j];
          if (this.nested !== null) {
            hpa = this.nested.translateGpa(r.entryAddr[j], Access.Write, true, r);
            if (hpa < 0) return WalkStatus.Nested;
          }
          this.mem.write32(hpa, e | want);
          r.adWrites++;
          if (j === last) lo |= want;
        }
      }
    }
    if ((lo & D) !== 0) perm |= PageFlags.Dirty;
    r.pageShift = shift;
    r.perm = perm;
    return this.finish(base + ((laLo & ((shift === 30 ? 0x40000000 : 1 << shift) - 1)) >>> 0), access, r);
  }

  private finish(gpa: number, access: number, r: WalkResult): WalkStatus {
    r.gpa = gpa;
    let pa = gpa;
    if (this.nested !== null) {
      pa = this.nested.translateGpa(gpa, access, false, r);
      if (pa < 0) return WalkStatus.Nested;
    }
    r.pa = pa;
    r.frame = pa - (r.laLo & 0xfff);
    return WalkStatus.Ok;
  }
}
