/**
 * The `decoder` suite: every line of iced's decoder test vectors
 * (`<data>/iced/Decoder/{DecoderTest,DecoderTestMisc,MemoryTest}{16,32,64}.txt.gz`, read in
 * place), parsed with test-utils' iced reader, decoded with `@x86kit/decoder` and compared
 * field by field. One case per vector line, id `<file>:<line>`. Lines that need non-default
 * iced DecoderOptions or Knights Corner MVEX are skipped (the iced README's advice for a
 * default-options decoder).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GuestImageError } from '@x86kit/core';
import { Decoder, Instruction } from '@x86kit/decoder';
import {
  ICED_DEFAULT_IP, parseIcedDecoderLine, parseIcedMemoryLine, type IcedDecoderVector, type IcedMemoryVector,
} from '@x86kit/test-utils';
import { CaseStatus, unavailableSuite, type CaseOutcome, type Suite, type SuiteContext, type SuiteInstance } from '../suite.js';
import { checkDecoderVector, checkMemoryVector, vectorSkipReason } from './decoder-check.js';

type Bits = 16 | 32 | 64;
/** The vector files, in run order. */
export const ICED_FILES: readonly { file: string; bits: Bits; kind: 'decoder' | 'memory' }[] = [
  { file: 'DecoderTest16', bits: 16, kind: 'decoder' }, { file: 'DecoderTest32', bits: 32, kind: 'decoder' },
  { file: 'DecoderTest64', bits: 64, kind: 'decoder' }, { file: 'DecoderTestMisc16', bits: 16, kind: 'decoder' },
  { file: 'DecoderTestMisc32', bits: 32, kind: 'decoder' }, { file: 'DecoderTestMisc64', bits: 64, kind: 'decoder' },
  { file: 'MemoryTest16', bits: 16, kind: 'memory' }, { file: 'MemoryTest32', bits: 32, kind: 'memory' },
  { file: 'MemoryTest64', bits: 64, kind: 'memory' },
];

type Vec = { kind: 'decoder'; v: IcedDecoderVector } | { kind: 'memory'; v: IcedMemoryVector };

function readVectors(dir: string): Map<string, Vec> {
  const out = new Map<string, Vec>();
  for (const f of ICED_FILES) {
    const path = join(dir, 'Decoder', `${f.file}.txt.gz`);
    let lines: string[];
    try {
      lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
    } catch (e) {
      throw new GuestImageError(existsSync(path) ? 'TEST_FILE_CORRUPT' : 'IMAGE_NOT_FOUND', `${path}: ${(e as Error).message.split('\n')[0]}`);
    }
    for (let i = 0; i < lines.length; i++) {
      try {
        if (f.kind === 'decoder') {
          const v = parseIcedDecoderLine(lines[i], f.bits, i + 1);
          if (v !== undefined) out.set(`${f.file}:${i + 1}`, { kind: 'decoder', v });
        } else {
          const v = parseIcedMemoryLine(lines[i], f.bits, i + 1);
          if (v !== undefined) out.set(`${f.file}:${i + 1}`, { kind: 'memory', v });
        }
      } catch (e) {
        throw new GuestImageError('TEST_FILE_CORRUPT', `${path}:${i + 1}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  return out;
}

/** The suite. */
export const decoderSuite: Suite = {
  name: 'decoder',
  description: 'iced decoder test vectors (16/32/64-bit, misc, memory forms), one case per line',
  open(ctx: SuiteContext): Promise<SuiteInstance> {
    const dir = join(ctx.dataDir, 'iced');
    if (!existsSync(dir)) {
      if (ctx.dataDirExplicit) throw new GuestImageError('IMAGE_NOT_FOUND', `${dir}: no such directory (iced test vectors)`);
      return Promise.resolve(unavailableSuite(`no iced vectors at ${dir}`));
    }
    const vectors = readVectors(dir);
    const decoders: Record<Bits, Decoder> = { 16: new Decoder({ bitness: 16 }), 32: new Decoder({ bitness: 32 }), 64: new Decoder({ bitness: 64 }) };
    const insn = new Instruction();
    return Promise.resolve({
      cases: [...vectors.keys()],
      run(id: string): CaseOutcome {
        const x = vectors.get(id)!;
        let diff: string;
        if (x.kind === 'decoder') {
          const skip = vectorSkipReason(x.v);
          if (skip !== null) return { status: CaseStatus.Skip, message: skip };
          diff = checkDecoderVector(decoders[x.v.bitness], insn, x.v);
        } else {
          diff = checkMemoryVector(decoders[x.v.bitness], insn, x.v, ICED_DEFAULT_IP[x.v.bitness]);
        }
        return diff === '' ? { status: CaseStatus.Pass } : { status: CaseStatus.Fail, message: `${x.v.line} ==> ${diff}` };
      },
    });
  },
};
