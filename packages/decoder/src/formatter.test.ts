import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder } from './decoder.js';
import { Instruction } from './instruction.js';
import { codeNames } from './generated/enums.js';
import { IntelFormatter, MemorySizeStyle, type FormatterOptions } from './formatter.js';
import { icedDir, icedLines } from './conformance.test-util.js';

const dir = icedDir();
if (dir === null) console.warn('formatter.test: shared iced conformance data missing; skipping the iced expectations');

const STYLES: Record<string, FormatterOptions> = {
  MemDefault: { memorySize: MemorySizeStyle.Default },
  MemAlways: { memorySize: MemorySizeStyle.Always, showBranchSize: true, ripRelative: false, signedImmediates: true, spaceAfterComma: true },
  MemMinimum: { memorySize: MemorySizeStyle.Minimal, showBranchSize: true, ripRelative: false, signedImmediates: true, spaceAfterComma: true },
  Misc: { memorySize: MemorySizeStyle.Always, showBranchSize: true, ripRelative: false, spaceAfterComma: true },
};
const DEFAULT_IP: Record<number, bigint> = { 16: 0x7ff0n, 32: 0x7fff_fff0n, 64: 0x7fff_ffff_ffff_fff0n };

function hexBytes(s: string): Uint8Array {
  const h = s.replace(/\s+/g, '');
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Runs one style/bitness; returns failing lines as `hex | code | expected | got`. */
function run(bitness: 16 | 32 | 64, style: string): { total: number; skipped: number; failures: string[] } {
  const misc = style === 'Misc';
  const inputs = icedLines(dir ?? '', `Formatter/InstructionInfos${bitness}${misc ? '_Misc' : ''}.txt.gz`);
  const expected = icedLines(dir ?? '', `Formatter/Intel/Test${bitness}_${style}.txt.gz`);
  const f = new IntelFormatter(STYLES[style]);
  const insn = new Instruction();
  const failures: string[] = [];
  let skipped = 0;
  for (let i = 0; i < inputs.length; i++) {
    const parts = (inputs[i] ?? '').split(',').map((p) => p.trim());
    // Lines with decoder options (AMD, KNC, Cyrix, MPX...) need non-default decoding: skipped.
    if (parts.length > 2) { skipped++; continue; }
    const d = new Decoder({ bitness, ip: DEFAULT_IP[bitness] ?? 0n });
    d.decodeInto(insn, hexBytes(parts[0] ?? ''), 0);
    const got = f.format(insn);
    const exp = expected[i] ?? '';
    if (got !== exp) {
      const decoded = codeNames[insn.code] ?? '?';
      const reason = decoded === 'INVALID' ? 'decoder: invalid' : decoded !== parts[1] ? `decoder: decodes as ${decoded}` : 'formatter';
      failures.push(`${parts[0]} | ${parts[1]} | ${reason} | expected: ${exp} | got: ${got}`);
    }
  }
  return { total: inputs.length - skipped, skipped, failures };
}

const KNOWN = join(import.meta.dirname, 'formatter.known-failures.txt');
const HEADER = `# Intel formatter lines (iced Formatter/Intel expectations) that do not match yet.
# STYLE/BITNESS | bytes | expected Code | reason | expected text | our text
# reason "decoder: ..." = our decoder produced another Code (or INVALID); "formatter" = formatting difference.
# Regenerate with: X86KIT_UPDATE_KNOWN=1 npx vitest run src/formatter.test.ts
`;

describe.skipIf(dir === null)('Intel formatter vs iced expectations', () => {
  it('matches the expected text except for the committed known-failure list', () => {
    const lines: string[] = [];
    const report: string[] = [];
    for (const style of ['MemDefault', 'MemAlways', 'MemMinimum', 'Misc']) {
      for (const b of [16, 32, 64] as const) {
        const r = run(b, style);
        report.push(`${style}/${b}: ${r.total - r.failures.length}/${r.total} (skipped ${r.skipped} decopt lines)`);
        for (const fl of r.failures) lines.push(`${style}/${b} | ${fl}`);
      }
    }
    console.log(`formatter pass rates:\n  ${report.join('\n  ')}`);
    if (process.env.X86KIT_UPDATE_KNOWN === '1') writeFileSync(KNOWN, `${HEADER}${lines.join('\n')}\n`);
    const key = (l: string): string => l.split(' | ').slice(0, 3).join(' | ');
    const known = new Set((existsSync(KNOWN) ? readFileSync(KNOWN, 'utf8').split('\n') : []).filter((l) => l !== '' && !l.startsWith('#')).map(key));
    const current = new Set(lines.map(key));
    const fixed = [...known].filter((k) => !current.has(k));
    const added = [...current].filter((k) => !known.has(k));
    // The failing set must equal the committed list: a new failure is a regression; a line that
    // starts passing must be removed from the list (X86KIT_UPDATE_KNOWN=1) so it stays passing.
    expect({ newFailures: added, nowPassing: fixed }).toEqual({ newFailures: [], nowPassing: [] });
  });
});
