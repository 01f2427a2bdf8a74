import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BENCH_LOOPS, benchLoopsImage, parseBenchLoopsMarks, roundInstructions, serialLines, timeSegments, workspaceRoot } from '@x86kit/bench';
import { BENCH_ELF_SEGMENTS, runBenchLoopsOnX86kit, runMultibootOnX86kit } from './bench-loops-engine.js';

describe('bench-loops guest on x86kit', () => {
  test('every round retires exactly the instructions the benchmark counts', () => {
    const params = { aluIterations: 1000, memcopyIterations: 700, callretIterations: 900, rounds: 3 };
    const marks = runBenchLoopsOnX86kit(benchLoopsImage(params));
    const timings = parseBenchLoopsMarks(marks, params);
    expect(timings).toHaveLength(6);
    for (const t of timings) {
      expect(t.rounds).toHaveLength(3);
      for (const r of t.rounds) {
        expect(r.instructions).toBe(roundInstructions(t.loop, params));
        expect(r.counted).toBe(r.instructions);
      }
    }
    expect(timings.map((t) => `${t.loop.id}/${t.paging}`)).toEqual([
      ...BENCH_LOOPS.map((l) => `${l.id}/false`), ...BENCH_LOOPS.map((l) => `${l.id}/true`),
    ]);
  });
});

describe('bench.elf on x86kit', () => {
  test('exits with status 1 and every kernel is found between its serial lines', () => {
    const image = new Uint8Array(readFileSync(join(workspaceRoot(), 'guests/bin/bench.elf')));
    const r = runMultibootOnX86kit(image, { cmdline: 'bench.elf scale=1', ramSize: 64 << 20, name: 'bench.elf' });
    expect(r.exitStatus).toBe(1);
    const segs = timeSegments(serialLines(r.marks), BENCH_ELF_SEGMENTS);
    expect(segs.map((s) => s.name)).toEqual(BENCH_ELF_SEGMENTS.map((s) => s.name));
    // ALU: 400,000 iterations of the xorshift mix; fib(24) makes 75,025 calls.
    expect(segs[0].counted).toBeGreaterThan(400_000 * 15);
    expect(segs[2].counted).toBeGreaterThan(75_025 * 10);
    expect(segs.reduce((n, s) => n + s.counted, 0)).toBeLessThan(r.instructions);
  });
});
