import { describe, expect, it } from 'vitest';
import { formatSample, robustness, runDiffFuzz } from './fuzz.test-util.js';

/**
 * Deterministic slice of the differential fuzzer (seed 1, 200k inputs per bitness; the full
 * run is `pnpm fuzz:decoder --count N --seed S`). Every class/field must show 0 disagreements
 * with iced-x86 1.21 (validity, length, code, mnemonic, operands, both Intel texts); counts are printed.
 */
const COUNT = Number(process.env.X86KIT_FUZZ_COUNT ?? 200_000);
const SEED = 1;

describe('differential fuzzing vs iced-x86 (deterministic slice)', () => {
  for (const bitness of [16, 32, 64] as const) {
    it(`${bitness}-bit: ${COUNT} inputs, no host exceptions, 0 disagreements`, () => {
      const r = runDiffFuzz(bitness, COUNT, SEED, 2);
      const total = Object.values(r.counts).reduce((a, x) => a + x, 0);
      console.log(`fuzz ${bitness}-bit: ${r.count} inputs ${JSON.stringify(r.perClass)}; normalised ${JSON.stringify(r.normalised)}; disagreements ${total} ${JSON.stringify(r.counts)}\n  ` +
        r.samples.map(formatSample).join('\n  '));
      expect(r.exceptions).toBe(0);
      expect(r.count).toBe(COUNT);
      expect(r.counts).toEqual({});
      expect(total).toBe(0);
    });
  }

  it('robustness: random and truncated inputs never throw (3 × 200k)', () => {
    for (const b of [16, 32, 64] as const) expect(robustness(b, COUNT, SEED + b)).toBe(0);
  });
});
