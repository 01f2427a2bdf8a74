/**
 * Disassembly for lockstep reports through `@x86kit/decoder`: exact instruction lengths and
 * the decoder's Intel formatter (iced-compatible syntax).
 */
import { Decoder, DecoderError, Instruction, formatIntel, rflagsUndefined } from '@x86kit/decoder';
import type { Disassembler } from './disasm.js';

/** A {@link Disassembler} over `@x86kit/decoder`. */
export function decoderDisassembler(): Disassembler {
  const decoders = { 16: new Decoder({ bitness: 16 }), 32: new Decoder({ bitness: 32 }), 64: new Decoder({ bitness: 64 }) };
  const insn = new Instruction();
  return (bytes, bitness, ip) => {
    const d = decoders[bitness];
    d.setIp(ip);
    d.decodeInto(insn, bytes, 0);
    if (d.lastError !== DecoderError.None) return { text: '(bad)', length: 1 };
    return { text: formatIntel(insn), length: insn.length };
  };
}

/** RFLAGS bits left undefined by the instruction at `ip`, from the decoder's instruction info. */
export function decoderUndefinedFlags(): (bytes: Uint8Array, bitness: 16 | 32 | 64, ip: number) => number {
  const decoders = { 16: new Decoder({ bitness: 16 }), 32: new Decoder({ bitness: 32 }), 64: new Decoder({ bitness: 64 }) };
  const insn = new Instruction();
  return (bytes, bitness, ip) => {
    const d = decoders[bitness];
    d.setIp(ip);
    d.decodeInto(insn, bytes, 0);
    return d.lastError === DecoderError.None ? rflagsUndefined(insn.code) : 0;
  };
}
