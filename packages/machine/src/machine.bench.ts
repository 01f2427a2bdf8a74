/**
 * Whole-machine speed on our benchmark guest (guests/bin/bench.elf: ALU mix, memory copy,
 * call/ret, page walks; paging on): MIPS through `Machine.run` with the PC device set, and
 * as the anchor the same image on a bare interpreter `Cpu` with no devices in the same run,
 * so the ratio is the cost of the machine's run loop, timers and device dispatch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchSuite, workspaceRoot } from '@x86kit/bench';
import { IoBus, PhysicalMemoryBus, CpuState } from '@x86kit/core';
import { Cpu } from '@x86kit/interpreter';
import { Machine, interpreterCpu, pcDevices, pcE820, loadGuestImage, applyBootState } from './index.js';

const image = new Uint8Array(readFileSync(join(workspaceRoot(), 'guests/bin/bench.elf')));
const RAM = 64 * 1024 * 1024;
const cmdline = `bench.elf scale=${process.env.X86KIT_BENCH_SCALE ?? '1'}`;

function machineRun(): number {
  const m = new Machine({ ramSize: RAM, cpu: interpreterCpu(), devices: pcDevices() });
  m.start(loadGuestImage(m.memory, image, { memoryMap: pcE820(RAM), cmdline }).boot);
  const r = m.run({ maxInstructions: 2e9 });
  if (r.exitStatus !== 1) throw new Error(`bench guest failed: ${r.reason} ${r.exitStatus}`);
  return r.instructions;
}

function bareRun(): number {
  const memory = new PhysicalMemoryBus();
  memory.mapRam(0, RAM);
  const state = new CpuState();
  applyBootState(state, loadGuestImage(memory, image, { memoryMap: pcE820(RAM), cmdline, acpi: false }).boot);
  const cpu = new Cpu({ memory, io: new IoBus(), state });
  while (cpu.run(1 << 20) === 0) { /* until HLT after the debug-exit write */ }
  return cpu.instret;
}

const insns = machineRun();
const suite = new BenchSuite('machine', { minTimeMs: 1, samples: 3, warmup: 1 });
suite.rate(
  { name: 'bench.elf on Machine (PC devices, timers)', unit: 'MIPS', work: insns / 1e6, fn: machineRun },
  { name: 'bench.elf on a bare interpreter Cpu', unit: 'MIPS', work: bareRun() / 1e6, fn: bareRun },
);
suite.finish();
