/** Every subcommand of the CLI, registered in help order. */
import { registerCommand } from './program.js';
import { infoCommand } from './commands/info.js';

registerCommand(infoCommand);
