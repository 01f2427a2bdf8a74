import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import '../commands.js';
import { runCli } from '../program.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => { out += t; }, err: (t) => { err += t; }, isTty: false });
  return { code, out, err };
}

describe('x86kit bench', () => {
  test('bad numbers are one line and exit 2', async () => {
    for (const [argv, re] of [
      [['bench', '--rounds', '1'], /^x86kit: OPTION_INVALID: --rounds 1: expected an integer ≥ 2\n$/],
      [['bench', '--iterations', '0'], /^x86kit: OPTION_INVALID: --iterations 0: expected an integer ≥ 1\n$/],
      [['bench', '--iterations', '2000000'], /^x86kit: OPTION_INVALID: --iterations 2000000: at most 1048576/],
      [['bench', '--scale', 'x'], /^x86kit: OPTION_INVALID: --scale x: expected an integer ≥ 0\n$/],
    ] as const) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(re);
    }
  });

  test('prints x86kit and v86 MIPS with ratios, and writes the JSON', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'x86kit-bench-')), 'engines.json');
    const r = await run('bench', '--iterations', '2000', '--rounds', '2', '--v86-rounds', '2', '--scale', '0', '--json', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^host .*load average at start/);
    expect(r.out).toContain('x86kit ALU mix (paging on)');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.suite).toBe('engines');
    expect(json.environment.node).toBe(process.version);
    const alu = json.results.filter((x: { name: string }) => x.name === 'x86kit ALU mix (paging off)');
    if (json.skipped.length > 0) {
      expect(alu).toHaveLength(1); // v86 missing: x86kit alone, the skip says why
    } else {
      expect(alu.map((x: { anchorName: string }) => x.anchorName.replace(/^v86 \S+ /, ''))).toEqual(['JIT', 'interpreter']);
      expect(alu[0].ratio).toBeGreaterThan(0);
      expect(alu[0].detail.instructionsPerRound).toBe(2000 * 10 + 8);
    }
  });
});
