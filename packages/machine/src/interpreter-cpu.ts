/** The default CPU engine: the `@x86kit/interpreter` CPU on the machine's buses. */
import { Cpu, type CpuProfile } from '@x86kit/interpreter';
import type { CpuFactory } from './machine.js';

/** Options of {@link interpreterCpu}. */
export interface InterpreterCpuOptions {
  /** CPUID profile name or object (the interpreter's default when omitted). */
  profile?: string | CpuProfile;
}

/**
 * A {@link CpuFactory} for the interpreter. The machine accounts retired instructions on the
 * clock itself, so the CPU is created with `driveClock: false`.
 */
export function interpreterCpu(options: InterpreterCpuOptions = {}): CpuFactory {
  return ({ memory, io, clock }) => new Cpu({
    memory, io, clock, driveClock: false, ...(options.profile !== undefined ? { profile: options.profile } : {}),
  });
}
