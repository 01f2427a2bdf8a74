// Conformance: every default-options line of iced's decoder test vectors
// (../shared/conformance/iced/Decoder/{DecoderTest,DecoderTestMisc,MemoryTest}{16,32,64}.txt.gz),
// checking every field the API exposes. Lines that do not pass yet are listed, with the
// reason, in src/__fixtures__/iced-known-failures.txt; the test asserts that the failing set is
// exactly that list, so both regressions and silent fixes are caught.
// Regenerate the list with X86KIT_UPDATE_KNOWN_FAILURES=1 npx vitest run src/iced-vectors.test.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ICED_DEFAULT_IP, icedConformanceDir, loadIcedDecoderVectors, loadIcedMemoryVectors,
  type IcedDecoderVector, type IcedMemoryVector, type IcedOperand,
} from '@x86kit/test-utils';
import { Decoder, DecoderError } from './decoder.js';
import { codeNames, memorySizeNames, mnemonicNames } from './generated/enums.js';
import { Instruction, OpKind } from './instruction.js';
import { Register, registerNames } from './register.js';
const ERR_NAMES = ['None', 'InvalidInstruction', 'NoMoreBytes'];

function reg(r: number): string {
  return r === Register.None ? '' : (registerNames[r] ?? '?').toLowerCase();
}
function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

const KIND_BY_NAME: Record<string, number> = {
  r: OpKind.Register, nb16: OpKind.NearBranch16, nb32: OpKind.NearBranch32, nb64: OpKind.NearBranch64,
  fb16: OpKind.FarBranch16, fb32: OpKind.FarBranch32, i8: OpKind.Immediate8, i8_2nd: OpKind.Immediate8_2nd,
  i16: OpKind.Immediate16, i32: OpKind.Immediate32, i64: OpKind.Immediate64, i8to16: OpKind.Immediate8to16,
  i8to32: OpKind.Immediate8to32, i8to64: OpKind.Immediate8to64, i32to64: OpKind.Immediate32to64,
  segsi: OpKind.MemorySegSI, segesi: OpKind.MemorySegESI, segrsi: OpKind.MemorySegRSI,
  segdi: OpKind.MemorySegDI, segedi: OpKind.MemorySegEDI, segrdi: OpKind.MemorySegRDI,
  esdi: OpKind.MemoryESDI, esedi: OpKind.MemoryESEDI, esrdi: OpKind.MemoryESRDI, m: OpKind.Memory,
};

function checkOperand(insn: Instruction, i: number, op: IcedOperand): string {
  const kind = insn.opKinds[i] ?? -1;
  if (KIND_BY_NAME[op.kind] !== kind) return `op${i} kind ${String(kind)} != ${op.kind}`;
  switch (op.kind) {
    case 'r':
      return reg(insn.opRegisters[i] ?? 0) === op.register ? '' : `op${i} reg ${reg(insn.opRegisters[i] ?? 0)} != ${op.register}`;
    case 'nb16': case 'nb32': case 'nb64': {
      const t = u64(insn.nearBranchLo, insn.nearBranchHi);
      return t === op.target ? '' : `op${i} target ${t.toString(16)} != ${op.target.toString(16)}`;
    }
    case 'fb16': case 'fb32':
      return insn.farBranchSelector === op.selector && insn.farBranchOffset >>> 0 === op.offset ? '' : `op${i} far ${insn.farBranchSelector}:${insn.farBranchOffset >>> 0}`;
    case 'i8_2nd':
      return BigInt(insn.immediate2) === op.value ? '' : `op${i} imm2 ${insn.immediate2} != ${op.value}`;
    case 'i8': case 'i16': case 'i32': case 'i64': case 'i8to16': case 'i8to32': case 'i8to64': case 'i32to64': {
      const v = op.kind === 'i64' || op.kind === 'i8to64' || op.kind === 'i32to64' ? u64(insn.immediateLo, insn.immediateHi) : BigInt(insn.immediateLo >>> 0);
      return v === op.value ? '' : `op${i} imm ${v.toString(16)} != ${op.value.toString(16)}`;
    }
    case 'segsi': case 'segesi': case 'segrsi': case 'segdi': case 'segedi': case 'segrdi':
      if (reg(insn.memSegment) !== op.segment) return `op${i} seg ${reg(insn.memSegment)} != ${op.segment}`;
      return memorySizeNames[insn.memorySize] === op.memorySize ? '' : `op${i} memsize ${memorySizeNames[insn.memorySize] ?? '?'} != ${op.memorySize}`;
    case 'esdi': case 'esedi': case 'esrdi':
      return memorySizeNames[insn.memorySize] === op.memorySize ? '' : `op${i} memsize ${memorySizeNames[insn.memorySize] ?? '?'} != ${op.memorySize}`;
    case 'm': {
      const got = `${reg(insn.memSegment)};${reg(insn.memBase)};${reg(insn.memIndex)};${insn.memScale};0x${u64(insn.memDisplLo, insn.memDisplHi).toString(16)};${insn.memDisplSize};${memorySizeNames[insn.memorySize] ?? '?'}`;
      const want = `${op.segment};${op.base};${op.index};${op.scale};0x${op.displacement.toString(16)};${op.displSize};${op.memorySize}`;
      return got === want ? '' : `op${i} mem ${got} != ${want}`;
    }
    default:
      return 'unknown operand kind';
  }
}

/** Decodes `v.bytes` and returns '' if every field matches, else a description of the first mismatch. */
function checkDecoderVector(d: Decoder, insn: Instruction, v: IcedDecoderVector): string {
  d.setIp(v.ip);
  d.decodeInto(insn, v.bytes, 0);
  const err = ERR_NAMES[d.lastError] ?? '?';
  if (err !== v.error) return `error ${err} != ${v.error} (code ${codeNames[insn.code] ?? '?'})`;
  const code = codeNames[insn.code] ?? '?';
  if (code !== v.code) return `code ${code} != ${v.code}`;
  if ((mnemonicNames[insn.mnemonic] ?? '?') !== v.mnemonic) return `mnemonic ${mnemonicNames[insn.mnemonic] ?? '?'} != ${v.mnemonic}`;
  const wantLen = Math.min(15, v.bytes.length);
  if (insn.length !== wantLen) return `length ${insn.length} != ${wantLen}`;
  if (d.lastError !== DecoderError.None) return '';
  if (insn.opCount !== v.opCount) return `opCount ${insn.opCount} != ${v.opCount}`;
  for (let i = 0; i < v.opCount; i++) {
    const op = v.operands[i];
    if (op === undefined) continue;
    const r = checkOperand(insn, i, op);
    if (r !== '') return r;
  }
  const f = v.flags;
  if (insn.hasLock !== f.has('lock')) return `lock ${String(insn.hasLock)}`;
  if (insn.hasRep !== (f.has('rep') || f.has('repe'))) return `rep ${String(insn.hasRep)}`;
  if (insn.hasRepne !== f.has('repne')) return `repne ${String(insn.hasRepne)}`;
  if (insn.hasXacquire !== f.has('xacquire')) return `xacquire ${String(insn.hasXacquire)}`;
  if (insn.hasXrelease !== f.has('xrelease')) return `xrelease ${String(insn.hasXrelease)}`;
  if (reg(insn.segmentPrefix) !== v.segmentPrefix) return `segprefix ${reg(insn.segmentPrefix)} != ${v.segmentPrefix}`;
  if (insn.broadcast !== f.has('bcst')) return `bcst ${String(insn.broadcast)}`;
  if (insn.zeroingMasking !== f.has('zmsk')) return `zmsk ${String(insn.zeroingMasking)}`;
  if (insn.suppressAllExceptions !== f.has('sae')) return `sae ${String(insn.suppressAllExceptions)}`;
  const rc = ['', 'rn', 'rd', 'ru', 'rz'][insn.roundingControl] ?? '?';
  if (rc !== v.rounding) return `rc ${rc} != ${v.rounding}`;
  if (reg(insn.opMask) !== v.opMask) return `opmask ${reg(insn.opMask)} != ${v.opMask}`;
  if (insn.memIsVsib !== (f.has('vsib32') || f.has('vsib64'))) return `vsib ${String(insn.memIsVsib)}`;
  const co = v.constantOffsets;
  if (co !== undefined) {
    const got = `${insn.immOffset};${insn.immSize};${insn.imm2Offset};${insn.imm2Size};${insn.dispOffset};${insn.dispSize}`;
    const want = `${co.immOffset};${co.immSize};${co.imm2Offset};${co.imm2Size};${co.dispOffset};${co.dispSize}`;
    if (got !== want) return `co ${got} != ${want}`;
  }
  const next = u64(insn.nextIpLo, insn.nextIpHi);
  const bits = BigInt(v.bitness === 64 ? 64 : v.bitness === 32 ? 32 : 16);
  const wantNext = BigInt.asUintN(Number(bits), v.ip + BigInt(wantLen));
  if (next !== wantNext) return `nextIp ${next.toString(16)} != ${wantNext.toString(16)}`;
  return '';
}

/** Same for a MemoryTest line (operand 0 memory, operand 1 register). */
function checkMemoryVector(d: Decoder, insn: Instruction, v: IcedMemoryVector, ip: bigint): string {
  d.setIp(ip);
  d.decodeInto(insn, v.bytes, 0);
  if (d.lastError !== DecoderError.None) return `error ${ERR_NAMES[d.lastError] ?? '?'}`;
  const code = codeNames[insn.code] ?? '?';
  if (code !== v.code) return `code ${code} != ${v.code}`;
  if (insn.length !== v.bytes.length) return `length ${insn.length}`;
  if (insn.opKinds[0] !== OpKind.Memory) return `op0 not memory`;
  if (reg(insn.opRegisters[1] ?? 0) !== v.register) return `op1 ${reg(insn.opRegisters[1] ?? 0)} != ${v.register}`;
  const sp = reg(insn.segmentPrefix) || 'none';
  const got = `${sp};${reg(insn.memSegment)};${reg(insn.memBase) || 'none'};${reg(insn.memIndex) || 'none'};${insn.memScale};0x${u64(insn.memDisplLo, insn.memDisplHi).toString(16)};${insn.memDisplSize}`;
  const want = `${v.segmentPrefix};${v.segment};${v.base};${v.index};${v.scale};0x${v.displacement.toString(16)};${v.displSize}`;
  if (got !== want) return `mem ${got} != ${want}`;
  const co = v.constantOffsets;
  const gotCo = `${insn.immOffset};${insn.immSize};${insn.imm2Offset};${insn.imm2Size};${insn.dispOffset};${insn.dispSize}`;
  const wantCo = `${co.immOffset};${co.immSize};${co.imm2Offset};${co.imm2Size};${co.dispOffset};${co.dispSize}`;
  if (gotCo !== wantCo) return `co ${gotCo} != ${wantCo}`;
  return '';
}

const here = dirname(fileURLToPath(import.meta.url));
const KNOWN = join(here, '__fixtures__', 'iced-known-failures.txt');
const dataDir = icedConformanceDir();
const KNOWN_HEADER = `# iced vector lines the decoder does not pass: <file>:<line> <vector> ==> <first mismatch>
# (currently none: every default-options line passes)
`;

const DECODER_FILES = [
  ['DecoderTest16', 16], ['DecoderTest32', 32], ['DecoderTest64', 64],
  ['DecoderTestMisc16', 16], ['DecoderTestMisc32', 32], ['DecoderTestMisc64', 64],
] as const;
const MEMORY_FILES = [['MemoryTest16', 16], ['MemoryTest32', 32], ['MemoryTest64', 64]] as const;

/** Lines iced needs non-default DecoderOptions for (or Knights Corner MVEX): not decoded by default. */
function skipped(v: IcedDecoderVector): boolean {
  return v.decoderOptions.length > 0 || v.code.startsWith('MVEX_') || v.code.startsWith('VEX_KNC_');
}

function runAll(): { failures: Map<string, string>; counts: string[] } {
  const failures = new Map<string, string>();
  const counts: string[] = [];
  const insn = new Instruction();
  for (const [file, bits] of DECODER_FILES) {
    const vs = loadIcedDecoderVectors(`Decoder/${file}.txt.gz`, bits) ?? [];
    const d = new Decoder({ bitness: bits });
    let pass = 0;
    let n = 0;
    for (const v of vs) {
      if (skipped(v)) continue;
      n++;
      const r = checkDecoderVector(d, insn, v);
      if (r === '') pass++;
      else failures.set(`${file}:${v.lineNo}`, `${v.line} ==> ${r}`);
    }
    counts.push(`${file}: ${pass}/${n}`);
  }
  for (const [file, bits] of MEMORY_FILES) {
    const vs = loadIcedMemoryVectors(`Decoder/${file}.txt.gz`, bits) ?? [];
    const d = new Decoder({ bitness: bits });
    let pass = 0;
    for (const v of vs) {
      const r = checkMemoryVector(d, insn, v, ICED_DEFAULT_IP[bits]);
      if (r === '') pass++;
      else failures.set(`${file}:${v.lineNo}`, `${v.line} ==> ${r}`);
    }
    counts.push(`${file}: ${pass}/${vs.length}`);
  }
  return { failures, counts };
}

describe.skipIf(dataDir === undefined)('iced decoder test vectors (conformance data present)', () => {
  it('fail exactly on the known-failure list', () => {
    const { failures, counts } = runAll();
    console.log(`iced vectors: ${counts.join(', ')}; ${failures.size} known failures`);
    if (process.env['X86KIT_UPDATE_KNOWN_FAILURES'] === '1') {
      const lines = [...failures].map(([k, r]) => `${k} ${r}`);
      writeFileSync(KNOWN, `${KNOWN_HEADER}${lines.join('\n')}\n`);
    }
    const known = existsSync(KNOWN)
      ? readFileSync(KNOWN, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.slice(0, l.indexOf(' ')))
      : [];
    expect([...failures.keys()].sort()).toEqual(known.sort());
  });
});

describe.skipIf(dataDir !== undefined)('iced decoder test vectors (conformance data missing)', () => {
  it.skip('skipped: ../shared/conformance not found (set X86KIT_CONFORMANCE_DIR)', () => undefined);
});

describe('decoder basics', () => {
  it('decodes add [bx+si],al in 16-bit mode', () => {
    const d = new Decoder({ bitness: 16 });
    const insn = new Instruction();
    expect(d.decodeInto(insn, new Uint8Array([0x00, 0x00]), 0)).toBe(2);
    expect(codeNames[insn.code]).toBe('Add_rm8_r8');
    expect(insn.memBase).toBe(Register.BX);
    expect(insn.memIndex).toBe(Register.SI);
    expect(insn.opRegisters[1]).toBe(Register.AL);
    expect(d.lastError).toBe(DecoderError.None);
  });
});
