// Placeholder: conformance readers and shared fakes land here.
export {};
export {
  MOO_REGS16, MOO_REGS32, type MooReg16, type MooReg32, type MooState, type MooTest, type MooFile,
  parseMoo, readMooFile, conformanceDir,
} from './moo.js';
export {
  type StepEngine, type SingleStepOptions, type SingleStepResult, type Metadata286,
  skipReason286, runSingleStepTest, loadMetadata286, loadRevocations,
} from './single-step.js';
export {
  type IcedOperand, type IcedConstantOffsets, type IcedDecoderVector, type IcedMemoryVector,
  ICED_DEFAULT_IP, icedConformanceDir, readIcedFile, parseIcedDecoderLine, parseIcedMemoryLine,
  loadIcedDecoderVectors, loadIcedMemoryVectors,
} from './iced-vectors.js';
export {
  type SiliconMode, type SiliconPerm, type SiliconPage, type SiliconBytes, type SiliconFpState, type SiliconCpuState,
  type SiliconSegment, type SiliconException, type SiliconExpected, type SiliconTestCase, type SiliconForm,
  type SiliconCorpusMeta, type SiliconReadOptions,
  SILICON_FLAGS_MASK, SILICON_RFLAGS_RF, siliconCorpusDir, parseSiliconTestLine, readSiliconFile, readSiliconMeta,
  readSiliconForms, listSiliconFiles, readSiliconCorpus, siliconFlagsCompareMask, siliconPageBytes,
} from './silicon-corpus.js';
export {
  type IcedCheckInstruction, type IcedCheckDecoder, type IcedCheckOpKinds, type IcedCheckVocabulary, type IcedChecker,
  createIcedChecker, icedVectorSkipReason,
} from './iced-check.js';
