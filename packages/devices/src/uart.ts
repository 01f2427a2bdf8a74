/**
 * National Semiconductor NS16550A UART: 16-byte receive and transmit FIFOs, the interrupt
 * identification priority scheme, line and modem status, loopback, and the baud divisor.
 *
 * Register behaviour from the NS16550A datasheet (PC16550D, "Register Summary", "FIFO
 * Interrupt Mode Operation"). The host side is a byte stream: transmitted bytes go to the
 * `tx` sink immediately (the transmitter is infinitely fast, so THRE comes back at once),
 * received bytes come from {@link Uart16550.receive}. With a clock, the character timeout
 * indication (IIR 0xC) fires after four character times of silence, as on the chip.
 */
import { CounterSet, type IrqLine, NO_IRQ, type PortIoDevice, type Timer, type VirtualClock } from '@x86kit/core';
import { type AccessSize, type ByteRegisters, type DeviceObserver, NO_OBSERVER, splitRead, splitWrite } from './common.js';

/** IER bits. */
export const UartIer = { ERBFI: 0x01, ETBEI: 0x02, ELSI: 0x04, EDSSI: 0x08 } as const;
/** IIR interrupt identifications (bits 3..0, bit 0 = 1 means none pending). */
export const UartIir = { NONE: 0x01, RLS: 0x06, RDA: 0x04, CTI: 0x0c, THRE: 0x02, MS: 0x00, FIFO_ENABLED: 0xc0 } as const;
/** LSR bits. */
export const UartLsr = { DR: 0x01, OE: 0x02, PE: 0x04, FE: 0x08, BI: 0x10, THRE: 0x20, TEMT: 0x40, FIFO_ERR: 0x80 } as const;
/** MCR bits. */
export const UartMcr = { DTR: 0x01, RTS: 0x02, OUT1: 0x04, OUT2: 0x08, LOOP: 0x10 } as const;
/** MSR bits. */
export const UartMsr = { DCTS: 0x01, DDSR: 0x02, TERI: 0x04, DDCD: 0x08, CTS: 0x10, DSR: 0x20, RI: 0x40, DCD: 0x80 } as const;

/** Counter names of {@link Uart16550}. */
export const UART_COUNTERS = [
  'portReads', 'portWrites', 'badAccesses', 'txBytes', 'rxBytes', 'rxOverruns', 'irqRaised',
] as const;
export type UartCounter = (typeof UART_COUNTERS)[number];
const C_READ = 0, C_WRITE = 1, C_BAD = 2, C_TX = 3, C_RX = 4, C_OVR = 5, C_IRQ = 6;

/** UART input clock on a PC: 1.8432 MHz (divisor 1 = 115200 baud). */
export const UART_CLOCK_HZ = 1_843_200;
const FIFO_SIZE = 16;
const TRIGGER = [1, 4, 8, 14] as const;

/** Serialisable state of {@link Uart16550} (`version` 1). */
export interface UartSnapshot {
  version: 1;
  ier: number; lcr: number; mcr: number; lsr: number; msr: number; scr: number; dll: number; dlm: number; fcr: number;
  rx: number[]; thrIpending: boolean; timeoutPending: boolean; modemInputs: number;
}

/** Options of {@link Uart16550}. */
export interface Uart16550Options {
  /** The interrupt output (IRQ 4 for COM1/3, IRQ 3 for COM2/4). */
  irq?: IrqLine;
  /** Host sink for every transmitted byte. */
  tx?: (byte: number) => void;
  /** Enables the character-timeout indication after 4 character times (else it is immediate). */
  clock?: VirtualClock;
  /**
   * PC wiring: the IRQ reaches the PIC only while MCR.OUT2 is set (default true, as on real
   * boards and as Linux's 8250 driver expects). Loopback mode also disconnects it.
   */
  out2GatesIrq?: boolean;
  observer?: DeviceObserver;
}

/**
 * A 16550A. Map at a COM base (8 ports): offsets are the UART register numbers.
 * ```ts
 * const com1 = new Uart16550({ irq: pic.line(4), tx: (b) => process.stdout.write(Uint8Array.of(b)) });
 * io.map(Uart16550.DEFAULT_COM1, 8, com1);
 * ```
 */
export class Uart16550 implements PortIoDevice, ByteRegisters {
  static readonly DEFAULT_COM1 = 0x3f8;
  static readonly DEFAULT_COM2 = 0x2f8;
  static readonly DEFAULT_COM3 = 0x3e8;
  static readonly DEFAULT_COM4 = 0x2e8;

  readonly counters = new CounterSet<UartCounter>(UART_COUNTERS);
  ier = 0;
  lcr = 0;
  mcr = 0;
  lsr = UartLsr.THRE | UartLsr.TEMT;
  /** Modem status; bits 7..4 follow the modem inputs (or MCR in loopback). */
  msr = 0;
  scr = 0;
  dll = 0x0c; // 9600 baud after reset, as BIOSes leave it
  dlm = 0;
  /** Last FCR value (bit 0 = FIFOs enabled, bits 7..6 = RX trigger level). */
  fcr = 0;
  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  private thrIpending = false;
  private timeoutPending = false;
  /** External modem inputs: CTS, DSR, RI, DCD in MSR bit positions (bits 7..4). */
  private modemInputs = UartMsr.CTS | UartMsr.DSR | UartMsr.DCD;
  private irqLevel = false;
  private readonly irq: IrqLine;
  private readonly tx: (byte: number) => void;
  private readonly clock: VirtualClock | null;
  private readonly timeoutTimer: Timer | null;
  private readonly out2Gates: boolean;
  private readonly observer: DeviceObserver;

  constructor(options: Uart16550Options = {}) {
    this.irq = options.irq ?? NO_IRQ;
    this.tx = options.tx ?? ((): void => {});
    this.clock = options.clock ?? null;
    this.timeoutTimer = this.clock === null ? null : this.clock.createTimer(() => this.onTimeout());
    this.out2Gates = options.out2GatesIrq ?? true;
    this.observer = options.observer ?? NO_OBSERVER;
    this.updateMsr();
    this.msr &= 0xf0;
  }

  /** Bytes waiting in the receive FIFO (or holding register). */
  get rxLevel(): number {
    return this.rxCount;
  }

  /** Free receive space: hosts feeding input should not exceed it (extra bytes overrun). */
  get rxSpace(): number {
    return this.fifoEnabled ? FIFO_SIZE - this.rxCount : 1 - this.rxCount;
  }

  get fifoEnabled(): boolean {
    return (this.fcr & 1) !== 0;
  }

  /** Divisor latch value (DLM:DLL). */
  get divisor(): number {
    return (this.dlm << 8) | this.dll;
  }

  /** Line speed programmed by the divisor (bits/s), or 0 if the divisor is 0. */
  get baudRate(): number {
    const d = this.divisor;
    return d === 0 ? 0 : UART_CLOCK_HZ / (16 * d);
  }

  /** Character time in ns (start + data + parity + stop bits at the programmed rate). */
  private charTimeNs(): number {
    const bits = 1 + 5 + (this.lcr & 3) + ((this.lcr & 0x08) !== 0 ? 1 : 0) + ((this.lcr & 0x04) !== 0 ? 2 : 1);
    const d = this.divisor || 1;
    return (bits * 16 * d * 1e9) / UART_CLOCK_HZ;
  }

  /** Host side: a byte arrives on the serial line (ignored in loopback mode, as on the chip). */
  receive(byte: number): void {
    if ((this.mcr & UartMcr.LOOP) !== 0) return;
    this.pushRx(byte);
  }

  /** Host side: several bytes arrive. */
  receiveBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.receive(bytes[i]);
  }

  /** Host side: a break condition on the line (BI, a zero byte in the FIFO). */
  receiveBreak(): void {
    this.pushRx(0);
    this.lsr |= UartLsr.BI;
    if (this.fifoEnabled) this.lsr |= UartLsr.FIFO_ERR;
    this.update();
  }

  /** Host side: set the modem input lines (MSR bits 4–7: CTS, DSR, RI, DCD). */
  setModemInputs(msrBits: number): void {
    this.modemInputs = msrBits & 0xf0;
    this.updateMsr();
    this.update();
  }

  private pushRx(byte: number): void {
    this.counters.values[C_RX]++;
    const cap = this.fifoEnabled ? FIFO_SIZE : 1;
    if (this.rxCount >= cap) {
      // Overrun: the FIFO keeps its contents; the shift register byte is lost (non-FIFO: overwritten).
      this.counters.values[C_OVR]++;
      this.lsr |= UartLsr.OE;
      if (!this.fifoEnabled) this.rx[this.rxHead] = byte & 0xff;
    } else {
      this.rx[(this.rxHead + this.rxCount) % FIFO_SIZE] = byte & 0xff;
      this.rxCount++;
    }
    this.lsr |= UartLsr.DR;
    this.timeoutPending = false;
    this.armTimeout();
    this.update();
  }

  private armTimeout(): void {
    if (!this.fifoEnabled || this.rxCount === 0) {
      if (this.timeoutTimer !== null) this.timeoutTimer.cancel();
      return;
    }
    if (this.timeoutTimer === null) this.timeoutPending = true;
    else this.timeoutTimer.armIn(4 * this.charTimeNs());
  }

  private onTimeout(): void {
    if (this.rxCount > 0 && this.fifoEnabled) {
      this.timeoutPending = true;
      this.update();
    }
  }

  private updateMsr(): void {
    let lines: number;
    if ((this.mcr & UartMcr.LOOP) !== 0) {
      const m = this.mcr;
      lines = ((m & UartMcr.RTS) !== 0 ? UartMsr.CTS : 0) | ((m & UartMcr.DTR) !== 0 ? UartMsr.DSR : 0)
        | ((m & UartMcr.OUT1) !== 0 ? UartMsr.RI : 0) | ((m & UartMcr.OUT2) !== 0 ? UartMsr.DCD : 0);
    } else {
      lines = this.modemInputs;
    }
    const old = this.msr;
    let delta = old & 0x0f;
    const changed = (old ^ lines) & 0xf0;
    if ((changed & UartMsr.CTS) !== 0) delta |= UartMsr.DCTS;
    if ((changed & UartMsr.DSR) !== 0) delta |= UartMsr.DDSR;
    if ((changed & UartMsr.DCD) !== 0) delta |= UartMsr.DDCD;
    if ((old & UartMsr.RI) !== 0 && (lines & UartMsr.RI) === 0) delta |= UartMsr.TERI; // trailing edge
    this.msr = lines | delta;
  }

  /** The current interrupt identification (IIR bits 3..0). */
  private pendingId(): number {
    const ier = this.ier;
    if ((ier & UartIer.ELSI) !== 0 && (this.lsr & (UartLsr.OE | UartLsr.PE | UartLsr.FE | UartLsr.BI)) !== 0) return UartIir.RLS;
    if ((ier & UartIer.ERBFI) !== 0 && this.rxCount > 0) {
      if (!this.fifoEnabled || this.rxCount >= TRIGGER[this.fcr >> 6]) return UartIir.RDA;
      if (this.timeoutPending) return UartIir.CTI;
    }
    if ((ier & UartIer.ETBEI) !== 0 && this.thrIpending) return UartIir.THRE;
    if ((ier & UartIer.EDSSI) !== 0 && (this.msr & 0x0f) !== 0) return UartIir.MS;
    return UartIir.NONE;
  }

  private update(): void {
    let level = this.pendingId() !== UartIir.NONE;
    if (this.out2Gates && ((this.mcr & UartMcr.OUT2) === 0 || (this.mcr & UartMcr.LOOP) !== 0)) level = false;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      if (level) {
        this.counters.values[C_IRQ]++;
        this.irq.raise();
      } else {
        this.irq.lower();
      }
    }
  }

  private transmit(byte: number): void {
    this.counters.values[C_TX]++;
    if ((this.mcr & UartMcr.LOOP) !== 0) this.pushRx(byte);
    else this.tx(byte);
    this.observer('tx', byte);
    // The byte left THR and the shift register at once: THRE and TEMT are set again.
    this.lsr |= UartLsr.THRE | UartLsr.TEMT;
    this.thrIpending = true;
  }

  readPort(offset: number, size: AccessSize): number {
    this.counters.values[C_READ]++;
    if (size === 1) return this.readByte(offset);
    this.counters.values[C_BAD]++;
    return splitRead(this, 8, offset, size);
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    this.counters.values[C_WRITE]++;
    if (size === 1) { this.writeByte(offset, value); return; }
    this.counters.values[C_BAD]++;
    splitWrite(this, 8, offset, size, value);
  }

  readByte(offset: number): number {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (offset) {
      case 0: {
        if (dlab) return this.dll;
        if (this.rxCount === 0) return 0; // RBR holds the last byte on real parts; 0 is what QEMU returns
        const b = this.rx[this.rxHead];
        this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
        this.rxCount--;
        if (this.rxCount === 0) this.lsr &= ~(UartLsr.DR | UartLsr.FIFO_ERR);
        this.timeoutPending = false;
        this.armTimeout();
        this.update();
        return b;
      }
      case 1: return dlab ? this.dlm : this.ier;
      case 2: {
        const id = this.pendingId();
        // Reading IIR while it reports THRE clears that source (datasheet table "Interrupt Control Functions").
        if (id === UartIir.THRE) {
          this.thrIpending = false;
          this.update();
        }
        return id | (this.fifoEnabled ? UartIir.FIFO_ENABLED : 0);
      }
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: {
        const v = this.lsr;
        this.lsr &= ~(UartLsr.OE | UartLsr.PE | UartLsr.FE | UartLsr.BI | UartLsr.FIFO_ERR);
        this.update();
        return v;
      }
      case 6: {
        const v = this.msr;
        this.msr &= 0xf0;
        this.update();
        return v;
      }
      default: return this.scr;
    }
  }

  writeByte(offset: number, value: number): void {
    value &= 0xff;
    const dlab = (this.lcr & 0x80) !== 0;
    switch (offset) {
      case 0:
        if (dlab) { this.dll = value; return; }
        this.thrIpending = false;
        this.transmit(value);
        break;
      case 1:
        if (dlab) { this.dlm = value; return; }
        {
          const old = this.ier;
          this.ier = value & 0x0f;
          // Enabling ETBEI while THR is empty raises a THRE interrupt at once (16550 behaviour).
          if ((old & UartIer.ETBEI) === 0 && (value & UartIer.ETBEI) !== 0 && (this.lsr & UartLsr.THRE) !== 0) {
            this.thrIpending = true;
          }
        }
        break;
      case 2: {
        const enable = (value & 1) !== 0;
        if (enable !== this.fifoEnabled || (value & 0x02) !== 0) {
          this.rxCount = 0;
          this.rxHead = 0;
          this.lsr &= ~(UartLsr.DR | UartLsr.FIFO_ERR);
          this.timeoutPending = false;
        }
        // Bit 2 clears the TX FIFO; transmission is instantaneous so it is always empty.
        this.fcr = enable ? value & 0xc9 : 0;
        this.armTimeout();
        break;
      }
      case 3: this.lcr = value; return;
      case 4:
        this.mcr = value & 0x1f;
        this.updateMsr();
        break;
      case 5: return; // LSR is read-only (factory test only)
      case 6: return; // MSR is read-only
      default: this.scr = value; return;
    }
    this.update();
  }

  snapshot(): UartSnapshot {
    const rx: number[] = [];
    for (let i = 0; i < this.rxCount; i++) rx.push(this.rx[(this.rxHead + i) % FIFO_SIZE]);
    return {
      version: 1, ier: this.ier, lcr: this.lcr, mcr: this.mcr, lsr: this.lsr, msr: this.msr, scr: this.scr,
      dll: this.dll, dlm: this.dlm, fcr: this.fcr, rx, thrIpending: this.thrIpending,
      timeoutPending: this.timeoutPending, modemInputs: this.modemInputs,
    };
  }

  restore(s: UartSnapshot): void {
    this.ier = s.ier; this.lcr = s.lcr; this.mcr = s.mcr; this.lsr = s.lsr; this.msr = s.msr; this.scr = s.scr;
    this.dll = s.dll; this.dlm = s.dlm; this.fcr = s.fcr; this.thrIpending = s.thrIpending;
    this.timeoutPending = s.timeoutPending; this.modemInputs = s.modemInputs;
    this.rxHead = 0;
    this.rxCount = Math.min(s.rx.length, FIFO_SIZE);
    for (let i = 0; i < this.rxCount; i++) this.rx[i] = s.rx[i];
    this.armTimeout();
    this.update();
  }

  static restore(s: UartSnapshot, options: Uart16550Options = {}): Uart16550 {
    const u = new Uart16550(options);
    u.restore(s);
    return u;
  }
}
