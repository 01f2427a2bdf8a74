/**
 * `@x86kit/interpreter` behind the runner's two engine shapes: test-utils' `StepEngine` (for
 * SingleStepTests) and the lockstep {@link Engine}.
 */
import { PhysicalMemoryBus, Seg, type CpuSnapshot } from '@x86kit/core';
import { Cpu, RunStatus } from '@x86kit/interpreter';
import type { MooReg16, StepEngine } from '@x86kit/test-utils';
import { ALL_GROUPS, type Engine, type LockstepGuest, type StateGroup } from '../lockstep/engine.js';

const SEGS: Partial<Record<MooReg16, number>> = { cs: Seg.CS, ss: Seg.SS, ds: Seg.DS, es: Seg.ES };
const GPRS: Partial<Record<MooReg16, number>> = { ax: 0, cx: 1, dx: 2, bx: 3, sp: 4, bp: 5, si: 6, di: 7 };

/**
 * The interpreter on a private 16 MiB bus, real mode, no A20 wrap, driven by SingleStepTests
 * register names. Only bytes the harness touched are cleared between tests.
 */
export class InterpreterStepEngine implements StepEngine {
  private readonly bus = new PhysicalMemoryBus();
  private readonly cpu: Cpu;
  private readonly touched = new Set<number>();

  constructor(profile = 'p6') {
    this.bus.mapRam(0, 16 << 20);
    this.cpu = new Cpu({ memory: this.bus, profile });
  }
  resetForTest(): void {
    for (const pa of this.touched) this.bus.write8(pa, 0);
    this.touched.clear();
    this.cpu.reset();
  }
  writePhys8(pa: number, value: number): void {
    this.touched.add(pa);
    this.bus.write8(pa, value);
  }
  readPhys8(pa: number): number {
    this.touched.add(pa);
    return this.bus.read8(pa);
  }
  setReg16(name: MooReg16, value: number): void {
    const g = GPRS[name];
    const s = SEGS[name];
    if (g !== undefined) this.cpu.setReg(2, g, value);
    else if (s !== undefined) this.cpu.loadSegReal(s, value);
    else if (name === 'ip') this.cpu.eip = value & 0xffff;
    else if (name === 'flags') this.cpu.setFlags(value);
  }
  getReg16(name: MooReg16): number {
    const g = GPRS[name];
    const s = SEGS[name];
    if (g !== undefined) return this.cpu.getReg(2, g);
    if (s !== undefined) return this.cpu.state.segSel[s];
    if (name === 'ip') return this.cpu.eip & 0xffff;
    if (name === 'flags') return this.cpu.getFlags() & 0xffff;
    return 0;
  }
  runUntilHalt(maxInstructions: number): boolean {
    return this.cpu.run(maxInstructions) === RunStatus.Halted;
  }
}

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
