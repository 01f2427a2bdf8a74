/**
 * Field-by-field comparison of one decode against one iced decoder / memory test vector (format:
 * the iced README in `shared/conformance/iced`). Shared by `@x86kit/decoder`'s conformance test
 * and `apps/test-runner`'s `decoder` suite.
 *
 * test-utils must not depend on `@x86kit/decoder` (the decoder's tests depend on test-utils), so
 * the checker is written against the structural types below and bound to the decoder's
 * vocabulary (`OpKind`, name tables) with {@link createIcedChecker}. Both sides are rendered into
 * the same `field → text` form and every differing field is reported, so a failure message says
 * everything that is wrong with a line at once.
 */
import type { IcedDecoderVector, IcedMemoryVector, IcedOperand } from './iced-vectors.js';

/** The instruction fields the checker reads (a subset of `@x86kit/decoder`'s `Instruction`). */
export interface IcedCheckInstruction {
  readonly code: number;
  readonly mnemonic: number;
  readonly length: number;
  readonly opCount: number;
  readonly opKinds: ArrayLike<number>;
  readonly opRegisters: ArrayLike<number>;
  readonly nextIpLo: number;
  readonly nextIpHi: number;
  readonly immediateLo: number;
  readonly immediateHi: number;
  readonly immediate2: number;
  readonly nearBranchLo: number;
  readonly nearBranchHi: number;
  readonly farBranchSelector: number;
  readonly farBranchOffset: number;
  readonly memSegment: number;
  readonly memBase: number;
  readonly memIndex: number;
  readonly memScale: number;
  readonly memDisplLo: number;
  readonly memDisplHi: number;
  readonly memDisplSize: number;
  readonly memorySize: number;
  readonly memIsVsib: boolean;
  readonly hasLock: boolean;
  readonly hasRep: boolean;
  readonly hasRepne: boolean;
  readonly hasXacquire: boolean;
  readonly hasXrelease: boolean;
  readonly segmentPrefix: number;
  readonly opMask: number;
  readonly zeroingMasking: boolean;
  readonly broadcast: boolean;
  readonly suppressAllExceptions: boolean;
  readonly roundingControl: number;
  readonly immOffset: number;
  readonly immSize: number;
  readonly imm2Offset: number;
  readonly imm2Size: number;
  readonly dispOffset: number;
  readonly dispSize: number;
}

/** The decoder API the checker drives. */
export interface IcedCheckDecoder<I extends IcedCheckInstruction> {
  readonly lastError: number;
  setIp(ip: bigint): void;
  decodeInto(insn: I, bytes: Uint8Array, offset: number): number;
}

/** `OpKind` values the vectors name (iced's names). */
export interface IcedCheckOpKinds {
  readonly Register: number; readonly NearBranch16: number; readonly NearBranch32: number; readonly NearBranch64: number;
  readonly FarBranch16: number; readonly FarBranch32: number; readonly Immediate8: number; readonly Immediate8_2nd: number;
  readonly Immediate16: number; readonly Immediate32: number; readonly Immediate64: number; readonly Immediate8to16: number;
  readonly Immediate8to32: number; readonly Immediate8to64: number; readonly Immediate32to64: number;
  readonly MemorySegSI: number; readonly MemorySegESI: number; readonly MemorySegRSI: number;
  readonly MemorySegDI: number; readonly MemorySegEDI: number; readonly MemorySegRDI: number;
  readonly MemoryESDI: number; readonly MemoryESEDI: number; readonly MemoryESRDI: number; readonly Memory: number;
}

/** The decoder's vocabulary: operand kinds and value → name tables (iced names). Register 0 is "none". */
export interface IcedCheckVocabulary {
  readonly OpKind: IcedCheckOpKinds;
  readonly codeNames: readonly string[];
  readonly mnemonicNames: readonly string[];
  readonly registerNames: readonly string[];
  readonly memorySizeNames: readonly string[];
  /** Names of `lastError` values, index = value (iced's: `None`, `InvalidInstruction`, `NoMoreBytes`). */
  readonly errorNames: readonly string[];
}

/** A checker bound to one decoder vocabulary; each function returns `''` when every field matches, else the differing fields. */
export interface IcedChecker<I extends IcedCheckInstruction> {
  /** Decodes `v.bytes` at `v.ip` and compares error, code, mnemonic, length and (for valid lines) every operand, flag and constant offset. */
  readonly checkDecoderVector: (d: IcedCheckDecoder<I>, insn: I, v: IcedDecoderVector) => string;
  /** Same for a MemoryTest line (operand 0 is the memory operand, operand 1 a register), decoded at `ip`. */
  readonly checkMemoryVector: (d: IcedCheckDecoder<I>, insn: I, v: IcedMemoryVector, ip: bigint) => string;
}

/** Why a line is not for a default-options (modern Intel) decoder, or `null` if it is. */
export function icedVectorSkipReason(v: IcedDecoderVector): string | null {
  if (v.decoderOptions.length > 0) return `needs iced DecoderOptions ${v.decoderOptions.join(';')}`;
  if (v.code.startsWith('MVEX_') || v.code.startsWith('VEX_KNC_')) return 'Knights Corner (MVEX) only';
  return null;
}

const RC = ['', 'rn', 'rd', 'ru', 'rz'];

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}
function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
function diffFields(got: Map<string, string>, want: Map<string, string>): string {
  const out: string[] = [];
  for (const [k, w] of want) {
    const g = got.get(k) ?? '<none>';
    if (g !== w) out.push(`${k} ${g} != ${w}`);
  }
  return out.join('; ');
}

/** The vector's operand in the `KIND;...` notation. */
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

/** Binds the checker to a decoder's vocabulary. */
export function createIcedChecker<I extends IcedCheckInstruction>(voc: IcedCheckVocabulary): IcedChecker<I> {
  const K = voc.OpKind;
  const shortKind = new Map<number, string>([
    [K.Register, 'r'], [K.NearBranch16, 'nb16'], [K.NearBranch32, 'nb32'], [K.NearBranch64, 'nb64'],
    [K.FarBranch16, 'fb16'], [K.FarBranch32, 'fb32'], [K.Immediate8, 'i8'], [K.Immediate8_2nd, 'i8_2nd'],
    [K.Immediate16, 'i16'], [K.Immediate32, 'i32'], [K.Immediate64, 'i64'], [K.Immediate8to16, 'i8to16'],
    [K.Immediate8to32, 'i8to32'], [K.Immediate8to64, 'i8to64'], [K.Immediate32to64, 'i32to64'],
    [K.MemorySegSI, 'segsi'], [K.MemorySegESI, 'segesi'], [K.MemorySegRSI, 'segrsi'],
    [K.MemorySegDI, 'segdi'], [K.MemorySegEDI, 'segedi'], [K.MemorySegRDI, 'segrdi'],
    [K.MemoryESDI, 'esdi'], [K.MemoryESEDI, 'esedi'], [K.MemoryESRDI, 'esrdi'], [K.Memory, 'm'],
  ]);
  const reg = (r: number): string => (r === 0 ? '' : (voc.registerNames[r] ?? `reg${r}`).toLowerCase());
  const memSize = (insn: I): string => voc.memorySizeNames[insn.memorySize] ?? '?';
  const constantOffsets = (insn: I): string =>
    `${insn.immOffset};${insn.immSize};${insn.imm2Offset};${insn.imm2Size};${insn.dispOffset};${insn.dispSize}`;

  /** Our operand `i` in the vector's `KIND;...` notation. */
  const renderOperand = (insn: I, i: number): string => {
    const kind = insn.opKinds[i] ?? -1;
    const k = shortKind.get(kind) ?? `kind${kind}`;
    switch (k) {
      case 'r': return `r;${reg(insn.opRegisters[i] ?? 0)}`;
      case 'nb16': case 'nb32': case 'nb64': return `${k};${hex(u64(insn.nearBranchLo, insn.nearBranchHi))}`;
      case 'fb16': case 'fb32': return `${k};${hex(BigInt(insn.farBranchSelector))};${hex(BigInt(insn.farBranchOffset >>> 0))}`;
      case 'i8_2nd': return `${k};${hex(BigInt(insn.immediate2))}`;
      case 'i64': case 'i8to64': case 'i32to64': return `${k};${hex(u64(insn.immediateLo, insn.immediateHi))}`;
      case 'i8': case 'i16': case 'i32': case 'i8to16': case 'i8to32': return `${k};${hex(BigInt(insn.immediateLo >>> 0))}`;
      case 'segsi': case 'segesi': case 'segrsi': case 'segdi': case 'segedi': case 'segrdi': return `${k};${reg(insn.memSegment)};${memSize(insn)}`;
      case 'esdi': case 'esedi': case 'esrdi': return `${k};${memSize(insn)}`;
      case 'm':
        return `m;${reg(insn.memSegment)};${reg(insn.memBase)};${reg(insn.memIndex)};${insn.memScale};${hex(u64(insn.memDisplLo, insn.memDisplHi))};${insn.memDisplSize};${memSize(insn)}`;
      default: return k;
    }
  };

  return {
    checkDecoderVector: (d, insn, v) => {
      d.setIp(v.ip);
      d.decodeInto(insn, v.bytes, 0);
      const len = Math.min(15, v.bytes.length);
      const errName = voc.errorNames[d.lastError] ?? '?';
      const got = new Map<string, string>([
        ['error', errName], ['code', voc.codeNames[insn.code] ?? '?'],
        ['mnemonic', voc.mnemonicNames[insn.mnemonic] ?? '?'], ['length', String(insn.length)],
      ]);
      const want = new Map<string, string>([['error', v.error], ['code', v.code], ['mnemonic', v.mnemonic], ['length', String(len)]]);
      if (errName === 'None' && v.error === 'None') {
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
          got.set('co', constantOffsets(insn));
          want.set('co', `${co.immOffset};${co.immSize};${co.imm2Offset};${co.imm2Size};${co.dispOffset};${co.dispSize}`);
        }
      }
      return diffFields(got, want);
    },

    checkMemoryVector: (d, insn, v, ip) => {
      d.setIp(ip);
      d.decodeInto(insn, v.bytes, 0);
      const co = v.constantOffsets;
      const got = new Map<string, string>([
        ['error', voc.errorNames[d.lastError] ?? '?'], ['code', voc.codeNames[insn.code] ?? '?'], ['length', String(insn.length)],
        ['op0', insn.opKinds[0] === K.Memory ? 'memory' : 'not memory'], ['op1', reg(insn.opRegisters[1] ?? 0)],
        ['segPrefix', reg(insn.segmentPrefix) || 'none'], ['seg', reg(insn.memSegment)], ['base', reg(insn.memBase) || 'none'],
        ['index', reg(insn.memIndex) || 'none'], ['scale', String(insn.memScale)], ['disp', hex(u64(insn.memDisplLo, insn.memDisplHi))],
        ['dispSize', String(insn.memDisplSize)], ['co', constantOffsets(insn)],
      ]);
      const want = new Map<string, string>([
        ['error', 'None'], ['code', v.code], ['length', String(v.bytes.length)], ['op0', 'memory'], ['op1', v.register],
        ['segPrefix', v.segmentPrefix], ['seg', v.segment], ['base', v.base], ['index', v.index], ['scale', String(v.scale)],
        ['disp', hex(v.displacement)], ['dispSize', String(v.displSize)],
        ['co', `${co.immOffset};${co.immSize};${co.imm2Offset};${co.imm2Size};${co.dispOffset};${co.dispSize}`],
      ]);
      return diffFields(got, want);
    },
  };
}
