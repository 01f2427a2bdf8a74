/**
 * A deliberately simple reference page walker for property tests: BigInt entries, one plain
 * function per paging mode, the access-rights rules written out literally from Intel SDM Vol. 3A
 * 4.6 and the entry formats of tables 4-4..4-20. Slow on purpose and shares no code with
 * `walker.ts` (only core's GuestMemory).
 */
import type { GuestMemory } from '@x86kit/core';

export type RefMode = 'none' | '32' | 'pae' | '4' | '5';
export interface RefCtx {
  mode: RefMode; cr3: bigint; wp: boolean; pse: boolean; pge: boolean; nxe: boolean;
  smep: boolean; smap: boolean; pke: boolean; ac: boolean; pkru: number; maxPhy: number;
}
export interface RefAccess { write: boolean; user: boolean; fetch: boolean; implicit: boolean }
export type RefOutcome =
  | { ok: true; pa: bigint; global: boolean; size: number }
  | { ok: false; ec: number };

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;
const field = (v: bigint, hi: number, lo: number): bigint => (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
const mask = (hi: number, lo: number): bigint => hi < lo ? 0n : ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);

interface Entry { addr: bigint; value: bigint; wide: boolean; hasA: boolean }

/** Walk; on success apply the A/D updates to `mem`. */
export function refWalk(mem: GuestMemory, c: RefCtx, la: bigint, a: RefAccess): RefOutcome {
  const fetchBit = a.fetch && (c.smep || (c.nxe && c.mode !== '32')) ? 16 : 0;
  const base = (a.write ? 2 : 0) | (a.user ? 4 : 0) | fetchBit;
  const notPresent: RefOutcome = { ok: false, ec: base };
  const rsvd: RefOutcome = { ok: false, ec: base | 1 | 8 };
  if (c.mode === 'none') return { ok: true, pa: la & 0xffffffffn, global: false, size: 4096 };
  const used: Entry[] = [];
  const rd = (addr: bigint, wide: boolean, hasA = true): bigint => {
    const v = wide ? mem.read64(Number(addr)) : BigInt(mem.read32(Number(addr)));
    used.push({ addr, value: v, wide, hasA });
    return v;
  };
  let pa: bigint; let leaf: bigint; let size: number;
  let allUser = true, allWrite = true, anyXd = false;
  const M = c.maxPhy;
  if (c.mode === '32') {
    const pde = rd((c.cr3 & 0xfffff000n) | (field(la, 31, 22) << 2n), false);
    if (!bit(pde, 0)) return notPresent;
    allUser &&= bit(pde, 2); allWrite &&= bit(pde, 1);
    if (c.pse && bit(pde, 7)) {
      const m = Math.min(M, 40);
      if ((pde & mask(21, m - 19)) !== 0n) return rsvd;
      pa = (field(pde, 31, 22) << 22n) | (field(pde, 20, 13) << 32n) | field(la, 21, 0);
      leaf = pde; size = 4 << 20;
    } else {
      const pte = rd((pde & 0xfffff000n) | (field(la, 21, 12) << 2n), false);
      if (!bit(pte, 0)) return notPresent;
      allUser &&= bit(pte, 2); allWrite &&= bit(pte, 1);
      pa = (pte & 0xfffff000n) | field(la, 11, 0);
      leaf = pte; size = 4096;
    }
  } else {
    const xdRsvd = c.nxe ? 0n : 1n << 63n;
    const addrOf = (e: bigint): bigint => e & mask(M - 1, 12);
    let table: bigint; let level: number;
    if (c.mode === 'pae') {
      const pdpte = rd((c.cr3 & 0xffffffe0n) | (field(la, 31, 30) << 3n), true, false);
      if (!bit(pdpte, 0)) return notPresent;
      if ((pdpte & (mask(2, 1) | mask(8, 5) | mask(63, M))) !== 0n) return rsvd;
      table = addrOf(pdpte); level = 2;
    } else {
      table = c.cr3 & mask(M - 1, 12); level = c.mode === '5' ? 5 : 4;
    }
    const hiRsvd = c.mode === 'pae' ? mask(62, M) : mask(51, M);
    for (;;) {
      const idx = field(la, 12 + 9 * level - 1, 12 + 9 * (level - 1));
      const e = rd(table | (idx << 3n), true);
      if (!bit(e, 0)) return notPresent;
      if ((e & (hiRsvd | xdRsvd)) !== 0n) return rsvd;
      const ps = bit(e, 7);
      if (level >= 4 && ps) return rsvd;
      if (level === 3 && ps && (e & mask(29, 13)) !== 0n) return rsvd;
      if (level === 2 && ps && (e & mask(20, 13)) !== 0n) return rsvd;
      allUser &&= bit(e, 2); allWrite &&= bit(e, 1); anyXd ||= c.nxe && bit(e, 63);
      if (level === 1 || ps) {
        const shift = 12 + 9 * (level - 1);
        pa = (e & mask(M - 1, shift)) | field(la, shift - 1, 0);
        leaf = e; size = 2 ** shift;
        break;
      }
      table = addrOf(e); level--;
    }
  }
  const prot = 1 | base;
  const userAddr = allUser;
  const pkey = Number(field(leaf, 62, 59));
  const ad = ((c.pkru >>> (2 * pkey)) & 1) === 1;
  const wd = ((c.pkru >>> (2 * pkey + 1)) & 1) === 1;
  const pkOn = c.pke && (c.mode === '4' || c.mode === '5') && userAddr;
  const smapBlocks = c.smap && userAddr && (a.implicit || !c.ac);
  if (a.fetch) {
    if (anyXd) return { ok: false, ec: prot };
    if (a.user ? !userAddr : userAddr && c.smep) return { ok: false, ec: prot };
  } else if (!a.write) {
    if (a.user ? !userAddr : smapBlocks) return { ok: false, ec: prot };
    if (pkOn && ad) return { ok: false, ec: prot | 32 };
  } else {
    if (a.user) {
      if (!userAddr || !allWrite) return { ok: false, ec: prot };
    } else {
      if (smapBlocks) return { ok: false, ec: prot };
      if (c.wp && !allWrite) return { ok: false, ec: prot };
    }
    if (pkOn && (ad || (wd && (a.user || c.wp)))) return { ok: false, ec: prot | 32 };
  }
  used.forEach((e, j) => {
    let v = e.value;
    if (e.hasA) v |= 1n << 5n;
    if (j === used.length - 1 && a.write) v |= 1n << 6n;
    if (v !== e.value) mem.write32(Number(e.addr), Number(v & 0xffffffffn));
  });
  const global = c.pge && bit(leaf, 8);
  return { ok: true, pa, global, size };
}
