/**
 * Exception vectors, their error-code rules and the #DF classification
 * (Intel SDM Vol. 3A, 6.3.1 table 6-1, 6.15 "Interrupt 8 — Double Fault Exception", table 6-5).
 */

/** Architectural exception vectors. */
export const Exc = {
  DE: 0, DB: 1, NMI: 2, BP: 3, OF: 4, BR: 5, UD: 6, NM: 7, DF: 8, CSO: 9, TS: 10, NP: 11, SS: 12,
  GP: 13, PF: 14, MF: 16, AC: 17, MC: 18, XM: 19, VE: 20, CP: 21, HV: 28, VC: 29, SX: 30,
} as const;
export type Exc = (typeof Exc)[keyof typeof Exc];

/** Mnemonic of each exception vector (index = vector), `''` where reserved. */
export const EXC_NAMES: readonly string[] = (() => {
  const names: string[] = new Array<string>(32).fill('');
  for (const [k, v] of Object.entries(Exc)) names[v] = k === 'NMI' ? 'NMI' : `#${k}`;
  return names;
})();

/** Event kinds: how an exception-class event behaves (Intel SDM Vol. 3A, 6.5). */
export const ExcKind = { Fault: 0, Trap: 1, Abort: 2, Interrupt: 3, FaultOrTrap: 4 } as const;
export type ExcKind = (typeof ExcKind)[keyof typeof ExcKind];

const KIND: readonly ExcKind[] = (() => {
  const k: ExcKind[] = new Array<ExcKind>(32).fill(ExcKind.Fault);
  k[Exc.DB] = ExcKind.FaultOrTrap;
  k[Exc.NMI] = ExcKind.Interrupt;
  k[Exc.BP] = ExcKind.Trap;
  k[Exc.OF] = ExcKind.Trap;
  k[Exc.DF] = ExcKind.Abort;
  k[Exc.MC] = ExcKind.Abort;
  return k;
})();

/** Fault, trap or abort, for vectors 0–31. */
export function exceptionKind(vector: number): ExcKind {
  return vector >= 0 && vector < 32 ? KIND[vector] : ExcKind.Interrupt;
}

/**
 * Whether delivering `vector` as an exception pushes an error code
 * (#DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX). Software `INT n` never pushes one.
 */
export function hasErrorCode(vector: number): boolean {
  switch (vector) {
    case Exc.DF: case Exc.TS: case Exc.NP: case Exc.SS: case Exc.GP: case Exc.PF:
    case Exc.AC: case Exc.CP: case Exc.VC: case Exc.SX:
      return true;
    default:
      return false;
  }
}

/** Classes for the double-fault rule (Intel SDM Vol. 3A table 6-4). */
export const ExcClass = { Benign: 0, Contributory: 1, PageFault: 2, DoubleFault: 3 } as const;
export type ExcClass = (typeof ExcClass)[keyof typeof ExcClass];

/** The #DF class of an exception vector (interrupts and other vectors are benign). */
export function exceptionClass(vector: number): ExcClass {
  switch (vector) {
    case Exc.DE: case Exc.TS: case Exc.NP: case Exc.SS: case Exc.GP: case Exc.CP:
      return ExcClass.Contributory;
    case Exc.PF: case Exc.VE:
      return ExcClass.PageFault;
    case Exc.DF:
      return ExcClass.DoubleFault;
    default:
      return ExcClass.Benign;
  }
}

/** What happens when `second` is raised while delivering `first` (table 6-5). */
export const DeliveryOutcome = { Serial: 0, DoubleFault: 1, TripleFault: 2 } as const;
export type DeliveryOutcome = (typeof DeliveryOutcome)[keyof typeof DeliveryOutcome];

/**
 * Combine two exceptions per the #DF rules: contributory after contributory, and
 * contributory or page fault after page fault, give #DF; any fault while delivering #DF is a
 * triple fault (shutdown); everything else is handled serially.
 */
export function combineExceptions(first: number, second: number): DeliveryOutcome {
  const a = exceptionClass(first);
  if (a === ExcClass.DoubleFault) return DeliveryOutcome.TripleFault;
  const b = exceptionClass(second);
  if (a === ExcClass.Contributory && b === ExcClass.Contributory) return DeliveryOutcome.DoubleFault;
  if (a === ExcClass.PageFault && (b === ExcClass.Contributory || b === ExcClass.PageFault)) {
    return DeliveryOutcome.DoubleFault;
  }
  return DeliveryOutcome.Serial;
}

/** Page-fault error-code bits (Intel SDM Vol. 3A, 4.7). */
export const PfErr = { P: 1 << 0, W: 1 << 1, U: 1 << 2, RSVD: 1 << 3, I: 1 << 4, PK: 1 << 5, SS: 1 << 6, HLAT: 1 << 7, SGX: 1 << 15 } as const;
export type PfErr = (typeof PfErr)[keyof typeof PfErr];

/**
 * Error code naming a GDT/LDT selector (Intel SDM Vol. 3A, 6.13): the selector with RPL
 * cleared (TI kept), plus EXT when the fault arose while delivering an external event.
 */
export function selectorErrorCode(selector: number, ext: boolean): number {
  return (selector & 0xfffc) | (ext ? 1 : 0);
}

/** Error code naming an IDT entry (IDT bit set): `(vector << 3) | 2 | EXT`. */
export function idtErrorCode(vector: number, ext: boolean): number {
  return ((vector & 0xff) << 3) | 2 | (ext ? 1 : 0);
}
