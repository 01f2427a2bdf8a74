/**
 * Readers for the iced decoder test vectors in the shared conformance directory
 * (`<workspace>/../shared/conformance/iced/Decoder/*.txt.gz`, MIT, see its README). The files
 * are read in place and gunzipped with node:zlib; nothing is copied into the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Directory of the shared conformance data (`X86KIT_CONFORMANCE_DIR` overrides), or undefined if missing. */
export function icedConformanceDir(): string | undefined {
  const env = process.env['X86KIT_CONFORMANCE_DIR'];
  const candidates: string[] = [];
  if (env !== undefined && env !== '') candidates.push(env);
  // tools/test-utils/src -> workspace root -> ../shared/conformance
  const here = dirname(fileURLToPath(import.meta.url));
  candidates.push(resolve(here, '../../../../shared/conformance'));
  candidates.push(resolve(process.cwd(), '../../../shared/conformance'));
  for (const c of candidates) if (existsSync(join(c, 'iced'))) return c;
  return undefined;
}

/** Reads `iced/<rel>` (gzip) from the conformance dir as text lines, or undefined if the data dir is missing. */
export function readIcedFile(rel: string): string[] | undefined {
  const dir = icedConformanceDir();
  if (dir === undefined) return undefined;
  const p = join(dir, 'iced', rel);
  if (!existsSync(p)) return undefined;
  return gunzipSync(readFileSync(p)).toString('utf8').split('\n');
}

/** One operand expectation of a DecoderTest line (`opN=...`). */
export type IcedOperand =
  | { readonly kind: 'r'; readonly register: string }
  | { readonly kind: 'nb16' | 'nb32' | 'nb64'; readonly target: bigint }
  | { readonly kind: 'fb16' | 'fb32'; readonly selector: number; readonly offset: number }
  | { readonly kind: 'i8' | 'i16' | 'i32' | 'i64' | 'i8to16' | 'i8to32' | 'i8to64' | 'i32to64' | 'i8_2nd'; readonly value: bigint }
  | { readonly kind: 'segsi' | 'segesi' | 'segrsi' | 'segdi' | 'segedi' | 'segrdi'; readonly segment: string; readonly memorySize: string }
  | { readonly kind: 'esdi' | 'esedi' | 'esrdi'; readonly memorySize: string }
  | {
      readonly kind: 'm';
      readonly segment: string;
      readonly base: string;
      readonly index: string;
      readonly scale: number;
      readonly displacement: bigint;
      readonly displSize: number;
      readonly memorySize: string;
    };

/** Constant offsets (`co=IMMOFF;IMMSIZE;IMM2OFF;IMM2SIZE;DISPOFF;DISPSIZE`). */
export interface IcedConstantOffsets {
  readonly immOffset: number;
  readonly immSize: number;
  readonly imm2Offset: number;
  readonly imm2Size: number;
  readonly dispOffset: number;
  readonly dispSize: number;
}

/** One line of DecoderTest{16,32,64}.txt / DecoderTestMisc*.txt. */
export interface IcedDecoderVector {
  readonly lineNo: number;
  readonly line: string;
  readonly bitness: 16 | 32 | 64;
  readonly bytes: Uint8Array;
  readonly code: string;
  readonly mnemonic: string;
  readonly opCount: number;
  readonly operands: readonly (IcedOperand | undefined)[];
  /** `None`, `InvalidInstruction` or `NoMoreBytes`. */
  readonly error: string;
  /** Decoder options required (`decopt=`); empty for default-options lines. */
  readonly decoderOptions: readonly string[];
  /** Flag keys present (`lock`, `rep`, `repe`, `repne`, `xacquire`, `xrelease`, `bcst`, `zmsk`, `sae`, `k1`..`k7`, `vsib32`, ...). */
  readonly flags: ReadonlySet<string>;
  /** Segment-override prefix from `es:`..`gs:` flags, lower case, or '' if none. */
  readonly segmentPrefix: string;
  /** Rounding control `rn|rd|ru|rz` or ''. */
  readonly rounding: string;
  /** Op mask `k1`..`k7` or ''. */
  readonly opMask: string;
  readonly constantOffsets: IcedConstantOffsets | undefined;
  /** Decode IP (`ip=`), or the file's default IP. */
  readonly ip: bigint;
}

/** Default decode IPs used by the iced test files. */
export const ICED_DEFAULT_IP: Readonly<Record<16 | 32 | 64, bigint>> = {
  16: 0x7ff0n,
  32: 0x7ffffff0n,
  64: 0x7ffffffffffffff0n,
};

function parseHex(s: string): Uint8Array {
  const h = s.replace(/\s+/g, '');
  if (h.length % 2 !== 0) throw new Error(`odd hex: ${s}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function num(s: string): bigint {
  return BigInt(s.trim());
}

function parseOperand(v: string): IcedOperand {
  const p = v.split(';');
  const kind = p[0] ?? '';
  const at = (i: number): string => p[i] ?? '';
  switch (kind) {
    case 'r':
      return { kind, register: at(1) };
    case 'nb16':
    case 'nb32':
    case 'nb64':
      return { kind, target: num(at(1)) };
    case 'fb16':
    case 'fb32':
      return { kind, selector: Number(num(at(1))), offset: Number(num(at(2))) };
    case 'i8':
    case 'i16':
    case 'i32':
    case 'i64':
    case 'i8to16':
    case 'i8to32':
    case 'i8to64':
    case 'i32to64':
    case 'i8_2nd':
      return { kind, value: num(at(1)) };
    case 'segsi':
    case 'segesi':
    case 'segrsi':
    case 'segdi':
    case 'segedi':
    case 'segrdi':
      return { kind, segment: at(1), memorySize: at(2) };
    case 'esdi':
    case 'esedi':
    case 'esrdi':
      return { kind, memorySize: at(1) };
    case 'm':
      return {
        kind,
        segment: at(1),
        base: at(2),
        index: at(3),
        scale: Number(at(4)),
        displacement: num(at(5)),
        displSize: Number(at(6)),
        memorySize: at(7),
      };
    default:
      throw new Error(`unknown operand kind: ${v}`);
  }
}

function parseCo(v: string): IcedConstantOffsets {
  const n = v.split(';').map((x) => Number(x));
  return {
    immOffset: n[0] ?? 0,
    immSize: n[1] ?? 0,
    imm2Offset: n[2] ?? 0,
    imm2Size: n[3] ?? 0,
    dispOffset: n[4] ?? 0,
    dispSize: n[5] ?? 0,
  };
}

/** Parses one DecoderTest line; returns undefined for comments and blank lines. */
export function parseIcedDecoderLine(line: string, bitness: 16 | 32 | 64, lineNo = 0): IcedDecoderVector | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const f = t.split(',');
  if (f.length !== 5) throw new Error(`line ${lineNo}: expected 5 fields: ${line}`);
  const [hex, code, mnemonic, opCount, rest] = f.map((x) => x.trim()) as [string, string, string, string, string];
  const operands: (IcedOperand | undefined)[] = [];
  const flags = new Set<string>();
  let error = code === 'INVALID' ? 'InvalidInstruction' : 'None';
  let decoderOptions: string[] = [];
  let segmentPrefix = '';
  let rounding = '';
  let opMask = '';
  let co: IcedConstantOffsets | undefined;
  let ip = ICED_DEFAULT_IP[bitness];
  for (const kv of rest.split(/\s+/)) {
    if (kv === '') continue;
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const val = eq < 0 ? '' : kv.slice(eq + 1);
    const m = /^op([0-4])$/.exec(key);
    if (m !== null) operands[Number(m[1])] = parseOperand(val);
    else if (key === 'err') error = val;
    else if (key === 'decopt') decoderOptions = val.split(';');
    else if (key === 'co') co = parseCo(val);
    else if (key === 'ip') ip = num(val);
    else if (key === 'code' || key === 'enc') continue;
    else if (/^(es|cs|ss|ds|fs|gs):$/.test(key)) segmentPrefix = key.slice(0, 2);
    else if (/^rc-(rn|rd|ru|rz)$/.test(key)) rounding = key.slice(3);
    else if (/^k[1-7]$/.test(key)) opMask = key;
    else flags.add(key);
  }
  return {
    lineNo,
    line: t,
    bitness,
    bytes: parseHex(hex),
    code,
    mnemonic,
    opCount: Number(opCount),
    operands,
    error,
    decoderOptions,
    flags,
    segmentPrefix,
    rounding,
    opMask,
    constantOffsets: co,
    ip,
  };
}

/** One line of MemoryTest{16,32,64}.txt. */
export interface IcedMemoryVector {
  readonly lineNo: number;
  readonly line: string;
  readonly bitness: 16 | 32 | 64;
  readonly bytes: Uint8Array;
  readonly code: string;
  /** Register of operand 1 (lower case). */
  readonly register: string;
  /** Segment prefix (lower case) or 'none'. */
  readonly segmentPrefix: string;
  readonly segment: string;
  /** Base / index register or 'none'. */
  readonly base: string;
  readonly index: string;
  /** Scale as 1/2/4/8 (the file stores log2). */
  readonly scale: number;
  readonly displacement: bigint;
  readonly displSize: number;
  readonly constantOffsets: IcedConstantOffsets;
}

/** Parses one MemoryTest line; returns undefined for comments and blank lines. */
export function parseIcedMemoryLine(line: string, bitness: 16 | 32 | 64, lineNo = 0): IcedMemoryVector | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const f = t.split(',').map((x) => x.trim());
  if (f.length !== 11 && f.length !== 12) throw new Error(`line ${lineNo}: expected 11/12 fields: ${line}`);
  const at = (i: number): string => f[i] ?? '';
  return {
    lineNo,
    line: t,
    bitness,
    bytes: parseHex(at(0)),
    code: at(1),
    register: at(2),
    segmentPrefix: at(3),
    segment: at(4),
    base: at(5),
    index: at(6),
    scale: 1 << Number(at(7)),
    displacement: num(at(8)),
    displSize: Number(at(9)),
    constantOffsets: parseCo(at(10)),
  };
}

/** Loads and parses a DecoderTest file (e.g. `Decoder/DecoderTest64.txt.gz`); undefined if the data dir is missing. */
export function loadIcedDecoderVectors(rel: string, bitness: 16 | 32 | 64): IcedDecoderVector[] | undefined {
  const lines = readIcedFile(rel);
  if (lines === undefined) return undefined;
  const out: IcedDecoderVector[] = [];
  lines.forEach((l, i) => {
    const v = parseIcedDecoderLine(l, bitness, i + 1);
    if (v !== undefined) out.push(v);
  });
  return out;
}

/** Loads and parses a MemoryTest file (e.g. `Decoder/MemoryTest64.txt.gz`); undefined if the data dir is missing. */
export function loadIcedMemoryVectors(rel: string, bitness: 16 | 32 | 64): IcedMemoryVector[] | undefined {
  const lines = readIcedFile(rel);
  if (lines === undefined) return undefined;
  const out: IcedMemoryVector[] = [];
  lines.forEach((l, i) => {
    const v = parseIcedMemoryLine(l, bitness, i + 1);
    if (v !== undefined) out.push(v);
  });
  return out;
}
