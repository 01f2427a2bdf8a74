/**
 * The suite plug-in interface. A suite enumerates its cases deterministically (same data, same
 * options → same ids in the same order) and runs one case at a time. The runner owns filtering,
 * sharding, parallelism and reporting; a suite is a small adapter over a data reader and an
 * engine.
 */

/** Outcome of one case. */
import { OptionError } from '@x86kit/core';

export const CaseStatus = { Pass: 'pass', Fail: 'fail', Skip: 'skip' } as const;
export type CaseStatus = (typeof CaseStatus)[keyof typeof CaseStatus];

/**
 * Sub-check counts for cases that bundle many checks (one SingleStepTests opcode file holds
 * up to 1,000 tests; it passes only when every test does).
 */
export interface CheckCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** What running one case produced. */
export interface CaseOutcome {
  status: CaseStatus;
  /** Why it failed or was skipped (first line is shown in reports). */
  message?: string;
  checks?: CheckCounts;
}

/** Options every suite receives; they must fully determine the case list. */
export interface SuiteContext {
  /** Root of the shared conformance data (`../shared/conformance` by default). */
  dataDir: string;
  /** True when `dataDir` was given explicitly (a missing dir is then an error, not a skip). */
  dataDirExplicit: boolean;
  /** Seed for suites with generated cases (fuzz slices, random programs). */
  seed: number;
  /** Per-file sample size for bundled suites (0 = everything). */
  sample: number;
  /** Suite-specific extra options (`--opt key=value`). */
  options: Readonly<Record<string, string>>;
}

/** One opened suite: its case ids and a way to run each. */
export interface SuiteInstance {
  /** Stable case ids, in a deterministic order. */
  readonly cases: readonly string[];
  /**
   * If set, the whole suite cannot run here (data missing, a component not written yet):
   * every case is reported skipped with this reason.
   */
  readonly unavailable?: string;
  /** Run one case by id. Must not throw for a failing case; a throw is reported as a failure. */
  run(id: string): Promise<CaseOutcome> | CaseOutcome;
  /** Release resources (child processes, sockets). */
  close?(): Promise<void> | void;
}

/** A suite plug-in. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  /**
   * Open the suite: read indexes, list files. Throws `GuestImageError('TEST_FILE_CORRUPT')`
   * or `OptionError` for bad input (a clear one-line error naming the file).
   */
  open(ctx: SuiteContext): Promise<SuiteInstance>;
}

/** An unavailable suite instance (no cases, one reason). */
export function unavailableSuite(reason: string): SuiteInstance {
  return { cases: [], unavailable: reason, run: () => ({ status: CaseStatus.Skip, message: reason }) };
}

/**
 * Read the integer suite option `--opt key=N` (decimal, at least `min`), or `dflt` when it is
 * absent. A malformed value is an {@link OptionError} (one line, exit 2), raised when the
 * suite opens, before any case runs.
 */
export function optionInt(options: Readonly<Record<string, string>>, key: string, dflt: number, min: number): number {
  const v = options[key];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new OptionError('OPTION_INVALID', `--opt ${key}=${v}: expected an integer ≥ ${min}`);
  }
  return n;
}
