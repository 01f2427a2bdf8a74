/**
 * The cross-engine benchmark guest `guest/bench-loops.bin` (source `guest/bench-loops.asm`): a
 * Multiboot v1 kernel that runs the interpreter benchmark's three loops (ALU mix, memory copy,
 * call/ret; the instructions of `packages/interpreter/src/__fixtures__/bench-guest.asm`) for a
 * fixed iteration count, several rounds each, paging off and then on, and writes one marker
 * byte to COM1 before every round. Any engine that boots Multiboot kernels and lets the host
 * timestamp serial bytes (x86kit's `Machine`, v86, QEMU) can be timed on exactly the same
 * instructions; this module builds the image and turns the timestamped markers into rounds.
 */
import { readFileSync } from 'node:fs';

/** One of the three loops. */
export interface BenchLoop {
  /** Stable id, used in result names and JSON. */
  readonly id: 'alu' | 'memcopy' | 'callret';
  /** Human name, e.g. `"ALU mix"`. */
  readonly name: string;
  /** Marker byte of a round with paging off (`'A'`, `'M'`, `'C'`); paging on uses the lower case. */
  readonly marker: number;
  /** Guest instructions per loop iteration. */
  readonly perIteration: number;
  /**
   * Instructions of one round besides the iterations, counted from one marker `OUT` to the next
   * one inclusive: the driver's MOV ECX, CALL, DEC EBP, JNZ, MOV AL, MOV DX, OUT, the loop's
   * RET, and for the copy the two MOVs that set ESI/EDI.
   */
  readonly overhead: number;
}

/** The loops in the order the guest runs them. */
export const BENCH_LOOPS: readonly BenchLoop[] = [
  { id: 'alu', name: 'ALU mix', marker: 0x41, perIteration: 10, overhead: 8 },
  { id: 'memcopy', name: 'memory copy', marker: 0x4d, perIteration: 6, overhead: 10 },
  { id: 'callret', name: 'call/ret', marker: 0x43, perIteration: 6, overhead: 8 },
];

/** Iteration counts (per round) and the number of rounds of every loop. */
export interface BenchLoopsParams {
  readonly aluIterations: number;
  /** At most 2^20: the copy reads 4 × N bytes from 1 MiB and writes them at 2 MiB (16 MiB mapped). */
  readonly memcopyIterations: number;
  readonly callretIterations: number;
  readonly rounds: number;
}

/** The values assembled into the image: 20 M, 6 M and 12 M instructions per round, 4 rounds. */
export const DEFAULT_BENCH_LOOPS_PARAMS: BenchLoopsParams = {
  aluIterations: 2_000_000, memcopyIterations: 1_000_000, callretIterations: 2_000_000, rounds: 4,
};

/** End of one loop's rounds. */
export const MARK_END_OF_LOOP = 0x2e;
/** End of the run; the guest then executes CLI; HLT. */
export const MARK_END_OF_RUN = 0x0a;

const PARAMS_OFFSET = 32;
const MAGIC = 'X86KBLPS';
const IMAGE_URL = new URL('../guest/bench-loops.bin', import.meta.url);

/** Iterations of `loop` per round under `params`. */
export function loopIterations(loop: BenchLoop, params: BenchLoopsParams): number {
  return loop.id === 'alu' ? params.aluIterations : loop.id === 'memcopy' ? params.memcopyIterations : params.callretIterations;
}

/** Exact guest instructions retired from one marker to the next in a round of `loop`. */
export function roundInstructions(loop: BenchLoop, params: BenchLoopsParams): number {
  return loopIterations(loop, params) * loop.perIteration + loop.overhead;
}

/** The committed image with `params` patched into its parameter block (a fresh copy). */
export function benchLoopsImage(params: BenchLoopsParams = DEFAULT_BENCH_LOOPS_PARAMS): Uint8Array {
  const image = new Uint8Array(readFileSync(IMAGE_URL));
  const magic = new TextDecoder().decode(image.subarray(PARAMS_OFFSET, PARAMS_OFFSET + 8));
  if (magic !== MAGIC) throw new Error(`${IMAGE_URL.pathname}: no ${MAGIC} parameter block at offset ${PARAMS_OFFSET}`);
  const values = [params.aluIterations, params.memcopyIterations, params.callretIterations, params.rounds];
  const limits = [0xffffffff, 1 << 20, 0xffffffff, 1000];
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 1 || v > limits[i]) throw new RangeError(`bench-loops parameter ${i}: ${v} is outside 1..${limits[i]}`);
    view.setUint32(PARAMS_OFFSET + 8 + 4 * i, v, true);
  });
  return image;
}

/** A serial byte as the host saw it. */
export interface SerialMark {
  readonly byte: number;
  /** Host time (`performance.now()`, ms) when the guest wrote the byte. */
  readonly timeMs: number;
  /**
   * Process CPU time (user + system, ms; {@link processCpuMs}) at that moment, or NaN. On a
   * loaded host it is steadier than wall time; it includes V8's background compiler threads.
   */
  readonly cpuMs?: number;
  /** The engine's own retired-instruction counter at that moment (NaN when it has none). */
  readonly counter: number;
}

/** One timed round. */
export interface LoopRound {
  readonly ms: number;
  /** Process CPU time of the round (NaN when the marks have none). */
  readonly cpuMs: number;
  /** Instructions the round retires by construction ({@link roundInstructions}). */
  readonly instructions: number;
  /** What the engine's counter says it retired (NaN when it has none). */
  readonly counted: number;
}

/** All rounds of one loop in one paging mode. */
export interface LoopTiming {
  readonly loop: BenchLoop;
  readonly paging: boolean;
  readonly rounds: readonly LoopRound[];
}

/**
 * Split the markers of one complete run into rounds. Throws with the offending position when
 * the sequence is not `A…A . M…M . C…C . a…a . m…m . c…c . \n` with `params.rounds` of each.
 */
export function parseBenchLoopsMarks(marks: readonly SerialMark[], params: BenchLoopsParams): LoopTiming[] {
  const out: LoopTiming[] = [];
  let i = 0;
  const expect = (byte: number): SerialMark => {
    const m = marks[i];
    if (m?.byte !== byte) {
      const got = m === undefined ? 'end of output' : `0x${m.byte.toString(16)}`;
      throw new Error(`bench-loops output: expected 0x${byte.toString(16)} at marker ${i}, got ${got}`);
    }
    i++;
    return m;
  };
  for (const paging of [false, true]) {
    for (const loop of BENCH_LOOPS) {
      const marker = paging ? loop.marker | 0x20 : loop.marker;
      const rounds: LoopRound[] = [];
      let start = expect(marker);
      for (let r = 0; r < params.rounds; r++) {
        const end = expect(r + 1 < params.rounds ? marker : MARK_END_OF_LOOP);
        rounds.push({
          ms: end.timeMs - start.timeMs, cpuMs: (end.cpuMs ?? NaN) - (start.cpuMs ?? NaN),
          instructions: roundInstructions(loop, params), counted: end.counter - start.counter,
        });
        start = end;
      }
      out.push({ loop, paging, rounds });
    }
  }
  expect(MARK_END_OF_RUN);
  return out;
}

/** Process CPU time in ms (user + system) now: `process.cpuUsage()`. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Summary of a loop's rounds in MIPS. */
export interface RoundStats {
  /** Best round after the warm-up rounds (the harness convention: best of the samples). */
  readonly best: number;
  /** The same with process CPU time instead of wall time (NaN without CPU times). */
  readonly bestCpu: number;
  readonly median: number;
  /** MIPS of every round, warm-up included, in order. */
  readonly all: readonly number[];
}

/** MIPS of each round; `best` and `median` skip the first `warmup` rounds when more remain. */
export function roundStats(t: LoopTiming, warmup = 1): RoundStats {
  const all = t.rounds.map((r) => r.instructions / (r.ms * 1000));
  const measured = all.length > warmup ? all.slice(warmup) : all;
  const sorted = [...measured].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const cpu = t.rounds.map((r) => r.instructions / (r.cpuMs * 1000)).slice(all.length > warmup ? warmup : 0);
  const bestCpu = cpu.some((x) => Number.isNaN(x)) ? NaN : Math.max(...cpu);
  return { best: sorted[sorted.length - 1], bestCpu, median, all };
}

/** `"ALU mix (paging on)"`. */
export function loopLabel(t: Pick<LoopTiming, 'loop' | 'paging'>): string {
  return `${t.loop.name} (paging ${t.paging ? 'on' : 'off'})`;
}
