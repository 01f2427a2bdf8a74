/**
 * Intel 8254 programmable interval timer (three 16-bit counters clocked at 1.193182 MHz) and
 * the PC's System Control Port B (port 0x61: counter 2 gate, speaker enable, counter 2
 * output, refresh toggle).
 *
 * Behaviour from the Intel 8254 datasheet (order no. 231164): control word, the six modes,
 * counter latch and read-back commands, LSB/MSB/both access, BCD counting, gate semantics
 * per mode, null count. Counting is computed from the virtual clock (no per-tick work); only
 * counter 0's output drives an IRQ line, with one timer event per output transition.
 */
import { CounterSet, type IrqLine, NO_IRQ, type PortIoDevice, type Timer, type VirtualClock } from '@x86kit/core';
import { type AccessSize, type ByteRegisters, type DeviceObserver, NO_OBSERVER, splitRead, splitWrite } from './common.js';

/** Input clock of every counter, Hz (14.31818 MHz / 12, rounded as PC emulators do). */
export const PIT_FREQUENCY_HZ = 1_193_182;
const NS_PER_S = 1e9;

/** Counter names of {@link Pit8254}. */
export const PIT_COUNTERS = [
  'portReads', 'portWrites', 'badAccesses', 'controlWords', 'latchCommands', 'readBacks', 'irqEdges', 'timerEvents',
] as const;
export type PitCounter = (typeof PIT_COUNTERS)[number];
const C_READ = 0, C_WRITE = 1, C_BAD = 2, C_CTRL = 3, C_LATCH = 4, C_RB = 5, C_EDGE = 6, C_TIMER = 7;

/** Serialisable state of one counter. */
export interface PitChannelState {
  mode: number; rw: number; bcd: boolean; count: number; started: boolean; startTime: number; pausedTicks: number;
  gate: boolean; latchValue: number; latchBytes: number; statusLatched: boolean; status: number;
  readHigh: boolean; writeHigh: boolean; writeLow: number; nullCount: boolean; nextCount: number; nextStart: number;
}

/** Serialisable state of {@link Pit8254} (`version` 1). Times are the clock's absolute ns. */
export interface PitSnapshot {
  version: 1;
  channels: PitChannelState[];
  speaker: number;
}

/** One counter. Not used directly; see {@link Pit8254.channel}. */
export class PitChannel {
  /** Mode 0–5 (6 and 7 alias 2 and 3). */
  mode = 0;
  /** RW field: 1 = LSB only, 2 = MSB only, 3 = LSB then MSB. */
  rw = 3;
  bcd = false;
  /** Initial count N as a plain integer (0 written means 65536, or 10000 in BCD). */
  count = 0x10000;
  /** A count was loaded (and, for modes 1 and 5, the gate triggered). */
  started = false;
  /** Virtual time (ns) at which counting started from N. */
  startTime = 0;
  /** Ticks elapsed when counting was suspended by a low gate (modes 0 and 4), else -1. */
  pausedTicks = -1;
  gate = true;
  latchValue = 0;
  /** Bytes of a latched count still to be read (0 = nothing latched). */
  latchBytes = 0;
  statusLatched = false;
  status = 0;
  readHigh = false;
  writeHigh = false;
  writeLow = 0;
  nullCount = true;
  /** A count written while counting in modes 1, 2, 3 or 5, waiting to be loaded. */
  nextCount = 0;
  /**
   * When `nextCount` is loaded: the end of the current cycle in modes 2/3, `Infinity` (the
   * next gate trigger) in modes 1/5, or -1 when nothing is pending.
   */
  nextStart = -1;

  /** Load a deferred count whose reload point has passed. */
  sync(now: number): void {
    if (this.nextStart >= 0 && now >= this.nextStart) {
      this.count = this.nextCount;
      this.startTime = this.nextStart;
      this.nextStart = -1;
      this.nullCount = false;
    }
  }

  /**
   * Counter input ticks elapsed since counting started. Split into whole seconds and a
   * remainder so that the result stays exact for arbitrarily long runs, and so that
   * `ticks(timeOf(k)) === k` for every k (timer deadlines land exactly on their tick).
   */
  ticks(now: number): number {
    this.sync(now);
    if (this.pausedTicks >= 0) return this.pausedTicks;
    const delta = now - this.startTime;
    if (delta <= 0) return 0;
    const q = Math.floor(delta / NS_PER_S);
    const r = delta - q * NS_PER_S;
    return q * PIT_FREQUENCY_HZ + Math.floor((r * PIT_FREQUENCY_HZ) / NS_PER_S + 1e-6);
  }

  /** Virtual time at which `ticks` input clocks have elapsed (the inverse of {@link ticks}). */
  timeOf(ticks: number): number {
    const q = Math.floor(ticks / PIT_FREQUENCY_HZ);
    const r = ticks - q * PIT_FREQUENCY_HZ;
    return this.startTime + q * NS_PER_S + Math.ceil((r * NS_PER_S) / PIT_FREQUENCY_HZ);
  }

  private period(): number {
    return this.count < 2 && (this.mode === 2 || this.mode === 3) ? 2 : this.count;
  }

  /** Value of the counting element now. */
  value(now: number): number {
    this.sync(now);
    if (!this.started) return this.count & 0xffff;
    const d = this.ticks(now);
    const n = this.period();
    const modulus = this.bcd ? 10000 : 0x10000;
    switch (this.mode) {
      case 2: return n - (d % n);
      case 3: {
        // Decrements by two per clock; odd counts spend one extra clock in each half.
        const r = d % n;
        const half = (n + 1) >> 1;
        return r < half ? n - 2 * r : n - 2 * (r - half);
      }
      default: {
        return (((n - d) % modulus) + modulus) % modulus;
      }
    }
  }

  /** The OUT pin now. */
  out(now: number): boolean {
    this.sync(now);
    if (!this.started) return this.mode !== 0;
    const d = this.ticks(now);
    const n = this.period();
    switch (this.mode) {
      case 0: case 1: return d >= n;
      case 2: return this.gate ? d % n !== n - 1 : true;
      case 3: return this.gate ? d % n < (n + 1) >> 1 : true;
      default: return d !== n;
    }
  }

  /** Tick count (> d) of the next OUT transition, or -1 if OUT will not change by itself. */
  nextTransition(d: number): number {
    if (!this.started || this.pausedTicks >= 0) return -1;
    const n = this.period();
    switch (this.mode) {
      case 0: case 1: return d < n ? n : -1;
      case 2: {
        if (!this.gate) return -1;
        const r = d % n;
        return r < n - 1 ? d - r + n - 1 : d - r + n;
      }
      case 3: {
        if (!this.gate) return -1;
        const r = d % n;
        const half = (n + 1) >> 1;
        return r < half ? d - r + half : d - r + n;
      }
      default: return d < n ? n : d === n ? n + 1 : -1;
    }
  }

  state(): PitChannelState {
    return {
      mode: this.mode, rw: this.rw, bcd: this.bcd, count: this.count, started: this.started, startTime: this.startTime,
      pausedTicks: this.pausedTicks, gate: this.gate, latchValue: this.latchValue, latchBytes: this.latchBytes,
      statusLatched: this.statusLatched, status: this.status, readHigh: this.readHigh, writeHigh: this.writeHigh,
      writeLow: this.writeLow, nullCount: this.nullCount, nextCount: this.nextCount, nextStart: this.nextStart,
    };
  }

  load(s: PitChannelState): void {
    this.mode = s.mode; this.rw = s.rw; this.bcd = s.bcd; this.count = s.count; this.started = s.started;
    this.startTime = s.startTime; this.pausedTicks = s.pausedTicks; this.gate = s.gate; this.latchValue = s.latchValue;
    this.latchBytes = s.latchBytes; this.statusLatched = s.statusLatched; this.status = s.status;
    this.readHigh = s.readHigh; this.writeHigh = s.writeHigh; this.writeLow = s.writeLow; this.nullCount = s.nullCount;
    this.nextCount = s.nextCount; this.nextStart = s.nextStart === null ? Infinity : s.nextStart; // JSON turns Infinity into null
  }
}

function toBcd4(v: number): number {
  return (v % 10) | ((Math.floor(v / 10) % 10) << 4) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 1000) % 10) << 12);
}
function fromBcd4(v: number): number {
  return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

/** Options of {@link Pit8254}. */
export interface Pit8254Options {
  clock: VirtualClock;
  /** Counter 0 output (IRQ 0 on a PC). */
  irq?: IrqLine;
  observer?: DeviceObserver;
}

/**
 * The 8254. Ports: offsets 0–2 = counters 0–2, offset 3 = control word (map at 0x40, 4 ports).
 * {@link Pit8254.portB} is System Control Port B (map at 0x61, 1 port).
 */
export class Pit8254 implements PortIoDevice, ByteRegisters {
  static readonly DEFAULT_BASE = 0x40;
  static readonly DEFAULT_PORT_B = 0x61;

  readonly channels: readonly [PitChannel, PitChannel, PitChannel] = [new PitChannel(), new PitChannel(), new PitChannel()];
  readonly counters = new CounterSet<PitCounter>(PIT_COUNTERS);
  /** Port 0x61 (System Control Port B). */
  readonly portB: PortIoDevice;
  /** Port B bits 0–3 as last written (bit 0 = counter 2 gate, bit 1 = speaker data enable). */
  speaker = 0;
  /** The clock the counters run on. */
  readonly clock: VirtualClock;
  private readonly irq: IrqLine;
  private readonly observer: DeviceObserver;
  private readonly timer: Timer;
  private out0 = false;

  constructor(options: Pit8254Options) {
    this.clock = options.clock;
    this.irq = options.irq ?? NO_IRQ;
    this.observer = options.observer ?? NO_OBSERVER;
    this.timer = this.clock.createTimer(() => this.onTimer());
    this.channels[2].gate = false;
    this.portB = new PitPortB(this);
  }

  /** Counter `n` (0–2). */
  channel(n: 0 | 1 | 2): PitChannel {
    return this.channels[n];
  }

  /** OUT of counter `n` now. */
  output(n: 0 | 1 | 2): boolean {
    return this.channels[n].out(this.clock.now());
  }

  readPort(offset: number, size: AccessSize): number {
    this.counters.values[C_READ]++;
    if (size === 1) return this.readByte(offset);
    this.counters.values[C_BAD]++;
    return splitRead(this, 4, offset, size);
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    this.counters.values[C_WRITE]++;
    if (size === 1) { this.writeByte(offset, value); return; }
    this.counters.values[C_BAD]++;
    splitWrite(this, 4, offset, size, value);
  }

  readByte(offset: number): number {
    if (offset === 3) return 0xff; // the control register cannot be read
    const c = this.channels[offset];
    if (c.statusLatched) {
      c.statusLatched = false;
      return c.status;
    }
    let v: number;
    let high: boolean;
    if (c.latchBytes > 0) {
      v = c.latchValue;
      high = c.rw === 2 || (c.rw === 3 && c.latchBytes === 1);
      c.latchBytes--;
    } else {
      v = c.value(this.clock.now());
      if (c.bcd) v = toBcd4(v % 10000);
      high = c.rw === 2 || (c.rw === 3 && c.readHigh);
      if (c.rw === 3) c.readHigh = !c.readHigh;
    }
    return high ? (v >> 8) & 0xff : v & 0xff;
  }

  writeByte(offset: number, value: number): void {
    value &= 0xff;
    if (offset === 3) { this.controlWord(value); return; }
    const c = this.channels[offset];
    if (c.rw === 3) {
      if (!c.writeHigh) {
        c.writeLow = value;
        c.writeHigh = true;
        if (c.mode === 0) { // datasheet: writing the first byte of a mode 0 count stops counting
          c.pausedTicks = c.started ? c.ticks(this.clock.now()) : -1;
          c.started = false;
          if (offset === 0) this.refresh();
        }
        return;
      }
      c.writeHigh = false;
      this.loadCount(offset, c.writeLow | (value << 8));
    } else if (c.rw === 1) {
      this.loadCount(offset, value);
    } else {
      this.loadCount(offset, value << 8);
    }
  }

  private loadCount(n: number, raw: number): void {
    const c = this.channels[n];
    let count = c.bcd ? fromBcd4(raw) : raw;
    if (count === 0) count = c.bcd ? 10000 : 0x10000;
    const now = this.clock.now();
    c.sync(now);
    if (c.started && c.pausedTicks < 0 && (c.mode === 2 || c.mode === 3) && c.gate) {
      // Datasheet, modes 2 and 3: a new count written while counting is loaded at the end of
      // the current period; the current period is not disturbed.
      const d = c.ticks(now);
      const period = c.count < 2 ? 2 : c.count;
      c.nextCount = count;
      c.nextStart = c.timeOf(d - (d % period) + period);
      c.nullCount = true;
      this.observer('count', (n << 17) | count);
      return;
    }
    if (c.started && (c.mode === 1 || c.mode === 5)) {
      // Modes 1 and 5: the new count is used from the next gate trigger.
      c.nextCount = count;
      c.nextStart = Infinity;
      c.nullCount = true;
      return;
    }
    c.count = count;
    c.nullCount = false;
    c.pausedTicks = -1;
    c.nextStart = -1;
    // Modes 1 and 5 wait for a gate trigger; the others start counting now.
    if (c.mode !== 1 && c.mode !== 5) {
      c.started = true;
      c.startTime = now;
      if ((c.mode === 0 || c.mode === 4) && !c.gate) c.pausedTicks = 0;
    }
    this.observer('count', (n << 17) | count);
    if (n === 0) this.refresh();
  }

  private controlWord(value: number): void {
    this.counters.values[C_CTRL]++;
    const sc = value >> 6;
    const now = this.clock.now();
    if (sc === 3) {
      this.counters.values[C_RB]++;
      for (let n = 0; n < 3; n++) {
        if ((value & (2 << n)) === 0) continue;
        const c = this.channels[n];
        if ((value & 0x20) === 0 && c.latchBytes === 0) this.latch(c, now);
        if ((value & 0x10) === 0 && !c.statusLatched) {
          c.status = (c.out(now) ? 0x80 : 0) | (c.nullCount ? 0x40 : 0) | (c.rw << 4) | (c.mode << 1) | (c.bcd ? 1 : 0);
          c.statusLatched = true;
        }
      }
      return;
    }
    const c = this.channels[sc];
    const rw = (value >> 4) & 3;
    if (rw === 0) {
      this.counters.values[C_LATCH]++;
      if (c.latchBytes === 0) this.latch(c, now);
      return;
    }
    let mode = (value >> 1) & 7;
    if (mode > 5) mode -= 4;
    c.rw = rw;
    c.mode = mode;
    c.bcd = (value & 1) !== 0;
    c.started = false;
    c.pausedTicks = -1;
    c.nextStart = -1;
    c.nullCount = true;
    c.readHigh = false;
    c.writeHigh = false;
    c.latchBytes = 0;
    c.statusLatched = false;
    if (sc === 0) this.refresh();
  }

  private latch(c: PitChannel, now: number): void {
    let v = c.value(now);
    if (c.bcd) v = toBcd4(v % 10000);
    c.latchValue = v;
    c.latchBytes = c.rw === 3 ? 2 : 1;
  }

  /** Drive the GATE input of counter `n` (counter 2's gate is port 0x61 bit 0). */
  setGate(n: 0 | 1 | 2, level: boolean): void {
    const c = this.channels[n];
    if (c.gate === level) return;
    const now = this.clock.now();
    c.gate = level;
    switch (c.mode) {
      case 0: case 4: // gate low suspends counting
        if (c.started) {
          if (!level) c.pausedTicks = c.ticks(now);
          else if (c.pausedTicks >= 0) {
            c.startTime = now - Math.floor((c.pausedTicks * NS_PER_S) / PIT_FREQUENCY_HZ);
            c.pausedTicks = -1;
          }
        }
        break;
      default: // 1, 2, 3, 5: a rising edge (re)starts the count; gate low holds 2/3 with OUT high
        if (level) {
          if (c.nextStart >= 0) { // a count written since the last trigger is loaded now
            c.count = c.nextCount;
            c.nextStart = -1;
            c.nullCount = false;
          }
          if (!c.nullCount) {
            c.started = true;
            c.startTime = now;
          }
        }
    }
    if (n === 0) this.refresh();
  }

  /** Re-evaluate counter 0's output and schedule its next transition. */
  private refresh(): void {
    const now = this.clock.now();
    const c = this.channels[0];
    const out = c.out(now);
    if (out !== this.out0) {
      this.out0 = out;
      if (out) { this.counters.values[C_EDGE]++; this.irq.raise(); } else this.irq.lower();
    }
    const next = c.nextTransition(c.ticks(now));
    if (next < 0) this.timer.cancel();
    else this.timer.arm(Math.max(c.timeOf(next), now + 1)); // always in the future: runDue terminates
  }

  private onTimer(): void {
    this.counters.values[C_TIMER]++;
    this.refresh();
  }

  snapshot(): PitSnapshot {
    return { version: 1, channels: this.channels.map((c) => c.state()), speaker: this.speaker };
  }

  restore(s: PitSnapshot): void {
    for (let i = 0; i < 3; i++) this.channels[i].load(s.channels[i]);
    this.speaker = s.speaker;
    this.out0 = !this.channels[0].out(this.clock.now());
    this.refresh();
  }

  /** A new PIT holding `s` (on a clock at the same time base). */
  static restore(s: PitSnapshot, options: Pit8254Options): Pit8254 {
    const p = new Pit8254(options);
    p.restore(s);
    return p;
  }
}

/**
 * System Control Port B (port 0x61): bit 0 counter 2 gate, bit 1 speaker data enable,
 * bits 2–3 parity/IOCHK check disables (stored), bit 4 refresh toggle (flips every 15.085 µs),
 * bit 5 counter 2 OUT; bits 6–7 (IOCHK/SERR status) read 0.
 */
class PitPortB implements PortIoDevice {
  private readonly pit: Pit8254;
  constructor(pit: Pit8254) {
    this.pit = pit;
  }
  readPort(_offset: number, size: AccessSize): number {
    const pit = this.pit;
    pit.counters.values[C_READ]++;
    if (size !== 1) pit.counters.values[C_BAD]++;
    const now = pit.clock.now();
    const refresh = Math.floor(now / 15085) & 1;
    const v = (pit.speaker & 0x0f) | (refresh << 4) | (pit.channels[2].out(now) ? 0x20 : 0);
    return size === 1 ? v : (v | (size === 2 ? 0xff00 : 0xffffff00)) >>> 0;
  }
  writePort(_offset: number, size: AccessSize, value: number): void {
    const pit = this.pit;
    pit.counters.values[C_WRITE]++;
    if (size !== 1) pit.counters.values[C_BAD]++;
    pit.speaker = value & 0x0f;
    pit.setGate(2, (value & 1) !== 0);
  }
}
