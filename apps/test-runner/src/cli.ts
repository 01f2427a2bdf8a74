#!/usr/bin/env node
/** Entry point of the `x86kit-test` binary. */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTty: process.stdout.isTTY === true,
});
process.exitCode = code;
