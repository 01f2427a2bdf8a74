/**
 * A PS/2 keyboard (IBM "MF2"): the command set a BIOS and OS driver use (reset/BAT,
 * identify, scan code set selection, LEDs, typematic, enable/disable scanning, echo, resend)
 * and make/break codes in scan code sets 1 and 2 for a host-side key API.
 */

/** A key: set-1 and set-2 make codes; values above 0xFF carry the 0xE0 prefix. */
export interface KeyCodes {
  readonly set1: number;
  readonly set2: number;
}

function k(set1: number, set2: number): KeyCodes {
  return { set1, set2 };
}

/** Named keys of a US 102-key layout with their set-1/set-2 make codes (IBM PS/2 technical reference). */
export const Key = {
  Escape: k(0x01, 0x76), Digit1: k(0x02, 0x16), Digit2: k(0x03, 0x1e), Digit3: k(0x04, 0x26), Digit4: k(0x05, 0x25),
  Digit5: k(0x06, 0x2e), Digit6: k(0x07, 0x36), Digit7: k(0x08, 0x3d), Digit8: k(0x09, 0x3e), Digit9: k(0x0a, 0x46),
  Digit0: k(0x0b, 0x45), Minus: k(0x0c, 0x4e), Equal: k(0x0d, 0x55), Backspace: k(0x0e, 0x66), Tab: k(0x0f, 0x0d),
  KeyQ: k(0x10, 0x15), KeyW: k(0x11, 0x1d), KeyE: k(0x12, 0x24), KeyR: k(0x13, 0x2d), KeyT: k(0x14, 0x2c),
  KeyY: k(0x15, 0x35), KeyU: k(0x16, 0x3c), KeyI: k(0x17, 0x43), KeyO: k(0x18, 0x44), KeyP: k(0x19, 0x4d),
  BracketLeft: k(0x1a, 0x54), BracketRight: k(0x1b, 0x5b), Enter: k(0x1c, 0x5a), ControlLeft: k(0x1d, 0x14),
  KeyA: k(0x1e, 0x1c), KeyS: k(0x1f, 0x1b), KeyD: k(0x20, 0x23), KeyF: k(0x21, 0x2b), KeyG: k(0x22, 0x34),
  KeyH: k(0x23, 0x33), KeyJ: k(0x24, 0x3b), KeyK: k(0x25, 0x42), KeyL: k(0x26, 0x4b), Semicolon: k(0x27, 0x4c),
  Quote: k(0x28, 0x52), Backquote: k(0x29, 0x0e), ShiftLeft: k(0x2a, 0x12), Backslash: k(0x2b, 0x5d),
  KeyZ: k(0x2c, 0x1a), KeyX: k(0x2d, 0x22), KeyC: k(0x2e, 0x21), KeyV: k(0x2f, 0x2a), KeyB: k(0x30, 0x32),
  KeyN: k(0x31, 0x31), KeyM: k(0x32, 0x3a), Comma: k(0x33, 0x41), Period: k(0x34, 0x49), Slash: k(0x35, 0x4a),
  ShiftRight: k(0x36, 0x59), NumpadMultiply: k(0x37, 0x7c), AltLeft: k(0x38, 0x11), Space: k(0x39, 0x29),
  CapsLock: k(0x3a, 0x58), F1: k(0x3b, 0x05), F2: k(0x3c, 0x06), F3: k(0x3d, 0x04), F4: k(0x3e, 0x0c),
  F5: k(0x3f, 0x03), F6: k(0x40, 0x0b), F7: k(0x41, 0x83), F8: k(0x42, 0x0a), F9: k(0x43, 0x01), F10: k(0x44, 0x09),
  NumLock: k(0x45, 0x77), ScrollLock: k(0x46, 0x7e), F11: k(0x57, 0x78), F12: k(0x58, 0x07),
  ControlRight: k(0xe01d, 0xe014), AltRight: k(0xe038, 0xe011), Home: k(0xe047, 0xe06c), ArrowUp: k(0xe048, 0xe075),
  PageUp: k(0xe049, 0xe07d), ArrowLeft: k(0xe04b, 0xe06b), ArrowRight: k(0xe04d, 0xe074), End: k(0xe04f, 0xe069),
  ArrowDown: k(0xe050, 0xe072), PageDown: k(0xe051, 0xe07a), Insert: k(0xe052, 0xe070), Delete: k(0xe053, 0xe071),
} as const;
export type Key = (typeof Key)[keyof typeof Key];

/**
 * The 8042's set-2 → set-1 translation for the bytes of {@link Key}'s table (the base byte;
 * 0xE0 passes through). Bytes not in the table pass unchanged (a documented gap).
 */
export const SET2_TO_SET1: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i;
  for (const key of Object.values(Key)) t[key.set2 & 0xff] = key.set1 & 0xff;
  return t;
})();

const QUEUE = 64;

/** Serialisable state of {@link Ps2Keyboard}. */
export interface Ps2KeyboardState {
  scanSet: number; scanning: boolean; leds: number; typematic: number; pendingCommand: number; lastSent: number;
  queue: number[];
}

/** Keyboard replies. */
export const Ps2Reply = { ACK: 0xfa, RESEND: 0xfe, BAT_OK: 0xaa, ECHO: 0xee, ID1: 0xab, ID2: 0x83, OVERRUN: 0x00 } as const;

/**
 * The keyboard side of the PS/2 link. The controller (see `I8042`) calls {@link write} for
 * bytes the host sends and drains {@link pop} into its output buffer.
 */
export class Ps2Keyboard {
  /** Scan code set reported by the keyboard (1, 2 or 3; set 3 is accepted but sends set-2 codes). */
  scanSet = 2;
  /** Scanning enabled (F4) / disabled (F5). */
  scanning = true;
  /** LED state from command 0xED (bit 0 Scroll, 1 Num, 2 Caps). */
  leds = 0;
  /** Typematic byte from command 0xF3. */
  typematic = 0x2b;
  private pendingCommand = 0;
  private lastSent = 0;
  private readonly queue = new Uint8Array(QUEUE);
  private head = 0;
  private count = 0;
  /** Called whenever bytes become available (the controller pulls them). */
  onData: () => void = (): void => {};

  /** Bytes waiting to be sent to the controller. */
  get pending(): number {
    return this.count;
  }

  /** Next byte for the controller, or -1. */
  pop(): number {
    if (this.count === 0) return -1;
    const b = this.queue[this.head];
    this.head = (this.head + 1) % QUEUE;
    this.count--;
    this.lastSent = b;
    return b;
  }

  private push(b: number): void {
    if (this.count >= QUEUE - 1) {
      // Buffer overrun: the keyboard replaces the last slot with an overrun code.
      this.queue[(this.head + QUEUE - 1 + this.count) % QUEUE] = Ps2Reply.OVERRUN;
      return;
    }
    this.queue[(this.head + this.count) % QUEUE] = b & 0xff;
    this.count++;
  }

  private reply(b: number): void {
    this.push(b);
    this.onData();
  }

  /** A byte from the host (via the controller's data port). */
  write(b: number): void {
    b &= 0xff;
    const cmd = this.pendingCommand;
    if (cmd !== 0) {
      this.pendingCommand = 0;
      switch (cmd) {
        case 0xed: this.leds = b & 7; this.reply(Ps2Reply.ACK); return;
        case 0xf3: this.typematic = b & 0x7f; this.reply(Ps2Reply.ACK); return;
        case 0xf0:
          if (b === 0) { this.push(Ps2Reply.ACK); this.reply(this.scanSet); return; }
          if (b >= 1 && b <= 3) { this.scanSet = b; this.reply(Ps2Reply.ACK); return; }
          this.reply(Ps2Reply.RESEND);
          return;
        default: break;
      }
    }
    switch (b) {
      case 0xff: // reset: ACK then BAT completion
        this.head = 0; this.count = 0;
        this.scanSet = 2; this.scanning = true; this.leds = 0; this.typematic = 0x2b;
        this.push(Ps2Reply.ACK);
        this.reply(Ps2Reply.BAT_OK);
        return;
      case 0xfe: this.reply(this.lastSent); return;
      case 0xf6: this.scanSet = 2; this.typematic = 0x2b; this.scanning = true; this.reply(Ps2Reply.ACK); return;
      case 0xf5: this.scanning = false; this.head = 0; this.count = 0; this.reply(Ps2Reply.ACK); return;
      case 0xf4: this.scanning = true; this.head = 0; this.count = 0; this.reply(Ps2Reply.ACK); return;
      case 0xf2: this.push(Ps2Reply.ACK); this.push(Ps2Reply.ID1); this.reply(Ps2Reply.ID2); return;
      case 0xee: this.reply(Ps2Reply.ECHO); return;
      case 0xed: case 0xf3: case 0xf0: this.pendingCommand = b; this.reply(Ps2Reply.ACK); return;
      default:
        // F7–FD are set-3 only commands: acknowledged; anything else asks for a resend.
        this.reply(b >= 0xf7 && b <= 0xfd ? Ps2Reply.ACK : Ps2Reply.RESEND);
    }
  }

  state(): Ps2KeyboardState {
    const queue: number[] = [];
    for (let i = 0; i < this.count; i++) queue.push(this.queue[(this.head + i) % QUEUE]);
    return {
      scanSet: this.scanSet, scanning: this.scanning, leds: this.leds, typematic: this.typematic,
      pendingCommand: this.pendingCommand, lastSent: this.lastSent, queue,
    };
  }

  load(s: Ps2KeyboardState): void {
    this.scanSet = s.scanSet; this.scanning = s.scanning; this.leds = s.leds; this.typematic = s.typematic;
    this.pendingCommand = s.pendingCommand; this.lastSent = s.lastSent;
    this.head = 0;
    this.count = Math.min(s.queue.length, QUEUE - 1);
    for (let i = 0; i < this.count; i++) this.queue[i] = s.queue[i];
  }

  /** Host: send raw bytes as if the keyboard produced them (ignored while scanning is off). */
  sendScancodes(bytes: ArrayLike<number>): void {
    if (!this.scanning) return;
    for (let i = 0; i < bytes.length; i++) this.push(bytes[i]);
    this.onData();
  }

  /** Host: press a key (make code in the current set). */
  keyDown(key: KeyCodes): void {
    this.emit(key, false);
  }

  /** Host: release a key (break code in the current set). */
  keyUp(key: KeyCodes): void {
    this.emit(key, true);
  }

  private emit(key: KeyCodes, release: boolean): void {
    if (!this.scanning) return;
    if (this.scanSet === 1) {
      if (key.set1 > 0xff) this.push(0xe0);
      this.push((key.set1 & 0xff) | (release ? 0x80 : 0));
    } else {
      if (key.set2 > 0xff) this.push(0xe0);
      if (release) this.push(0xf0);
      this.push(key.set2 & 0xff);
    }
    this.onData();
  }
}
