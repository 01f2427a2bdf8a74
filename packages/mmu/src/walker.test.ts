import { describe, expect, test } from 'vitest';
import { Cr0, Cr4, Efer, PfErr, Pte } from '@x86kit/core';
import { Access, PagingMode } from './paging-context.js';
import { PageFlags, PageWalker, WalkResult, WalkStatus } from './walker.js';
import { chain, FRAME, LA } from './__fixtures__/tables.js';

const MODES = [PagingMode.Legacy32, PagingMode.Pae, PagingMode.Long4, PagingMode.Long5] as const;
const NAME = ['none', '32-bit', 'PAE', '4-level', '5-level'];

function walk(c: ReturnType<typeof chain>, access: number, la = LA): { st: number; r: WalkResult } {
  const r = new WalkResult();
  const st = new PageWalker(c.mem).walk(c.ctx, la, 0, access, r);
  return { st, r };
}
const setLo = (c: ReturnType<typeof chain>, j: number, or: number, and = -1): void => {
  c.mem.write32(c.entries[j], ((c.mem.read32(c.entries[j]) & and) | or) >>> 0);
};
const setHi = (c: ReturnType<typeof chain>, j: number, or: number): void => {
  c.mem.write32(c.entries[j] + 4, (c.mem.read32(c.entries[j] + 4) | or) >>> 0);
};

describe('translation and A/D', () => {
  test('paging off: linear = physical, no memory references', () => {
    const c = chain(PagingMode.None);
    const { st, r } = walk(c, Access.Write, 0x12345678);
    expect(st).toBe(WalkStatus.Ok);
    expect(r.pa).toBe(0x12345678);
    expect(r.memRefs).toBe(0);
  });
  for (const mode of MODES) {
    test(`${NAME[mode]}: translates, counts references, sets A then D`, () => {
      const c = chain(mode);
      const { st, r } = walk(c, Access.Read, LA + 0x123);
      expect(st).toBe(WalkStatus.Ok);
      expect(r.pa).toBe(FRAME + 0x123);
      expect(r.frame).toBe(FRAME);
      expect(r.memRefs).toBe(c.entries.length);
      expect(r.perm & (PageFlags.User | PageFlags.Write | PageFlags.Dirty)).toBe(PageFlags.User | PageFlags.Write);
      c.entries.forEach((ea, j) => {
        const hasA = !(mode === PagingMode.Pae && j === 0);
        expect((c.mem.read32(ea) & Pte.A) !== 0).toBe(hasA);
        expect(c.mem.read32(ea) & Pte.D).toBe(0);
      });
      const w = walk(c, Access.Write);
      expect(w.st).toBe(WalkStatus.Ok);
      expect(c.mem.read32(c.entries[c.entries.length - 1]) & Pte.D).toBe(Pte.D);
      expect(w.r.perm & PageFlags.Dirty).toBe(PageFlags.Dirty);
      expect(w.r.adWrites).toBe(1); // only the leaf's D: the A flags were already set
    });
    test(`${NAME[mode]}: Probe walks without touching A/D`, () => {
      const c = chain(mode);
      expect(walk(c, Access.Write | Access.Probe).st).toBe(WalkStatus.Ok);
      for (const ea of c.entries) expect(c.mem.read32(ea) & (Pte.A | Pte.D)).toBe(0);
    });
    test(`${NAME[mode]}: a faulting walk sets no accessed flags`, () => {
      const c = chain(mode);
      setLo(c, c.entries.length - 1, 0, ~Pte.US);
      expect(walk(c, Access.User).st).toBe(WalkStatus.PageFault);
      for (const ea of c.entries) expect(c.mem.read32(ea) & Pte.A).toBe(0);
    });
  }
  test('large pages: 4 MiB (PSE), PSE-36 high bits, 2 MiB, 1 GiB', () => {
    const c32 = chain(PagingMode.Legacy32);
    c32.ctx.cr4 |= Cr4.PSE; c32.ctx.update();
    c32.mem.write32(c32.entries[0], 0x01c00000 | (0x12 << 13) | Pte.PS | 7);
    let w = walk(c32, Access.Read, LA + 0x5);
    expect(w.st).toBe(WalkStatus.Ok);
    expect(w.r.pa).toBe(0x12_01c00000 + (LA & 0x3fffff) + 5);
    expect(w.r.pageShift).toBe(22);
    // Without CR4.PSE the PS bit is ignored: the PDE points at a page table.
    c32.ctx.cr4 &= ~Cr4.PSE; c32.ctx.update();
    c32.mem.write32(c32.entries[0], 0x2000 | Pte.PS | 7);
    expect(walk(c32, Access.Read).r.pa).toBe(FRAME);
    const pae = chain(PagingMode.Pae);
    pae.mem.write32(pae.entries[1], 0x00e00000 | Pte.PS | 7);
    w = walk(pae, Access.Read, LA + 7);
    expect(w.r.pa).toBe(0xe00000 + (LA & 0x1fffff) + 7);
    expect(w.r.pageShift).toBe(21);
    const l4 = chain(PagingMode.Long4);
    l4.mem.write32(l4.entries[1], 0x40000000 | Pte.PS | 7);
    l4.mem.write32(l4.entries[1] + 4, 0x3);
    w = walk(l4, Access.Read, LA);
    expect(w.r.pa).toBe(0x3_40000000 + LA);
    expect(w.r.pageShift).toBe(30);
    expect(w.r.levels).toBe(2);
  });
  test('global only with CR4.PGE, at the leaf', () => {
    const c = chain(PagingMode.Long4);
    setLo(c, 3, Pte.G);
    expect(walk(c, Access.Read).r.perm & PageFlags.Global).toBe(0);
    c.ctx.cr4 |= Cr4.PGE; c.ctx.update();
    expect(walk(c, Access.Read).r.perm & PageFlags.Global).toBe(PageFlags.Global);
  });
  test('4-level index bits come from laHi (bits 47:32)', () => {
    const c = chain(PagingMode.Long4);
    // PML4[1] -> same PDPT; PDPT[3]... map la = 0x0000_0080_c0c0_1000: PML4 idx 1, PDPT idx 3.
    c.mem.write32(0x1000 + 8, 0x2000 | 7);
    c.mem.write32(0x2000 + 3 * 8, 0x3000 | 7);
    const r = new WalkResult();
    expect(new PageWalker(c.mem).walk(c.ctx, (0xc0000000 | LA) | 0, 0x80, Access.Read, r)).toBe(WalkStatus.Ok);
    expect(r.entryAddr[0]).toBe(0x1008);
    expect(r.entryAddr[1]).toBe(0x2018);
    expect(r.pa).toBe(FRAME);
  });
});

describe('#PF error code bits', () => {
  for (const mode of MODES) {
    test(`${NAME[mode]}: P=0 at every level, with W/U/I from the access`, () => {
      for (let j = 0; j < 5; j++) {
        const c = chain(mode);
        if (j >= c.entries.length) break;
        setLo(c, j, 0, ~Pte.P);
        expect(walk(c, Access.Read).r.errorCode).toBe(0);
        expect(walk(c, Access.Write).r.errorCode).toBe(PfErr.W);
        expect(walk(c, Access.Write | Access.User).r.errorCode).toBe(PfErr.W | PfErr.U);
        expect(walk(c, Access.Fetch).r.errorCode).toBe(0); // I/D needs SMEP or (NXE and PAE)
        c.ctx.cr4 |= Cr4.SMEP; c.ctx.update();
        expect(walk(c, Access.Fetch | Access.User).r.errorCode).toBe(PfErr.I | PfErr.U);
      }
    });
    test(`${NAME[mode]}: U/S and R/W violations set P with W and U`, () => {
      for (let j = mode === PagingMode.Pae ? 1 : 0; j < chain(mode).entries.length; j++) {
        const c = chain(mode);
        setLo(c, j, 0, ~Pte.US);
        expect(walk(c, Access.User).st).toBe(WalkStatus.PageFault);
        expect(walk(c, Access.User).r.errorCode).toBe(PfErr.P | PfErr.U);
        expect(walk(c, Access.Read).st).toBe(WalkStatus.Ok);
        const d = chain(mode);
        setLo(d, j, 0, ~Pte.RW);
        expect(walk(d, Access.Write | Access.User).r.errorCode).toBe(PfErr.P | PfErr.W | PfErr.U);
        expect(walk(d, Access.Write).st).toBe(WalkStatus.Ok); // CR0.WP = 0: supervisor writes anything
        d.ctx.cr0 |= Cr0.WP; d.ctx.update();
        expect(walk(d, Access.Write).r.errorCode).toBe(PfErr.P | PfErr.W);
        expect(walk(d, Access.Read | Access.User).st).toBe(WalkStatus.Ok);
      }
    });
  }
  test('NX (XD) at each PAE/long level with EFER.NXE; I/D bit', () => {
    for (const mode of [PagingMode.Pae, PagingMode.Long4, PagingMode.Long5]) {
      for (let j = mode === PagingMode.Pae ? 1 : 0; j < chain(mode).entries.length; j++) {
        const c = chain(mode);
        c.ctx.efer |= Efer.NXE; c.ctx.update();
        setHi(c, j, 1 << 31);
        expect(walk(c, Access.Fetch).r.errorCode).toBe(PfErr.P | PfErr.I);
        expect(walk(c, Access.Fetch | Access.User).r.errorCode).toBe(PfErr.P | PfErr.I | PfErr.U);
        expect(walk(c, Access.Read).st).toBe(WalkStatus.Ok);
        // Without NXE bit 63 is reserved.
        c.ctx.efer &= ~Efer.NXE; c.ctx.update();
        expect(walk(c, Access.Read).r.errorCode).toBe(PfErr.P | PfErr.RSVD);
      }
    }
  });
  test('32-bit paging has no NX: fetch I bit only with SMEP', () => {
    const c = chain(PagingMode.Legacy32);
    c.ctx.efer |= Efer.NXE; c.ctx.update();
    setLo(c, 1, 0, ~Pte.US);
    expect(walk(c, Access.Fetch | Access.User).r.errorCode).toBe(PfErr.P | PfErr.U);
    c.ctx.cr4 |= Cr4.SMEP; c.ctx.update();
    expect(walk(c, Access.Fetch | Access.User).r.errorCode).toBe(PfErr.P | PfErr.U | PfErr.I);
  });
  test('SMEP: supervisor fetch from a user page', () => {
    for (const mode of MODES) {
      const c = chain(mode);
      expect(walk(c, Access.Fetch).st).toBe(WalkStatus.Ok);
      c.ctx.cr4 |= Cr4.SMEP; c.ctx.update();
      expect(walk(c, Access.Fetch).r.errorCode).toBe(PfErr.P | PfErr.I);
      expect(walk(c, Access.Fetch | Access.User).st).toBe(WalkStatus.Ok);
    }
  });
  test('SMAP: EFLAGS.AC allows explicit supervisor data accesses, never implicit ones', () => {
    for (const mode of MODES) {
      const c = chain(mode);
      c.ctx.cr4 |= Cr4.SMAP; c.ctx.update();
      expect(walk(c, Access.Read).r.errorCode).toBe(PfErr.P);
      expect(walk(c, Access.Write).r.errorCode).toBe(PfErr.P | PfErr.W);
      c.ctx.ac = true;
      expect(walk(c, Access.Read).st).toBe(WalkStatus.Ok);
      expect(walk(c, Access.Write).st).toBe(WalkStatus.Ok);
      expect(walk(c, Access.Read | Access.Implicit).r.errorCode).toBe(PfErr.P);
      expect(walk(c, Access.Fetch).st).toBe(WalkStatus.Ok); // SMAP is about data only
      expect(walk(c, Access.Read | Access.User).st).toBe(WalkStatus.Ok);
      setLo(c, c.entries.length - 1, 0, ~Pte.US); // supervisor page: SMAP does not apply
      c.ctx.ac = false;
      expect(walk(c, Access.Read | Access.Implicit).st).toBe(WalkStatus.Ok);
    }
  });
  test('protection keys: AD, WD (user, and supervisor with WP), PK bit; 4/5-level only', () => {
    for (const mode of [PagingMode.Long4, PagingMode.Long5]) {
      const c = chain(mode);
      c.ctx.cr4 |= Cr4.PKE; c.ctx.update();
      setHi(c, c.entries.length - 1, 5 << 27); // key 5
      c.ctx.pkru = 1 << 10; // AD5
      expect(walk(c, Access.Read | Access.User).r.errorCode).toBe(PfErr.P | PfErr.U | PfErr.PK);
      expect(walk(c, Access.Read).r.errorCode).toBe(PfErr.P | PfErr.PK);
      expect(walk(c, Access.Fetch | Access.User).st).toBe(WalkStatus.Ok); // keys do not apply to fetches
      c.ctx.pkru = 2 << 10; // WD5
      expect(walk(c, Access.Read | Access.User).st).toBe(WalkStatus.Ok);
      expect(walk(c, Access.Write | Access.User).r.errorCode).toBe(PfErr.P | PfErr.W | PfErr.U | PfErr.PK);
      expect(walk(c, Access.Write).st).toBe(WalkStatus.Ok); // supervisor, WP = 0
      c.ctx.cr0 |= Cr0.WP; c.ctx.update();
      expect(walk(c, Access.Write).r.errorCode).toBe(PfErr.P | PfErr.W | PfErr.PK);
      // A U/S violation is not a key violation even if the key would deny too.
      setLo(c, c.entries.length - 1, 0, ~Pte.US);
      expect(walk(c, Access.Write | Access.User).r.errorCode).toBe(PfErr.P | PfErr.W | PfErr.U);
      expect(walk(c, Access.Write).st).toBe(WalkStatus.Ok); // supervisor pages have no key check (PKS not modelled)
    }
    const pae = chain(PagingMode.Pae);
    pae.ctx.cr4 |= Cr4.PKE; pae.ctx.update();
    setHi(pae, 2, 0); pae.ctx.pkru = -1;
    expect(walk(pae, Access.Read | Access.User).st).toBe(WalkStatus.Ok); // no keys in PAE paging
  });
});

describe('reserved bits, per mode and level (RSVD = P|RSVD plus access bits)', () => {
  const RSVD = PfErr.P | PfErr.RSVD;
  test('32-bit: 4 MiB PDE bit 21 and PSE-36 bits above MAXPHYADDR; 4 KiB entries have none', () => {
    const cases: [number, number, boolean][] = [[40, 21, true], [40, 20, false], [36, 17, true], [36, 16, false], [32, 13, true]];
    for (const [m, b, bad] of cases) {
      const c = chain(PagingMode.Legacy32, m);
      c.ctx.cr4 |= Cr4.PSE; c.ctx.update();
      c.mem.write32(c.entries[0], (0x00c00000 | Pte.PS | 7 | (1 << b)) >>> 0);
      const w = walk(c, Access.Write | Access.User);
      expect(w.r.errorCode, `M=${m} bit ${b}`).toBe(bad ? RSVD | PfErr.W | PfErr.U : 0);
    }
    const c = chain(PagingMode.Legacy32);
    setLo(c, 1, 0x180); // PAT/G bits of a PTE are not reserved
    expect(walk(c, Access.Read).st).toBe(WalkStatus.Ok);
  });
  test('PAE: PDPTE bits 2:1, 8:5, 63:M; PDE/PTE 62:M; 2 MiB PDE 20:13; XD without NXE', () => {
    for (const b of [1, 2, 5, 6, 7, 8]) {
      const c = chain(PagingMode.Pae); setLo(c, 0, 1 << b);
      expect(walk(c, Access.Read).r.errorCode, `PDPTE bit ${b}`).toBe(RSVD);
    }
    for (const hb of [8, 19, 20, 30, 31]) { // 40 = M, 51, 52 (PAE reserves 62:M), 62, 63
      const c = chain(PagingMode.Pae); setHi(c, 0, 1 << hb);
      expect(walk(c, Access.Read).r.errorCode, `PDPTE bit ${32 + hb}`).toBe(RSVD);
      for (const j of [1, 2]) {
        const d = chain(PagingMode.Pae); d.ctx.efer |= Efer.NXE; d.ctx.update();
        setHi(d, j, 1 << hb);
        expect(walk(d, Access.Read).r.errorCode, `entry ${j} bit ${32 + hb}`).toBe(hb === 31 ? 0 : RSVD);
      }
    }
    const ok = chain(PagingMode.Pae); setHi(ok, 2, 0x7f); // bits 38:32 are address bits with M = 40
    expect(walk(ok, Access.Probe).st).toBe(WalkStatus.Ok);
    for (const b of [13, 20]) {
      const c = chain(PagingMode.Pae); c.mem.write32(c.entries[1], 0x00e00000 | Pte.PS | 7 | (1 << b));
      expect(walk(c, Access.Read).r.errorCode).toBe(RSVD);
    }
  });
  test('4/5-level: 51:M everywhere, PS in PML4E/PML5E, 1 GiB 29:13, 2 MiB 20:13; 62:52 ignored', () => {
    for (const mode of [PagingMode.Long4, PagingMode.Long5]) {
      const n = chain(mode).entries.length;
      for (let j = 0; j < n; j++) {
        for (const hb of [8, 19]) {
          const c = chain(mode); setHi(c, j, 1 << hb);
          expect(walk(c, Access.Read).r.errorCode).toBe(RSVD);
        }
        const ig = chain(mode); setHi(ig, j, 0x7ff << 20); // bits 62:52 ignored (no PKE)
        expect(walk(ig, Access.Read).st).toBe(WalkStatus.Ok);
      }
      const top = chain(mode); setLo(top, 0, Pte.PS);
      expect(walk(top, Access.Fetch).r.errorCode).toBe(RSVD);
      const pdpte = n - 3, pde = n - 2;
      for (const b of [13, 29]) {
        const c = chain(mode); c.mem.write32(c.entries[pdpte], (0x40000000 | Pte.PS | 7 | (1 << b)) >>> 0);
        expect(walk(c, Access.Read).r.errorCode).toBe(b === 29 ? RSVD : RSVD);
      }
      for (const b of [13, 20]) {
        const c = chain(mode); c.mem.write32(c.entries[pde], 0x00e00000 | Pte.PS | 7 | (1 << b));
        expect(walk(c, Access.Read | Access.User).r.errorCode).toBe(RSVD | PfErr.U);
      }
    }
    const m52 = chain(PagingMode.Long4, 52); setHi(m52, 3, 0xfffff); // all address bits with M = 52
    expect(walk(m52, Access.Probe).r.pa).toBe(0xfffff * 2 ** 32 + FRAME);
  });
  test('a not-present entry is not checked for reserved bits; higher levels fault first', () => {
    const c = chain(PagingMode.Long4);
    setLo(c, 2, 0, ~Pte.P); setHi(c, 2, 1 << 19);
    expect(walk(c, Access.Read).r.errorCode).toBe(0);
    setHi(c, 1, 1 << 19);
    expect(walk(c, Access.Read).r.errorCode).toBe(RSVD);
  });
  test('cached PAE PDPTEs: loadPdptes validates them and the walk uses the registers', () => {
    const c = chain(PagingMode.Pae);
    c.ctx.cachePdptes = true;
    const w = new PageWalker(c.mem);
    expect(w.loadPdptes(c.ctx)).toBe(true);
    c.mem.write32(c.entries[0], 0); // not seen until the next load
    const r = new WalkResult();
    expect(w.walk(c.ctx, LA, 0, Access.Read, r)).toBe(WalkStatus.Ok);
    expect(r.memRefs).toBe(2);
    c.mem.write32(c.entries[0], 0x2000 | 1 | 4);
    expect(w.loadPdptes(c.ctx)).toBe(false);
  });
});
