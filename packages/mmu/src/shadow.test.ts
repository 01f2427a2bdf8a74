import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Cr0, Cr4, Efer, PfErr, Pte } from '@x86kit/core';
import { Access, PagingMode } from './paging-context.js';
import { Mmu } from './mmu.js';
import { OffsetGpaMap, ShadowOutcome, ShadowPager } from './shadow.js';
import { refWalk, type RefCtx, type RefMode } from './__fixtures__/reference-walker.js';
import { FlatMemory, Rng, fillForest } from './__fixtures__/forest.js';
import { FULL } from './__fixtures__/env.js';

/** Host layout: shadow pool at 0 (64 pages), guest RAM (gPA 0..) at 1 MiB. */
const GUEST = 0x100000;
const POOL = 64;
function machine(guestPages: number, pool = POOL, policy: 'zap' | 'update' = 'update') {
  const host = new FlatMemory(GUEST + guestPages * 4096);
  const map = new OffsetGpaMap(GUEST, guestPages * 4096);
  const mmu = new Mmu({ memory: host, tlbBits: 6 });
  const pager = new ShadowPager({ host, map, mmu, pool: { base: 0, pages: pool }, ptWritePolicy: policy });
  return { host, map, mmu, pager };
}
type M = ReturnType<typeof machine>;
const MODE_BITS: Record<number, { cr0: number; cr4: number; efer: number }> = {
  [PagingMode.None]: { cr0: Cr0.PE, cr4: 0, efer: 0 },
  [PagingMode.Legacy32]: { cr0: Cr0.PE | Cr0.PG, cr4: 0, efer: 0 },
  [PagingMode.Pae]: { cr0: Cr0.PE | Cr0.PG, cr4: Cr4.PAE, efer: 0 },
  [PagingMode.Long4]: { cr0: Cr0.PE | Cr0.PG, cr4: Cr4.PAE, efer: Efer.LME | Efer.LMA },
  [PagingMode.Long5]: { cr0: Cr0.PE | Cr0.PG, cr4: Cr4.PAE | Cr4.LA57, efer: Efer.LME | Efer.LMA },
};
function boot(m: M, mode: PagingMode, cr3: number, extra: { cr0?: number; cr4?: number; efer?: number } = {}): void {
  const b = MODE_BITS[mode];
  const g = m.pager.guestCtx;
  g.cr0 = b.cr0 | (extra.cr0 ?? 0); g.cr4 = b.cr4 | (extra.cr4 ?? 0); g.efer = b.efer | (extra.efer ?? 0); g.cr3 = cr3;
  m.pager.guestControlChanged();
}
type Result = { kind: 'ok'; pa: number } | { kind: 'fault'; ec: number } | { kind: 'emulate'; gpa: number } | { kind: 'mmio'; gpa: number };
/** What a CPU + monitor do for one access: translate on the shadow, let the pager handle faults, retry. */
function access(m: M, laLo: number, laHi: number, acc: number): Result {
  for (let n = 0; n < 8; n++) {
    const pa = m.mmu.translate(laLo, laHi, acc);
    if (pa >= 0) return { kind: 'ok', pa };
    const o = m.pager.handleFault(laLo, laHi, acc);
    if (o === ShadowOutcome.GuestFault) return { kind: 'fault', ec: m.pager.guestErrorCode };
    if (o === ShadowOutcome.EmulateWrite) return { kind: 'emulate', gpa: m.pager.faultGpa };
    if (o === ShadowOutcome.Mmio) return { kind: 'mmio', gpa: m.pager.faultGpa };
  }
  throw new Error('no progress');
}

/** Guest 4-level tables: PML4 @0x1000, PDPT @0x2000, PD @0x3000, PT @0x4000; LA 0x00c01000 → gPA 0x8000. */
const LA = 0x00c01000;
function guest4(m: M): void {
  const w = (gpa: number, v: number): void => m.host.write32(GUEST + gpa, v);
  w(0x1000, 0x2000 | 7); w(0x2000, 0x3000 | 7); w(0x3000 + 6 * 8, 0x4000 | 7); w(0x4000 + 1 * 8, 0x8000 | 7);
  w(0x4000 + 2 * 8, 0x4000 | 7); // LA + 0x1000 maps the guest PT itself (a self-map)
}

describe('shadow paging, hand-computed counts', () => {
  test('first access: one hidden fault builds 4 shadow pages; then TLB/shadow hits', () => {
    const m = machine(64);
    guest4(m);
    boot(m, PagingMode.Long4, 0x1000);
    const c = m.pager.counters;
    expect(c.get('pagesBuilt')).toBe(1); // the root
    expect(access(m, LA + 5, 0, Access.Read)).toEqual({ kind: 'ok', pa: GUEST + 0x8005 });
    expect(c.get('hiddenFaults')).toBe(1);
    expect(c.get('pagesBuilt')).toBe(4);
    expect(c.get('guestWalks')).toBe(1);
    expect(access(m, LA + 6, 0, Access.Read | Access.User)).toEqual({ kind: 'ok', pa: GUEST + 0x8006 });
    expect(c.get('hiddenFaults')).toBe(1);
    // Guest A flags set by the pager's guest walk; D not yet.
    expect(m.host.read32(GUEST + 0x4008) & (Pte.A | Pte.D)).toBe(Pte.A);
    // First write: shadow leaf was read-only to emulate D → one more hidden ("dirty") fault.
    expect(access(m, LA, 0, Access.Write)).toEqual({ kind: 'ok', pa: GUEST + 0x8000 });
    expect(c.get('hiddenFaults')).toBe(2);
    expect(c.get('dirtyFaults')).toBe(1);
    expect(m.host.read32(GUEST + 0x4008) & Pte.D).toBe(Pte.D);
    expect(c.get('trueFaults')).toBe(0);
  });
  test('true faults are reflected with the guest error code', () => {
    const m = machine(64);
    guest4(m);
    boot(m, PagingMode.Long4, 0x1000, { cr0: Cr0.WP });
    expect(access(m, 0x40000000, 0, Access.Write | Access.User)).toEqual({ kind: 'fault', ec: PfErr.W | PfErr.U });
    m.host.write32(GUEST + 0x4008, 0x8000 | 5); // read-only PTE (before it is shadowed)
    expect(access(m, LA, 0, Access.Write)).toEqual({ kind: 'fault', ec: PfErr.P | PfErr.W });
    expect(m.pager.counters.get('trueFaults')).toBe(2);
  });
  test('tracing: a write to a guest page table is a tracing fault; the emulated store zaps the shadow', () => {
    const m = machine(64);
    guest4(m);
    boot(m, PagingMode.Long4, 0x1000);
    expect(access(m, LA, 0, Access.Read).kind).toBe('ok');
    // LA + 0x1000 maps gPA 0x4000, the guest PT: reads are fine, writes are traced.
    expect(access(m, LA + 0x1000, 0, Access.Read)).toEqual({ kind: 'ok', pa: GUEST + 0x4000 });
    expect(access(m, LA + 0x1008, 0, Access.Write)).toEqual({ kind: 'emulate', gpa: 0x4008 });
    expect(m.pager.counters.get('tracingFaults')).toBe(1);
    // The monitor emulates "mov [LA+0x1008], 0x9007": remap LA → gPA 0x9000.
    m.pager.writeGuest32(0x4008, 0x9000 | 7);
    expect(m.pager.counters.get('ptWrites')).toBe(1);
    expect(m.pager.counters.get('zaps')).toBe(1); // A = 0 in the new PTE: zapped even under 'update'
    expect(access(m, LA, 0, Access.Read)).toEqual({ kind: 'ok', pa: GUEST + 0x9000 });
    expect(m.pager.counters.get('hiddenFaults')).toBe(3);
    // An accessed, dirty PTE is re-derived in place: no hidden fault follows.
    m.pager.writeGuest32(0x4008, 0xa000 | 7 | Pte.A | Pte.D);
    expect(m.pager.counters.get('updates')).toBe(1);
    expect(access(m, LA, 0, Access.Write)).toEqual({ kind: 'ok', pa: GUEST + 0xa000 });
    expect(m.pager.counters.get('hiddenFaults')).toBe(3);
    // Under 'zap' the same store costs a hidden fault.
    const z = machine(64, POOL, 'zap');
    guest4(z);
    boot(z, PagingMode.Long4, 0x1000);
    access(z, LA, 0, Access.Read);
    z.pager.writeGuest32(0x4008, 0xa000 | 7 | Pte.A | Pte.D);
    expect(z.pager.counters.get('updates')).toBe(0);
    expect(access(z, LA, 0, Access.Write)).toEqual({ kind: 'ok', pa: GUEST + 0xa000 });
    expect(z.pager.counters.get('hiddenFaults')).toBe(2);
  });
  test('a page becoming a page table is write-protected in existing shadow mappings', () => {
    const m = machine(64);
    guest4(m);
    m.host.write32(GUEST + 0x4000 + 3 * 8, 0x5000 | 7); // LA+0x2000 → gPA 0x5000 (data, for now)
    boot(m, PagingMode.Long4, 0x1000);
    expect(access(m, LA + 0x2000, 0, Access.Write).kind).toBe('ok');
    // The guest turns page 0x5000 into a page table: PD[7] → 0x5000, and touches through it.
    m.pager.writeGuest32(0x3000 + 7 * 8, 0x5000 | 7);
    m.host.write32(GUEST + 0x5000, 0x8000 | 7);
    expect(access(m, 0x00e00000, 0, Access.Read)).toEqual({ kind: 'ok', pa: GUEST + 0x8000 });
    expect(m.pager.counters.get('writeProtects')).toBe(1);
    expect(access(m, LA + 0x2000, 0, Access.Write)).toEqual({ kind: 'emulate', gpa: 0x5000 });
  });
  test('shadow roots are cached per guest CR3', () => {
    const m = machine(64);
    guest4(m);
    m.host.write32(GUEST + 0x6000, 0x2000 | 7); // a second address space sharing the PDPT
    boot(m, PagingMode.Long4, 0x1000);
    access(m, LA, 0, Access.Read);
    m.pager.setGuestCr3(0x6000);
    expect(access(m, LA, 0, Access.Read)).toEqual({ kind: 'ok', pa: GUEST + 0x8000 });
    const c = m.pager.counters;
    expect(c.get('pagesBuilt')).toBe(5); // new root only: the PDPT/PD/PT shadows are shared
    m.pager.setGuestCr3(0x1000);
    expect(c.get('rootHits')).toBe(1);
    expect(c.get('cr3Switches')).toBe(3);
    expect(access(m, LA, 0, Access.Read).kind).toBe('ok');
    expect(c.get('hiddenFaults')).toBe(2);
  });
  test('MMIO pages, guest CR0.WP = 0 emulation, paging off, 2 MiB and 4 MiB guest pages', () => {
    const m = machine(64);
    guest4(m);
    m.host.write32(GUEST + 0x4000 + 4 * 8, 0xfee00000 | 7);
    boot(m, PagingMode.Long4, 0x1000);
    expect(access(m, LA + 0x3000, 0, Access.Read)).toEqual({ kind: 'mmio', gpa: 0xfee00000 });
    m.host.write32(GUEST + 0x4000 + 5 * 8, 0xa000 | 5 | Pte.D);
    expect(access(m, LA + 0x4000, 0, Access.Write)).toEqual({ kind: 'emulate', gpa: 0xa000 });
    expect(m.pager.counters.get('wpEmulations')).toBe(1);
    m.host.write32(GUEST + 0x3000 + 8 * 8, 0x00000000 | 0x80 | 7); // PD[8]: 2 MiB page at gPA 0
    expect(access(m, 0x01003123, 0, Access.Read)).toEqual({ kind: 'ok', pa: GUEST + 0x3123 });
    const off = machine(64);
    boot(off, PagingMode.None, 0);
    expect(access(off, 0x7123, 0, Access.Write)).toEqual({ kind: 'ok', pa: GUEST + 0x7123 });
    const p32 = machine(64);
    p32.host.write32(GUEST + 0x1000 + 3 * 4, 0x00000000 | 0x80 | 7); // PDE[3]: 4 MiB page at 0
    boot(p32, PagingMode.Legacy32, 0x1000, { cr4: Cr4.PSE });
    expect(access(p32, 0x00c2a004, 0, Access.Write | Access.User)).toEqual({ kind: 'ok', pa: GUEST + 0x2a004 });
  });
  test('pool exhaustion resets the shadow and carries on', () => {
    const m = machine(64, 16);
    // 32-bit guest: 16 page tables, each mapping its 4 MiB region's first page.
    for (let i = 0; i < 16; i++) {
      m.host.write32(GUEST + 0x1000 + i * 4, (0x2000 + i * 0x1000) | 7);
      m.host.write32(GUEST + 0x2000 + i * 0x1000, 0x30000 | 7);
    }
    boot(m, PagingMode.Legacy32, 0x1000);
    for (let i = 0; i < 16; i++) expect(access(m, i << 22, 0, Access.Read)).toEqual({ kind: 'ok', pa: GUEST + 0x30000 });
    expect(m.pager.counters.get('resets')).toBe(2); // one at boot, one on exhaustion
    expect(m.pager.pagesInUse).toBeLessThanOrEqual(16);
  });
});

const REF: RefMode[] = ['none', '32', 'pae', '4', '5'];
describe('property: shadow translation ≡ guest translation', () => {
  const PAGES = 24;
  const op = fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('acc' as const), lo: fc.integer({ min: -0x80000000, max: 0x7fffffff }), hi: fc.integer({ min: 0, max: 0x1ffffff }), kind: fc.constantFrom(0, 1, 2), user: fc.boolean(), reuse: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('pt' as const), word: fc.integer({ min: 0, max: PAGES * 1024 - 1 }), v: fc.integer() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('cr3' as const), page: fc.integer({ min: 0, max: PAGES - 1 }) }) },
  );
  test.prop([
    fc.integer({ min: 1 }), fc.constantFrom(PagingMode.None, PagingMode.Legacy32, PagingMode.Pae, PagingMode.Long4, PagingMode.Long5),
    fc.record({ wp: fc.boolean(), pse: fc.boolean(), nxe: fc.boolean(), smep: fc.boolean(), pge: fc.boolean() }),
    fc.array(op, { minLength: 1, maxLength: 30 }), fc.constantFrom('zap' as const, 'update' as const),
  ], { numRuns: FULL ? 2000 : 150 })('every access: same physical frame or same guest #PF; guest A/D identical', (seed, mode, f, ops, policy) => {
    const m = machine(PAGES, POOL, policy);
    const ref = new FlatMemory(PAGES * 4096);
    const rng = new Rng(seed);
    fillForest(ref, rng, { pages: PAGES, wide: mode >= PagingMode.Pae, maxPhy: 40 });
    m.host.load(GUEST, ref.bytes);
    const rootPage = rng.below(PAGES);
    boot(m, mode, rootPage * 4096, { cr0: f.wp ? Cr0.WP : 0, cr4: (f.pse ? Cr4.PSE : 0) | (f.smep ? Cr4.SMEP : 0) | (f.pge ? Cr4.PGE : 0), efer: f.nxe ? Efer.NXE : 0 });
    const rc: RefCtx = { mode: REF[mode], cr3: BigInt(rootPage * 4096), wp: f.wp, pse: f.pse, pge: f.pge, nxe: f.nxe && mode >= PagingMode.Pae,
      smep: f.smep, smap: false, pke: false, ac: false, pkru: 0, maxPhy: 40 };
    const recent: number[] = [LA];
    for (const o of ops) {
      if (o.t === 'pt') {
        const gpa = o.word * 4;
        m.pager.writeGuest32(gpa, o.v);
        ref.write32(gpa, o.v);
        continue;
      }
      if (o.t === 'cr3') {
        if (mode === PagingMode.None) continue;
        m.pager.setGuestCr3(o.page * 4096);
        rc.cr3 = BigInt(o.page * 4096);
        // Global translations legitimately survive MOV CR3 (the reference has no TLB): a guest
        // that changes its global mappings flushes them itself, e.g. by toggling CR4.PGE.
        if (f.pge) m.mmu.tlb.flushAll();
        continue;
      }
      const laLo = o.reuse < recent.length && o.reuse < 3 ? recent[o.reuse] : o.lo;
      recent.unshift(laLo);
      const laHi = mode >= PagingMode.Long4 ? o.hi & (mode === PagingMode.Long5 ? 0x1ffffff : 0xffff) : 0;
      const acc = [Access.Read, Access.Write, Access.Fetch][o.kind] | (o.user ? Access.User : 0);
      const got = access(m, laLo, laHi, acc);
      const la = BigInt(laLo >>> 0) | (BigInt(laHi) << 32n);
      const want = refWalk(ref, rc, la, { write: o.kind === 1, fetch: o.kind === 2, user: o.user, implicit: false });
      if (!want.ok) {
        expect(got).toEqual({ kind: 'fault', ec: want.ec });
        continue;
      }
      const gpa = Number(want.pa);
      if (gpa >= PAGES * 4096) {
        expect(got).toEqual({ kind: 'mmio', gpa });
      } else if (got.kind === 'emulate') {
        expect(o.kind).toBe(1);
        expect(got.gpa).toBe(gpa);
        expect(m.pager.traced(gpa) || (!f.wp && !o.user)).toBe(true);
      } else {
        expect(got).toEqual({ kind: 'ok', pa: GUEST + gpa });
        if (o.kind === 1) expect(m.pager.traced(gpa)).toBe(false);
      }
    }
    const guestNow = new Uint8Array(PAGES * 4096);
    m.host.readBytes(GUEST, guestNow);
    let same = true;
    for (let i = 0; i < guestNow.length; i++) if (guestNow[i] !== ref.bytes[i]) { same = false; break; }
    expect(same).toBe(true);
  });
});
