/**
 * Entry point for decoder-B's generators (virtualization class and instruction info):
 * `node dist/gen-decoder-b.js [--bootstrap-info]` writes `packages/decoder/src/generated/
 * {virt-class,info,formatter-tables}.ts`. `--bootstrap-info` first rebuilds `data/insn-info.txt` from the iced
 * InstructionInfo test data (only needed once; the data file is committed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCodeList } from './code-list.js';
import { generateVirtClass } from './virt-class.js';
import { bootstrapInsnInfo, generateInsnInfo } from './insn-info.js';
import { generateFormatterTables } from './formatter-gen.js';

const here = dirname(fileURLToPath(import.meta.url));
const toolRoot = resolve(here, '..');
const workspaceRoot = resolve(toolRoot, '..', '..');
const outDir = join(workspaceRoot, 'packages', 'decoder', 'src', 'generated');

/** Run the generators. */
export function runDecoderBGenerators(bootstrap: boolean): void {
  const codes = loadCodeList(workspaceRoot);
  mkdirSync(outDir, { recursive: true });
  const infoData = join(toolRoot, 'data', 'insn-info.txt');
  if (bootstrap) writeFileSync(infoData, bootstrapInsnInfo(workspaceRoot, codes));
  writeFileSync(join(outDir, 'virt-class.ts'), generateVirtClass(join(toolRoot, 'data', 'virt-class.txt'), codes));
  writeFileSync(join(outDir, 'info.ts'), generateInsnInfo(infoData, codes));
  writeFileSync(join(outDir, 'formatter-tables.ts'), generateFormatterTables(join(toolRoot, 'data', 'isa.txt')));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runDecoderBGenerators(process.argv.includes('--bootstrap-info'));
}
