import { describe, expect, test } from 'vitest';
import { BENCH_LOOPS, benchLoopsImage, parseBenchLoopsMarks, roundInstructions } from '@x86kit/bench';
import { runBenchLoopsOnX86kit } from './bench-loops-engine.js';

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
