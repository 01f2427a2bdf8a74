/**
 * Engines that can run SingleStepTests-style single-instruction tests (test-utils'
 * `StepEngine`), by name.
 */
import { OptionError } from '@x86kit/core';
import type { StepEngine } from '@x86kit/test-utils';
import { InterpreterStepEngine } from './engines/interpreter.js';

/** A named {@link StepEngine} constructor with an availability probe. */
export interface StepEngineFactory {
  name: string;
  unavailable(): string | null;
  create(): StepEngine;
}

const FACTORIES: StepEngineFactory[] = [
  { name: 'interpreter', unavailable: () => null, create: () => new InterpreterStepEngine() },
];

/** Add or replace a factory (tests, out-of-tree engines; in-process runs only). */
export function registerStepEngine(f: StepEngineFactory): void {
  const i = FACTORIES.findIndex((x) => x.name === f.name);
  if (i >= 0) FACTORIES[i] = f;
  else FACTORIES.push(f);
}

/** A factory by name. @throws OptionError for unknown names. */
export function stepEngineFactory(name: string): StepEngineFactory {
  const f = FACTORIES.find((x) => x.name === name);
  if (f === undefined) throw new OptionError('OPTION_INVALID', `unknown step engine '${name}' (known: ${FACTORIES.map((x) => x.name).join(', ')})`);
  return f;
}
