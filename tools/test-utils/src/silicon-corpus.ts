/**
 * Reader for the x86kit real-silicon conformance corpus (`tools/capture/corpus/`).
 *
 * Each test is one instruction run natively on the capturing CPU in 64-bit mode, 32-bit
 * compatibility mode or 16-bit protected mode (CPL 3), from a full initial register state and a
 * few mapped pages, with the CPU's final state, changed memory bytes or exception as the
 * expectation. Format, capture method and caveats: `tools/capture/corpus/README.md`.
 *
 * The files are gzip-compressed JSON lines; this module parses them into typed values. It is a
 * cold-path reader: values keep their exact 64-bit width as `bigint`, and every register file is
 * also given as `[lo, hi]` int32 pairs, the layout of `CpuState.gpr` in `@x86kit/core`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Execution mode of a test: 64-bit mode, 32-bit compatibility mode, 16-bit protected mode. */
export type SiliconMode = 16 | 32 | 64;

/** Page permission of a mapped page, as the user-mode page tables had it. `none` = not present. */
export type SiliconPerm = 'none' | 'r' | 'rw' | 'rx';

/** A 4 KiB page of the test's address space (linear address). Unlisted pages are not present. */
export interface SiliconPage {
  readonly base: number;
  readonly perm: SiliconPerm;
}

/** A run of bytes at a linear address. */
export interface SiliconBytes {
  readonly addr: number;
  readonly bytes: Uint8Array;
}

/**
 * x87 / MMX / SSE / AVX state, in the FXSAVE conventions: `st[i]` is ST(i) (stack order, 10 bytes
 * little-endian: 64-bit significand then sign+exponent; MMi is the significand of physical
 * register i, which is ST((i - TOP) & 7)), `ftwAbridged` is the FXSAVE abridged tag byte
 * (bit i = physical register i not empty).
 */
export interface SiliconFpState {
  readonly fcw: number;
  readonly fsw: number;
  readonly ftwAbridged: number;
  readonly mxcsr: number;
  readonly st: readonly Uint8Array[];
  /** XMM0..XMM7 (16-/32-bit modes) or XMM0..XMM15 (64-bit mode), 16 bytes little-endian each. */
  readonly xmm: readonly Uint8Array[];
  /** Upper 128 bits of YMM0..YMMn, only for AVX forms. */
  readonly ymmHi?: readonly Uint8Array[];
}

/** Register state. */
export interface SiliconCpuState {
  /** RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI (, R8..R15 in 64-bit mode). */
  readonly regs: BigUint64Array;
  /** The same registers as `[lo, hi]` int32 pairs (the `CpuState.gpr` layout). */
  readonly gpr: Int32Array;
  readonly rflags: number;
  readonly fp?: SiliconFpState;
}

/** A 16-bit-mode segment register as loaded before the test (all from the capture tool's LDT). */
export interface SiliconSegment {
  readonly selector: number;
  readonly base: number;
  readonly limit: number;
}

/** An exception raised by the instruction (or its fetch). */
export interface SiliconException {
  /** Vector: 0 #DE, 1 #DB, 3 #BP, 4 #OF, 5 #BR, 6 #UD, 12 #SS, 13 #GP, 14 #PF, 16 #MF, 17 #AC, 19 #XM. */
  readonly vector: number;
  /** Error code as pushed by the CPU (0 for vectors without one). */
  readonly errorCode: number;
  /** CR2 (faulting linear address) for #PF. */
  readonly cr2?: bigint;
}

/** What the CPU did. On an exception, `ip` is the IP the CPU reported and `state` is the state then. */
export interface SiliconExpected {
  readonly state: SiliconCpuState;
  readonly ip: number;
  /** CS selector after the instruction: always in 16-bit mode, else only when a far transfer changed it. */
  readonly cs?: number;
  /** Every byte whose value differs from the initial memory, as runs. Nothing else changed. */
  readonly memoryChanged: readonly SiliconBytes[];
  readonly exception?: SiliconException;
}

/** One captured test. */
export interface SiliconTestCase {
  /** Instruction form id, e.g. `add Ev,Gv o32` (see the mode's forms table). */
  readonly form: string;
  /** Index of the test within its form (the generator's per-form counter; reproduces with the seed). */
  readonly index: number;
  readonly mode: SiliconMode;
  /** Instruction bytes; they sit at `codeBase + ip` in a code page otherwise filled with 0xCC (INT3). */
  readonly code: Uint8Array;
  /** IP of the instruction: linear in 32/64-bit modes, offset in CS in 16-bit mode. */
  readonly ip: number;
  /** Linear base of CS (0 in 32/64-bit modes). */
  readonly codeBase: number;
  /**
   * Initial CS selector: 0x33 (64-bit), 0x23 (32-bit): Linux's flat user code segments (SS=DS=ES
   * 0x2b); 0x07 in 16-bit mode (the tool's LDT). Far transfers may target the other one.
   */
  readonly cs: number;
  /** 16-bit mode: CS, DS, ES, SS (SS=DS=ES); FS/GS are unusable there. */
  readonly segments?: { readonly cs: SiliconSegment; readonly ds: SiliconSegment; readonly es: SiliconSegment; readonly ss: SiliconSegment };
  readonly initial: SiliconCpuState;
  /** Mapped pages; every byte of a present page is 0 unless listed in `memory` (the code page: 0xCC). */
  readonly pages: readonly SiliconPage[];
  readonly memory: readonly SiliconBytes[];
  /** RFLAGS bits the manuals leave undefined for this test (mask them before comparing). */
  readonly undefinedFlags: number;
  /** The manuals leave the destination undefined for this test (e.g. BSF/BSR of 0, SHLD count > size). */
  readonly undefinedDest: boolean;
  readonly expected: SiliconExpected;
}

/** One instruction form of a mode (from `m<mode>/forms.jsonl.gz`). */
export interface SiliconForm {
  readonly id: string;
  readonly mode: SiliconMode;
  /** Category file the form's tests are in: int, muldiv, shift, bit, bcd, string, branch, far, stack, sys, bmi, x87, mmx, sse, sse4, avx, avx2. */
  readonly category: string;
  /** Encoding template, e.g. `0f a5 /r`, `VEX.L256.66.0F38.W0 36 /r`. */
  readonly encoding: string;
  /** Operand size (0 = not applicable) and address size. */
  readonly operandSize: number;
  readonly addressSize: number;
  /** Undefined-flag mask from the SDM/APM for the form (per-test masks refine it, see `undefinedFlags`). */
  readonly undefinedFlags: number;
  /** `count`: the undefined flags depend on the shift/rotate count; each test carries its own mask. */
  readonly undefinedFlagsDynamic?: string;
  /** iced `Code` name used to cross-check the undefined flags, where one exists. */
  readonly iced?: string;
  /** Caveat about what was captured (e.g. results emulated by the host kernel). */
  readonly note?: string;
}

/** Corpus metadata (`meta.json`). */
export interface SiliconCorpusMeta {
  readonly format: 'x86kit-silicon-corpus';
  readonly version: number;
  readonly seed: number;
  readonly perForm: Readonly<Record<string, number>>;
  readonly cpu: { readonly vendor: string; readonly family: number; readonly model: number; readonly stepping: number; readonly microcode: string; readonly modelName: string };
  readonly cpuFlags: string;
  readonly kernel: string;
  readonly captured: string;
  readonly determinism: { readonly rerunSlice: string; readonly inProcessDropped: number };
  readonly files: readonly { readonly path: string; readonly tests: number; readonly forms: number; readonly sha256: string }[];
}

/** RFLAGS bits a test's expectation is meaningful for: CF PF AF ZF SF TF IF DF OF IOPL NT AC ID. */
export const SILICON_FLAGS_MASK = 0x00254fd5;
/** RFLAGS.RF: set in the flags image of a fault (the CPU sets it when it delivers a fault). */
export const SILICON_RFLAGS_RF = 0x10000;

/** The corpus directory: `$X86KIT_SILICON_CORPUS`, else `tools/capture/corpus` next to this package. */
export function siliconCorpusDir(): string {
  const env = process.env['X86KIT_SILICON_CORPUS'];
  if (env !== undefined && env !== '') return env;
  return fileURLToPath(new URL('../../capture/corpus/', import.meta.url));
}

function hexBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}
/** A big-endian hex number of n bytes -> little-endian bytes. */
function hexLe(s: string): Uint8Array {
  const n = s.length >>> 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[n - 1 - i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}

interface RawFp { cw: string; sw: string; tw: string; mx: string; st: string[]; x: string[]; yh?: string[] }
interface RawOut { regs: string[]; fl: string; ip: string; cs?: string; mem: [string, string][]; fp?: RawFp }
interface RawTest {
  id: string; n: number; m: number; code: string; ip: string; regs: string[]; fl: string;
  pages: [string, string][]; mem: [string, string][]; fp?: RawFp; uf?: number; ud?: number;
  out: RawOut; exc?: { v: number; err: number; cr2?: string };
}

function parseFp(f: RawFp): SiliconFpState {
  const base = {
    fcw: parseInt(f.cw, 16), fsw: parseInt(f.sw, 16), ftwAbridged: parseInt(f.tw, 16), mxcsr: parseInt(f.mx, 16),
    st: f.st.map(hexLe), xmm: f.x.map(hexLe),
  };
  return f.yh === undefined ? base : { ...base, ymmHi: f.yh.map(hexLe) };
}

function parseState(regs: string[], fl: string, fp: RawFp | undefined): SiliconCpuState {
  const r = new BigUint64Array(regs.length);
  const gpr = new Int32Array(regs.length * 2);
  for (let i = 0; i < regs.length; i++) {
    const s = regs[i] ?? '0';
    r[i] = BigInt('0x' + s);
    gpr[2 * i] = parseInt(s.slice(-8), 16) | 0;
    gpr[2 * i + 1] = s.length > 8 ? parseInt(s.slice(0, -8), 16) | 0 : 0;
  }
  const base = { regs: r, gpr, rflags: parseInt(fl, 16) >>> 0 };
  return fp === undefined ? base : { ...base, fp: parseFp(fp) };
}

const bytesRuns = (m: [string, string][]): SiliconBytes[] => m.map(([a, b]) => ({ addr: parseInt(a, 16), bytes: hexBytes(b) }));

/** 16-bit mode segment layout used by the capture tool (LDT entries 0 and 1). */
const SEG16 = {
  cs: { selector: 0x07, base: 0x10000000, limit: 0xffff },
  data: { selector: 0x0f, base: 0x1fff8000, limit: 0xffff },
} as const;

/** Parse one JSON line of a corpus file. */
export function parseSiliconTestLine(line: string): SiliconTestCase {
  const t = JSON.parse(line) as RawTest;
  if (t.m !== 16 && t.m !== 32 && t.m !== 64) throw new Error(`silicon corpus: bad mode ${t.m}`);
  const mode: SiliconMode = t.m;
  const exc = t.exc;
  const exception: SiliconException | undefined = exc === undefined ? undefined
    : exc.cr2 === undefined ? { vector: exc.v, errorCode: exc.err }
      : { vector: exc.v, errorCode: exc.err, cr2: BigInt('0x' + exc.cr2) };
  const out = t.out;
  const expectedBase = {
    state: parseState(out.regs, out.fl, out.fp), ip: parseInt(out.ip, 16), memoryChanged: bytesRuns(out.mem),
  };
  const withCs = out.cs === undefined ? expectedBase : { ...expectedBase, cs: parseInt(out.cs, 16) };
  const expected: SiliconExpected = exception === undefined ? withCs : { ...withCs, exception };
  const base = {
    form: t.id, index: t.n, mode, code: hexBytes(t.code), ip: parseInt(t.ip, 16),
    codeBase: mode === 16 ? SEG16.cs.base : 0,
    cs: mode === 16 ? SEG16.cs.selector : mode === 32 ? 0x23 : 0x33,
    initial: parseState(t.regs, t.fl, t.fp),
    pages: t.pages.map(([a, p]) => ({ base: parseInt(a, 16), perm: p as SiliconPerm })),
    memory: bytesRuns(t.mem),
    undefinedFlags: t.uf ?? 0, undefinedDest: t.ud === 1, expected,
  };
  if (mode !== 16) return base;
  const d = SEG16.data;
  return { ...base, segments: { cs: SEG16.cs, ds: d, es: d, ss: d } };
}

/** Parse a corpus file (gzip JSON lines, or plain JSON lines if the name does not end in .gz). */
export function* readSiliconFile(path: string): Generator<SiliconTestCase> {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) yield parseSiliconTestLine(text.slice(start, end));
    start = end + 1;
  }
}

/** Read `meta.json`. */
export function readSiliconMeta(dir: string = siliconCorpusDir()): SiliconCorpusMeta {
  return JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SiliconCorpusMeta;
}

/** Read the forms table of a mode. */
export function readSiliconForms(mode: SiliconMode, dir: string = siliconCorpusDir()): SiliconForm[] {
  const text = gunzipSync(readFileSync(join(dir, `m${mode}`, 'forms.jsonl.gz'))).toString('utf8');
  const forms: SiliconForm[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = JSON.parse(line) as { id: string; m: SiliconMode; cat: string; enc: string; osz: number; asz: number; uf: number; ufDynamic?: string; iced?: string; note?: string };
    let form: SiliconForm = {
      id: f.id, mode: f.m, category: f.cat, encoding: f.enc, operandSize: f.osz, addressSize: f.asz, undefinedFlags: f.uf,
    };
    if (f.ufDynamic !== undefined) form = { ...form, undefinedFlagsDynamic: f.ufDynamic };
    if (f.iced !== undefined) form = { ...form, iced: f.iced };
    if (f.note !== undefined) form = { ...form, note: f.note };
    forms.push(form);
  }
  return forms;
}

/** Which corpus files exist: `{ mode, category, path }` for every `m<mode>/<category>.jsonl.gz`. */
export function listSiliconFiles(dir: string = siliconCorpusDir()): { mode: SiliconMode; category: string; path: string }[] {
  const out: { mode: SiliconMode; category: string; path: string }[] = [];
  for (const mode of [16, 32, 64] as const) {
    const d = join(dir, `m${mode}`);
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d).sort()) {
      if (!name.endsWith('.jsonl.gz') || name === 'forms.jsonl.gz') continue;
      out.push({ mode, category: name.slice(0, -'.jsonl.gz'.length), path: join(d, name) });
    }
  }
  return out;
}

/** Options for {@link readSiliconCorpus}. */
export interface SiliconReadOptions {
  readonly dir?: string;
  readonly modes?: readonly SiliconMode[];
  readonly categories?: readonly string[];
  /** Keep only tests whose form id satisfies this. */
  readonly form?: (id: string) => boolean;
  /** At most this many tests per form (the first ones: a deterministic slice). */
  readonly perForm?: number;
}

/** Iterate the corpus (all modes and categories unless filtered). */
export function* readSiliconCorpus(opts: SiliconReadOptions = {}): Generator<SiliconTestCase> {
  for (const f of listSiliconFiles(opts.dir ?? siliconCorpusDir())) {
    if (opts.modes !== undefined && !opts.modes.includes(f.mode)) continue;
    if (opts.categories !== undefined && !opts.categories.includes(f.category)) continue;
    const seen = new Map<string, number>();
    for (const t of readSiliconFile(f.path)) {
      if (opts.form !== undefined && !opts.form(t.form)) continue;
      if (opts.perForm !== undefined) {
        const n = seen.get(t.form) ?? 0;
        if (n >= opts.perForm) continue;
        seen.set(t.form, n + 1);
      }
      yield t;
    }
  }
}

/**
 * The RFLAGS bits to compare for a test: {@link SILICON_FLAGS_MASK} minus the test's undefined
 * flags. (RF is outside the mask: compare it separately if the engine models it on faults.)
 */
export function siliconFlagsCompareMask(t: SiliconTestCase): number {
  return (SILICON_FLAGS_MASK & ~t.undefinedFlags) >>> 0;
}

/**
 * Initial contents of a present data page as a 4 KiB array (zero except the listed runs), or of
 * the code page (0xCC except the instruction).
 */
export function siliconPageBytes(t: SiliconTestCase, page: SiliconPage): Uint8Array {
  const out = new Uint8Array(4096);
  if (page.perm === 'rx') {
    out.fill(0xcc);
    const at = t.codeBase + t.ip - page.base;
    if (at >= 0 && at < 4096) out.set(t.code.subarray(0, Math.min(t.code.length, 4096 - at)), at);
    return out;
  }
  for (const m of t.memory) {
    for (let i = 0; i < m.bytes.length; i++) {
      const a = m.addr + i - page.base;
      if (a >= 0 && a < 4096) out[a] = m.bytes[i] ?? 0;
    }
  }
  return out;
}
