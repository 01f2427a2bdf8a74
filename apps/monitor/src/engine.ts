/**
 * The CPU engine `x86kit run` puts in the machine: the `@x86kit/interpreter` CPU. Resolved
 * at run time so that the CLI builds (and reports clearly) while the interpreter package is
 * still landing its public API.
 */
import type { CpuFactory, MachineCpu } from '@x86kit/machine';
import type { IoBus, PhysicalMemoryBus, VirtualClock } from '@x86kit/core';

interface InterpreterModule {
  Cpu: new (options: { memory: PhysicalMemoryBus; io: IoBus; clock: VirtualClock; driveClock: boolean }) => MachineCpu;
}

/** A factory for the interpreter CPU, or null when this build's interpreter exports no `Cpu`. */
export async function interpreterCpuFactory(): Promise<CpuFactory | null> {
  const ns = (await import('@x86kit/interpreter')) as unknown as Partial<InterpreterModule>;
  const Cpu = ns.Cpu;
  if (typeof Cpu !== 'function') return null;
  return ({ memory, io, clock }) => new Cpu({ memory, io, clock, driveClock: false });
}
