/** The default CPU engine: the `@x86kit/interpreter` CPU on the machine's buses. */
import type { CpuState, InterruptSource, LocalApicLink } from '@x86kit/core';
import { Cpu, type CpuProfile } from '@x86kit/interpreter';
import type { CpuFactory, MachineCpu } from './machine.js';

/** Options of {@link interpreterCpu}. */
export interface InterpreterCpuOptions {
  /** CPUID profile name or object (the interpreter's default when omitted). */
  profile?: string | CpuProfile;
}

/**
 * The interpreter seen as a {@link MachineCpu}: delegates to {@link Cpu} (one call per batch)
 * and adds the MMU's TLB counters (`tlb.*`) to the CPU's counters.
 */
export class InterpreterMachineCpu implements MachineCpu {
  readonly cpu: Cpu;
  constructor(cpu: Cpu) { this.cpu = cpu; }
  get state(): CpuState { return this.cpu.state; }
  get instret(): number { return this.cpu.instret; }
  get interrupts(): InterruptSource { return this.cpu.interrupts; }
  set interrupts(source: InterruptSource) { this.cpu.interrupts = source; }
  get apic(): LocalApicLink | null { return this.cpu.apic; }
  set apic(link: LocalApicLink | null) { this.cpu.apic = link; }
  run(budget: number): number { return this.cpu.run(budget); }
  loadFromState(): void { this.cpu.loadFromState(); }
  requestStop(): void { this.cpu.requestStop(); }
  countersSnapshot(): Record<string, number> {
    const out = this.cpu.countersSnapshot();
    const tlb = this.cpu.mmu.tlb.counters.snapshot() as Record<string, number>;
    for (const [k, v] of Object.entries(tlb)) out[`tlb.${k}`] = v;
    return out;
  }
}

/**
 * A {@link CpuFactory} for the interpreter. The machine accounts retired instructions on the
 * clock itself, so the CPU is created with `driveClock: false`.
 */
export function interpreterCpu(options: InterpreterCpuOptions = {}): CpuFactory {
  return ({ memory, io, clock }) => new InterpreterMachineCpu(new Cpu({
    memory, io, clock, driveClock: false, ...(options.profile !== undefined ? { profile: options.profile } : {}),
  }));
}
