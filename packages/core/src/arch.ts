/**
 * Architectural register indices and control-register bit definitions.
 * Names and values follow the Intel SDM Vol. 3A ch. 2 and the AMD APM Vol. 2 ch. 3.
 */

/** General-purpose register numbers as encoded in ModRM/SIB/REX (Intel SDM Vol. 2A, 2.1.5). */
export const Reg = {
  RAX: 0, RCX: 1, RDX: 2, RBX: 3, RSP: 4, RBP: 5, RSI: 6, RDI: 7,
  R8: 8, R9: 9, R10: 10, R11: 11, R12: 12, R13: 13, R14: 14, R15: 15,
} as const;
export type Reg = (typeof Reg)[keyof typeof Reg];

/** Segment register numbers as encoded in the ModRM reg field of MOV Sreg (Intel SDM Vol. 2B). */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;
export type Seg = (typeof Seg)[keyof typeof Seg];
/** Names of the six segment registers, indexed by {@link Seg}. */
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** System segment registers kept beside the six selectors in {@link CpuState}. */
export const SysSeg = { LDTR: 6, TR: 7 } as const;
export type SysSeg = (typeof SysSeg)[keyof typeof SysSeg];

/** RFLAGS bits (Intel SDM Vol. 1, 3.4.3). */
export const Rflags = {
  CF: 1 << 0, FIXED1: 1 << 1, PF: 1 << 2, AF: 1 << 4, ZF: 1 << 6, SF: 1 << 7, TF: 1 << 8,
  IF: 1 << 9, DF: 1 << 10, OF: 1 << 11, IOPL: 3 << 12, NT: 1 << 14, RF: 1 << 16, VM: 1 << 17,
  AC: 1 << 18, VIF: 1 << 19, VIP: 1 << 20, ID: 1 << 21,
} as const;
export type Rflags = (typeof Rflags)[keyof typeof Rflags];
/** Shift of the two-bit IOPL field in RFLAGS. */
export const RFLAGS_IOPL_SHIFT = 12;
/** The six arithmetic status flags (OF SF ZF AF PF CF). */
export const RFLAGS_ARITH = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.OF;

/** CR0 bits (Intel SDM Vol. 3A, 2.5). */
export const Cr0 = {
  PE: 1 << 0, MP: 1 << 1, EM: 1 << 2, TS: 1 << 3, ET: 1 << 4, NE: 1 << 5,
  WP: 1 << 16, AM: 1 << 18, NW: 1 << 29, CD: 1 << 30, PG: 1 << 31,
} as const;
export type Cr0 = (typeof Cr0)[keyof typeof Cr0];

/** CR4 bits (Intel SDM Vol. 3A, 2.5). */
export const Cr4 = {
  VME: 1 << 0, PVI: 1 << 1, TSD: 1 << 2, DE: 1 << 3, PSE: 1 << 4, PAE: 1 << 5, MCE: 1 << 6,
  PGE: 1 << 7, PCE: 1 << 8, OSFXSR: 1 << 9, OSXMMEXCPT: 1 << 10, UMIP: 1 << 11, LA57: 1 << 12,
  VMXE: 1 << 13, SMXE: 1 << 14, FSGSBASE: 1 << 16, PCIDE: 1 << 17, OSXSAVE: 1 << 18,
  KL: 1 << 19, SMEP: 1 << 20, SMAP: 1 << 21, PKE: 1 << 22, CET: 1 << 23, PKS: 1 << 24,
} as const;
export type Cr4 = (typeof Cr4)[keyof typeof Cr4];

/** IA32_EFER bits (Intel SDM Vol. 3A, 2.2.1; AMD APM Vol. 2, 3.1.7). */
export const Efer = {
  SCE: 1 << 0, LME: 1 << 8, LMA: 1 << 10, NXE: 1 << 11, SVME: 1 << 12, LMSLE: 1 << 13,
  FFXSR: 1 << 14, TCE: 1 << 15,
} as const;
export type Efer = (typeof Efer)[keyof typeof Efer];

/** XCR0 state-component bits (Intel SDM Vol. 1, 13.3). */
export const Xcr0 = {
  X87: 1 << 0, SSE: 1 << 1, AVX: 1 << 2, BNDREGS: 1 << 3, BNDCSR: 1 << 4,
  OPMASK: 1 << 5, ZMM_HI256: 1 << 6, HI16_ZMM: 1 << 7, PKRU: 1 << 9,
} as const;
export type Xcr0 = (typeof Xcr0)[keyof typeof Xcr0];

/** DR6 bits (Intel SDM Vol. 3B, 18.2.3). */
export const Dr6 = { B0: 1 << 0, B1: 1 << 1, B2: 1 << 2, B3: 1 << 3, BD: 1 << 13, BS: 1 << 14, BT: 1 << 15, RTM: 1 << 16 } as const;
export type Dr6 = (typeof Dr6)[keyof typeof Dr6];

/** DR7 bits (Intel SDM Vol. 3B, 18.2.4). R/Wn at bit 16+4n, LENn at bit 18+4n. */
export const Dr7 = { L0: 1 << 0, G0: 1 << 1, L1: 1 << 2, G1: 1 << 3, L2: 1 << 4, G2: 1 << 5, L3: 1 << 6, G3: 1 << 7, LE: 1 << 8, GE: 1 << 9, RTM: 1 << 11, GD: 1 << 13 } as const;
export type Dr7 = (typeof Dr7)[keyof typeof Dr7];

/** Page-table entry bits common to all paging modes (Intel SDM Vol. 3A, 4.3–4.5). */
export const Pte = {
  P: 1 << 0, RW: 1 << 1, US: 1 << 2, PWT: 1 << 3, PCD: 1 << 4, A: 1 << 5, D: 1 << 6,
  PS: 1 << 7, PAT: 1 << 7, G: 1 << 8,
} as const;
export type Pte = (typeof Pte)[keyof typeof Pte];
/** NX is bit 63 of a PAE/long-mode entry: bit 31 of the high dword. */
export const PTE_HI_NX = 1 << 31;

/** Operating modes of the processor (Intel SDM Vol. 3A, 2.2). */
export const CpuMode = { Real: 0, Protected: 1, Virtual8086: 2, Compatibility: 3, Long64: 4, Smm: 5 } as const;
export type CpuMode = (typeof CpuMode)[keyof typeof CpuMode];

/**
 * The processor mode implied by control state (SMM aside).
 * @param cr0 CR0 value; @param rflags RFLAGS; @param efer EFER; @param csL the CS.L attribute.
 */
export function cpuModeOf(cr0: number, rflags: number, efer: number, csL: boolean): CpuMode {
  if ((cr0 & Cr0.PE) === 0) return CpuMode.Real;
  if ((efer & Efer.LMA) !== 0) return csL ? CpuMode.Long64 : CpuMode.Compatibility;
  if ((rflags & Rflags.VM) !== 0) return CpuMode.Virtual8086;
  return CpuMode.Protected;
}
