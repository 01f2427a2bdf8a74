/**
 * Interrupt lines between devices and controllers, and the interface a CPU uses to take
 * maskable interrupts. A device never knows which controller or pin it is wired to.
 */

/** One interrupt wire. Level devices raise and lower; edge devices pulse. */
export interface IrqLine {
  raise(): void;
  lower(): void;
}

/** What a CPU asks of its interrupt controller (the INTR pin and the INTA cycle). */
export interface InterruptSource {
  /** True when INTR is asserted: an unmasked interrupt is pending at the controller. */
  hasInterrupt(): boolean;
  /** INTA: acknowledge the highest-priority pending interrupt and return its vector (0–255). */
  acknowledge(): number;
}

/** An IRQ line that does nothing: the default for an unwired device. */
export const NO_IRQ: IrqLine = { raise(): void {}, lower(): void {} };

/** An IRQ line that records its level and counts edges; handy in tests. */
export class IrqLatch implements IrqLine {
  level = false;
  /** Number of low→high transitions seen. */
  risingEdges = 0;
  raise(): void {
    if (!this.level) this.risingEdges++;
    this.level = true;
  }
  lower(): void {
    this.level = false;
  }
}

/** An IRQ line that calls a function with the new level on each change. */
export class CallbackIrqLine implements IrqLine {
  private level = false;
  private readonly onChange: (level: boolean) => void;
  constructor(onChange: (level: boolean) => void) {
    this.onChange = onChange;
  }
  raise(): void {
    if (!this.level) { this.level = true; this.onChange(true); }
  }
  lower(): void {
    if (this.level) { this.level = false; this.onChange(false); }
  }
}
