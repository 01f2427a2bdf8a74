/**
 * The `x86kit` command line. Subcommands register themselves through {@link CommandModule}s;
 * errors end as one line on stderr and a non-zero exit code, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, X86KitError } from '@x86kit/core';
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
 * Usage errors exit 2 with one line; {@link X86KitError}s print `x86kit: CODE: message`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = createProgram(io, (c) => { exitCode = c; });
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return ExitCode.OK;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      io.err(`x86kit: ${e.message.replace(/^error:\s*/, '').split('\n')[0]}\n`);
      return ExitCode.USAGE;
    }
    if (e instanceof X86KitError) {
      io.err(`x86kit: ${e.toLine()}\n`);
      return ExitCode.USAGE;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`x86kit: internal error: ${msg.split('\n')[0]} (please report this; set X86KIT_DEBUG=1 for a stack trace)\n`);
    if (process.env.X86KIT_DEBUG === '1' && e instanceof Error && e.stack !== undefined) io.err(`${e.stack}\n`);
    return ExitCode.FAILURE;
  }
}
