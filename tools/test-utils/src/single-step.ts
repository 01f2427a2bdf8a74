/**
 * A reusable SingleStepTests harness: any engine that implements the small {@link StepEngine}
 * interface (the interpreter, a translator, a lockstep pair in the test runner) can run the
 * hardware-captured real-mode tests of `shared/conformance/singlesteptests-80286`.
 *
 * The rules applied here are the ones the data's README prescribes for a 386+ engine: initial
 * FLAGS bits 12–15 cleared, undefined flags masked with `metadata.json`'s `flags-mask` (also
 * on a FLAGS image pushed by an exception), tests with a LOCK prefix or longer than 10 bytes
 * (286-only behaviour) skipped, and for POPF/IRET FLAGS bits 12–14 ignored.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { MOO_REGS16, type MooReg16, type MooTest } from './moo.js';

/** What an engine must offer to run single-instruction real-mode tests. */
export interface StepEngine {
  /** Reset the CPU to real mode with 16 MiB of RAM at physical 0 (no A20 wrap). */
  resetForTest(): void;
  /** Write one byte of physical memory. */
  writePhys8(pa: number, value: number): void;
  /** Read one byte of physical memory. */
  readPhys8(pa: number): number;
  /**
   * Set a 16-bit register by SingleStepTests name. Segment registers load real-mode style
   * (base = selector × 16, limit 0xFFFF); `ip` sets EIP, `flags` the low 16 bits of EFLAGS.
   */
  setReg16(name: MooReg16, value: number): void;
  /** Read a 16-bit register by SingleStepTests name. */
  getReg16(name: MooReg16): number;
  /**
   * Run until a HLT instruction has executed (EIP then points after it). Returns false when
   * the engine stopped for any other reason within `maxInstructions`.
   */
  runUntilHalt(maxInstructions: number): boolean;
}

/** Per-test options. */
export interface SingleStepOptions {
  /** AND-mask applied to FLAGS (and to an exception's pushed FLAGS image) before comparing. */
  flagsMask: number;
}

/** Result of one test. */
export interface SingleStepResult {
  passed: boolean;
  /** Human-readable differences (`reg ax: got 0x1234 want 0x1235`, `ram[0x1234]: ...`). */
  diffs: string[];
}

const hex = (v: number): string => `0x${v.toString(16)}`;

/**
 * Why a test must be skipped by a 386+ engine (README "what to skip or mask"), or null.
 * LOCK-prefixed tests encode 286 LOCK semantics; >10-byte instructions fault only on a 286.
 */
export function skipReason286(test: MooTest): string | null {
  const n = test.bytes.length - 1; // without the trailing HLT
  if (n > 10) return 'longer than 10 bytes (286 limit)';
  for (let i = 0; i < n; i++) {
    const b = test.bytes[i];
    if (b === 0xf0) return 'LOCK prefix (286 semantics)';
    // stop at the first non-prefix byte
    if (!(b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0xf2 || b === 0xf3 || b === 0x64 || b === 0x65 || b === 0x66 || b === 0x67)) break;
  }
  return null;
}

/** Load one test into `engine`, run it and compare. `touched` collects addresses written (to clean up). */
export function runSingleStepTest(engine: StepEngine, test: MooTest, options: SingleStepOptions, touched?: Set<number>): SingleStepResult {
  engine.resetForTest();
  const init = test.init;
  for (let i = 0; i < init.ram.length; i += 2) {
    engine.writePhys8(init.ram[i], init.ram[i + 1]);
    touched?.add(init.ram[i]);
  }
  for (const name of MOO_REGS16) {
    let v = init.regs[name] ?? 0;
    if (name === 'flags') v &= 0x0fff;
    engine.setReg16(name, v);
  }
  const diffs: string[] = [];
  if (!engine.runUntilHalt(4096)) diffs.push('did not reach HLT');
  for (const name of MOO_REGS16) {
    let want = test.final.regs[name] ?? init.regs[name] ?? 0;
    let got = engine.getReg16(name);
    if (name === 'flags') {
      if (test.final.regs.flags === undefined) want &= 0x0fff;
      want &= options.flagsMask;
      got &= options.flagsMask;
    }
    if (got !== want) diffs.push(`${name}: got ${hex(got)} want ${hex(want)}`);
  }
  // The FLAGS image of an exception sits at SS:SP−2 of the initial state. EXCP's address is
  // rounded down to an even address when SP is odd, so compute it from SS:SP instead.
  const ss = init.regs.ss ?? 0, sp = init.regs.sp ?? 0;
  const fl = test.exception === null ? -1 : ss * 16 + ((sp - 2) & 0xffff);
  const fin = test.final.ram;
  for (let i = 0; i < fin.length; i += 2) {
    const pa = fin[i];
    touched?.add(pa);
    let want = fin[i + 1];
    let got = engine.readPhys8(pa);
    if (pa === fl) { want &= options.flagsMask & 0xff; got &= options.flagsMask & 0xff; }
    if (pa === fl + 1) { want &= options.flagsMask >>> 8; got &= options.flagsMask >>> 8; }
    if (got !== want) diffs.push(`ram[${hex(pa)}]: got ${hex(got)} want ${hex(want)}`);
  }
  return { passed: diffs.length === 0, diffs };
}

/** Undefined-flag masks of the 80286 real-mode set, keyed by file stem (`"00"`, `"F6.4"`). */
export interface Metadata286 {
  /** `flags-mask` for a file stem; 0xFFFF when every flag is defined. */
  flagsMask(stem: string): number;
  /** `status` of a file stem (`normal`, `alias`, `undocumented`, `fpu`, ...). */
  status(stem: string): string;
}

interface MetaEntry { status?: string; 'flags-mask'?: number; reg?: Record<string, MetaEntry> }

/** Read `v1_real_mode/metadata.json` of the 80286 set. */
export function loadMetadata286(dir: string): Metadata286 {
  const meta = JSON.parse(readFileSync(join(dir, 'v1_real_mode', 'metadata.json'), 'utf8')) as { opcodes: Record<string, MetaEntry> };
  const entry = (stem: string): MetaEntry | undefined => {
    const [op, reg] = stem.split('.');
    const e = meta.opcodes[op];
    if (reg === undefined || e?.reg === undefined) return e;
    return e.reg[reg];
  };
  return {
    flagsMask: (stem) => {
      let m = entry(stem)?.['flags-mask'] ?? 0xffff;
      const op = stem.split('.')[0];
      // POPF/IRET: a 386+ in real mode can hold IOPL/NT (README), the 286 cannot.
      if (op === '9D' || op === 'CF') m &= 0x8fff;
      return m;
    },
    status: (stem) => entry(stem)?.status ?? 'unknown',
  };
}

/** The revoked test hashes of a SingleStepTests set (empty when the file is absent). */
export function loadRevocations(dir: string): Set<string> {
  const p = join(dir, 'revocation_list.txt');
  if (!existsSync(p)) return new Set();
  return new Set(readFileSync(p, 'utf8').split(/\s+/).filter((s) => s.length > 0).map((s) => s.toLowerCase()));
}
