/**
 * `x86kit bench`: x86kit's interpreter against v86 (npm) on the same guests in this process:
 * the interpreter benchmark's loops (bench-loops guest) and guests/bin/bench.elf kernel by
 * kernel, with v86's JIT and its interpreter as anchors. The same comparison `pnpm bench`
 * runs as suite `engines`; see tools/bench/README.md for the method.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatEnvironment, formatNotes, formatTable, type BenchSuiteFile } from '@x86kit/bench';
import { ExitCode, OptionError } from '@x86kit/core';
import { compareEngines } from '../engines.js';
import type { CliIo, CommandModule } from '../program.js';

function intOption(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new OptionError('OPTION_INVALID', `${flag} ${text}: expected an integer ≥ ${min}`);
  return n;
}

interface BenchFlags { rounds: string; v86Rounds: string; iterations?: string; scale: string; v86: boolean; json?: string }

export const benchCommand: CommandModule = {
  register(program: Command, io: CliIo, setExit: (code: number) => void): void {
    program
      .command('bench')
      .description('time the interpreter against v86 (JIT and interpreter) on the same guests; prints MIPS and ratios')
      .option('--rounds <n>', 'rounds of each loop on x86kit (the first is warm-up)', '4')
      .option('--v86-rounds <n>', 'rounds of each loop on v86', '8')
      .option('--iterations <n>', 'iterations per round of every loop (default: ALU 2M, copy 1M, call/ret 2M; copy at most 1048576)')
      .option('--scale <n>', 'scale= of guests/bin/bench.elf (0 skips it)', '5')
      .option('--no-v86', 'x86kit only')
      .option('--json <file>', 'also write the results (with host, node, commit, load average) as JSON')
      .action(async (f: BenchFlags) => {
        const rounds = intOption('--rounds', f.rounds, 2);
        const v86Rounds = intOption('--v86-rounds', f.v86Rounds, 2);
        const scale = intOption('--scale', f.scale, 0);
        const iterations = f.iterations === undefined ? undefined : intOption('--iterations', f.iterations, 1);
        if (iterations !== undefined && iterations > 1 << 20) throw new OptionError('OPTION_INVALID', `--iterations ${f.iterations}: at most 1048576 (the copy loop's buffers)`);
        const suite = await compareEngines({
          rounds, v86Rounds, scale, v86: f.v86, log: (l) => io.err(`${l}\n`), ...(iterations !== undefined ? { iterations } : {}),
        });
        io.out(`${formatEnvironment(suite.environment)}\n`);
        for (const line of [...formatTable(suite.results), ...formatNotes(suite.results, suite.skipped)]) io.out(`${line}\n`);
        if (f.json !== undefined) {
          const file: BenchSuiteFile = {
            suite: suite.name, date: new Date().toISOString(), node: process.version, environment: suite.environment,
            results: suite.results, skipped: suite.skipped,
          };
          writeFileSync(f.json, `${JSON.stringify(file, null, 2)}\n`);
        }
        setExit(ExitCode.OK);
      });
  },
};
