// @x86kit/decoder public API. Only what is exported here is public.
export { Decoder, DecoderError, type DecoderOptions } from './decoder.js';
export { Instruction, OpKind, opKindNames, EncodingKind, RoundingControl } from './instruction.js';
export { Register, registerNames } from './register.js';
export { Code, codeNames, Mnemonic, mnemonicNames, MemorySize, memorySizeNames } from './generated/enums.js';
// Intel formatter, instruction info and virtualization class (decoder-B).
export { IntelFormatter, formatIntel, MemorySizeStyle, type FormatterOptions } from './formatter.js';
export {
  InfoFlag, OpAccess, FlowControl, hasInstructionInfo, rflagsRead, rflagsWritten, rflagsCleared, rflagsSet,
  rflagsUndefined, rflagsModified, infoOperandCount, opAccess, flowControl, flowControlName, isPrivilegedInfo,
  encodingName, cpuidFeatures,
} from './info.js';
export {
  VirtClass, VIRT_REWRITE_MASK, virtClass, virtClassOfInstance, virtClassOfInstruction, isIdent, isSensitiveUnprivileged, virtClassNames,
} from './virt.js';
// Per-instance register / memory accesses of the explicit operands.
export { UsedAccesses, usedAccesses } from './used.js';
