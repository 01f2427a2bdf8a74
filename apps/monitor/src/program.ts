/**
 * The `x86kit` command line. Subcommands register themselves through {@link CommandModule}s;
 * errors end as one line on stderr and a non-zero exit code, never a stack trace.
 */
import { Command } from 'commander';
import { ExitCode, runCliMain } from '@x86kit/core';
import { VERSION } from './version.js';

/** Where a command writes; injected so tests can capture output. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal (progress bars, colours). */
  isTty: boolean;
}

/** A subcommand contributed by later work (`run`, `disasm`, `bench`, ...). */
export interface CommandModule {
  register(program: Command, io: CliIo, setExit: (code: number) => void): void;
}

const modules: CommandModule[] = [];

/** Add a subcommand module; called by each command file at import time of `commands.ts`. */
export function registerCommand(m: CommandModule): void {
  modules.push(m);
}

/** Build the commander program with every registered subcommand. */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('x86kit')
    .description('x86kit monitor: run, inspect and compare x86 guests under an interpreter, a binary translator or a hardware-assisted model')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} })
    .exitOverride();
  program.addHelpCommand(false);
  for (const m of modules) m.register(program, io, setExit);
  for (const c of program.commands) {
    c.configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} }).exitOverride();
  }
  return program;
}

/**
 * Run the CLI on `argv` (without node and script). Resolves to the process exit code.
 * Errors go through core's `runCliMain`: usage errors and `X86KitError`s (`x86kit: CODE:
 * message`) are one line and exit 2, anything else one `internal error` line and exit 1.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = createProgram(io, (c) => { exitCode = c; });
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return ExitCode.OK;
  }
  return runCliMain('x86kit', io.err, async () => {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  });
}
