/**
 * What a benchmark number depends on besides the code: the host, the runtime and how busy the
 * machine was when the run started. Every results file carries it so numbers from different
 * runs can be compared (or discarded) without guessing.
 */
import { spawnSync } from 'node:child_process';
import { arch, availableParallelism, cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';

/** The host and runtime of a benchmark run. */
export interface BenchEnvironment {
  /** ISO time when this description was taken. */
  readonly date: string;
  readonly hostname: string;
  /** `linux 6.1.0 x64`. */
  readonly os: string;
  /** CPU model string of the first core. */
  readonly cpuModel: string;
  /** Cores available to this process. */
  readonly cpus: number;
  readonly memoryGiB: number;
  /** `process.version`, and V8's. */
  readonly node: string;
  readonly v8: string;
  /** 1, 5 and 15 minute load averages at the start: other work on the machine skews results. */
  readonly loadAverage: readonly [number, number, number];
  /** `git rev-parse HEAD` of the working directory, or null outside a git checkout. */
  readonly commit: string | null;
  /** True when tracked files differ from that commit (the numbers are of uncommitted code). */
  readonly dirty: boolean | null;
}

function git(args: readonly string[]): string | null {
  const r = spawnSync('git', args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim() : null;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Describe this host now. */
export function benchEnvironment(): BenchEnvironment {
  const [l1, l5, l15] = loadavg();
  const commit = git(['rev-parse', 'HEAD']);
  return {
    date: new Date().toISOString(),
    hostname: hostname(),
    os: `${platform()} ${release()} ${arch()}`,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: availableParallelism(),
    memoryGiB: round2(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    loadAverage: [round2(l1), round2(l5), round2(l15)],
    commit,
    dirty: commit === null ? null : (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
  };
}

/** One line for stdout: `host x (AMD EPYC, 2 cpus, …), node v20.20.2, commit 1234abcd5678, load average at start 0.52 0.4 0.33`. */
export function formatEnvironment(e: BenchEnvironment): string {
  const code = e.commit === null ? 'not a git checkout' : `commit ${e.commit.slice(0, 12)}${e.dirty === true ? ' + uncommitted changes' : ''}`;
  return `host ${e.hostname} (${e.cpuModel}, ${e.cpus} cpus, ${e.memoryGiB} GiB, ${e.os}), node ${e.node}, ${code}, load average at start ${e.loadAverage.join(' ')}`;
}
