/**
 * Field-by-field comparison of one decode against one iced test vector: the shared checker from
 * `@x86kit/test-utils` (also used by `@x86kit/decoder`'s conformance test), bound to the
 * decoder's vocabulary. Every differing field is reported.
 */
import type { Instruction } from '@x86kit/decoder';
import { OpKind, codeNames, memorySizeNames, mnemonicNames, registerNames } from '@x86kit/decoder';
import { createIcedChecker, icedVectorSkipReason } from '@x86kit/test-utils';

const checker = createIcedChecker<Instruction>({
  OpKind, codeNames, mnemonicNames, registerNames, memorySizeNames, errorNames: ['None', 'InvalidInstruction', 'NoMoreBytes'],
});

/** True for lines the default (modern Intel) decoder is not asked to match. */
export const vectorSkipReason = icedVectorSkipReason;
/** Decode `v.bytes` at `v.ip`; `''` when every field matches, else the differing fields. */
export const checkDecoderVector = checker.checkDecoderVector;
/** Same for a MemoryTest line (operand 0 is the memory operand, operand 1 a register). */
export const checkMemoryVector = checker.checkMemoryVector;
