/**
 * Physical memory bus throughput: aligned 32-bit reads through PhysicalMemoryBus versus the
 * same reads straight from a Uint8Array (the anchor: what a bare array costs in this run).
 */
import { BenchSuite } from '@x86kit/bench';
import { PhysicalMemoryBus } from './index.js';

const SIZE = 16 << 20;
const bus = new PhysicalMemoryBus();
bus.mapRam(0, SIZE);
const raw = new Uint8Array(SIZE);
for (let pa = 0; pa < SIZE; pa += 4096) { bus.write32(pa, pa); raw[pa] = pa & 0xff; }

const N = 1 << 20;
let sink = 0;
const suite = new BenchSuite('core');
suite.rate(
  { name: 'PhysicalMemoryBus.read32 (random aligned)', unit: 'Mreads/s', work: N / 1e6, fn: () => {
    let x = 12345, s = 0;
    for (let i = 0; i < N; i++) { x = (Math.imul(x, 1103515245) + 12345) | 0; s += bus.read32(x & (SIZE - 4)); }
    sink += s;
  } },
  { name: 'Uint8Array 4-byte compose', unit: 'Mreads/s', work: N / 1e6, fn: () => {
    let x = 12345, s = 0;
    for (let i = 0; i < N; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      const o = x & (SIZE - 4);
      s += (raw[o] | (raw[o + 1] << 8) | (raw[o + 2] << 16) | (raw[o + 3] << 24)) >>> 0;
    }
    sink += s;
  } },
);
suite.finish();
if (sink === 0.5) suite.record({ name: "sink", unit: "", value: sink });
