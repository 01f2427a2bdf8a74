/**
 * Our guests (guests/guests.json) under `x86kit run` with the interpreter CPU: serial output
 * and exit status against what QEMU TCG printed (guests/expected/*.txt).
 *
 * Guests in STRICT must match QEMU byte for byte and exit with status 1. The others are
 * checked for consistency while the interpreter grows: the run ends for a known reason, and
 * every line the guest printed before stopping is the corresponding line of QEMU's output
 * (a PASS never turns into a different line), so any regression shows; their progress
 * (PASS lines / expected) is printed.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'guests/guests.json'), 'utf8')) as {
  guests: { name: string; image: string; expected: string; exitStatus: number }[];
};
/** Guests that pass every check under the interpreter today. */
const STRICT = new Set(['hello', 'hello-aout', 'paging', 'timer', 'modes', 'demo', 'bench']);

describe('guests under x86kit run (interpreter)', () => {
  for (const g of manifest.guests) {
    test(g.name, async () => {
      let out = '';
      let err = '';
      const code = await runCli(['run', join(root, 'guests', g.image), '--max-instructions', '40000000'], {
        out: (t) => { out += t; }, err: (t) => { err += t; }, isTty: false,
      });
      const expected = readFileSync(join(root, 'guests', g.expected), 'utf8');
      if (STRICT.has(g.name)) {
        expect(out).toBe(expected);
        expect(code).toBe(g.exitStatus);
        expect(err).toBe('');
        return;
      }
      const got = out.split('\n');
      const want = expected.split('\n');
      const passes = got.filter((l) => l.startsWith('PASS: ')).length;
      const total = want.filter((l) => l.startsWith('PASS: ')).length;
      console.log(`${g.name}: ${passes}/${total} checks pass under the interpreter; exit ${code}; ${err.trim()}`);
      // every complete line up to the first divergence equals QEMU's; after it only FAIL lines or detail may differ
      let i = 0;
      while (i < got.length - 1 && got[i] === want[i]) i++;
      for (const line of got.slice(i, -1)) expect(line.startsWith('PASS: ') && !want.includes(line)).toBe(false);
      expect(passes).toBeGreaterThan(0);
      expect(code).not.toBe(0);
    });
  }
});
