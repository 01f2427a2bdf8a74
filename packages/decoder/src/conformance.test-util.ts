/// <reference types="node" />
/** Test-only helpers: read the shared iced conformance data in place (never copied). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** `X86KIT_CONFORMANCE_DIR`, else `<workspace root>/../shared/conformance`; null when absent. */
export function conformanceDir(start = process.cwd()): string | null {
  const env = process.env.X86KIT_CONFORMANCE_DIR;
  if (env !== undefined && env !== '') return existsSync(env) ? resolve(env) : null;
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) {
      const c = join(dir, '..', 'shared', 'conformance');
      return existsSync(c) ? c : null;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** `<conformance>/iced`, or null when the data is not present (tests then skip with a message). */
export function icedDir(): string | null {
  const d = conformanceDir();
  if (d === null) return null;
  const i = join(d, 'iced');
  return existsSync(i) ? i : null;
}

/** Non-empty, non-comment lines of a gzip text file under `<conformance>/iced`. */
export function icedLines(dir: string, rel: string): string[] {
  const text = gunzipSync(readFileSync(join(dir, rel))).toString('utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.length !== 0 && !t.startsWith('#')) out.push(t);
  }
  return out;
}

/** iced Code names in enum order (from Encoder/OpCodeInfos), with mnemonic and flags. */
export function icedCodes(dir: string): { name: string; mnemonic: string; flags: string[] }[] {
  return icedLines(dir, 'Encoder/OpCodeInfos.txt.gz').map((l) => {
    const f = l.split(',').map((s) => s.trim());
    return { name: f[0] ?? '', mnemonic: f[1] ?? '', flags: (f[10] ?? '').split(/\s+/) };
  });
}
