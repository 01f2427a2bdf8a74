import { describe, expect, it } from 'vitest';
import { createIcedChecker, icedVectorSkipReason, type IcedCheckDecoder, type IcedCheckInstruction } from './iced-check.js';
import { parseIcedDecoderLine, parseIcedMemoryLine } from './iced-vectors.js';

// A tiny vocabulary and a fake decoder that "decodes" to a fixed instruction, so the checker is
// tested without @x86kit/decoder (which depends on this package).
const OpKind = {
  Register: 0, NearBranch16: 1, NearBranch32: 2, NearBranch64: 3, FarBranch16: 4, FarBranch32: 5, Immediate8: 6, Immediate8_2nd: 7,
  Immediate16: 8, Immediate32: 9, Immediate64: 10, Immediate8to16: 11, Immediate8to32: 12, Immediate8to64: 13, Immediate32to64: 14,
  MemorySegSI: 15, MemorySegESI: 16, MemorySegRSI: 17, MemorySegDI: 18, MemorySegEDI: 19, MemorySegRDI: 20,
  MemoryESDI: 21, MemoryESEDI: 22, MemoryESRDI: 23, Memory: 24,
} as const;
type Insn = { -readonly [K in keyof IcedCheckInstruction]: IcedCheckInstruction[K] };
const base: Insn = {
  code: 1, mnemonic: 1, length: 3, opCount: 2, opKinds: [OpKind.Memory, OpKind.Register], opRegisters: [0, 2], nextIpLo: 0, nextIpHi: 0,
  immediateLo: 0, immediateHi: 0, immediate2: 0, nearBranchLo: 0, nearBranchHi: 0, farBranchSelector: 0, farBranchOffset: 0,
  memSegment: 3, memBase: 1, memIndex: 0, memScale: 1, memDisplLo: 0, memDisplHi: 0, memDisplSize: 0, memorySize: 1, memIsVsib: false,
  hasLock: true, hasRep: false, hasRepne: false, hasXacquire: false, hasXrelease: true, segmentPrefix: 4, opMask: 0, zeroingMasking: false,
  broadcast: false, suppressAllExceptions: false, roundingControl: 0, immOffset: 0, immSize: 0, imm2Offset: 0, imm2Size: 0, dispOffset: 2, dispSize: 0,
};
const checker = createIcedChecker<Insn>({
  OpKind, codeNames: ['INVALID', 'Add_rm8_r8'], mnemonicNames: ['INVALID', 'Add'], registerNames: ['None', 'RAX', 'BH', 'DS', 'ES'],
  memorySizeNames: ['Unknown', 'UInt8'], errorNames: ['None', 'InvalidInstruction', 'NoMoreBytes'],
});
function fake(result: Insn): IcedCheckDecoder<Insn> {
  let ip = 0n;
  return {
    lastError: 0,
    setIp(x: bigint) { ip = x; },
    decodeInto(insn: Insn, bytes: Uint8Array) {
      Object.assign(insn, result);
      const next = ip + BigInt(bytes.length);
      insn.nextIpLo = Number(next & 0xffffffffn) | 0;
      insn.nextIpHi = Number(next >> 32n) | 0;
      return bytes.length;
    },
  };
}

describe('shared iced-line checker', () => {
  const line = 'F0 00 38, Add_rm8_r8, Add, 2, op0=m;ds;rax;;1;0;0;UInt8 op1=r;bh lock xrelease es: co=0;0;0;0;2;0';
  it('passes when every field matches, lists every differing field otherwise', () => {
    const v = parseIcedDecoderLine(line, 64)!;
    expect(checker.checkDecoderVector(fake(base), { ...base }, v)).toBe('');
    const wrong = checker.checkDecoderVector(fake({ ...base, hasLock: false, opRegisters: [0, 1] }), { ...base }, v);
    expect(wrong).toBe('op1 r;rax != r;bh; lock false != true');
  });
  it('checks MemoryTest lines and skips non-default-option lines', () => {
    const m = parseIcedMemoryLine('67 01 06 5AA5, Add_rm8_r8, bh, es, ds, rax, none, 0, 0x0, 0, 0;0;0;0;2;0', 16)!;
    expect(checker.checkMemoryVector(fake({ ...base, length: 5 }), { ...base }, m, 0n)).toBe('');
    expect(checker.checkMemoryVector(fake({ ...base, length: 5, memScale: 2 }), { ...base }, m, 0n)).toBe('scale 2 != 1');
    expect(icedVectorSkipReason(parseIcedDecoderLine('66, INVALID, INVALID, 0, decopt=AMD', 32)!)).toMatch(/AMD/);
    expect(icedVectorSkipReason(parseIcedDecoderLine(line, 64)!)).toBeNull();
  });
});
