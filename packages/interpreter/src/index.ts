/**
 * @x86kit/interpreter — a faithful x86 CPU interpreter (i686 integer core: real, protected
 * 16/32 and virtual-8086 modes) on core's `CpuState`, memory, I/O and interrupt interfaces.
 */
export { Cpu, type CpuOptions, ExitInfo, CpuCounters, type InterpreterSnapshot, DEFAULT_MAX_CODE_PAGES, setRepFastPath } from './cpu.js';
export { RunStatus, InsnClass, INSN_CLASS_NAMES, ExitKind, LazyOp } from './constants.js';
export { LazyFlags, PARITY } from './flags.js';
export {
  AluOp, alu, inc, dec, neg, shift, shiftDouble, daa, das, aaa, aas, aam, aad, mulFlags, sext, widthMask,
} from './alu.js';
export { EventType, type EventKind } from './system.js';
export { type CpuProfile, CPU_PROFILES, Cpuid1Edx } from './profiles.js';
export { SingleStepAdapter } from './step-adapter.js';
export { mmxBinary, mmxPshufw, MMX_BINARY_OPCODES, MMXEXT_BINARY_OPCODES, CPUID_EXT_MMXEXT } from './mmx.js';
export {
  fxsaveImage, fxrstorImage, FXSAVE_WRITTEN_BYTES, DEFAULT_MXCSR_MASK, type SimdSnapshot,
} from './fxsave.js';
export { AccessCheck, AccessChecks, alignMask } from './access-checks.js';
