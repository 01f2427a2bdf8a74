/** Every subcommand of the CLI, registered in help order. */
import { registerCommand } from './program.js';
import { infoCommand } from './commands/info.js';
import { runCommandModule } from './commands/run.js';
import { disasmCommand } from './commands/disasm.js';
import { benchCommand } from './commands/bench.js';

registerCommand(infoCommand);
registerCommand(runCommandModule);
registerCommand(disasmCommand);
registerCommand(benchCommand);
