/**
 * Disassembly for lockstep reports through `@x86kit/decoder`: exact instruction lengths and an
 * Intel-style rendering of the decoded operands (registers, immediates, `[base+index*scale+disp]`,
 * branch targets). This is a compact report formatter, not the decoder's full Intel formatter
 * (which lockstep should switch to when it is exported).
 */
import { Decoder, DecoderError, Instruction, OpKind, Register, mnemonicNames, registerNames } from '@x86kit/decoder';
import type { Disassembler } from './disasm.js';

function reg(r: number): string {
  return (registerNames[r] ?? '?').toLowerCase();
}
function h(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

function operand(insn: Instruction, i: number): string {
  const k = insn.opKinds[i];
  switch (k) {
    case OpKind.Register: return reg(insn.opRegisters[i]);
    case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64: return h(insn.nearBranchLo);
    case OpKind.FarBranch16: case OpKind.FarBranch32: return `${h(insn.farBranchSelector)}:${h(insn.farBranchOffset)}`;
    case OpKind.Immediate8_2nd: return h(insn.immediate2);
    case OpKind.Immediate8: case OpKind.Immediate16: case OpKind.Immediate32: case OpKind.Immediate64:
    case OpKind.Immediate8to16: case OpKind.Immediate8to32: case OpKind.Immediate8to64: case OpKind.Immediate32to64:
      return h(insn.immediateLo);
    case OpKind.Memory: {
      const parts: string[] = [];
      if (insn.memBase !== Register.None) parts.push(reg(insn.memBase));
      if (insn.memIndex !== Register.None) parts.push(insn.memScale === 1 ? reg(insn.memIndex) : `${reg(insn.memIndex)}*${insn.memScale}`);
      if (insn.memDisplSize !== 0 || parts.length === 0) parts.push(h(insn.memDisplLo));
      const seg = insn.segmentPrefix !== Register.None ? `${reg(insn.segmentPrefix)}:` : '';
      return `${seg}[${parts.join('+')}]`;
    }
    default: return ''; // implicit string operands: the mnemonic says it
  }
}

/** A {@link Disassembler} over `@x86kit/decoder`. */
export function decoderDisassembler(): Disassembler {
  const decoders = { 16: new Decoder({ bitness: 16 }), 32: new Decoder({ bitness: 32 }), 64: new Decoder({ bitness: 64 }) };
  const insn = new Instruction();
  return (bytes, bitness, ip) => {
    const d = decoders[bitness];
    d.setIp(ip);
    d.decodeInto(insn, bytes, 0);
    if (d.lastError !== DecoderError.None) return { text: '(bad)', length: 1 };
    const ops: string[] = [];
    for (let i = 0; i < insn.opCount; i++) {
      const o = operand(insn, i);
      if (o !== '') ops.push(o);
    }
    const prefix = `${insn.hasLock ? 'lock ' : ''}${insn.hasRep ? 'rep ' : ''}${insn.hasRepne ? 'repne ' : ''}`;
    const m = (mnemonicNames[insn.mnemonic] ?? '?').toLowerCase();
    return { text: `${prefix}${m}${ops.length > 0 ? ` ${ops.join(',')}` : ''}`, length: insn.length };
  };
}
