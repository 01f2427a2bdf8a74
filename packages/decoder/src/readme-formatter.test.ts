import { expect, it } from 'vitest';
import {
  Decoder, Instruction, IntelFormatter, MemorySizeStyle, formatIntel, virtClass, virtClassNames, isIdent, rflagsModified, InfoFlag,
  flowControl, FlowControl,
} from './index.js';

it('README: formatter, info and virtualization class example', () => {
  const insn = new Instruction();
  new Decoder({ bitness: 32 }).decodeInto(insn, Uint8Array.of(0x9d), 0); // popfd
  expect(formatIntel(insn)).toBe('popfd');
  expect(virtClassNames(virtClass(insn.code))).toEqual(['IOPL', 'SENSITIVE']);
  expect(isIdent(insn.code)).toBe(false);
  new Decoder({ bitness: 64 }).decodeInto(insn, Uint8Array.of(0x83, 0x00, 0x05), 0);
  const f = new IntelFormatter({ memorySize: MemorySizeStyle.Always, spaceAfterComma: true, uppercase: true });
  expect(f.format(insn)).toBe('ADD DWORD PTR [RAX], 5');
  expect((rflagsModified(insn.code) & InfoFlag.CF) !== 0).toBe(true);
  expect(flowControl(insn.code)).toBe(FlowControl.Next);
});

it('formatter options: hex style, case, memory sizes, branch size, signed immediates, RIP-relative', () => {
  const insn = new Instruction();
  const d = new Decoder({ bitness: 64, ip: 0x1000 });
  d.decodeInto(insn, Uint8Array.of(0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), 0); // mov rax,[rip+0x10]
  expect(new IntelFormatter().format(insn)).toBe('mov rax,[rip+0x10]');
  expect(new IntelFormatter({ ripRelative: false }).format(insn)).toBe('mov rax,[0x1017]');
  expect(new IntelFormatter({ memorySize: MemorySizeStyle.Always, hexPrefix: '', hexSuffix: 'h', uppercaseHex: true }).format(insn)).toBe('mov rax,qword ptr [rip+10h]');
  d.setIp(0x1000);
  d.decodeInto(insn, Uint8Array.of(0x83, 0xc0, 0xff), 0); // add eax,-1
  expect(new IntelFormatter().format(insn)).toBe('add eax,0xffffffff');
  expect(new IntelFormatter({ signedImmediates: true }).format(insn)).toBe('add eax,-1');
  d.setIp(0x1000);
  d.decodeInto(insn, Uint8Array.of(0x74, 0x10), 0); // je
  expect(new IntelFormatter({ showBranchSize: true, branchLeadingZeros: false }).format(insn)).toBe('je short 0x1012');
  expect(new IntelFormatter({ memorySize: MemorySizeStyle.Never, smallNumbersInDecimal: false }).formatOperand(insn, 0)).toBe('0x0000000000001012');
});
