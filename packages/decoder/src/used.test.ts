// Per-instance used registers / memory (src/used.ts) against iced's InstructionInfoTest vectors
// (../shared/conformance/iced/InstructionInfo/InstructionInfoTest_{16,32,64}.txt.gz, read in place).
// Explicit operands, string instructions, the stack slot of PUSH/POP/CALL/RET and common implicit
// registers (MUL/DIV, CPUID, LOOP, LEAVE, ...) are modelled, so a line is
// compared in two ways: "exact" (our entries equal iced's, as multisets) and "subset" (every entry
// we report is in iced's list; iced's extra entries are implicit operands we do not model).
import { describe, expect, it } from 'vitest';
import { ICED_DEFAULT_IP, icedConformanceDir, readIcedFile } from '@x86kit/test-utils';
import { Decoder } from './decoder.js';
import { memorySizeNames } from './generated/enums.js';
import { OpAccess } from './info.js';
import { EncodingKind, Instruction } from './instruction.js';
import { Register, registerNames } from './register.js';
import { UsedAccesses, usedAccesses } from './used.js';

const ACC: Record<number, string> = {
  [OpAccess.Read]: 'r', [OpAccess.Write]: 'w', [OpAccess.ReadWrite]: 'rw', [OpAccess.CondRead]: 'cr',
  [OpAccess.CondWrite]: 'cw', [OpAccess.ReadCondWrite]: 'rcw',
};
const REG_KEYS = new Set(['r', 'w', 'rw', 'cr', 'cw', 'rcw']);
const MEM_KEYS = new Set(['rm', 'wm', 'rwm', 'crm', 'cwm', 'rcwm']);

function hex(v: bigint): string {
  return v <= 9n ? v.toString() : `0x${v.toString(16).toUpperCase()}`;
}

/** Our accesses in iced's notation (`r=eax`, `w=vmm2`, `rm=ds:rax+0x10;UInt32`). */
function render(insn: Instruction, u: UsedAccesses): string[] {
  const out: string[] = [];
  const vex = insn.encoding !== EncodingKind.Legacy && insn.encoding !== EncodingKind.D3NOW;
  for (let i = 0; i < u.regCount; i++) {
    const r = u.regs[i] ?? 0;
    const a = u.regAccess[i] ?? 0;
    const written = a !== OpAccess.Read && a !== OpAccess.CondRead;
    const bpReg = r === Register.BP || r === Register.EBP || r === Register.RBP;
    const name = (u.regImplicit[i] ?? 0) !== 0 ? (bpReg ? 'xbp' : 'xsp') // iced's names for rSP/rBP of the stack size
      : vex && written && r >= Register.ZMM0 && r <= Register.ZMM0 + 31 ? `vmm${r - Register.ZMM0}` : (registerNames[r] ?? '?').toLowerCase();
    out.push(`${ACC[a] ?? '?'}=${name}`);
  }
  for (let m = 0; m < u.memCount; m++) {
    const parts: string[] = [];
    const base = u.memBase[m] ?? 0;
    const index = u.memIndex[m] ?? 0;
    const implicit = (u.memImplicit[m] ?? 0) !== 0;
    if (implicit) parts.push(base === Register.BP || base === Register.EBP || base === Register.RBP ? 'xbp' : 'xsp');
    else if (base !== Register.None && base !== Register.RIP && base !== Register.EIP) parts.push((registerNames[base] ?? '?').toLowerCase());
    if (index !== Register.None) parts.push(`${(registerNames[index] ?? '?').toLowerCase()}${(u.memScale[m] ?? 1) === 1 ? '' : `*${u.memScale[m] ?? 1}`}`);
    let d = (BigInt((u.memDisplHi[m] ?? 0) >>> 0) << 32n) | BigInt((u.memDisplLo[m] ?? 0) >>> 0);
    // iced shows the displacement sign-extended to 64 bits.
    const asz = implicit ? insn.bitness : insn.addressSize;
    if (asz === 32 && base !== Register.EIP) d = BigInt.asUintN(64, BigInt.asIntN(32, d));
    if (asz === 16) d = BigInt.asUintN(64, BigInt.asIntN(16, d));
    if (d !== 0n || parts.length === 0) parts.push(hex(d));
    const seg = (registerNames[u.memSegment[m] ?? 0] ?? '?').toLowerCase();
    out.push(`${ACC[u.memAccess[m] ?? 0] ?? '?'}m=${seg}:${parts.join('+')};${memorySizeNames[u.memSize[m] ?? 0] ?? '?'}`);
  }
  return out.sort();
}

/** iced's entries (`KEY=VALUE` tokens of the 5th field, register lists split on `;`). */
function expected(rest: string): string[] {
  const out: string[] = [];
  for (const tok of rest.split(' ')) {
    const eq = tok.indexOf('=');
    if (eq < 0) continue;
    const k = tok.slice(0, eq);
    const v = tok.slice(eq + 1);
    if (REG_KEYS.has(k)) for (const r of v.split(';')) out.push(`${k}=${r}`);
    else if (MEM_KEYS.has(k)) out.push(`${k}=${v.replace('*1+', '+').replace(/\*1;/, ';')}`); // iced writes "bx+si" and "bx+si*1" alike
  }
  return out.sort();
}

const SAMPLES = Number(process.env['X86KIT_USED_SAMPLES'] ?? 8);

function run(bits: 16 | 32 | 64): { lines: number; exact: number; explicit: number; samples: string[] } {
  const lines = readIcedFile(`InstructionInfo/InstructionInfoTest_${bits}.txt.gz`) ?? [];
  const d = new Decoder({ bitness: bits });
  const insn = new Instruction();
  const u = new UsedAccesses();
  let n = 0;
  let exact = 0;
  let explicit = 0;
  const samples: string[] = [];
  for (const line of lines) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const f = t.split(',');
    if (f.length < 5) continue;
    const rest = f.slice(4).join(',').trim();
    if (rest.includes('decopt=') || (f[2] ?? '').trim() === 'MVEX') continue;
    const bytes = Uint8Array.from((f[0] ?? '').replace(/\s+/g, '').match(/../g) ?? [], (h) => parseInt(h, 16));
    d.setIp(ICED_DEFAULT_IP[bits]);
    d.decodeInto(insn, bytes, 0);
    if (!insn.isValid) continue;
    n++;
    const ours = render(insn, usedAccesses(insn, u));
    const want = expected(rest);
    if (ours.join(' ') === want.join(' ')) {
      exact++;
      explicit++;
      continue;
    }
    // Subset check: every entry of ours is in iced's list.
    const pool = [...want];
    let ok = true;
    for (const o of ours) {
      const i = pool.indexOf(o);
      if (i < 0) { ok = false; break; }
      pool.splice(i, 1);
    }
    if (ok) explicit++;
    else if (samples.length < SAMPLES && !samples.some((x) => x.split(',')[1] === t.split(',')[1])) samples.push(`${t}\n      ours: ${ours.join(' ')}`);
  }
  return { lines: n, exact, explicit, samples };
}

/** Lower bounds (measured; they may only go up). */
const MIN: Record<16 | 32 | 64, { exact: number; explicit: number }> = {
  16: { exact: 253, explicit: 348 },
  32: { exact: 611, explicit: 789 },
  64: { exact: 9658, explicit: 10030 },
};

describe.skipIf(icedConformanceDir() === undefined)('used registers / memory vs iced InstructionInfoTest', () => {
  for (const bits of [16, 32, 64] as const) {
    it(`${bits}-bit`, () => {
      const r = run(bits);
      console.log(`used ${bits}-bit: ${r.lines} lines, exact ${r.exact}, explicit-operand entries agree ${r.explicit}\n  ${r.samples.join('\n  ')}`);
      expect(r.lines).toBeGreaterThan(300);
      expect(r.exact).toBeGreaterThanOrEqual(MIN[bits].exact);
      expect(r.explicit).toBeGreaterThanOrEqual(MIN[bits].explicit);
    });
  }
});

describe('usedAccesses', () => {
  it('reports 64-bit zero-extension, memory base/index and LEA without a memory access', () => {
    const d = new Decoder({ bitness: 64 });
    const insn = new Instruction();
    const u = new UsedAccesses();
    d.decodeInto(insn, Uint8Array.of(0x01, 0xce), 0); // add esi, ecx
    expect(render(insn, usedAccesses(insn, u))).toEqual(['r=ecx', 'r=esi', 'w=rsi']);
    d.decodeInto(insn, Uint8Array.of(0x48, 0x8d, 0x34, 0xd1), 0); // lea rsi, [rcx+rdx*8]
    usedAccesses(insn, u);
    expect([u.regCount, u.memCount]).toEqual([3, 0]);
    d.decodeInto(insn, Uint8Array.of(0x64, 0x00, 0x38), 0); // add fs:[rax], bh
    expect(render(insn, usedAccesses(insn, u))).toEqual(['r=bh', 'r=fs', 'r=rax', 'rwm=fs:rax;UInt8']);
    d.decodeInto(insn, Uint8Array.of(0x62, 0xf1, 0x7c, 0x4b, 0x10, 0xd3), 0); // vmovups zmm2{k3}, zmm3 (merge-masking)
    expect(render(insn, usedAccesses(insn, u))).toEqual(['cw=vmm2', 'r=k3', 'r=zmm2', 'r=zmm3']);
    d.decodeInto(insn, Uint8Array.of(0x0f, 0x40, 0xce), 0); // cmovo ecx, esi: RCX written even if the condition is false
    expect(render(insn, usedAccesses(insn, u))).toEqual(['r=ecx', 'r=esi', 'w=rcx']);
  });
  it('POP with an ESP base addresses memory after the increment; invalid instructions use nothing', () => {
    const d = new Decoder({ bitness: 32 });
    const insn = new Instruction();
    const u = new UsedAccesses();
    d.decodeInto(insn, Uint8Array.of(0x8f, 0x44, 0x24, 0x10), 0); // pop dword [esp+0x10]
    expect(render(insn, usedAccesses(insn, u))).toEqual(['r=esp', 'r=ss', 'rm=ss:xsp;UInt32', 'rw=xsp', 'wm=ss:esp+0x14;UInt32']);
    d.decodeInto(insn, Uint8Array.of(0xf3, 0xa4), 0); // rep movsb: conditional accesses, ECX read/cond-written
    expect(render(insn, usedAccesses(insn, u))).toEqual(
      ['cr=ds', 'cr=edi', 'cr=es', 'cr=esi', 'crm=ds:esi;Unknown', 'cw=edi', 'cw=esi', 'cwm=es:edi;Unknown', 'rcw=ecx']);
    d.decodeInto(insn, Uint8Array.of(0xf7, 0xf8), 0); // idiv eax: EDX:EAX read and written
    expect(render(insn, usedAccesses(insn, u))).toEqual(['r=eax', 'rw=eax', 'rw=edx']);
    d.decodeInto(insn, Uint8Array.of(0xc9), 0); // leave
    expect(render(insn, usedAccesses(insn, u))).toEqual(['r=ss', 'r=xbp', 'rm=ss:xbp;UInt32', 'w=ebp', 'w=xsp']);
    d.decodeInto(insn, Uint8Array.of(0xcb), 0); // retf: two slots popped
    expect(render(insn, usedAccesses(insn, u))).toEqual(['r=ss', 'rm=ss:xsp+4;UInt32', 'rm=ss:xsp;UInt32', 'rw=xsp']);
    d.decodeInto(insn, Uint8Array.of(0x0f, 0xff), 0);
    usedAccesses(insn, u);
    expect([u.regCount, u.memCount]).toEqual([0, 0]);
  });
});
