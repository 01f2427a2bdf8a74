/// <reference types="node" />
/**
 * Differential fuzzing of the decoder and formatter against iced-x86 (npm, wasm) in the same
 * process. Test-only (iced-x86 is a devDependency; this file is not part of the package).
 *
 * Inputs are 15-byte chunks of one buffer, produced by a seeded generator in three modes:
 * uniformly random bytes; "well-formed" heads (prefix soup, REX, legacy/0F/0F38/0F3A maps,
 * VEX2/VEX3/XOP/EVEX with random payload bits, ModRM/SIB forms); and encodings of random forms
 * of the decoder's ISA description (`tools/gen-x86/data/isa.txt`: map/opcode/pp/W/L/ModRM.reg
 * from the record, every other bit random, occasional prefix soup), all followed by random bytes.
 *
 * Per input we compare: validity, length, Code, Mnemonic, operand count, each operand's kind and
 * value (register, immediate, branch target, far pointer, memory segment/base/index/scale/
 * displacement/size), and the Intel text. iced's formatter is set to the same options as ours
 * (lower case, `0x` hex, no space after comma, default memory sizes, RIP-relative shown as
 * `[rip+...]`, branch targets with leading zeros). One normalisation: texts with a 64-bit branch
 * target at or above 2^63 are not compared (iced-x86's npm build prints only the low digits).
 */
import {
  Code as IcedCode, Decoder as IcedDecoder, DecoderOptions as IcedDecoderOptions, Formatter as IcedFormatter, FormatterSyntax,
  Instruction as IcedInstruction, MemorySize as IcedMemorySize, Mnemonic as IcedMnemonic, OpKind as IcedOpKind, Register as IcedRegister,
  MemorySizeOptions, EncodingKind as IcedEncodingKind,
} from 'iced-x86';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Decoder } from './decoder.js';
import { Instruction, OpKind } from './instruction.js';
import { Code, codeNames, memorySizeNames, mnemonicNames } from './generated/enums.js';
import { registerNames } from './register.js';
import { IntelFormatter, MemorySizeStyle } from './formatter.js';

/** Which comparison failed first. */
export const FUZZ_FIELDS = ['validity', 'length', 'code', 'mnemonic', 'opCount', 'operands', 'text', 'textAlt'] as const;
export type FuzzField = (typeof FUZZ_FIELDS)[number];

/** Encoding class of an input (from iced's decode; `invalid` when iced rejects it). */
export type FuzzClass = 'legacy' | 'vex' | 'evex' | 'xop' | '3dnow' | 'mvex' | 'invalid';

export interface Disagreement {
  bitness: 16 | 32 | 64;
  bytes: Uint8Array;
  cls: FuzzClass;
  field: FuzzField;
  ours: string;
  iced: string;
}

export interface FuzzResult {
  bitness: 16 | 32 | 64;
  count: number;
  /** Inputs per encoding class. */
  perClass: Record<string, number>;
  /** Disagreements per `class/field`. */
  counts: Record<string, number>;
  /** The first few disagreements of each `class/field`, minimised. */
  samples: Disagreement[];
  /** Host exceptions thrown by our decoder or formatter (must be 0). */
  exceptions: number;
  /** Inputs not compared because of a documented normalisation (see {@link NORMALISATIONS}), per reason. */
  normalised: Record<string, number>;
}

/**
 * Documented cases where iced-x86 1.21 (npm) is not the reference and the comparison is skipped:
 * - `montmul64`: `F3 0F A6 C0` (VIA PadLock MONTMUL) with 64-bit addressing in 64-bit mode. iced-x86
 *   1.21's npm build reports it invalid, but iced's own decoder test vectors (shared conformance
 *   `DecoderTest64`, e.g. `F3 0FA6 C0, Montmul_64` and `F3 4F 0FA6 C0, Montmul_64`) and its op-code
 *   table (`Encoder/OpCodeInfos`: `a64 F3 0F A6 C0 MONTMUL`, 64-bit mode) define it, and the 32-bit
 *   form it does decode (`67 F3 0F A6 C0`) differs only by the address size. We decode `Montmul_64`.
 */
export const NORMALISATIONS = ['montmul64'] as const;

/** xoshiro128** PRNG (Blackman & Vigna): deterministic, seedable, period 2^128 - 1. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(seed: number) {
    // splitmix32 to spread the seed over the state.
    let x = seed | 0;
    const sm = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = sm(); this.s1 = sm(); this.s2 = sm(); this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }
  next(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }
  byte(): number { return this.next() & 0xff; }
  below(n: number): number { return this.next() % n; }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LEGACY_PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65];

/** Fill `out[0..15)` with one generated input. */
export function generateInput(rng: Rng, out: Uint8Array, bitness: 16 | 32 | 64, wellFormed: boolean): void {
  for (let i = 0; i < 15; i++) out[i] = rng.byte();
  if (!wellFormed) return;
  let p = 0;
  const nPrefix = rng.below(8) < 5 ? rng.below(3) : rng.below(6);
  for (let i = 0; i < nPrefix; i++) out[p++] = LEGACY_PREFIXES[rng.below(LEGACY_PREFIXES.length)] ?? 0x66;
  if (bitness === 64 && rng.below(3) === 0) out[p++] = 0x40 | rng.below(16);
  const kind = rng.below(10);
  switch (kind) {
    case 0: case 1: case 2: out[p++] = rng.byte(); break; // legacy map
    case 3: out[p++] = 0x0f; out[p++] = rng.byte(); break;
    case 4: out[p++] = 0x0f; out[p++] = 0x38; out[p++] = rng.byte(); break;
    case 5: out[p++] = 0x0f; out[p++] = 0x3a; out[p++] = rng.byte(); break;
    case 6: // VEX2: in 16/32-bit mode the top bits of the payload must be 11 to not be LES/LDS
      out[p++] = 0xc5; out[p++] = bitness === 64 ? rng.byte() : 0xc0 | rng.byte(); out[p++] = rng.byte(); break;
    case 7: // VEX3 with map 1..3
      out[p++] = 0xc4; out[p++] = (bitness === 64 ? rng.byte() & 0xe0 : 0xc0 | (rng.byte() & 0x20)) | (1 + rng.below(3)); out[p++] = rng.byte(); out[p++] = rng.byte(); break;
    case 8: { // EVEX: P0 bit 3 = 0, P1 bit 2 = 1; maps 1, 2, 3, 5, 6
      const maps = [1, 2, 3, 5, 6];
      out[p++] = 0x62;
      out[p++] = (bitness === 64 ? rng.byte() & 0xf0 : 0xc0 | (rng.byte() & 0x30)) | (maps[rng.below(5)] ?? 1);
      out[p++] = (rng.byte() & 0xfb) | 0x04;
      out[p++] = rng.byte();
      out[p++] = rng.byte();
      break;
    }
    default: // XOP maps 8..10
      out[p++] = 0x8f; out[p++] = (bitness === 64 ? rng.byte() & 0xe0 : 0xc0 | (rng.byte() & 0x20)) | (8 + rng.below(3)); out[p++] = rng.byte(); out[p++] = rng.byte(); break;
  }
  // ModRM/SIB: bias towards memory forms with SIB and displacements.
  if (p < 15) {
    const r = rng.below(4);
    if (r === 0) out[p] = (rng.byte() & 0xf8) | 4; // SIB
    else if (r === 1) out[p] = (rng.byte() & 0x38) | 5; // disp32 / RIP-relative
  }
}

interface IsaForm { enc: string; map: string; op: number; pp: string; modrm: boolean; reg: number; mod: string; L: string; W: string; os: number }

let isaForms: Map<number, IsaForm[]> | null = null;

/** The decoder's ISA description (`tools/gen-x86/data/isa.txt`), per bitness: every encodable form. */
function loadIsa(): Map<number, IsaForm[]> {
  if (isaForms !== null) return isaForms;
  let dir = resolve(import.meta.dirname);
  while (!existsSync(join(dir, 'pnpm-workspace.yaml')) && dirname(dir) !== dir) dir = dirname(dir);
  const m = new Map<number, IsaForm[]>([[16, []], [32, []], [64, []]]);
  const path = join(dir, 'tools', 'gen-x86', 'data', 'isa.txt');
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const kv = new Map<string, string>();
      const f = line.trim().split(/\s+/);
      for (const x of f.slice(2)) { const e = x.indexOf('='); kv.set(e < 0 ? x : x.slice(0, e), e < 0 ? '' : x.slice(e + 1)); }
      const enc = kv.get('enc') ?? '';
      if (enc !== 'legacy' && enc !== 'vex' && enc !== 'evex' && enc !== 'xop') continue;
      if ((kv.get('flags') ?? '').includes('no-instr')) continue;
      const form: IsaForm = {
        enc, map: kv.get('map') ?? 'legacy', op: parseInt(kv.get('op') ?? '0', 16), pp: kv.get('pp') ?? 'any', modrm: kv.has('modrm'),
        reg: kv.has('reg') ? Number(kv.get('reg')) : -1, mod: kv.get('mod') ?? '', L: kv.get('L') ?? 'ig', W: kv.get('W') ?? 'ig', os: Number(kv.get('os') ?? '0'),
      };
      for (const b of (kv.get('modes') ?? '').split(',')) m.get(Number(b))?.push(form);
    }
  }
  isaForms = m;
  return m;
}

const PP_BITS: Record<string, number> = { NP: 0, '66': 1, F3: 2, F2: 3 };
const VEX_MAP: Record<string, number> = { '0F': 1, '0F38': 2, '0F3A': 3, MAP5: 5, MAP6: 6, X8: 8, X9: 9, XA: 10 };

/** Fill `out[0..15)` with an encoding of a random form of the ISA (random operand bits, a little prefix soup). */
export function generateIsaInput(rng: Rng, out: Uint8Array, bitness: 16 | 32 | 64): boolean {
  const forms = loadIsa().get(bitness) ?? [];
  if (forms.length === 0) return false;
  for (let i = 0; i < 15; i++) out[i] = rng.byte();
  const f = forms[rng.below(forms.length)];
  let p = 0;
  const soup = rng.below(8) === 0;
  if (soup) { const n = 1 + rng.below(3); for (let i = 0; i < n; i++) out[p++] = LEGACY_PREFIXES[rng.below(LEGACY_PREFIXES.length)] ?? 0x66; }
  const rnd = (bits: string, max: number): number => (bits === 'ig' || bits === '' ? rng.below(max + 1) : Number(bits));
  if (f.enc === 'legacy') {
    if (f.os === 16 && bitness !== 16) out[p++] = 0x66;
    if (f.os === 32 && bitness === 16) out[p++] = 0x66;
    if (f.pp === '66' || f.pp === 'F3' || f.pp === 'F2') out[p++] = f.pp === '66' ? 0x66 : f.pp === 'F3' ? 0xf3 : 0xf2;
    if (bitness === 64 && (f.os === 64 || rng.below(4) === 0)) out[p++] = 0x40 | (f.os === 64 ? 8 : 0) | rng.below(8);
    if (f.map === '0F') out[p++] = 0x0f;
    else if (f.map === '0F38') { out[p++] = 0x0f; out[p++] = 0x38; } else if (f.map === '0F3A') { out[p++] = 0x0f; out[p++] = 0x3a; }
    out[p++] = f.op;
  } else {
    const top = bitness === 64 ? rng.byte() & 0xe0 : 0xc0 | (rng.byte() & 0x20);
    const W = rnd(f.W, 1);
    const L = rnd(f.L, f.enc === 'evex' ? 2 : 1);
    const pp = PP_BITS[f.pp] ?? rng.below(4);
    const vvvv = rng.below(4) === 0 ? rng.below(16) : 15;
    if (f.enc === 'evex') {
      out[p++] = 0x62;
      out[p++] = (bitness === 64 ? rng.byte() & 0xf0 : 0xf0 | (rng.byte() & 0x20)) | (VEX_MAP[f.map] ?? 1);
      out[p++] = (W << 7) | (vvvv << 3) | 4 | pp;
      const z = rng.below(4) === 0 ? 1 : 0;
      const b = rng.below(4) === 0 ? 1 : 0;
      const vp = bitness === 64 && rng.below(4) === 0 ? 0 : 1;
      out[p++] = (z << 7) | (L << 5) | (b << 4) | (vp << 3) | (rng.below(2) === 0 ? 0 : rng.below(8));
    } else {
      out[p++] = f.enc === 'xop' ? 0x8f : 0xc4;
      out[p++] = top | (VEX_MAP[f.map] ?? 1);
      out[p++] = (W << 7) | (vvvv << 3) | (L << 2) | pp;
    }
    out[p++] = f.op;
  }
  if (f.modrm && p < 15) {
    let m = rng.byte();
    if (f.reg >= 0) m = (m & 0xc7) | (f.reg << 3);
    if (f.mod === 'reg') m |= 0xc0;
    else if (f.mod === 'mem' && (m & 0xc0) === 0xc0) m &= 0x7f;
    out[p] = m;
  }
  return true;
}

function maps(icedEnum: Record<string, unknown>, ourNames: readonly string[]): Int32Array {
  let max = 0;
  for (const v of Object.values(icedEnum)) if (typeof v === 'number' && v > max) max = v;
  const ours = new Map<string, number>();
  ourNames.forEach((n, i) => ours.set(n, i));
  const m = new Int32Array(max + 1).fill(-1);
  for (const [k, v] of Object.entries(icedEnum)) if (typeof v === 'number') m[v] = ours.get(k) ?? -1;
  return m;
}

const OPKIND_NAMES = Object.keys(OpKind);

/** One differential fuzzing engine for a bitness (keeps iced objects alive; call {@link DiffFuzzer.free}). */
export class DiffFuzzer {
  readonly bitness: 16 | 32 | 64;
  private readonly codeMap = maps(IcedCode, codeNames);
  private readonly mnemonicMap = maps(IcedMnemonic, mnemonicNames);
  private readonly regMap = maps(IcedRegister, registerNames);
  private readonly memSizeMap = maps(IcedMemorySize, memorySizeNames);
  private readonly opKindMap = maps(IcedOpKind, OPKIND_NAMES);
  private readonly icedFmt: IcedFormatter;
  private readonly ours = new IntelFormatter();
  /** Second style: memory sizes always, branch size, signed immediates, absolute RIP targets, space after comma, upper case. */
  private readonly icedAlt: IcedFormatter;
  private readonly oursAlt = new IntelFormatter({
    memorySize: MemorySizeStyle.Always, showBranchSize: true, signedImmediates: true, ripRelative: false, spaceAfterComma: true, uppercase: true, uppercaseHex: true,
  });
  private readonly insn = new Instruction();
  private readonly ip: bigint;
  private readonly dec: Decoder;

  constructor(bitness: 16 | 32 | 64) {
    this.bitness = bitness;
    this.ip = bitness === 16 ? 0x7ff0n : bitness === 32 ? 0x7fff_fff0n : 0x7fff_ffff_ffff_fff0n;
    this.dec = new Decoder({ bitness, ip: this.ip });
    const f = new IcedFormatter(FormatterSyntax.Intel);
    f.uppercaseHex = false;
    f.hexPrefix = '0x';
    f.hexSuffix = '';
    f.addLeadingZeroToHexNumbers = false;
    f.spaceAfterOperandSeparator = false;
    f.memorySizeOptions = MemorySizeOptions.Default;
    f.ripRelativeAddresses = true;
    f.showBranchSize = false;
    f.signedImmediateOperands = false;
    f.branchLeadingZeros = true;
    f.smallHexNumbersInDecimal = true;
    this.icedFmt = f;
    const g = new IcedFormatter(FormatterSyntax.Intel);
    g.uppercaseHex = true;
    g.uppercaseAll = true;
    g.hexPrefix = '0x';
    g.hexSuffix = '';
    g.addLeadingZeroToHexNumbers = false;
    g.spaceAfterOperandSeparator = true;
    g.memorySizeOptions = MemorySizeOptions.Always;
    g.ripRelativeAddresses = false;
    g.showBranchSize = true;
    g.signedImmediateOperands = true;
    g.branchLeadingZeros = true;
    g.smallHexNumbersInDecimal = true;
    this.icedAlt = g;
  }

  free(): void { this.icedFmt.free(); this.icedAlt.free(); }

  /**
   * Compare one input (`buf[off..off+len)`); returns null when both agree, else the first
   * disagreeing field with both renderings. Throws only if our code throws (the caller counts that).
   */
  /** Inputs skipped per documented normalisation (see {@link NORMALISATIONS}). */
  readonly normalised: Record<string, number> = {};

  compare(buf: Uint8Array, off: number, len: number, icedInsn: IcedInstruction, icedDec: IcedDecoder): { field: FuzzField; ours: string; iced: string; cls: FuzzClass } | null {
    icedDec.position = off;
    icedDec.ip = this.ip;
    icedDec.decodeOut(icedInsn);
    const d = this.dec;
    d.setIp(this.ip);
    const insn = this.insn;
    d.decodeInto(insn, buf.subarray(0, off + len), off);
    const icedValid = !icedInsn.isInvalid;
    let cls: FuzzClass = 'invalid';
    if (icedValid) {
      switch (icedInsn.encoding) {
        case IcedEncodingKind.Legacy: cls = 'legacy'; break;
        case IcedEncodingKind.VEX: cls = 'vex'; break;
        case IcedEncodingKind.EVEX: cls = 'evex'; break;
        case IcedEncodingKind.XOP: cls = 'xop'; break;
        case IcedEncodingKind.D3NOW: cls = '3dnow'; break;
        default: cls = 'mvex'; break;
      }
    }
    const ourValid = insn.isValid;
    if (!icedValid && ourValid && insn.code === Code.Montmul_64) {
      this.normalised['montmul64'] = (this.normalised['montmul64'] ?? 0) + 1;
      return null;
    }
    if (icedValid !== ourValid) return { field: 'validity', cls, ours: ourValid ? codeNames[insn.code] ?? '?' : 'INVALID', iced: icedValid ? IcedCode[icedInsn.code] : 'INVALID' };
    if (insn.length !== icedInsn.length) return { field: 'length', cls, ours: String(insn.length), iced: String(icedInsn.length) };
    if (!icedValid) return null;
    if (insn.code !== this.codeMap[icedInsn.code]) return { field: 'code', cls, ours: codeNames[insn.code] ?? '?', iced: IcedCode[icedInsn.code] };
    if (insn.mnemonic !== this.mnemonicMap[icedInsn.mnemonic]) return { field: 'mnemonic', cls, ours: mnemonicNames[insn.mnemonic] ?? '?', iced: IcedMnemonic[icedInsn.mnemonic] };
    if (insn.opCount !== icedInsn.opCount) return { field: 'opCount', cls, ours: String(insn.opCount), iced: String(icedInsn.opCount) };
    for (let i = 0; i < insn.opCount; i++) {
      const ok = this.opOurs(i);
      const ik = this.opIced(icedInsn, i);
      if (ok !== ik) return { field: 'operands', cls, ours: ok, iced: ik };
    }
    // Normalisation: iced-x86's npm build prints 64-bit branch targets with bit 63 set as their
    // low digits only ("jmp 7" for 0x8000000000000007); such texts are not compared.
    for (let i = 0; i < insn.opCount; i++) if (insn.opKinds[i] === OpKind.NearBranch64 && insn.nearBranchHi < 0) return null;
    const ot = this.ours.format(insn);
    const it = this.icedFmt.format(icedInsn);
    if (ot !== it) return { field: 'text', cls, ours: ot, iced: it };
    const oa = this.oursAlt.format(insn);
    const ia = this.icedAlt.format(icedInsn);
    if (oa !== ia) return { field: 'textAlt', cls, ours: oa, iced: ia };
    return null;
  }

  private opOurs(i: number): string {
    const insn = this.insn;
    const k = insn.opKinds[i] ?? 0;
    const name = OPKIND_NAMES[k] ?? '?';
    switch (k) {
      case OpKind.Register: return `${name}:${registerNames[insn.opRegisters[i] ?? 0]}`;
      case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64:
        return `${name}:${((BigInt(insn.nearBranchHi >>> 0) << 32n) | BigInt(insn.nearBranchLo >>> 0)).toString(16)}`;
      case OpKind.FarBranch16: case OpKind.FarBranch32: return `${name}:${(insn.farBranchSelector & 0xffff).toString(16)}:${(insn.farBranchOffset >>> 0).toString(16)}`;
      case OpKind.Immediate8_2nd: return `${name}:${(insn.immediate2 & 0xff).toString(16)}`;
      case OpKind.Memory:
        return `${name}:${registerNames[insn.memSegment]}:${registerNames[insn.memBase]}:${registerNames[insn.memIndex]}*${insn.memScale}` +
          `:${((BigInt(insn.memDisplHi >>> 0) << 32n) | BigInt(insn.memDisplLo >>> 0)).toString(16)}:${memorySizeNames[insn.memorySize]}`;
      default:
        if (k >= OpKind.Immediate8 && k <= OpKind.Immediate32to64) {
          return `${name}:${BigInt.asUintN(immBits(k), (BigInt(insn.immediateHi >>> 0) << 32n) | BigInt(insn.immediateLo >>> 0)).toString(16)}`;
        }
        // String operands: the ES:[DI] operand's segment is fixed (ES), iced reports the [SI] one's.
        if (k >= OpKind.MemoryESDI) return `${name}:${memorySizeNames[insn.memorySize]}`;
        return `${name}:${registerNames[insn.memSegment]}:${memorySizeNames[insn.memorySize]}`;
    }
  }

  private opIced(x: IcedInstruction, i: number): string {
    const ik = x.opKind(i);
    const k = this.opKindMap[ik] ?? -1;
    const name = OPKIND_NAMES[k] ?? `iced:${IcedOpKind[ik]}`;
    const reg = (r: IcedRegister): string => registerNames[this.regMap[r] ?? 0] ?? '?';
    switch (k) {
      case OpKind.Register: return `${name}:${reg(x.opRegister(i))}`;
      case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64: return `${name}:${x.nearBranchTarget.toString(16)}`;
      case OpKind.FarBranch16: return `${name}:${x.farBranchSelector.toString(16)}:${x.farBranch16.toString(16)}`;
      case OpKind.FarBranch32: return `${name}:${x.farBranchSelector.toString(16)}:${(x.farBranch32 >>> 0).toString(16)}`;
      case OpKind.Immediate8_2nd: return `${name}:${x.immediate8_2nd.toString(16)}`;
      case OpKind.Memory: {
        const disp = x.isIpRelMemoryOperand ? x.ipRelMemoryAddress : x.memoryDisplacementU64;
        return `${name}:${reg(x.memorySegment)}:${reg(x.memoryBase)}:${reg(x.memoryIndex)}*${x.memoryIndexScale}` +
          `:${disp.toString(16)}:${memorySizeNames[this.memSizeMap[x.memorySize] ?? 0]}`;
      }
      default:
        if (k >= OpKind.Immediate8 && k <= OpKind.Immediate32to64) return `${name}:${BigInt.asUintN(immBits(k), x.immediate(i)).toString(16)}`;
        if (k >= OpKind.MemoryESDI) return `${name}:${memorySizeNames[this.memSizeMap[x.memorySize] ?? 0]}`;
        return `${name}:${reg(x.memorySegment)}:${memorySizeNames[this.memSizeMap[x.memorySize] ?? 0]}`;
    }
  }
}

/** Width of an immediate operand kind (values are compared modulo this width). */
function immBits(k: number): number {
  switch (k) {
    case OpKind.Immediate8: case OpKind.Immediate8_2nd: return 8;
    case OpKind.Immediate16: case OpKind.Immediate8to16: return 16;
    case OpKind.Immediate32: case OpKind.Immediate8to32: return 32;
    default: return 64;
  }
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Shrink a disagreeing input: cut to the longer decoded length, then drop trailing bytes while the same field still disagrees. */
export function minimise(f: DiffFuzzer, bytes: Uint8Array, field: FuzzField): Uint8Array {
  const insn = new IcedInstruction();
  let best = bytes;
  for (let n = bytes.length - 1; n >= 1; n--) {
    const cand = best.subarray(0, n);
    const dec = new IcedDecoder(f.bitness, cand, IcedDecoderOptions.None);
    try {
      const r = f.compare(cand, 0, cand.length, insn, dec);
      if (r !== null && r.field === field) best = cand; else break;
    } finally { dec.free(); }
  }
  insn.free();
  return best.slice();
}

/** Run `count` inputs of one bitness from `seed` (random bytes, structured heads, encodings of random ISA forms). */
export function runDiffFuzz(bitness: 16 | 32 | 64, count: number, seed: number, maxSamples = 3): FuzzResult {
  const f = new DiffFuzzer(bitness);
  const rng = new Rng(seed ^ (bitness * 0x1000193));
  const CHUNK = 4096;
  const buf = new Uint8Array(CHUNK * 15);
  const res: FuzzResult = { bitness, count: 0, perClass: {}, counts: {}, samples: [], exceptions: 0, normalised: f.normalised };
  const icedInsn = new IcedInstruction();
  const sampleCount = new Map<string, number>();
  try {
    for (let done = 0; done < count; done += CHUNK) {
      const n = Math.min(CHUNK, count - done);
      for (let i = 0; i < n; i++) {
        const chunk = buf.subarray(i * 15, i * 15 + 15);
        // 1/4 uniformly random bytes, 1/4 structured heads, 1/2 encodings of random ISA forms.
        if ((i & 3) >= 2 && generateIsaInput(rng, chunk, bitness)) continue;
        generateInput(rng, chunk, bitness, (i & 3) === 1);
      }
      const dec = new IcedDecoder(bitness, buf.subarray(0, n * 15), IcedDecoderOptions.None);
      try {
        for (let i = 0; i < n; i++) {
          let r: ReturnType<DiffFuzzer['compare']>;
          try {
            // The slice ends after this input so neither decoder reads the next one.
            r = f.compare(buf.subarray(0, i * 15 + 15), i * 15, 15, icedInsn, dec);
          } catch {
            res.exceptions++;
            continue;
          }
          res.count++;
          const cls = r?.cls ?? classOf(icedInsn);
          res.perClass[cls] = (res.perClass[cls] ?? 0) + 1;
          if (r === null) continue;
          const key = `${r.cls}/${r.field}`;
          res.counts[key] = (res.counts[key] ?? 0) + 1;
          const sc = sampleCount.get(key) ?? 0;
          if (sc < maxSamples) {
            sampleCount.set(key, sc + 1);
            const bytes = minimise(f, buf.slice(i * 15, i * 15 + 15), r.field);
            const again = (() => {
              const d2 = new IcedDecoder(bitness, bytes, IcedDecoderOptions.None);
              const x = new IcedInstruction();
              try { return f.compare(bytes, 0, bytes.length, x, d2); } finally { d2.free(); x.free(); }
            })();
            res.samples.push({ bitness, bytes, cls: r.cls, field: r.field, ours: again?.ours ?? r.ours, iced: again?.iced ?? r.iced });
          }
        }
      } finally { dec.free(); }
    }
  } finally {
    icedInsn.free();
    f.free();
  }
  return res;
}

function classOf(x: IcedInstruction): FuzzClass {
  if (x.isInvalid) return 'invalid';
  switch (x.encoding) {
    case IcedEncodingKind.Legacy: return 'legacy';
    case IcedEncodingKind.VEX: return 'vex';
    case IcedEncodingKind.EVEX: return 'evex';
    case IcedEncodingKind.XOP: return 'xop';
    case IcedEncodingKind.D3NOW: return '3dnow';
    default: return 'mvex';
  }
}

/** One line per disagreement sample: `64 legacy/code: 0f 01 d8 | ours Vmrunq | iced Vmrunq`. */
export function formatSample(s: Disagreement): string {
  return `${s.bitness} ${s.cls}/${s.field}: ${hex(s.bytes)} | ours: ${s.ours} | iced: ${s.iced}`;
}

/** Robustness: random inputs and every truncation never throw; returns the number of host exceptions. */
export function robustness(bitness: 16 | 32 | 64, count: number, seed: number): number {
  const rng = new Rng(seed);
  const d = new Decoder({ bitness });
  const insn = new Instruction();
  const fmt = new IntelFormatter();
  const buf = new Uint8Array(15);
  let exceptions = 0;
  for (let i = 0; i < count; i++) {
    generateInput(rng, buf, bitness, (i & 1) === 1);
    const cut = 1 + rng.below(15);
    try {
      const len = d.decodeInto(insn, buf.subarray(0, cut), 0);
      if (len < 0 || len > cut) exceptions++;
      fmt.format(insn);
    } catch {
      exceptions++;
    }
  }
  return exceptions;
}
