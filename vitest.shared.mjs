// Shared vitest settings for every workspace package.
// Tests import sibling packages by name ("@x86kit/core"); the aliases below point those names
// at the sibling's src/index.ts so tests run from source without building dependencies first.
// The alias only maps a package's single public entry, so deep imports still fail.
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));
const alias = [];
for (const group of ['packages', 'apps', 'tools']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const pkgJson = join(dir, name, 'package.json');
    const entry = join(dir, name, 'src', 'index.ts');
    if (!existsSync(pkgJson) || !existsSync(entry)) continue;
    const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
    alias.push({ find: new RegExp(`^${pkg.name.replace('/', '\\/')}$`), replacement: entry });
  }
}

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'threads',
    passWithNoTests: true,
  },
});
