/**
 * `pnpm bench` suite `engines`: {@link compareEngines} (see engines.ts), written to
 * bench-results/engines.json. Environment: `X86KIT_SKIP_V86=1` skips v86;
 * `X86KIT_ENGINES_ROUNDS` / `X86KIT_ENGINES_V86_ROUNDS` set the rounds (default 4 for x86kit,
 * 8 for v86); `X86KIT_ENGINES_BENCH_SCALE` is bench.elf's `scale=` (default 5; 0 skips it).
 */
import { compareEngines } from './engines.js';

function envInt(name: string, dflt: number, min: number): number {
  const v = process.env[name];
  return v === undefined || !/^\d+$/.test(v) || Number(v) < min ? dflt : Number(v);
}

const suite = await compareEngines({
  rounds: envInt('X86KIT_ENGINES_ROUNDS', 4, 2),
  v86Rounds: envInt('X86KIT_ENGINES_V86_ROUNDS', 8, 2),
  scale: envInt('X86KIT_ENGINES_BENCH_SCALE', 5, 0),
  log: (line) => console.log(line),
});
suite.finish();
