// The README usage example, run as a test.
import { describe, expect, it } from 'vitest';
import { Decoder, DecoderError, Instruction, codeNames } from './index.js';

describe('README example', () => {
  it('decodes mov rax,[rsp+8]; ret', () => {
    const decoder = new Decoder({ bitness: 64, ip: 0x401000 });
    const insn = new Instruction();
    const code = new Uint8Array([0x48, 0x8b, 0x44, 0x24, 0x08, 0xc3]);
    const seen: string[] = [];
    let offset = 0;
    while (offset < code.length) {
      const len = decoder.decodeInto(insn, code, offset);
      if (decoder.lastError !== DecoderError.None) break;
      seen.push(`${codeNames[insn.code]} ${insn.length} ${insn.opCount}`);
      offset += len;
    }
    expect(seen).toEqual(['Mov_r64_rm64 5 2', 'Retnq 1 0']);
    expect(decoder.ipLo).toBe(0x401006);
  });
});
