// Conformance: every default-options line of iced's decoder test vectors
// (../shared/conformance/iced/Decoder/{DecoderTest,DecoderTestMisc,MemoryTest}{16,32,64}.txt.gz),
// checking every field the API exposes. Lines that do not pass yet are listed, with the
// reason, in src/__fixtures__/iced-known-failures.txt; the test asserts that the failing set is
// exactly that list, so both regressions and silent fixes are caught.
// Regenerate the list with X86KIT_UPDATE_KNOWN_FAILURES=1 npx vitest run src/iced-vectors.test.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ICED_DEFAULT_IP, createIcedChecker, icedConformanceDir, icedVectorSkipReason, loadIcedDecoderVectors, loadIcedMemoryVectors,
} from '@x86kit/test-utils';
import { Decoder, DecoderError } from './decoder.js';
import { codeNames, memorySizeNames, mnemonicNames } from './generated/enums.js';
import { Instruction, OpKind } from './instruction.js';
import { Register, registerNames } from './register.js';

/** The shared iced-line checker (`@x86kit/test-utils`, also used by apps/test-runner), bound to our vocabulary. */
const checker = createIcedChecker<Instruction>({
  OpKind, codeNames, mnemonicNames, registerNames, memorySizeNames, errorNames: ['None', 'InvalidInstruction', 'NoMoreBytes'],
});

const here = dirname(fileURLToPath(import.meta.url));
const KNOWN = join(here, '__fixtures__', 'iced-known-failures.txt');
const dataDir = icedConformanceDir();
const KNOWN_HEADER = `# iced vector lines the decoder does not pass: <file>:<line> <vector> ==> <first mismatch>
# (currently none: every default-options line passes)
`;

const DECODER_FILES = [
  ['DecoderTest16', 16], ['DecoderTest32', 32], ['DecoderTest64', 64],
  ['DecoderTestMisc16', 16], ['DecoderTestMisc32', 32], ['DecoderTestMisc64', 64],
] as const;
const MEMORY_FILES = [['MemoryTest16', 16], ['MemoryTest32', 32], ['MemoryTest64', 64]] as const;

function runAll(): { failures: Map<string, string>; counts: string[] } {
  const failures = new Map<string, string>();
  const counts: string[] = [];
  const insn = new Instruction();
  for (const [file, bits] of DECODER_FILES) {
    const vs = loadIcedDecoderVectors(`Decoder/${file}.txt.gz`, bits) ?? [];
    const d = new Decoder({ bitness: bits });
    let pass = 0;
    let n = 0;
    for (const v of vs) {
      if (icedVectorSkipReason(v) !== null) continue;
      n++;
      const r = checker.checkDecoderVector(d, insn, v);
      if (r === '') pass++;
      else failures.set(`${file}:${v.lineNo}`, `${v.line} ==> ${r}`);
    }
    counts.push(`${file}: ${pass}/${n}`);
  }
  for (const [file, bits] of MEMORY_FILES) {
    const vs = loadIcedMemoryVectors(`Decoder/${file}.txt.gz`, bits) ?? [];
    const d = new Decoder({ bitness: bits });
    let pass = 0;
    for (const v of vs) {
      const r = checker.checkMemoryVector(d, insn, v, ICED_DEFAULT_IP[bits]);
      if (r === '') pass++;
      else failures.set(`${file}:${v.lineNo}`, `${v.line} ==> ${r}`);
    }
    counts.push(`${file}: ${pass}/${vs.length}`);
  }
  return { failures, counts };
}

describe.skipIf(dataDir === undefined)('iced decoder test vectors (conformance data present)', () => {
  it('fail exactly on the known-failure list', () => {
    const { failures, counts } = runAll();
    console.log(`iced vectors: ${counts.join(', ')}; ${failures.size} known failures`);
    if (process.env['X86KIT_UPDATE_KNOWN_FAILURES'] === '1') {
      const lines = [...failures].map(([k, r]) => `${k} ${r}`);
      writeFileSync(KNOWN, `${KNOWN_HEADER}${lines.join('\n')}\n`);
    }
    const known = existsSync(KNOWN)
      ? readFileSync(KNOWN, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.slice(0, l.indexOf(' ')))
      : [];
    expect([...failures.keys()].sort()).toEqual(known.sort());
  });
});

describe.skipIf(dataDir !== undefined)('iced decoder test vectors (conformance data missing)', () => {
  it.skip('skipped: ../shared/conformance not found (set X86KIT_CONFORMANCE_DIR)', () => undefined);
});

describe('decoder basics', () => {
  it('decodes add [bx+si],al in 16-bit mode', () => {
    const d = new Decoder({ bitness: 16 });
    const insn = new Instruction();
    expect(d.decodeInto(insn, new Uint8Array([0x00, 0x00]), 0)).toBe(2);
    expect(codeNames[insn.code]).toBe('Add_rm8_r8');
    expect(insn.memBase).toBe(Register.BX);
    expect(insn.memIndex).toBe(Register.SI);
    expect(insn.opRegisters[1]).toBe(Register.AL);
    expect(d.lastError).toBe(DecoderError.None);
  });
});
