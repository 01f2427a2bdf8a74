/**
 * Shared test harness: a real-mode machine (1 MiB RAM, CS = DS = ES = SS = 0, SP = 0x7000)
 * running `code` at 0:7C00 with every exception intercepted, so a test sees the vector of the
 * first fault instead of the guest's handler.
 */
import { expect } from 'vitest';
import { PhysicalMemoryBus, Seg } from '@x86kit/core';
import { Cpu, ExitKind, RunStatus } from './index.js';

export function realModeMachine(code: number[], profile = 'p6'): { bus: PhysicalMemoryBus; cpu: Cpu } {
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, 1 << 20);
  bus.load(0x7c00, Uint8Array.from(code));
  const cpu = new Cpu({ memory: bus, profile });
  for (const s of [Seg.CS, Seg.DS, Seg.ES, Seg.SS]) cpu.loadSegReal(s, 0);
  cpu.setReg(2, 4, 0x7000);
  cpu.eip = 0x7c00;
  cpu.interceptExceptions = -1;
  return { bus, cpu };
}

/** Run to HLT (asserted) or to an intercepted exception: returns its vector, else −1. */
export function runToHaltOrFault(cpu: Cpu): number {
  const st = cpu.run(1000);
  if (st === RunStatus.Intercept && cpu.exit.kind === ExitKind.Exception) return cpu.exit.code;
  expect(st).toBe(RunStatus.Halted);
  return -1;
}
