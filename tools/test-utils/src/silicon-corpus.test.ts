import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  SILICON_FLAGS_MASK, listSiliconFiles, parseSiliconTestLine, readSiliconCorpus, readSiliconForms, readSiliconMeta,
  siliconCorpusDir, siliconFlagsCompareMask, siliconPageBytes, type SiliconTestCase,
} from './silicon-corpus.js';

const dir = siliconCorpusDir();
const have = existsSync(join(dir, 'meta.json'));
if (!have) console.warn(`silicon corpus not found at ${dir}: reader tests skipped`);

const parity = (v: number): number => { let p = 1; for (let i = 0; i < 8; i++) p ^= (v >>> i) & 1; return p; };

/** Reference ALU for 32-bit ADD/SUB/AND/XOR (SDM vol. 2 flag definitions). */
function alu32(op: 'add' | 'sub' | 'and' | 'xor', a: number, b: number): { r: number; f: number } {
  let r: number; let cf = 0; let of = 0; let af = 0;
  if (op === 'add') { r = (a + b) >>> 0; cf = r < a ? 1 : 0; of = ((~(a ^ b) & (a ^ r)) >>> 31) & 1; af = ((a ^ b ^ r) >>> 4) & 1; }
  else if (op === 'sub') { r = (a - b) >>> 0; cf = a < b ? 1 : 0; of = (((a ^ b) & (a ^ r)) >>> 31) & 1; af = ((a ^ b ^ r) >>> 4) & 1; }
  else r = (op === 'and' ? a & b : a ^ b) >>> 0;
  const f = cf | (parity(r & 0xff) << 2) | (af << 4) | ((r === 0 ? 1 : 0) << 6) | ((r >>> 31) << 7) | (of << 11);
  return { r, f };
}

describe.skipIf(!have)('silicon corpus reader', () => {
  it('reads the metadata and the forms tables', () => {
    const meta = readSiliconMeta();
    expect(meta.format).toBe('x86kit-silicon-corpus');
    const forms = readSiliconForms(32);
    const shl = forms.find((f) => f.id === 'shl Ev,CL o32');
    expect(shl?.undefinedFlags).toBe(0x810);
    expect(shl?.undefinedFlagsDynamic).toBe('count');
    expect(forms.find((f) => f.id === 'sgdt M')?.note).toMatch(/UMIP/);
    expect(listSiliconFiles().length).toBe(meta.files.length);
  });

  it('parses a line into typed state (64-bit values exact, gpr pairs match)', () => {
    const t = readSiliconCorpus({ modes: [64], categories: ['int'], perForm: 1 }).next().value as SiliconTestCase;
    expect(t.mode).toBe(64);
    expect(t.initial.regs.length).toBe(16);
    for (let i = 0; i < 16; i++) {
      const v = t.initial.regs[i] ?? 0n;
      expect(t.initial.gpr[2 * i]).toBe(Number(v & 0xffffffffn) | 0);
      expect(t.initial.gpr[2 * i + 1]).toBe(Number(v >> 32n) | 0);
    }
    expect(t.ip).toBe(0x10000800);
    expect(t.pages[0]).toEqual({ base: 0x10000000, perm: 'rx' });
    const code = siliconPageBytes(t, t.pages[0] ?? { base: 0, perm: 'none' });
    expect(code[0]).toBe(0xcc);
    expect(Array.from(code.subarray(0x800, 0x800 + t.code.length))).toEqual(Array.from(t.code));
  });

  it('parses exceptions, 16-bit segments and FP state', () => {
    const line = '{"id":"x","n":3,"m":16,"code":"f4","ip":"00000800","regs":["1","2","3","4","8800","6","7","8"],"fl":"00000202",'
      + '"pages":[["10000000","rx"],["20000000","rw"],["20001000","none"]],"mem":[["20000010","0102"]],'
      + '"fp":{"cw":"037f","sw":"3800","tw":"80","mx":"00001f80","st":["3fff8000000000000000","0","0","0","0","0","0","0"],"x":["000102030405060708090a0b0c0d0e0f","0","0","0","0","0","0","0"]},'
      + '"out":{"regs":["1","2","3","4","8800","6","7","8"],"fl":"00010202","ip":"00000800","cs":"0007","mem":[]},"exc":{"v":13,"err":0}}';
    const t = parseSiliconTestLine(line);
    expect(t.segments?.ds.base).toBe(0x1fff8000);
    expect(t.cs).toBe(7);
    expect(t.codeBase).toBe(0x10000000);
    expect(t.expected.exception).toEqual({ vector: 13, errorCode: 0 });
    expect(t.expected.cs).toBe(7);
    expect(t.initial.fp?.st[0]).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]));
    expect(t.initial.fp?.xmm[0]?.[0]).toBe(0x0f);
    expect(siliconPageBytes(t, { base: 0x20000000, perm: 'rw' })[0x11]).toBe(2);
    expect(siliconFlagsCompareMask(t)).toBe(SILICON_FLAGS_MASK);
  });
});

// The corpus must agree with a reference model where the semantics are unambiguous: a check on
// the capture harness itself (register loading, flag capture, zero extension, IP reporting).
describe.skipIf(!have)('silicon corpus agrees with a reference ALU (harness self-check)', () => {
  const ops: Record<number, 'add' | 'sub' | 'and' | 'xor'> = { 0x01: 'add', 0x29: 'sub', 0x21: 'and', 0x31: 'xor' };
  it.each([32, 64] as const)('mode %i: ADD/SUB/AND/XOR Ev,Gv o32 register forms', (mode) => {
    let checked = 0;
    for (const t of readSiliconCorpus({ modes: [mode], categories: ['int'], form: (id) => /^(add|sub|and|xor) Ev,Gv o32$/.test(id) })) {
      let i = 0; let rex = 0;
      if (mode === 64 && ((t.code[i] ?? 0) & 0xf0) === 0x40) rex = t.code[i++] ?? 0;
      const op = ops[t.code[i] ?? 0];
      const modrm = t.code[i + 1] ?? 0;
      if (op === undefined || modrm >> 6 !== 3) continue;
      expect(t.expected.exception).toBeUndefined();
      const dst = (modrm & 7) + ((rex & 1) << 3);
      const src = ((modrm >> 3) & 7) + ((rex & 4) << 1);
      const a = t.initial.gpr[2 * dst] ?? 0; const b = t.initial.gpr[2 * src] ?? 0;
      const { r, f } = alu32(op, a >>> 0, b >>> 0);
      const mask = siliconFlagsCompareMask(t) & 0x8d5;
      expect((t.expected.state.rflags & mask) >>> 0).toBe((f & mask) >>> 0);
      expect((t.expected.state.gpr[2 * dst] ?? 0) >>> 0).toBe(r);
      if (mode === 64) expect(t.expected.state.gpr[2 * dst + 1]).toBe(0); // 32-bit writes zero-extend
      for (let k = 0; k < t.initial.regs.length; k++) if (k !== dst) expect(t.expected.state.regs[k]).toBe(t.initial.regs[k]);
      expect(t.expected.ip).toBe(t.ip + t.code.length);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('CPL-3 privilege behaviour: CLI/HLT/IN fault with #GP(0); POPF keeps IF=1 and IOPL=0', () => {
    let n = 0;
    for (const t of readSiliconCorpus({ categories: ['sys'], form: (id) => /^(cli|hlt|in AL,DX|popf( o\d+)?)$/.test(id) })) {
      if (t.form.startsWith('popf')) {
        if (t.expected.exception !== undefined) continue; // stack page fault
        expect(t.expected.state.rflags & 0x200).toBe(0x200);
        expect(t.expected.state.rflags & 0x3000).toBe(0);
      } else {
        expect(t.expected.exception).toEqual({ vector: 13, errorCode: 0 });
        expect(t.expected.ip).toBe(t.ip);
      }
      n++;
    }
    expect(n).toBeGreaterThan(200);
  });

  it('far transfers between the flat code segments switch modes (64 <-> compatibility) and report the new CS', () => {
    let switched = 0;
    for (const t of readSiliconCorpus({ modes: [64, 32], categories: ['far'] })) {
      if (t.expected.exception !== undefined || t.expected.cs === undefined) continue;
      expect(t.expected.cs).toBe(t.mode === 64 ? 0x23 : 0x33);
      switched++;
    }
    expect(switched).toBeGreaterThan(20);
  });

  it('#PF carries CR2 inside a non-present or read-only page, with a matching error code', () => {
    let n = 0;
    for (const t of readSiliconCorpus({ modes: [32], categories: ['int'], perForm: 10 })) {
      const e = t.expected.exception;
      if (e?.vector !== 14) continue;
      expect(e.cr2).toBeDefined();
      const cr2 = Number(e.cr2);
      const page = t.pages.find((p) => cr2 >= p.base && cr2 < p.base + 4096);
      if ((e.errorCode & 1) === 0) expect(page === undefined || page.perm === 'none').toBe(true);
      else expect(page?.perm).toMatch(/^(r|rx)$/);
      expect(e.errorCode & 4).toBe(4); // user-mode access
      n++;
    }
    expect(n).toBeGreaterThan(20);
  });
});
