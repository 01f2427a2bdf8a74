/**
 * @x86kit/core — the shared vocabulary of x86kit: architectural constants, descriptor and
 * privilege rules, the CPU state layout, memory / port I/O / interrupt / clock interfaces,
 * counters and host-side error types. No dependencies.
 */
export {
  Reg, Seg, SEG_NAMES, SysSeg, Rflags, RFLAGS_IOPL_SHIFT, RFLAGS_ARITH, Cr0, Cr4, Efer, Xcr0, Dr6, Dr7, Pte, PTE_HI_NX,
  CpuMode, cpuModeOf,
} from './arch.js';
export {
  Exc, EXC_NAMES, ExcKind, exceptionKind, hasErrorCode, ExcClass, exceptionClass, DeliveryOutcome,
  combineExceptions, PfErr, selectorErrorCode, idtErrorCode,
} from './exceptions.js';
export { Msr } from './msr.js';
export {
  SegAttr, SysDescType, selectorIndex, selectorTi, selectorRpl, isNullSelector, makeSelector,
  descBase, descRawLimit, descLimit, descAttr, attrToLarBits, attrDpl, attrIsCodeOrData, attrIsCode,
  attrIsConforming, attrIsReadable, attrIsWritable, attrIsExpandDown, withinLimit,
  type SegmentDescriptor, decodeDescriptor, encodeDescriptor, type GateDescriptor, gateSelector, gateOffset,
  decodeGate, encodeGate, canLoadDataSegment, canLoadStackSegment, canTransferToCode, canUseCallGate,
  canEnterThroughCallGate, canUseSoftwareInterruptGate, ioPrivileged, isReturnToOuterLevel,
} from './descriptors.js';
export { type GuestMemory, type MmioDevice, type CodeWriteObserver, codeLineMask, PageKind, PhysicalMemoryBus, MemCounter, PHYS_LIMIT } from './memory.js';
export { type PortIoDevice, type PortObserver, IoBus } from './io.js';
export { type IrqLine, type InterruptSource, NO_IRQ, IrqLatch, CallbackIrqLine } from './irq.js';
export { type Clock, Timer, type VirtualClockOptions, VirtualClock } from './clock.js';
export { CpuState, type CpuSnapshot, SEG_SLOTS, diffSnapshots } from './cpu-state.js';
export { CounterSet, type CostModel, estimateCycles, PAPER_RDTSC_CYCLES } from './counters.js';
export { X86KitError, GuestImageError, OptionError, ApiMisuseError, ExitCode } from './errors.js';
export { type CliErrorReport, type CliErrorOptions, reportCliError, runCliMain } from './cli.js';
export { type LocalApicLink } from './apic-link.js';
