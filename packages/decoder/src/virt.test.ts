import { describe, expect, it } from 'vitest';
import { Decoder } from './decoder.js';
import { Instruction } from './instruction.js';
import { virtClassOfInstruction, VirtClass, virtClass, isIdent, isSensitiveUnprivileged, virtClassNames, virtClassOfInstance, VIRT_REWRITE_MASK } from './virt.js';
import { icedCodes, icedDir } from './conformance.test-util.js';
import { isPrivilegedInfo, flowControl, FlowControl, hasInstructionInfo } from './info.js';

const dir = icedDir();
if (dir === null) console.warn('virt.test: shared iced conformance data missing; skipping the cross-checks');
const codes = dir === null ? [] : icedCodes(dir);
const byName = new Map(codes.map((c, i) => [c.name, i]));
const code = (name: string): number => {
  const v = byName.get(name);
  if (v === undefined) throw new Error(`no Code ${name}`);
  return v;
};

/** RSM: #UD outside SMM at every CPL, so a guest can never run it natively; iced lists it for all CPLs. */
const PRIV_BEYOND_ICED: string[] = ['Rsm'];

describe.skipIf(dir === null)('virtualization class', () => {
  it("classifies Robin & Irvine's 17 sensitive unprivileged instructions as sensitive and not IDENT", () => {
    const seventeen = [
      'Sgdt_m1632', 'Sidt_m1632', 'Sldt_rm16', 'Smsw_rm16', 'Pushfd', 'Popfd', 'Lar_r32_r32m16', 'Lsl_r32_r32m16',
      'Verr_rm16', 'Verw_rm16', 'Popd_DS', 'Pushd_CS', 'Call_ptr1632', 'Jmp_ptr1632', 'Int_imm8', 'Retfd', 'Str_rm16', 'Mov_rm16_Sreg',
    ];
    for (const n of seventeen) {
      expect(isSensitiveUnprivileged(code(n)), n).toBe(true);
      expect(isIdent(code(n)), n).toBe(false);
    }
  });

  it('marks every form iced lists as CPL-0-only as PRIV (or PRIV_COND), and nothing else as PRIV', () => {
    const missing: string[] = [];
    const extra: string[] = [];
    codes.forEach((c, i) => {
      const cpl0Only = c.flags.includes('cpl0') && !c.flags.includes('cpl3');
      const priv = (virtClass(i) & VirtClass.PRIV) !== 0;
      if (cpl0Only && (virtClass(i) & (VirtClass.PRIV | VirtClass.PRIV_COND)) === 0) missing.push(c.name);
      if (priv && !cpl0Only) extra.push(c.name);
    });
    expect(missing).toEqual([]);
    // Forms we call PRIV although iced's op-code table allows CPL 3 (reason in virt-class.txt).
    expect(extra.sort()).toEqual(PRIV_BEYOND_ICED);
  });

  it('treats plain computation as IDENT and control flow as rewrite', () => {
    for (const n of ['Add_rm32_r32', 'Mov_r64_rm64', 'Lea_r64_m', 'Push_r64', 'EVEX_Vaddps_zmm_k1z_zmm_zmmm512b32_er', 'Nopd', 'Xlat_m8']) {
      expect(virtClass(code(n)), n).toBe(0);
      expect(isIdent(code(n))).toBe(true);
    }
    expect(virtClassNames(virtClass(code('Je_rel8_64')))).toEqual(['BRANCH', 'PC_REL']);
    expect(virtClassNames(virtClass(code('Call_rel32_64')))).toEqual(['BRANCH', 'PC_REL']);
    expect(virtClassNames(virtClass(code('Jmp_rm64')))).toEqual(['INDIRECT']);
    expect(virtClassNames(virtClass(code('Retnq')))).toEqual(['INDIRECT']);
    expect(virtClassNames(virtClass(code('Out_DX_AL')))).toEqual(['IOPL', 'IO']);
    expect(virtClassNames(virtClass(code('Cli')))).toEqual(['IOPL']);
    expect(virtClassNames(virtClass(code('Hlt')))).toEqual(['PRIV']);
    expect(virtClassNames(virtClass(code('Vmrunq')))).toEqual(['PRIV', 'VIRT_EXT']);
    expect(virtClassNames(virtClass(code('Rdtsc')))).toEqual(['PRIV_COND', 'SENSITIVE']);
  });

  it('adds PC_REL for RIP-relative instances and handles out-of-range codes', () => {
    const add = code('Add_r64_rm64');
    expect(virtClassOfInstance(add, true)).toBe(VirtClass.PC_REL);
    expect(virtClassOfInstance(add, false)).toBe(0);
    expect(virtClass(-1)).toBe(0);
    expect(virtClass(1 << 20)).toBe(0);
    expect(VIRT_REWRITE_MASK).toBe(0xfff);
  });

  it('agrees with the instruction-info tables: privileged => PRIV/PRIV_COND/IOPL, every control transfer => not IDENT', () => {
    const bad: string[] = [];
    for (let i = 0; i < codes.length; i++) {
      if (!hasInstructionInfo(i) || codes[i]?.name.startsWith('Declare') === true) continue; // db/dw/dd/dq pseudo-forms
      const v = virtClass(i);
      // iced's "priv" also covers IOPL-sensitive forms (IN/OUT/INS/OUTS/CLI/STI).
      if (isPrivilegedInfo(i) && (v & (VirtClass.PRIV | VirtClass.PRIV_COND | VirtClass.IOPL)) === 0) bad.push(`${codes[i]?.name}: priv in info`);
      // Any control transfer must be rewritten by a translator (VMX/SVM world switches are PRIV/VIRT_EXT).
      if (flowControl(i) !== FlowControl.Next && flowControl(i) !== FlowControl.XbeginXabortXend && (v & VIRT_REWRITE_MASK) === 0) {
        bad.push(`${codes[i]?.name}: flow ${flowControl(i)} but IDENT`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('classifies decoded instances (RIP-relative memory adds PC_REL)', () => {
    const insn = new Instruction();
    new Decoder({ bitness: 64 }).decodeInto(insn, Uint8Array.of(0x48, 0x8b, 0x05, 0x10, 0, 0, 0), 0); // mov rax,[rip+0x10]
    expect(virtClassOfInstruction(insn)).toBe(VirtClass.PC_REL);
    new Decoder({ bitness: 64 }).decodeInto(insn, Uint8Array.of(0x48, 0x8b, 0x00), 0); // mov rax,[rax]
    expect(virtClassOfInstruction(insn)).toBe(0);
    new Decoder({ bitness: 32 }).decodeInto(insn, Uint8Array.of(0x0f, 0x01, 0x0d, 0, 0, 0, 0), 0); // sidt [0]
    expect(virtClassNames(virtClassOfInstruction(insn))).toEqual(['PRIV_COND', 'SENSITIVE']);
  });

  it('summary: how many forms fall in each class', () => {
    const counts: Record<string, number> = {};
    let ident = 0;
    for (let i = 0; i < codes.length; i++) {
      const c = virtClass(i);
      if ((c & VIRT_REWRITE_MASK) === 0) ident++;
      for (const n of virtClassNames(c)) counts[n] = (counts[n] ?? 0) + 1;
    }
    console.log(`virt-class: ${codes.length} Codes, IDENT ${ident}, ${JSON.stringify(counts)}`);
    expect(ident).toBeGreaterThan(codes.length - 600);
  });
});
