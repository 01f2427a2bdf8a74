/**
 * Field-by-field comparison of one decode against one iced test vector (format: the iced
 * README in `shared/conformance/iced`). Both sides are rendered into the same `field → text`
 * form and every differing field is reported, so a failure message says everything that is
 * wrong with a line at once.
 */
import type {
  Decoder, Instruction} from '@x86kit/decoder';
import { DecoderError, OpKind, Register, codeNames, memorySizeNames, mnemonicNames, registerNames,
} from '@x86kit/decoder';
import type { IcedDecoderVector, IcedMemoryVector, IcedOperand } from '@x86kit/test-utils';

const ERROR_NAMES = ['None', 'InvalidInstruction', 'NoMoreBytes'];
/** iced short operand kinds (`opN=KIND;...`) by {@link OpKind} value. */
const SHORT_KIND: Record<number, string> = {
  [OpKind.Register]: 'r', [OpKind.NearBranch16]: 'nb16', [OpKind.NearBranch32]: 'nb32', [OpKind.NearBranch64]: 'nb64',
  [OpKind.FarBranch16]: 'fb16', [OpKind.FarBranch32]: 'fb32', [OpKind.Immediate8]: 'i8', [OpKind.Immediate8_2nd]: 'i8_2nd',
  [OpKind.Immediate16]: 'i16', [OpKind.Immediate32]: 'i32', [OpKind.Immediate64]: 'i64', [OpKind.Immediate8to16]: 'i8to16',
  [OpKind.Immediate8to32]: 'i8to32', [OpKind.Immediate8to64]: 'i8to64', [OpKind.Immediate32to64]: 'i32to64',
  [OpKind.MemorySegSI]: 'segsi', [OpKind.MemorySegESI]: 'segesi', [OpKind.MemorySegRSI]: 'segrsi',
  [OpKind.MemorySegDI]: 'segdi', [OpKind.MemorySegEDI]: 'segedi', [OpKind.MemorySegRDI]: 'segrdi',
  [OpKind.MemoryESDI]: 'esdi', [OpKind.MemoryESEDI]: 'esedi', [OpKind.MemoryESRDI]: 'esrdi', [OpKind.Memory]: 'm',
};
const RC = ['', 'rn', 'rd', 'ru', 'rz'];

function reg(r: number): string {
  return r === Register.None ? '' : (registerNames[r] ?? `reg${r}`).toLowerCase();
}
function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}
function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Our operand `i` in the vector's `KIND;...` notation. */
function renderOperand(insn: Instruction, i: number): string {
  const k = SHORT_KIND[insn.opKinds[i]] ?? `kind${insn.opKinds[i]}`;
  const ms = memorySizeNames[insn.memorySize] ?? '?';
  switch (k) {
    case 'r': return `r;${reg(insn.opRegisters[i])}`;
    case 'nb16': case 'nb32': case 'nb64': return `${k};${hex(u64(insn.nearBranchLo, insn.nearBranchHi))}`;
    case 'fb16': case 'fb32': return `${k};${hex(BigInt(insn.farBranchSelector))};${hex(BigInt(insn.farBranchOffset >>> 0))}`;
    case 'i8_2nd': return `${k};${hex(BigInt(insn.immediate2))}`;
    case 'i64': case 'i8to64': case 'i32to64': return `${k};${hex(u64(insn.immediateLo, insn.immediateHi))}`;
    case 'i8': case 'i16': case 'i32': case 'i8to16': case 'i8to32': return `${k};${hex(BigInt(insn.immediateLo >>> 0))}`;
    case 'segsi': case 'segesi': case 'segrsi': case 'segdi': case 'segedi': case 'segrdi': return `${k};${reg(insn.memSegment)};${ms}`;
    case 'esdi': case 'esedi': case 'esrdi': return `${k};${ms}`;
    case 'm':
      return `m;${reg(insn.memSegment)};${reg(insn.memBase)};${reg(insn.memIndex)};${insn.memScale};${hex(u64(insn.memDisplLo, insn.memDisplHi))};${insn.memDisplSize};${ms}`;
    default: return k;
  }
}

/** The vector's operand in the same notation. */
function renderExpected(op: IcedOperand): string {
  switch (op.kind) {
    case 'r': return `r;${op.register}`;
    case 'nb16': case 'nb32': case 'nb64': return `${op.kind};${hex(op.target)}`;
    case 'fb16': case 'fb32': return `${op.kind};${hex(BigInt(op.selector))};${hex(BigInt(op.offset))}`;
    case 'segsi': case 'segesi': case 'segrsi': case 'segdi': case 'segedi': case 'segrdi': return `${op.kind};${op.segment};${op.memorySize}`;
    case 'esdi': case 'esedi': case 'esrdi': return `${op.kind};${op.memorySize}`;
    case 'm': return `m;${op.segment};${op.base};${op.index};${op.scale};${hex(op.displacement)};${op.displSize};${op.memorySize}`;
    default: return `${op.kind};${hex(op.value)}`;
  }
}

function diffFields(got: Map<string, string>, want: Map<string, string>): string {
  const out: string[] = [];
  for (const [k, w] of want) {
    const g = got.get(k) ?? '<none>';
    if (g !== w) out.push(`${k} ${g} != ${w}`);
  }
  return out.join('; ');
}

/** True for lines the default (modern Intel) decoder is not asked to match. */
export function vectorSkipReason(v: IcedDecoderVector): string | null {
  if (v.decoderOptions.length > 0) return `needs iced DecoderOptions ${v.decoderOptions.join(';')}`;
  if (v.code.startsWith('MVEX_') || v.code.startsWith('VEX_KNC_')) return 'Knights Corner (MVEX) only';
  return null;
}

/** Decode `v.bytes` at `v.ip`; `''` when every field matches, else the differing fields. */
export function checkDecoderVector(d: Decoder, insn: Instruction, v: IcedDecoderVector): string {
  d.setIp(v.ip);
  d.decodeInto(insn, v.bytes, 0);
  const len = Math.min(15, v.bytes.length);
  const got = new Map<string, string>([
    ['error', ERROR_NAMES[d.lastError] ?? '?'], ['code', codeNames[insn.code] ?? '?'],
    ['mnemonic', mnemonicNames[insn.mnemonic] ?? '?'], ['length', String(insn.length)],
  ]);
  const want = new Map<string, string>([['error', v.error], ['code', v.code], ['mnemonic', v.mnemonic], ['length', String(len)]]);
  if (d.lastError === DecoderError.None && v.error === 'None') {
    const mask = (1n << BigInt(v.bitness)) - 1n;
    got.set('nextIp', hex(u64(insn.nextIpLo, insn.nextIpHi)));
    want.set('nextIp', hex((v.ip + BigInt(len)) & mask));
    got.set('opCount', String(insn.opCount));
    want.set('opCount', String(v.opCount));
    for (let i = 0; i < v.opCount; i++) {
      const op = v.operands[i];
      if (op === undefined) continue;
      got.set(`op${i}`, renderOperand(insn, i));
      want.set(`op${i}`, renderExpected(op));
    }
    const f = v.flags;
    const flag = (name: string, g: boolean, w: boolean): void => { got.set(name, String(g)); want.set(name, String(w)); };
    flag('lock', insn.hasLock, f.has('lock'));
    flag('rep', insn.hasRep, f.has('rep') || f.has('repe'));
    flag('repne', insn.hasRepne, f.has('repne'));
    flag('xacquire', insn.hasXacquire, f.has('xacquire'));
    flag('xrelease', insn.hasXrelease, f.has('xrelease'));
    flag('bcst', insn.broadcast, f.has('bcst'));
    flag('zmsk', insn.zeroingMasking, f.has('zmsk'));
    flag('sae', insn.suppressAllExceptions, f.has('sae'));
    flag('vsib', insn.memIsVsib, f.has('vsib32') || f.has('vsib64'));
    got.set('segPrefix', reg(insn.segmentPrefix));
    want.set('segPrefix', v.segmentPrefix);
    got.set('rc', RC[insn.roundingControl] ?? '?');
    want.set('rc', v.rounding);
    got.set('opMask', reg(insn.opMask));
    want.set('opMask', v.opMask);
    const co = v.constantOffsets;
    if (co !== undefined) {
      got.set('co', `${insn.immOffset};${insn.immSize};${insn.imm2Offset};${insn.imm2Size};${insn.dispOffset};${insn.dispSize}`);
      want.set('co', `${co.immOffset};${co.immSize};${co.imm2Offset};${co.imm2Size};${co.dispOffset};${co.dispSize}`);
    }
  }
  return diffFields(got, want);
}

/** Same for a MemoryTest line (operand 0 is the memory operand, operand 1 a register). */
export function checkMemoryVector(d: Decoder, insn: Instruction, v: IcedMemoryVector, ip: bigint): string {
  d.setIp(ip);
  d.decodeInto(insn, v.bytes, 0);
  const co = v.constantOffsets;
  const got = new Map<string, string>([
    ['error', ERROR_NAMES[d.lastError] ?? '?'], ['code', codeNames[insn.code] ?? '?'], ['length', String(insn.length)],
    ['op0', insn.opKinds[0] === OpKind.Memory ? 'memory' : 'not memory'], ['op1', reg(insn.opRegisters[1])],
    ['segPrefix', reg(insn.segmentPrefix) || 'none'], ['seg', reg(insn.memSegment)], ['base', reg(insn.memBase) || 'none'],
    ['index', reg(insn.memIndex) || 'none'], ['scale', String(insn.memScale)], ['disp', hex(u64(insn.memDisplLo, insn.memDisplHi))],
    ['dispSize', String(insn.memDisplSize)], ['co', `${insn.immOffset};${insn.immSize};${insn.imm2Offset};${insn.imm2Size};${insn.dispOffset};${insn.dispSize}`],
  ]);
  const want = new Map<string, string>([
    ['error', 'None'], ['code', v.code], ['length', String(v.bytes.length)], ['op0', 'memory'], ['op1', v.register],
    ['segPrefix', v.segmentPrefix], ['seg', v.segment], ['base', v.base], ['index', v.index], ['scale', String(v.scale)],
    ['disp', hex(v.displacement)], ['dispSize', String(v.displSize)],
    ['co', `${co.immOffset};${co.immSize};${co.imm2Offset};${co.imm2Size};${co.dispOffset};${co.dispSize}`],
  ]);
  return diffFields(got, want);
}
