/**
 * Random page-table forests for property tests: a small RAM whose every page is a table of
 * random entries (mostly present, pointing back into the same RAM, with random rights, large
 * pages, global, XD and protection-key bits and occasional reserved bits), so any linear
 * address walks through random structures and exercises every check.
 */
import { PhysicalMemoryBus, type GuestMemory } from '@x86kit/core';

/** A tiny deterministic PRNG (xorshift32). */
export class Rng {
  s: number;
  constructor(seed: number) { this.s = (seed | 0) || 0x9e3779b9; }
  next(): number { let x = this.s; x ^= x << 13; x ^= x >>> 17; x ^= x << 5; this.s = x; return x >>> 0; }
  below(n: number): number { return this.next() % n; }
  chance(p: number): boolean { return this.next() / 4294967296 < p; }
}

export interface ForestOptions { pages: number; wide: boolean; maxPhy: number; base?: number }

/**
 * Fill `pages` pages at `base` of `mem` with random entries (8-byte if `wide`). Returns the bus.
 * Entry addresses point at pages in `[base, base + pages*4096)`.
 */
export function fillForest(mem: { load(pa: number, data: Uint8Array): void }, rng: Rng, o: ForestOptions): void {
  const base = o.base ?? 0;
  const words = new Uint32Array(o.pages * 1024);
  const step = o.wide ? 2 : 1;
  for (let w = 0; w < words.length; w += step) {
    const target = base + rng.below(o.pages) * 4096;
    let lo = (target & 0xfffff000) | (rng.next() & 0x1ff);
    if (rng.chance(0.95)) lo |= 1; else lo &= ~1;
    if (rng.chance(0.85)) lo |= 2;
    if (rng.chance(0.85)) lo |= 4;
    if (rng.chance(0.75)) lo &= ~0x80; // PS less often
    if (rng.chance(0.03)) lo |= 1 << (13 + rng.below(19)); // stray bits in large-page reserved fields
    words[w] = lo >>> 0;
    if (o.wide) {
      let hi = 0;
      if (rng.chance(0.15)) hi |= 1 << 31;              // XD
      if (rng.chance(0.3)) hi |= rng.below(16) << 27;   // protection key / ignored bits
      if (rng.chance(0.02)) hi |= 1 << rng.below(31);   // sometimes a reserved or address bit
      words[w + 1] = hi >>> 0;
    }
  }
  mem.load(base, new Uint8Array(words.buffer));
}

export function makeBus(bytes: number): PhysicalMemoryBus {
  const mem = new PhysicalMemoryBus();
  mem.mapRam(0, bytes);
  return mem;
}

/** A flat little-endian RAM at physical 0 implementing GuestMemory (cheap to create in property tests). */
export class FlatMemory implements GuestMemory {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(size: number) { this.bytes = new Uint8Array(size); this.dv = new DataView(this.bytes.buffer); }
  private ok(pa: number, n: number): boolean { return pa >= 0 && pa + n <= this.bytes.length; }
  read8(pa: number): number { return this.ok(pa, 1) ? this.bytes[pa] : 0xff; }
  read16(pa: number): number { return this.ok(pa, 2) ? this.dv.getUint16(pa, true) : 0xffff; }
  read32(pa: number): number { return this.ok(pa, 4) ? this.dv.getUint32(pa, true) : 0xffffffff; }
  read64(pa: number): bigint { return this.ok(pa, 8) ? this.dv.getBigUint64(pa, true) : 0xffffffffffffffffn; }
  write8(pa: number, v: number): void { if (this.ok(pa, 1)) this.bytes[pa] = v; }
  write16(pa: number, v: number): void { if (this.ok(pa, 2)) this.dv.setUint16(pa, v, true); }
  write32(pa: number, v: number): void { if (this.ok(pa, 4)) this.dv.setUint32(pa, v >>> 0, true); }
  write64(pa: number, v: bigint): void { if (this.ok(pa, 8)) this.dv.setBigUint64(pa, BigInt.asUintN(64, v), true); }
  readBytes(pa: number, dst: Uint8Array): void { for (let i = 0; i < dst.length; i++) dst[i] = this.read8(pa + i); }
  writeBytes(pa: number, src: Uint8Array): void { for (let i = 0; i < src.length; i++) this.write8(pa + i, src[i]); }
  load(pa: number, src: Uint8Array): void { this.bytes.set(src, pa); }
}


/** A {@link FlatMemory} that also offers `ramPage` (like core's PhysicalMemoryBus), to test the walker's direct-page path. */
export class FlatRamMemory extends FlatMemory {
  ramPage(pa: number): Uint8Array | null {
    const base = pa - (pa % 4096);
    return pa >= 0 && base + 4096 <= this.bytes.length ? this.bytes.subarray(base, base + 4096) : null;
  }
}
