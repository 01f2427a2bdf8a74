/**
 * MMU throughput: inline TLB hits (anchor: a plain Int32Array read with the same index math,
 * measured in the same run), Mmu.translate on cached entries, page walks per mode, 2D walks
 * (NPT 4-on-4 with and without the nested TLB), and shadow-fault resolution.
 */
import { BenchSuite } from '@x86kit/bench';
import { Cr0, Cr4, Efer, PhysicalMemoryBus } from '@x86kit/core';
import {
  Access, Mmu, NestedFormat, NestedPaging, OffsetGpaMap, PageWalker, PagingContext, PagingMode, ShadowOutcome, ShadowPager, Tlb, WalkResult,
} from './index.js';

const N = 1 << 20;
const PAGES = 256; // 1 MiB of mapped linear space at 0x40000000
const BASE = 0x40000000;
let sink = 0;

/** Tables mapping BASE.. (PAGES pages) → 0x800000.. in `mode`, at 0x100000.. of `mem` (+ `off`). */
function buildTables(mem: { write32(pa: number, v: number): void }, mode: PagingMode, off = 0): PagingContext {
  const ctx = new PagingContext();
  const w = (pa: number, v: number): void => mem.write32(pa + off, v);
  const A = 0x60 | 7; // P RW US A D
  ctx.cr0 = Cr0.PE | Cr0.PG;
  if (mode === PagingMode.Legacy32) {
    w(0x100000 + (BASE >>> 22) * 4, 0x101000 | A);
    for (let i = 0; i < PAGES; i++) w(0x101000 + i * 4, (0x800000 + i * 4096) | A);
  } else {
    ctx.cr4 = Cr4.PAE | (mode === PagingMode.Long5 ? Cr4.LA57 : 0);
    ctx.efer = mode >= PagingMode.Long4 ? Efer.LME | Efer.LMA : 0;
    let table = 0x100000;
    const top = mode === PagingMode.Pae ? 3 : mode === PagingMode.Long5 ? 5 : 4;
    for (let l = top; l > 1; l--) {
      const idx = l === 3 ? BASE >>> 30 : l === 2 ? (BASE >>> 21) & 0x1ff : 0;
      w(table + idx * 8, (table + 0x1000) | (mode === PagingMode.Pae && l === 3 ? 1 : A));
      table += 0x1000;
    }
    for (let i = 0; i < PAGES; i++) w(table + i * 8, (0x800000 + i * 4096) | A);
  }
  ctx.cr3 = 0x100000;
  ctx.cachePdptes = false;
  ctx.update();
  return ctx;
}

const suite = new BenchSuite('mmu');

// ---- TLB hits ----
const mem = new PhysicalMemoryBus();
mem.mapRam(0, 16 << 20);
const ctx4 = buildTables(mem, PagingMode.Long4);
const mmu = new Mmu({ memory: mem, tlbBits: 10 });
Object.assign(mmu.ctx, { cr0: ctx4.cr0, cr4: ctx4.cr4, efer: ctx4.efer, cachePdptes: false });
mmu.controlRegistersChanged();
mmu.loadCr3(ctx4.cr3);
for (let i = 0; i < PAGES; i++) mmu.translate(BASE + i * 4096, 0, Access.Write);
const tlb = mmu.tlb;
const kind = Tlb.kindOf(Access.Read | Access.User);
const plain = new Int32Array(tlb.size);
/** The interpreter's inline hit test, arrays passed in as a CPU would hold them in fields. */
function hitLoop(hot: Int32Array, hi: Int32Array, frame: Float64Array, bits: number, mask: number, k: number): number {
  let x = 12345, s = 0;
  for (let i = 0; i < N; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    const la = (BASE + ((x >>> 8) & (PAGES * 4096 - 1))) | 0;
    const j = (la >>> 12) & mask;
    if (hot[(k << bits) | j] === (la & -4096) && hi[j] === 0) s += frame[j] + (la & 0xfff);
    else s -= 1;
  }
  return s;
}
/** Anchor: one Int32Array read with the same address arithmetic, array passed the same way. */
function plainLoop(arr: Int32Array, mask: number): number {
  let x = 12345, s = 0;
  for (let i = 0; i < N; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    const la = (BASE + ((x >>> 8) & (PAGES * 4096 - 1))) | 0;
    s += arr[(la >>> 12) & mask] + (la & 0xfff);
  }
  return s;
}
suite.rate(
  { name: 'TLB hit, inline (hot tag + vpnHi compare)', unit: 'Mlookups/s', work: N / 1e6,
    fn: () => { sink += hitLoop(tlb.hot, tlb.vpnHi, tlb.frame, tlb.bits, tlb.mask, kind); } },
  { name: 'Int32Array read, same index math (anchor)', unit: 'Mlookups/s', work: N / 1e6,
    fn: () => { sink += plainLoop(plain, plain.length - 1); } },
);
suite.rate({ name: 'Tlb.lookup (method, counted)', unit: 'Mlookups/s', work: N / 1e6, fn: () => {
  let x = 12345, s = 0;
  for (let i = 0; i < N; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    s += tlb.lookup((BASE + ((x >>> 8) & (PAGES * 4096 - 1))) | 0, 0, Access.Read | Access.User);
  }
  sink += s;
} });
suite.rate({ name: 'Mmu.translate, translation cached (call + hot check)', unit: 'Mtranslations/s', work: N / 1e6, fn: () => {
  let x = 12345, s = 0;
  for (let i = 0; i < N; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    s += mmu.translate((BASE + ((x >>> 8) & (PAGES * 4096 - 1))) | 0, 0, Access.Read | Access.Implicit);
  }
  sink += s;
} });

// ---- page walks per mode ----
const W = 1 << 16;
for (const [mode, name] of [[PagingMode.Legacy32, '32-bit'], [PagingMode.Pae, 'PAE'], [PagingMode.Long4, '4-level'], [PagingMode.Long5, '5-level']] as const) {
  const m = new PhysicalMemoryBus();
  m.mapRam(0, 16 << 20);
  const ctx = buildTables(m, mode);
  const walker = new PageWalker(m);
  const r = new WalkResult();
  suite.rate({ name: `page walk, ${name} (4 KiB leaf, A/D already set)`, unit: 'Mwalks/s', work: W / 1e6, fn: () => {
    let s = 0;
    for (let i = 0; i < W; i++) { walker.walk(ctx, (BASE + ((i & (PAGES - 1)) << 12)) | 0, 0, Access.Write, r); s += r.pa; }
    sink += s;
  } });
}

// ---- 2D walks (NPT, 4-level guest over 4-level nested, identity + 4 MiB) ----
for (const tlbBits of [0, 8]) {
  const host = new PhysicalMemoryBus();
  host.mapRam(0, 32 << 20);
  // Nested: gPA 0..16 MiB → hPA 16 MiB.. with 4 KiB leaves (tables at hPA 0x10000..).
  host.write32(0x10000, 0x11000 | 0x67); host.write32(0x11000, 0x12000 | 0x67);
  for (let d = 0; d < 8; d++) {
    host.write32(0x12000 + d * 8, (0x20000 + d * 0x1000) | 0x67);
    for (let p = 0; p < 512; p++) host.write32(0x20000 + d * 0x1000 + p * 8, ((16 << 20) + (d * 512 + p) * 4096) | 0x67);
  }
  const np = new NestedPaging({ memory: host, format: NestedFormat.Npt, tlbBits });
  np.setRoot(0x10000);
  const ctx = buildTables(host, PagingMode.Long4, 16 << 20);
  const walker = new PageWalker(host, np);
  const r = new WalkResult();
  suite.rate({ name: `2D walk, NPT 4-on-4, nested TLB ${tlbBits === 0 ? 'off (24 refs)' : 'on'}`, unit: 'Mwalks/s', work: W / 1e6, fn: () => {
    let s = 0;
    for (let i = 0; i < W; i++) { walker.walk(ctx, (BASE + ((i & (PAGES - 1)) << 12)) | 0, 0, Access.Read, r); s += r.memRefs; }
    sink += s;
  } });
}

// ---- shadow fault resolution ----
{
  const host = new PhysicalMemoryBus();
  host.mapRam(0, 32 << 20);
  const map = new OffsetGpaMap(16 << 20, 16 << 20);
  const smmu = new Mmu({ memory: host, tlbBits: 10 });
  const pager = new ShadowPager({ host, map, mmu: smmu, pool: { base: 0, pages: 1024 } });
  const gctx = buildTables(pager.guest, PagingMode.Long4);
  Object.assign(pager.guestCtx, { cr0: gctx.cr0, cr4: gctx.cr4, efer: gctx.efer, cr3: gctx.cr3 });
  pager.guestControlChanged();
  let faults = 0;
  suite.rate({ name: 'shadow: hidden faults resolved (4-level guest, fault + handle + retry)', unit: 'Kfaults/s', work: PAGES / 1e3, fn: () => {
    pager.reset();
    pager.setGuestCr3(gctx.cr3);
    for (let i = 0; i < PAGES; i++) {
      const la = (BASE + i * 4096) | 0;
      if (smmu.translate(la, 0, Access.Read) < 0 && pager.handleFault(la, 0, Access.Read) === ShadowOutcome.Retry) faults++;
      sink += smmu.translate(la, 0, Access.Read);
    }
  } });
  suite.record({ name: 'shadow: hidden faults counted during the run', unit: 'faults', value: pager.counters.get('hiddenFaults'), detail: { resolvedInLoop: faults } });
}

suite.finish();
if (sink === 0.5) suite.record({ name: 'sink', unit: '', value: sink });
