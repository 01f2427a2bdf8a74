import { describe, expect, test } from 'vitest';
import { OptionError } from '@x86kit/core';
import { registerCommand, runCli, VERSION } from './index.js';

// Two commands that fail the ways a real one can: bad input, and a bug in x86kit.
registerCommand({
  register: (program) => {
    program.command('fail-input').action(() => { throw new OptionError('OPTION_INVALID', '--x 3: out of range'); });
    program.command('fail-bug').action(() => { throw new TypeError('x.y is not a function\n    at run (run.js:1:1)'); });
  },
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => { out += t; }, err: (t) => { err += t; }, isTty: false });
  return { code, out, err };
}

describe('x86kit CLI shell', () => {
  test('--help lists the registered commands and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: x86kit');
    expect(r.out).toContain('info');
  });

  test('--version prints the version', async () => {
    const r = await run('--version');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(VERSION);
  });

  test('an unknown command is one line on stderr and exit code 2', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^x86kit: unknown command 'frobnicate'/);
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  test('an unknown flag is one line and exit code 2', async () => {
    const r = await run('info', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^x86kit: unknown option '--bogus'/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  test('an X86KitError from a command is CODE: message on one line, exit code 2', async () => {
    const r = await run('fail-input');
    expect(r.code).toBe(2);
    expect(r.err).toBe('x86kit: OPTION_INVALID: --x 3: out of range\n');
  });

  test('a bug in a command is one internal-error line, exit code 1, no stack trace', async () => {
    const r = await run('fail-bug');
    expect(r.code).toBe(1);
    expect(r.err).toBe('x86kit: internal error: x.y is not a function (please report this; set X86KIT_DEBUG=1 for a stack trace)\n');
  });

  test('info --json lists the core package as available', async () => {
    const r = await run('info', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { name: string; status: string }[];
    expect(list.find((c) => c.name === '@x86kit/core')?.status).toBe('available');
  });
});
