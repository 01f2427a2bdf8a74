/**
 * Physical memory: the consumer-side {@link GuestMemory} interface every component reads and
 * writes through, the {@link MmioDevice} interface devices implement, and
 * {@link PhysicalMemoryBus}, a 4 GiB physical address space made of RAM, ROM and MMIO regions.
 *
 * Conventions: addresses are physical, non-negative numbers; 8/16/32-bit reads return unsigned
 * values (`0..2^32-1`); 64-bit values are `bigint` (cold paths only: hot paths use two 32-bit
 * accesses). All multi-byte accesses are little-endian.
 */
import { ApiMisuseError } from './errors.js';

/** What a consumer (CPU, MMU walker, DMA engine) needs from physical memory. */
export interface GuestMemory {
  read8(pa: number): number;
  read16(pa: number): number;
  read32(pa: number): number;
  read64(pa: number): bigint;
  write8(pa: number, value: number): void;
  write16(pa: number, value: number): void;
  write32(pa: number, value: number): void;
  write64(pa: number, value: bigint): void;
  /** Copy `dst.length` bytes starting at `pa` into `dst`. */
  readBytes(pa: number, dst: Uint8Array): void;
  /** Copy `src` into memory starting at `pa` (ROM is not modified, MMIO sees byte writes). */
  writeBytes(pa: number, src: Uint8Array): void;
}

/** A device register window in the physical address space. `offset` is relative to its base. */
export interface MmioDevice {
  readMmio(offset: number, size: 1 | 2 | 4): number;
  writeMmio(offset: number, size: 1 | 2 | 4, value: number): void;
}

/** What kind of region a 4 KiB page belongs to. */
export const PageKind = { Unmapped: 0, Ram: 1, Rom: 2, Mmio: 3 } as const;
export type PageKind = (typeof PageKind)[keyof typeof PageKind];

const PAGE_SHIFT = 12;
const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_SIZE - 1;
const PAGES = 1 << 20; // 4 GiB / 4 KiB
const CHUNK_SHIFT = 20; // RAM is allocated lazily in 1 MiB chunks
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
/** The bus models a 32-bit physical address space. */
export const PHYS_LIMIT = 0x1_0000_0000;

const EMPTY_PAGE = new Uint8Array(PAGE_SIZE); // reads of untouched RAM

/**
 * Told when a page that a CPU caches decoded instructions from is written by anyone (another
 * CPU's bus access, a device, DMA, a loader): the CPU drops that page's decoded instructions so
 * self-modifying and freshly loaded code runs as written. See {@link PhysicalMemoryBus.watchCode}.
 */
export interface CodeWriteObserver {
  /** `page` (physical address >>> 12, after the A20 mask) was written; its code flag is already cleared. */
  codePageWritten(page: number): void;
}

/**
 * The {@link PhysicalMemoryBus.codePages} bits of bytes `[offset, offset + length)` of a page
 * (`offset` 0–4095, `length` ≥ 1, inside the page): one bit per 128-byte line.
 */
export function codeLineMask(offset: number, length: number): number {
  const a = offset >>> 7, b = (offset + length - 1) >>> 7;
  return ((b >= 31 ? 0 : 1 << (b + 1)) - (1 << a)) | 0;
}

/** Counters kept by {@link PhysicalMemoryBus}. */
export const MemCounter = { MmioReads: 0, MmioWrites: 1, RomWritesIgnored: 2, UnmappedReads: 3, UnmappedWrites: 4 } as const;

/**
 * A 4 GiB physical address space. RAM is allocated lazily (a 3 GiB guest costs only what it
 * touches), ROM ignores writes, MMIO dispatches to devices, unmapped space reads all-ones.
 * The A20 gate, when disabled, forces physical address bit 20 to 0 as on a PC.
 */
export class PhysicalMemoryBus implements GuestMemory {
  /** Per-page region kind ({@link PageKind}). */
  readonly kinds = new Uint8Array(PAGES);
  /** Per-page backing store for RAM/ROM pages (a view into a chunk), or null if untouched. */
  private readonly pages: (Uint8Array | null)[] = new Array<Uint8Array | null>(PAGES).fill(null);
  /** Per-page MMIO device index into `mmio`, -1 when not MMIO. */
  private readonly mmioIndex = new Int16Array(PAGES).fill(-1);
  private readonly mmio: { base: number; length: number; device: MmioDevice }[] = [];
  /** `0xffffffff`, or `0xffefffff` while the A20 gate is disabled. */
  a20Mask = 0xffffffff;
  /** Event counts, indexed by {@link MemCounter}. */
  readonly counters = new Float64Array(5);
  /** Bytes of host memory allocated for guest RAM so far. */
  allocatedBytes = 0;
  /**
   * Per 4 KiB page (after the A20 mask): a mask of the 128-byte lines (bit n = bytes
   * `n*128 .. n*128+127`) holding instructions some {@link CodeWriteObserver} has decoded and
   * cached. Null until the first {@link watchCode}; a write then costs one load and test, and a
   * write that touches a flagged line clears the page's mask and tells every observer (data
   * stored next to code, e.g. a stack below the code on the same page, does not). Observers set
   * bits themselves ({@link codeLineMask}) and check their own direct stores the same way.
   */
  codePages: Int32Array | null = null;
  private codeObservers: CodeWriteObserver[] = [];

  /** Register an observer of writes to code lines; returns the shared {@link codePages} masks. */
  watchCode(observer: CodeWriteObserver): Int32Array {
    this.codePages ??= new Int32Array(PAGES);
    if (!this.codeObservers.includes(observer)) this.codeObservers.push(observer);
    return this.codePages;
  }

  /**
   * Stop telling `observer` about code writes (a CPU being disposed). The line masks stay as
   * they are: a stale bit only costs one extra notification of the remaining observers.
   */
  unwatchCode(observer: CodeWriteObserver): void {
    const i = this.codeObservers.indexOf(observer);
    if (i >= 0) this.codeObservers.splice(i, 1);
  }

  /** Number of registered {@link watchCode} observers. */
  get codeObserverCount(): number {
    return this.codeObservers.length;
  }

  /** A RAM write of `length` bytes at `offset` of page `p`: {@link codeWritten} if it touches a code line. */
  private noteCodeWrite(p: number, offset: number, length: number): void {
    const map = this.codePages;
    if (map !== null && (map[p] & codeLineMask(offset, length)) !== 0) this.codeWritten(p);
  }

  /** A write hit a code line of page `p`: clear the page's mask and tell every observer. */
  codeWritten(p: number): void {
    const map = this.codePages;
    if (map !== null) map[p] = 0;
    const obs = this.codeObservers;
    for (let i = 0; i < obs.length; i++) obs[i].codePageWritten(p);
  }

  /** Map `length` bytes of zeroed RAM at `base` (both 4 KiB aligned). */
  mapRam(base: number, length: number): void {
    this.checkRange(base, length);
    for (let p = base >>> PAGE_SHIFT, end = (base + length) / PAGE_SIZE; p < end; p++) {
      this.kinds[p] = PageKind.Ram;
      this.pages[p] = null;
      this.mmioIndex[p] = -1;
    }
  }

  /** Map a read-only copy of `data` at `base` (4 KiB aligned; the tail of the last page reads 0xff). */
  mapRom(base: number, data: Uint8Array): void {
    const length = (data.length + PAGE_MASK) & ~PAGE_MASK;
    this.checkRange(base, length);
    const store = new Uint8Array(length).fill(0xff);
    store.set(data);
    for (let i = 0; i < length; i += PAGE_SIZE) {
      const p = (base + i) >>> PAGE_SHIFT;
      this.kinds[p] = PageKind.Rom;
      this.pages[p] = store.subarray(i, i + PAGE_SIZE);
      this.mmioIndex[p] = -1;
    }
  }

  /** Route accesses to `[base, base+length)` (4 KiB aligned) to `device`, with offsets relative to `base`. */
  mapMmio(base: number, length: number, device: MmioDevice): void {
    this.checkRange(base, length);
    const idx = this.mmio.length;
    if (idx >= 0x7fff) throw new ApiMisuseError('API_RANGE', 'too many MMIO regions');
    this.mmio.push({ base, length, device });
    for (let p = base >>> PAGE_SHIFT, end = (base + length) / PAGE_SIZE; p < end; p++) {
      this.kinds[p] = PageKind.Mmio;
      this.pages[p] = null;
      this.mmioIndex[p] = idx;
    }
  }

  /** Unmap `[base, base+length)`. */
  unmap(base: number, length: number): void {
    this.checkRange(base, length);
    for (let p = base >>> PAGE_SHIFT, end = (base + length) / PAGE_SIZE; p < end; p++) {
      this.kinds[p] = PageKind.Unmapped;
      this.pages[p] = null;
      this.mmioIndex[p] = -1;
    }
  }

  /** Enable or disable the A20 gate. */
  setA20(enabled: boolean): void {
    this.a20Mask = enabled ? 0xffffffff : 0xffefffff;
  }

  /** Region kind at a physical address. */
  kindAt(pa: number): PageKind {
    return pa >= PHYS_LIMIT ? PageKind.Unmapped : (this.kinds[pa >>> PAGE_SHIFT] as PageKind);
  }

  /**
   * The backing bytes of a RAM page for direct access (allocating it), or null when the page is
   * not RAM. Lets a CPU or TLB cache a host view for its fast path; valid until remapped.
   */
  ramPage(pa: number): Uint8Array | null {
    if (pa >= PHYS_LIMIT) return null;
    const p = (pa & this.a20Mask) >>> PAGE_SHIFT;
    if (this.kinds[p] !== PageKind.Ram) return null;
    return this.pages[p] ?? this.allocate(p);
  }

  /**
   * The backing bytes of a ROM page (after the A20 mask), or null when the page is not ROM.
   * Read-only by contract (writes to ROM are ignored by the bus; never write through this view):
   * it lets a CPU cache instructions decoded from firmware. {@link load} into ROM still tells
   * {@link watchCode} observers.
   */
  romPage(pa: number): Uint8Array | null {
    if (pa >= PHYS_LIMIT) return null;
    const p = (pa & this.a20Mask) >>> PAGE_SHIFT;
    return this.kinds[p] === PageKind.Rom ? this.pages[p] : null;
  }

  private checkRange(base: number, length: number): void {
    if (!Number.isInteger(base) || !Number.isInteger(length) || base < 0 || length <= 0 ||
        base + length > PHYS_LIMIT || (base & PAGE_MASK) !== 0 || (length & PAGE_MASK) !== 0) {
      throw new ApiMisuseError('API_RANGE', `region 0x${base.toString(16)}+0x${length.toString(16)} must be 4 KiB aligned and inside 4 GiB`);
    }
  }

  private allocate(page: number): Uint8Array {
    // Allocate the whole 1 MiB chunk around the page, covering the RAM pages in it.
    const first = (page << PAGE_SHIFT >>> CHUNK_SHIFT) << (CHUNK_SHIFT - PAGE_SHIFT);
    const chunk = new Uint8Array(CHUNK_SIZE);
    this.allocatedBytes += CHUNK_SIZE;
    for (let i = 0; i < CHUNK_SIZE >>> PAGE_SHIFT; i++) {
      const p = first + i;
      if (this.kinds[p] === PageKind.Ram && this.pages[p] === null) {
        this.pages[p] = chunk.subarray(i << PAGE_SHIFT, (i + 1) << PAGE_SHIFT);
      }
    }
    return this.pages[page] as Uint8Array;
  }

  read8(pa: number): number {
    if (pa >= PHYS_LIMIT) return this.unmappedRead(0xff);
    pa = (pa & this.a20Mask) >>> 0;
    const p = pa >>> PAGE_SHIFT;
    const kind = this.kinds[p];
    if (kind === PageKind.Ram || kind === PageKind.Rom) {
      const page = this.pages[p];
      return page === null ? 0 : page[pa & PAGE_MASK];
    }
    if (kind === PageKind.Mmio) return this.mmioRead(p, pa, 1);
    return this.unmappedRead(0xff);
  }

  read16(pa: number): number {
    if ((pa & PAGE_MASK) > PAGE_SIZE - 2 || pa >= PHYS_LIMIT) return this.read8(pa) | (this.read8(pa + 1) << 8);
    pa = (pa & this.a20Mask) >>> 0;
    const p = pa >>> PAGE_SHIFT;
    const kind = this.kinds[p];
    if (kind === PageKind.Ram || kind === PageKind.Rom) {
      const page = this.pages[p];
      if (page === null) return 0;
      const o = pa & PAGE_MASK;
      return page[o] | (page[o + 1] << 8);
    }
    if (kind === PageKind.Mmio) return this.mmioRead(p, pa, 2);
    return this.unmappedRead(0xffff);
  }

  read32(pa: number): number {
    if ((pa & PAGE_MASK) > PAGE_SIZE - 4 || pa >= PHYS_LIMIT) {
      return (this.read16(pa) | (this.read16(pa + 2) << 16)) >>> 0;
    }
    pa = (pa & this.a20Mask) >>> 0;
    const p = pa >>> PAGE_SHIFT;
    const kind = this.kinds[p];
    if (kind === PageKind.Ram || kind === PageKind.Rom) {
      const page = this.pages[p];
      if (page === null) return 0;
      const o = pa & PAGE_MASK;
      return (page[o] | (page[o + 1] << 8) | (page[o + 2] << 16) | (page[o + 3] << 24)) >>> 0;
    }
    if (kind === PageKind.Mmio) return this.mmioRead(p, pa, 4) >>> 0;
    return this.unmappedRead(0xffffffff);
  }

  read64(pa: number): bigint {
    return BigInt(this.read32(pa)) | (BigInt(this.read32(pa + 4)) << 32n);
  }

  write8(pa: number, value: number): void {
    if (pa >= PHYS_LIMIT) { this.counters[MemCounter.UnmappedWrites]++; return; }
    pa = (pa & this.a20Mask) >>> 0;
    const p = pa >>> PAGE_SHIFT;
    const kind = this.kinds[p];
    if (kind === PageKind.Ram) {
      const page = this.pages[p] ?? this.allocate(p);
      page[pa & PAGE_MASK] = value;
      this.noteCodeWrite(p, pa & PAGE_MASK, 1);
    } else if (kind === PageKind.Mmio) {
      this.mmioWrite(p, pa, 1, value & 0xff);
    } else if (kind === PageKind.Rom) {
      this.counters[MemCounter.RomWritesIgnored]++;
    } else {
      this.counters[MemCounter.UnmappedWrites]++;
    }
  }

  write16(pa: number, value: number): void {
    const o = pa & PAGE_MASK;
    if (o > PAGE_SIZE - 2 || pa >= PHYS_LIMIT) { this.write8(pa, value); this.write8(pa + 1, value >>> 8); return; }
    pa = (pa & this.a20Mask) >>> 0;
    const p = pa >>> PAGE_SHIFT;
    const kind = this.kinds[p];
    if (kind === PageKind.Ram) {
      const page = this.pages[p] ?? this.allocate(p);
      page[o] = value; page[o + 1] = value >>> 8;
      this.noteCodeWrite(p, o, 2);
    } else if (kind === PageKind.Mmio) {
      this.mmioWrite(p, pa, 2, value & 0xffff);
    } else if (kind === PageKind.Rom) {
      this.counters[MemCounter.RomWritesIgnored]++;
    } else {
      this.counters[MemCounter.UnmappedWrites]++;
    }
  }

  write32(pa: number, value: number): void {
    const o = pa & PAGE_MASK;
    if (o > PAGE_SIZE - 4 || pa >= PHYS_LIMIT) { this.write16(pa, value); this.write16(pa + 2, value >>> 16); return; }
    pa = (pa & this.a20Mask) >>> 0;
    const p = pa >>> PAGE_SHIFT;
    const kind = this.kinds[p];
    if (kind === PageKind.Ram) {
      const page = this.pages[p] ?? this.allocate(p);
      page[o] = value; page[o + 1] = value >>> 8; page[o + 2] = value >>> 16; page[o + 3] = value >>> 24;
      this.noteCodeWrite(p, o, 4);
    } else if (kind === PageKind.Mmio) {
      this.mmioWrite(p, pa, 4, value >>> 0);
    } else if (kind === PageKind.Rom) {
      this.counters[MemCounter.RomWritesIgnored]++;
    } else {
      this.counters[MemCounter.UnmappedWrites]++;
    }
  }

  write64(pa: number, value: bigint): void {
    this.write32(pa, Number(value & 0xffffffffn));
    this.write32(pa + 4, Number((value >> 32n) & 0xffffffffn));
  }

  readBytes(pa: number, dst: Uint8Array): void {
    let i = 0;
    while (i < dst.length) {
      const addr = pa + i;
      const p = addr < PHYS_LIMIT ? ((addr & this.a20Mask) >>> 0) >>> PAGE_SHIFT : -1;
      const kind = p < 0 ? PageKind.Unmapped : this.kinds[p];
      const o = addr & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - o, dst.length - i);
      if (kind === PageKind.Ram || kind === PageKind.Rom) {
        const page = this.pages[p];
        dst.set((page ?? EMPTY_PAGE).subarray(o, o + n), i);
      } else {
        for (let k = 0; k < n; k++) dst[i + k] = this.read8(addr + k);
      }
      i += n;
    }
  }

  writeBytes(pa: number, src: Uint8Array): void {
    let i = 0;
    while (i < src.length) {
      const addr = pa + i;
      const p = addr < PHYS_LIMIT ? ((addr & this.a20Mask) >>> 0) >>> PAGE_SHIFT : -1;
      const kind = p < 0 ? PageKind.Unmapped : this.kinds[p];
      const o = addr & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - o, src.length - i);
      if (kind === PageKind.Ram) {
        const page = this.pages[p] ?? this.allocate(p);
        page.set(src.subarray(i, i + n), o);
        this.noteCodeWrite(p, o, n);
      } else {
        for (let k = 0; k < n; k++) this.write8(addr + k, src[i + k]);
      }
      i += n;
    }
  }

  /**
   * Load an image into any mapped region, ROM included (firmware/loader use). Throws
   * {@link ApiMisuseError} when part of it would fall outside RAM/ROM.
   */
  load(pa: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i += PAGE_SIZE - ((pa + i) & PAGE_MASK)) {
      const addr = pa + i;
      const kind = this.kindAt(addr);
      if (kind !== PageKind.Ram && kind !== PageKind.Rom) {
        throw new ApiMisuseError('API_RANGE', `load at 0x${addr.toString(16)} is outside RAM/ROM`);
      }
      const p = addr >>> PAGE_SHIFT;
      const o = addr & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - o, data.length - i);
      const page = this.pages[p] ?? this.allocate(p);
      page.set(data.subarray(i, i + n), o);
      this.noteCodeWrite(p, o, n);
    }
  }

  private mmioRead(p: number, pa: number, size: 1 | 2 | 4): number {
    this.counters[MemCounter.MmioReads]++;
    const r = this.mmio[this.mmioIndex[p]];
    return r.device.readMmio(pa - r.base, size);
  }

  private mmioWrite(p: number, pa: number, size: 1 | 2 | 4, value: number): void {
    this.counters[MemCounter.MmioWrites]++;
    const r = this.mmio[this.mmioIndex[p]];
    r.device.writeMmio(pa - r.base, size, value);
  }

  private unmappedRead(ones: number): number {
    this.counters[MemCounter.UnmappedReads]++;
    return ones;
  }
}
