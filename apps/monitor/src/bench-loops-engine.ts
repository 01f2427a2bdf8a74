/**
 * The x86kit side of the cross-engine benchmark (`engines.bench.ts`): boot the bench-loops
 * Multiboot guest of `@x86kit/bench` on a `Machine` with the interpreter CPU and the QEMU-like
 * PC device set (what `x86kit run` uses) and timestamp every COM1 byte.
 */
import { processCpuMs, type SerialMark, type SerialSegment } from '@x86kit/bench';
import { Machine, interpreterCpu, loadGuestImage, pcDevices, pcE820 } from '@x86kit/machine';

/** Guest RAM for the bench-loops guest (it touches the first 6 MiB). */
export const BENCH_LOOPS_RAM = 32 << 20;

/**
 * Run the (already parameterised) bench-loops image to its final CLI; HLT and return the COM1
 * bytes with host time and the interpreter's retired-instruction counter at each.
 */
export function runBenchLoopsOnX86kit(image: Uint8Array): SerialMark[] {
  const marks: SerialMark[] = [];
  const holder: { machine: Machine | null } = { machine: null };
  const machine = new Machine({
    ramSize: BENCH_LOOPS_RAM,
    cpu: interpreterCpu(),
    devices: pcDevices(),
    serialOut: (byte) => { marks.push({ byte, timeMs: performance.now(), cpuMs: processCpuMs(), counter: holder.machine?.cpu.instret ?? NaN }); },
  });
  holder.machine = machine;
  const { boot } = loadGuestImage(machine.memory, image, { name: 'bench-loops.bin', memoryMap: pcE820(BENCH_LOOPS_RAM) });
  machine.start(boot);
  const r = machine.run({ maxInstructions: 1e11 });
  if (r.reason !== 'halted-forever') throw new Error(`bench-loops on x86kit stopped early: ${r.reason}: ${r.detail}`);
  return marks;
}

/** Result of {@link runMultibootOnX86kit}. */
export interface X86kitGuestRun {
  readonly marks: SerialMark[];
  /** QEMU-style exit status (`(value << 1) | 1`), or null when the guest did not exit that way. */
  readonly exitStatus: number | null;
  readonly instructions: number;
}

/**
 * Boot a Multiboot guest on the x86kit PC (interpreter, PC devices) until it exits through
 * isa-debug-exit, and timestamp every COM1 byte with the retired-instruction counter.
 */
export function runMultibootOnX86kit(image: Uint8Array, options: { cmdline: string; ramSize: number; name: string }): X86kitGuestRun {
  const marks: SerialMark[] = [];
  const holder: { machine: Machine | null } = { machine: null };
  const machine = new Machine({
    ramSize: options.ramSize,
    cpu: interpreterCpu(),
    devices: pcDevices(),
    serialOut: (byte) => { marks.push({ byte, timeMs: performance.now(), cpuMs: processCpuMs(), counter: holder.machine?.cpu.instret ?? NaN }); },
  });
  holder.machine = machine;
  const { boot } = loadGuestImage(machine.memory, image, { name: options.name, cmdline: options.cmdline, memoryMap: pcE820(options.ramSize) });
  machine.start(boot);
  const r = machine.run({ maxInstructions: 1e11 });
  return { marks, exitStatus: r.exitStatus, instructions: r.instructions };
}

/** The kernels of `guests/bin/bench.elf`, each between the serial lines printed around it. */
export const BENCH_ELF_SEGMENTS: readonly SerialSegment[] = [
  { name: 'ALU mix (xorshift, imul, rotates)', after: /^bench: scale /, until: /^bench: alu checksum / },
  { name: 'memory copy (REP MOVSD = 1 instruction, + byte loop)', after: /^bench: alu checksum /, until: /^bench: memcopy checksum / },
  // The guest computes fib(24) once before printing this line (GCC folds the later `scale`
  // repetitions of the pure function into one multiplication), so this kernel does not scale.
  { name: 'call/ret (recursive fib(24))', after: /^bench: memcopy checksum /, until: /^bench: call\/ret fib/ },
  { name: 'page walks (INVLPG, CR3 reloads)', after: /^PASS: call\/ret result/, until: /^bench: paging checksum / },
];
