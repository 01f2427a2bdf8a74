/**
 * Motorola MC146818A real-time clock and its 128 bytes of CMOS RAM, as on a PC (index port
 * 0x70 with the NMI-disable bit 7, data port 0x71, IRQ 8).
 *
 * Behaviour from the MC146818A datasheet: time/calendar registers in BCD or binary and 12/24
 * hour format (register B DM, 24/12), the SET bit, the divider chain (register A DV; leaving
 * reset starts the first update 500 ms later), the update-in-progress bit (high for
 * 244 µs + 1984 µs before the registers change), periodic (RS rate), alarm (with 0xC0–0xFF
 * "don't care" bytes) and update-ended interrupts, register C read-to-clear, register D VRT.
 * Time comes from the virtual clock plus a configurable start time, so tests are deterministic.
 */
import { CounterSet, type IrqLine, NO_IRQ, type PortIoDevice, type Timer, type VirtualClock } from '@x86kit/core';
import { type AccessSize, type ByteRegisters, type DeviceObserver, NO_OBSERVER, fromBcd, splitRead, splitWrite, toBcd } from './common.js';

/** Register numbers (CMOS indices). */
export const RtcReg = {
  SECONDS: 0x00, SECONDS_ALARM: 0x01, MINUTES: 0x02, MINUTES_ALARM: 0x03, HOURS: 0x04, HOURS_ALARM: 0x05,
  DAY_OF_WEEK: 0x06, DAY_OF_MONTH: 0x07, MONTH: 0x08, YEAR: 0x09, A: 0x0a, B: 0x0b, C: 0x0c, D: 0x0d,
  /** IBM PC/AT: century in the same format as the year. */
  CENTURY: 0x32,
} as const;
/** Register B bits. */
export const RtcB = { SET: 0x80, PIE: 0x40, AIE: 0x20, UIE: 0x10, SQWE: 0x08, DM: 0x04, H24: 0x02, DSE: 0x01 } as const;
/** Register C bits. */
export const RtcC = { IRQF: 0x80, PF: 0x40, AF: 0x20, UF: 0x10 } as const;

/** Counter names of {@link Rtc146818}. */
export const RTC_COUNTERS = [
  'portReads', 'portWrites', 'badAccesses', 'irqRaised', 'periodicTicks', 'updates', 'alarms', 'regCReads',
] as const;
export type RtcCounter = (typeof RTC_COUNTERS)[number];
const C_READ = 0, C_WRITE = 1, C_BAD = 2, C_IRQ = 3, C_PERIODIC = 4, C_UPDATE = 5, C_ALARM = 6, C_CREAD = 7;

const NS = 1e9;
/** Update cycle: UIP rises 244 µs before an update that takes 1984 µs (32.768 kHz time base). */
const UIP_WINDOW_NS = 244_000 + 1_984_000;

/** Serialisable state of {@link Rtc146818} (`version` 1). */
export interface RtcSnapshot {
  version: 1;
  cmos: number[];
  index: number;
  nmiDisabled: boolean;
  running: boolean;
  baseSeconds: number;
  phaseNs: number;
  frozenSeconds: number;
  lastCRead: number;
}

/** Options of {@link Rtc146818}. */
export interface Rtc146818Options {
  clock: VirtualClock;
  /** IRQ 8 on a PC. */
  irq?: IrqLine;
  /** Wall-clock time at virtual time 0, in ms since the Unix epoch (default 2020-01-01T00:00:00Z). */
  startTime?: number;
  /** Called when the NMI mask (bit 7 of index writes) changes. */
  onNmiMask?: (disabled: boolean) => void;
  observer?: DeviceObserver;
}

/** Days since 1970-01-01 → [year, month 1–12, day 1–31] (proleptic Gregorian). */
function civilFromDays(z: number, out: Int32Array): void {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out[1] = m;
  out[2] = d;
}

/** [year, month, day] → days since 1970-01-01. */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * The RTC/CMOS. Map at 0x70 (2 ports: index, data).
 */
export class Rtc146818 implements PortIoDevice, ByteRegisters {
  static readonly DEFAULT_BASE = 0x70;

  /** The 128 bytes of CMOS RAM; bytes 0x00–0x0D are the clock registers. */
  readonly cmos = new Uint8Array(128);
  readonly counters = new CounterSet<RtcCounter>(RTC_COUNTERS);
  /** Selected register (index port bits 6..0). */
  index = 0;
  /** Index port bit 7: NMI disabled. */
  nmiDisabled = false;
  private running = true;
  private baseSeconds: number;
  private phaseNs = 0;
  private frozenSeconds = 0;
  private lastCRead = 0;
  /** Index of the next periodic / update boundary the armed timers stand for. */
  private periodicK = 0;
  private updateK = 0;
  private irqLevel = false;
  private readonly clock: VirtualClock;
  private readonly irq: IrqLine;
  private readonly periodicTimer: Timer;
  private readonly updateTimer: Timer;
  private readonly onNmiMask: (disabled: boolean) => void;
  private readonly observer: DeviceObserver;
  private readonly ymd = new Int32Array(3);

  constructor(options: Rtc146818Options) {
    this.clock = options.clock;
    this.irq = options.irq ?? NO_IRQ;
    this.onNmiMask = options.onNmiMask ?? ((): void => {});
    this.observer = options.observer ?? NO_OBSERVER;
    this.baseSeconds = Math.floor((options.startTime ?? Date.UTC(2020, 0, 1)) / 1000);
    this.phaseNs = this.clock.now();
    this.periodicTimer = this.clock.createTimer(() => this.onPeriodic());
    this.updateTimer = this.clock.createTimer(() => this.onUpdate());
    this.cmos[RtcReg.A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.cmos[RtcReg.B] = RtcB.H24;
    this.cmos[RtcReg.D] = 0x80; // VRT: RAM and time valid
    this.lastCRead = this.clock.now();
    this.refreshTime();
  }

  /** Current RTC time in seconds since the Unix epoch. */
  seconds(now: number = this.clock.now()): number {
    return this.running ? this.baseSeconds + Math.floor((now - this.phaseNs) / NS) : this.frozenSeconds;
  }

  /** Set the wall-clock time (seconds since the epoch), as a host would after a suspend. */
  setSeconds(s: number): void {
    const now = this.clock.now();
    if (this.running) this.baseSeconds = s - Math.floor((now - this.phaseNs) / NS);
    else this.frozenSeconds = s;
    this.refreshTime();
  }

  private get binary(): boolean {
    return (this.cmos[RtcReg.B] & RtcB.DM) !== 0;
  }
  private enc(v: number): number {
    return this.binary ? v : toBcd(v);
  }
  private dec(v: number): number {
    return this.binary ? v : fromBcd(v);
  }

  /** Write the time registers (and century) from the current time. */
  private refreshTime(): void {
    const s = this.seconds();
    const days = Math.floor(s / 86400);
    let rem = s - days * 86400;
    const hour = Math.floor(rem / 3600);
    rem -= hour * 3600;
    const min = Math.floor(rem / 60);
    const sec = rem - min * 60;
    civilFromDays(days, this.ymd);
    const c = this.cmos;
    c[RtcReg.SECONDS] = this.enc(sec);
    c[RtcReg.MINUTES] = this.enc(min);
    if ((c[RtcReg.B] & RtcB.H24) !== 0) c[RtcReg.HOURS] = this.enc(hour);
    else c[RtcReg.HOURS] = this.enc(hour % 12 === 0 ? 12 : hour % 12) | (hour >= 12 ? 0x80 : 0);
    c[RtcReg.DAY_OF_WEEK] = this.enc((((days + 4) % 7) + 7) % 7 + 1); // 1970-01-01 was a Thursday; 1 = Sunday
    c[RtcReg.DAY_OF_MONTH] = this.enc(this.ymd[2]);
    c[RtcReg.MONTH] = this.enc(this.ymd[1]);
    c[RtcReg.YEAR] = this.enc(this.ymd[0] % 100);
    c[RtcReg.CENTURY] = this.enc(Math.floor(this.ymd[0] / 100));
  }

  /** Seconds since the epoch described by the time registers. */
  private parseTime(): number {
    const c = this.cmos;
    const sec = this.dec(c[RtcReg.SECONDS]);
    const min = this.dec(c[RtcReg.MINUTES]);
    let hour: number;
    if ((c[RtcReg.B] & RtcB.H24) !== 0) hour = this.dec(c[RtcReg.HOURS]);
    else hour = (this.dec(c[RtcReg.HOURS] & 0x7f) % 12) + ((c[RtcReg.HOURS] & 0x80) !== 0 ? 12 : 0);
    const year = this.dec(c[RtcReg.CENTURY]) * 100 + this.dec(c[RtcReg.YEAR]);
    const days = daysFromCivil(year, this.dec(c[RtcReg.MONTH]), this.dec(c[RtcReg.DAY_OF_MONTH]));
    return days * 86400 + hour * 3600 + min * 60 + sec;
  }

  private dividerRunning(): boolean {
    return (this.cmos[RtcReg.A] & 0x70) === 0x20;
  }

  /** Periodic interrupt period in ns for RS, or 0 (datasheet table "Periodic Interrupt Rate"). */
  periodNs(): number {
    let rs = this.cmos[RtcReg.A] & 0x0f;
    if (rs === 0) return 0;
    if (rs <= 2) rs += 7;
    return ((1 << (rs - 1)) * NS) / 32768;
  }

  private uip(now: number): boolean {
    if (!this.running) return false;
    const frac = (((now - this.phaseNs) % NS) + NS) % NS;
    return frac >= NS - UIP_WINDOW_NS;
  }

  private setFlags(flags: number): void {
    const c = this.cmos;
    c[RtcReg.C] |= flags;
    const b = c[RtcReg.B];
    if ((c[RtcReg.C] & (b & (RtcB.PIE | RtcB.AIE | RtcB.UIE))) !== 0) c[RtcReg.C] |= RtcC.IRQF;
    if ((c[RtcReg.C] & RtcC.IRQF) !== 0 && !this.irqLevel) {
      this.irqLevel = true;
      this.counters.values[C_IRQ]++;
      this.observer('irq', c[RtcReg.C]);
      this.irq.raise();
    }
  }

  private schedule(): void {
    const now = this.clock.now();
    const b = this.cmos[RtcReg.B];
    const period = this.periodNs();
    if ((b & RtcB.PIE) !== 0 && period > 0 && this.dividerRunning()) {
      this.periodicK = Math.floor((now - this.phaseNs) / period) + 1;
      this.periodicTimer.arm(this.phaseNs + this.periodicK * period);
    } else {
      this.periodicTimer.cancel();
    }
    if ((b & (RtcB.UIE | RtcB.AIE)) !== 0 && this.running) {
      this.updateK = Math.floor((now - this.phaseNs) / NS) + 1;
      this.updateTimer.arm(this.phaseNs + this.updateK * NS);
    } else {
      this.updateTimer.cancel();
    }
  }

  private onPeriodic(): void {
    this.counters.values[C_PERIODIC]++;
    this.setFlags(RtcC.PF);
    // Count boundaries instead of dividing the time again: exact, and always moves forward.
    this.periodicK++;
    this.periodicTimer.arm(this.phaseNs + this.periodicK * this.periodNs());
  }

  private alarmMatches(): boolean {
    const c = this.cmos;
    return this.alarmMatchesTime(c[RtcReg.SECONDS], c[RtcReg.MINUTES], c[RtcReg.HOURS]);
  }

  /** Alarm comparison against encoded time bytes; alarm bytes 0xC0–0xFF match anything. */
  private alarmMatchesTime(sec: number, min: number, hour: number): boolean {
    const c = this.cmos;
    const m = (alarm: number, cur: number): boolean => (alarm & 0xc0) === 0xc0 || alarm === cur;
    return m(c[RtcReg.SECONDS_ALARM], sec) && m(c[RtcReg.MINUTES_ALARM], min) && m(c[RtcReg.HOURS_ALARM], hour);
  }

  /** Did the alarm match at any update in the seconds (from, to]? (AF is set even with AIE off.) */
  private alarmMatchedBetween(from: number, to: number): boolean {
    const h24 = (this.cmos[RtcReg.B] & RtcB.H24) !== 0;
    const last = Math.min(to, from + 86400); // a day covers every time of day
    for (let s = from + 1; s <= last; s++) {
      const tod = ((s % 86400) + 86400) % 86400;
      const hour = Math.floor(tod / 3600);
      const min = Math.floor((tod % 3600) / 60);
      const h = h24 ? this.enc(hour) : this.enc(hour % 12 === 0 ? 12 : hour % 12) | (hour >= 12 ? 0x80 : 0);
      if (this.alarmMatchesTime(this.enc(tod % 60), this.enc(min), h)) return true;
    }
    return false;
  }

  private onUpdate(): void {
    this.counters.values[C_UPDATE]++;
    this.refreshTime();
    let flags: number = RtcC.UF;
    if (this.alarmMatches()) {
      this.counters.values[C_ALARM]++;
      flags |= RtcC.AF;
    }
    this.setFlags(flags);
    this.updateK++;
    this.updateTimer.arm(this.phaseNs + this.updateK * NS);
  }

  readPort(offset: number, size: AccessSize): number {
    this.counters.values[C_READ]++;
    if (size === 1) return this.readByte(offset);
    this.counters.values[C_BAD]++;
    return splitRead(this, 2, offset, size);
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    this.counters.values[C_WRITE]++;
    if (size === 1) { this.writeByte(offset, value); return; }
    this.counters.values[C_BAD]++;
    splitWrite(this, 2, offset, size, value);
  }

  readByte(offset: number): number {
    if (offset === 0) return 0xff; // the index register is write-only
    const i = this.index;
    const c = this.cmos;
    const now = this.clock.now();
    switch (i) {
      case RtcReg.A:
        return (c[RtcReg.A] & 0x7f) | (this.uip(now) ? 0x80 : 0);
      case RtcReg.C: {
        this.counters.values[C_CREAD]++;
        this.catchUpFlags(now);
        const v = c[RtcReg.C];
        c[RtcReg.C] = 0;
        this.lastCRead = now;
        if (this.irqLevel) {
          this.irqLevel = false;
          this.irq.lower();
        }
        return v;
      }
      case RtcReg.D: return 0x80;
      default:
        // refreshTime() rewrites the time registers and century only, never the alarm bytes.
        if (this.running && (i <= RtcReg.YEAR || i === RtcReg.CENTURY)) this.refreshTime();
        return c[i];
    }
  }

  /** Flags that would have been set while their timers were not armed (PF, UF are set regardless of enables). */
  private catchUpFlags(now: number): void {
    if (!this.periodicTimer.armed && this.dividerRunning()) {
      const p = this.periodNs();
      if (p > 0 && Math.floor((now - this.phaseNs) / p) > Math.floor((this.lastCRead - this.phaseNs) / p)) {
        this.cmos[RtcReg.C] |= RtcC.PF;
      }
    }
    if (!this.updateTimer.armed && this.running
      && Math.floor((now - this.phaseNs) / NS) > Math.floor((this.lastCRead - this.phaseNs) / NS)) {
      this.cmos[RtcReg.C] |= RtcC.UF;
      if (this.alarmMatchedBetween(this.seconds(this.lastCRead), this.seconds(now))) this.cmos[RtcReg.C] |= RtcC.AF;
    }
  }

  writeByte(offset: number, value: number): void {
    value &= 0xff;
    if (offset === 0) {
      this.index = value & 0x7f;
      const nmi = (value & 0x80) !== 0;
      if (nmi !== this.nmiDisabled) {
        this.nmiDisabled = nmi;
        this.onNmiMask(nmi);
      }
      return;
    }
    const i = this.index;
    const c = this.cmos;
    const now = this.clock.now();
    switch (i) {
      case RtcReg.A: {
        const wasReset = (c[RtcReg.A] & 0x60) === 0x60;
        const wasRunning = this.dividerRunning();
        c[RtcReg.A] = value & 0x7f;
        const nowRunning = this.dividerRunning();
        if (wasRunning && !nowRunning) this.freeze(now);
        else if (!wasRunning && nowRunning && (c[RtcReg.B] & RtcB.SET) === 0) {
          // Leaving divider reset: the first update comes 500 ms later (datasheet, register A DV bits).
          this.thaw(wasReset ? now + NS / 2 - NS : now);
        }
        break;
      }
      case RtcReg.B: {
        const old = c[RtcReg.B];
        if ((value & RtcB.SET) !== 0 && (old & RtcB.SET) === 0) {
          if (this.running) this.refreshTime();
          this.freeze(now);
        }
        c[RtcReg.B] = (value & RtcB.SET) !== 0 ? value & ~RtcB.UIE : value; // SET clears UIE
        if ((value & RtcB.SET) === 0 && (old & RtcB.SET) !== 0) {
          this.frozenSeconds = this.parseTime();
          if (this.dividerRunning()) this.thaw(this.phaseNs);
        }
        if (((old ^ value) & (RtcB.DM | RtcB.H24)) !== 0 && this.running) this.refreshTime();
        // Enabling an interrupt whose flag is already set raises IRQF at once.
        this.setFlags(0);
        break;
      }
      case RtcReg.C: case RtcReg.D: return; // read-only
      default:
        if (i <= RtcReg.YEAR || i === RtcReg.CENTURY) {
          const isAlarm = i === RtcReg.SECONDS_ALARM || i === RtcReg.MINUTES_ALARM || i === RtcReg.HOURS_ALARM;
          if (this.running && !isAlarm) {
            this.refreshTime();
            c[i] = value;
            const s = this.parseTime();
            this.baseSeconds = s - Math.floor((now - this.phaseNs) / NS);
          } else {
            c[i] = value;
          }
        } else {
          c[i] = value;
        }
    }
    this.schedule();
  }

  private freeze(now: number): void {
    if (!this.running) return;
    this.frozenSeconds = this.seconds(now);
    this.running = false;
  }

  /** Resume counting from `frozenSeconds`, with the next second boundary at phase + k s. */
  private thaw(phase: number): void {
    const now = this.clock.now();
    this.phaseNs = phase;
    this.baseSeconds = this.frozenSeconds - Math.floor((now - phase) / NS);
    this.running = true;
  }

  /**
   * Fill the CMOS fields firmware reads for memory sizes (IBM AT layout plus the SeaBIOS/QEMU
   * extensions): 0x15/0x16 base KiB, 0x17/0x18 and 0x30/0x31 KiB above 1 MiB (max 0xFFFF),
   * 0x34/0x35 64 KiB units above 16 MiB, 0x5B–0x5D 64 KiB units above 4 GiB; then the checksum.
   */
  setMemorySize(belowFourGiB: number, aboveFourGiB = 0): void {
    const c = this.cmos;
    const w16 = (at: number, v: number): void => { c[at] = v & 0xff; c[at + 1] = (v >> 8) & 0xff; };
    w16(0x15, 640);
    const extKb = Math.min(0xffff, Math.max(0, Math.floor((belowFourGiB - 0x100000) / 1024)));
    w16(0x17, extKb);
    w16(0x30, extKb);
    w16(0x34, Math.min(0xffff, Math.max(0, Math.floor((belowFourGiB - 0x1000000) / 65536))));
    const high = Math.floor(aboveFourGiB / 65536);
    c[0x5b] = high & 0xff; c[0x5c] = (high >> 8) & 0xff; c[0x5d] = (high >> 16) & 0xff;
    this.updateChecksum();
  }

  /** CMOS 0x5F: number of CPUs minus one (read by SeaBIOS). */
  setCpuCount(n: number): void {
    this.cmos[0x5f] = (n - 1) & 0xff;
  }

  /** The AT checksum at 0x2E (high) / 0x2F (low): sum of bytes 0x10–0x2D. */
  updateChecksum(): void {
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += this.cmos[i];
    this.cmos[0x2e] = (sum >> 8) & 0xff;
    this.cmos[0x2f] = sum & 0xff;
  }

  snapshot(): RtcSnapshot {
    return {
      version: 1, cmos: Array.from(this.cmos), index: this.index, nmiDisabled: this.nmiDisabled, running: this.running,
      baseSeconds: this.baseSeconds, phaseNs: this.phaseNs, frozenSeconds: this.frozenSeconds, lastCRead: this.lastCRead,
    };
  }

  restore(s: RtcSnapshot): void {
    this.cmos.set(s.cmos);
    this.index = s.index; this.nmiDisabled = s.nmiDisabled; this.running = s.running; this.baseSeconds = s.baseSeconds;
    this.phaseNs = s.phaseNs; this.frozenSeconds = s.frozenSeconds; this.lastCRead = s.lastCRead;
    this.irqLevel = false;
    this.setFlags(0);
    this.schedule();
  }

  static restore(s: RtcSnapshot, options: Rtc146818Options): Rtc146818 {
    const r = new Rtc146818(options);
    r.restore(s);
    return r;
  }
}
