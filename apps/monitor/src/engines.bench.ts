/**
 * x86kit against v86 on the same guest in the same run. The guest is `@x86kit/bench`'s
 * bench-loops Multiboot kernel: the interpreter benchmark's ALU mix, memory copy and call/ret
 * loops, a fixed iteration count per round, paging off and on. x86kit boots it on a `Machine`
 * (interpreter CPU, PC devices); v86 (npm) boots the identical image with its own Multiboot
 * loader, once with its x86→wasm JIT and once with `disable_jit` (its interpreter). Every round
 * is timed between two COM1 marker bytes; a loop's rate is its best round after the first
 * (warm-up), in MIPS of the instructions the round retires by construction.
 *
 * Environment: `X86KIT_SKIP_V86=1` skips v86; `X86KIT_ENGINES_ROUNDS` / `X86KIT_ENGINES_V86_ROUNDS`
 * set the rounds (default 3 for x86kit, 8 for v86, whose rounds are short).
 */
import {
  BenchSuite, DEFAULT_BENCH_LOOPS_PARAMS, MARK_END_OF_RUN, benchLoopsImage, loopLabel, parseBenchLoopsMarks,
  roundStats, runMultibootOnV86, v86Availability, type BenchLoopsParams, type LoopTiming,
} from '@x86kit/bench';
import { BENCH_LOOPS_RAM, runBenchLoopsOnX86kit } from './bench-loops-engine.js';

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  return v === undefined || !/^\d+$/.test(v) || Number(v) < 2 ? dflt : Number(v);
}

const x86kitParams: BenchLoopsParams = { ...DEFAULT_BENCH_LOOPS_PARAMS, rounds: envInt('X86KIT_ENGINES_ROUNDS', 3) };
const v86Params: BenchLoopsParams = { ...DEFAULT_BENCH_LOOPS_PARAMS, rounds: envInt('X86KIT_ENGINES_V86_ROUNDS', 8) };
const iterations = `ALU ${x86kitParams.aluIterations}, copy ${x86kitParams.memcopyIterations}, call/ret ${x86kitParams.callretIterations} iterations per round`;

const suite = new BenchSuite('engines');
const x86kit = parseBenchLoopsMarks(runBenchLoopsOnX86kit(benchLoopsImage(x86kitParams)), x86kitParams);

const avail = v86Availability();
let v86Jit: LoopTiming[] | null = null;
let v86Interp: LoopTiming[] | null = null;
if (avail.available) {
  const run = async (jit: boolean): Promise<LoopTiming[]> => parseBenchLoopsMarks(
    await runMultibootOnV86({ image: benchLoopsImage(v86Params), memorySize: BENCH_LOOPS_RAM, jit, endByte: MARK_END_OF_RUN }),
    v86Params,
  );
  v86Jit = await run(true);
  v86Interp = await run(false);
} else {
  console.log(`v86 comparison skipped: ${avail.reason}`);
  suite.skip('v86 on the bench-loops guest', avail.reason);
}

const jitNote = 'v86 compiles hot guest code to WebAssembly (x86→wasm JIT); "v86 interpreter" is the same build with disable_jit. x86kit is an interpreter. Ratio = x86kit / anchor.';
x86kit.forEach((t, i) => {
  const ours = roundStats(t);
  const detail = {
    engine: 'x86kit Machine, interpreter CPU', instructionsPerRound: t.rounds[0].instructions, rounds: t.rounds.length,
    medianMips: ours.median, roundsMips: ours.all.map((m) => m.toFixed(2)).join(' '),
  };
  const name = `x86kit ${loopLabel(t)}`;
  if (v86Jit === null || v86Interp === null || !avail.available) {
    suite.record({ name, unit: 'MIPS', value: ours.best, detail });
    return;
  }
  for (const [anchor, label] of [[v86Jit[i], 'JIT'], [v86Interp[i], 'interpreter']] as const) {
    const theirs = roundStats(anchor);
    suite.record({
      name, unit: 'MIPS', value: ours.best, anchorName: `v86 ${avail.version} ${label}`, anchorValue: theirs.best, note: jitNote,
      detail: {
        ...detail, anchorRounds: anchor.rounds.length, anchorMedianMips: theirs.median,
        anchorRoundsMips: theirs.all.map((m) => m.toFixed(1)).join(' '),
        anchorCountedPerRound: anchor.rounds[anchor.rounds.length - 1].counted,
      },
    });
  }
});
console.log(`bench-loops guest: ${iterations}; x86kit ${x86kitParams.rounds} rounds, v86 ${v86Params.rounds} rounds; best round after the first`);
suite.finish();
