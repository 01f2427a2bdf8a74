import { describe, expect, test } from 'vitest';
import { reportCliError, runCliMain } from './cli.js';
import { ExitCode, GuestImageError, OptionError } from './errors.js';

/** A stand-in for commander's CommanderError (core does not depend on commander). */
class ParserError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

describe('reportCliError', () => {
  test('parser usage errors: one line without the "error:" prefix, exit 2', () => {
    const r = reportCliError('x86kit', new ParserError('commander.unknownOption', "error: unknown option '--bogus'\n(Did you mean --bogus2?)"));
    expect(r).toEqual({ exitCode: ExitCode.USAGE, stderr: "x86kit: unknown option '--bogus'\n" });
  });

  test('help and version displays are silent successes', () => {
    for (const code of ['commander.helpDisplayed', 'commander.help', 'commander.version']) {
      expect(reportCliError('x86kit', new ParserError(code, '1.0.0'))).toEqual({ exitCode: ExitCode.OK, stderr: '' });
    }
  });

  test('X86KitError: CODE: message on one line, exit 2', () => {
    expect(reportCliError('x86kit-test', new GuestImageError('TEST_FILE_CORRUPT', '/d/x.gz: bad chunk\nat offset 12'))).toEqual({
      exitCode: ExitCode.USAGE, stderr: 'x86kit-test: TEST_FILE_CORRUPT: /d/x.gz: bad chunk\n',
    });
    expect(reportCliError('x86kit', new OptionError('OPTION_INVALID', '--jobs x')).stderr).toBe('x86kit: OPTION_INVALID: --jobs x\n');
  });

  test('a file-system error about a path is an input error: one line, exit 2', () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open '/no/such/r.json'"), { code: 'ENOENT', errno: -2, syscall: 'open', path: '/no/such/r.json' });
    expect(reportCliError('x86kit-test', e)).toEqual({ exitCode: ExitCode.USAGE, stderr: "x86kit-test: ENOENT: no such file or directory, open '/no/such/r.json'\n" });
    // Without a path it is not about user input: internal error.
    const noPath = Object.assign(new Error('EPIPE: broken pipe, write'), { code: 'EPIPE', syscall: 'write' });
    expect(reportCliError('x86kit', noPath, { debug: false }).exitCode).toBe(ExitCode.FAILURE);
  });

  test('anything else is an internal error: one line and exit 1, the stack only when debugging', () => {
    const e = new TypeError('x is undefined\nsecond line');
    const quiet = reportCliError('x86kit', e, { debug: false });
    expect(quiet.exitCode).toBe(ExitCode.FAILURE);
    expect(quiet.stderr).toBe('x86kit: internal error: x is undefined (please report this; set X86KIT_DEBUG=1 for a stack trace)\n');
    const loud = reportCliError('x86kit', e, { debug: true });
    expect(loud.stderr.startsWith(quiet.stderr)).toBe(true);
    expect(loud.stderr).toContain('cli.test.ts');
    expect(reportCliError('x86kit', 'a thrown string', { debug: true }).stderr).toBe(
      'x86kit: internal error: a thrown string (please report this; set X86KIT_DEBUG=1 for a stack trace)\n',
    );
  });

  test('an X86KitError whose code happens to start with "commander." is still an X86KitError', () => {
    const e = new OptionError('OPTION_INVALID', 'x');
    Object.defineProperty(e, 'code', { value: 'commander.unknownOption' });
    expect(reportCliError('p', e).stderr).toBe('p: commander.unknownOption: x\n');
  });
});

describe('runCliMain', () => {
  test('returns the body exit code, or writes the error and returns its code', async () => {
    let err = '';
    const write = (t: string): void => { err += t; };
    expect(await runCliMain('p', write, () => Promise.resolve(5))).toBe(5);
    expect(err).toBe('');
    expect(await runCliMain('p', write, () => Promise.reject(new OptionError('OPTION_MISSING', 'need --x')))).toBe(ExitCode.USAGE);
    expect(err).toBe('p: OPTION_MISSING: need --x\n');
  });
});
