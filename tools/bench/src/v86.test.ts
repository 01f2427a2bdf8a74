import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { workspaceRoot } from './index.js';
import { BENCH_LOOPS, MARK_END_OF_RUN, benchLoopsImage, parseBenchLoopsMarks, roundInstructions } from './bench-loops.js';
import { runMultibootOnV86, v86Availability } from './v86.js';

const avail = v86Availability();

describe('v86 anchor', () => {
  test.skipIf(!avail.available)('a guest that never ends times out with the output so far', async () => {
    // bench-loops with a huge round count: markers keep coming, the end marker never does in time.
    const params = { aluIterations: 1000, memcopyIterations: 1000, callretIterations: 1000, rounds: 1000 };
    const r = await runMultibootOnV86({ image: benchLoopsImage(params), endByte: 0xff, timeoutMs: 1000 });
    expect(r.timedOut).toBe(true);
    expect(r.exitValue).toBeNull();
    expect(r.marks.length).toBeGreaterThan(0);
  });

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
      const { marks, exitValue, timedOut } = await runMultibootOnV86({ image: benchLoopsImage(params), jit, endByte: MARK_END_OF_RUN, timeoutMs: 30_000 });
      expect(exitValue).toBeNull();
      expect(timedOut).toBe(false);
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

  test.skipIf(!avail.available)('a guest that exits through port 0xF4 ends the run with its value, as under QEMU', async () => {
    const image = new Uint8Array(readFileSync(join(workspaceRoot(), 'guests/bin/hello.elf')));
    const { marks, exitValue, timedOut } = await runMultibootOnV86({ image, cmdline: 'hello.elf', timeoutMs: 30_000 });
    expect(timedOut).toBe(false);
    const text = String.fromCharCode(...marks.map((m) => m.byte));
    expect(text).toContain('PASS: multiboot magic in EAX');
    const summary = /SUMMARY: (\d+) passed, (\d+) failed\n$/.exec(text);
    expect(summary).not.toBeNull();
    // The guest exits with 0 when every check passed, else 1. (v86 0.5's Multiboot info has no
    // mem_lower/mem_upper, so hello's memory check fails there: exit value 1.)
    expect(exitValue).toBe(Number(summary![2]) === 0 ? 0 : 1);
  });
});
