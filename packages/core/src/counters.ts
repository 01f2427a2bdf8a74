/**
 * Event counters. Every x86kit component counts its events (instructions by class,
 * exceptions, I/O, exits, page-walk references, hidden faults...) in a {@link CounterSet}: a
 * `Float64Array` indexed by constants, so counting is one typed-array increment on a hot path.
 * The paper's comparison is computed from these counts times a {@link CostModel}.
 */

/** A fixed set of named counters backed by one Float64Array (exact to 2^53). */
export class CounterSet<K extends string = string> {
  /** Raw values; index with the numbers in {@link index}. Increment directly on hot paths. */
  readonly values: Float64Array;
  /** Counter name → slot. */
  readonly index: Readonly<Record<K, number>>;
  readonly names: readonly K[];

  constructor(names: readonly K[]) {
    this.names = names;
    this.values = new Float64Array(names.length);
    const index = {} as Record<K, number>;
    names.forEach((n, i) => { index[n] = i; });
    this.index = index;
  }

  /** Current value of one counter. */
  get(name: K): number {
    return this.values[this.index[name]];
  }

  /** Add `n` to one counter by name (for cold paths; hot paths index `values` directly). */
  add(name: K, n = 1): void {
    this.values[this.index[name]] += n;
  }

  /** Set every counter to zero. */
  reset(): void {
    this.values.fill(0);
  }

  /** A plain object copy, e.g. for `--stats --json`. */
  snapshot(): Record<K, number> {
    const out = {} as Record<K, number>;
    for (let i = 0; i < this.names.length; i++) out[this.names[i]] = this.values[i];
    return out;
  }

  /** Accumulate another set with the same names into this one. */
  accumulate(other: CounterSet<K>): void {
    for (let i = 0; i < this.values.length; i++) this.values[i] += other.values[i];
  }
}

/** Cycles charged per counted event, keyed by `component.counter` names. */
export type CostModel = Readonly<Record<string, number>>;

/** Sum of `count × cost` over every counter that the model prices; unpriced counters cost 0. */
export function estimateCycles(counts: Readonly<Record<string, number>>, model: CostModel): number {
  let cycles = 0;
  for (const [name, cost] of Object.entries(model)) cycles += (counts[name] ?? 0) * cost;
  return cycles;
}

/**
 * Costs measured by Adams & Agesen (ASPLOS 2006, section 6.2/table 1) for emulating `rdtsc`
 * on a Pentium 4 class machine, in cycles: the anchor numbers of x86kit's comparison.
 */
export const PAPER_RDTSC_CYCLES = { trapAndEmulate: 2030, callout: 1254, inTranslation: 216 } as const;
