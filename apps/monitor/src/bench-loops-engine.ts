/**
 * The x86kit side of the cross-engine benchmark (`engines.bench.ts`): boot the bench-loops
 * Multiboot guest of `@x86kit/bench` on a `Machine` with the interpreter CPU and the QEMU-like
 * PC device set (what `x86kit run` uses) and timestamp every COM1 byte.
 */
import type { SerialMark } from '@x86kit/bench';
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
    serialOut: (byte) => { marks.push({ byte, timeMs: performance.now(), counter: holder.machine?.cpu.instret ?? NaN }); },
  });
  holder.machine = machine;
  const { boot } = loadGuestImage(machine.memory, image, { name: 'bench-loops.bin', memoryMap: pcE820(BENCH_LOOPS_RAM) });
  machine.start(boot);
  const r = machine.run({ maxInstructions: 1e11 });
  if (r.reason !== 'halted-forever') throw new Error(`bench-loops on x86kit stopped early: ${r.reason}: ${r.detail}`);
  return marks;
}
