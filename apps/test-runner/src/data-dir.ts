/** Where the shared conformance data lives (read in place, never copied into the repo). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root (the directory holding `pnpm-workspace.yaml`) above this module. */
export function workspaceRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(d, 'pnpm-workspace.yaml'))) return d;
    d = dirname(d);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

/** `$X86KIT_CONFORMANCE_DIR`, else `<workspace root>/../shared/conformance`. */
export function defaultDataDir(): string {
  const env = process.env.X86KIT_CONFORMANCE_DIR;
  return env !== undefined && env !== '' ? resolve(env) : resolve(workspaceRoot(), '..', 'shared', 'conformance');
}
