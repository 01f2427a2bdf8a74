/**
 * Property tests: the walker and the TLB-backed Mmu against the deliberately simple reference
 * walker on random page-table forests, for every mode and random control bits and accesses.
 * Memory side effects (A/D flags) are compared too.
 */
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Cr0, Cr4, Efer, PfErr } from '@x86kit/core';
import { Access, PagingContext, PagingMode } from './paging-context.js';
import { PageFlags, PageWalker, WalkResult, WalkStatus } from './walker.js';
import { Mmu, TranslateFault } from './mmu.js';
import { refWalk, type RefCtx, type RefMode } from './__fixtures__/reference-walker.js';
import { FlatMemory, FlatRamMemory, Rng, fillForest } from './__fixtures__/forest.js';

const makeBus = (n: number): FlatMemory => new FlatMemory(n);

const PAGES = 24;
import { FULL } from './__fixtures__/env.js';
const RUNS = FULL ? 5000 : 300;
const REF_MODE: RefMode[] = ['none', '32', 'pae', '4', '5'];

const ctxArb = fc.record({
  mode: fc.constantFrom(PagingMode.Legacy32, PagingMode.Pae, PagingMode.Long4, PagingMode.Long5, PagingMode.None),
  wp: fc.boolean(), pse: fc.boolean(), pge: fc.boolean(), nxe: fc.boolean(), smep: fc.boolean(),
  smap: fc.boolean(), pke: fc.boolean(), ac: fc.boolean(), pkru: fc.integer(), maxPhy: fc.constantFrom(36, 40, 46, 52),
  root: fc.integer({ min: 0, max: PAGES - 1 }), seed: fc.integer({ min: 1 }),
});
type CtxSpec = typeof ctxArb extends fc.Arbitrary<infer T> ? T : never;
const accessArb = fc.record({
  laLo: fc.integer({ min: -0x80000000, max: 0x7fffffff }), laHi: fc.integer({ min: 0, max: 0x1ffffff }),
  kind: fc.constantFrom(0, 1, 2), user: fc.boolean(), implicit: fc.boolean(),
});
type AccSpec = typeof accessArb extends fc.Arbitrary<infer T> ? T : never;

function makeCtx(s: CtxSpec): { ctx: PagingContext; ref: RefCtx } {
  const ctx = new PagingContext({ maxPhyAddr: s.maxPhy });
  const m = s.mode;
  ctx.cr0 = Cr0.PE | (m !== PagingMode.None ? Cr0.PG : 0) | (s.wp ? Cr0.WP : 0);
  ctx.cr4 = (m >= PagingMode.Pae ? Cr4.PAE : 0) | (m === PagingMode.Long5 ? Cr4.LA57 : 0) | (s.pse ? Cr4.PSE : 0) |
    (s.pge ? Cr4.PGE : 0) | (s.smep ? Cr4.SMEP : 0) | (s.smap ? Cr4.SMAP : 0) | (s.pke ? Cr4.PKE : 0);
  ctx.efer = (m >= PagingMode.Long4 ? Efer.LME | Efer.LMA : 0) | (s.nxe ? Efer.NXE : 0);
  ctx.cr3 = s.root * 4096 + (m === PagingMode.Pae ? (s.seed & 0x7f) * 32 : 0);
  ctx.ac = s.ac;
  ctx.pkru = s.pkru;
  ctx.cachePdptes = false;
  ctx.update();
  const ref: RefCtx = {
    mode: REF_MODE[m], cr3: BigInt(ctx.cr3), wp: s.wp, pse: s.pse, pge: s.pge, nxe: s.nxe && m >= PagingMode.Pae,
    smep: s.smep, smap: s.smap, pke: s.pke, ac: s.ac, pkru: s.pkru, maxPhy: s.maxPhy,
  };
  return { ctx, ref };
}
function accessOf(a: AccSpec): number {
  return (a.kind === 1 ? Access.Write : a.kind === 2 ? Access.Fetch : 0) |
    (a.user ? Access.User : a.implicit ? Access.Implicit : 0);
}
function laOf(mode: number, a: AccSpec): bigint {
  const lo = BigInt(a.laLo >>> 0);
  if (mode < PagingMode.Long4) return lo;
  return lo | (BigInt(mode === PagingMode.Long5 ? a.laHi : a.laHi & 0xffff) << 32n);
}
function forest(s: CtxSpec, direct = false) {
  const wide = s.mode >= PagingMode.Pae;
  const a = direct ? new FlatRamMemory(PAGES * 4096) : makeBus(PAGES * 4096), b = makeBus(PAGES * 4096);
  fillForest(a, new Rng(s.seed), { pages: PAGES, wide, maxPhy: s.maxPhy });
  fillForest(b, new Rng(s.seed), { pages: PAGES, wide, maxPhy: s.maxPhy });
  return { a, b };
}
function sameMemory(a: ReturnType<typeof makeBus>, b: ReturnType<typeof makeBus>): boolean {
  const x = a.bytes, y = b.bytes;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

describe('walker ≡ reference walker on random forests', () => {
  test.prop([ctxArb, fc.array(accessArb, { minLength: 1, maxLength: 12 })], { numRuns: RUNS })('walk', (s, accesses) => {
    const { ctx, ref } = makeCtx(s);
    const { a, b } = forest(s);
    const walker = new PageWalker(a);
    const r = new WalkResult();
    for (const acc of accesses) {
      const la = laOf(s.mode, acc);
      const laHi = Number(la >> 32n);
      const access = accessOf(acc);
      const st = walker.walk(ctx, acc.laLo, laHi, access, r);
      const want = refWalk(b, ref, la, { write: acc.kind === 1, fetch: acc.kind === 2, user: acc.user, implicit: !acc.user && acc.implicit });
      if (want.ok) {
        expect(st).toBe(WalkStatus.Ok);
        expect(BigInt(r.pa)).toBe(want.pa);
        expect((r.perm & PageFlags.Global) !== 0).toBe(want.global);
        expect(2 ** r.pageShift).toBe(want.size);
      } else {
        expect(st).toBe(WalkStatus.PageFault);
        expect(r.errorCode).toBe(want.ec);
      }
    }
    expect(sameMemory(a, b)).toBe(true);
  });

  test.prop([ctxArb, fc.array(accessArb, { minLength: 1, maxLength: 24 })], { numRuns: RUNS })(
    'Mmu.translate (TLB in front) ≡ fresh reference walk, including A/D side effects',
    (s, accesses) => {
      const { ref } = makeCtx(s);
      const { a, b } = forest(s, true); // the walker reads entries through ramPage() here
      const mmu = new Mmu({ memory: a, tlbBits: 4, maxPhyAddr: s.maxPhy });
      const c = mmu.ctx;
      const { ctx } = makeCtx(s);
      c.cr0 = ctx.cr0; c.cr4 = ctx.cr4; c.efer = ctx.efer; c.ac = ctx.ac; c.cachePdptes = false;
      mmu.setPkru(ctx.pkru);
      mmu.controlRegistersChanged();
      mmu.loadCr3(ctx.cr3);
      // Repeat the access list so that the second round hits the TLB.
      for (const acc of [...accesses, ...accesses]) {
        const la = laOf(s.mode, acc);
        const laHi = Number(la >> 32n);
        const access = accessOf(acc);
        let pa = mmu.tlb.lookup(acc.laLo, s.mode >= PagingMode.Long4 ? laHi : 0, access);
        if (pa < 0) pa = mmu.translate(acc.laLo, laHi, access);
        const want = refWalk(b, ref, la, { write: acc.kind === 1, fetch: acc.kind === 2, user: acc.user, implicit: !acc.user && acc.implicit });
        if (want.ok) {
          expect(BigInt(pa)).toBe(want.pa);
        } else {
          expect(pa).toBe(TranslateFault.PageFault);
          expect(mmu.errorCode).toBe(want.ec);
          expect(mmu.cr2Lo).toBe(acc.laLo);
        }
      }
      expect(sameMemory(a, b)).toBe(true);
    },
  );
});

test('error-code bits seen across the random runs cover P, W, U, RSVD, I, PK', () => {
  // A fixed sweep over seeds guards against a generator that never produces some fault kind.
  let seen = 0, ok = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const s: CtxSpec = { mode: PagingMode.Long4, wp: true, pse: true, pge: true, nxe: (seed & 1) === 1, smep: true, smap: true,
      pke: true, ac: false, pkru: 0x55555555 & -seed, maxPhy: 40, root: seed % PAGES, seed };
    const { ctx } = makeCtx(s);
    const { a } = forest(s);
    const w = new PageWalker(a); const r = new WalkResult(); const rng = new Rng(seed);
    for (let i = 0; i < 200; i++) {
      const access = [Access.Read, Access.Write, Access.Fetch][i % 3] | (i & 4 ? Access.User : 0);
      if (w.walk(ctx, rng.next() | 0, rng.next() & 0xffff, access, r) === WalkStatus.PageFault) seen |= r.errorCode; else ok++;
    }
  }
  expect(ok).toBeGreaterThan(500);
  expect(seen & (PfErr.P | PfErr.W | PfErr.U | PfErr.RSVD | PfErr.I | PfErr.PK)).toBe(PfErr.P | PfErr.W | PfErr.U | PfErr.RSVD | PfErr.I | PfErr.PK);
});
