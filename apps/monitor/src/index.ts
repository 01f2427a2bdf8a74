/** The x86kit monitor app (private): the CLI program, for embedding and tests. */
import './commands.js';
export { runCli, createProgram, registerCommand, type CliIo, type CommandModule } from './program.js';
export { COMPONENTS, type ComponentInfo } from './components.js';
export { VERSION } from './version.js';
