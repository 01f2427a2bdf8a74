/**
 * Hand-built page tables for unit tests: one translation of `LA` through every level of a mode,
 * each level's entry at a known address so a test can flip one bit and see the effect.
 */
import { Cr0, Cr4, Efer, PhysicalMemoryBus } from '@x86kit/core';
import { PagingContext, PagingMode } from '../paging-context.js';

/** The linear address mapped by {@link chain}: PDE/PTE indexes are nonzero in every mode. */
export const LA = 0x00c01000;
/** Its physical frame. */
export const FRAME = 0x80000;
const ALL = 0x7; // P | RW | US

export interface Chain {
  mem: PhysicalMemoryBus;
  ctx: PagingContext;
  /** Physical address of each entry used, top level first (PAE: the PDPTE first). */
  entries: number[];
}

/** Build tables translating LA → FRAME with P|RW|US at every level, under `mode`. */
export function chain(mode: PagingMode, maxPhyAddr = 40): Chain {
  const mem = new PhysicalMemoryBus();
  mem.mapRam(0, 1 << 20);
  const ctx = new PagingContext({ maxPhyAddr });
  ctx.cr0 = mode === PagingMode.None ? Cr0.PE : (Cr0.PE | Cr0.PG);
  ctx.cr4 = mode >= PagingMode.Pae ? Cr4.PAE : 0;
  if (mode === PagingMode.Long5) ctx.cr4 |= Cr4.LA57;
  ctx.efer = mode >= PagingMode.Long4 ? Efer.LME | Efer.LMA : 0;
  ctx.cachePdptes = false;
  const entries: number[] = [];
  if (mode === PagingMode.Legacy32) {
    ctx.cr3 = 0x1000;
    entries.push(0x1000 + (LA >>> 22) * 4, 0x2000 + ((LA >>> 12) & 0x3ff) * 4);
    mem.write32(entries[0], 0x2000 | ALL);
    mem.write32(entries[1], FRAME | ALL);
  } else if (mode === PagingMode.Pae) {
    ctx.cr3 = 0x1000;
    entries.push(0x1000 + (LA >>> 30) * 8, 0x2000 + ((LA >>> 21) & 0x1ff) * 8, 0x3000 + ((LA >>> 12) & 0x1ff) * 8);
    mem.write32(entries[0], 0x2000 | 1);
    mem.write32(entries[1], 0x3000 | ALL);
    mem.write32(entries[2], FRAME | ALL);
  } else if (mode >= PagingMode.Long4) {
    const levels = mode === PagingMode.Long5 ? 5 : 4;
    ctx.cr3 = 0x1000;
    for (let l = levels; l >= 1; l--) {
      const table = 0x1000 * (levels - l + 1);
      const idx = l >= 3 ? 0 : l === 2 ? (LA >>> 21) & 0x1ff : (LA >>> 12) & 0x1ff;
      entries.push(table + idx * 8);
      mem.write32(table + idx * 8, (l === 1 ? FRAME : table + 0x1000) | ALL);
    }
  }
  ctx.update();
  return { mem, ctx, entries };
}
