/**
 * `npm run gen` entry: regenerates every `src/generated/` file owned by tools/gen-x86.
 * Run from tools/gen-x86 (`npm run gen`); paths are resolved from the workspace root.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDecoder, parseIsa } from './decoder-gen.js';
import { runDecoderBGenerators } from './gen-decoder-b.js';

const here = dirname(fileURLToPath(import.meta.url));
const toolRoot = join(here, '..');
const root = join(toolRoot, '..', '..');

const isa = parseIsa(readFileSync(join(toolRoot, 'data', 'isa.txt'), 'utf8'));
for (const f of generateDecoder(isa)) {
  const p = join(root, f.path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, f.content);
  process.stdout.write(`wrote ${f.path} (${f.content.length} bytes)\n`);
}
// decoder-B's tables (virtualization class, instruction info, formatter flags).
runDecoderBGenerators(false);
