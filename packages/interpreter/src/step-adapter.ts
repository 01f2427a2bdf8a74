/**
 * An adapter exposing a {@link Cpu} through the small "step engine" shape used by the
 * SingleStepTests harness of `@x86kit/test-utils` (structurally typed: this package does not
 * depend on test-utils). Real mode, 16 MiB of RAM at physical 0, no A20 wrap.
 */
import { PhysicalMemoryBus, Seg } from '@x86kit/core';
import { Cpu } from './cpu.js';
import { RunStatus } from './constants.js';

const SEGS: Record<string, number> = { cs: Seg.CS, ss: Seg.SS, ds: Seg.DS, es: Seg.ES };
const GPRS: Record<string, number> = { ax: 0, cx: 1, dx: 2, bx: 3, sp: 4, bp: 5, si: 6, di: 7 };

/** A {@link Cpu} on a private 16 MiB bus, driven by 16-bit register names. */
export class SingleStepAdapter {
  readonly bus = new PhysicalMemoryBus();
  readonly cpu: Cpu;
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
  setReg16(name: string, value: number): void {
    const c = this.cpu;
    if (name in GPRS) c.setReg(2, GPRS[name], value);
    else if (name in SEGS) c.loadSegReal(SEGS[name], value);
    else if (name === 'ip') c.eip = value & 0xffff;
    else if (name === 'flags') c.setFlags(value);
  }
  getReg16(name: string): number {
    const c = this.cpu;
    if (name in GPRS) return c.getReg(2, GPRS[name]);
    if (name in SEGS) return c.state.segSel[SEGS[name]];
    if (name === 'ip') return c.eip & 0xffff;
    if (name === 'flags') return c.getFlags() & 0xffff;
    return 0;
  }
  runUntilHalt(maxInstructions: number): boolean {
    return this.cpu.run(maxInstructions) === RunStatus.Halted;
  }
}
