import { type Code, MemorySize } from './generated/enums.js';
import {
  DISPATCH_MODRM as DISPATCH_MODRM_TABLE,
  DISPATCH_START as DISPATCH_START_TABLE,
  FORM_MATCH as FORM_MATCH_TABLE,
  FormFlag,
  MODE_DISPATCH as MODE_DISPATCH_TABLE,
  SLOT_DATA as SLOT_DATA_TABLE,
  FORM_DATA as FORM_DATA_TABLE,
  OPTION_ONLY_SLOTS as OPTION_ONLY_SLOTS_TABLE,
} from './generated/tables.js';
import { EncodingKind, Instruction, OpKind, type RoundingControl } from './instruction.js';
import { Register } from './register.js';

// Module-local aliases of the generated tables: a load of an imported binding is a module-cell
// load and a hole check on every use in optimised code, a local `const` is not (decode 1.04x).
const DISPATCH_MODRM = DISPATCH_MODRM_TABLE;
const DISPATCH_START = DISPATCH_START_TABLE;
const FORM_MATCH = FORM_MATCH_TABLE;
const MODE_DISPATCH = MODE_DISPATCH_TABLE;
const SLOT_DATA = SLOT_DATA_TABLE;
const FORM_DATA = FORM_DATA_TABLE;
const OPTION_ONLY_SLOTS = OPTION_ONLY_SLOTS_TABLE;

// Numeric copies of the enum members used below. V8 does not fold property loads from imported
// `as const` objects (each `Register.RAX` is a module-binding load, a map check and a field
// load, on every decode); module-local number constants are folded into the code. Measured:
// decode-only 1.08-1.09x (A/B in one process, node 20).
const ENC_D3NOW = EncodingKind.D3NOW;
const ENC_EVEX = EncodingKind.EVEX;
const ENC_Legacy = EncodingKind.Legacy;
const ENC_VEX = EncodingKind.VEX;
const ENC_XOP = EncodingKind.XOP;
const K_FarBranch16 = OpKind.FarBranch16;
const K_FarBranch32 = OpKind.FarBranch32;
const K_Immediate16 = OpKind.Immediate16;
const K_Immediate32 = OpKind.Immediate32;
const K_Immediate32to64 = OpKind.Immediate32to64;
const K_Immediate64 = OpKind.Immediate64;
const K_Immediate8 = OpKind.Immediate8;
const K_Immediate8_2nd = OpKind.Immediate8_2nd;
const K_Immediate8to16 = OpKind.Immediate8to16;
const K_Immediate8to32 = OpKind.Immediate8to32;
const K_Immediate8to64 = OpKind.Immediate8to64;
const K_Memory = OpKind.Memory;
const K_MemoryESDI = OpKind.MemoryESDI;
const K_MemoryESEDI = OpKind.MemoryESEDI;
const K_MemoryESRDI = OpKind.MemoryESRDI;
const K_MemorySegDI = OpKind.MemorySegDI;
const K_MemorySegSI = OpKind.MemorySegSI;
const K_NearBranch16 = OpKind.NearBranch16;
const K_NearBranch32 = OpKind.NearBranch32;
const K_NearBranch64 = OpKind.NearBranch64;
const K_Register = OpKind.Register;
const MS_Unknown = MemorySize.Unknown;
const R_AL = Register.AL;
const R_AX = Register.AX;
const R_BND0 = Register.BND0;
const R_BP = Register.BP;
const R_BX = Register.BX;
const R_CL = Register.CL;
const R_CR0 = Register.CR0;
const R_CS = Register.CS;
const R_DI = Register.DI;
const R_DR0 = Register.DR0;
const R_DS = Register.DS;
const R_DX = Register.DX;
const R_EAX = Register.EAX;
const R_EBX = Register.EBX;
const R_EIP = Register.EIP;
const R_ES = Register.ES;
const R_FS = Register.FS;
const R_GS = Register.GS;
const R_K0 = Register.K0;
const R_MM0 = Register.MM0;
const R_None = Register.None;
const R_RAX = Register.RAX;
const R_RBX = Register.RBX;
const R_RIP = Register.RIP;
const R_SI = Register.SI;
const R_SS = Register.SS;
const R_ST0 = Register.ST0;
const R_TMM0 = Register.TMM0;
const R_TR0 = Register.TR0;
const R_XMM0 = Register.XMM0;
const R_YMM0 = Register.YMM0;
const R_ZMM0 = Register.ZMM0;

/** Why the last decode did not produce a valid instruction. */
export const DecoderError = {
  /** The instruction decoded fine. */
  None: 0,
  /** The bytes are not a valid instruction in this mode (the CPU raises #UD), or it is longer than 15 bytes. */
  InvalidInstruction: 1,
  /** The buffer ended before the instruction did (fewer than 15 bytes were available). */
  NoMoreBytes: 2,
} as const;
/** A {@link DecoderError} value. */
export type DecoderError = (typeof DecoderError)[keyof typeof DecoderError];

// Number copies of DecoderError and FormFlag members (see the comment on R_* above).
const ERR_InvalidInstruction = DecoderError.InvalidInstruction;
const ERR_NoMoreBytes = DecoderError.NoMoreBytes;
const ERR_None = DecoderError.None;
const FF_WIG32 = FormFlag.WIG32;
const FF_b = FormFlag.b;
const FF_do64 = FormFlag.do64;
const FF_er = FormFlag.er;
const FF_intelFo64 = FormFlag.intelFo64;
const FF_k = FormFlag.k;
const FF_knz = FormFlag.knz;
const FF_lock = FormFlag.lock;
const FF_no66 = FormFlag.no66;
const FF_noF2f3 = FormFlag.noF2f3;
const FF_rep = FormFlag.rep;
const FF_sae = FormFlag.sae;
const FF_uniqueDestRegNum = FormFlag.uniqueDestRegNum;
const FF_uniqueRegNums = FormFlag.uniqueRegNums;
const FF_xacquire = FormFlag.xacquire;
const FF_xrelease = FormFlag.xrelease;
const FF_z = FormFlag.z;

/** Options for {@link Decoder}. */
export interface DecoderOptions {
  /** Code size: 16 (real/V86/16-bit protected mode), 32 or 64 (long mode). */
  readonly bitness: 16 | 32 | 64;
  /** IP of the first instruction decoded (default 0). `bigint` for 64-bit addresses above 2^53. */
  readonly ip?: number | bigint;
}

// Dispatch table ids (see tools/gen-x86/src/decoder-gen.ts DISPATCH_TABLES).
const T_LEGACY = 0;
const T_0F = 1;
const T_0F38 = 2;
const T_0F3A = 3;
const T_3DNOW = 4;
const T_VEX = 5; // + map - 1
const T_EVEX_0F = 8;
const T_EVEX_MAP5 = 11;
const T_XOP = 13; // + map - 8

// Tuple types (disp8*N): N without and with broadcast, indexed like the generator's TUPLE_TYPES.
const TT_N = new Uint8Array([1, 1, 2, 4, 8, 16, 32, 64, 8, 16, 32, 64, 128, 16, 32, 64, 128, 32, 64, 128]);
const TT_NB = new Uint8Array([1, 1, 2, 4, 8, 16, 32, 64, 2, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8]);
// TT names N4b2.. give N-without-broadcast first; fix entries to "Nxx" meaning full N, bcst N.
(() => {
  // N4b2, N8b2, N16b2, N32b2, N64b2, N8b4, N16b4, N32b4, N64b4, N16b8, N32b8, N64b8
  const full = [4, 8, 16, 32, 64, 8, 16, 32, 64, 16, 32, 64];
  const b = [2, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8];
  for (let i = 0; i < 12; i++) {
    TT_N[8 + i] = full[i];
    TT_NB[8 + i] = b[i];
  }
})();

/** True if (table, opcode, ModRM) is a fixed-ModRM slot with no default form in this mode (see generator). */
function isOptionOnlySlot(table: number, op: number, modrm: number, modeBit: number): boolean {
  const key = (table << 16) | (op << 8) | modrm;
  const a = OPTION_ONLY_SLOTS;
  for (let i = 0; i < a.length; i++) if ((a[i] & 0x1ffffff) === key && ((a[i] >> 25) & modeBit) !== 0) return true;
  return false;
}

/** Legacy prefix classes: 1 ES/CS/SS/DS, 2 FS/GS, 3 66, 4 67, 5 F0, 6 F2/F3, 7 REX (64-bit only). */
const PREFIX_KIND = (() => {
  const t = new Uint8Array(256);
  t[0x26] = 1; t[0x2e] = 1; t[0x36] = 1; t[0x3e] = 1;
  t[0x64] = 2; t[0x65] = 2;
  t[0x66] = 3; t[0x67] = 4; t[0xf0] = 5; t[0xf2] = 6; t[0xf3] = 6;
  for (let i = 0x40; i < 0x50; i++) t[i] = 7;
  return t;
})();

const SEG_BY_PREFIX = [R_ES, R_CS, R_SS, R_DS];

/** Form-selection memo: 2^FC_BITS direct-mapped entries shared by all decoders (keys include the bitness). */
const FC_BITS = 13;
const FC_K1 = new Int32Array(1 << FC_BITS).fill(-1);
const FC_K2 = new Int32Array(1 << FC_BITS).fill(-1);
const FC_RES = new Int32Array(1 << FC_BITS);

/**
 * Fast-path plans, per bitness: key = (67, map 0/0F, opcode, 66, REX.W, ModRM mod==3, ModRM.reg);
 * value = form * 4 + operand-size id (1..3), -1 = not on the fast path, 0 = not computed yet.
 * Filled lazily by `Decoder.fastPlanOf` from the same slot tables as the general path.
 */
const FAST_PLANS = [new Int16Array(1 << 16), new Int16Array(1 << 16), new Int16Array(1 << 16)];
/** Operand encodings the fast path decodes (see decodeInto). */
const FAST_OE = (() => {
  const t = new Uint8Array(256);
  for (const oe of [1, 2, 3, 4, 5, 6, 14, 15, 16, 17, 18, 19, 26, 27, 28, 29, 30, 31, 32, 33, 34, 40, 41, 51, 52, 53, 54, 58, 59, 60, 61, 64, 65, 66, 67, 68, 69, 70, 74, 83, 84, 85]) t[oe] = 1;
  return t;
})();
const FAST_PATH = { on: true };
/** @internal Test hook: disable the fast path (to compare it with the general path). */
export function setDecoderFastPath(on: boolean): void {
  FAST_PATH.on = on;
}

const M_MODRM = 1 << 26;
const M_OPREG = 1 << 25;

/**
 * x86/x86-64 instruction decoder bound to a bitness. Decodes into a caller-owned, reused
 * {@link Instruction}; `decodeInto` allocates nothing and never throws.
 *
 * Prefix rules follow the Intel SDM Vol. 2, 2.1 and 2.2 (REX only when it immediately precedes
 * the opcode; last F2/F3 is the mandatory prefix; 66 ignored as operand size when it is the
 * mandatory prefix; 15-byte limit) and AMD APM Vol. 3, 1.2 / 1.8 (VEX/XOP/EVEX).
 *
 * @example
 * ```ts
 * const d = new Decoder({ bitness: 64, ip: 0x1000 });
 * const insn = new Instruction();
 * const len = d.decodeInto(insn, bytes, 0); // insn.code, insn.mnemonic, insn.opKinds ...
 * ```
 */
export class Decoder {
  /** 16, 32 or 64. */
  readonly bitness: 16 | 32 | 64;
  /** IP of the next instruction to decode (low/high 32 bits); advanced by each decode. */
  ipLo = 0;
  ipHi = 0;
  /** Outcome of the last decode. */
  lastError: DecoderError = ERR_None;
  /** Set by the two error exits only; read through {@link Decoder.lastErrorTooLong}. */
  private errTooLong = false;

  /**
   * True when the last decode was `InvalidInstruction` because the instruction would exceed the
   * 15-byte limit (the CPU raises #GP(0), Intel SDM Vol. 2A 2.3.11), false for any other outcome,
   * including an invalid encoding that fits in 15 bytes (#UD). Costs nothing on valid decodes.
   */
  get lastErrorTooLong(): boolean {
    return this.lastError === ERR_InvalidInstruction && this.errTooLong;
  }

  // --- per-decode scratch state (fields, so decoding allocates nothing) ---
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private pos = 0;
  private rexW = 0;
  private rexR = 0;
  private rexX = 0;
  private rexB = 0;
  private hasRex = false;
  private evexR2 = 0; // EVEX.R' (reg bit 4)
  private evexV2 = 0; // EVEX.V' (vvvv bit 4)
  private vvvv = 0;
  private vvvvRaw = 0;
  private vexL = 0;
  private aaa = 0;
  private evexZ = 0;
  private evexB = 0;
  private modrm = 0;
  private mod = 0;
  private reg = 0;
  private rm = 0;
  private asz = 32;
  private seg: Register = R_None;
  private isByte = -1;
  private ripRel = 0; // 0 none, 64 RIP, 32 EIP
  private dispLo = 0;
  private tupleN = 1;
  private invalid = false;
  private earlyInvalid = false;
  private vvvvUsed = false;
  private vexState = false;
  private branchOp = -1;
  private v2Used = false;
  /** Fast-path plans of this bitness (shared, see FAST_PLANS). */
  private readonly plans: Int16Array;

  constructor(options: DecoderOptions) {
    const b = options.bitness;
    if (b !== 16 && b !== 32 && b !== 64) throw new RangeError(`bitness must be 16, 32 or 64, got ${String(b)}`);
    this.bitness = b;
    this.plans = FAST_PLANS[b === 16 ? 0 : b === 32 ? 1 : 2] ?? new Int16Array(1 << 16);
    this.setIp(options.ip ?? 0);
  }

  /** Sets the IP of the next instruction. */
  setIp(ip: number | bigint): void {
    if (typeof ip === 'bigint') {
      this.ipLo = Number(BigInt.asUintN(32, ip)) | 0;
      this.ipHi = Number(BigInt.asUintN(32, ip >> 32n)) | 0;
    } else {
      this.ipLo = ip % 0x1_0000_0000 | 0;
      this.ipHi = Math.floor(ip / 0x1_0000_0000) | 0;
    }
  }

  /** Convenience: decodes one instruction into a new {@link Instruction} (allocates). */
  decode(bytes: Uint8Array, offset = 0): Instruction {
    const insn = new Instruction();
    this.decodeInto(insn, bytes, offset);
    return insn;
  }

  private u8(p: number): number {
    return p < this.end ? (this.buf[p]) : 0;
  }

  /** The general decoder (every encoding, prefix combination and buffer end); see {@link Decoder.decodeInto}. */
  private decodeGeneral(insn: Instruction, bytes: Uint8Array, offset: number): number {
    insn.resetForDecode();
    const bitness = this.bitness;
    insn.bitness = bitness;
    insn.ipLo = this.ipLo;
    insn.ipHi = this.ipHi;
    const start = offset;
    let avail = bytes.length - offset;
    if (avail > 15) avail = 15;
    if (avail < 0) avail = 0;
    this.buf = bytes;
    this.start = start;
    this.end = start + avail;
    this.invalid = false;
    this.earlyInvalid = false;
    this.branchOp = -1;
    this.isByte = -1;
    this.ripRel = 0;
    if (this.vexState) {
      // VEX/EVEX/XOP scratch state is only written by those encodings: reset it lazily.
      this.vexState = false;
      this.vvvvUsed = false;
      this.v2Used = false;
      this.evexR2 = 0;
      this.evexV2 = 0;
      this.vvvv = 0;
      this.vvvvRaw = 0;
      this.vexL = 0;
      this.aaa = 0;
      this.evexZ = 0;
      this.evexB = 0;
      this.tupleN = 1;
    }
    const mode64 = bitness === 64;

    // --- legacy prefixes and REX (SDM Vol. 2, 2.1.1, 2.2.1) ---
    let pos = start;
    let p66 = false;
    let p67 = false;
    let lock = false;
    let repLast = 0;
    let seg: Register = R_None;
    let rex = 0;
    let b = 0;
    const end = this.end;
    while (pos < end) {
      b = bytes[pos];
      const pk = PREFIX_KIND[b];
      if (pk === 0) break;
      if (pk === 1) {
        // 64-bit mode: ES/CS/SS/DS overrides do not replace an earlier FS/GS (SDM Vol. 1, 3.3.7.1).
        if (!mode64 || (seg !== R_FS && seg !== R_GS)) seg = SEG_BY_PREFIX[(b >> 3) & 3] ?? R_None;
      } else if (pk === 2) {
        seg = b === 0x64 ? R_FS : R_GS;
      } else if (pk === 3) {
        p66 = true;
      } else if (pk === 4) {
        p67 = true;
      } else if (pk === 5) {
        lock = true;
      } else if (pk === 6) {
        repLast = b;
      } else if (mode64) {
        rex = b; // REX counts only if it immediately precedes the opcode (SDM Vol. 2, 2.2.1)
        pos++;
        continue;
      } else {
        break; // 40..4F are INC/DEC outside 64-bit mode
      }
      rex = 0;
      pos++;
    }
    if (pos >= this.end) return this.finishError(insn, pos);
    this.seg = seg;
    this.hasRex = rex !== 0;
    this.rexW = (rex >> 3) & 1;
    this.rexR = (rex >> 2) & 1;
    this.rexX = (rex >> 1) & 1;
    this.rexB = rex & 1;
    const asz = bitness === 16 ? (p67 ? 32 : 16) : bitness === 32 ? (p67 ? 16 : 32) : p67 ? 32 : 64;
    this.asz = asz;

    // --- opcode map / VEX / EVEX / XOP ---
    let table = T_LEGACY;
    let enc: EncodingKind = ENC_Legacy;
    let ppId = 0; // mandatory-prefix id: 1 NP, 2 66, 3 F3, 4 F2
    let w = this.rexW;
    b = bytes[pos];
    pos++;
    if (b === 0x0f) {
      const b2 = this.u8(pos);
      pos++;
      if (b2 === 0x38) {
        table = T_0F38;
        b = this.u8(pos);
        pos++;
      } else if (b2 === 0x3a) {
        table = T_0F3A;
        b = this.u8(pos);
        pos++;
      } else if (b2 === 0x0f) {
        table = T_3DNOW;
        enc = ENC_D3NOW;
        b = 0;
      } else {
        table = T_0F;
        b = b2;
      }
    } else if ((b === 0xc4 || b === 0xc5 || b === 0x62) && (mode64 || (this.u8(pos) & 0xc0) === 0xc0)) {
      this.vexState = true;
      if (p66 || repLast !== 0 || rex !== 0 || lock) this.invalid = true;
      const p0 = this.u8(pos);
      if (b === 0xc5) {
        enc = ENC_VEX;
        this.rexR = mode64 ? (~p0 >> 7) & 1 : 0;
        this.rexX = 0;
        this.rexB = 0;
        w = 0;
        this.vvvv = (~p0 >> 3) & 15;
        this.vexL = (p0 >> 2) & 1;
        ppId = (p0 & 3) + 1;
        table = T_VEX;
        b = this.u8(pos + 1);
        pos += 2;
      } else if (b === 0xc4) {
        enc = ENC_VEX;
        const p1 = this.u8(pos + 1);
        this.rexR = mode64 ? (~p0 >> 7) & 1 : 0;
        this.rexX = mode64 ? (~p0 >> 6) & 1 : 0;
        this.rexB = mode64 ? (~p0 >> 5) & 1 : 0;
        w = p1 >> 7;
        this.vvvv = (~p1 >> 3) & 15;
        this.vexL = (p1 >> 2) & 1;
        ppId = (p1 & 3) + 1;
        const mm = p0 & 0x1f;
        if (mm >= 1 && mm <= 3) table = T_VEX + mm - 1;
        else table = mm === 0 ? -2 : -1; // -2: map 0 (iced-x86 also fetches a ModRM byte)
        b = this.u8(pos + 2);
        pos += 3;
      } else {
        enc = ENC_EVEX;
        const p1 = this.u8(pos + 1);
        const p2 = this.u8(pos + 2);
        if ((p0 & 0x08) !== 0 || (p1 & 0x04) === 0) this.earlyInvalid = true;
        this.rexR = mode64 ? (~p0 >> 7) & 1 : 0;
        this.rexX = mode64 ? (~p0 >> 6) & 1 : 0;
        this.rexB = mode64 ? (~p0 >> 5) & 1 : 0;
        this.evexR2 = mode64 ? (~p0 >> 4) & 1 : 0;
        w = p1 >> 7;
        this.vvvv = (~p1 >> 3) & 15;
        ppId = (p1 & 3) + 1;
        this.evexZ = p2 >> 7;
        this.vexL = (p2 >> 5) & 3;
        this.evexB = (p2 >> 4) & 1;
        this.evexV2 = (~p2 >> 3) & 1;
        if (!mode64) {
          // Outside 64-bit mode EVEX.V' must be 1 (register numbers above 7 do not exist).
          if (this.evexV2 !== 0) this.invalid = true;
          this.evexV2 = 0;
        }
        this.aaa = p2 & 7;
        const mm = p0 & 7;
        if (mm >= 1 && mm <= 3) table = T_EVEX_0F + mm - 1;
        else if (mm === 5 || mm === 6) table = T_EVEX_MAP5 + mm - 5;
        else table = -1;
        b = this.u8(pos + 3);
        pos += 4;
      }
      this.vvvvRaw = this.vvvv;
      if (!mode64) this.vvvv &= 7;
    } else if (b === 0x8f && (this.u8(pos) & 0x1f) >= 8) {
      this.vexState = true;
      if (p66 || repLast !== 0 || rex !== 0 || lock) this.invalid = true;
      enc = ENC_XOP;
      const p0 = this.u8(pos);
      const p1 = this.u8(pos + 1);
      this.rexR = mode64 ? (~p0 >> 7) & 1 : 0;
      this.rexX = mode64 ? (~p0 >> 6) & 1 : 0;
      this.rexB = mode64 ? (~p0 >> 5) & 1 : 0;
      w = p1 >> 7;
      this.vvvv = (~p1 >> 3) & 15;
      this.vvvvRaw = this.vvvv;
      if (!mode64) this.vvvv &= 7;
      this.vexL = (p1 >> 2) & 1;
      ppId = (p1 & 3) + 1;
      const mm = p0 & 0x1f;
      table = mm <= 10 ? T_XOP + mm - 8 : -1;
      b = this.u8(pos + 2);
      pos += 3;
    }
    if (enc === ENC_Legacy || enc === ENC_D3NOW) {
      ppId = repLast === 0xf3 ? 3 : repLast === 0xf2 ? 4 : p66 ? 2 : 1;
    }
    insn.encoding = enc;

    // --- ModRM ---
    let idx = table < 0 ? -1 : table * 256 + b;
    const vexMap0 = table === -2;
    if (table < 0) table = -1;
    const needModrm =
      idx >= 0 ? DISPATCH_MODRM[idx] !== 0 : enc === ENC_EVEX || vexMap0;
    let modrm = 0;
    if (needModrm || table === T_3DNOW) {
      modrm = this.u8(pos);
      pos++;
    }
    const mod = modrm >> 6;
    const reg = (modrm >> 3) & 7;
    const rm = modrm & 7;
    this.modrm = modrm;
    this.mod = mod;
    this.reg = reg;
    this.rm = rm;
    this.pos = pos;
    let end3dnow = 0;
    if (table === T_3DNOW) {
      // 0F 0F /r ib: the opcode is the byte after the ModRM operand (AMD 3DNow! Technology Manual).
      if (mod !== 3) this.skipMem();
      b = this.u8(this.pos);
      end3dnow = this.pos + 1;
      this.pos = pos;
      idx = T_3DNOW * 256 + b;
    }

    // --- select the instruction form ---
    const modeBit = bitness === 16 ? 1 : bitness === 32 ? 2 : 4;
    let osNormal = bitness === 16 ? (p66 ? 2 : 1) : bitness === 32 ? (p66 ? 1 : 2) : w !== 0 ? 3 : p66 ? 1 : 2;
    let osNo66 = bitness === 16 ? 1 : bitness === 32 ? 2 : w !== 0 ? 3 : 2;
    const osDo64 = w !== 0 || !p66 ? 3 : 1;
    const asId = asz === 16 ? 1 : asz === 32 ? 2 : 3;
    // EVEX reg-reg with b=1: L'L is the rounding control / ignored (SAE); the vector length is 512.
    const l = enc === ENC_EVEX && this.evexB !== 0 && mod === 3 ? 2 : this.vexL;
    let form = -1;
    let os = osNormal;
    let modFail = -1;
    let anyModeForm = false;
    let modFailOs = 0;
    let modFailMem = false;
    if (idx >= 0) {
      // Fast path: one AND+compare per candidate slot (layout: see MODE_DISPATCH in the generator).
      let kb = ppId | (asId << 13) | (w << 15) | (l << 16);
      if (needModrm || end3dnow !== 0) kb |= (mod === 3 ? 16 : 8) | (reg << 5) | (rm << 8);
      if (enc === ENC_EVEX && this.evexB !== 0 && mod === 3) kb |= 1 << 18;
      if (b === 0x90 && table === T_LEGACY && this.rexB !== 0) kb |= 1 << 19;
      if (repLast !== 0 && enc === ENC_Legacy) kb |= 1 << 20;
      // Form-selection memo (per bitness): the scan below is a pure function of (idx, kb, 66, W),
      // and a few hundred (opcode, ModRM class, prefix) combinations cover real code.
      const k1 = kb | (p66 ? 1 << 21 : 0);
      const k2 = idx | (bitness << 16);
      const h = Math.imul(k1 ^ Math.imul(k2, 0x2c1b3c6d), 0x9e3779b1) >>> (32 - FC_BITS);
      if (FC_K1[h] === k1 && FC_K2[h] === k2) {
        const r = FC_RES[h];
        form = r >> 2;
        os = r & 3;
      } else {
        const ds = (bitness === 16 ? 0 : bitness === 32 ? 4097 : 8194) + idx;
        const sEnd = MODE_DISPATCH[ds + 1];
        for (let sl = MODE_DISPATCH[ds] * 3, se = sEnd * 3; sl < se; sl += 3) {
          const sf = SLOT_DATA[sl + 2];
          const sel = sf >>> 16;
          const fos = sel === 0 ? osNormal : sel === 1 ? osDo64 : sel === 2 ? 3 : osNo66;
          if (((kb | (fos << 11)) & SLOT_DATA[sl]) === SLOT_DATA[sl + 1]) {
            form = sf & 0xffff;
            os = fos;
            break;
          }
        }
        if (form >= 0) {
          FC_K1[h] = k1;
          FC_K2[h] = k2;
          FC_RES[h] = (form << 2) | os;
        }
      }
    }
    // Slow path (no match): REX.W retry, and the register-only-form-with-memory #UD length rule.
    for (let pass = 0; form < 0 && pass < 2 && idx >= 0; pass++) {
      if (pass === 1) {
        // REX.W on an instruction without a 64-bit form is ignored (operand size 32).
        if (!(mode64 && w !== 0 && enc === ENC_Legacy)) break;
        osNormal = 2;
        osNo66 = 2;
      }
      const fEnd = DISPATCH_START[idx + 1];
      for (let f = DISPATCH_START[idx]; f < fEnd; f++) {
        const m = FORM_MATCH[f];
        if ((m & modeBit) === 0) continue;
        anyModeForm = true;
        const fpp = (m >> 3) & 7;
        if (fpp !== 0 && fpp !== ppId) continue;
        let rmMismatch = false;
        if ((m & M_MODRM) !== 0) {
          const freg = (m >> 8) & 15;
          if (freg !== 15 && freg !== reg) continue;
          const frm = (m >> 12) & 15;
          if (frm !== 15 && frm !== rm) {
            // AMX sibmem (memory form requiring a SIB byte) without SIB: #UD after a full fetch.
            if (((m >> 6) & 3) !== 1 || mod === 3) continue;
            rmMismatch = true;
          }
        }
        // 90 with REX.B is XCHG r8,rAX, not NOP (SDM Vol. 2, NOP / XCHG).
        if (b === 0x90 && table === T_LEGACY && this.rexB !== 0 && fpp === 0 && (m & M_OPREG) === 0) continue;
        const fl = FORM_DATA[f * 4 + 1];
        if (repLast !== 0 && enc === ENC_Legacy && (fl & FF_noF2f3) !== 0) continue;
        let fos = osNormal;
        if (mode64 && (fl & FF_intelFo64) !== 0) fos = 3;
        else if (mode64 && (fl & FF_do64) !== 0) fos = osDo64;
        else if (fpp === 2) fos = osNo66;
        const wantOs = (m >> 16) & 3;
        if (wantOs !== 0 && wantOs !== fos) continue;
        const wantAs = (m >> 18) & 3;
        if (wantAs !== 0 && wantAs !== asId) continue;
        const fw = (m >> 20) & 3;
        if (fw !== 0 && fw - 1 !== w && (mode64 || (fl & FF_WIG32) === 0)) continue;
        const fL = (m >> 22) & 7;
        // Slow path: EVEX.b on a register form without rounding/SAE uses the real L'L (#UD later).
        if (fL !== 0 && fL - 1 !== this.vexL) continue;
        const fmod = (m >> 6) & 3;
        if (rmMismatch) {
          if (modFail < 0) {
            modFail = f;
            modFailOs = fos;
            modFailMem = true;
          }
          continue;
        }
        if (fmod === 1 ? mod === 3 : fmod === 2 && mod !== 3) {
          // Register-only / memory-only form used with the other ModRM.mod: #UD, but the
          // instruction is still fetched whole (length as if valid).
          if (modFail < 0 && fmod === 2 && ((m >> 12) & 15) === 15) {
            modFail = f;
            modFailOs = fos;
          }
          continue;
        }
        form = f;
        os = fos;
        break;
      }
    }

    insn.operandSize = os === 1 ? 16 : os === 2 ? 32 : 64;
    insn.addressSize = asz;
    insn.hasOperandSizePrefix = p66;
    insn.hasAddressSizePrefix = p67;
    insn.segmentPrefix = seg;
    insn.rex = rex;

    // iced-x86 length convention for #UD: 66 0F C5 (PEXTRW xmm) with a memory ModRM stops after
    // ModRM (its other register-only forms also count their immediate, handled below).
    if (form < 0 && modFail >= 0 && (table === T_0F || table === T_EVEX_0F) && b === 0xc5 && ppId === 2) modFail = -1;
    if (form < 0 && modFail >= 0) {
      // Register-only form with a memory ModRM: #UD; length = through ModRM plus immediates
      // (the memory operand is not decoded), as iced-x86 counts it.
      form = modFail;
      os = modFailOs;
      this.invalid = true;
      if (!modFailMem) this.mod = 3;
    }

    if (form < 0 || this.earlyInvalid) {
      // No form matches (#UD). Length convention (same as iced-x86): through the ModRM byte,
      // which is read even for opcodes that have none, but no SIB/displacement/immediate; an
      // invalid VEX/XOP/EVEX map ends after the opcode byte; 3DNow! includes its suffix.
      this.pos = end3dnow !== 0 ? end3dnow : pos;
      if (enc === ENC_Legacy) {
        if (needModrm ? isOptionOnlySlot(table, b, modrm, bitness === 16 ? 1 : bitness === 32 ? 2 : 4) : !anyModeForm) this.pos++;
      }
      return this.finishInvalid(insn);
    }

    const fd = form * 4;
    const flags = FORM_DATA[fd + 1];
    const fw2 = FORM_DATA[fd + 2];
    const fw3 = FORM_DATA[fd + 3];
    if (enc === ENC_EVEX) {
      const tt = (fw2 >> 19) & 31;
      this.tupleN = this.evexB !== 0 && mod !== 3 ? (TT_NB[tt]) : (TT_N[tt]);
    }

    // --- operands ---
    const opCount = (fw2 >> 16) & 7;
    const memSize = this.evexB !== 0 && mod !== 3 && enc === ENC_EVEX ? (fw2 >> 8) & 255 : fw2 & 255;
    let nImm = 0;
    let isByteOps = false;
    for (let k = 0; k < opCount; k++) {
      const oe = k < 4 ? (fw3 >>> (k << 3)) & 255 : (fw2 >>> 24) & 255;
      // The /is4 register byte follows ModRM/SIB/displacement even when its operand comes first.
      if (oe >= 52 && oe <= 54) {
        // Hot path: 16/32/64-bit GPR in ModRM.reg (inline; same as decodeOperand).
        if (this.evexR2 !== 0) this.invalid = true; // EVEX.R' selects registers 16..31: no such GPR
        insn.opKinds[k] = K_Register;
        insn.opRegisters[k] = (oe === 53 ? R_EAX : oe === 54 ? R_RAX : R_AX) + (this.reg | (this.rexR << 3));
      } else if (oe >= 59 && oe <= 61 && mod === 3) {
        // Hot path: 16/32/64-bit GPR in ModRM.rm.
        insn.opKinds[k] = K_Register;
        insn.opRegisters[k] = (oe === 60 ? R_EAX : oe === 61 ? R_RAX : R_AX) + (rm | (this.rexB << 3));
      } else if (oe === 51) {
        // Hot path: 8-bit GPR in ModRM.reg (AH..BH without REX, SPL..DIL/R8L.. with REX).
        const n = this.reg | (this.rexR << 3);
        insn.opKinds[k] = K_Register;
        insn.opRegisters[k] = R_AL + (n < 4 || (!this.hasRex && n < 8) ? n : n + 4);
      } else if (oe >= 68 && oe <= 70) {
        // Hot path: 16/32/64-bit GPR in the low opcode bits (PUSH/POP/MOV/XCHG/BSWAP).
        insn.opKinds[k] = K_Register;
        insn.opRegisters[k] = (oe === 69 ? R_EAX : oe === 70 ? R_RAX : R_AX) + ((b & 7) | (this.rexB << 3));
      } else if (oe >= 58 && oe <= 61 && mod !== 3) {
        this.decodeMem(insn, k, memSize, 0);
      } else if (oe === 26 && nImm === 0) {
        // Hot path: first imm8.
        const p = this.pos;
        insn.immOffset = p - start;
        insn.immSize = 1;
        insn.immediateLo = p < this.end ? bytes[p] : 0;
        insn.opKinds[k] = K_Immediate8;
        this.pos = p + 1;
        nImm = 1;
      } else if ((oe === 19 || oe === 17) && nImm === 0) {
        // Hot path: rel32 of CALL/JMP/Jcc (target resolved below against the next IP).
        const p = this.pos;
        insn.immOffset = p - start;
        insn.immSize = 4;
        insn.nearBranchLo = p + 3 < this.end ? bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24) : 0;
        insn.opKinds[k] = oe === 19 ? K_NearBranch64 : K_NearBranch32;
        this.branchOp = k;
        this.pos = p + 4;
        nImm = 1;
      } else if ((oe === 18 || oe === 16) && nImm === 0) {
        // Hot path: rel8 of JMP/Jcc/LOOP.
        const p = this.pos;
        insn.immOffset = p - start;
        insn.immSize = 1;
        insn.nearBranchLo = p < this.end ? (bytes[p] << 24) >> 24 : 0;
        insn.opKinds[k] = oe === 18 ? K_NearBranch64 : K_NearBranch32;
        this.branchOp = k;
        this.pos = p + 1;
        nImm = 1;
      } else if (oe === 88 || oe === 89 || oe === 94 || oe === 95 || oe === 35) isByteOps = true;
      else nImm = this.decodeOperand(insn, k, oe, b, os, nImm, memSize);
    }
    if (isByteOps) {
      for (let k = 0; k < opCount; k++) {
        const oe = k < 4 ? (fw3 >>> (k << 3)) & 255 : (fw2 >>> 24) & 255;
        if (oe === 88 || oe === 89 || oe === 94 || oe === 95 || oe === 35) nImm = this.decodeOperand(insn, k, oe, b, os, nImm, memSize);
      }
    }
    insn.opCount = opCount;
    if (nImm !== 0 || insn.immediateLo !== 0) insn.dirtyImm = true;
    if (end3dnow !== 0) this.pos = end3dnow;

    // --- length, IP-relative resolution ---
    const len = this.pos - start;
    if (len > avail) return this.finishError(insn, this.pos);
    insn.length = len;
    this.computeNextIp(insn, len);
    if (this.ripRel !== 0) {
      if (this.ripRel === 64) {
        const s = (insn.nextIpLo >>> 0) + this.dispLo;
        const lo = s >>> 0;
        const carry = Math.floor((s - lo) / 0x1_0000_0000);
        insn.memDisplLo = lo | 0;
        insn.memDisplHi = (insn.nextIpHi + carry) | 0;
      } else {
        insn.memDisplLo = (insn.nextIpLo + this.dispLo) | 0;
        insn.memDisplHi = 0;
      }
    }
    // near branches are relative to the next IP
    if (this.branchOp >= 0) {
      {
        const kind = insn.opKinds[this.branchOp];
        if (kind === K_NearBranch16 || kind === K_NearBranch32 || kind === K_NearBranch64) {
          const rel = insn.nearBranchLo; // relative displacement stashed by decodeOperand
          const s = (insn.nextIpLo >>> 0) + rel;
          const lo = s >>> 0;
          const carry = Math.floor((s - lo) / 0x1_0000_0000);
          if (kind === K_NearBranch16) {
            insn.nearBranchLo = lo & 0xffff;
            insn.nearBranchHi = 0;
          } else if (kind === K_NearBranch32) {
            insn.nearBranchLo = lo | 0;
            insn.nearBranchHi = 0;
          } else {
            insn.nearBranchLo = lo | 0;
            insn.nearBranchHi = (insn.nextIpHi + carry) | 0;
          }
        }
      }
    }

    // --- prefix flags and validity (SDM Vol. 2, 2.1.1; Vol. 3A 8.1.2.2 for LOCK) ---
    insn.hasLock = lock;
    if (enc === ENC_Legacy || enc === ENC_D3NOW) {
      if (lock || repLast !== 0 || p66) this.legacyPrefixChecks(insn, form, flags, lock, repLast, p66, mod !== 3 && needModrm, table, b);
    } else {
      // Unused VEX/EVEX/XOP.vvvv must be 1111b (all four bits, in every mode; SDM Vol. 2, 2.3.6).
      if (!this.vvvvUsed && (this.vvvvRaw !== 0 || (this.evexV2 !== 0 && !this.v2Used))) this.invalid = true;
      if (enc === ENC_EVEX) {
        if (this.vexL === 3 && !(this.evexB !== 0 && mod === 3)) this.invalid = true;
        if (this.evexZ !== 0 && insn.opKinds[0] === K_Memory) this.invalid = true;
        if (this.aaa !== 0) {
          if ((flags & FF_k) === 0) this.invalid = true;
          else insn.opMask = (R_K0 + this.aaa) as Register;
        } else if ((flags & FF_knz) !== 0) this.invalid = true;
        if (this.evexZ !== 0) {
          if (this.aaa === 0) this.invalid = true; // zeroing-masking needs an opmask
          if ((flags & FF_z) === 0 || (mod !== 3 && needModrm && (flags & FF_z) === 0)) this.invalid = true;
          insn.zeroingMasking = true;
        }
        if (this.evexB !== 0) {
          if (mod === 3 || !needModrm) {
            if ((flags & FF_er) !== 0) insn.roundingControl = (this.vexL + 1) as RoundingControl;
            else if ((flags & FF_sae) !== 0) insn.suppressAllExceptions = true;
            else this.invalid = true;
          } else if ((flags & FF_b) !== 0) insn.broadcast = true;
          else this.invalid = true;
        }
      }
    }
    if ((flags & (FF_uniqueRegNums | FF_uniqueDestRegNum)) !== 0 && !this.uniqueRegs(insn, opCount, (flags & FF_uniqueRegNums) !== 0)) this.invalid = true;
    if (this.invalid) return this.finishInvalid(insn);
    if (insn.encoding !== ENC_Legacy || insn.hasLock || insn.hasRep || insn.hasRepne || insn.hasXacquire || insn.hasXrelease) insn.dirtyExt = true;
    const fw0 = FORM_DATA[fd];
    insn.code = (fw0 & 0xffff) as Code;
    insn.mnemonic = (fw0 >>> 16) as Instruction['mnemonic'];
    this.lastError = ERR_None;
    this.ipLo = insn.nextIpLo;
    this.ipHi = insn.nextIpHi;
    return len;
  }

  /**
   * The plan for a fast-path key (see {@link FAST_PLANS}): the form the slot scan selects, if it
   * does not depend on ModRM.rm, needs no validity rule beyond what the fast path checks and
   * uses only operand encodings in {@link FAST_OE}; else -1.
   */
  private fastPlanOf(bitness: 16 | 32 | 64, table: number, op: number, p66: number, p67: number, w: number, mod3: number, regIn: number): number {
    const idx = table * 256 + op;
    if (table === T_LEGACY && (op === 0x0f || op === 0xc4 || op === 0xc5 || op === 0x62 || op === 0x8f)) return -1;
    if (table === T_0F && (op === 0x38 || op === 0x3a || op === 0x0f)) return -1;
    const hasModrm = DISPATCH_MODRM[idx] !== 0;
    const asId = bitness === 16 ? (p67 ? 2 : 1) : bitness === 32 ? (p67 ? 1 : 2) : p67 ? 2 : 3;
    const osNormal = bitness === 16 ? (p66 ? 2 : 1) : bitness === 32 ? (p66 ? 1 : 2) : w !== 0 ? 3 : p66 ? 1 : 2;
    const osNo66 = bitness === 16 ? 1 : bitness === 32 ? 2 : w !== 0 ? 3 : 2;
    const osDo64 = w !== 0 || !p66 ? 3 : 1;
    const ds = (bitness === 16 ? 0 : bitness === 32 ? 4097 : 8194) + idx;
    let result = -2;
    for (let rm = 0; rm < (hasModrm ? 8 : 1); rm++) {
      let kb = (p66 ? 2 : 1) | (asId << 13) | (w << 15);
      if (hasModrm) kb |= (mod3 ? 16 : 8) | (regIn << 5) | (rm << 8);
      let r = -1;
      for (let sl = MODE_DISPATCH[ds] * 3, se = MODE_DISPATCH[ds + 1] * 3; sl < se; sl += 3) {
        const sf = SLOT_DATA[sl + 2];
        const sel = sf >>> 16;
        const fos = sel === 0 ? osNormal : sel === 1 ? osDo64 : sel === 2 ? 3 : osNo66;
        if (((kb | (fos << 11)) & SLOT_DATA[sl]) === SLOT_DATA[sl + 1]) {
          r = (sf & 0xffff) * 4 + fos;
          break;
        }
      }
      if (r < 0 || (result !== -2 && r !== result)) return -1;
      result = r;
    }
    if (result > 0x7fff) return -1; // plans are Int16 (4,713 forms today)
    const form = result >> 2;
    const flags = FORM_DATA[form * 4 + 1];
    if ((flags & (FF_uniqueRegNums | FF_uniqueDestRegNum)) !== 0) return -1;
    if (p66 && (flags & FF_no66) !== 0) return -1;
    const fw2 = FORM_DATA[form * 4 + 2];
    const fw3 = FORM_DATA[form * 4 + 3];
    const opCount = (fw2 >> 16) & 7;
    if (opCount > 4) return -1; // the fast path reads operand encodings 0..3 only
    for (let k = 0; k < opCount; k++) {
      const oe = (fw3 >>> (k << 3)) & 255;
      if (FAST_OE[oe] === 0) return -1;
      // MOV Sreg: reg 6/7 and MOV CS,r/m are #UD (general path).
      if (oe === 74 && (regIn > 5 || (k === 0 && regIn === 1))) return -1;
    }
    return result;
  }

  /**
   * Decodes the instruction at `bytes[offset]` (at most 15 bytes are examined) into `insn`, at
   * the decoder's current IP, then advances the IP by the length. `insn` must be a fresh,
   * `clear()`ed or decoder-filled {@link Instruction} (fields are reset lazily: only those the
   * previous decode may have set); to edit a result, `copyFrom` it into another object first.
   *
   * @returns the instruction length (also `insn.length`). On error `insn.code` is
   * `Code.INVALID` and {@link Decoder.lastError} says why: `InvalidInstruction` (length = the
   * bytes the instruction occupies, or 15 if it would exceed the limit) or `NoMoreBytes`
   * (length = the bytes available). Returns 0 only when no byte is available.
   */
  decodeInto(insn: Instruction, bytes: Uint8Array, offset: number): number {
    // Fast path for the common legacy encodings (up to 4 prefix bytes among 66, 67, segment
    // overrides and REX; one-byte or 0F map; no LOCK/REP/REPNE) when 15 bytes are available: the
    // form comes from a memoised plan and only the common operand encodings are decoded inline.
    // It produces exactly what the general path produces (src/fast-path.test.ts compares both);
    // everything else goes to decodeGeneral.
    const start = offset;
    if (bytes.length - start < 15 || start < 0 || !FAST_PATH.on) return this.decodeGeneral(insn, bytes, start);
    const bitness = this.bitness;
    let p = start;
    let op = bytes[p];
    let p66 = 0;
    let p67 = 0;
    let rex = 0;
    let seg: Register = R_None;
    // Legacy prefixes 66/67/segment and REX, as in decodeInto; LOCK/REP/REPNE take the general path.
    // At most 4 prefix bytes: then no fast-path form can exceed the 15-byte limit.
    for (;;) {
      const pk = PREFIX_KIND[op];
      if (pk === 0) break;
      if (pk === 7) {
        if (bitness !== 64) break; // 40..4F are INC/DEC outside 64-bit mode
        if (p - start >= 4) return this.decodeGeneral(insn, bytes, start);
        rex = op;
        op = bytes[++p];
        continue;
      }
      if (pk >= 5 || p - start >= 4) return this.decodeGeneral(insn, bytes, start);
      if (pk === 1) {
        if (bitness !== 64 || (seg !== R_FS && seg !== R_GS)) seg = SEG_BY_PREFIX[(op >> 3) & 3] ?? R_None;
      } else if (pk === 2) seg = op === 0x64 ? R_FS : R_GS;
      else if (pk === 3) p66 = 1;
      else p67 = 1;
      rex = 0;
      op = bytes[++p];
    }
    let table = T_LEGACY;
    if (op === 0x0f) {
      table = T_0F;
      op = bytes[++p];
    }
    p++;
    const w = (rex >> 3) & 1;
    const rexB = rex & 1;
    if (op === 0x90 && rexB !== 0 && table === T_LEGACY) return this.decodeGeneral(insn, bytes, start);
    const hasModrm = DISPATCH_MODRM[table * 256 + op] !== 0;
    let modrm = 0;
    if (hasModrm) modrm = bytes[p++];
    const mod = modrm >> 6;
    const reg = (modrm >> 3) & 7;
    const rm = modrm & 7;
    const plans = this.plans;
    // key layout: 67 (1 bit) map (1) opcode (8) 66 (1) W (1) mod==3 (1) reg (3) = 16 bits
    const slot = (p67 << 15) | (table << 14) | (op << 6) | (p66 << 5) | (w << 4) | (mod === 3 ? 8 : 0) | reg;
    let plan = plans[slot];
    if (plan === 0) {
      plan = this.fastPlanOf(bitness, table, op, p66, p67, w, mod === 3 ? 1 : 0, hasModrm ? reg : 0);
      plans[slot] = plan;
    }
    if (plan < 0) return this.decodeGeneral(insn, bytes, start);
    const form = plan >> 2;
    const os = plan & 3;

    const fd = form * 4;
    const fw2 = FORM_DATA[fd + 2];
    const fw3 = FORM_DATA[fd + 3];
    const opCount = (fw2 >> 16) & 7;
    // Reset only what this decode does not overwrite: operand slots past opCount (slots below it
    // get a kind, and a register or Register.None, below), memory/immediate/EVEX fields if the
    // previous decode set them.
    insn.resetForFastDecode(opCount);
    insn.bitness = bitness;
    const ipLo = this.ipLo;
    const ipHi = this.ipHi;
    insn.ipLo = ipLo;
    insn.ipHi = ipHi;
    const rexR = (rex >> 2) & 1;
    const asz = bitness === 16 ? (p67 ? 32 : 16) : bitness === 32 ? (p67 ? 16 : 32) : p67 ? 32 : 64;
    let pos = p;
    this.ripRel = 0;

    const memSize = fw2 & 255;
    const kinds = insn.opKinds;
    const regs = insn.opRegisters;
    let nImm = 0;
    let branchOp = -1;
    let memDone = false;
    for (let k = 0; k < opCount; k++) {
      const oe = (fw3 >>> (k << 3)) & 255;
      switch (oe) {
        case 1: kinds[k] = K_Register; regs[k] = R_AL; break;
        case 2: kinds[k] = K_Register; regs[k] = R_AX; break;
        case 3: kinds[k] = K_Register; regs[k] = R_EAX; break;
        case 4: kinds[k] = K_Register; regs[k] = R_RAX; break;
        case 5: kinds[k] = K_Register; regs[k] = R_CL; break;
        case 6: kinds[k] = K_Register; regs[k] = R_DX; break; // IN/OUT with DX
        case 14: case 16: case 18: { // rel8
          regs[k] = 0;
          const q = pos;
          insn.immOffset = q - start;
          insn.immSize = 1;
          insn.nearBranchLo = (bytes[q] << 24) >> 24;
          kinds[k] = oe === 14 ? K_NearBranch16 : oe === 16 ? K_NearBranch32 : K_NearBranch64;
          branchOp = k;
          pos = q + 1;
          nImm++;
          break;
        }
        case 15: { // rel16
          regs[k] = 0;
          const q = pos;
          insn.immOffset = q - start;
          insn.immSize = 2;
          insn.nearBranchLo = ((bytes[q] | (bytes[q + 1] << 8)) << 16) >> 16;
          kinds[k] = K_NearBranch16;
          branchOp = k;
          pos = q + 2;
          nImm++;
          break;
        }
        case 17: case 19: { // rel32
          regs[k] = 0;
          const q = pos;
          insn.immOffset = q - start;
          insn.immSize = 4;
          insn.nearBranchLo = bytes[q] | (bytes[q + 1] << 8) | (bytes[q + 2] << 16) | (bytes[q + 3] << 24);
          kinds[k] = oe === 17 ? K_NearBranch32 : K_NearBranch64;
          branchOp = k;
          pos = q + 4;
          nImm++;
          break;
        }
        case 26: { // imm8
          regs[k] = 0;
          const q = pos;
          if (nImm === 0) {
            insn.immOffset = q - start;
            insn.immSize = 1;
            insn.immediateLo = bytes[q];
            kinds[k] = K_Immediate8;
          } else {
            insn.imm2Offset = q - start;
            insn.imm2Size = 1;
            insn.immediate2 = bytes[q];
            kinds[k] = K_Immediate8_2nd;
          }
          pos = q + 1;
          nImm++;
          break;
        }
        case 27: case 28: case 29: case 30: { // imm16, imm32, imm64, imm32 sign-extended to 64
          regs[k] = 0;
          const q = pos;
          const size = oe === 27 ? 2 : oe === 29 ? 8 : 4;
          if (nImm === 0) {
            insn.immOffset = q - start;
            insn.immSize = size;
          } else {
            insn.imm2Offset = q - start;
            insn.imm2Size = size;
          }
          if (oe === 27) {
            insn.immediateLo = bytes[q] | (bytes[q + 1] << 8);
            kinds[k] = K_Immediate16;
          } else {
            const v = bytes[q] | (bytes[q + 1] << 8) | (bytes[q + 2] << 16) | (bytes[q + 3] << 24);
            insn.immediateLo = v;
            if (oe === 28) kinds[k] = K_Immediate32;
            else if (oe === 30) {
              insn.immediateHi = v < 0 ? -1 : 0;
              kinds[k] = K_Immediate32to64;
            } else {
              insn.immediateHi = bytes[q + 4] | (bytes[q + 5] << 8) | (bytes[q + 6] << 16) | (bytes[q + 7] << 24);
              kinds[k] = K_Immediate64;
            }
          }
          pos = q + size;
          nImm++;
          break;
        }
        case 31: case 32: case 33: { // imm8 sign-extended
          regs[k] = 0;
          const q = pos;
          if (nImm === 0) {
            insn.immOffset = q - start;
            insn.immSize = 1;
          } else {
            insn.imm2Offset = q - start;
            insn.imm2Size = 1;
          }
          const v = (bytes[q] << 24) >> 24;
          if (oe === 31) {
            insn.immediateLo = v & 0xffff;
            kinds[k] = K_Immediate8to16;
          } else if (oe === 32) {
            insn.immediateLo = v;
            kinds[k] = K_Immediate8to32;
          } else {
            insn.immediateLo = v;
            insn.immediateHi = v < 0 ? -1 : 0;
            kinds[k] = K_Immediate8to64;
          }
          pos = q + 1;
          nImm++;
          break;
        }
        case 34: insn.immediateLo = 1; kinds[k] = K_Immediate8; regs[k] = 0; break;
        case 40: pos = this.fastMem(insn, k, memSize, bytes, pos, start, mod, rm, rex, asz, seg); memDone = true; break;
        case 51: case 67: { // r8 in ModRM.reg / opcode bits
          const n = oe === 51 ? reg | (rexR << 3) : (op & 7) | (rexB << 3);
          kinds[k] = K_Register;
          regs[k] = R_AL + (n < 4 || (rex === 0 && n < 8) ? n : n + 4);
          break;
        }
        case 52: kinds[k] = K_Register; regs[k] = R_AX + (reg | (rexR << 3)); break;
        case 53: kinds[k] = K_Register; regs[k] = R_EAX + (reg | (rexR << 3)); break;
        case 54: kinds[k] = K_Register; regs[k] = R_RAX + (reg | (rexR << 3)); break;
        case 58:
          if (mod !== 3) {
            pos = this.fastMem(insn, k, memSize, bytes, pos, start, mod, rm, rex, asz, seg);
            memDone = true;
          }
          else {
            const n = rm | (rexB << 3);
            kinds[k] = K_Register;
            regs[k] = R_AL + (n < 4 || (rex === 0 && n < 8) ? n : n + 4);
          }
          break;
        case 59: case 60: case 61:
          if (mod !== 3) {
            pos = this.fastMem(insn, k, memSize, bytes, pos, start, mod, rm, rex, asz, seg);
            memDone = true;
          }
          else {
            kinds[k] = K_Register;
            regs[k] = (oe === 59 ? R_AX : oe === 60 ? R_EAX : R_RAX) + (rm | (rexB << 3));
          }
          break;
        case 64: kinds[k] = K_Register; regs[k] = R_AX + (rm | (rexB << 3)); break;
        case 65: kinds[k] = K_Register; regs[k] = R_EAX + (rm | (rexB << 3)); break;
        case 66: kinds[k] = K_Register; regs[k] = R_RAX + (rm | (rexB << 3)); break;
        case 68: kinds[k] = K_Register; regs[k] = R_AX + ((op & 7) | (rexB << 3)); break;
        case 69: kinds[k] = K_Register; regs[k] = R_EAX + ((op & 7) | (rexB << 3)); break;
        case 70: kinds[k] = K_Register; regs[k] = R_RAX + ((op & 7) | (rexB << 3)); break;
        case 41: { // moffs (address-size displacement, no ModRM)
          regs[k] = 0;
          kinds[k] = K_Memory;
          insn.memorySize = memSize as Instruction['memorySize'];
          insn.memSegment = seg !== R_None ? seg : R_DS;
          insn.memBase = R_None;
          insn.memIndex = R_None;
          insn.memScale = 1;
          insn.memIsVsib = false;
          const sz = asz >> 3;
          insn.dispOffset = pos - start;
          insn.dispSize = sz;
          insn.memDisplSize = sz;
          insn.memDisplLo = sz === 2 ? bytes[pos] | (bytes[pos + 1] << 8) : bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24);
          insn.memDisplHi = sz === 8 ? bytes[pos + 4] | (bytes[pos + 5] << 8) | (bytes[pos + 6] << 16) | (bytes[pos + 7] << 24) : 0;
          memDone = true;
          pos += sz;
          break;
        }
        case 74: kinds[k] = K_Register; regs[k] = R_ES + reg; break; // MOV Sreg (reg 6/7 and MOV CS excluded by the plan)
        case 83: kinds[k] = K_Register; regs[k] = R_XMM0 + (reg | (rexR << 3)); break;
        case 84: kinds[k] = K_Register; regs[k] = R_XMM0 + (rm | (rexB << 3)); break;
        default: // 85: xmm or memory
          if (mod !== 3) {
            pos = this.fastMem(insn, k, memSize, bytes, pos, start, mod, rm, rex, asz, seg);
            memDone = true;
          }
          else {
            kinds[k] = K_Register;
            regs[k] = R_XMM0 + (rm | (rexB << 3));
          }
          break;
      }
    }
    if (!memDone && (insn.memSegment !== R_None || insn.memorySize !== MS_Unknown)) insn.clearMemory();
    if (nImm !== 0 || insn.immediateLo !== 0) insn.dirtyImm = true;
    const len = pos - start;
    insn.opCount = opCount;
    insn.operandSize = os === 1 ? 16 : os === 2 ? 32 : 64;
    insn.addressSize = asz;
    insn.hasOperandSizePrefix = p66 !== 0;
    insn.hasAddressSizePrefix = p67 !== 0;
    insn.segmentPrefix = seg;
    insn.rex = rex;
    insn.length = len;
    // next IP, IP-relative memory operand, near branch target (as in decodeInto)
    // Integer-only carries (no float64 intermediates): a 32-bit add wrapped iff the unsigned sum
    // is below an addend (above it, for a negative displacement).
    const sum = (ipLo + len) | 0;
    let nextLo: number;
    let nextHi = 0;
    if (bitness === 64) {
      nextLo = sum;
      nextHi = sum >>> 0 < ipLo >>> 0 ? (ipHi + 1) | 0 : ipHi;
    } else nextLo = bitness === 32 ? sum : sum & 0xffff;
    insn.nextIpLo = nextLo;
    insn.nextIpHi = nextHi;
    if (this.ripRel !== 0) {
      const d = this.dispLo;
      const t = (nextLo + d) | 0;
      insn.memDisplLo = t;
      if (this.ripRel === 64) {
        insn.memDisplHi = d >= 0 ? (t >>> 0 < nextLo >>> 0 ? (nextHi + 1) | 0 : nextHi) : t >>> 0 > nextLo >>> 0 ? (nextHi - 1) | 0 : nextHi;
      } else insn.memDisplHi = 0;
    }
    if (branchOp >= 0) {
      const kind = kinds[branchOp];
      const d = insn.nearBranchLo;
      const t = (nextLo + d) | 0;
      if (kind === K_NearBranch16) {
        insn.nearBranchLo = t & 0xffff;
        insn.nearBranchHi = 0;
      } else if (kind === K_NearBranch32) {
        insn.nearBranchLo = t;
        insn.nearBranchHi = 0;
      } else {
        insn.nearBranchLo = t;
        insn.nearBranchHi = d >= 0 ? (t >>> 0 < nextLo >>> 0 ? (nextHi + 1) | 0 : nextHi) : t >>> 0 > nextLo >>> 0 ? (nextHi - 1) | 0 : nextHi;
      }
    }
    const fw0 = FORM_DATA[fd];
    insn.code = (fw0 & 0xffff) as Code;
    insn.mnemonic = (fw0 >>> 16) as Instruction['mnemonic'];
    this.lastError = ERR_None;
    this.ipLo = nextLo;
    this.ipHi = nextHi;
    return len;
  }

  /**
   * ModRM memory operand for the fast path (no VSIB/EVEX/disp8*N; 15 bytes
   * available): same fields as {@link Decoder.decodeMem}; returns the position after SIB/displacement.
   */
  private fastMem(insn: Instruction, k: number, memSize: number, bytes: Uint8Array, pos: number, start: number, mod: number, rm: number, rex: number, asz: number, seg: Register): number {
    insn.opKinds[k] = K_Memory;
    insn.opRegisters[k] = R_None;
    insn.memorySize = memSize as Instruction['memorySize'];
    if (asz === 16) {
      let base: Register = R_BX;
      let index: Register = R_None;
      switch (rm) {
        case 0: index = R_SI; break;
        case 1: index = R_DI; break;
        case 2: base = R_BP; index = R_SI; break;
        case 3: base = R_BP; index = R_DI; break;
        case 4: base = R_SI; break;
        case 5: base = R_DI; break;
        case 6: base = mod === 0 ? R_None : R_BP; break;
        default: break;
      }
      insn.memBase = base;
      insn.memIndex = index;
      insn.memSegment = seg !== R_None ? seg : base === R_BP ? R_SS : R_DS;
      insn.memScale = 1;
      insn.memIsVsib = false;
      insn.memDisplHi = 0;
      if (mod === 1) {
        insn.dispOffset = pos - start;
        insn.dispSize = 1;
        insn.memDisplLo = ((bytes[pos] << 24) >> 24) & 0xffff;
        insn.memDisplSize = 1;
        return pos + 1;
      }
      if (mod === 2 || (mod === 0 && rm === 6)) {
        insn.dispOffset = pos - start;
        insn.dispSize = 2;
        insn.memDisplLo = bytes[pos] | (bytes[pos + 1] << 8);
        insn.memDisplSize = 2;
        return pos + 2;
      }
      insn.dispOffset = 0;
      insn.dispSize = 0;
      insn.memDisplLo = 0;
      insn.memDisplSize = 0;
      return pos;
    }
    const a64 = asz === 64;
    const gbase = a64 ? R_RAX : R_EAX;
    const rexB = (rex & 1) << 3;
    let base = -1;
    let index = -1;
    let scale = 0;
    let baseLow = rm;
    if (rm === 4) {
      const sib = bytes[pos++];
      scale = sib >> 6;
      const idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
      baseLow = sib & 7;
      if (idx !== 4) index = gbase + idx;
      if (!(baseLow === 5 && mod === 0)) base = gbase + (baseLow | rexB);
    } else if (rm === 5 && mod === 0) {
      if (this.bitness === 64) this.ripRel = a64 ? 64 : 32;
    } else base = gbase + (rm | rexB);
    const bn = base - gbase;
    insn.memSegment = seg !== R_None ? seg : bn === 4 || bn === 5 ? R_SS : R_DS;
    insn.memBase = (base >= 0 ? base : this.ripRel === 64 ? R_RIP : this.ripRel === 32 ? R_EIP : R_None) as Register;
    insn.memIndex = (index >= 0 ? index : R_None) as Register;
    insn.memScale = 1 << scale;
    insn.memIsVsib = false;
    if (mod === 1) {
      insn.dispOffset = pos - start;
      insn.dispSize = 1;
      const d = (bytes[pos] << 24) >> 24;
      insn.memDisplLo = d;
      insn.memDisplHi = a64 && d < 0 ? -1 : 0;
      insn.memDisplSize = 1;
      return pos + 1;
    }
    if (mod === 2 || (mod === 0 && baseLow === 5)) {
      insn.dispOffset = pos - start;
      insn.dispSize = 4;
      const d = bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24);
      insn.memDisplLo = d;
      insn.memDisplHi = a64 && d < 0 ? -1 : 0;
      insn.memDisplSize = a64 ? 8 : 4;
      if (this.ripRel !== 0) this.dispLo = d;
      return pos + 4;
    }
    insn.dispOffset = 0;
    insn.dispSize = 0;
    insn.memDisplLo = 0;
    insn.memDisplHi = 0;
    insn.memDisplSize = 0;
    return pos;
  }

  /** LOCK / REP / REPNE / HLE / 66 rules for legacy-encoded forms (only called when a prefix is present). */
  private legacyPrefixChecks(insn: Instruction, form: number, flags: number, lock: boolean, repLast: number, p66: boolean, memOp: boolean, table: number, b: number): void {
    const mandatoryRep = (FORM_MATCH[form] >> 3) & 7;
    const repConsumed = mandatoryRep === 3 || mandatoryRep === 4;
    if (!repConsumed || (flags & FF_rep) !== 0) {
      insn.hasRep = repLast === 0xf3;
      insn.hasRepne = repLast === 0xf2;
    }
    if (p66 && (flags & FF_no66) !== 0) this.invalid = true;
    // LOCK only on lockable instructions with a memory destination (SDM Vol. 2, LOCK).
    if (lock && ((flags & FF_lock) === 0 || !memOp)) this.invalid = true;
    if (memOp && !repConsumed && repLast !== 0) {
      // HLE (SDM Vol. 1, 16.3.2): with LOCK, or on XCHG (implicitly locked), or XRELEASE on MOV to memory.
      const hleOk = lock || (flags & FF_lock) === 0 || (table === T_LEGACY && (b === 0x86 || b === 0x87));
      if (repLast === 0xf2 && (flags & FF_xacquire) !== 0 && hleOk) insn.hasXacquire = true;
      if (repLast === 0xf3 && (flags & FF_xrelease) !== 0 && hleOk) insn.hasXrelease = true;
    }
  }

  /**
   * Gathers (SDM Vol. 2, VPGATHERDD "#UD if any pair of index, mask, destination registers are
   * the same"), AMX TDP* (all three tiles distinct) and complex FP16 (destination distinct from
   * sources): compares register numbers of the operands, VSIB index included.
   */
  private uniqueRegs(insn: Instruction, opCount: number, all: boolean): boolean {
    const n = (r: number): number => {
      if (r >= R_XMM0 && r <= R_ZMM0 + 31) return (r - R_XMM0) & 31;
      if (r >= R_TMM0 && r <= R_TMM0 + 7) return r - R_TMM0;
      return -1 - r;
    };
    for (let i = 0; i < opCount; i++) {
      const ki = insn.opKinds[i];
      const ri = ki === K_Register ? n(insn.opRegisters[i]) : ki === K_Memory && insn.memIsVsib ? n(insn.memIndex) : -1000 - i;
      for (let j = i + 1; j < opCount; j++) {
        if (!all && i !== 0) return true;
        const kj = insn.opKinds[j];
        const rj = kj === K_Register ? n(insn.opRegisters[j]) : kj === K_Memory && insn.memIsVsib ? n(insn.memIndex) : -2000 - j;
        if (ri === rj) return false;
      }
    }
    return true;
  }

  private computeNextIp(insn: Instruction, len: number): void {
    const s = (insn.ipLo >>> 0) + len;
    if (this.bitness === 64) {
      const lo = s >>> 0;
      insn.nextIpLo = lo | 0;
      insn.nextIpHi = (insn.ipHi + (s > 0xffffffff ? 1 : 0)) | 0;
    } else if (this.bitness === 32) {
      insn.nextIpLo = s | 0;
      insn.nextIpHi = 0;
    } else {
      insn.nextIpLo = s & 0xffff;
      insn.nextIpHi = 0;
    }
  }

  private finishInvalid(insn: Instruction): number {
    const len = this.pos - this.start;
    if (len > this.end - this.start) return this.finishError(insn, this.pos);
    this.resetOperands(insn);
    insn.length = len;
    this.computeNextIp(insn, len);
    this.lastError = ERR_InvalidInstruction;
    this.errTooLong = false;
    this.ipLo = insn.nextIpLo;
    this.ipHi = insn.nextIpHi;
    return len;
  }

  /** Ran past the available bytes: NoMoreBytes if the buffer ended early, else the 15-byte limit. */
  private finishError(insn: Instruction, _pos: number): number {
    const avail = this.end - this.start;
    const bufferEnded = this.start + avail >= this.buf.length && avail < 15;
    this.resetOperands(insn);
    insn.length = avail;
    this.computeNextIp(insn, avail);
    this.lastError = bufferEnded ? ERR_NoMoreBytes : ERR_InvalidInstruction;
    this.errTooLong = !bufferEnded;
    this.ipLo = insn.nextIpLo;
    this.ipHi = insn.nextIpHi;
    return avail;
  }

  private resetOperands(insn: Instruction): void {
    const ip0 = insn.ipLo;
    const ip1 = insn.ipHi;
    const bits = insn.bitness;
    insn.clear();
    insn.ipLo = ip0;
    insn.ipHi = ip1;
    insn.bitness = bits;
  }

  /** Skips a ModRM memory operand (SIB + displacement) without recording it. */
  private skipMem(): void {
    const mod = this.mod;
    const rm = this.rm;
    if (this.asz === 16) {
      if (mod === 1) this.pos += 1;
      else if (mod === 2 || (mod === 0 && rm === 6)) this.pos += 2;
      return;
    }
    let base = rm;
    if (rm === 4) {
      base = this.u8(this.pos) & 7;
      this.pos++;
    }
    if (mod === 1) this.pos += 1;
    else if (mod === 2 || (mod === 0 && base === 5)) this.pos += 4;
  }

  private gpr(size: number, n: number): number {
    if (size === 8) {
      if (n < 4 || (!this.hasRex && n < 8)) return R_AL + n;
      return R_AL + n + 4;
    }
    if (size === 16) return R_AX + n;
    if (size === 32) return R_EAX + n;
    return R_RAX + n;
  }

  private setReg(insn: Instruction, k: number, r: number): void {
    insn.opKinds[k] = K_Register;
    insn.opRegisters[k] = r;
  }

  /** Decodes a ModRM memory operand into the instruction's memory fields (SDM Vol. 2, 2.1.5). */
  private decodeMem(insn: Instruction, k: number, memSize: number, vsibClass: number): void {
    insn.opKinds[k] = K_Memory;
    insn.memorySize = memSize as Instruction['memorySize'];
    const mod = this.mod;
    const rm = this.rm;
    let defSeg: Register = R_DS;
    if (this.asz === 16) {
      if (vsibClass !== 0) this.invalid = true; // VSIB needs a SIB byte: no 16-bit addressing form
      let base: Register = R_None;
      let index: Register = R_None;
      switch (rm) {
        case 0: base = R_BX; index = R_SI; break;
        case 1: base = R_BX; index = R_DI; break;
        case 2: base = R_BP; index = R_SI; break;
        case 3: base = R_BP; index = R_DI; break;
        case 4: base = R_SI; break;
        case 5: base = R_DI; break;
        case 6: base = mod === 0 ? R_None : R_BP; break;
        default: base = R_BX; break;
      }
      if (base === R_BP) defSeg = R_SS;
      insn.memBase = base;
      insn.memIndex = index;
      if (mod === 1) {
        insn.dispOffset = this.pos - this.start;
        insn.dispSize = 1;
        insn.memDisplLo = (((this.u8(this.pos) << 24) >> 24) * this.tupleN) & 0xffff;
        insn.memDisplSize = 1;
        this.pos += 1;
      } else if (mod === 2 || (mod === 0 && rm === 6)) {
        insn.dispOffset = this.pos - this.start;
        insn.dispSize = 2;
        insn.memDisplLo = this.u8(this.pos) | (this.u8(this.pos + 1) << 8);
        insn.memDisplSize = 2;
        this.pos += 2;
      }
      insn.memSegment = this.seg !== R_None ? this.seg : defSeg;
      return;
    }
    const a64 = this.asz === 64;
    const gbase = a64 ? R_RAX : R_EAX;
    let base = -1;
    let index = -1;
    let scale = 0;
    let baseLow = rm;
    if (rm === 4) {
      const sib = this.u8(this.pos);
      this.pos++;
      scale = sib >> 6;
      const idx = ((sib >> 3) & 7) | (this.rexX << 3);
      baseLow = sib & 7;
      if (vsibClass !== 0) {
        index = vsibClass + idx + (this.evexV2 << 4);
        this.v2Used = true;
      } else if (idx !== 4) index = gbase + idx;
      if (!(baseLow === 5 && mod === 0)) base = gbase + (baseLow | (this.rexB << 3));
    } else {
      if (vsibClass !== 0) this.invalid = true;
      if (rm === 5 && mod === 0) {
        if (this.bitness === 64) this.ripRel = a64 ? 64 : 32;
      } else base = gbase + (rm | (this.rexB << 3));
    }
    if (base >= 0) {
      const bn = base - gbase;
      if (bn === 4 || bn === 5) defSeg = R_SS;
    }
    insn.memBase = (base >= 0 ? base : this.ripRel === 64 ? R_RIP : this.ripRel === 32 ? R_EIP : R_None) as Register;
    insn.memIndex = (index >= 0 ? index : R_None) as Register;
    insn.memScale = 1 << scale;
    insn.memIsVsib = vsibClass !== 0;
    if (mod === 1) {
      insn.dispOffset = this.pos - this.start;
      insn.dispSize = 1;
      const d = ((this.u8(this.pos) << 24) >> 24) * this.tupleN;
      this.pos += 1;
      insn.memDisplLo = d | 0;
      insn.memDisplHi = a64 && d < 0 ? -1 : 0;
      insn.memDisplSize = 1;
    } else if (mod === 2 || (mod === 0 && baseLow === 5)) {
      insn.dispOffset = this.pos - this.start;
      insn.dispSize = 4;
      const d = this.u8(this.pos) | (this.u8(this.pos + 1) << 8) | (this.u8(this.pos + 2) << 16) | (this.u8(this.pos + 3) << 24);
      this.pos += 4;
      insn.memDisplLo = d;
      insn.memDisplHi = a64 && d < 0 ? -1 : 0;
      insn.memDisplSize = a64 ? 8 : 4;
      if (this.ripRel !== 0) {
        this.dispLo = d;
        insn.memDisplSize = this.ripRel === 64 ? 8 : 4;
      }
    }
    insn.memSegment = this.seg !== R_None ? this.seg : defSeg;
  }

  private readImm(size: number): number {
    const p = this.pos;
    let v = this.u8(p);
    if (size >= 2) v |= this.u8(p + 1) << 8;
    if (size >= 4) v |= (this.u8(p + 2) << 16) | (this.u8(p + 3) << 24);
    this.pos += size;
    return v;
  }

  private setImmOffset(insn: Instruction, nImm: number, size: number): void {
    if (nImm === 0) {
      insn.immOffset = this.pos - this.start;
      insn.immSize = size;
    } else {
      insn.imm2Offset = this.pos - this.start;
      insn.imm2Size = size;
    }
  }

  private isReg(): number {
    if (this.isByte < 0) {
      this.isByte = this.u8(this.pos);
      this.pos++;
    }
    return this.isByte;
  }

  /** Decodes operand `k` with operand encoding `oe`; returns the updated immediate count. */
  private decodeOperand(insn: Instruction, k: number, oe: number, opcode: number, os: number, nImm: number, memSize: number): number {
    const regN = this.reg | (this.rexR << 3) | (this.evexR2 << 4);
    const rmN = this.rm | (this.rexB << 3) | (insn.encoding === ENC_EVEX ? this.rexX << 4 : 0);
    const isMem = this.mod !== 3;
    switch (oe) {
      case 1 /* al */: this.setReg(insn, k, R_AL); break;
      case 2 /* ax */: this.setReg(insn, k, R_AX); break;
      case 3 /* eax */: this.setReg(insn, k, R_EAX); break;
      case 4 /* rax */: this.setReg(insn, k, R_RAX); break;
      case 5 /* cl */: this.setReg(insn, k, R_CL); break;
      case 6 /* dx */: this.setReg(insn, k, R_DX); break;
      case 7 /* es */: this.setReg(insn, k, R_ES); break;
      case 8 /* cs */: this.setReg(insn, k, R_CS); break;
      case 9 /* ss */: this.setReg(insn, k, R_SS); break;
      case 10 /* ds */: this.setReg(insn, k, R_DS); break;
      case 11 /* fs */: this.setReg(insn, k, R_FS); break;
      case 12 /* gs */: this.setReg(insn, k, R_GS); break;
      case 13 /* st0 */: this.setReg(insn, k, R_ST0); break;
      case 14 /* br16_1 */: case 16 /* br32_1 */: case 18 /* br64_1 */: {
        this.setImmOffset(insn, nImm, 1);
        const d = (this.readImm(1) << 24) >> 24;
        insn.nearBranchLo = d;
        this.branchOp = k;
        insn.opKinds[k] = oe === 14 /* br16_1 */ ? K_NearBranch16 : oe === 16 /* br32_1 */ ? K_NearBranch32 : K_NearBranch64;
        return nImm + 1;
      }
      case 15 /* br16_2 */: case 22 /* xbegin_2 */: {
        this.setImmOffset(insn, nImm, 2);
        const d = (this.readImm(2) << 16) >> 16;
        insn.nearBranchLo = d;
        this.branchOp = k;
        // XBEGIN's target is EIP/RIP-sized whatever the operand size (SDM Vol. 2, XBEGIN).
        insn.opKinds[k] = oe === 22 /* xbegin_2 */ ? (this.bitness === 64 ? K_NearBranch64 : K_NearBranch32) : K_NearBranch16;
        return nImm + 1;
      }
      case 17 /* br32_4 */: case 19 /* br64_4 */: case 23 /* xbegin_4 */: {
        this.setImmOffset(insn, nImm, 4);
        insn.nearBranchLo = this.readImm(4);
        this.branchOp = k;
        insn.opKinds[k] = oe === 17 /* br32_4 */ ? K_NearBranch32 : oe === 19 /* br64_4 */ || this.bitness === 64 ? K_NearBranch64 : K_NearBranch32;
        return nImm + 1;
      }
      case 24 /* farbr2_2 */: case 25 /* farbr4_2 */: {
        const sz = oe === 24 /* farbr2_2 */ ? 2 : 4;
        this.setImmOffset(insn, 0, sz);
        insn.farBranchOffset = sz === 2 ? this.readImm(2) : this.readImm(4);
        this.setImmOffset(insn, 1, 2);
        insn.farBranchSelector = this.readImm(2);
        insn.opKinds[k] = sz === 2 ? K_FarBranch16 : K_FarBranch32;
        return nImm + 2;
      }
      case 26 /* imm8 */:
        this.setImmOffset(insn, nImm, 1);
        if (nImm === 0) {
          insn.immediateLo = this.readImm(1);
          insn.opKinds[k] = K_Immediate8;
        } else {
          insn.immediate2 = this.readImm(1);
          insn.opKinds[k] = K_Immediate8_2nd;
        }
        return nImm + 1;
      case 27 /* imm16 */:
        this.setImmOffset(insn, nImm, 2);
        insn.immediateLo = this.readImm(2);
        insn.opKinds[k] = K_Immediate16;
        return nImm + 1;
      case 28 /* imm32 */:
        this.setImmOffset(insn, nImm, 4);
        insn.immediateLo = this.readImm(4);
        insn.opKinds[k] = K_Immediate32;
        return nImm + 1;
      case 29 /* imm64 */:
        this.setImmOffset(insn, nImm, 8);
        insn.immediateLo = this.readImm(4);
        insn.immediateHi = this.readImm(4);
        insn.opKinds[k] = K_Immediate64;
        return nImm + 1;
      case 30 /* imm32sex64 */: {
        this.setImmOffset(insn, nImm, 4);
        const v = this.readImm(4);
        insn.immediateLo = v;
        insn.immediateHi = v < 0 ? -1 : 0;
        insn.opKinds[k] = K_Immediate32to64;
        return nImm + 1;
      }
      case 31 /* imm8sex16 */: case 32 /* imm8sex32 */: case 33 /* imm8sex64 */: {
        this.setImmOffset(insn, nImm, 1);
        const v = (this.readImm(1) << 24) >> 24;
        if (oe === 31 /* imm8sex16 */) {
          insn.immediateLo = v & 0xffff;
          insn.opKinds[k] = K_Immediate8to16;
        } else if (oe === 32 /* imm8sex32 */) {
          insn.immediateLo = v;
          insn.opKinds[k] = K_Immediate8to32;
        } else {
          insn.immediateLo = v;
          insn.immediateHi = v < 0 ? -1 : 0;
          insn.opKinds[k] = K_Immediate8to64;
        }
        return nImm + 1;
      }
      case 34 /* imm8_const_1 */:
        insn.immediateLo = 1;
        insn.opKinds[k] = K_Immediate8;
        return nImm;
      case 35 /* imm4_m2z */:
        insn.immediateLo = this.isReg() & 15;
        insn.opKinds[k] = K_Immediate8;
        insn.immOffset = this.pos - 1 - this.start;
        insn.immSize = 1;
        return nImm + 1;
      case 36 /* es_rDI */:
        insn.opKinds[k] = this.asz === 16 ? K_MemoryESDI : this.asz === 32 ? K_MemoryESEDI : K_MemoryESRDI;
        insn.memorySize = memSize as Instruction['memorySize'];
        if (insn.memSegment === R_None) insn.memSegment = R_ES;
        break;
      case 37 /* seg_rSI */: case 38 /* seg_rDI */:
        insn.opKinds[k] = (oe === 37 /* seg_rSI */ ? K_MemorySegSI : K_MemorySegDI) + (this.asz === 16 ? 0 : this.asz === 32 ? 1 : 2);
        insn.memorySize = memSize as Instruction['memorySize'];
        insn.memSegment = this.seg !== R_None ? this.seg : R_DS;
        break;
      case 39 /* seg_rBX_al */:
        insn.opKinds[k] = K_Memory;
        insn.memorySize = memSize as Instruction['memorySize'];
        insn.memSegment = this.seg !== R_None ? this.seg : R_DS;
        insn.memBase = this.asz === 16 ? R_BX : this.asz === 32 ? R_EBX : R_RBX;
        insn.memIndex = R_AL;
        break;
      case 41 /* mem_offs */: {
        insn.opKinds[k] = K_Memory;
        insn.memorySize = memSize as Instruction['memorySize'];
        insn.memSegment = this.seg !== R_None ? this.seg : R_DS;
        const sz = this.asz === 16 ? 2 : this.asz === 32 ? 4 : 8;
        insn.dispOffset = this.pos - this.start;
        insn.dispSize = sz;
        insn.memDisplSize = sz;
        if (sz === 2) insn.memDisplLo = this.readImm(2);
        else if (sz === 4) insn.memDisplLo = this.readImm(4);
        else {
          insn.memDisplLo = this.readImm(4);
          insn.memDisplHi = this.readImm(4);
        }
        break;
      }
      case 40 /* mem */: case 42 /* mem_mib */: case 43 /* mem_mpx */: case 44 /* sibmem */:
        this.decodeMem(insn, k, memSize, 0);
        break;
      // MOVDIR64B/ENQCMD: destination GPR (address-size) in ModRM.reg; ModRM must be memory.
      case 55 /* r16_reg_mem */: this.setReg(insn, k, this.gpr(16, regN & 15)); break;
      case 56 /* r32_reg_mem */: this.setReg(insn, k, this.gpr(32, regN & 15)); break;
      case 57 /* r64_reg_mem */: this.setReg(insn, k, this.gpr(64, regN & 15)); break;
      case 45 /* mem_vsib32x */: case 48 /* mem_vsib64x */: this.decodeMem(insn, k, memSize, R_XMM0); break;
      case 46 /* mem_vsib32y */: case 49 /* mem_vsib64y */: this.decodeMem(insn, k, memSize, R_YMM0); break;
      case 47 /* mem_vsib32z */: case 50 /* mem_vsib64z */: this.decodeMem(insn, k, memSize, R_ZMM0); break;
      case 51 /* r8_reg */: this.setReg(insn, k, this.gpr(8, regN & 15)); break;
      case 52 /* r16_reg */: case 53 /* r32_reg */: case 54 /* r64_reg */:
        if (regN > 15) this.invalid = true; // EVEX.R' selects registers 16..31: no such GPR
        this.setReg(insn, k, this.gpr(oe === 52 ? 16 : oe === 53 ? 32 : 64, regN & 15));
        break;
      case 58 /* r8_or_mem */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, this.gpr(8, rmN & 15)); break;
      case 59 /* r16_or_mem */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, this.gpr(16, rmN & 15)); break;
      case 60 /* r32_or_mem */: case 62 /* r32_or_mem_mpx */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, this.gpr(32, rmN & 15)); break;
      case 61 /* r64_or_mem */: case 63 /* r64_or_mem_mpx */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, this.gpr(64, rmN & 15)); break;
      case 64 /* r16_rm */: this.setReg(insn, k, this.gpr(16, rmN & 15)); break;
      case 65 /* r32_rm */: this.setReg(insn, k, this.gpr(32, rmN & 15)); break;
      case 66 /* r64_rm */: this.setReg(insn, k, this.gpr(64, rmN & 15)); break;
      case 67 /* r8_opcode */: this.setReg(insn, k, this.gpr(8, (opcode & 7) | (this.rexB << 3))); break;
      case 68 /* r16_opcode */: this.setReg(insn, k, this.gpr(16, (opcode & 7) | (this.rexB << 3))); break;
      case 69 /* r32_opcode */: this.setReg(insn, k, this.gpr(32, (opcode & 7) | (this.rexB << 3))); break;
      case 70 /* r64_opcode */: this.setReg(insn, k, this.gpr(64, (opcode & 7) | (this.rexB << 3))); break;
      case 71 /* sti_opcode */: this.setReg(insn, k, R_ST0 + this.rm); break;
      case 72 /* r32_vvvv */: this.vvvvUsed = true; this.setReg(insn, k, R_EAX + this.vvvv); break;
      case 73 /* r64_vvvv */: this.vvvvUsed = true; this.setReg(insn, k, R_RAX + this.vvvv); break;
      case 74 /* seg_reg */:
        // MOV Sreg: reg 6/7 #UD; MOV CS,r/m #UD (SDM Vol. 2, MOV-Move).
        if (this.reg > 5 || (k === 0 && this.reg === 1)) this.invalid = true;
        this.setReg(insn, k, R_ES + (this.reg > 5 ? 0 : this.reg));
        break;
      case 75 /* cr_reg */: {
        // CR0, CR2, CR3, CR4 and (64-bit, REX.R) CR8 exist; others #UD (SDM Vol. 2, MOV-Move to/from Control Registers).
        const cr = regN & 15;
        if (!(cr === 0 || cr === 2 || cr === 3 || cr === 4 || cr === 8)) this.invalid = true;
        this.setReg(insn, k, R_CR0 + cr);
        break;
      }
      case 76 /* dr_reg */: {
        const dr = regN & 15;
        if (dr > 7) this.invalid = true;
        this.setReg(insn, k, R_DR0 + dr);
        break;
      }
      case 77 /* tr_reg */: this.setReg(insn, k, R_TR0 + this.reg); break;
      case 78 /* bnd_reg */: this.setReg(insn, k, R_BND0 + (this.reg & 3)); break;
      case 79 /* bnd_or_mem_mpx */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, R_BND0 + (this.rm & 3)); break;
      case 80 /* mm_reg */: this.setReg(insn, k, R_MM0 + this.reg); break;
      case 81 /* mm_rm */: this.setReg(insn, k, R_MM0 + this.rm); break;
      case 82 /* mm_or_mem */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, R_MM0 + this.rm); break;
      case 83 /* xmm_reg */: this.setReg(insn, k, R_XMM0 + regN); break;
      case 84 /* xmm_rm */: this.setReg(insn, k, R_XMM0 + rmN); break;
      case 85 /* xmm_or_mem */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, R_XMM0 + rmN); break;
      case 86 /* xmm_vvvv */: case 87 /* xmmp3_vvvv */: this.vvvvUsed = true; this.v2Used = true; this.setReg(insn, k, R_XMM0 + (this.vvvv | (this.evexV2 << 4))); break;
      case 88 /* xmm_is4 */: case 89 /* xmm_is5 */: this.setReg(insn, k, R_XMM0 + ((this.isReg() >> 4) & (this.bitness === 64 ? 15 : 7))); insn.immOffset = 0; break;
      case 90 /* ymm_reg */: this.setReg(insn, k, R_YMM0 + regN); break;
      case 91 /* ymm_rm */: this.setReg(insn, k, R_YMM0 + rmN); break;
      case 92 /* ymm_or_mem */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, R_YMM0 + rmN); break;
      case 93 /* ymm_vvvv */: this.vvvvUsed = true; this.v2Used = true; this.setReg(insn, k, R_YMM0 + (this.vvvv | (this.evexV2 << 4))); break;
      case 94 /* ymm_is4 */: case 95 /* ymm_is5 */: this.setReg(insn, k, R_YMM0 + ((this.isReg() >> 4) & (this.bitness === 64 ? 15 : 7))); break;
      case 96 /* zmm_reg */: this.setReg(insn, k, R_ZMM0 + regN); break;
      case 97 /* zmm_rm */: this.setReg(insn, k, R_ZMM0 + rmN); break;
      case 98 /* zmm_or_mem */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, R_ZMM0 + rmN); break;
      case 99 /* zmm_vvvv */: case 100 /* zmmp3_vvvv */: this.vvvvUsed = true; this.v2Used = true; this.setReg(insn, k, R_ZMM0 + (this.vvvv | (this.evexV2 << 4))); break;
      // Opmask registers: only K0..K7; R/R'/vvvv bits selecting 8..31 are #UD (B/X are ignored).
      case 101 /* k_reg */: case 105 /* kp1_reg */: if (regN > 7) this.invalid = true; this.setReg(insn, k, R_K0 + this.reg); break;
      case 102 /* k_rm */: this.setReg(insn, k, R_K0 + this.rm); break; // VEX.B/EVEX.X ignored
      case 103 /* k_or_mem */: if (isMem) this.decodeMem(insn, k, memSize, 0); else this.setReg(insn, k, R_K0 + this.rm); break;
      case 104 /* k_vvvv */: this.vvvvUsed = true; this.v2Used = true; if (this.vvvv > 7 || this.evexV2 !== 0) this.invalid = true; this.setReg(insn, k, R_K0 + (this.vvvv & 7)); break;
      // AMX: TMM0..TMM7 only; VEX.R/B/vvvv selecting tile 8..15 is #UD.
      case 106 /* tmm_reg */: if (regN > 7) this.invalid = true; this.setReg(insn, k, R_TMM0 + (regN & 7)); break;
      case 107 /* tmm_rm */: if (rmN > 7) this.invalid = true; this.setReg(insn, k, R_TMM0 + (rmN & 7)); break;
      case 108 /* tmm_vvvv */: this.vvvvUsed = true; if (this.vvvv > 7) this.invalid = true; this.setReg(insn, k, R_TMM0 + (this.vvvv & 7)); break;
      default:
        this.invalid = true;
        break;
    }
    void os;
    return nImm;
  }
}
