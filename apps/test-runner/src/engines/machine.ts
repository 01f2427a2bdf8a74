/**
 * `@x86kit/machine` (the interpreter in the QEMU-compatible PC) as a lockstep engine, so whole
 * guests can run in lockstep against QEMU: devices answer port I/O as QEMU's would.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { CpuSnapshot } from '@x86kit/core';
import { Cpu } from '@x86kit/interpreter';
import { Machine, loadGuestImage, pcDevices, pcE820, type CpuFactory } from '@x86kit/machine';
import { ALL_GROUPS, type Engine, type LockstepGuest, type StateGroup } from '../lockstep/engine.js';

const factory: CpuFactory = ({ memory, io, clock }) => new Cpu({ memory, io, clock, driveClock: false });

/** The machine engine; `kernel` guests only. */
export class MachineEngine implements Engine {
  readonly name = 'machine';
  readonly observes: readonly StateGroup[] = ALL_GROUPS;
  private m: Machine | null = null;
  private serial = '';
  private stopped = false;
  private debugExit = false;

  private get machine(): Machine {
    if (this.m === null) throw new Error('machine engine: load() first');
    return this.m;
  }

  load(g: LockstepGuest): Promise<void> {
    if (g.kernel === undefined) throw new Error('machine engine: only kernel guests (use the interpreter engine for flat programs)');
    this.serial = '';
    this.stopped = false;
    this.debugExit = false;
    const ramSize = Math.max(2 << 20, Math.ceil(g.memSize / 4096) * 4096);
    this.m = new Machine({ ramSize, cpu: factory, devices: pcDevices(), serialOut: (b) => { this.serial += String.fromCharCode(b); } });
    const name = basename(g.kernel.path);
    const loaded = loadGuestImage(this.m.memory, readFileSync(g.kernel.path), {
      name, memoryMap: pcE820(ramSize), cmdline: g.kernel.cmdline === '' ? name : `${name} ${g.kernel.cmdline}`,
    });
    this.m.start(loaded.boot);
    // Observe isa-debug-exit (the device calls the machine's requestExit).
    const m = this.m;
    const requestExit = m.requestExit.bind(m);
    m.requestExit = (status: number): void => { this.debugExit = true; requestExit(status); };
    return Promise.resolve();
  }

  /**
   * One step = one whole instruction: a REP string instruction with all its iterations, or a
   * faulting instruction up to the first instruction of its handler (as QEMU's single step
   * does). Device timers advance by the retired instructions, as in `Machine.run`.
   */
  step(n: number): Promise<number> {
    const m = this.machine;
    const cpu = m.cpu;
    const st = cpu.state;
    let k = 0;
    while (k < n && !this.stopped) {
      const eip0 = st.rip[0];
      const cs0 = st.segSel[1];
      const n0 = cpu.instret;
      let progressed = false;
      for (let i = 0; i < 1 << 20 && !progressed; i++) {
        const before = cpu.instret;
        const status = cpu.run(1);
        m.clock.advanceInstructions(cpu.instret - before);
        m.clock.runDue();
        progressed = cpu.instret !== n0 || st.rip[0] !== eip0 || st.segSel[1] !== cs0;
        if (this.debugExit || status === 2 || status === 3 || (status === 1 && !progressed)) {
          this.stopped = true;
          break;
        }
      }
      if (progressed) k++;
      else break;
    }
    return Promise.resolve(k);
  }

  state(): Promise<CpuSnapshot> {
    return Promise.resolve(this.machine.cpu.state.snapshot());
  }

  setState(s: CpuSnapshot): Promise<void> {
    this.machine.cpu.state.restore(s);
    this.machine.cpu.loadFromState();
    return Promise.resolve();
  }

  /** Physical reads (the guests compared here run with paging off or identity-mapped). */
  readLinear(addr: number, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.machine.memory.read8((addr + i) >>> 0);
    return Promise.resolve(out);
  }

  writeLinear(addr: number, bytes: Uint8Array): Promise<void> {
    this.machine.memory.writeBytes(addr >>> 0, bytes);
    return Promise.resolve();
  }

  exited(): boolean {
    return this.debugExit;
  }

  serialOutput(): string {
    return this.serial;
  }

  close(): Promise<void> {
    this.m = null;
    return Promise.resolve();
  }
}
