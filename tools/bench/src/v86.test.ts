import { describe, expect, test } from 'vitest';
import { BENCH_LOOPS, MARK_END_OF_RUN, benchLoopsImage, parseBenchLoopsMarks, roundInstructions } from './bench-loops.js';
import { runMultibootOnV86, v86Availability } from './v86.js';

const avail = v86Availability();

describe('v86 anchor', () => {
  test('X86KIT_SKIP_V86=1 reports v86 unavailable with the reason', () => {
    const before = process.env.X86KIT_SKIP_V86;
    process.env.X86KIT_SKIP_V86 = '1';
    try {
      expect(v86Availability()).toEqual({ available: false, reason: 'X86KIT_SKIP_V86=1 is set' });
    } finally {
      if (before === undefined) delete process.env.X86KIT_SKIP_V86; else process.env.X86KIT_SKIP_V86 = before;
    }
  });

  // v86 is a devDependency of this package, so it is there in the workspace and in CI.
  test.skipIf(!avail.available)('boots the bench-loops guest and counts the same instructions per round', async () => {
    const params = { aluIterations: 2000, memcopyIterations: 1000, callretIterations: 1500, rounds: 2 };
    for (const jit of [true, false]) {
      const marks = await runMultibootOnV86({ image: benchLoopsImage(params), jit, endByte: MARK_END_OF_RUN, timeoutMs: 30_000 });
      const timings = parseBenchLoopsMarks(marks, params);
      expect(timings).toHaveLength(2 * BENCH_LOOPS.length);
      for (const t of timings) {
        const expected = roundInstructions(t.loop, params);
        const last = t.rounds[t.rounds.length - 1];
        // v86's counter is updated per basic block, and lags while a block is being compiled:
        // the steady-state round agrees within a few instructions.
        expect(Math.abs(last.counted - expected)).toBeLessThanOrEqual(16);
        expect(last.ms).toBeGreaterThanOrEqual(0);
      }
    }
  });
});
