/**
 * The runner: opens suites, filters and shards their cases, runs them in-process or on a pool
 * of worker threads, and collects a {@link RunReport}. It never prints; reporters and the CLI
 * do (see `report.ts`).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GuestImageError, OptionError, X86KitError } from '@x86kit/core';
import { compileFilter } from './filter.js';
import { inShard, type Shard } from './hash.js';
import { getSuite } from './registry.js';
import { CaseStatus, type CaseOutcome, type CheckCounts, type SuiteContext, type SuiteInstance } from './suite.js';

/** One case's result as recorded in reports. */
export interface CaseRecord {
  id: string;
  status: CaseStatus;
  message?: string;
  /** Wall time of the case in milliseconds. */
  ms: number;
  checks?: CheckCounts;
}

/** One suite's results. */
export interface SuiteReport {
  name: string;
  description: string;
  /** Cases enumerated before filter and shard. */
  enumerated: number;
  cases: CaseRecord[];
  passed: number;
  failed: number;
  skipped: number;
  /** Sum of bundled sub-checks (e.g. single tests inside opcode files). */
  checks: CheckCounts;
  ms: number;
  /** Why the whole suite could not run here, when it could not. */
  unavailable?: string;
}

/** The whole run. JSON output is exactly this object. */
export interface RunReport {
  version: 1;
  seed: number;
  shard: Shard;
  jobs: number;
  filter: string | null;
  suites: SuiteReport[];
  passed: number;
  failed: number;
  skipped: number;
  ms: number;
  /** True when `--max-failures` stopped the run early. */
  stoppedEarly: boolean;
}

/** Progress callback payload. */
export interface ProgressEvent {
  suite: string;
  record: CaseRecord;
  done: number;
  total: number;
}

/** Options of {@link runSuites}. */
export interface RunOptions {
  suites: readonly string[];
  filter?: string;
  /** Worker threads; 1 = in-process. */
  jobs?: number;
  shard?: Shard;
  seed?: number;
  /** Stop scheduling after this many failures (0 = never). */
  maxFailures?: number;
  dataDir: string;
  dataDirExplicit?: boolean;
  sample?: number;
  options?: Readonly<Record<string, string>>;
  /** Called after each case. */
  onProgress?: (e: ProgressEvent) => void;
  /** Called when a suite starts (after enumeration). */
  onSuiteStart?: (suite: string, total: number, unavailable: string | undefined) => void;
  /**
   * Worker script; defaults to the compiled `worker.js` beside this module. When it does not
   * exist (running from TypeScript sources, e.g. under vitest) the run is in-process.
   */
  workerScript?: string;
  /** Enumerate, filter and shard only: every selected case is recorded as skipped ("listed"). */
  dryRun?: boolean;
}

/** Run one case, turning a host exception into a failure record (it means a bug somewhere). */
export async function runOneCase(inst: SuiteInstance, id: string): Promise<CaseRecord> {
  const t0 = performance.now();
  let out: CaseOutcome;
  try {
    out = await inst.run(id);
  } catch (e) {
    // Bad input (a corrupt test file) aborts the run with a one-line error; anything else is
    // a bug in an engine or adapter and fails only this case.
    if (e instanceof X86KitError) throw e;
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    out = { status: CaseStatus.Fail, message: `host exception: ${msg.split('\n')[0]}` };
  }
  const rec: CaseRecord = { id, status: out.status, ms: performance.now() - t0 };
  if (out.message !== undefined) rec.message = out.message;
  if (out.checks !== undefined) rec.checks = out.checks;
  return rec;
}

function defaultWorkerScript(): string | undefined {
  const p = fileURLToPath(new URL('./worker.js', import.meta.url));
  return existsSync(p) && import.meta.url.endsWith('.js') ? p : undefined;
}

/** Messages between the runner and its workers. */
export type ToWorker =
  | { type: 'run'; suite: string; ctx: SuiteContext; batch: number; ids: string[] }
  | { type: 'close' };
export type FromWorker =
  | { type: 'results'; suite: string; batch: number; records: CaseRecord[] }
  | { type: 'error'; suite: string; batch: number; message: string; errorClass?: string; code?: string };

class Pool {
  readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private waiters: (() => void)[] = [];
  constructor(script: string, n: number) {
    for (let i = 0; i < n; i++) {
      const w = new Worker(script);
      w.unref();
      this.workers.push(w);
      this.idle.push(w);
    }
  }
  async acquire(): Promise<Worker> {
    for (;;) {
      const w = this.idle.pop();
      if (w !== undefined) return w;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  release(w: Worker): void {
    this.idle.push(w);
    const next = this.waiters.shift();
    if (next !== undefined) next();
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function runBatchOnWorker(w: Worker, msg: Extract<ToWorker, { type: 'run' }>): Promise<CaseRecord[]> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: FromWorker): void => {
      if (m.batch !== msg.batch || m.suite !== msg.suite) return;
      cleanup();
      if (m.type === 'results') resolve(m.records);
      else reject(reviveError(m));
    };
    const onErr = (e: Error): void => { cleanup(); reject(e); };
    const cleanup = (): void => { w.off('message', onMsg); w.off('error', onErr); };
    w.on('message', onMsg);
    w.on('error', onErr);
    w.postMessage(msg);
  });
}

/** Rebuild a worker's error: typed input errors stay typed so the CLI prints one line. */
function reviveError(m: Extract<FromWorker, { type: 'error' }>): Error {
  if (m.errorClass === 'GuestImageError' && m.code !== undefined) return new GuestImageError(m.code as GuestImageError['code'], m.message);
  if (m.errorClass === 'OptionError' && m.code !== undefined) return new OptionError(m.code as OptionError['code'], m.message);
  return new Error(m.message);
}

/** Run the named suites and return the report. Throws {@link OptionError} for unknown suites. */
export async function runSuites(opts: RunOptions): Promise<RunReport> {
  const t0 = performance.now();
  const shard = opts.shard ?? { index: 0, count: 1 };
  const seed = opts.seed ?? 1;
  const jobs = Math.max(1, Math.min(opts.jobs ?? 1, availableParallelism() * 4));
  const maxFailures = opts.maxFailures ?? 0;
  const filter = compileFilter(opts.filter);
  const suites = opts.suites.map((n) => getSuite(n));
  const ctx: SuiteContext = {
    dataDir: opts.dataDir, dataDirExplicit: opts.dataDirExplicit ?? false, seed, sample: opts.sample ?? 0,
    options: opts.options ?? {},
  };
  if (ctx.dataDirExplicit && !existsSync(ctx.dataDir)) {
    throw new OptionError('OPTION_INVALID', `--data ${ctx.dataDir}: no such directory`);
  }
  const script = jobs > 1 ? (opts.workerScript ?? defaultWorkerScript()) : undefined;
  const pool = script !== undefined && opts.dryRun !== true ? new Pool(script, jobs) : undefined;
  const report: RunReport = {
    version: 1, seed, shard, jobs: pool !== undefined ? jobs : 1, filter: opts.filter ?? null, suites: [],
    passed: 0, failed: 0, skipped: 0, ms: 0, stoppedEarly: false,
  };
  let failures = 0;
  let batchNo = 0;
  try {
    for (const suite of suites) {
      const s0 = performance.now();
      const inst = await suite.open(ctx);
      const selected = inst.cases.filter((id) => {
        const key = `${suite.name}/${id}`;
        return filter(key) && inShard(key, shard);
      });
      const sr: SuiteReport = {
        name: suite.name, description: suite.description, enumerated: inst.cases.length, cases: [],
        passed: 0, failed: 0, skipped: 0, checks: { passed: 0, failed: 0, skipped: 0 }, ms: 0,
      };
      if (inst.unavailable !== undefined) sr.unavailable = inst.unavailable;
      report.suites.push(sr);
      opts.onSuiteStart?.(suite.name, selected.length, inst.unavailable);
      const records: (CaseRecord | undefined)[] = new Array<CaseRecord | undefined>(selected.length).fill(undefined);
      let done = 0;
      const accept = (i: number, rec: CaseRecord): void => {
        records[i] = rec;
        done++;
        if (rec.status === CaseStatus.Fail) failures++;
        opts.onProgress?.({ suite: suite.name, record: rec, done, total: selected.length });
      };
      const stop = (): boolean => maxFailures > 0 && failures >= maxFailures;
      if (opts.dryRun === true) {
        for (let i = 0; i < selected.length; i++) records[i] = { id: selected[i], status: CaseStatus.Skip, ms: 0, message: 'listed' };
      } else if (inst.unavailable === undefined) {
        if (pool === undefined) {
          for (let i = 0; i < selected.length && !stop(); i++) accept(i, await runOneCase(inst, selected[i]));
        } else {
          const size = Math.max(1, Math.min(64, Math.ceil(selected.length / (jobs * 8))));
          const inflight: Promise<void>[] = [];
          for (let start = 0; start < selected.length && !stop(); start += size) {
            const w = await pool.acquire();
            if (stop()) { pool.release(w); break; }
            const ids = selected.slice(start, start + size);
            const b = batchNo++;
            const first = start;
            inflight.push(runBatchOnWorker(w, { type: 'run', suite: suite.name, ctx, batch: b, ids })
              .then((recs) => { recs.forEach((r, k) => accept(first + k, r)); })
              .finally(() => pool.release(w)));
          }
          await Promise.all(inflight);
        }
      }
      await inst.close?.();
      for (let i = 0; i < selected.length; i++) {
        let rec = records[i];
        if (rec === undefined) {
          report.stoppedEarly = inst.unavailable === undefined;
          rec = { id: selected[i], status: CaseStatus.Skip, ms: 0,
            message: inst.unavailable ?? `not run: --max-failures ${maxFailures} reached` };
        }
        sr.cases.push(rec);
        if (rec.status === CaseStatus.Pass) sr.passed++;
        else if (rec.status === CaseStatus.Fail) sr.failed++;
        else sr.skipped++;
        if (rec.checks !== undefined) {
          sr.checks.passed += rec.checks.passed;
          sr.checks.failed += rec.checks.failed;
          sr.checks.skipped += rec.checks.skipped;
        }
      }
      sr.ms = performance.now() - s0;
      report.passed += sr.passed;
      report.failed += sr.failed;
      report.skipped += sr.skipped;
    }
  } finally {
    await pool?.close();
  }
  report.ms = performance.now() - t0;
  return report;
}
