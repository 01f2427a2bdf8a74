/**
 * Instruction info by `Code`: RFLAGS read/written/cleared/set/undefined, operand access,
 * flow-control kind, CPUID features, privileged. Static per instruction form (the same for
 * every instance of a Code); tables are generated from `tools/gen-x86/data/insn-info.txt`.
 *
 * Flag bits use the architectural RFLAGS positions (SDM Vol. 1 §3.4.3); the x87 condition codes
 * C0–C3 and the user-interrupt flag UIF, which are not RFLAGS bits, sit at bits 24–28.
 */
import {
  INFO_BY_CODE, INFO_CPUID_COMBOS, INFO_ENCODING_NAMES, INFO_FLOW_NAMES, INFO_RECORDS,
} from './generated/info.js';

/** Flag bits reported by the `rflags*` functions. */
export const InfoFlag = {
  CF: 1 << 0, PF: 1 << 2, AF: 1 << 4, ZF: 1 << 6, SF: 1 << 7, IF: 1 << 9, DF: 1 << 10, OF: 1 << 11,
  AC: 1 << 18,
  /** x87 FSW condition code C0 (not an RFLAGS bit). */
  C0: 1 << 24, C1: 1 << 25, C2: 1 << 26, C3: 1 << 27,
  /** User-interrupt flag (not an RFLAGS bit). */
  UIF: 1 << 28,
} as const;
/** A combination of {@link InfoFlag} bits. */
export type InfoFlag = number;

/** How an instruction accesses an operand. */
export const OpAccess = {
  None: 0, Read: 1, CondRead: 2, Write: 3, CondWrite: 4, ReadWrite: 5, ReadCondWrite: 6,
  /** Memory operand whose address is computed but not accessed (LEA, prefetch-like forms). */
  NoMemAccess: 7,
} as const;
export type OpAccess = (typeof OpAccess)[keyof typeof OpAccess];

/** Control-flow kind. */
export const FlowControl = {
  Next: 0, UnconditionalBranch: 1, IndirectBranch: 2, ConditionalBranch: 3, Return: 4, Call: 5,
  IndirectCall: 6, Interrupt: 7, XbeginXabortXend: 8, Exception: 9,
} as const;
export type FlowControl = (typeof FlowControl)[keyof typeof FlowControl];

const W_READ = 0, W_WRITTEN = 1, W_CLEARED = 2, W_SET = 3, W_UNDEF = 4, W_OPS = 5, W_MISC = 6;

function word(code: number, w: number): number {
  const r = code >= 0 && code < INFO_BY_CODE.length ? (INFO_BY_CODE[code]) : 0;
  return r === 0 ? 0 : (INFO_RECORDS[(r - 1) * 7 + w]);
}

/** True when instruction info is recorded for `code` (all other functions return 0/empty otherwise). */
export function hasInstructionInfo(code: number): boolean {
  return (word(code, W_MISC) & 1) !== 0;
}
/** Flags the instruction reads (e.g. ADC reads CF). */
export function rflagsRead(code: number): InfoFlag { return word(code, W_READ); }
/** Flags the instruction writes with a result-dependent value. */
export function rflagsWritten(code: number): InfoFlag { return word(code, W_WRITTEN); }
/** Flags the instruction always clears (e.g. AND clears OF and CF). */
export function rflagsCleared(code: number): InfoFlag { return word(code, W_CLEARED); }
/** Flags the instruction always sets (e.g. STC sets CF). */
export function rflagsSet(code: number): InfoFlag { return word(code, W_SET); }
/** Flags the manuals leave undefined after the instruction (e.g. AF after AND). */
export function rflagsUndefined(code: number): InfoFlag { return word(code, W_UNDEF); }
/** Every flag the instruction may change: written | cleared | set | undefined. */
export function rflagsModified(code: number): InfoFlag {
  return (word(code, W_WRITTEN) | word(code, W_CLEARED) | word(code, W_SET) | word(code, W_UNDEF)) >>> 0;
}
/** Operand count recorded for the access table. */
export function infoOperandCount(code: number): number { return (word(code, W_MISC) >>> 12) & 7; }
/** Access of operand `n` (0-based): an {@link OpAccess} value. */
export function opAccess(code: number, n: number): OpAccess {
  return ((word(code, W_OPS) >>> (n * 4)) & 0xf) as OpAccess;
}
/** Flow-control kind. */
export function flowControl(code: number): FlowControl { return ((word(code, W_MISC) >>> 4) & 0xf) as FlowControl; }
/** Name of a {@link FlowControl} value. */
export function flowControlName(flow: FlowControl): string { return INFO_FLOW_NAMES[flow] ?? 'Next'; }
/** True when the instruction faults at CPL > 0 per the recorded info. */
export function isPrivilegedInfo(code: number): boolean { return (word(code, W_MISC) & 2) !== 0; }
/** Encoding family name: `Legacy`, `VEX`, `EVEX`, `XOP`, `D3NOW` or `MVEX` (empty when unknown). */
export function encodingName(code: number): string {
  return hasInstructionInfo(code) ? (INFO_ENCODING_NAMES[(word(code, W_MISC) >>> 8) & 7] ?? '') : '';
}
/** CPUID feature names (iced `CpuidFeature` spelling, e.g. `["SSE2"]`, `["AVX512VL", "AVX512F"]`). */
export function cpuidFeatures(code: number): readonly string[] {
  const combo = INFO_CPUID_COMBOS[word(code, W_MISC) >>> 16] ?? '';
  return combo === '' ? [] : combo.split(';');
}
