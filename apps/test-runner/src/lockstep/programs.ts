/**
 * Small real-mode guests for lockstep runs. They use only integer instructions every engine
 * here implements (including {@link ToyEngine}), run from 0000:1000 with a stack at 0000:8000,
 * and end in HLT with interrupts disabled.
 */
import { CpuState, Reg, Seg, type CpuSnapshot } from '@x86kit/core';
import type { LockstepGuest } from './engine.js';

/** Load address (= IP, CS = 0) of the built-in programs. */
export const PROGRAM_BASE = 0x1000;

/** Real-mode start state: all segments 0, IP = {@link PROGRAM_BASE}, SP = 0x8000, IF = 0. */
export function realModeStart(gprs: Partial<Record<'eax' | 'ecx' | 'edx' | 'ebx' | 'esi' | 'edi' | 'ebp', number>> = {}): CpuSnapshot {
  const c = new CpuState();
  c.gpr.fill(0);
  for (const s of [Seg.ES, Seg.CS, Seg.SS, Seg.DS, Seg.FS, Seg.GS]) c.loadSegmentReal(s, 0);
  c.eip = PROGRAM_BASE;
  c.set32(Reg.RSP, 0x8000);
  const idx = { eax: Reg.RAX, ecx: Reg.RCX, edx: Reg.RDX, ebx: Reg.RBX, esi: Reg.RSI, edi: Reg.RDI, ebp: Reg.RBP } as const;
  for (const [k, v] of Object.entries(gprs)) c.set32(idx[k as keyof typeof idx], v);
  c.rflags = 0x2;
  return c.snapshot();
}

function guest(name: string, code: number[]): LockstepGuest {
  return { name, regions: [{ addr: PROGRAM_BASE, bytes: Uint8Array.from(code) }], initial: realModeStart(), memSize: 1 << 20 };
}

/** The built-in lockstep programs, by name. */
export const PROGRAMS: readonly LockstepGuest[] = [
  // sum 10..1 into AX: mov cx,10; mov ax,0; l: add ax,cx; dec cx; jnz l; hlt
  guest('sum-loop', [0xb9, 0x0a, 0x00, 0xb8, 0x00, 0x00, 0x01, 0xc8, 0x49, 0x75, 0xfb, 0xf4]),
  // Fibonacci in AX/BX, 24 rounds (wraps 16 bits, sets CF/OF along the way):
  // mov ax,0; mov bx,1; mov cx,24; l: mov dx,ax; add dx,bx; mov ax,bx; mov bx,dx; dec cx; jnz l; hlt
  guest('fibonacci', [0xb8, 0x00, 0x00, 0xbb, 0x01, 0x00, 0xb9, 0x18, 0x00,
    0x89, 0xc2, 0x01, 0xda, 0x89, 0xd8, 0x89, 0xd3, 0x49, 0x75, 0xf5, 0xf4]),
  // Overflow edges: mov ax,7fff; inc ax; dec ax; mov bx,8000; sub ax,bx; xor si,si; sub si,bx; jz +0; inc di; hlt
  guest('flag-edges', [0xb8, 0xff, 0x7f, 0x40, 0x48, 0xbb, 0x00, 0x80, 0x29, 0xd8, 0x31, 0xf6, 0x29, 0xde,
    0x74, 0x00, 0x47, 0xeb, 0x00, 0xf4]),
];

/**
 * Programs beyond the toy engine's subset (MUL, shifts and rotates with undefined flags, stack,
 * memory operands, CALL/RET, LOOP), for engine pairs without the toy engine.
 */
export const FULL_PROGRAMS: readonly LockstepGuest[] = [
  // mov ax,0x1234; mov bx,0x567; mul bx; shl ax,3; rcr dx,1; push ax; push dx; pop cx; pop si;
  // mov di,0x2000; mov [di],ax; add word [di],0x77; mov bp,[di]; call sub; hlt; nop; nop;
  // sub: mov cx,5; l: rol bp,1; loop l; ret
  guest('mixed', [0xb8, 0x34, 0x12, 0xbb, 0x67, 0x05, 0xf7, 0xe3, 0xc1, 0xe0, 0x03, 0xd1, 0xda, 0x50, 0x52, 0x59, 0x5e,
    0xbf, 0x00, 0x20, 0x89, 0x05, 0x83, 0x05, 0x77, 0x8b, 0x2d, 0xe8, 0x03, 0x00, 0xf4, 0x90, 0x90,
    0xb9, 0x05, 0x00, 0xd1, 0xc5, 0xe2, 0xfc, 0xc3]),
];
