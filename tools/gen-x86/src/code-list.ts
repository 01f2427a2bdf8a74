/**
 * The list of instruction forms (iced `Code` names, in iced's numeric order, with their
 * `Mnemonic`) that decoder-B's generators key their tables by.
 *
 * Source: `Encoder/OpCodeInfos.txt.gz` of the shared iced conformance data (one line per
 * `Code`, in enum order; see `../shared/conformance/iced/README.md`). Only the names and
 * mnemonics are taken; no iced code is used. The decoder's own `Code` object uses the same
 * names and order, which `packages/decoder/src/info.test.ts` asserts.
 */
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';

/** One instruction form. */
export interface CodeEntry {
  readonly value: number;
  readonly name: string;
  readonly mnemonic: string;
}

/** `<workspace>/../shared/conformance`, or `X86KIT_CONFORMANCE_DIR`. */
export function conformanceDir(workspaceRoot: string): string {
  return process.env.X86KIT_CONFORMANCE_DIR ?? resolve(workspaceRoot, '..', 'shared', 'conformance');
}

/** Read a `.txt.gz` file and return its non-empty, non-comment lines. */
export function readGzLines(path: string): string[] {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.length === 0 || t.startsWith('#')) continue;
    out.push(t);
  }
  return out;
}

/**
 * Load every `Code` name with its mnemonic, in enum order: from the decoder's ISA data
 * (`tools/gen-x86/data/isa.txt`, one record per Code in enum order, `<Code> <Mnemonic> ...`)
 * when it exists, else from iced's `OpCodeInfos.txt.gz`.
 */
export function loadCodeList(workspaceRoot: string): CodeEntry[] {
  const isa = join(workspaceRoot, 'tools', 'gen-x86', 'data', 'isa.txt');
  if (existsSync(isa)) {
    const out: CodeEntry[] = [];
    for (const line of readFileSync(isa, 'utf8').split('\n')) {
      const t = line.trim();
      if (t.length === 0 || t.startsWith('#')) continue;
      const f = t.split(/\s+/);
      out.push({ value: out.length, name: f[0] ?? '', mnemonic: f[1] ?? '' });
    }
    return out;
  }
  const path = join(conformanceDir(workspaceRoot), 'iced', 'Encoder', 'OpCodeInfos.txt.gz');
  if (!existsSync(path)) throw new Error(`gen-x86: ${path} not found (set X86KIT_CONFORMANCE_DIR)`);
  const out: CodeEntry[] = [];
  for (const line of readGzLines(path)) {
    const f = line.split(',');
    const name = (f[0] ?? '').trim();
    const mnemonic = (f[1] ?? '').trim();
    out.push({ value: out.length, name, mnemonic });
  }
  return out;
}
