import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Decoder } from './decoder.js';
import { IntelFormatter, MemorySizeStyle, setFormatterFastPath, type FormatterOptions } from './formatter.js';
import { Rng } from './fuzz.test-util.js';
import { Instruction } from './instruction.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Option sets that exercise every precomputed piece of the fast path (case, hex style, sizes, separators, signs). */
const STYLES: FormatterOptions[] = [
  {},
  { memorySize: MemorySizeStyle.Always, showBranchSize: true, ripRelative: false, signedImmediates: true, spaceAfterComma: true },
  { memorySize: MemorySizeStyle.Minimal, uppercase: true, uppercaseHex: true },
  { memorySize: MemorySizeStyle.Never, hexPrefix: '', hexSuffix: 'h', smallNumbersInDecimal: false, branchLeadingZeros: false },
];

/** Formats every instruction of `bytes` (decoded back to back) with the fast path on and off; returns the first difference. */
function compare(bitness: 16 | 32 | 64, bytes: Uint8Array, ip: number): { n: number; diff: string | null } {
  const insn = new Instruction();
  let n = 0;
  for (const style of STYLES) {
    const f = new IntelFormatter(style);
    const d = new Decoder({ bitness, ip });
    let pos = 0;
    while (pos < bytes.length) {
      const len = d.decodeInto(insn, bytes, pos);
      setFormatterFastPath(true);
      const fast = f.format(insn);
      setFormatterFastPath(false);
      const general = f.format(insn);
      setFormatterFastPath(true);
      n++;
      if (fast !== general) {
        const hex = Array.from(bytes.subarray(pos, pos + Math.max(len, 1)), (x) => x.toString(16).padStart(2, '0')).join('');
        return { n, diff: `${bitness}-bit ${hex} ${JSON.stringify(style)}: fast "${fast}", general "${general}"` };
      }
      pos += len > 0 ? len : 1;
    }
  }
  return { n, diff: null };
}

describe('formatter fast path', () => {
  it('writes exactly what the general path writes: the 32-/16-bit corpora, 4 option sets', () => {
    for (const bitness of [32, 16] as const) {
      const bytes = new Uint8Array(readFileSync(join(here, '..', 'bench-data', `corpus${bitness}.bin`)));
      const r = compare(bitness, bytes, bitness === 32 ? 0x7fff_fff0 : 0x7ff0);
      expect(r.diff).toBeNull();
      expect(r.n).toBeGreaterThan(4 * 20_000);
      // The same bytes as 64-bit code (REX prefixes, RIP-relative operands, 64-bit targets).
      expect(compare(64, bytes.subarray(0, 32 << 10), 0x7fff_ffff_f000).diff).toBeNull();
    }
  });

  it('writes exactly what the general path writes: random prefix-biased bytes in 16/32/64-bit code', () => {
    const rng = new Rng(7);
    const buf = new Uint8Array(48 << 10);
    for (let i = 0; i < buf.length; i++) {
      const r = rng.below(16);
      buf[i] = r === 0 ? 0x66 : r === 1 ? 0x40 + rng.below(16) : r === 2 ? 0x0f : r === 3 ? 0x67
        : r === 4 ? ([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf0, 0xf2, 0xf3][rng.below(9)] ?? 0x26) : rng.below(256);
    }
    for (const bitness of [16, 32, 64] as const) {
      const r = compare(bitness, buf, bitness === 64 ? 0xffff_ffff_f000 : 0x1000);
      expect(r.diff).toBeNull();
      expect(r.n).toBeGreaterThan(4 * 10_000);
    }
  });
});
