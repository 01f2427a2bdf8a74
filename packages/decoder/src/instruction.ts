import { Code, Mnemonic, MemorySize } from './generated/enums.js';
import { Register } from './register.js';

/**
 * Kind of an instruction operand (iced-x86 names). Which {@link Instruction} fields hold the
 * operand's value depends on the kind:
 * - `Register`: `opRegisters[i]`.
 * - `NearBranch16/32/64`: `nearBranchLo/Hi` (absolute target, already truncated to the operand size).
 * - `FarBranch16/32`: `farBranchSelector`, `farBranchOffset`.
 * - `Immediate*`: `immediateLo/Hi` (already sign-/zero-extended to the kind's width);
 *   `Immediate8_2nd` (ENTER's nesting level, EXTRQ/INSERTQ): `immediate2`.
 * - `Memory`: `memSegment`, `memBase`, `memIndex`, `memScale`, `memDisplLo/Hi`, `memDisplSize`, `memorySize`.
 * - `MemorySeg*`/`MemoryES*` (string instructions): `memSegment`, `memorySize`.
 */
export const OpKind = {
  Register: 0,
  NearBranch16: 1,
  NearBranch32: 2,
  NearBranch64: 3,
  FarBranch16: 4,
  FarBranch32: 5,
  Immediate8: 6,
  Immediate8_2nd: 7,
  Immediate16: 8,
  Immediate32: 9,
  Immediate64: 10,
  Immediate8to16: 11,
  Immediate8to32: 12,
  Immediate8to64: 13,
  Immediate32to64: 14,
  MemorySegSI: 15,
  MemorySegESI: 16,
  MemorySegRSI: 17,
  MemorySegDI: 18,
  MemorySegEDI: 19,
  MemorySegRDI: 20,
  MemoryESDI: 21,
  MemoryESEDI: 22,
  MemoryESRDI: 23,
  Memory: 24,
} as const;
/** An {@link OpKind} value. */
export type OpKind = (typeof OpKind)[keyof typeof OpKind];

/** Names of {@link OpKind} values, indexed by value. */
export const opKindNames: readonly string[] = Object.keys(OpKind);

/** How the instruction was encoded. */
export const EncodingKind = { Legacy: 0, VEX: 1, EVEX: 2, XOP: 3, D3NOW: 4 } as const;
/** An {@link EncodingKind} value. */
export type EncodingKind = (typeof EncodingKind)[keyof typeof EncodingKind];

/** EVEX embedded rounding control (`{rn-sae}` ...); `None` when absent. */
export const RoundingControl = { None: 0, RoundToNearest: 1, RoundDown: 2, RoundUp: 3, RoundTowardZero: 4 } as const;
/** A {@link RoundingControl} value. */
export type RoundingControl = (typeof RoundingControl)[keyof typeof RoundingControl];

// Numeric copies of the enum members used below: V8 does not fold property loads from `as const`
// objects (each `Register.None` is a binding load, a map check and a field load per use);
// module-local number constants are folded into the code.
const C_INVALID = Code.INVALID;
const ENC_EVEX = EncodingKind.EVEX;
const ENC_Legacy = EncodingKind.Legacy;
const MN_INVALID = Mnemonic.INVALID;
const MS_Unknown = MemorySize.Unknown;
const RC_None = RoundingControl.None;
const R_None = Register.None;

/**
 * A decoded instruction. One object is meant to be reused for every decode
 * (`decoder.decodeInto(insn, bytes, offset)`): every field is a number or a preallocated typed
 * array, initialised in the constructor in a fixed order, so decoding never allocates.
 *
 * 64-bit quantities (IP, branch targets, displacements, 64-bit immediates) are split into
 * `...Lo`/`...Hi` int32 halves; read them as unsigned with `x >>> 0`, or use the convenience
 * getters ({@link Instruction.ip}, {@link Instruction.nearBranchTarget}, ...), which return a
 * `number` (exact below 2^53) and allocate nothing.
 */
export class Instruction {
  /** Instruction length in bytes (1..15); on a decode error: the bytes examined. */
  length = 0;
  /** Instruction form, {@link Code}.INVALID when the bytes are not a valid instruction. */
  code: Code = C_INVALID;
  /** Mnemonic, {@link Mnemonic}.INVALID for invalid instructions. */
  mnemonic: Mnemonic = MN_INVALID;
  /** Number of explicit operands (0..5). */
  opCount = 0;
  /** Decoding bitness (16, 32 or 64). */
  bitness = 64;
  /** {@link EncodingKind}. */
  encoding: EncodingKind = ENC_Legacy;
  /** IP of the first byte (low/high 32 bits). */
  ipLo = 0;
  ipHi = 0;
  /** IP of the next instruction: `ip + length`, wrapped to the bitness. */
  nextIpLo = 0;
  nextIpHi = 0;
  /** Operand kinds ({@link OpKind}) of operands 0..opCount-1. */
  readonly opKinds = new Uint8Array(5);
  /** Register ({@link Register}) of each `OpKind.Register` operand, else `Register.None`. */
  readonly opRegisters = new Uint16Array(5);
  /** Immediate value of the `Immediate*` operand (except `Immediate8_2nd`), extended to its kind's width. */
  immediateLo = 0;
  immediateHi = 0;
  /** The second 8-bit immediate (`OpKind.Immediate8_2nd`). */
  immediate2 = 0;
  /** Near branch target (absolute; `OpKind.NearBranch*`). */
  nearBranchLo = 0;
  nearBranchHi = 0;
  /** Far branch selector and offset (`OpKind.FarBranch16/32`). */
  farBranchSelector = 0;
  farBranchOffset = 0;
  /** Effective segment register of the memory operand ({@link Register}), e.g. `Register.DS`. */
  memSegment: Register = R_None;
  /** Base register of the memory operand, `Register.None` if none; `RIP`/`EIP` for IP-relative. */
  memBase: Register = R_None;
  /** Index register of the memory operand (`XMM*`/`YMM*`/`ZMM*` for VSIB), `Register.None` if none. */
  memIndex: Register = R_None;
  /** Index scale: 1, 2, 4 or 8. */
  memScale = 1;
  /**
   * Displacement as an unsigned value of the address size (sign-extended from the encoded size).
   * For IP-relative operands: the absolute target address (`nextIp + disp32`), already resolved.
   */
  memDisplLo = 0;
  memDisplHi = 0;
  /** Size of the encoded displacement: 0, 1, 2, 4 or 8 (8 = RIP-relative in 64-bit mode). */
  memDisplSize = 0;
  /** Size/type of the memory operand ({@link MemorySize}), `Unknown` if none or unsized (LEA). */
  memorySize: MemorySize = MS_Unknown;
  /** True if the memory operand uses VSIB addressing (gathers/scatters). */
  memIsVsib = false;
  /** Operand size in bits chosen by prefixes/mode (16, 32 or 64). */
  operandSize = 32;
  /** Address size in bits chosen by prefixes/mode (16, 32 or 64). */
  addressSize = 32;
  /** Segment override prefix in effect ({@link Register}), `Register.None` if none. */
  segmentPrefix: Register = R_None;
  /** LOCK prefix present. */
  hasLock = false;
  /** REP/REPE (F3) is the effective repeat prefix. */
  hasRep = false;
  /** REPNE (F2) is the effective repeat prefix. */
  hasRepne = false;
  /** XACQUIRE (F2 on a lockable or `xchg` memory instruction). */
  hasXacquire = false;
  /** XRELEASE (F3 on a lockable or `mov`/`xchg` memory instruction). */
  hasXrelease = false;
  /** Operand-size (66) and address-size (67) prefixes present. */
  hasOperandSizePrefix = false;
  hasAddressSizePrefix = false;
  /** REX byte used by the instruction (0x40..0x4F), 0 if none. */
  rex = 0;
  /** EVEX opmask register (`Register.K1`..`K7`), `Register.None` if none. */
  opMask: Register = R_None;
  /** EVEX zeroing-masking (`{z}`). */
  zeroingMasking = false;
  /** EVEX embedded broadcast (`{1toN}`). */
  broadcast = false;
  /** EVEX suppress-all-exceptions (`{sae}`). */
  suppressAllExceptions = false;
  /** EVEX embedded rounding ({@link RoundingControl}). */
  roundingControl: RoundingControl = RC_None;
  /** Offset and size of the immediate(s) and displacement within the instruction bytes (0 if none). */
  immOffset = 0;
  immSize = 0;
  imm2Offset = 0;
  imm2Size = 0;
  dispOffset = 0;
  dispSize = 0;
  /** @internal Set by the decoder when an immediate/branch/far-pointer field may be non-zero. */
  dirtyImm = false;
  /** @internal Set by the decoder when the encoding is not legacy or an EVEX field (opmask, {z}, broadcast, rounding, SAE), LOCK, REP/REPNE or XACQUIRE/XRELEASE may be set. */
  dirtyExt = false;

  /**
   * @internal Decoder fast reset: clears only what the previous successful decode may have set
   * and the next decode does not always overwrite (the decoder calls {@link Instruction.clear}
   * on its error paths).
   */
  resetForDecode(): void {
    const k = this.opKinds;
    const r = this.opRegisters;
    for (let i = this.opCount - 1; i >= 0; i--) {
      k[i] = 0;
      r[i] = 0;
    }
    if (this.memSegment !== R_None || this.memorySize !== MS_Unknown) this.clearMemory();
    if (this.dirtyImm) this.clearImmediates();
    if (this.encoding === ENC_EVEX) this.clearEvex();
    this.hasRep = false;
    this.hasRepne = false;
    this.hasXacquire = false;
    this.hasXrelease = false;
    this.dirtyExt = false;
    this.opCount = 0;
  }

  /**
   * @internal Decoder fast-path reset: like {@link Instruction.resetForDecode}, but operand slots
   * below `opCount` are left to the caller, which writes the kind and the register (or
   * `Register.None`) of each, and the memory fields too (the caller writes all of them for a
   * memory operand, else calls {@link Instruction.clearMemory} if they are set).
   */
  resetForFastDecode(opCount: number): void {
    const old = this.opCount;
    if (old > opCount) {
      const k = this.opKinds;
      const r = this.opRegisters;
      for (let i = opCount; i < old; i++) {
        k[i] = 0;
        r[i] = 0;
      }
    }
    if (this.dirtyImm) this.clearImmediates();
    if (this.dirtyExt) {
      // Only the general path sets these (encoding, LOCK, REP/REPNE, HLE, EVEX fields).
      this.encoding = ENC_Legacy;
      this.hasLock = false;
      this.clearEvex();
      this.hasRep = false;
      this.hasRepne = false;
      this.hasXacquire = false;
      this.hasXrelease = false;
      this.dirtyExt = false;
    }
  }

  /** @internal Resets the immediate, branch-target and immediate-location fields. */
  private clearImmediates(): void {
    this.immediateLo = 0;
    this.immediateHi = 0;
    this.immediate2 = 0;
    this.nearBranchLo = 0;
    this.nearBranchHi = 0;
    this.farBranchSelector = 0;
    this.farBranchOffset = 0;
    this.immOffset = 0;
    this.immSize = 0;
    this.imm2Offset = 0;
    this.imm2Size = 0;
    this.dirtyImm = false;
  }

  /** @internal Resets the EVEX fields (opmask, zeroing, broadcast, SAE, rounding). */
  private clearEvex(): void {
    this.opMask = R_None;
    this.zeroingMasking = false;
    this.broadcast = false;
    this.suppressAllExceptions = false;
    this.roundingControl = RC_None;
  }

  /** @internal Resets the memory operand fields. */
  clearMemory(): void {
    this.memSegment = R_None;
    this.memBase = R_None;
    this.memIndex = R_None;
    this.memScale = 1;
    this.memDisplLo = 0;
    this.memDisplHi = 0;
    this.memDisplSize = 0;
    this.memorySize = MS_Unknown;
    this.memIsVsib = false;
    this.dispOffset = 0;
    this.dispSize = 0;
  }

  /** Resets every field to its empty value (the decoder calls this first). */
  clear(): void {
    this.length = 0;
    this.code = C_INVALID;
    this.mnemonic = MN_INVALID;
    this.opCount = 0;
    this.encoding = ENC_Legacy;
    this.nextIpLo = 0;
    this.nextIpHi = 0;
    const k = this.opKinds;
    k[0] = 0; k[1] = 0; k[2] = 0; k[3] = 0; k[4] = 0;
    const r = this.opRegisters;
    r[0] = 0; r[1] = 0; r[2] = 0; r[3] = 0; r[4] = 0;
    this.clearImmediates();
    this.clearMemory();
    this.segmentPrefix = R_None;
    this.hasLock = false;
    this.hasRep = false;
    this.hasRepne = false;
    this.hasXacquire = false;
    this.hasXrelease = false;
    this.hasOperandSizePrefix = false;
    this.hasAddressSizePrefix = false;
    this.rex = 0;
    this.clearEvex();
    this.dirtyExt = false;
  }

  /** True unless {@link Instruction.code} is `Code.INVALID`. */
  get isValid(): boolean {
    return this.code !== C_INVALID;
  }
  /** IP as a number (exact below 2^53). */
  get ip(): number {
    return (this.ipHi >>> 0) * 0x1_0000_0000 + (this.ipLo >>> 0);
  }
  /** Next IP as a number (exact below 2^53). */
  get nextIp(): number {
    return (this.nextIpHi >>> 0) * 0x1_0000_0000 + (this.nextIpLo >>> 0);
  }
  /** Near branch target as a number (exact below 2^53). */
  get nearBranchTarget(): number {
    return (this.nearBranchHi >>> 0) * 0x1_0000_0000 + (this.nearBranchLo >>> 0);
  }
  /** Memory displacement as an unsigned number (exact below 2^53). */
  get memDisplacement(): number {
    return (this.memDisplHi >>> 0) * 0x1_0000_0000 + (this.memDisplLo >>> 0);
  }
  /** Immediate as an unsigned number of its kind's width (exact below 2^53). */
  get immediate(): number {
    return (this.immediateHi >>> 0) * 0x1_0000_0000 + (this.immediateLo >>> 0);
  }
  /** Operand kind of operand `i`. */
  opKind(i: number): OpKind {
    return (this.opKinds[i] ?? 0) as OpKind;
  }
  /** Register of operand `i` (`Register.None` unless its kind is `OpKind.Register`). */
  opRegister(i: number): Register {
    return (this.opRegisters[i] ?? 0) as Register;
  }
  /** Copies every field of `other` into this instruction (for keeping a decoded instruction). */
  copyFrom(other: Instruction): void {
    this.length = other.length;
    this.code = other.code;
    this.mnemonic = other.mnemonic;
    this.opCount = other.opCount;
    this.bitness = other.bitness;
    this.encoding = other.encoding;
    this.ipLo = other.ipLo;
    this.ipHi = other.ipHi;
    this.nextIpLo = other.nextIpLo;
    this.nextIpHi = other.nextIpHi;
    this.opKinds.set(other.opKinds);
    this.opRegisters.set(other.opRegisters);
    this.immediateLo = other.immediateLo;
    this.immediateHi = other.immediateHi;
    this.immediate2 = other.immediate2;
    this.nearBranchLo = other.nearBranchLo;
    this.nearBranchHi = other.nearBranchHi;
    this.farBranchSelector = other.farBranchSelector;
    this.farBranchOffset = other.farBranchOffset;
    this.memSegment = other.memSegment;
    this.memBase = other.memBase;
    this.memIndex = other.memIndex;
    this.memScale = other.memScale;
    this.memDisplLo = other.memDisplLo;
    this.memDisplHi = other.memDisplHi;
    this.memDisplSize = other.memDisplSize;
    this.memorySize = other.memorySize;
    this.memIsVsib = other.memIsVsib;
    this.operandSize = other.operandSize;
    this.addressSize = other.addressSize;
    this.segmentPrefix = other.segmentPrefix;
    this.hasLock = other.hasLock;
    this.hasRep = other.hasRep;
    this.hasRepne = other.hasRepne;
    this.hasXacquire = other.hasXacquire;
    this.hasXrelease = other.hasXrelease;
    this.hasOperandSizePrefix = other.hasOperandSizePrefix;
    this.hasAddressSizePrefix = other.hasAddressSizePrefix;
    this.rex = other.rex;
    this.opMask = other.opMask;
    this.zeroingMasking = other.zeroingMasking;
    this.broadcast = other.broadcast;
    this.suppressAllExceptions = other.suppressAllExceptions;
    this.roundingControl = other.roundingControl;
    this.immOffset = other.immOffset;
    this.immSize = other.immSize;
    this.imm2Offset = other.imm2Offset;
    this.imm2Size = other.imm2Size;
    this.dispOffset = other.dispOffset;
    this.dispSize = other.dispSize;
    this.dirtyImm = other.dirtyImm;
    this.dirtyExt = other.dirtyExt;
  }
}
