import { describe, expect, it } from 'vitest';
import { formatSample, robustness, runDiffFuzz } from './fuzz.test-util.js';

/**
 * Deterministic slice of the differential fuzzer (seed 1, 200k inputs per bitness; the full
 * run is `pnpm fuzz:decoder --count N --seed S`). Classes/fields the decoder covers completely
 * must show 0 disagreements; the others are pinned as upper bounds (they may only go down) and
 * printed, so every run reports the numbers.
 */
const COUNT = Number(process.env.X86KIT_FUZZ_COUNT ?? 200_000);
const SEED = 1;

/** Upper bounds per bitness and `class/field` (absent = must be 0). Measured with seed 1, 200k. */
const PINNED: Record<number, Record<string, number>> = {
  16: { 'invalid/length': 436, 'vex/operands': 426, 'invalid/validity': 250, 'legacy/text': 60, 'xop/operands': 32, 'vex/length': 1, 'vex/text': 5, 'evex/text': 5 },
  32: { 'vex/operands': 429, 'invalid/length': 430, 'invalid/validity': 219, 'legacy/text': 70, 'xop/operands': 39, 'vex/length': 5, 'vex/text': 5, 'evex/text': 5 },
  64: { 'invalid/length': 436, 'vex/operands': 419, 'invalid/validity': 89, 'xop/operands': 33, 'legacy/text': 30, 'vex/length': 7, 'vex/text': 5, 'evex/text': 5 },
};

describe('differential fuzzing vs iced-x86 (deterministic slice)', () => {
  for (const bitness of [16, 32, 64] as const) {
    it(`${bitness}-bit: ${COUNT} inputs, no host exceptions, disagreements within the pinned bounds`, () => {
      const r = runDiffFuzz(bitness, COUNT, SEED, 2);
      const total = Object.values(r.counts).reduce((a, x) => a + x, 0);
      console.log(`fuzz ${bitness}-bit: ${r.count} inputs ${JSON.stringify(r.perClass)}; disagreements ${total} ${JSON.stringify(r.counts)}\n  ` +
        r.samples.map(formatSample).join('\n  '));
      expect(r.exceptions).toBe(0);
      expect(r.count).toBe(COUNT);
      const pinned = PINNED[bitness] ?? {};
      const over: string[] = [];
      for (const [k, v] of Object.entries(r.counts)) {
        const bound = Math.ceil(((pinned[k] ?? 0) * COUNT) / 200_000);
        if (v > bound) over.push(`${k}: ${v} > ${bound}`);
      }
      expect(over).toEqual([]);
      // Fully covered: every EVEX and legacy input agrees on validity, length, code, mnemonic and operands.
      for (const cls of ['legacy', 'evex']) {
        for (const field of ['validity', 'length', 'code', 'mnemonic', 'opCount', 'operands']) expect(r.counts[`${cls}/${field}`] ?? 0, `${cls}/${field}`).toBe(0);
      }
    });
  }

  it('robustness: random and truncated inputs never throw (3 × 200k)', () => {
    for (const b of [16, 32, 64] as const) expect(robustness(b, COUNT, SEED + b)).toBe(0);
  });
});
