/**
 * `@x86kit/interpreter` behind the runner's two engine shapes: test-utils' `StepEngine` (for
 * SingleStepTests) and the lockstep {@link Engine}.
 */
import { PhysicalMemoryBus, type CpuSnapshot } from '@x86kit/core';
import { Cpu, RunStatus, SingleStepAdapter } from '@x86kit/interpreter';
import type { StepEngine } from '@x86kit/test-utils';
import { ALL_GROUPS, type Engine, type LockstepGuest, type StateGroup } from '../lockstep/engine.js';

/**
 * The interpreter's own SingleStepTests adapter (real mode, private 16 MiB bus), typed as
 * test-utils' `StepEngine`. One implementation serves the interpreter's tests and the runner.
 */
export class InterpreterStepEngine extends SingleStepAdapter implements StepEngine {}

/** The interpreter as a lockstep engine: RAM from 0 to `memSize`, no devices. */
export class InterpreterEngine implements Engine {
  readonly name: string;
  readonly observes: readonly StateGroup[] = ALL_GROUPS;
  private bus = new PhysicalMemoryBus();
  private cpu: Cpu | null = null;
  private memSize = 0;
  private readonly profile: string;

  constructor(options: { name?: string; profile?: string } = {}) {
    this.name = options.name ?? 'interpreter';
    this.profile = options.profile ?? 'p6';
  }

  private get c(): Cpu {
    if (this.cpu === null) throw new Error('interpreter engine: load() first');
    return this.cpu;
  }

  load(g: LockstepGuest): Promise<void> {
    this.bus = new PhysicalMemoryBus();
    this.memSize = Math.ceil(g.memSize / 4096) * 4096;
    this.bus.mapRam(0, this.memSize);
    for (const r of g.regions) this.bus.writeBytes(r.addr, r.bytes);
    this.cpu = new Cpu({ memory: this.bus, profile: this.profile });
    this.cpu.state.restore(g.initial);
    this.cpu.loadFromState();
    return Promise.resolve();
  }

  step(n: number): Promise<number> {
    const c = this.c;
    let k = 0;
    while (k < n && !c.state.halted) {
      const st = c.run(1);
      if (st === RunStatus.TripleFault || st === RunStatus.Stopped || st === RunStatus.Intercept) break;
      k++;
    }
    return Promise.resolve(k);
  }

  state(): Promise<CpuSnapshot> {
    this.c.storeToState();
    return Promise.resolve(this.c.state.snapshot());
  }

  setState(s: CpuSnapshot): Promise<void> {
    this.c.state.restore(s);
    this.c.loadFromState();
    return Promise.resolve();
  }

  /** Reads physical memory (lockstep guests run with paging off). */
  readLinear(addr: number, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = (addr + i) >>> 0 < this.memSize ? this.bus.read8((addr + i) >>> 0) : 0xff;
    return Promise.resolve(out);
  }

  checkpoint(): Promise<unknown> {
    const ram = new Uint8Array(this.memSize);
    this.bus.readBytes(0, ram);
    return Promise.resolve({ cpu: this.c.snapshot(), ram });
  }

  rollback(token: unknown): Promise<void> {
    const t = token as { cpu: ReturnType<Cpu['snapshot']>; ram: Uint8Array };
    this.bus.writeBytes(0, t.ram);
    this.c.restore(t.cpu);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.cpu = null;
    return Promise.resolve();
  }
}
