/**
 * x86kit against v86 on the same guests in the same run (`pnpm bench` suite `engines`, and
 * `x86kit bench`). The guest is `@x86kit/bench`'s
 * bench-loops Multiboot kernel: the interpreter benchmark's ALU mix, memory copy and call/ret
 * loops, a fixed iteration count per round, paging off and on. x86kit boots it on a `Machine`
 * (interpreter CPU, PC devices); v86 (npm) boots the identical image with its own Multiboot
 * loader, once with its x86→wasm JIT and once with `disable_jit` (its interpreter). Every round
 * is timed between two COM1 marker bytes; a loop's rate is its best round after the first
 * (warm-up), in MIPS of the instructions the round retires by construction.
 *
 * Second, the C benchmark guest `guests/bin/bench.elf` (xorshift ALU mix, REP MOVSD + byte copy,
 * recursive fib, page walks with INVLPG/CR3 reloads; paging on) runs once on each engine; each
 * kernel is timed between the serial lines the guest prints around it, and its instruction
 * count is x86kit's exact retired count (v86's counter is in `detail`; a whole REP MOVSD counts
 * as one instruction in both, so the copy's "MIPS" understate the work). Both engines must
 * print the same output, checksums included. Whole-guest timing includes warm-up (for v86 its
 * JIT compilation, about half a second here), so these rows are far less flattering to a JIT
 * than the loop rows.
 *
 * `X86KIT_SKIP_V86=1` skips v86 (as does `v86: false`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BenchSuite, DEFAULT_BENCH_LOOPS_PARAMS, MARK_END_OF_RUN, benchLoopsImage, loopLabel, parseBenchLoopsMarks,
  roundStats, runMultibootOnV86, serialLines, timeSegments, v86Availability, workspaceRoot,
  type BenchLoopsParams, type LoopTiming, type SerialMark, type V86Availability,
} from '@x86kit/bench';
import { BENCH_ELF_SEGMENTS, BENCH_LOOPS_RAM, runBenchLoopsOnX86kit, runMultibootOnX86kit } from './bench-loops-engine.js';

/** Options of {@link compareEngines}. */
export interface CompareEnginesOptions {
  /** Rounds of each loop on x86kit (the first is warm-up; default 4). */
  readonly rounds?: number;
  /** Rounds of each loop on v86 (default 8: its rounds are short). */
  readonly v86Rounds?: number;
  /** Iterations per round of every loop (default: ALU 2 M, copy 1 M, call/ret 2 M). */
  readonly iterations?: number;
  /** `scale=` of guests/bin/bench.elf (default 5, about 50 M instructions); 0 skips bench.elf. */
  readonly scale?: number;
  /** Run the v86 anchors (default true; they are skipped with the reason when v86 is missing). */
  readonly v86?: boolean;
  /** Progress and notes (default: nothing). */
  readonly log?: (line: string) => void;
}

const JIT_NOTE = 'v86 compiles hot guest code to WebAssembly (x86→wasm JIT); "v86 interpreter" is the same build with disable_jit. x86kit is an interpreter. Ratio = x86kit / anchor.';

const CPU_NOTE = 'CPU-time rows use process CPU time (user + system, including V8 compiler threads) per round instead of wall time: steadier on a loaded host; per-loop values are in detail (cpuTimeMips, anchorCpuTimeMips).';

/** Run the comparison and return the suite of results (not yet printed or written). */
export async function compareEngines(options: CompareEnginesOptions = {}): Promise<BenchSuite> {
  const log = options.log ?? ((): void => {});
  const n = options.iterations;
  const loops: BenchLoopsParams = n === undefined ? DEFAULT_BENCH_LOOPS_PARAMS
    : { ...DEFAULT_BENCH_LOOPS_PARAMS, aluIterations: n, memcopyIterations: n, callretIterations: n };
  const x86kitParams: BenchLoopsParams = { ...loops, rounds: options.rounds ?? 4 };
  const v86Params: BenchLoopsParams = { ...loops, rounds: options.v86Rounds ?? 8 };
  const suite = new BenchSuite('engines');
  const avail: V86Availability = options.v86 === false ? { available: false, reason: 'not requested' } : v86Availability();

  log('bench-loops guest on x86kit…');
  const x86kit = parseBenchLoopsMarks(runBenchLoopsOnX86kit(benchLoopsImage(x86kitParams)), x86kitParams);
  let v86Jit: LoopTiming[] | null = null;
  let v86Interp: LoopTiming[] | null = null;
  if (avail.available) {
    const run = async (jit: boolean): Promise<LoopTiming[]> => {
      const r = await runMultibootOnV86({ image: benchLoopsImage(v86Params), memorySize: BENCH_LOOPS_RAM, jit, endByte: MARK_END_OF_RUN });
      if (r.crashed !== null || r.timedOut) throw new Error(`bench-loops on v86: ${r.crashed ?? 'timed out'}`);
      return parseBenchLoopsMarks(r.marks, v86Params);
    };
    log(`bench-loops guest on v86 ${avail.version} (JIT, then interpreter)…`);
    v86Jit = await run(true);
    v86Interp = await run(false);
  } else {
    log(`v86 comparison skipped: ${avail.reason}`);
    suite.skip('v86 anchors (bench-loops guest and bench.elf)', avail.reason);
  }

  x86kit.forEach((t, i) => {
    const ours = roundStats(t);
    const detail = {
      engine: 'x86kit Machine, interpreter CPU', instructionsPerRound: t.rounds[0].instructions, rounds: t.rounds.length,
      medianMips: ours.median, roundsMips: ours.all.map((m) => m.toFixed(2)).join(' '), cpuTimeMips: ours.bestCpu,
    };
    const name = `x86kit ${loopLabel(t)}`;
    if (v86Jit === null || v86Interp === null || !avail.available) {
      suite.record({ name, unit: 'MIPS', value: ours.best, detail });
      return;
    }
    for (const [anchor, label] of [[v86Jit[i], 'JIT'], [v86Interp[i], 'interpreter']] as const) {
      const theirs = roundStats(anchor);
      suite.record({
        name, unit: 'MIPS', value: ours.best, anchorName: `v86 ${avail.version} ${label}`, anchorValue: theirs.best, note: JIT_NOTE,
        detail: {
          ...detail, anchorRounds: anchor.rounds.length, anchorMedianMips: theirs.median,
          anchorRoundsMips: theirs.all.map((m) => m.toFixed(1)).join(' '),
          anchorCountedPerRound: anchor.rounds[anchor.rounds.length - 1].counted,
          anchorCpuTimeMips: theirs.bestCpu, cpuTimeRatio: ours.bestCpu / theirs.bestCpu,
        },
      });
    }
  });
  if (v86Jit !== null && v86Interp !== null) {
    // One number per anchor: the geometric mean of the six loop ratios (x86kit / v86).
    for (const [anchor, label] of [[v86Jit, 'JIT'], [v86Interp, 'interpreter']] as const) {
      const mean = (pick: (s: ReturnType<typeof roundStats>) => number): number => {
        const logs = x86kit.map((t, i) => Math.log(pick(roundStats(t)) / pick(roundStats(anchor[i]))));
        return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
      };
      suite.record({ name: `x86kit / v86 ${label}: geometric mean of the 6 loop ratios`, unit: '×', value: mean((x) => x.best), note: JIT_NOTE });
      suite.record({ name: `x86kit / v86 ${label}: the same from process CPU time`, unit: '×', value: mean((x) => x.bestCpu), note: CPU_NOTE });
    }
  }
  log(`bench-loops guest: ALU ${x86kitParams.aluIterations}, copy ${x86kitParams.memcopyIterations}, call/ret ${x86kitParams.callretIterations} iterations per round; x86kit ${x86kitParams.rounds} rounds, v86 ${v86Params.rounds} rounds; best round after the first`);

  const scale = options.scale ?? 5;
  if (scale === 0) return suite;
  // ---- guests/bin/bench.elf, kernel by kernel -----------------------------------------------
  const elf = new Uint8Array(readFileSync(join(workspaceRoot(), 'guests/bin/bench.elf')));
  const cmdline = `bench.elf scale=${scale}`;
  const ELF_RAM = 64 << 20;
  const text = (marks: readonly SerialMark[]): string => String.fromCharCode(...marks.map((m) => m.byte));
  log(`bench.elf (command line "${cmdline}") on x86kit…`);
  const ours = runMultibootOnX86kit(elf, { cmdline, ramSize: ELF_RAM, name: 'bench.elf' });
  if (ours.exitStatus !== 1) throw new Error(`bench.elf on x86kit: exit status ${ours.exitStatus}, expected 1`);
  const ourSegs = timeSegments(serialLines(ours.marks), BENCH_ELF_SEGMENTS);
  const anchors: { label: string; segs: ReturnType<typeof timeSegments> }[] = [];
  if (avail.available) {
    log('bench.elf on v86 (JIT, then interpreter)…');
    for (const [jit, label] of [[true, 'JIT'], [false, 'interpreter']] as const) {
      const r = await runMultibootOnV86({ image: elf, cmdline, memorySize: ELF_RAM, jit });
      if (r.exitValue !== 0) throw new Error(`bench.elf on v86 ${label}: exit value ${r.exitValue}, expected 0${r.crashed !== null ? ` (v86 crashed: ${r.crashed})` : ''}`);
      if (text(r.marks) !== text(ours.marks)) throw new Error(`bench.elf prints different output on v86 ${label} and on x86kit:\n${text(r.marks)}\n---\n${text(ours.marks)}`);
      anchors.push({ label, segs: timeSegments(serialLines(r.marks), BENCH_ELF_SEGMENTS) });
    }
  }
  ourSegs.forEach((seg, i) => {
    const mips = seg.counted / (seg.ms * 1000);
    const name = `x86kit bench.elf scale=${scale}: ${seg.name}`;
    const detail = { instructions: seg.counted, x86kitMs: seg.ms };
    if (anchors.length === 0 || !avail.available) {
      suite.record({ name, unit: 'MIPS', value: mips, detail });
      return;
    }
    for (const a of anchors) {
      const theirs = a.segs[i];
      suite.record({
        name, unit: 'MIPS', value: mips, anchorName: `v86 ${avail.version} ${a.label}`,
        anchorValue: seg.counted / (theirs.ms * 1000), note: JIT_NOTE,
        detail: { ...detail, anchorMs: theirs.ms, anchorCounted: theirs.counted },
      });
    }
  });
  log(`bench.elf (command line "${cmdline}"): one run per engine, same serial output (checksums) on every engine; instructions counted by x86kit`);
  return suite;
}
