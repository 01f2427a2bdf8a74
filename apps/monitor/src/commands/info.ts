/** `x86kit info`: what this build of x86kit contains, package by package. */
import type { Command } from 'commander';
import type { CliIo, CommandModule } from '../program.js';
import { COMPONENTS } from '../components.js';

export const infoCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('info')
      .description('list the x86kit components in this build and what each can do today')
      .option('--json', 'print JSON')
      .action((opts: { json?: boolean }) => {
        if (opts.json === true) {
          io.out(`${JSON.stringify(COMPONENTS, null, 2)}\n`);
          return;
        }
        io.out('x86kit components\n');
        const w = Math.max(...COMPONENTS.map((c) => c.name.length));
        for (const c of COMPONENTS) io.out(`  ${c.name.padEnd(w)}  ${c.status.padEnd(11)}  ${c.summary}\n`);
      });
  },
};
