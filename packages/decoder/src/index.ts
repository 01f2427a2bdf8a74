// @x86kit/decoder public API. Only what is exported here is public.
export { Decoder, DecoderError, type DecoderOptions } from './decoder.js';
export { Instruction, OpKind, opKindNames, EncodingKind, RoundingControl } from './instruction.js';
export { Register, registerNames } from './register.js';
export { Code, codeNames, Mnemonic, mnemonicNames, MemorySize, memorySizeNames } from './generated/enums.js';
