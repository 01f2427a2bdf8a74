import { describe, expect, it } from 'vitest';
import { formatSample, robustness, runDiffFuzz } from './fuzz.test-util.js';

/**
 * Deterministic slice of the differential fuzzer (seed 1, 200k inputs per bitness; the full
 * run is `pnpm fuzz:decoder --count N --seed S`). Every class/field must show 0 disagreements
 * except the pinned ones, which are upper bounds (they may only go down); counts are printed.
 */
const COUNT = Number(process.env.X86KIT_FUZZ_COUNT ?? 200_000);
const SEED = 1;

/**
 * Upper bounds per bitness and `class/field` (absent = must be 0), measured with seed 1, 200k.
 * Only inputs iced-x86 rejects ("invalid") still disagree: bytes we decode as an instruction
 * or with another length (decoder work in progress); every valid legacy/VEX/EVEX/XOP input
 * agrees on validity, length, code, mnemonic, operands and Intel text.
 */
const PINNED: Record<number, Record<string, number>> = {
  16: { 'invalid/length': 53, 'invalid/validity': 3 },
  32: { 'invalid/length': 37, 'invalid/validity': 7 },
  64: { 'invalid/length': 50, 'invalid/validity': 89 },
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
    });
  }

  it('robustness: random and truncated inputs never throw (3 × 200k)', () => {
    for (const b of [16, 32, 64] as const) expect(robustness(b, COUNT, SEED + b)).toBe(0);
  });
});
