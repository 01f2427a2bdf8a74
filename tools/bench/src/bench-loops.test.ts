import { describe, expect, test } from 'vitest';
import {
  BENCH_LOOPS, DEFAULT_BENCH_LOOPS_PARAMS, MARK_END_OF_LOOP, MARK_END_OF_RUN, benchLoopsImage, loopLabel,
  parseBenchLoopsMarks, roundInstructions, roundStats, type SerialMark,
} from './bench-loops.js';

const params = { aluIterations: 100, memcopyIterations: 50, callretIterations: 70, rounds: 2 };

/** The marker stream a correct run produces, each round taking `ms(loopIndex, round)` ms. */
function synthetic(ms: (loop: number, round: number) => number): SerialMark[] {
  const marks: SerialMark[] = [];
  let t = 0;
  let n = 0;
  for (const paging of [false, true]) {
    BENCH_LOOPS.forEach((loop, li) => {
      for (let r = 0; r < params.rounds; r++) {
        marks.push({ byte: paging ? loop.marker | 0x20 : loop.marker, timeMs: t, cpuMs: t / 2, counter: n });
        t += ms(li, r);
        n += roundInstructions(loop, params);
      }
      marks.push({ byte: MARK_END_OF_LOOP, timeMs: t, cpuMs: t / 2, counter: n });
    });
  }
  marks.push({ byte: MARK_END_OF_RUN, timeMs: t, counter: n });
  return marks;
}

describe('bench-loops guest image', () => {
  test('the committed image is a Multiboot a.out-kludge kernel with the default parameters', () => {
    const img = benchLoopsImage();
    const v = new DataView(img.buffer, img.byteOffset, img.byteLength);
    expect(v.getUint32(0, true)).toBe(0x1badb002);
    expect((v.getUint32(0, true) + v.getUint32(4, true) + v.getUint32(8, true)) >>> 0).toBe(0);
    expect(v.getUint32(4, true) & 0x10000).toBe(0x10000);
    expect(v.getUint32(40, true)).toBe(DEFAULT_BENCH_LOOPS_PARAMS.aluIterations);
    expect(v.getUint32(52, true)).toBe(DEFAULT_BENCH_LOOPS_PARAMS.rounds);
  });

  test('parameters are patched into a fresh copy and checked', () => {
    const img = benchLoopsImage(params);
    const v = new DataView(img.buffer, img.byteOffset, img.byteLength);
    expect([40, 44, 48, 52].map((o) => v.getUint32(o, true))).toEqual([100, 50, 70, 2]);
    expect(new DataView(benchLoopsImage().buffer).getUint32(40, true)).toBe(DEFAULT_BENCH_LOOPS_PARAMS.aluIterations);
    expect(() => benchLoopsImage({ ...params, memcopyIterations: (1 << 20) + 1 })).toThrow(RangeError);
    expect(() => benchLoopsImage({ ...params, rounds: 0 })).toThrow(RangeError);
  });

  test('the loops hold the instructions of the interpreter benchmark', () => {
    const img = benchLoopsImage();
    const hex = Array.from(img, (b) => b.toString(16).padStart(2, '0')).join('');
    // add eax,ebx; xor edx,eax; sub ebx,ecx; and esi,edx; or edi,eax; shl eax,1; inc ebx; cmp eax,edx; dec ecx; jnz; ret
    expect(hex).toContain('01d831c229cb21d609c7d1e04339d04975ee');
    // mov eax,[esi+ecx*4]; mov [edi+ecx*4],eax; add edx,eax; lea ebx,[ebx+eax]; dec ecx; jnz; ret
    expect(hex).toContain('8b048e89048f01c28d1c034975f2');
    // call fn; add eax,1; dec ecx; jnz (the same bytes as in bench-guest.ts, before the loops' RET/HLT)
    expect(hex).toContain('e80700000083c0014975f5');
  });
});

describe('bench-loops markers', () => {
  test('a well-formed run splits into six loops of timed rounds', () => {
    const t = parseBenchLoopsMarks(synthetic((li, r) => (r === 0 ? 10 : 1 + li)), params);
    expect(t.map(loopLabel)).toEqual([
      'ALU mix (paging off)', 'memory copy (paging off)', 'call/ret (paging off)',
      'ALU mix (paging on)', 'memory copy (paging on)', 'call/ret (paging on)',
    ]);
    expect(t[0].rounds.map((r) => r.ms)).toEqual([10, 1]);
    expect(t[0].rounds[1].instructions).toBe(100 * 10 + 8);
    expect(t[1].rounds[1].instructions).toBe(50 * 6 + 10);
    expect(t[2].rounds[1].counted).toBe(70 * 6 + 8);
    const s = roundStats(t[0]);
    expect(s.all).toEqual([1008 / 10_000, 1008 / 1000]);
    expect(s.best).toBeCloseTo(1.008, 9); // warm-up round excluded
    expect(t[0].rounds[1].cpuMs).toBe(0.5);
    expect(s.bestCpu).toBeCloseTo(2.016, 9);
    expect(s.median).toBeCloseTo(1.008, 9);
  });

  test('a truncated or out-of-order stream is an error naming the marker', () => {
    const good = synthetic(() => 1);
    expect(() => parseBenchLoopsMarks(good.slice(0, -1), params)).toThrow(/expected 0xa at marker \d+, got end of output/);
    const swapped = [...good];
    [swapped[2], swapped[3]] = [swapped[3], swapped[2]];
    expect(() => parseBenchLoopsMarks(swapped, params)).toThrow(/expected 0x2e at marker 2, got 0x4d/);
  });

  test('roundStats: median of an even count, best of all rounds when there is no warm-up to drop', () => {
    const loop = BENCH_LOOPS[0];
    const mk = (ms: number[]) => ({ loop, paging: false, rounds: ms.map((x) => ({ ms: x, cpuMs: x / 2, instructions: 1000, counted: NaN })) });
    expect(roundStats(mk([1, 2, 4, 8, 10])).median).toBeCloseTo((0.125 + 0.25) / 2, 9);
    expect(roundStats(mk([4])).best).toBeCloseTo(0.25, 9);
    expect(roundStats(mk([1, 2, 4])).bestCpu).toBeCloseTo(1, 9); // CPU half the wall time: 1000 / (1 ms × 1000)
  });
});
