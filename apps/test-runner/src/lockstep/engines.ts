/**
 * Engine factories by name, for the CLI and the lockstep suite: `toy` (the test fixture),
 * `qemu` (QEMU's gdbstub, when `qemu-system-i386` is installed) and `interpreter`.
 */
import { OptionError } from '@x86kit/core';
import type { Engine } from './engine.js';
import { ToyEngine } from './toy-engine.js';
import { InterpreterEngine } from '../engines/interpreter.js';
import { MachineEngine } from '../engines/machine.js';
import { findQemu, QemuGdbEngine } from './qemu-engine.js';

/** A named engine constructor with an availability probe. */
export interface EngineFactory {
  name: string;
  description: string;
  /** `null` when usable here, else why not. */
  unavailable(): string | null;
  create(): Engine;
}

export const ENGINES: readonly EngineFactory[] = [
  { name: 'toy', description: 'tiny test-fixture engine (a few integer instructions)', unavailable: () => null, create: () => new ToyEngine() },
  {
    name: 'qemu', description: 'qemu-system-i386 driven through its gdbstub (reference)',
    unavailable: () => (findQemu() === null ? 'qemu-system-i386 is not installed' : null),
    create: () => new QemuGdbEngine({ binary: findQemu() ?? 'qemu-system-i386' }),
  },
  { name: 'interpreter', description: '@x86kit/interpreter', unavailable: () => null, create: () => new InterpreterEngine() },
  { name: 'machine', description: '@x86kit/machine (interpreter + PC devices), multiboot guests only', unavailable: () => null, create: () => new MachineEngine() },
];

/** A factory by name. @throws OptionError for unknown names. */
export function engineFactory(name: string): EngineFactory {
  const f = ENGINES.find((e) => e.name === name);
  if (f === undefined) throw new OptionError('OPTION_INVALID', `unknown engine '${name}' (known: ${ENGINES.map((e) => e.name).join(', ')})`);
  return f;
}
