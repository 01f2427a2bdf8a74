/**
 * Our guests (guests/guests.json) under `x86kit run` with the interpreter CPU: the serial
 * output must equal what QEMU TCG printed (guests/expected/*.txt) byte for byte, and the exit
 * status must be QEMU's (1: every check passed).
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

describe('guests under x86kit run (interpreter) match QEMU', () => {
  for (const g of manifest.guests) {
    test(g.name, async () => {
      let out = '';
      let err = '';
      const code = await runCli(['run', join(root, 'guests', g.image), '--max-instructions', '40000000'], {
        out: (t) => { out += t; }, err: (t) => { err += t; }, isTty: false,
      });
      const expected = readFileSync(join(root, 'guests', g.expected), 'utf8');
      expect(out).toBe(expected);
      expect(err).toBe('');
      expect(code).toBe(g.exitStatus);
    });
  }
});
