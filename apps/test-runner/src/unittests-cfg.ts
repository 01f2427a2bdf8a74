/**
 * Parser for the kvm-unit-tests `unittests.cfg` format: an INI-like list of test sections.
 *
 * ```
 * # comment
 * [apic-split]
 * file = apic.flat
 * smp = 2
 * extra_params = -cpu qemu64,+x2apic -append 'no_x2apic'
 * arch = x86_64
 * groups = apic smoke
 * timeout = 90s
 * ```
 *
 * Keys are split at the first `=` and trimmed; unknown keys are kept in `raw` (kvm-unit-tests
 * grows keys over time: `check`, `accel`, `disabled_if`, `qemu_params`, `test_args`). A
 * key outside a section, a section without `file`, or a duplicate section name is an error
 * naming the file and line.
 */
import { GuestImageError } from '@x86kit/core';

/** One `[name]` section. */
export interface UnitTestEntry {
  name: string;
  /** The kernel image, relative to the config's directory. */
  file: string;
  /** `extra_params` split into words with shell quoting rules. */
  extraParams: string[];
  /** The `-append` string from `extra_params` (the test's command line), or `''`. */
  append: string;
  /** `arch` (e.g. `x86_64`, `i386`), or `null` for any. */
  arch: string | null;
  groups: string[];
  /** Timeout in seconds (`90`, `90s`, `2m`, `1h`); kvm-unit-tests' default is 90 s. */
  timeoutSec: number;
  smp: number;
  /** 1-based line of the `[name]` header. */
  line: number;
  /** Every key exactly as written. */
  raw: Record<string, string>;
}

/** Default per-test timeout of kvm-unit-tests' `run_tests.sh`, in seconds. */
export const DEFAULT_TIMEOUT_SEC = 90;

/** Split a string into words like a POSIX shell does for quotes and backslashes (no expansion). */
export function splitShellWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new Error('unterminated single quote');
      cur += s.slice(i + 1, j);
      i = j;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1])) i++;
        cur += s[i];
      }
      if (i >= s.length) throw new Error('unterminated double quote');
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Parse a timeout like `90`, `90s`, `2m`, `1.5h`, `1d` into seconds; NaN when malformed. */
export function parseTimeout(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(v.trim());
  if (m === null) return Number.NaN;
  const mul = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * mul;
}

/**
 * Parse the text of a `unittests.cfg`. `fileName` is used in error messages only.
 * @throws GuestImageError `TEST_FILE_CORRUPT` naming the file and line.
 */
export function parseUnitTestsCfg(text: string, fileName: string): UnitTestEntry[] {
  const entries: UnitTestEntry[] = [];
  const seen = new Set<string>();
  let cur: { name: string; line: number; raw: Record<string, string> } | null = null;
  const bad = (line: number, why: string): never => {
    throw new GuestImageError('TEST_FILE_CORRUPT', `${fileName}:${line}: ${why}`);
  };
  const finish = (): void => {
    if (cur === null) return;
    const { name, line, raw } = cur;
    if (raw.file === undefined || raw.file === '') bad(line, `test [${name}] has no file=`);
    let extraParams: string[] = [];
    try {
      extraParams = splitShellWords(raw.extra_params ?? '');
    } catch (e) {
      bad(line, `test [${name}]: extra_params: ${(e as Error).message}`);
    }
    const ai = extraParams.indexOf('-append');
    const timeoutSec = raw.timeout === undefined ? DEFAULT_TIMEOUT_SEC : parseTimeout(raw.timeout);
    if (Number.isNaN(timeoutSec)) bad(line, `test [${name}]: bad timeout '${raw.timeout}'`);
    const smp = raw.smp === undefined ? 1 : Number(raw.smp);
    if (!Number.isInteger(smp) || smp < 1) bad(line, `test [${name}]: bad smp '${raw.smp}'`);
    entries.push({
      name, file: raw.file, extraParams, append: ai >= 0 && ai + 1 < extraParams.length ? extraParams[ai + 1] : '',
      arch: raw.arch === undefined || raw.arch === '' ? null : raw.arch,
      groups: (raw.groups ?? '').split(/\s+/).filter((g) => g !== ''),
      timeoutSec, smp, line, raw,
    });
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === '' || t.startsWith('#')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(t);
    if (sec !== null) {
      finish();
      const name = sec[1].trim();
      if (seen.has(name)) bad(i + 1, `duplicate test [${name}]`);
      seen.add(name);
      cur = { name, line: i + 1, raw: {} };
      continue;
    }
    const eq = t.indexOf('=');
    if (eq <= 0) bad(i + 1, `expected [name] or key = value, got '${t.slice(0, 40)}'`);
    if (cur === null) bad(i + 1, `key '${t.slice(0, eq).trim()}' outside a [test] section`);
    cur!.raw[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  finish();
  return entries;
}

/**
 * The status of a kvm-unit-tests kernel from its isa-debug-exit code (the value written to the
 * port; QEMU exits with `(code << 1) | 1`): 0 = pass, 77 = skip (libcflat's `report_summary`
 * when every report was skipped), anything else = fail.
 */
export function statusFromDebugExit(code: number): 'pass' | 'fail' | 'skip' {
  return code === 0 ? 'pass' : code === 77 ? 'skip' : 'fail';
}
