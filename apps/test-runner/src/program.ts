/**
 * The `x86kit-test` command line. Errors end as one line on stderr (`x86kit-test: CODE: ...`)
 * and exit 2; any failing case exits 1; the output closes with `N passed, N failed`.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { benchEnvironment } from '@x86kit/bench';
import { ExitCode, OptionError, runCliMain } from '@x86kit/core';
import { defaultDataDir } from './data-dir.js';
import type { Shard } from './hash.js';
import { listSuites, getSuite } from './registry.js';
import { closingLine, formatSummary, Progress, toJson, toJUnit } from './report.js';
import { runSuites, type RunReport } from './runner.js';

/** Where the CLI writes; injected so tests capture output. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal (progress bar instead of plain lines). */
  isTty: boolean;
}

function intOpt(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new OptionError('OPTION_INVALID', `${name} ${v}: expected an integer ≥ ${min}`);
    }
    return n;
  };
}

/** Parse `--shard i/n` (1-based `i`). */
export function parseShard(v: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const i = m === null ? NaN : Number(m[1]);
  const n = m === null ? NaN : Number(m[2]);
  if (!(n >= 1 && i >= 1 && i <= n)) throw new OptionError('OPTION_INVALID', `--shard ${v}: expected i/n with 1 ≤ i ≤ n`);
  return { index: i - 1, count: n };
}

/** Fail before a long run, not after it, when `--json`/`--junit` cannot be written. */
function checkOutputFile(flag: string, file: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new OptionError('OPTION_INVALID', `${flag} ${file}: no such directory ${dir}`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new OptionError('OPTION_INVALID', `${flag} ${file}: is a directory`);
}

function collectOpt(v: string, prev: Record<string, string>): Record<string, string> {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new OptionError('OPTION_INVALID', `--opt ${v}: expected key=value`);
  return { ...prev, [v.slice(0, eq)]: v.slice(eq + 1) };
}

interface Flags {
  filter?: string; jobs?: number; shard?: Shard; json?: string; junit?: string; seed: number;
  maxFailures: number; data?: string; sample: number; opt: Record<string, string>; list?: boolean; verbose?: boolean;
}

function printFailureDetails(r: RunReport, io: CliIo, limit: number): void {
  let n = 0;
  for (const s of r.suites) {
    for (const c of s.cases) {
      if (c.status !== 'fail' || c.message === undefined || !c.message.includes('\n')) continue;
      if (n++ >= limit) return;
      io.out(`\n--- ${s.name}/${c.id}\n${c.message.split('\n').slice(0, 60).join('\n')}\n`);
    }
  }
}

/** Build the commander program. `setExit` receives the exit code of a run. */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const names = listSuites().map((s) => s.name);
  const program = new Command('x86kit-test')
    .description(`Run x86kit conformance suites, guest suites and lockstep differential runs.\nSuites: ${names.join(', ')}, all`)
    .argument('<suite...>', 'suites to run (or "all")')
    .option('--filter <pattern>', 'only cases whose "suite/id" matches: substring, glob (* ?) or /regex/; comma = or')
    .addOption(new Option('--jobs <n>', 'worker threads (default: CPUs)').argParser(intOpt('--jobs', 1)))
    .addOption(new Option('--shard <i/n>', 'run shard i of n (stable hash of case ids)').argParser(parseShard))
    .option('--json <file>', 'write the full report as JSON')
    .option('--junit <file>', 'write JUnit XML')
    .addOption(new Option('--seed <n>', 'seed for generated cases').argParser(intOpt('--seed', 0)).default(1))
    .addOption(new Option('--max-failures <n>', 'stop after n failures (0 = never)').argParser(intOpt('--max-failures', 0)).default(0))
    .option('--data <dir>', 'conformance data directory (default: $X86KIT_CONFORMANCE_DIR or <workspace>/../shared/conformance)')
    .addOption(new Option('--sample <n>', 'tests per data file for bundled suites (0 = all)').argParser(intOpt('--sample', 0)).default(0))
    .option('--opt <key=value>', 'suite option, repeatable (e.g. engines=toy,qemu for lockstep)', collectOpt, {})
    .option('--list', 'list the selected case ids instead of running them')
    .option('-v, --verbose', 'print every case result')
    .version('0.1.0', '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} })
    .exitOverride()
    .action(async (suitesArg: string[], f: Flags) => {
      const suites = suitesArg.flatMap((s) => (s === 'all' ? names : [s]));
      for (const s of suites) getSuite(s); // unknown names fail before any work
      if (f.json !== undefined) checkOutputFile('--json', f.json);
      if (f.junit !== undefined) checkOutputFile('--junit', f.junit);
      const explicit = f.data !== undefined;
      const dataDir = explicit ? resolve(f.data!) : defaultDataDir();
      if (f.list === true) {
        const r = await runSuites({ suites, dataDir, dataDirExplicit: explicit, seed: f.seed, sample: f.sample, options: f.opt,
          ...(f.filter !== undefined ? { filter: f.filter } : {}), ...(f.shard !== undefined ? { shard: f.shard } : {}),
          maxFailures: 0, jobs: 1, dryRun: true });
        for (const s of r.suites) for (const c of s.cases) io.out(`${s.name}/${c.id}\n`);
        setExit(ExitCode.OK);
        return;
      }
      const environment = benchEnvironment(); // host, node, commit, load average at the start
      const progress = new Progress(io.out, io.isTty);
      const report = await runSuites({
        suites, dataDir, dataDirExplicit: explicit, seed: f.seed, sample: f.sample, options: f.opt,
        jobs: f.jobs ?? availableParallelism(), maxFailures: f.maxFailures,
        ...(f.filter !== undefined ? { filter: f.filter } : {}), ...(f.shard !== undefined ? { shard: f.shard } : {}),
        onSuiteStart: (s, n, why) => progress.suiteStart(s, n, why),
        onProgress: (e) => {
          progress.update(e);
          if (f.verbose === true && e.record.status !== 'fail') io.out(`${e.record.status.toUpperCase()} ${e.suite}/${e.record.id}${e.record.message !== undefined ? `: ${e.record.message.split('\n')[0]}` : ''}\n`);
        },
      });
      if (f.json !== undefined) writeFileSync(f.json, toJson(report, environment));
      if (f.junit !== undefined) writeFileSync(f.junit, toJUnit(report));
      printFailureDetails(report, io, 10);
      io.out(`\n${formatSummary(report)}${closingLine(report)}\n`);
      setExit(report.failed > 0 ? ExitCode.FAILURE : ExitCode.OK);
    });
  return program;
}

/**
 * Run the CLI on `argv` (without node and script); resolves to the exit code. Errors go through
 * core's `runCliMain`: one line on stderr, exit 2 for usage/input errors, 1 for internal ones.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = createProgram(io, (c) => { exitCode = c; });
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return ExitCode.USAGE;
  }
  return runCliMain('x86kit-test', io.err, async () => {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  });
}
