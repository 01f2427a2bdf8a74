import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './index.js';
import { exitFor, parseMemSize } from './commands/run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = join(root, 'packages/machine/src/__fixtures__');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => { out += t; }, err: (t) => { err += t; }, isTty: false });
  return { code, out, err };
}

function expectOneLine(r: { code: number; err: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\bat .*\.[jt]s:\d+/);
}

describe('x86kit run: bad images and impossible options are one line, exit 2', () => {
  test('missing file', async () => {
    expectOneLine(await run('run', '/nonexistent/kernel.elf'), /^x86kit: IMAGE_NOT_FOUND: image \/nonexistent\/kernel\.elf: no such file/);
  });
  test('truncated ELF, bad magic, bad multiboot checksum, unknown format, truncated bzImage', async () => {
    expectOneLine(await run('run', join(fixtures, 'truncated.elf')), /IMAGE_UNKNOWN_FORMAT|IMAGE_TRUNCATED/);
    expectOneLine(await run('run', join(fixtures, 'multiboot-bad-checksum.bin')), /^x86kit: MULTIBOOT_BAD_HEADER: multiboot-bad-checksum\.bin: .*bad checksum/);
    expectOneLine(await run('run', join(fixtures, 'multiboot-aout-truncated.bin')), /IMAGE_TRUNCATED/);
    expectOneLine(await run('run', join(fixtures, 'garbage.bin')), /^x86kit: IMAGE_UNKNOWN_FORMAT: garbage\.bin: unknown image format/);
    expectOneLine(await run('run', join(fixtures, 'bzimage-truncated.bin')), /IMAGE_TRUNCATED: bzimage-truncated\.bin: truncated/);
  });
  test('impossible options', async () => {
    const hello = join(root, 'guests/bin/hello.elf');
    expectOneLine(await run('run', hello, '--mem', '4G'), /OPTION_INVALID: --mem 4G: guest RAM must be between 2M and 3G/);
    expectOneLine(await run('run', hello, '--mem', 'lots'), /OPTION_INVALID: --mem lots/);
    expectOneLine(await run('run', hello, '--serial', 'tcp:1234'), /OPTION_INVALID: --serial tcp:1234/);
    expectOneLine(await run('run', hello, '--max-instructions', '-5'), /OPTION_INVALID: --max-instructions -5/);
    expectOneLine(await run('run', hello, '--timeout', 'soon'), /OPTION_INVALID: --timeout soon/);
    expectOneLine(await run('run', hello, '--bios', hello), /OPTION_CONFLICT/);
    expectOneLine(await run('run'), /OPTION_MISSING: run needs an IMAGE/);
    expectOneLine(await run('run', hello, '--initrd', hello), /MULTIBOOT_BAD_HEADER: .*--module, not --initrd/);
    expectOneLine(await run('run', hello, '--module', '/nonexistent/mod arg'), /IMAGE_NOT_FOUND: module \/nonexistent\/mod: no such file/);
  });
  test('a corrupt image written on the fly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x86kit-run-'));
    const f = join(dir, 'cut.elf');
    writeFileSync(f, readFileSync(join(root, 'guests/bin/hello.elf')).subarray(0, 200));
    expectOneLine(await run('run', f), /IMAGE_TRUNCATED: cut\.elf: truncated/);
  });
});

describe('x86kit run helpers', () => {
  test('--mem sizes', () => {
    expect(parseMemSize('128M')).toBe(128 * 2 ** 20);
    expect(parseMemSize('128')).toBe(128 * 2 ** 20);
    expect(parseMemSize('1G')).toBe(2 ** 30);
    expect(parseMemSize('3g')).toBe(3 * 2 ** 30);
    expect(parseMemSize('65536K')).toBe(64 * 2 ** 20);
    expect(() => parseMemSize('1M')).toThrow(/between 2M and 3G/);
  });
  test('exit status mapping is QEMU-like', () => {
    const base = { exitStatus: null, detail: 'd', instructions: 1, virtualNs: 0, idleSkippedNs: 0, idleSkips: 0, resets: 0, hostMs: 1 };
    expect(exitFor({ ...base, reason: 'debug-exit', exitStatus: 1 }, undefined)).toEqual({ code: 1, message: null });
    expect(exitFor({ ...base, reason: 'debug-exit', exitStatus: 1 }, 1)).toEqual({ code: 0, message: null });
    expect(exitFor({ ...base, reason: 'debug-exit', exitStatus: 3 }, 1).code).toBe(3);
    expect(exitFor({ ...base, reason: 'triple-fault' }, undefined).code).toBe(3);
    expect(exitFor({ ...base, reason: 'timeout' }, undefined).code).toBe(124);
    expect(exitFor({ ...base, reason: 'halted-forever' }, undefined)).toMatchObject({ code: 124, message: expect.stringMatching(/guest stopped/) as unknown });
    expect(exitFor({ ...base, reason: 'reset' }, undefined).code).toBe(0);
    expect(exitFor({ ...base, reason: 'poweroff' }, undefined)).toEqual({ code: 0, message: null });
  });
});
