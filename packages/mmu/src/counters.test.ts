/**
 * Counters equal hand-computed values on random access sequences over regular mappings (where
 * the expected numbers follow from first principles, independent of the implementation).
 */
import { expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Cr0, Cr4, Efer } from '@x86kit/core';
import { Access } from './paging-context.js';
import { Mmu } from './mmu.js';
import { TlbCounter } from './tlb.js';
import { NestedFormat, NestedPaging } from './nested.js';
import { PageWalker, WalkResult } from './walker.js';
import { OffsetGpaMap, ShadowOutcome, ShadowPager } from './shadow.js';
import { FlatMemory } from './__fixtures__/forest.js';
import { FULL } from './__fixtures__/env.js';

const RUNS = FULL ? 1000 : 60;
/**
 * 4-level tables at `base` mapping linear 0..(tables × 2 MiB) with 4 KiB pages to phys `data` +
 * same offset (PML4 @base, PDPT @base+0x1000, PD @base+0x2000, PTs @base+0x3000..), A/D clear.
 */
function tables(mem: { write32(pa: number, v: number): void }, base: number, pts: number, data = 16 << 20): void {
  mem.write32(base, (base + 0x1000) | 7);
  mem.write32(base + 0x1000, (base + 0x2000) | 7);
  for (let t = 0; t < pts; t++) {
    mem.write32(base + 0x2000 + t * 8, (base + 0x3000 + t * 0x1000) | 7);
    for (let p = 0; p < 512; p++) mem.write32(base + 0x3000 + t * 0x1000 + p * 8, (data + (t * 512 + p) * 4096) | 7);
  }
}
const page = fc.record({ pt: fc.integer({ min: 0, max: 3 }), p: fc.integer({ min: 0, max: 511 }), write: fc.boolean() });

test.prop([fc.array(page, { minLength: 1, maxLength: 200 })], { numRuns: RUNS })(
  'TLB: misses = first touches + first writes to pages first read; hits = the rest; memRefs = 4 per miss',
  (seq) => {
    const mem = new FlatMemory(2 << 20); // tables only: data pages are never read
    tables(mem, 0x100000, 4);
    const mmu = new Mmu({ memory: mem, tlbBits: 12 }); // 4096 sets ≥ 2048 pages: no conflicts
    Object.assign(mmu.ctx, { cr0: Cr0.PE | Cr0.PG, cr4: Cr4.PAE, efer: Efer.LME | Efer.LMA });
    mmu.controlRegistersChanged();
    mmu.loadCr3(0x100000);
    const seen = new Map<number, boolean>(); // page → dirty
    let misses = 0, refs = 0, last = 0;
    for (const a of seq) {
      const vpn = a.pt * 512 + a.p;
      const d = seen.get(vpn);
      if (d === undefined || (a.write && !d)) misses++;
      seen.set(vpn, (d ?? false) || a.write);
      mmu.translate(vpn * 4096, 0, a.write ? Access.Write : Access.Read);
      const m = mmu.tlb.counters.values[TlbCounter.Misses];
      if (m !== last) { refs += mmu.result.memRefs; last = m; }
    }
    const c = mmu.tlb.counters;
    expect(c.get('misses')).toBe(misses);
    expect(c.get('hits')).toBe(seq.length - misses);
    expect(c.get('fills')).toBe(misses);
    expect(c.get('evictions')).toBe(0);
    expect(refs).toBe(4 * misses);
  },
);

test.prop([fc.array(page, { minLength: 1, maxLength: 120 }), fc.constantFrom(NestedFormat.Npt, NestedFormat.Ept)], { numRuns: RUNS })(
  '2D walk: exactly 24 memory references (20 nested + 4 guest) per 4-on-4 walk once guest A/D are set',
  (seq, format) => {
    const host = new FlatMemory(4 << 20);
    // Nested map gPA → gPA + 1 MiB for gPA 0..16 MiB, 4 KiB leaves (only the guest tables are read).
    const full = format === NestedFormat.Npt ? 7 : 7 | (6 << 3);
    host.write32(0x1000, 0x2000 | 7); host.write32(0x2000, 0x3000 | 7);
    for (let d = 0; d < 16; d++) {
      host.write32(0x3000 + d * 8, (0x10000 + d * 0x1000) | 7);
      for (let p = 0; p < 512; p++) host.write32(0x10000 + d * 0x1000 + p * 8, ((1 << 20) + (d * 512 + p) * 4096) | full);
    }
    const guestView = { write32: (gpa: number, v: number) => host.write32(gpa + (1 << 20), v) };
    tables(guestView, 0x100000, 4);
    for (let t = 0; t < 4; t++) for (let p = 0; p < 512; p++) guestView.write32(0x103000 + t * 0x1000 + p * 8, ((t * 512 + p) * 4096 + 0x400000) | 0x67);
    guestView.write32(0x100000, 0x101000 | 0x27); guestView.write32(0x101000, 0x102000 | 0x27);
    for (let t = 0; t < 4; t++) guestView.write32(0x102000 + t * 8, (0x103000 + t * 0x1000) | 0x27);
    const np = new NestedPaging({ memory: host, format, tlbBits: 0 });
    np.setRoot(format === NestedFormat.Npt ? 0x1000 : 0x1000 | 6 | (3 << 3));
    const ctx = new Mmu({ memory: host }).ctx;
    Object.assign(ctx, { cr0: Cr0.PE | Cr0.PG, cr4: Cr4.PAE, efer: Efer.LME | Efer.LMA, cr3: 0x100000 });
    ctx.update();
    const w = new PageWalker(host, np);
    const r = new WalkResult();
    for (const a of seq) {
      w.walk(ctx, (a.pt * 512 + a.p) * 4096, 0, Access.Read, r);
      expect(r.memRefs).toBe(24);
      expect(r.adWrites).toBe(0);
    }
    expect(np.counters.get('walks')).toBe(5 * seq.length);
    expect(np.counters.get('memRefs')).toBe(20 * seq.length);
  },
);

const smallPage = fc.record({ pt: fc.integer({ min: 0, max: 1 }), p: fc.integer({ min: 0, max: 511 }), write: fc.boolean() });
test.prop([fc.array(smallPage, { minLength: 1, maxLength: 150 })], { numRuns: RUNS })(
  'shadow: hidden faults = first touches + dirty upgrades; pages built = root + PDPT + PD + distinct PTs; no true faults',
  (seq) => {
    const host = new FlatMemory((1 << 20) + (8 << 20));
    const map = new OffsetGpaMap(1 << 20, 8 << 20);
    const mmu = new Mmu({ memory: host, tlbBits: 12 });
    const pager = new ShadowPager({ host, map, mmu, pool: { base: 0, pages: 128 } });
    tables(pager.guest, 0x100000, 4, 4 << 20);
    Object.assign(pager.guestCtx, { cr0: Cr0.PE | Cr0.PG, cr4: Cr4.PAE, efer: Efer.LME | Efer.LMA, cr3: 0x100000 });
    pager.guestControlChanged();
    const seen = new Map<number, boolean>();
    const pts = new Set<number>();
    let hidden = 0, dirty = 0;
    for (const a of seq) {
      const vpn = a.pt * 512 + a.p;
      const d = seen.get(vpn);
      if (d === undefined) hidden++;
      else if (a.write && !d) { hidden++; dirty++; }
      seen.set(vpn, (d ?? false) || a.write);
      pts.add(a.pt);
      const acc = a.write ? Access.Write : Access.Read;
      let pa = mmu.translate(vpn * 4096, 0, acc);
      if (pa < 0) {
        expect(pager.handleFault(vpn * 4096, 0, acc)).toBe(ShadowOutcome.Retry);
        pa = mmu.translate(vpn * 4096, 0, acc);
      }
      expect(pa).toBe((1 << 20) + (4 << 20) + vpn * 4096);
    }
    const c = pager.counters;
    expect(c.get('hiddenFaults')).toBe(hidden);
    expect(c.get('dirtyFaults')).toBe(dirty);
    expect(c.get('trueFaults')).toBe(0);
    expect(c.get('tracingFaults')).toBe(0);
    expect(c.get('guestWalks')).toBe(hidden);
    expect(c.get('pagesBuilt')).toBe(3 + pts.size);
    expect(c.get('cr3Switches')).toBe(1);
  },
);
