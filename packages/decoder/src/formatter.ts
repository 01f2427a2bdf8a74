/**
 * Intel-syntax formatter (the "xed-like" Intel style of iced: `add dword ptr [rax+4],0x5a`,
 * `jl short 0x8000004c`, `vaddps zmm2{k3}{z}{ru-sae},zmm6,zmm3`).
 *
 * One {@link IntelFormatter} per option set; {@link IntelFormatter.format} turns a decoded
 * {@link Instruction} into text. Name tables are built once per formatter, so formatting an
 * instruction only concatenates strings.
 */
import { Code, Mnemonic, MemorySize, codeNames, memorySizeNames, mnemonicNames } from './generated/enums.js';
import { FMT_FLAGS as FMT_FLAGS_TABLE } from './generated/formatter-tables.js';
import { FORM_DATA } from './generated/tables.js';
import { EncodingKind, type Instruction, OpKind, RoundingControl } from './instruction.js';
import { Register, registerNames } from './register.js';

/** When to write a memory size keyword (`dword ptr`). */
export const MemorySizeStyle = {
  /** Only when the operands do not determine it (another form with another size exists). */
  Default: 0,
  /** Always (when the operand has a size). */
  Always: 1,
  /** Like `Default` (kept for iced option parity; see the README's known gaps). */
  Minimal: 2,
  /** Never. */
  Never: 3,
} as const;
export type MemorySizeStyle = (typeof MemorySizeStyle)[keyof typeof MemorySizeStyle];

/** Formatter options; every field is optional. */
export interface FormatterOptions {
  /** Upper-case mnemonics, registers, keywords, prefixes and decorators (default false). */
  readonly uppercase?: boolean;
  /** Upper-case hex digits (default false). */
  readonly uppercaseHex?: boolean;
  /** Hex prefix (default `"0x"`). */
  readonly hexPrefix?: string;
  /** Hex suffix (default `""`; e.g. `"h"` with an empty prefix for MASM style). */
  readonly hexSuffix?: string;
  /** Memory size keywords (default {@link MemorySizeStyle.Default}). */
  readonly memorySize?: MemorySizeStyle;
  /** Write `short` on rel8 JMP/Jcc (default false). */
  readonly showBranchSize?: boolean;
  /** Space after the operand comma (default false). */
  readonly spaceAfterComma?: boolean;
  /** Show immediates as signed numbers (`-0x5b` instead of `0xa5`; default false). */
  readonly signedImmediates?: boolean;
  /** RIP-relative operands as `[rip+0x10]` (default true) or as the absolute address. */
  readonly ripRelative?: boolean;
  /** Print 0..9 in decimal (default true). */
  readonly smallNumbersInDecimal?: boolean;
  /** Pad branch targets with leading zeros to the operand size (default true). */
  readonly branchLeadingZeros?: boolean;
}

/** Module-local alias of the generated table (a local `const` is cheaper to load than an imported binding). */
const FMT_FLAGS = FMT_FLAGS_TABLE;
const ST0 = Register.ST0;
// Numeric copies of the enum members the fast path below uses: V8 does not fold property loads
// from `as const` objects (each `Register.None` is a binding load, a map check and a field load
// per use); module-local number constants are folded into the code.
const C_Xlat_m8 = Code.Xlat_m8;
const ENC_EVEX = EncodingKind.EVEX;
const K_Immediate16 = OpKind.Immediate16;
const K_Immediate32 = OpKind.Immediate32;
const K_Immediate8 = OpKind.Immediate8;
const K_Immediate8to16 = OpKind.Immediate8to16;
const K_Immediate8to32 = OpKind.Immediate8to32;
const K_Memory = OpKind.Memory;
const K_MemoryESRDI = OpKind.MemoryESRDI;
const K_MemorySegSI = OpKind.MemorySegSI;
const K_NearBranch16 = OpKind.NearBranch16;
const K_NearBranch32 = OpKind.NearBranch32;
const K_NearBranch64 = OpKind.NearBranch64;
const K_Register = OpKind.Register;
const MS_FpuEnv14 = MemorySize.FpuEnv14;
const MS_FpuState94 = MemorySize.FpuState94;
const R_AX = Register.AX;
const R_BP = Register.BP;
const R_DS = Register.DS;
const R_EBP = Register.EBP;
const R_EIP = Register.EIP;
const R_ESP = Register.ESP;
const R_FS = Register.FS;
const R_GS = Register.GS;
const R_None = Register.None;
const R_R15 = Register.R15;
const R_RBP = Register.RBP;
const R_RIP = Register.RIP;
const R_RSP = Register.RSP;
const R_SP = Register.SP;
const R_SS = Register.SS;

const FAST_FORMAT = { on: true };
/** @internal For tests: turn {@link IntelFormatter.format}'s fast path off (everything takes the general path) or back on. */
export function setFormatterFastPath(on: boolean): void {
  FAST_FORMAT.on = on;
}

/** Memory size → keyword (without ` ptr`), or '' when the operand has no size keyword. */
function memKeyword(name: string): string {
  if (name.startsWith('Broadcast')) {
    const elem = name.slice(name.indexOf('_') + 1);
    if (elem.startsWith('2x')) return 'dword';
    return scalarKeyword(elem);
  }
  const m = /^Packed(\d+)_/.exec(name);
  if (m !== null) return bitsKeyword(Number(m[1]));
  switch (name) {
    case 'Fword6': case 'SegPtr32': return 'fword';
    case 'Fword10': return 'fword';
    case 'SegPtr64': case 'Float80': case 'Bcd': return 'tbyte';
    case 'Tilecfg': case 'KLHandleAes256': return 'zmmword';
    case 'KLHandleAes128': return 'mem384';
    case 'SegPtr16': case 'Bound16_WordWord': return 'dword';
    case 'Bound32_DwordDword': case 'Bnd32': return 'qword';
    case 'Bnd64': return 'xmmword';
    case 'FpuEnv14': return 'fpuenv14';
    case 'FpuEnv28': return 'fpuenv28';
    case 'FpuState94': return 'fpustate94';
    case 'FpuState108': return 'fpustate108';
    case 'WordOffset': return 'word';
    case 'DwordOffset': return 'dword';
    case 'QwordOffset': return 'qword';
    case 'SegmentDescSelector': return '';
    default: return scalarKeyword(name);
  }
}

function scalarKeyword(name: string): string {
  switch (name) {
    case 'UInt8': case 'Int8': return 'byte';
    case 'UInt16': case 'Int16': case 'Float16': case 'BFloat16': return 'word';
    case 'UInt32': case 'Int32': case 'Float32': return 'dword';
    case 'UInt52': case 'UInt64': case 'Int64': case 'Float64': return 'qword';
    case 'UInt128': case 'Int128': case 'Float128': return 'xmmword';
    case 'UInt256': return 'ymmword';
    case 'UInt512': return 'zmmword';
    default: return '';
  }
}

function bitsKeyword(bits: number): string {
  switch (bits) {
    case 16: return 'word';
    case 32: return 'dword';
    case 64: return 'qword';
    case 128: return 'xmmword';
    case 256: return 'ymmword';
    case 512: return 'zmmword';
    default: return '';
  }
}

/** `{1toN}` count for a broadcast memory size, 0 if not a broadcast. */
function broadcastCount(name: string): number {
  const m = /^Broadcast(\d+)_(2x)?[A-Za-z]*?(\d+)$/.exec(name);
  if (m === null) return 0;
  const total = Number(m[1]);
  const elem = m[2] !== undefined ? 32 : Number(m[3]);
  return elem > 0 ? total / elem : 0;
}

const HEX = '0123456789abcdef';
const HEX_UP = '0123456789ABCDEF';
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** Byte → two hex digits ("0a") and → hex without a leading zero ("a"), per digit case (no per-call toString/padStart). */
function hexTables(digits: string): [readonly string[], readonly string[]] {
  const two: string[] = [];
  const one: string[] = [];
  for (let i = 0; i < 256; i++) {
    const hi = digits[i >> 4] ?? '0';
    const lo = digits[i & 15] ?? '0';
    two.push(hi + lo);
    one.push(i < 16 ? lo : hi + lo);
  }
  return [two, one];
}
const HEX_TABLES = hexTables(HEX);
const HEX_TABLES_UP = hexTables(HEX_UP);
/** log2 of a memory operand scale (1, 2, 4, 8), indexed by the scale. */
const SCALE_LOG = Uint8Array.of(0, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0);
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000', '0000000000', '00000000000', '000000000000', '0000000000000', '00000000000000', '000000000000000', '0000000000000000'];

/** Mnemonic text overrides (iced-compatible Intel spellings). */
const MNEMONIC_TEXT: Readonly<Record<string, string>> = {
  Retfw: 'ret far', Retfd: 'ret far', Retfq: 'ret far', Retfw_imm16: 'ret far', Retfd_imm16: 'ret far', Retfq_imm16: 'ret far',
  Xlat_m8: 'xlat',
  Prefetch_m8: 'prefetch_exclusive',
  Prefetchreserved3_m8: 'prefetchw', Prefetchreserved4_m8: 'prefetch_reserved', Prefetchreserved5_m8: 'prefetch_reserved',
  Prefetchreserved6_m8: 'prefetch_reserved', Prefetchreserved7_m8: 'prefetch_reserved',
};

/** Mnemonic spelling overrides (iced prints the SAL forms as `shl`). */
const MNEMONIC_SPELLING: Readonly<Record<string, string>> = {
  Sal: 'shl', Wait: 'fwait', Reservednop: 'nop',
  Cmpzxadd: 'cmpexadd', Cmpnzxadd: 'cmpnexadd', Cmpnbxadd: 'cmpaexadd', Cmpnbexadd: 'cmpaxadd', Cmpnlxadd: 'cmpgexadd', Cmpnlexadd: 'cmpgxadd',
};

const CMP_SSE = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];
const CMP_AVX = [...CMP_SSE, 'eq_uq', 'nge', 'ngt', 'false', 'neq_oq', 'ge', 'gt', 'true', 'eq_os', 'lt_oq', 'le_oq', 'unord_s', 'neq_us',
  'nlt_uq', 'nle_uq', 'ord_s', 'eq_us', 'nge_uq', 'ngt_uq', 'false_os', 'neq_os', 'ge_oq', 'gt_oq', 'true_us'];
const CMP_XOP = ['lt', 'le', 'gt', 'ge', 'eq', 'neq', 'false', 'true'];
const CMP_EVEX_INT = ['eq', 'lt', 'le', 'false', 'neq', 'nlt', 'nle', 'true'];

/**
 * Compare pseudo-ops (`cmpeqps`, `vcmpnlt_uqsd`, `vpcomgtb`, `vpcmpnleud`, `pclmulhqlqdq`): per
 * Mnemonic, [prefix, suffix, condition names]; the immediate selects the name and is dropped.
 */
const PSEUDO: Readonly<Record<string, readonly [string, string, readonly string[]]>> = (() => {
  const t: Record<string, readonly [string, string, readonly string[]]> = {};
  for (const x of ['ps', 'pd', 'ss', 'sd']) t[`Cmp${x}`] = ['cmp', x, CMP_SSE];
  for (const x of ['ps', 'pd', 'ss', 'sd', 'ph', 'sh']) t[`Vcmp${x}`] = ['vcmp', x, CMP_AVX];
  for (const x of ['b', 'w', 'd', 'q', 'ub', 'uw', 'ud', 'uq']) {
    t[`Vpcom${x}`] = ['vpcom', x, CMP_XOP];
    t[`Vpcmp${x}`] = ['vpcmp', x, CMP_EVEX_INT];
  }
  return t;
})();

/** x87 memory forms written with an implicit `st` destination (`fadd st,dword ptr [rax]`). */
const FPU_ST_DEST: readonly number[] = [
  Mnemonic.Fadd, Mnemonic.Fmul, Mnemonic.Fcom, Mnemonic.Fcomp, Mnemonic.Fsub, Mnemonic.Fsubr, Mnemonic.Fdiv, Mnemonic.Fdivr,
  Mnemonic.Fiadd, Mnemonic.Fimul, Mnemonic.Ficom, Mnemonic.Ficomp, Mnemonic.Fisub, Mnemonic.Fisubr, Mnemonic.Fidiv, Mnemonic.Fidivr,
  Mnemonic.Fld, Mnemonic.Fild, Mnemonic.Fbld,
];
/** x87 memory forms written with an implicit `st` source (`fstp qword ptr [rax],st`). */
const FPU_ST_SRC: readonly number[] = [Mnemonic.Fst, Mnemonic.Fstp, Mnemonic.Fstpnce, Mnemonic.Fist, Mnemonic.Fistp, Mnemonic.Fisttp, Mnemonic.Fbstp];

/** Mnemonics whose accumulator operand iced's Intel syntax leaves implicit. */
const HIDE_ACCUMULATOR = new Set<number>([
  Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq,
  Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Lodsq,
  Mnemonic.Scasb, Mnemonic.Scasw, Mnemonic.Scasd, Mnemonic.Scasq,
]);

/**
 * Intel-syntax formatter. Create once with options, reuse for every instruction.
 *
 * @example
 * ```ts
 * const f = new IntelFormatter({ spaceAfterComma: true, memorySize: MemorySizeStyle.Always });
 * f.format(insn); // "add dword ptr [rax+4], 0x5a"
 * ```
 */
export class IntelFormatter {
  private readonly upper: boolean;
  private readonly hexDigits: string;
  private readonly hexTwo: readonly string[];
  private readonly hexOne: readonly string[];
  private readonly hexPrefix: string;
  private readonly hexSuffix: string;
  private readonly memSizeStyle: MemorySizeStyle;
  private readonly showBranchSize: boolean;
  private readonly sep: string;
  private readonly signedImm: boolean;
  private readonly ripRelative: boolean;
  private readonly smallDecimal: boolean;
  private readonly branchZeros: boolean;
  private readonly mnemonicText: string[];
  private readonly codeMnemonicText: (string | null)[];
  /** Per Code: 1 if a branch-size keyword (`short`) applies (rel8 Jcc/JMP, not JCXZ/JECXZ/JRCXZ). */
  private readonly shortBranch: Uint8Array;
  private readonly regText: string[];
  private readonly memSizeText: string[];
  private readonly bcstText: string[];
  private readonly bcstByCode: (string | undefined)[];
  private readonly bcstKeyword: (string | undefined)[];
  /** By Mnemonic: 1 = x87 op with implicit `st` destination, 2 = implicit `st` source. */
  private readonly fpuImplicit: Uint8Array;
  /** By Code: 1 = indirect far call/jmp (`far` keyword). */
  private readonly farMemory: Uint8Array;
  /** By Code: 1 = form takes {sae}, 2 = form takes embedded rounding ({rn-sae}...). */
  private readonly erSae: Uint8Array;
  /** By Mnemonic: 1 = the accumulator operand is implicit (STOS/LODS/SCAS). */
  private readonly hideAcc: Uint8Array;
  /** By Mnemonic: 1 = segment override written before the mnemonic, 2 = as a trailing operand. */
  private readonly implicitSeg: Uint8Array;
  /** By Code / by Mnemonic: 0 = the fast path of {@link IntelFormatter.format} applies. */
  private readonly specialCode: Uint8Array;
  private readonly specialMnemonic: Uint8Array;
  /** By Code: bit i = operand i is an `st(i)` operand (printed `st(0)` for ST0; `st` is the fixed ST0 operand). */
  private readonly stiMask: Uint8Array;
  /** By Code: 1 = show 64-bit GPRs as 32-bit, 2 = show 32/64-bit GPRs as 16-bit. */
  private readonly narrowRegs: Uint8Array;
  /** By Mnemonic: compare pseudo-op table entry, or null. */
  private readonly pseudo: (readonly [string, string, readonly string[]] | null)[];
  /** By Mnemonic: 1 = x87 op whose `st(1),st` / `st,st(1)` operands iced leaves implicit. */
  private readonly fpuPair: Uint8Array;
  /** By Mnemonic: 1 = uses the address size implicitly (LOOP, MONITOR, MASKMOVQ...). */
  private readonly implicitAddr: Uint8Array;
  /** By Code: 1 = Jcc (hint prefixes, `bnd`), 2 = other direct branch/ret (`bnd`), 3 = indirect near jmp/call (`notrack`, `bnd`). */
  private readonly branchClass: Uint8Array;
  /** By Code: implicit register operand text iced's Intel syntax shows (`vmrun rax`), or null. */
  private readonly implicitText: (string | null)[];

  // Precomputed text pieces for the fast path of format() (built once per option set, so that
  // formatting a common instruction is a few table loads and string concatenations).
  /** By Code: 1 = {@link IntelFormatter.format}'s fast path applies (no special case of any kind). */
  private readonly fastCode: Uint8Array;
  /** By Code: the mnemonic text, and the mnemonic text followed by a space. */
  private readonly mnText: string[];
  private readonly mnSpace: string[];
  /** By Register: the operand separator followed by the register name (`,rax`). */
  private readonly sepReg: string[];
  /** By Register: `[` + name (memory base), name + `:` (segment override). */
  private readonly openReg: string[];
  private readonly segColon: string[];
  /** By Register * 4 + log2(scale): `+rax*4` (after a base) and `[rax*4` (no base). */
  private readonly indexPlus: string[];
  private readonly indexOpen: string[];
  /** By value 0..255: the number as {@link IntelFormatter} writes it (`5`, `0x1f`); `+0x1f]` and `-0x1f]` (displacements). */
  private readonly smallNum: string[];
  private readonly dispPlus: string[];
  private readonly dispMinus: string[];
  /** The separator followed by {@link IntelFormatter.smallNum} / the memory size keyword. */
  private readonly sepSmallNum: string[];
  private readonly sepMemSizeText: string[];
  /** Char codes of the hex digits (case per options). */
  private readonly hexCodes: Uint8Array;
  /** By Code: bit 0/1/2 = write the memory size keyword in 16/32/64-bit code (this option set's style, no broadcast). */
  private readonly sizeShown: Uint8Array;

  constructor(options: FormatterOptions = {}) {
    this.upper = options.uppercase ?? false;
    this.hexDigits = options.uppercaseHex === true ? HEX_UP : HEX;
    [this.hexTwo, this.hexOne] = options.uppercaseHex === true ? HEX_TABLES_UP : HEX_TABLES;
    this.hexPrefix = options.hexPrefix ?? '0x';
    this.hexSuffix = options.hexSuffix ?? '';
    this.memSizeStyle = options.memorySize ?? MemorySizeStyle.Default;
    this.showBranchSize = options.showBranchSize ?? false;
    this.sep = options.spaceAfterComma === true ? ', ' : ',';
    this.signedImm = options.signedImmediates ?? false;
    this.ripRelative = options.ripRelative ?? true;
    this.smallDecimal = options.smallNumbersInDecimal ?? true;
    this.branchZeros = options.branchLeadingZeros ?? true;
    const cs = (s: string): string => (this.upper ? s.toUpperCase() : s.toLowerCase());
    this.mnemonicText = mnemonicNames.map((n) => cs(MNEMONIC_SPELLING[n] ?? n));
    this.codeMnemonicText = codeNames.map((n) => {
      if (n.startsWith('Via_undoc_')) return cs('undoc');
      const o = MNEMONIC_TEXT[n];
      return o === undefined ? null : cs(o);
    });
    this.shortBranch = Uint8Array.from(codeNames, (c) =>
      c.includes('_rel8_') && c.startsWith('J') && !c.startsWith('Jcxz') && !c.startsWith('Jecxz') && !c.startsWith('Jrcxz') ? 1 : 0);
    this.regText = registerNames.map((n, r) => {
      if (r >= ST0 && r < ST0 + 8) return r === ST0 ? cs('st') : cs(`st(${r - ST0})`);
      if (r >= Register.R8L && r <= Register.R15L) return cs(`r${r - Register.R8L + 8}b`);
      return cs(n);
    });
    this.memSizeText = memorySizeNames.map((n) => {
      const k = memKeyword(n);
      return k === '' ? '' : cs(`${k} ptr `);
    });
    this.bcstByCode = codeNames.map((n) => {
      const m = /m(128|256|512)b(16|32|64)/.exec(n);
      return m === null ? undefined : cs(`{1to${Number(m[1]) / Number(m[2])}}`);
    });
    this.bcstKeyword = codeNames.map((n) => {
      const m = /m(128|256|512)b(16|32|64)/.exec(n);
      return m === null ? undefined : cs(`${bitsKeyword(Number(m[2]))} ptr `);
    });
    this.fpuImplicit = new Uint8Array(mnemonicNames.length);
    for (const m of FPU_ST_DEST) this.fpuImplicit[m] = 1;
    for (const m of FPU_ST_SRC) this.fpuImplicit[m] = 2;
    this.farMemory = new Uint8Array(codeNames.length);
    this.erSae = new Uint8Array(codeNames.length);
    this.hideAcc = new Uint8Array(mnemonicNames.length);
    for (const m of HIDE_ACCUMULATOR) this.hideAcc[m] = 1;
    this.implicitSeg = new Uint8Array(mnemonicNames.length);
    for (const m of [Mnemonic.Monitor, Mnemonic.Monitorx, Mnemonic.Clzero, Mnemonic.Umonitor]) this.implicitSeg[m] = 1;
    for (const m of [Mnemonic.Maskmovq, Mnemonic.Maskmovdqu, Mnemonic.Vmaskmovdqu]) this.implicitSeg[m] = 2;
    this.stiMask = new Uint8Array(codeNames.length);
    this.narrowRegs = new Uint8Array(codeNames.length);
    this.pseudo = mnemonicNames.map((n) => PSEUDO[n] ?? null);
    this.fpuPair = new Uint8Array(mnemonicNames.length);
    for (const m of [Mnemonic.Faddp, Mnemonic.Fmulp, Mnemonic.Fsubp, Mnemonic.Fsubrp, Mnemonic.Fdivp, Mnemonic.Fdivrp, Mnemonic.Fcom, Mnemonic.Fcomp,
      Mnemonic.Fucom, Mnemonic.Fucomp, Mnemonic.Fxch]) this.fpuPair[m] = 1;
    this.implicitAddr = new Uint8Array(mnemonicNames.length);
    mnemonicNames.forEach((n, m) => {
      if (/^(Loop|Loope|Loopne|Monitor|Monitorx|Maskmovq|Maskmovdqu|Vmaskmovdqu|Clzero|Vmrun|Vmload|Vmsave|Invlpga|Pvalidate|Xstore|Xstore_alt|Xsha1|Xsha256|Xsha512|Xsha512_alt|Xcryptecb|Xcryptcbc|Xcryptctr|Xcryptcfb|Xcryptofb|Montmul|Ccs_hash|Ccs_encrypt|Undoc|Xlatb)$/.test(n)) this.implicitAddr[m] = 1;
    });
    this.branchClass = new Uint8Array(codeNames.length);
    this.implicitText = codeNames.map(() => null);
    codeNames.forEach((n, c) => {
      if (/^J(o|no|b|ae|e|ne|be|a|s|ns|p|np|l|ge|le|g)_rel/.test(n)) this.branchClass[c] = 1;
      else if (/^(Jmp_rel|Call_rel|Retn)/.test(n)) this.branchClass[c] = 2;
      else if (/^(Jmp|Call)_rm(16|32|64)$/.test(n)) this.branchClass[c] = 3;
      const im = /^(Vmrun|Vmload|Vmsave|Clzero|Pvalidate|Invlpga|Invlpgb|Rmpadjust|Rmpupdate|Psmash|Rmpquery)([wdq])$/.exec(n);
      if (im !== null) {
        const a = im[2] === 'w' ? 'ax' : im[2] === 'd' ? 'eax' : 'rax';
        const t = im[1] === 'Invlpga' ? `${a}${this.sep}ecx` : a;
        this.implicitText[c] = cs(t);
      }
      if (n === 'Skinit') this.implicitText[c] = cs('eax');
      const ff = FMT_FLAGS[c] ?? 0;
      this.erSae[c] = (ff & 512) !== 0 ? 2 : (ff & 256) !== 0 ? 1 : 0;
      if (n.startsWith('F') && n.includes('sti')) {
        const toks = n.split('_').slice(1);
        let m = 0;
        toks.forEach((t, k) => { if (t === 'sti') m |= 1 << k; });
        this.stiMask[c] = m;
      }
      if (/^(Call|Jmp)_m16(16|32|64)$/.test(n)) this.farMemory[c] = 1;
      if (/^(VEX_|EVEX_)?V?(pinsrw|pextrw|pmovmskb|movmskp[sd]|tpause|umwait|pextrb|pinsrb|extractps|movw)_.*r64/i.test(n)) this.narrowRegs[c] = 1;
      if (/^(Lldt|Ltr|Verr|Verw|Lmsw|Arpl)_r(32|64)m16/.test(n) || /^Arpl_/.test(n) || /^Mov_Sreg_r(32|64)m16$/.test(n)) this.narrowRegs[c] = 2;
    });
    this.bcstText = memorySizeNames.map((n) => {
      const c = broadcastCount(n);
      return c === 0 ? '' : cs(`{1to${c}}`);
    });
    this.specialCode = new Uint8Array(codeNames.length);
    this.specialMnemonic = new Uint8Array(mnemonicNames.length);
    this.buildSpecial();

    // Fast-path tables.
    this.hexCodes = Uint8Array.from(this.hexDigits, (ch) => ch.charCodeAt(0));
    const nCodes = codeNames.length;
    // Code -> Mnemonic from the decoder's form table (every form of a Code has the same mnemonic;
    // a Code without a form, or with two mnemonics, stays on the general path).
    const mnOfCode = new Int32Array(nCodes).fill(-1);
    for (let f = 0; f < FORM_DATA.length; f += 4) {
      const w0 = FORM_DATA[f] ?? 0;
      const c = w0 & 0xffff;
      const m = w0 >>> 16;
      mnOfCode[c] = mnOfCode[c] === -1 || mnOfCode[c] === m ? m : -2;
    }
    this.fastCode = new Uint8Array(nCodes);
    this.mnText = [];
    this.mnSpace = [];
    this.sizeShown = new Uint8Array(nCodes);
    for (let c = 0; c < nCodes; c++) {
      const m = mnOfCode[c] ?? -1;
      const t = m < 0 ? '' : this.codeMnemonicText[c] ?? this.mnemonicText[m] ?? '';
      this.mnText.push(t);
      this.mnSpace.push(`${t} `);
      this.fastCode[c] = m >= 0 && this.specialCode[c] === 0 && this.specialMnemonic[m] === 0 && this.stiMask[c] === 0 && this.narrowRegs[c] === 0 &&
        this.farMemory[c] === 0 && (this.shortBranch[c] === 0 || !this.showBranchSize) && m !== Mnemonic.Cldemote ? 1 : 0;
      const ff = FMT_FLAGS[c] ?? 0;
      const style = this.memSizeStyle;
      this.sizeShown[c] = style === MemorySizeStyle.Always ? 7 : style === MemorySizeStyle.Never ? 0
        : (ff & 7) | ((ff & 128) !== 0 && style === MemorySizeStyle.Default ? 7 : 0);
    }
    this.sepReg = this.regText.map((t) => this.sep + t);
    this.openReg = this.regText.map((t) => `[${t}`);
    this.segColon = this.regText.map((t) => `${t}:`);
    this.indexPlus = [];
    this.indexOpen = [];
    for (const t of this.regText) {
      for (let sc = 0; sc < 4; sc++) {
        this.indexPlus.push(sc === 0 ? `+${t}` : `+${t}*${1 << sc}`);
        this.indexOpen.push(`[${t}*${1 << sc}`);
      }
    }
    this.sepMemSizeText = this.memSizeText.map((t) => this.sep + t);
    this.sepSmallNum = [];
    this.smallNum = [];
    this.dispPlus = [];
    this.dispMinus = [];
    for (let v = 0; v < 256; v++) {
      const t = v <= 9 && this.smallDecimal ? (DIGITS[v] ?? '') : this.hexPrefix + (this.hexOne[v] ?? '') + this.hexSuffix;
      this.smallNum.push(t);
      this.sepSmallNum.push(this.sep + t);
      this.dispPlus.push(`+${t}]`);
      this.dispMinus.push(`-${t}]`);
    }
  }

  private buildSpecial(): void {
    for (let c = 0; c < codeNames.length; c++) {
      if (c === Code.INVALID || c === Code.Nopw || c === Code.Nopd || c === Code.Nopq || this.implicitText[c] !== null) this.specialCode[c] = 1;
    }
    for (let m = 0; m < mnemonicNames.length; m++) {
      if (this.pseudo[m] !== null || (this.fpuPair[m] ?? 0) !== 0 || (this.fpuImplicit[m] ?? 0) !== 0 || (this.hideAcc[m] ?? 0) !== 0 ||
        (this.implicitSeg[m] ?? 0) !== 0 || m === Mnemonic.Imul || m === Mnemonic.Pclmulqdq || m === Mnemonic.Vpclmulqdq ||
        m === Mnemonic.Maskmovq || m === Mnemonic.Maskmovdqu || m === Mnemonic.Vmaskmovdqu) this.specialMnemonic[m] = 1;
    }
  }

  /** Formats `insn` (an invalid instruction formats as `(bad)`). */
  format(insn: Instruction): string {
    const code = insn.code;
    if (this.fastCode[code] === 1 && !insn.memIsVsib && FAST_FORMAT.on) {
      // Fast path: no pseudo-op, implicit or hidden operand, x87 special case, segment word,
      // narrowed register, `short`/`far` keyword: prefix keywords (if any), mnemonic and the
      // operands from precomputed pieces. REX bits other than W never show.
      const n = insn.opCount;
      let s = n === 0 ? this.mnText[code] ?? '' : this.mnSpace[code] ?? '';
      if (insn.hasLock || insn.hasRep || insn.hasRepne || insn.segmentPrefix !== R_None) {
        const p = this.prefixes(insn);
        if (p !== '') s = p + s;
      }
      if (insn.hasAddressSizePrefix || insn.hasOperandSizePrefix || (insn.rex & 8) !== 0) {
        const p = this.sizePrefixes(insn);
        if (p !== '') s = p + s;
      }
      if (n === 0) return s;
      const kinds = insn.opKinds;
      const regs = insn.opRegisters;
      const k0 = kinds[0];
      s += k0 === K_Register ? this.regText[regs[0] ?? 0] ?? '' : this.fastOperand(insn, k0 ?? 0, '');
      if (insn.encoding === ENC_EVEX) s += this.decorators(insn, false);
      for (let i = 1; i < n; i++) {
        const k = kinds[i];
        s += k === K_Register ? this.sepReg[regs[i] ?? 0] ?? '' : this.fastOperand(insn, k ?? 0, this.sep);
      }
      return s;
    }
    if (code === Code.INVALID) return this.upper ? '(BAD)' : '(bad)';
    if (insn.code === Code.Nopw && insn.bitness === 16) return this.upper ? 'NOP' : 'nop';
    if (insn.code === Code.Nopd && insn.bitness === 16) return `${this.kw('xchg')}${this.regText[Register.EAX] ?? ''}${this.sep}${this.regText[Register.EAX] ?? ''}`;
    if (insn.code === Code.Nopw) return `${this.prefixes(insn)}${this.kw('xchg')}${this.regText[Register.AX] ?? ''}${this.sep}${this.regText[Register.AX] ?? ''}`;
    if (insn.code === Code.Nopq) return `${this.prefixes(insn)}${this.kw('xchg')}${this.regText[Register.RAX] ?? ''}${this.sep}${this.regText[Register.RAX] ?? ''}`;
    let s = this.sizePrefixes(insn) + this.segWord(insn) + this.prefixes(insn);
    let n = insn.opCount;
    const ps = this.pseudoName(insn);
    if (ps !== null) { s += ps; n--; } else s += this.mnemonicOf(insn);
    if (this.fpuPairHidden(insn)) return s;
    const fpu = this.fpuImplicit[insn.mnemonic] ?? 0;
    let first = true;
    const implicit = this.implicitText[insn.code] ?? null;
    if (implicit !== null && n === 0) return `${s} ${implicit}`;
    if (fpu === 1 && n === 1) {
      s += ` ${this.regText[ST0] ?? ''}`;
      first = false;
    }
    const vsibMask = insn.memIsVsib && insn.opMask !== Register.None;
    for (let i = 0; i < n; i++) {
      if (this.hidden(insn, i)) continue;
      if (i === 1 && this.imulShort(insn)) continue;
      s += (first ? ' ' : this.sep) + this.formatOperand(insn, i);
      first = false;
      if (i === 0 && vsibMask) s += this.sep + (this.regText[insn.opMask] ?? '');
    }
    if (fpu === 2 && n === 1) s += this.sep + (this.regText[ST0] ?? '');
    if (this.segOperand(insn)) s += this.sep + (this.regText[insn.segmentPrefix] ?? '');
    return s;
  }

  /** A segment override on an instruction whose memory operand is implicit and not written (`fs monitor`). */
  private segWord(insn: Instruction): string {
    if (insn.segmentPrefix === Register.None || (this.implicitSeg[insn.mnemonic] ?? 0) !== 1 || !this.segUseful(insn)) return '';
    return this.kw(this.regText[insn.segmentPrefix] ?? '');
  }

  /** MASKMOVQ/MASKMOVDQU write the override as a trailing operand (`maskmovq mm2,mm3,fs`). */
  private segOperand(insn: Instruction): boolean {
    return insn.segmentPrefix !== Register.None && (this.implicitSeg[insn.mnemonic] ?? 0) === 2 && this.segUseful(insn);
  }

  private segUseful(insn: Instruction): boolean {
    const sp = insn.segmentPrefix;
    if (insn.bitness === 64) return sp === Register.FS || sp === Register.GS;
    return sp !== Register.DS;
  }

  /** The mnemonic text alone (`add`; `ret far` for far returns; compare pseudo-ops such as `cmpeqps`), without prefixes. */
  formatMnemonic(insn: Instruction): string {
    if (insn.code === Code.INVALID) return this.upper ? '(BAD)' : '(bad)';
    return this.pseudoName(insn) ?? this.mnemonicOf(insn);
  }

  /** Pseudo-op mnemonic when the comparison immediate names a predicate (the immediate is then not written). */
  private pseudoName(insn: Instruction): string | null {
    const m = insn.mnemonic;
    const n = insn.opCount;
    if (n < 2) return null;
    const last = insn.opKinds[n - 1];
    if (last !== OpKind.Immediate8) return null;
    const imm = insn.immediateLo & 0xff;
    if (m === Mnemonic.Pclmulqdq || m === Mnemonic.Vpclmulqdq) {
      const sel = imm === 0 ? 'lqlq' : imm === 1 ? 'hqlq' : imm === 0x10 ? 'lqhq' : imm === 0x11 ? 'hqhq' : null;
      if (sel === null) return null;
      const t = `${m === Mnemonic.Vpclmulqdq ? 'vpclmul' : 'pclmul'}${sel}dq`;
      return this.upper ? t.toUpperCase() : t;
    }
    const p = this.pseudo[m] ?? null;
    if (p === null) return null;
    const cc = p[2][imm];
    if (cc === undefined) return null;
    const t = p[0] + cc + p[1];
    return this.upper ? t.toUpperCase() : t;
  }

  /** `imul r,r,imm` with the same register twice is written `imul r,imm`. */
  private imulShort(insn: Instruction): boolean {
    return insn.mnemonic === Mnemonic.Imul && insn.opCount === 3 && insn.opKinds[0] === OpKind.Register &&
      insn.opKinds[1] === OpKind.Register && insn.opRegisters[0] === insn.opRegisters[1];
  }

  /** x87 `st(1),st` / `st,st(1)` pairs that iced writes without operands (`fsubrp`, `fucomp`). */
  private fpuPairHidden(insn: Instruction): boolean {
    if ((this.fpuPair[insn.mnemonic] ?? 0) === 0 || insn.opCount !== 2) return false;
    if (insn.opKinds[0] !== OpKind.Register || insn.opKinds[1] !== OpKind.Register) return false;
    const a = insn.opRegisters[0] ?? 0;
    const b = insn.opRegisters[1] ?? 0;
    return (a === ST0 && b === ST0 + 1) || (a === ST0 + 1 && b === ST0);
  }

  /** The prefix keywords written before the mnemonic (`lock `, `rep `, `data16 `...; may be empty). */
  formatPrefixes(insn: Instruction): string {
    if (insn.code === Code.INVALID) return '';
    return this.sizePrefixes(insn) + this.prefixes(insn);
  }

  /** The operand texts exactly as {@link IntelFormatter.format} writes them (implicit `st` and VSIB masks included). Allocates. */
  operandTexts(insn: Instruction): string[] {
    const out: string[] = [];
    if (insn.code === Code.INVALID) return out;
    const implicit = this.implicitText[insn.code] ?? null;
    let n = insn.opCount;
    if (implicit !== null && n === 0) return implicit.split(this.sep);
    if (this.pseudoName(insn) !== null) n--;
    if (this.fpuPairHidden(insn)) return out;
    const fpu = this.fpuImplicit[insn.mnemonic] ?? 0;
    if (fpu === 1 && n === 1) out.push(this.regText[ST0] ?? '');
    const vsibMask = insn.memIsVsib && insn.opMask !== Register.None;
    for (let i = 0; i < n; i++) {
      if (this.hidden(insn, i)) continue;
      if (i === 1 && this.imulShort(insn)) continue;
      out.push(this.formatOperand(insn, i));
      if (i === 0 && vsibMask) out.push(this.regText[insn.opMask] ?? '');
    }
    if (fpu === 2 && n === 1) out.push(this.regText[ST0] ?? '');
    return out;
  }

  private mnemonicOf(insn: Instruction): string {
    return this.codeMnemonicText[insn.code] ?? this.mnemonicText[insn.mnemonic] ?? '';
  }

  /** Text of operand `i` (0-based over all operands, including decorators such as `{k1}{z}`). */
  formatOperand(insn: Instruction, i: number): string {
    const s = this.operandBody(insn, i, insn.opKinds[i] ?? 0);
    return i === 0 ? s + this.decorators(insn, insn.memIsVsib) : s;
  }

  /** Text of operand `i` of kind `kind`, without decorators. */
  private operandBody(insn: Instruction, i: number, kind: number): string {
    let s: string;
    switch (kind) {
      case OpKind.Register: {
        const r = insn.opRegisters[i] ?? 0;
        const st0Explicit = r === ST0 && ((this.stiMask[insn.code] ?? 0) & (1 << i)) !== 0;
        s = st0Explicit ? (this.upper ? 'ST(0)' : 'st(0)') : this.regText[this.narrow(insn, r)] ?? '';
        break;
      }
      case OpKind.NearBranch16:
      case OpKind.NearBranch32:
      case OpKind.NearBranch64: {
        const digits = !this.branchZeros ? 0 : kind === OpKind.NearBranch16 ? 4 : kind === OpKind.NearBranch32 ? 8 : 16;
        s = this.branchPrefix(insn) + this.hex64(insn.nearBranchHi >>> 0, insn.nearBranchLo >>> 0, digits);
        break;
      }
      case OpKind.FarBranch16:
      case OpKind.FarBranch32:
        s = (this.upper ? 'FAR ' : 'far ') + this.hex64(0, insn.farBranchOffset >>> 0, !this.branchZeros ? 0 : kind === OpKind.FarBranch16 ? 4 : 8) +
          this.sep + this.hex64(0, insn.farBranchSelector & 0xffff, this.branchZeros ? 4 : 0);
        break;
      case OpKind.Immediate8:
        s = this.immText(insn.immediateLo & 0xff, 0, 8);
        break;
      case OpKind.Immediate8_2nd:
        s = this.immText(insn.immediate2 & 0xff, 0, 8);
        break;
      case OpKind.Immediate16:
      case OpKind.Immediate8to16:
        s = this.immText(insn.immediateLo & 0xffff, 0, 16);
        break;
      case OpKind.Immediate32:
      case OpKind.Immediate8to32:
        s = this.immText(insn.immediateLo >>> 0, 0, 32);
        break;
      case OpKind.Immediate64:
      case OpKind.Immediate8to64:
      case OpKind.Immediate32to64:
        s = this.immText(insn.immediateLo >>> 0, insn.immediateHi >>> 0, 64);
        break;
      case OpKind.Memory:
        s = this.farMemory[insn.code] === 1 ? (this.upper ? 'FAR ' : 'far ') + this.memory(insn) : this.memory(insn);
        break;
      default:
        s = this.stringMemory(insn, kind);
        break;
    }
    return s;
  }

  /**
   * A non-register operand on the fast path (the Code has no `far`/`short`/narrowing special
   * case), after `lead` (`''` for the first operand, else the separator).
   */
  private fastOperand(insn: Instruction, kind: number, lead: string): string {
    switch (kind) {
      case K_Memory:
        return this.fastMemory(insn, lead);
      case K_Immediate8:
        if (this.signedImm) return lead + this.immText(insn.immediateLo & 0xff, 0, 8);
        return (lead === '' ? this.smallNum[insn.immediateLo & 0xff] : this.sepSmallNum[insn.immediateLo & 0xff]) ?? '';
      default:
        return lead + this.fastOperandBody(insn, kind);
    }
  }

  private fastOperandBody(insn: Instruction, kind: number): string {
    switch (kind) {
      case K_Immediate16:
      case K_Immediate8to16:
        return this.signedImm ? this.immText(insn.immediateLo & 0xffff, 0, 16) : this.num(insn.immediateLo & 0xffff);
      case K_Immediate32:
      case K_Immediate8to32:
        return this.signedImm ? this.immText(insn.immediateLo >>> 0, 0, 32) : this.num(insn.immediateLo >>> 0);
      case K_NearBranch16:
        return this.branchZeros && insn.nearBranchHi === 0 ? this.hexFixed(insn.nearBranchLo >>> 0, 4) : this.operandBody(insn, 1, kind);
      case K_NearBranch32:
        return this.branchZeros && insn.nearBranchHi === 0 ? this.hexFixed(insn.nearBranchLo >>> 0, 8) : this.operandBody(insn, 1, kind);
      case K_NearBranch64:
        return this.branchZeros ? this.hexFixed64(insn.nearBranchHi >>> 0, insn.nearBranchLo >>> 0) : this.hex64(insn.nearBranchHi >>> 0, insn.nearBranchLo >>> 0, 0);
      default:
        return this.operandBody(insn, 1, kind);
    }
  }

  /** Memory operand on the fast path: same text as {@link IntelFormatter.memory}, from precomputed pieces. */
  private fastMemory(insn: Instruction, lead: string): string {
    const ms = insn.memorySize;
    const bit = insn.bitness === 64 ? 4 : insn.bitness === 32 ? 2 : 1;
    let s: string;
    if ((ms - MS_FpuEnv14) >>> 0 <= MS_FpuState94 - MS_FpuEnv14) s = lead + (this.showSize(insn) ? this.memSizeText[ms] ?? '' : '');
    else if (insn.broadcast) s = lead + (this.showSize(insn) ? this.bcstKeyword[insn.code] ?? this.memSizeText[ms] ?? '' : '');
    else if (((this.sizeShown[insn.code] ?? 0) & bit) === 0) s = lead;
    else s = (lead === '' ? this.memSizeText[ms] : this.sepMemSizeText[ms]) ?? '';
    if (insn.segmentPrefix !== R_None && this.segShown(insn)) s += this.segColon[insn.segmentPrefix] ?? '';
    const base = insn.memBase;
    const index = insn.memIndex;
    if (base === R_RIP || base === R_EIP || insn.code === C_Xlat_m8) return s + this.memory(insn, true);
    let close = true;
    if (base !== R_None) {
      s += this.openReg[base] ?? '';
      if (index !== R_None) s += this.indexPlus[index * 4 + SCALE_LOG[insn.memScale & 15]] ?? '';
    } else if (index !== R_None) {
      s += this.indexOpen[index * 4 + SCALE_LOG[insn.memScale & 15]] ?? '';
    } else {
      const lo = insn.memDisplLo >>> 0;
      const asz = insn.addressSize;
      s += '[';
      s += asz === 64 ? this.hex64(insn.memDisplHi >>> 0, lo, 0) : this.num(asz === 16 ? lo & 0xffff : lo);
      close = false;
    }
    if (close) {
      // Displacement, signed in the address size, then `]`.
      const asz = insn.addressSize;
      const lo = insn.memDisplLo;
      if (asz === 64) {
        const hi = insn.memDisplHi;
        if (hi === 0 && lo >= 0) s += lo === 0 ? ']' : lo < 256 ? this.dispPlus[lo] ?? '' : `+${this.num(lo)}]`;
        else if (hi === -1 && lo < 0) s += lo > -256 ? this.dispMinus[-lo] ?? '' : `-${this.num(-lo >>> 0)}]`;
        else if (hi < 0) {
          const nlo = (~lo + 1) >>> 0;
          const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
          s += `-${this.hex64(nhi, nlo, 0)}]`;
        } else s += `+${this.hex64(hi >>> 0, lo >>> 0, 0)}]`;
      } else {
        const v = asz === 32 ? lo | 0 : (lo << 16) >> 16;
        if (v === 0) s += ']';
        else if (v > 0) s += v < 256 ? this.dispPlus[v] ?? '' : `+${this.num(v)}]`;
        else s += v > -256 ? this.dispMinus[-v] ?? '' : `-${this.num(-v >>> 0)}]`;
      }
    } else s += ']';
    return insn.broadcast ? s + this.memSuffix(insn) : s;
  }

  /** Hex prefix + at least `digits` hex digits (4 or 8) of the unsigned 32-bit `v` + suffix (decimal if ≤ 9 and the options say so). */
  private hexFixed(v: number, digits: number): string {
    if (v <= 9 && this.smallDecimal) return DIGITS[v] ?? '';
    const h = this.hexCodes;
    const t = digits === 8
      ? String.fromCharCode(h[v >>> 28], h[(v >>> 24) & 15], h[(v >>> 20) & 15], h[(v >>> 16) & 15], h[(v >>> 12) & 15], h[(v >>> 8) & 15], h[(v >>> 4) & 15], h[v & 15])
      : this.hex32(v, digits);
    return this.hexPrefix + t + this.hexSuffix;
  }

  /** `0x` + 16 hex digits of `hi:lo` (decimal if ≤ 9 and the options say so). */
  private hexFixed64(hi: number, lo: number): string {
    if (hi === 0 && lo <= 9 && this.smallDecimal) return DIGITS[lo] ?? '';
    const h = this.hexCodes;
    const t = String.fromCharCode(h[hi >>> 28], h[(hi >>> 24) & 15], h[(hi >>> 20) & 15], h[(hi >>> 16) & 15], h[(hi >>> 12) & 15], h[(hi >>> 8) & 15], h[(hi >>> 4) & 15], h[hi & 15],
      h[lo >>> 28], h[(lo >>> 24) & 15], h[(lo >>> 20) & 15], h[(lo >>> 16) & 15], h[(lo >>> 12) & 15], h[(lo >>> 8) & 15], h[(lo >>> 4) & 15], h[lo & 15]);
    return this.hexPrefix + t + this.hexSuffix;
  }

  private hidden(insn: Instruction, i: number): boolean {
    const k = insn.opKinds[i] ?? 0;
    if ((k === OpKind.MemorySegDI || k === OpKind.MemorySegEDI || k === OpKind.MemorySegRDI) &&
      (insn.mnemonic === Mnemonic.Maskmovq || insn.mnemonic === Mnemonic.Maskmovdqu || insn.mnemonic === Mnemonic.Vmaskmovdqu)) return true;
    if (insn.opKinds[i] === OpKind.Register && (this.hideAcc[insn.mnemonic] ?? 0) !== 0) {
      const r = insn.opRegisters[i] ?? 0;
      return r === Register.AL || r === Register.AX || r === Register.EAX || r === Register.RAX;
    }
    return false;
  }

  private narrow(insn: Instruction, r: number): number {
    const m = this.narrowRegs[insn.code] ?? 0;
    if (m === 0) return r;
    if (r >= Register.RAX && r <= Register.R15) return m === 1 ? r - Register.RAX + Register.EAX : r - Register.RAX + Register.AX;
    if (m === 2 && r >= Register.EAX && r <= Register.R15D) return r - Register.EAX + Register.AX;
    return r;
  }

  /** `data16`/`data32`/`data64` and `addr16`/`addr32` when the prefix changes something the operands do not show. */
  private sizePrefixes(insn: Instruction): string {
    if (!insn.hasAddressSizePrefix && (((FMT_FLAGS[insn.code] ?? 0) & 8) === 0 || (!insn.hasOperandSizePrefix && (insn.rex & 8) === 0))) return '';
    let s = '';
    const n = insn.opCount;
    let gprOrMem = false;
    let regMem = false;
    let addrUsed = (this.implicitAddr[insn.mnemonic] ?? 0) !== 0;
    for (let i = 0; i < n; i++) {
      const k = insn.opKinds[i] ?? 0;
      if (k === K_Register) {
        const r = insn.opRegisters[i] ?? 0;
        if (r >= R_AX && r <= R_R15) gprOrMem = true;
      } else if (k === K_Memory) {
        gprOrMem = true;
        if (((FMT_FLAGS[insn.code] ?? 0) & 64) !== 0) addrUsed = true;
        if (insn.memBase !== R_None || insn.memIndex !== R_None) regMem = true;
      } else if (k >= K_MemorySegSI && k <= K_MemoryESRDI) {
        addrUsed = true;
        if (!this.hidden(insn, i)) regMem = true;
      }
    }
    const ff = FMT_FLAGS[insn.code] ?? 0;
    const osShown = (ff & 8) !== 0 && (ff & 32) === 0 && !(insn.operandSize === 64 && (ff & 16) !== 0) && insn.mnemonic !== Mnemonic.Xbegin;
    if ((insn.hasOperandSizePrefix || (insn.rex & 8) !== 0) && !gprOrMem && osShown) {
      s += (this.upper ? 'DATA' : 'data') + String(insn.operandSize) + ' ';
    }
    if (insn.hasAddressSizePrefix && addrUsed && !regMem && this.implicitText[insn.code] === null && insn.mnemonic !== Mnemonic.Jcxz && insn.mnemonic !== Mnemonic.Jecxz && insn.mnemonic !== Mnemonic.Jrcxz) {
      s += (this.upper ? 'ADDR' : 'addr') + String(insn.addressSize) + ' ';
    }
    return s;
  }

  private branchPrefix(insn: Instruction): string {
    if (!this.showBranchSize || this.shortBranch[insn.code] !== 1) return '';
    return this.upper ? 'SHORT ' : 'short ';
  }

  private prefixes(insn: Instruction): string {
    if (!insn.hasLock && !insn.hasRep && !insn.hasRepne && insn.segmentPrefix === Register.None) return '';
    let s = '';
    if (insn.hasXacquire) s += this.kw('xacquire');
    if (insn.hasXrelease) s += this.kw('xrelease');
    if (insn.hasLock) s += this.kw('lock');
    const cls = this.branchClass[insn.code] ?? 0;
    if (cls === 1 && insn.segmentPrefix === Register.CS) s += this.kw('hint-not-taken');
    else if (cls === 1 && insn.segmentPrefix === Register.DS) s += this.kw('hint-taken');
    if (cls === 3 && insn.segmentPrefix === Register.DS) s += this.kw('notrack');
    const ff = FMT_FLAGS[insn.code] ?? 0;
    const str = (ff & 2048) !== 0 ? 2 : (ff & 1024) !== 0 ? 1 : 0;
    const plainRet = insn.code === Code.Retnw || insn.code === Code.Retnd || insn.code === Code.Retnq;
    if (insn.hasRep && !insn.hasXrelease && (str !== 0 || plainRet)) s += this.kw(str === 2 ? 'repe' : 'rep');
    if (insn.hasRepne && !insn.hasXacquire) {
      if ((ff & 4096) !== 0) s += this.kw('bnd');
      else if (str !== 0) s += this.kw('repne');
    }
    return s;
  }

  private kw(t: string): string {
    return (this.upper ? t.toUpperCase() : t) + ' ';
  }

  /** Whether the segment override is shown on the memory operand (consumed as a branch hint / notrack otherwise). */
  private segShown(insn: Instruction): boolean {
    const sp = insn.segmentPrefix;
    if (sp === R_None || insn.mnemonic === Mnemonic.Lea) return false;
    // A prefix that changes nothing is not shown: ES/CS/SS/DS in 64-bit mode, or the default segment.
    if (insn.bitness === 64 && sp !== R_FS && sp !== R_GS) return false;
    if (insn.opKinds[0] === K_Memory || insn.opKinds[1] === K_Memory || insn.opKinds[2] === K_Memory || insn.opKinds[3] === K_Memory) {
      const b = insn.memBase;
      const ssDefault = b === R_EBP || b === R_ESP || b === R_RBP || b === R_RSP || b === R_BP || b === R_SP;
      if (sp === (ssDefault ? R_SS : R_DS)) return false;
    }
    const cls = this.branchClass[insn.code] ?? 0;
    if (cls === 3 && insn.segmentPrefix === R_DS) {
      const b = insn.memBase;
      return b === R_EBP || b === R_ESP || b === R_RBP || b === R_RSP || b === R_BP || b === R_SP;
    }
    return true;
  }

  private decorators(insn: Instruction, maskIsOperand: boolean): string {
    if (insn.opMask === Register.None && !insn.zeroingMasking && insn.roundingControl === RoundingControl.None && !insn.suppressAllExceptions) return '';
    let s = '';
    if (insn.opMask !== Register.None && !maskIsOperand) s += `{${this.regText[insn.opMask] ?? ''}}`;
    if (insn.zeroingMasking) s += this.upper ? '{Z}' : '{z}';
    const er = this.erSae[insn.code] ?? 0;
    if (insn.roundingControl !== RoundingControl.None && er === 2) {
      const rc = ['', 'rne-sae', 'rd-sae', 'ru-sae', 'rz-sae'][insn.roundingControl] ?? '';
      s += `{${this.upper ? rc.toUpperCase() : rc}}`;
    } else if ((insn.suppressAllExceptions || insn.roundingControl !== RoundingControl.None) && er !== 0) {
      s += this.upper ? '{SAE}' : '{sae}';
    }
    return s;
  }

  private showSize(insn: Instruction): boolean {
    const ms = insn.memorySize;
    if (ms === MemorySize.FpuEnv14 || ms === MemorySize.FpuEnv28 || ms === MemorySize.FpuState94 || ms === MemorySize.FpuState108) {
      // Only the form that differs from the mode's default operand size is marked.
      return this.memSizeStyle !== MemorySizeStyle.Never && insn.operandSize !== (insn.bitness === 16 ? 16 : 32);
    }
    if (insn.mnemonic === Mnemonic.Cldemote) return false; // a hint: iced writes no size
    switch (this.memSizeStyle) {
      case MemorySizeStyle.Always: return true;
      case MemorySizeStyle.Never: return false;
      default: {
        if (insn.broadcast) return false;
        const bit = insn.bitness === 16 ? 1 : insn.bitness === 32 ? 2 : 4;
        const ff = FMT_FLAGS[insn.code] ?? 0;
        return (ff & bit) !== 0 || ((ff & 128) !== 0 && this.memSizeStyle === MemorySizeStyle.Default);
      }
    }
  }

  /** The memory operand text; with `bracketOnly`, without the size keyword and segment override. */
  private memory(insn: Instruction, bracketOnly = false): string {
    let s = '';
    if (!bracketOnly) {
      if (this.showSize(insn)) s += (insn.broadcast ? this.bcstKeyword[insn.code] : undefined) ?? this.memSizeText[insn.memorySize] ?? '';
      if (this.segShown(insn)) s += `${this.regText[insn.segmentPrefix] ?? ''}:`;
    }
    const base = insn.memBase;
    const index = insn.memIndex;
    s += '[';
    if (base === Register.RIP || base === Register.EIP) {
      if (this.ripRelative) {
        // memDispl holds the absolute target; show target - nextIp.
        const is64 = base === Register.RIP;
        const dLo = (insn.memDisplLo - insn.nextIpLo) | 0;
        s += this.regText[base] ?? '';
        s += dLo < 0 ? `-${this.num(-dLo >>> 0)}` : dLo === 0 ? '' : `+${this.num(dLo >>> 0)}`;
        void is64;
      } else {
        s += base === Register.RIP ? this.hex64(insn.memDisplHi >>> 0, insn.memDisplLo >>> 0, 0) : this.num(insn.memDisplLo >>> 0);
      }
      return insn.broadcast ? `${s}]${this.memSuffix(insn)}` : `${s}]`;
    }
    let need = false;
    if (base !== Register.None) {
      s += this.regText[base] ?? '';
      need = true;
    }
    if (index !== Register.None && insn.code !== Code.Xlat_m8) {
      if (need) s += '+';
      s += this.regText[index] ?? '';
      if (insn.memScale !== 1 || base === Register.None) s += `*${insn.memScale}`;
      need = true;
    }
    const lo = insn.memDisplLo >>> 0;
    const hi = insn.memDisplHi >>> 0;
    if (!need) {
      s += insn.addressSize === 64 ? this.hex64(hi, lo, 0) : this.num(insn.addressSize === 16 ? lo & 0xffff : lo);
    } else if (insn.memDisplSize !== 0 || lo !== 0 || hi !== 0) {
      // Signed in the address size.
      if (insn.addressSize === 64) {
        if ((hi & 0x8000_0000) !== 0) {
          const nlo = (~lo + 1) >>> 0;
          const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
          s += `-${this.hex64(nhi, nlo, 0)}`;
        } else if (hi !== 0 || lo !== 0) {
          s += `+${this.hex64(hi, lo, 0)}`;
        }
      } else if (insn.addressSize === 32) {
        const v = lo | 0;
        if (v < 0) s += `-${this.num(-v >>> 0)}`;
        else if (v !== 0) s += `+${this.num(v)}`;
      } else {
        const v = (lo << 16) >> 16;
        if (v < 0) s += `-${this.num(-v)}`;
        else if (v !== 0) s += `+${this.num(v)}`;
      }
    }
    return insn.broadcast ? `${s}]${this.memSuffix(insn)}` : `${s}]`;
  }

  private memSuffix(insn: Instruction): string {
    if (!insn.broadcast) return '';
    return this.bcstByCode[insn.code] ?? this.bcstText[insn.memorySize] ?? '';
  }

  private stringMemory(insn: Instruction, kind: number): string {
    let s = '';
    if (this.showSize(insn)) s += this.memSizeText[insn.memorySize] ?? '';
    const isEs = kind === OpKind.MemoryESDI || kind === OpKind.MemoryESEDI || kind === OpKind.MemoryESRDI;
    const shownPrefix = insn.segmentPrefix !== Register.None && insn.segmentPrefix !== Register.DS &&
      (insn.bitness !== 64 || insn.segmentPrefix === Register.FS || insn.segmentPrefix === Register.GS);
    if (isEs) {
      if (shownPrefix || (insn.segmentPrefix === Register.ES && insn.bitness !== 64 && !hasSiOperand(insn))) s += `${this.regText[Register.ES] ?? ''}:`;
    } else if (shownPrefix) {
      s += `${this.regText[insn.segmentPrefix] ?? ''}:`;
    }
    let reg: number;
    switch (kind) {
      case OpKind.MemorySegSI: reg = Register.SI; break;
      case OpKind.MemorySegESI: reg = Register.ESI; break;
      case OpKind.MemorySegRSI: reg = Register.RSI; break;
      case OpKind.MemorySegDI: case OpKind.MemoryESDI: reg = Register.DI; break;
      case OpKind.MemorySegEDI: case OpKind.MemoryESEDI: reg = Register.EDI; break;
      default: reg = Register.RDI; break;
    }
    return `${s}[${this.regText[reg] ?? ''}]`;
  }

  private immText(lo: number, hi: number, bits: number): string {
    if (this.signedImm) {
      if (bits === 64) {
        if ((hi & 0x8000_0000) !== 0) {
          const nlo = (~lo + 1) >>> 0;
          const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
          return `-${this.hex64(nhi, nlo, 0)}`;
        }
        return this.hex64(hi, lo, 0);
      }
      const shift = 32 - bits;
      const v = (lo << shift) >> shift;
      return v < 0 ? `-${this.num(-v >>> 0)}` : this.num(v);
    }
    return bits === 64 ? this.hex64(hi, lo, 0) : this.num(lo);
  }

  /** Unsigned 32-bit number: decimal if small, else hex with prefix/suffix. */
  private num(v: number): string {
    if (v < 256) return this.smallNum[v] ?? '';
    return this.hexPrefix + this.hex32(v, 0) + this.hexSuffix;
  }

  private hex32(v: number, minDigits: number): string {
    const two = this.hexTwo;
    const one = this.hexOne;
    v >>>= 0;
    let s: string;
    if (v < 0x100) s = one[v] ?? '';
    else if (v < 0x10000) s = (one[v >>> 8] ?? '') + (two[v & 255] ?? '');
    else if (v < 0x1000000) s = (one[v >>> 16] ?? '') + (two[(v >>> 8) & 255] ?? '') + (two[v & 255] ?? '');
    else s = (one[v >>> 24] ?? '') + (two[(v >>> 16) & 255] ?? '') + (two[(v >>> 8) & 255] ?? '') + (two[v & 255] ?? '');
    return s.length < minDigits ? (ZEROS[minDigits - s.length] ?? '') + s : s;
  }

  private hex64(hi: number, lo: number, minDigits: number): string {
    if (hi === 0) {
      if (lo <= 9 && this.smallDecimal) return DIGITS[lo] ?? '';
      return this.hexPrefix + this.hex32(lo, minDigits) + this.hexSuffix;
    }
    return this.hexPrefix + this.hex32(hi, minDigits > 8 ? minDigits - 8 : 0) + this.hex32(lo, 8) + this.hexSuffix;
  }
}


function hasSiOperand(insn: Instruction): boolean {
  for (let i = 0; i < insn.opCount; i++) {
    const k = insn.opKinds[i] ?? 0;
    if (k >= OpKind.MemorySegSI && k <= OpKind.MemorySegRSI) return true;
  }
  return false;
}

let defaultFormatter: IntelFormatter | null = null;

/** Formats with default options (`add rax,rbx`); see {@link IntelFormatter} for options. */
export function formatIntel(insn: Instruction): string {
  if (defaultFormatter === null) defaultFormatter = new IntelFormatter();
  return defaultFormatter.format(insn);
}

/** @internal exported for tests. */
export const memorySizeKeyword = (m: MemorySize): string => memKeyword(memorySizeNames[m] ?? '');
