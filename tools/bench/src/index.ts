/**
 * The x86kit benchmark harness. A package's `bench` script builds a {@link BenchSuite}, adds
 * cases (optionally with an anchor measured in the same run, such as iced-x86 for the
 * decoder), and calls {@link BenchSuite.run}: it prints a table and writes
 * `bench-results/<suite>.json` at the workspace root. `pnpm bench` then aggregates all suites.
 *
 * Benchmarks are not tests: nothing here fails on speed.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { benchEnvironment, formatEnvironment, type BenchEnvironment } from './environment.js';

export { benchEnvironment, formatEnvironment, type BenchEnvironment } from './environment.js';
export {
  type BenchLoop, BENCH_LOOPS, type BenchLoopsParams, DEFAULT_BENCH_LOOPS_PARAMS, MARK_END_OF_LOOP, MARK_END_OF_RUN,
  loopIterations, roundInstructions, benchLoopsImage, type SerialMark, type LoopRound, type LoopTiming,
  parseBenchLoopsMarks, type RoundStats, roundStats, loopLabel, processCpuMs,
} from './bench-loops.js';
export { type SerialLine, serialLines, type SerialSegment, type SegmentTiming, timeSegments } from './serial-lines.js';
export { type V86Availability, v86Availability, type V86RunOptions, type V86RunResult, runMultibootOnV86 } from './v86.js';

/** One measured number. */
export interface BenchResult {
  suite: string;
  name: string;
  unit: string;
  value: number;
  /** Name and value of the anchor measured in the same run, when there is one. */
  anchorName?: string;
  anchorValue?: number;
  /** value / anchorValue (higher is better for rates). */
  ratio?: number;
  /** Extra facts (iterations, bytes, host...). */
  detail?: Record<string, string | number>;
  /** A caveat printed under the table, e.g. that the anchor uses a JIT. */
  note?: string;
}

/** A benchmark that could not run here, with the reason (printed and kept in the JSON). */
export interface SkippedBench {
  suite: string;
  name: string;
  reason: string;
}

/** The JSON written by {@link BenchSuite.finish}: `bench-results/<suite>.json`. */
export interface BenchSuiteFile {
  suite: string;
  /** When the results were written. */
  date: string;
  node: string;
  /** Host, runtime and load average when the suite started. */
  environment: BenchEnvironment;
  results: BenchResult[];
  skipped: SkippedBench[];
}

/** A rate measurement: `fn` does `units` units of work per call. */
export interface RateCase {
  name: string;
  /** Unit of the reported rate, e.g. `"Minstr/s"` or `"MB/s"`. */
  unit: string;
  /** Units of work done by one call of `fn`, already scaled to `unit` (e.g. instructions / 1e6). */
  work: number;
  fn: () => void;
}

/** Options of {@link measureRate}. */
export interface MeasureOptions {
  /** Minimum measured time per sample in ms (default 300). */
  minTimeMs?: number;
  /** Samples; the best (highest rate) is reported (default 5). */
  samples?: number;
  /** Warm-up calls before sampling (default 3). */
  warmup?: number;
}

/** Every sample of a {@link measureRates} run, in work per second. */
export interface RateSamples {
  /** The highest sample: the reported rate (least disturbed by other work on the host). */
  best: number;
  median: number;
  /** All samples in the order they were taken. */
  samples: number[];
}

/** Measure `work/second` for `fn`: warm up, then take several timed samples. */
export function measureRates(fn: () => void, work: number, options: MeasureOptions = {}): RateSamples {
  const minTime = options.minTimeMs ?? 300;
  const count = options.samples ?? 5;
  for (let i = 0; i < (options.warmup ?? 3); i++) fn();
  const samples: number[] = [];
  for (let s = 0; s < count; s++) {
    let calls = 0;
    const t0 = performance.now();
    let t1 = t0;
    while (t1 - t0 < minTime) {
      fn();
      calls++;
      t1 = performance.now();
    }
    samples.push((calls * work) / ((t1 - t0) / 1000));
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { best: sorted[sorted.length - 1], median, samples };
}

/** Measure `work/second` for `fn`: warm up, then take the best of several timed samples. */
export function measureRate(fn: () => void, work: number, options: MeasureOptions = {}): number {
  return measureRates(fn, work, options).best;
}

/** Find the workspace root (the folder with pnpm-workspace.yaml) from `start`. */
export function workspaceRoot(start = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(start);
    dir = up;
  }
}

/** A named group of benchmark results written to one JSON file. */
export class BenchSuite {
  readonly name: string;
  readonly results: BenchResult[] = [];
  readonly skipped: SkippedBench[] = [];
  /** Taken when the suite is created, before any measurement. */
  readonly environment: BenchEnvironment = benchEnvironment();
  private readonly options: MeasureOptions;

  constructor(name: string, options: MeasureOptions = {}) {
    this.name = name;
    this.options = options;
  }

  /** Record that `name` could not run here and why; `finish` prints it and keeps it in the JSON. */
  skip(name: string, reason: string): SkippedBench {
    const s: SkippedBench = { suite: this.name, name, reason };
    this.skipped.push(s);
    return s;
  }

  /** Record an already-measured value. */
  record(result: Omit<BenchResult, 'suite'>): BenchResult {
    const r: BenchResult = { suite: this.name, ...result };
    if (r.anchorValue !== undefined && r.anchorValue !== 0 && r.ratio === undefined) r.ratio = r.value / r.anchorValue;
    this.results.push(r);
    return r;
  }

  /** Measure a rate; with `anchor`, measure it too in the same run and record the ratio. */
  rate(c: RateCase, anchor?: RateCase): BenchResult {
    const ours = measureRates(c.fn, c.work, this.options);
    const detail: Record<string, string | number> = { median: ours.median, samples: ours.samples.map(sig).join(' ') };
    if (anchor === undefined) return this.record({ name: c.name, unit: c.unit, value: ours.best, detail });
    const theirs = measureRates(anchor.fn, anchor.work, this.options);
    detail.anchorMedian = theirs.median;
    detail.anchorSamples = theirs.samples.map(sig).join(' ');
    return this.record({ name: c.name, unit: c.unit, value: ours.best, anchorName: anchor.name, anchorValue: theirs.best, detail });
  }

  /** Print a table and write `bench-results/<suite>.json` under the workspace root. */
  finish(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): string {
    out(formatEnvironment(this.environment));
    for (const line of formatTable(this.results)) out(line);
    for (const line of formatNotes(this.results, this.skipped)) out(line);
    const dir = join(workspaceRoot(), 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${this.name}.json`);
    const json: BenchSuiteFile = {
      suite: this.name, date: new Date().toISOString(), node: process.version, environment: this.environment,
      results: this.results, skipped: this.skipped,
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    out(`wrote ${file}`);
    return file;
  }
}

/** Four significant digits, for sample lists in `detail`. */
function sig(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 0.1 || v === 0) return v.toFixed(2);
  return v.toPrecision(2);
}

/** Render results as an aligned text table. */
export function formatTable(results: readonly BenchResult[]): string[] {
  const rows = [['suite', 'benchmark', 'value', 'unit', 'anchor', 'anchor value', 'ratio']];
  for (const r of results) {
    rows.push([r.suite, r.name, fmt(r.value), r.unit, r.anchorName ?? '', fmt(r.anchorValue), r.ratio === undefined ? '' : `${fmt(r.ratio)}×`]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => (c >= 2 && c !== 3 && c !== 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** Lines under a table: each distinct result note once, then one line per skipped benchmark. */
export function formatNotes(results: readonly BenchResult[], skipped: readonly SkippedBench[] = []): string[] {
  const notes = [...new Set(results.flatMap((r) => (r.note === undefined ? [] : [r.note])))].map((n) => `note: ${n}`);
  return [...notes, ...skipped.map((s) => `${s.suite}: ${s.name} skipped: ${s.reason}`)];
}
