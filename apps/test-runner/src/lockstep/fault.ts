/**
 * Fault injection for proving the lockstep driver: wrap an engine so that right after its
 * `afterStep`-th instruction retires, some RFLAGS bits flip and/or a register changes. The
 * wrapped engine then runs on from the corrupted state, exactly like an engine with a bug in
 * that instruction would.
 */
import type { CpuSnapshot } from '@x86kit/core';
import type { Engine, LockstepGuest } from './engine.js';

/** What to corrupt, and when. */
export interface InjectedFault {
  /** 1-based instruction count after which the fault is applied. */
  afterStep: number;
  /** RFLAGS bits to flip. */
  flipFlags?: number;
  /** A GPR (0–15) whose low 32 bits get XOR-ed with `xorValue`. */
  gpr?: number;
  xorValue?: number;
}

/** An {@link Engine} wrapper applying one {@link InjectedFault}. */
export class FaultInjectingEngine implements Engine {
  readonly name: string;
  readonly observes: Engine['observes'];
  private readonly inner: Engine;
  private readonly fault: InjectedFault;
  private retired = 0;

  constructor(inner: Engine, fault: InjectedFault, name = `${inner.name}+fault@${fault.afterStep}`) {
    this.inner = inner;
    this.fault = fault;
    this.name = name;
    this.observes = inner.observes;
  }

  async load(g: LockstepGuest): Promise<void> {
    this.retired = 0;
    await this.inner.load(g);
  }

  async step(n: number): Promise<number> {
    const at = this.fault.afterStep;
    if (this.retired >= at || this.retired + n < at) {
      const k = await this.inner.step(n);
      this.retired += k;
      return k;
    }
    // Cross the fault point precisely: run up to it, corrupt, run the rest.
    const before = await this.inner.step(at - this.retired);
    this.retired += before;
    if (this.retired !== at) return before;
    const s: CpuSnapshot = await this.inner.state();
    if (this.fault.flipFlags !== undefined) s.rflags = (s.rflags ^ this.fault.flipFlags) >>> 0;
    if (this.fault.gpr !== undefined) {
      const v = BigInt(s.gpr[this.fault.gpr]) ^ BigInt((this.fault.xorValue ?? 1) >>> 0);
      s.gpr[this.fault.gpr] = `0x${v.toString(16).padStart(16, '0')}`;
    }
    await this.inner.setState(s);
    const after = await this.inner.step(n - before);
    this.retired += after;
    return before + after;
  }

  state(): Promise<CpuSnapshot> { return this.inner.state(); }
  setState(s: CpuSnapshot): Promise<void> { return this.inner.setState(s); }
  readLinear(addr: number, len: number): Promise<Uint8Array> { return this.inner.readLinear(addr, len); }
  async checkpoint(): Promise<unknown> {
    if (this.inner.checkpoint === undefined) throw new Error(`${this.inner.name} cannot checkpoint`);
    return { retired: this.retired, inner: await this.inner.checkpoint() };
  }
  async rollback(token: unknown): Promise<void> {
    const t = token as { retired: number; inner: unknown };
    if (this.inner.rollback === undefined) throw new Error(`${this.inner.name} cannot roll back`);
    await this.inner.rollback(t.inner);
    this.retired = t.retired;
  }
  close(): Promise<void> { return this.inner.close(); }
}
