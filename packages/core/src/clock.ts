/**
 * Virtual time. Devices schedule {@link Timer}s on a {@link VirtualClock}; the machine's run
 * loop fires due timers between instruction batches and, when the CPU halts, skips straight to
 * the next deadline. In deterministic mode time follows retired instructions only, so the same
 * image and inputs give the same instruction count and output on every run.
 *
 * Time is in nanoseconds as a float64 (exact to 2^53 ns ≈ 104 days).
 */

/** Something that reads the current virtual time. */
export interface Clock {
  /** Current virtual time in nanoseconds. */
  now(): number;
}

/** A reusable timer: create once per device, then arm/cancel without allocating. */
export class Timer {
  /** Deadline in ns, or -1 when not armed. */
  deadline = -1;
  /** Position in the clock's heap, -1 when not queued. */
  heapIndex = -1;
  readonly callback: (now: number) => void;
  private readonly clock: VirtualClock;
  constructor(clock: VirtualClock, callback: (now: number) => void) {
    this.clock = clock;
    this.callback = callback;
  }
  /** Fire at absolute time `deadline` (ns). Re-arming moves the timer. */
  arm(deadline: number): void {
    this.clock.schedule(this, deadline);
  }
  /** Fire `delay` ns from now. */
  armIn(delay: number): void {
    this.clock.schedule(this, this.clock.now() + delay);
  }
  cancel(): void {
    this.clock.unschedule(this);
  }
  get armed(): boolean {
    return this.heapIndex >= 0;
  }
}

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /**
   * `deterministic` (default): time = instructions × `nsPerInstruction` + skipped idle time.
   * `realtime`: time follows the host's monotonic clock.
   */
  mode?: 'deterministic' | 'realtime';
  /** Virtual nanoseconds per retired instruction in deterministic mode (default 1, a 1 GHz IPC-1 CPU). */
  nsPerInstruction?: number;
  /** Host time source for realtime mode (ns); defaults to `performance.now()`. */
  hostNow?: () => number;
}

/** `performance.now()` in ns; present in browsers and Node (not in the ES2022 type library). */
function hostPerformanceNowNs(): number {
  return (globalThis as unknown as { performance: { now(): number } }).performance.now() * 1e6;
}

/** A virtual clock with a binary-heap timer queue. */
export class VirtualClock implements Clock {
  readonly mode: 'deterministic' | 'realtime';
  readonly nsPerInstruction: number;
  private readonly hostNow: () => number;
  private readonly hostStart: number;
  private current = 0;
  private readonly heap: Timer[] = [];

  constructor(options: VirtualClockOptions = {}) {
    this.mode = options.mode ?? 'deterministic';
    this.nsPerInstruction = options.nsPerInstruction ?? 1;
    this.hostNow = options.hostNow ?? hostPerformanceNowNs;
    this.hostStart = this.hostNow();
  }

  now(): number {
    if (this.mode === 'realtime') {
      const t = this.hostNow() - this.hostStart;
      if (t > this.current) this.current = t;
    }
    return this.current;
  }

  /** Account for `n` retired instructions (deterministic mode). */
  advanceInstructions(n: number): void {
    if (this.mode === 'deterministic') this.current += n * this.nsPerInstruction;
  }

  /** Move time forward to `t` (never backwards): used to skip idle time while halted. */
  advanceTo(t: number): void {
    if (t > this.current) this.current = t;
  }

  /** Create a timer bound to this clock. */
  createTimer(callback: (now: number) => void): Timer {
    return new Timer(this, callback);
  }

  /** Earliest armed deadline, or `Infinity`. */
  nextDeadline(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0].deadline;
  }

  /** Fire every timer whose deadline is ≤ now, earliest first. Returns how many fired. */
  runDue(): number {
    const now = this.now();
    let fired = 0;
    while (this.heap.length > 0 && this.heap[0].deadline <= now) {
      const t = this.heap[0];
      this.removeAt(0);
      t.deadline = -1;
      fired++;
      t.callback(now);
    }
    return fired;
  }

  /** @internal */
  schedule(t: Timer, deadline: number): void {
    if (t.heapIndex >= 0) this.removeAt(t.heapIndex);
    t.deadline = deadline;
    t.heapIndex = this.heap.length;
    this.heap.push(t);
    this.siftUp(t.heapIndex);
  }

  /** @internal */
  unschedule(t: Timer): void {
    if (t.heapIndex >= 0) this.removeAt(t.heapIndex);
    t.deadline = -1;
  }

  private removeAt(i: number): void {
    const heap = this.heap;
    const removed = heap[i];
    const last = heap.pop() as Timer;
    removed.heapIndex = -1;
    if (i < heap.length) {
      heap[i] = last;
      last.heapIndex = i;
      this.siftDown(i);
      this.siftUp(last.heapIndex);
    }
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].deadline <= heap[i].deadline) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l].deadline < heap[m].deadline) m = l;
      if (r < heap.length && heap[r].deadline < heap[m].deadline) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const heap = this.heap;
    const t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
    heap[a].heapIndex = a;
    heap[b].heapIndex = b;
  }
}
