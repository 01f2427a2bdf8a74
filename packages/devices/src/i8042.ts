/**
 * Intel 8042 keyboard controller as on PC/AT and PS/2 machines: data port 0x60, status and
 * command port 0x64, the controller command byte, the output port (A20 gate, CPU reset),
 * set-2 → set-1 translation, IRQ 1 (keyboard) and IRQ 12 (auxiliary port; no mouse attached).
 *
 * Command set from the IBM PS/2 Hardware Interface Technical Reference ("Keyboard/Auxiliary
 * Device Controller") as firmware and Linux's i8042 driver use it.
 */
import { CounterSet, type IrqLine, NO_IRQ, type PortIoDevice } from '@x86kit/core';
import { type AccessSize, type DeviceObserver, NO_OBSERVER } from './common.js';
import { Ps2Keyboard, type Ps2KeyboardState, SET2_TO_SET1 } from './ps2-keyboard.js';

/** Status register bits (port 0x64 read). */
export const I8042Status = { OBF: 0x01, IBF: 0x02, SYS: 0x04, A2: 0x08, INH: 0x10, AUXB: 0x20, TIMEOUT: 0x40, PARITY: 0x80 } as const;
/** Controller command byte bits. */
export const I8042Ccb = { KBD_INT: 0x01, AUX_INT: 0x02, SYS: 0x04, KBD_DISABLE: 0x10, AUX_DISABLE: 0x20, TRANSLATE: 0x40 } as const;
/** Output port bits. */
export const I8042Out = { RESET: 0x01, A20: 0x02, KBD_OBF: 0x10, AUX_OBF: 0x20 } as const;

/** Counter names of {@link I8042}. */
export const I8042_COUNTERS = [
  'portReads', 'portWrites', 'badAccesses', 'commands', 'unknownCommands', 'irq1', 'irq12', 'resets', 'a20Changes',
] as const;
export type I8042Counter = (typeof I8042_COUNTERS)[number];
const C_READ = 0, C_WRITE = 1, C_BAD = 2, C_CMD = 3, C_UNKNOWN = 4, C_IRQ1 = 5, C_IRQ12 = 6, C_RESET = 7, C_A20 = 8;

/** Serialisable state of {@link I8042} and its keyboard (`version` 1). */
export interface I8042Snapshot {
  version: 1;
  ccb: number; outputPort: number; status: number; ram: number[]; outputBuffer: number; pendingCommand: number;
  translateBreak: boolean; replies: number[]; keyboard: Ps2KeyboardState;
}

/** Options of {@link I8042}. */
export interface I8042Options {
  irq1?: IrqLine;
  irq12?: IrqLine;
  /** The keyboard on the first port (a new {@link Ps2Keyboard} by default). */
  keyboard?: Ps2Keyboard;
  /** CPU reset requested (command 0xFE, or output port bit 0 written as 0). */
  onReset?: () => void;
  /** The A20 gate output changed. */
  onA20?: (enabled: boolean) => void;
  /** Initial A20 gate state (default false, as at power-on). */
  a20?: boolean;
  observer?: DeviceObserver;
}

/**
 * The controller. Its two register windows are separate devices because the ports are not
 * contiguous: map {@link I8042.data} at 0x60 and {@link I8042.command} at 0x64 (1 port each).
 */
export class I8042 {
  static readonly DEFAULT_DATA = 0x60;
  static readonly DEFAULT_COMMAND = 0x64;

  readonly keyboard: Ps2Keyboard;
  readonly counters = new CounterSet<I8042Counter>(I8042_COUNTERS);
  /** Port 0x60. */
  readonly data: PortIoDevice;
  /** Port 0x64. */
  readonly command: PortIoDevice;
  /** Controller command byte ("RAM byte 0"). */
  ccb: number = I8042Ccb.KBD_INT | I8042Ccb.SYS | I8042Ccb.TRANSLATE;
  /** Output port (bit 0 = not reset, bit 1 = A20). */
  outputPort: number = I8042Out.RESET;
  status: number = I8042Status.INH;
  /** Controller RAM bytes 1–31 (commands 0x21–0x3F / 0x61–0x7F). */
  readonly ram = new Uint8Array(32);
  private outputBuffer = 0;
  private pendingCommand = 0;
  private translateBreak = false;
  /** Controller-generated replies waiting for the output buffer (a ring): value | 0x100 marks aux data. */
  private readonly replies = new Uint16Array(16);
  private replyHead = 0;
  private replyCount = 0;
  private irq1Level = false;
  private irq12Level = false;
  private readonly irq1: IrqLine;
  private readonly irq12: IrqLine;
  private readonly onReset: () => void;
  private readonly onA20: (enabled: boolean) => void;
  private readonly observer: DeviceObserver;

  constructor(options: I8042Options = {}) {
    this.irq1 = options.irq1 ?? NO_IRQ;
    this.irq12 = options.irq12 ?? NO_IRQ;
    this.keyboard = options.keyboard ?? new Ps2Keyboard();
    this.onReset = options.onReset ?? ((): void => {});
    this.onA20 = options.onA20 ?? ((): void => {});
    this.observer = options.observer ?? NO_OBSERVER;
    if (options.a20 === true) this.outputPort |= I8042Out.A20;
    this.keyboard.onData = (): void => this.refill();
    this.data = new I8042Port(this, 0);
    this.command = new I8042Port(this, 4);
  }

  /** The A20 gate output. */
  get a20(): boolean {
    return (this.outputPort & I8042Out.A20) !== 0;
  }

  /** @internal */
  read(reg: number, size: AccessSize): number {
    this.counters.values[C_READ]++;
    if (size !== 1) this.counters.values[C_BAD]++;
    let v: number;
    if (reg === 4) {
      v = this.status | (this.ccb & I8042Ccb.SYS);
    } else {
      v = this.outputBuffer;
      if ((this.status & I8042Status.OBF) !== 0) {
        this.status &= ~(I8042Status.OBF | I8042Status.AUXB);
        this.updateIrq();
        this.refill();
      }
    }
    // A wide IN reads the byte at the next port too, which this device does not decode.
    return size === 1 ? v : (v | (size === 2 ? 0xff00 : 0xffffff00)) >>> 0;
  }

  /** @internal */
  write(reg: number, size: AccessSize, value: number): void {
    this.counters.values[C_WRITE]++;
    if (size !== 1) this.counters.values[C_BAD]++;
    value &= 0xff;
    if (reg === 4) {
      this.status |= I8042Status.A2;
      this.controllerCommand(value);
    } else {
      this.status &= ~I8042Status.A2;
      this.dataWrite(value);
    }
  }

  private controllerCommand(cmd: number): void {
    this.counters.values[C_CMD]++;
    this.observer('command', cmd);
    this.pendingCommand = 0;
    if (cmd >= 0x20 && cmd <= 0x3f) { this.reply(cmd === 0x20 ? this.ccb : this.ram[cmd & 0x1f], false); return; }
    if (cmd >= 0x60 && cmd <= 0x7f) { this.pendingCommand = cmd; return; }
    if (cmd >= 0xf0) {
      if ((cmd & 1) === 0) this.resetCpu(); // pulse output port bit 0
      return;
    }
    switch (cmd) {
      case 0xa7: this.ccb |= I8042Ccb.AUX_DISABLE; return;
      case 0xa8: this.ccb &= ~I8042Ccb.AUX_DISABLE; return;
      case 0xa9: this.reply(0x00, false); return; // aux interface test: no error
      case 0xaa: // self test
        this.ccb |= I8042Ccb.SYS;
        this.reply(0x55, false);
        return;
      case 0xab: this.reply(0x00, false); return; // keyboard interface test
      case 0xad: this.ccb |= I8042Ccb.KBD_DISABLE; return;
      case 0xae: this.ccb &= ~I8042Ccb.KBD_DISABLE; this.refill(); return;
      case 0xc0: this.reply(0x80, false); return; // input port: keyboard not inhibited
      case 0xd0: {
        const v = (this.outputPort & 0xcf) | ((this.status & I8042Status.OBF) !== 0
          ? ((this.status & I8042Status.AUXB) !== 0 ? I8042Out.AUX_OBF : I8042Out.KBD_OBF) : 0);
        this.reply(v, false);
        return;
      }
      case 0xd1: case 0xd2: case 0xd3: case 0xd4: this.pendingCommand = cmd; return;
      case 0xdd: this.setOutputPort(this.outputPort & ~I8042Out.A20); return;
      case 0xdf: this.setOutputPort(this.outputPort | I8042Out.A20); return;
      case 0xe0: this.reply(0x00, false); return; // test inputs
      default: this.counters.values[C_UNKNOWN]++;
    }
  }

  private dataWrite(v: number): void {
    const cmd = this.pendingCommand;
    this.pendingCommand = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      if (cmd === 0x60) {
        this.ccb = v;
        this.updateIrq();
        this.refill();
      } else {
        this.ram[cmd & 0x1f] = v;
      }
      return;
    }
    switch (cmd) {
      case 0xd1: this.setOutputPort(v); return;
      case 0xd2: this.reply(v, false); return;
      case 0xd3: this.reply(v, true); return;
      case 0xd4: this.reply(0xfe, true); return; // no auxiliary device: it never answers
      default:
        this.keyboard.write(v);
    }
  }

  private setOutputPort(v: number): void {
    const old = this.outputPort;
    this.outputPort = (v & ~(I8042Out.KBD_OBF | I8042Out.AUX_OBF)) | 0;
    if (((old ^ v) & I8042Out.A20) !== 0) {
      this.counters.values[C_A20]++;
      this.onA20((v & I8042Out.A20) !== 0);
    }
    if ((v & I8042Out.RESET) === 0) {
      this.outputPort |= I8042Out.RESET;
      this.resetCpu();
    }
  }

  private resetCpu(): void {
    this.counters.values[C_RESET]++;
    this.observer('reset', 0);
    this.onReset();
  }

  private reply(v: number, aux: boolean): void {
    if (this.replyCount < this.replies.length) {
      this.replies[(this.replyHead + this.replyCount) & 15] = aux ? v | 0x100 : v;
      this.replyCount++;
    }
    this.refill();
  }

  /** Move the next byte (controller reply first, then keyboard) into an empty output buffer. */
  private refill(): void {
    if ((this.status & I8042Status.OBF) !== 0) return;
    if (this.replyCount > 0) {
      const r = this.replies[this.replyHead];
      this.replyHead = (this.replyHead + 1) & 15;
      this.replyCount--;
      this.outputBuffer = r & 0xff;
      this.status |= I8042Status.OBF | ((r & 0x100) !== 0 ? I8042Status.AUXB : 0);
      this.updateIrq();
      return;
    }
    if ((this.ccb & I8042Ccb.KBD_DISABLE) !== 0) return;
    for (;;) {
      const b = this.keyboard.pop();
      if (b < 0) return;
      let out = b;
      if ((this.ccb & I8042Ccb.TRANSLATE) !== 0) {
        if (b === 0xf0) { this.translateBreak = true; continue; }
        if (b !== 0xe0 && b !== 0xfa && b !== 0xaa && b !== 0xee && b !== 0xfe) {
          out = SET2_TO_SET1[b] | (this.translateBreak ? 0x80 : 0);
          this.translateBreak = false;
        }
      }
      this.outputBuffer = out;
      this.status |= I8042Status.OBF;
      this.updateIrq();
      return;
    }
  }

  snapshot(): I8042Snapshot {
    const replies: number[] = [];
    for (let i = 0; i < this.replyCount; i++) replies.push(this.replies[(this.replyHead + i) & 15]);
    return {
      version: 1, ccb: this.ccb, outputPort: this.outputPort, status: this.status, ram: Array.from(this.ram),
      outputBuffer: this.outputBuffer, pendingCommand: this.pendingCommand, translateBreak: this.translateBreak,
      replies, keyboard: this.keyboard.state(),
    };
  }

  /** Load `s` (the IRQ outputs are re-driven; the A20/reset callbacks are not called). */
  restore(s: I8042Snapshot): void {
    this.ccb = s.ccb; this.outputPort = s.outputPort; this.status = s.status; this.ram.set(s.ram);
    this.outputBuffer = s.outputBuffer; this.pendingCommand = s.pendingCommand; this.translateBreak = s.translateBreak;
    this.replyHead = 0;
    this.replyCount = Math.min(s.replies.length, 16);
    for (let i = 0; i < this.replyCount; i++) this.replies[i] = s.replies[i];
    this.keyboard.load(s.keyboard);
    this.updateIrq();
  }

  private updateIrq(): void {
    const full = (this.status & I8042Status.OBF) !== 0;
    const aux = (this.status & I8042Status.AUXB) !== 0;
    const l1 = full && !aux && (this.ccb & I8042Ccb.KBD_INT) !== 0;
    const l12 = full && aux && (this.ccb & I8042Ccb.AUX_INT) !== 0;
    if (l1 !== this.irq1Level) {
      this.irq1Level = l1;
      if (l1) { this.counters.values[C_IRQ1]++; this.irq1.raise(); } else this.irq1.lower();
    }
    if (l12 !== this.irq12Level) {
      this.irq12Level = l12;
      if (l12) { this.counters.values[C_IRQ12]++; this.irq12.raise(); } else this.irq12.lower();
    }
  }
}

class I8042Port implements PortIoDevice {
  private readonly kbc: I8042;
  private readonly reg: number;
  constructor(kbc: I8042, reg: number) {
    this.kbc = kbc;
    this.reg = reg;
  }
  readPort(_offset: number, size: AccessSize): number {
    return this.kbc.read(this.reg, size);
  }
  writePort(_offset: number, size: AccessSize, value: number): void {
    this.kbc.write(this.reg, size, value);
  }
}
