/**
 * The top-level error handling every x86kit command line shares: whatever reaches the top of
 * a CLI ends as exactly one line on stderr and an exit code, never a stack trace (STYLE §6).
 *
 * - a usage error of the argument parser (commander's `CommanderError`, recognised by its
 *   `commander.*` code so core needs no dependency): `prog: <first line of the message>`,
 *   exit {@link ExitCode.USAGE}; help and version displays exit {@link ExitCode.OK} silently;
 * - an {@link X86KitError} (bad input, bad image, bad option): `prog: CODE: message`, exit
 *   {@link ExitCode.USAGE};
 * - a host file-system error that names a path (Node's `ENOENT`, `EACCES`, `EISDIR`… with
 *   `syscall` and `path`: at a CLI's edge, a file the user named that cannot be read or
 *   written): `prog: ENOENT: no such file or directory, open 'x'`, exit {@link ExitCode.USAGE};
 * - anything else is a bug in x86kit: `prog: internal error: …`, exit
 *   {@link ExitCode.FAILURE}, and the stack only when `X86KIT_DEBUG=1`.
 */
import { ExitCode, X86KitError } from './errors.js';

/** What a CLI prints and returns for an exception that reached its top level. */
export interface CliErrorReport {
  readonly exitCode: ExitCode;
  /** Text for stderr: empty, or one line ending in `\n` (plus the stack when debugging). */
  readonly stderr: string;
}

/** Options of {@link reportCliError}. */
export interface CliErrorOptions {
  /** Append the stack of an internal error (default: `process.env.X86KIT_DEBUG === '1'`). */
  readonly debug?: boolean;
}

const COMMANDER_SILENT = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** The `code` of a commander-style parser error (`commander.unknownOption`, …), or null. */
function parserErrorCode(e: unknown): string | null {
  if (!(e instanceof Error) || e instanceof X86KitError) return null;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('commander.') ? code : null;
}

/** A Node file-system error about a path (`{ code: 'ENOENT', syscall: 'open', path }`). */
function isPathSystemError(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  const { code, syscall, path } = e as { code?: unknown; syscall?: unknown; path?: unknown };
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string' && typeof path === 'string';
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function debugFromEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.X86KIT_DEBUG === '1';
}

/**
 * Turn an exception caught at the top of CLI `prog` (e.g. `"x86kit"`) into its stderr text and
 * exit code. The caller writes `stderr` and returns `exitCode`.
 */
export function reportCliError(prog: string, error: unknown, options: CliErrorOptions = {}): CliErrorReport {
  const parserCode = parserErrorCode(error);
  if (parserCode !== null) {
    if (COMMANDER_SILENT.has(parserCode)) return { exitCode: ExitCode.OK, stderr: '' };
    return { exitCode: ExitCode.USAGE, stderr: `${prog}: ${firstLine((error as Error).message.replace(/^error:\s*/, ''))}\n` };
  }
  if (error instanceof X86KitError) return { exitCode: ExitCode.USAGE, stderr: `${prog}: ${firstLine(error.toLine())}\n` };
  if (isPathSystemError(error)) return { exitCode: ExitCode.USAGE, stderr: `${prog}: ${firstLine(error.message)}\n` };
  const message = error instanceof Error ? error.message : String(error);
  let stderr = `${prog}: internal error: ${firstLine(message)} (please report this; set X86KIT_DEBUG=1 for a stack trace)\n`;
  if ((options.debug ?? debugFromEnv()) && error instanceof Error && error.stack !== undefined) stderr += `${error.stack}\n`;
  return { exitCode: ExitCode.FAILURE, stderr };
}

/**
 * Run a CLI body and map any exception through {@link reportCliError}: resolves to the body's
 * exit code, or the error's, after writing the error text with `writeErr`.
 */
export async function runCliMain(
  prog: string, writeErr: (text: string) => void, body: () => Promise<number>, options: CliErrorOptions = {},
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const r = reportCliError(prog, e, options);
    if (r.stderr !== '') writeErr(r.stderr);
    return r.exitCode;
  }
}
