import { describe, expect, test } from 'vitest';
import { BenchSuite, benchEnvironment, formatEnvironment, formatTable, measureRate, measureRates } from './index.js';

describe('bench harness', () => {
  test('measureRate reports work per second for a known busy loop', () => {
    let sink = 0;
    const rate = measureRate(() => { for (let i = 0; i < 1000; i++) sink += i; }, 1000, { minTimeMs: 5, samples: 2, warmup: 1 });
    expect(sink).toBeGreaterThan(0);
    expect(rate).toBeGreaterThan(1000); // far more than 1000 iterations per second on any host
  });

  test('measureRates keeps every sample; best and median summarise them', () => {
    const r = measureRates(() => { /* nothing */ }, 1, { minTimeMs: 1, samples: 3, warmup: 0 });
    expect(r.samples).toHaveLength(3);
    expect(r.best).toBe(Math.max(...r.samples));
    expect(r.median).toBe([...r.samples].sort((a, b) => a - b)[1]);
  });

  test('rate() records the samples of both cases in detail', () => {
    const s = new BenchSuite('unit-test', { minTimeMs: 1, samples: 2, warmup: 0 });
    const r = s.rate({ name: 'a', unit: 'x/s', work: 1, fn: () => {} }, { name: 'b', unit: 'x/s', work: 1, fn: () => {} });
    expect(r.ratio).toBeCloseTo(r.value / r.anchorValue!, 12);
    expect(String(r.detail?.samples).split(' ')).toHaveLength(2);
    expect(String(r.detail?.anchorSamples).split(' ')).toHaveLength(2);
  });

  test('an anchored result carries the ratio', () => {
    const s = new BenchSuite('unit-test');
    const r = s.record({ name: 'x', unit: 'M/s', value: 30, anchorName: 'y', anchorValue: 6 });
    expect(r.ratio).toBe(5);
    const table = formatTable(s.results);
    expect(table[0]).toContain('ratio');
    expect(table[1]).toContain('5.00×');
  });
});

describe('bench environment', () => {
  test('describes the host, the runtime and the load at the start', () => {
    const e = benchEnvironment();
    expect(e.node).toBe(process.version);
    expect(e.cpus).toBeGreaterThanOrEqual(1);
    expect(e.loadAverage).toHaveLength(3);
    expect(e.commit === null || /^[0-9a-f]{40}$/.test(e.commit)).toBe(true);
    expect(e.dirty === null).toBe(e.commit === null);
    const line = formatEnvironment(e);
    expect(line).toContain(`node ${process.version}`);
    expect(line).toContain('load average at start');
  });
});
