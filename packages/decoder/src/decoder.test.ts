import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Decoder, DecoderError } from './decoder.js';
import { Code, codeNames } from './generated/enums.js';
import { OperandEncoding } from './generated/tables.js';
import { Instruction, OpKind } from './instruction.js';
import { Register } from './register.js';

const here = dirname(fileURLToPath(import.meta.url));
const bitnesses = [16, 32, 64] as const;

describe('decoder source', () => {
  it('uses the generated OperandEncoding numbers in its operand switch', () => {
    // decodeOperand switches on number literals (so V8 can emit a jump table); they must agree
    // with the generated OperandEncoding object.
    const src = readFileSync(join(here, 'decoder.ts'), 'utf8');
    const cases = [...src.matchAll(/case (\d+) \/\* (\w+) \*\//g)];
    expect(cases.length).toBeGreaterThan(100);
    const enc = OperandEncoding as Record<string, number>;
    for (const m of cases) expect([m[2], enc[m[2] ?? '']]).toEqual([m[2], Number(m[1])]);
  });
});

describe('robustness (property)', () => {
  test.prop([fc.constantFrom(...bitnesses), fc.uint8Array({ minLength: 0, maxLength: 20 }), fc.nat({ max: 20 })], { numRuns: 3000 })(
    'never throws; length within the buffer and <= 15; error consistent with code',
    (bitness, bytes, off) => {
      const d = new Decoder({ bitness });
      const insn = new Instruction();
      const offset = Math.min(off, bytes.length);
      const len = d.decodeInto(insn, bytes, offset);
      expect(len).toBe(insn.length);
      expect(len).toBeLessThanOrEqual(Math.min(15, bytes.length - offset));
      if (d.lastError === DecoderError.None) {
        expect(insn.code).not.toBe(Code.INVALID);
        expect(len).toBeGreaterThan(0);
      } else {
        expect(insn.code).toBe(Code.INVALID);
        expect(insn.opCount).toBe(0);
      }
      if (bytes.length - offset === 0) expect(d.lastError).toBe(DecoderError.NoMoreBytes);
    },
  );

  test.prop([fc.constantFrom(...bitnesses), fc.uint8Array({ minLength: 15, maxLength: 15 })], { numRuns: 1500 })(
    'every proper prefix of an instruction reports NoMoreBytes with the bytes available',
    (bitness, bytes) => {
      const d = new Decoder({ bitness });
      const insn = new Instruction();
      const full = d.decodeInto(insn, bytes, 0);
      if (d.lastError === DecoderError.InvalidInstruction && full === 15) return; // hit the 15-byte limit
      for (let k = 0; k < full; k++) {
        d.setIp(0);
        const len = d.decodeInto(insn, bytes.subarray(0, k), 0);
        expect([k, d.lastError, len]).toEqual([k, DecoderError.NoMoreBytes, k]);
      }
    },
  );

  test.prop([fc.constantFrom(...bitnesses), fc.uint8Array({ minLength: 1, maxLength: 15 }), fc.uint8Array({ minLength: 0, maxLength: 8 })], { numRuns: 1500 })(
    'decoding at an offset equals decoding the slice; trailing bytes beyond the instruction do not matter',
    (bitness, head, tail) => {
      const d = new Decoder({ bitness });
      const a = new Instruction();
      const b = new Instruction();
      const buf = new Uint8Array(3 + head.length + tail.length);
      buf.set(head, 3);
      buf.set(tail, 3 + head.length);
      d.decodeInto(a, head, 0);
      const errA = d.lastError;
      d.setIp(0);
      d.decodeInto(b, buf, 3);
      if (errA !== DecoderError.NoMoreBytes) {
        expect([codeNames[b.code], b.length, d.lastError]).toEqual([codeNames[a.code], a.length, errA]);
      }
    },
  );
});

describe('decoder behaviour', () => {
  const insn = new Instruction();
  const dec = (bitness: 16 | 32 | 64, hex: string, ip = 0): Decoder => {
    const d = new Decoder({ bitness, ip });
    d.decodeInto(insn, Uint8Array.from(hex.match(/../g) ?? [], (x) => parseInt(x, 16)), 0);
    return d;
  };

  it('lastErrorTooLong tells the 15-byte limit (#GP) from an invalid encoding that fits (#UD)', () => {
    const es = (n: number): string => '26'.repeat(n);
    let d = dec(32, es(14) + '90'); // 15 bytes, valid
    expect(d.lastError).toBe(DecoderError.None);
    expect(d.lastErrorTooLong).toBe(false);
    d = dec(32, es(15) + '90'); // 16 bytes: past the limit
    expect(d.lastError).toBe(DecoderError.InvalidInstruction);
    expect(insn.length).toBe(15);
    expect(d.lastErrorTooLong).toBe(true);
    d = dec(32, es(12) + 'f089c0'); // LOCK MOV EAX,EAX behind 12 prefixes: invalid, exactly 15 bytes
    expect(d.lastError).toBe(DecoderError.InvalidInstruction);
    expect(insn.length).toBe(15);
    expect(d.lastErrorTooLong).toBe(false);
    d = dec(32, es(13) + 'f089c0'); // the same, 16 bytes
    expect(d.lastErrorTooLong).toBe(true);
    d = dec(32, '8b'); // truncated buffer: NoMoreBytes, not too long
    expect(d.lastError).toBe(DecoderError.NoMoreBytes);
    expect(d.lastErrorTooLong).toBe(false);
    d = dec(32, '0f04c0'); // short invalid
    expect(d.lastError).toBe(DecoderError.InvalidInstruction);
    expect(d.lastErrorTooLong).toBe(false);
  });

  it('resolves RIP-relative operands and near branch targets against the next IP', () => {
    dec(64, '488b0510000000', 0x1000); // mov rax,[rip+0x10]
    expect(codeNames[insn.code]).toBe('Mov_r64_rm64');
    expect(insn.memBase).toBe(Register.RIP);
    expect(insn.memDisplacement).toBe(0x1000 + 7 + 0x10);
    dec(32, 'e8fbffffff', 0x2000); // call $
    expect(insn.opKinds[0]).toBe(OpKind.NearBranch32);
    expect(insn.nearBranchTarget).toBe(0x2000);
    dec(16, 'ebfe', 0xfff0);
    expect(insn.nearBranchTarget).toBe(0xfff0);
  });

  it('handles 64-bit IPs above 2^32 without precision loss (lo/hi halves)', () => {
    const d = new Decoder({ bitness: 64, ip: 0xffff_ffff_8000_0000n });
    d.decodeInto(insn, new Uint8Array([0xe9, 0x00, 0x00, 0x00, 0x80]), 0); // jmp rel32 -2^31
    expect(insn.nearBranchHi >>> 0).toBe(0xffff_ffff);
    expect(insn.nearBranchLo >>> 0).toBe(0x0000_0005);
    expect(d.ipHi >>> 0).toBe(0xffff_ffff);
    expect(d.ipLo >>> 0).toBe(0x8000_0005);
  });

  it('reports LOCK on a register destination as invalid with the full length', () => {
    const d = dec(32, 'f001c8');
    expect(d.lastError).toBe(DecoderError.InvalidInstruction);
    expect(insn.length).toBe(3);
  });

  it('limits instructions to 15 bytes', () => {
    const d = dec(32, '66'.repeat(14) + '90');
    expect(d.lastError).toBe(DecoderError.None);
    dec(32, '66'.repeat(15) + '90');
    expect(insn.code).toBe(Code.INVALID);
    expect(insn.length).toBe(15);
  });

  it('decodes EVEX masking, broadcast and disp8*N', () => {
    // vaddps zmm1{k1}{z}, zmm2, dword bcst [rax+0x40] (disp8 0x10 * 4)
    dec(64, '62f16cd95848' + '10');
    expect(codeNames[insn.code]).toBe('EVEX_Vaddps_zmm_k1z_zmm_zmmm512b32_er');
    expect(insn.opMask).toBe(Register.K1);
    expect(insn.zeroingMasking).toBe(true);
    expect(insn.broadcast).toBe(true);
    expect(insn.memDisplacement).toBe(0x40);
  });
});
