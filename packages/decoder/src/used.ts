/**
 * Per-instance register and memory accesses of a decoded instruction (what iced calls "used
 * registers / used memory"): which registers the explicit operands read and write, and which
 * memory locations they access, with the access kind. Computed from the decoded operands and the
 * per-Code operand access table ({@link opAccess}); fills a caller-owned {@link UsedAccesses}
 * (no allocation per call).
 *
 * Modelled (Intel SDM Vol. 1 §3.4.1.1, §3.7.5; Vol. 2 §2.3.10, §2.6):
 * - register operands with their access;
 * - a 32-bit general-purpose register written in 64-bit mode writes the whole 64-bit register
 *   (the upper half is zeroed), so a write is reported on `RAX`..`R15` (and a read-write as a
 *   read of the 32-bit register plus a write of the 64-bit one);
 * - a VEX/EVEX/XOP-encoded write to an XMM/YMM register zeroes the rest of the vector register, so
 *   it is reported as a write of the whole register (`ZMMn`);
 * - memory operands: base and index registers are read (also for LEA-like operands that do not
 *   access memory), the segment register is read outside 64-bit mode (in 64-bit mode only FS/GS,
 *   whose base is not 0), and the location is accessed with the operand's access.
 *
 * - the implicit stack accesses of PUSH/POP, PUSHF/POPF, PUSHA/POPA, CALL/RET (near and far) and IRET;
 * - string instructions (rSI/rDI/rCX, segments, elements; see `addString`);
 * - implicit registers of CBW…CQO, SAHF/LAHF, MUL/IMUL/DIV/IDIV, RDTSC, CPUID, LOOPcc/JrCXZ,
 *   XLAT and LEAVE (see `addImplicit`).
 *
 * Not modelled yet (known gap, see the README): other implicit operands (far CALL/RET, ENTER/
 * ENTER, SYSCALL/SYSENTER, RDMSR/WRMSR, x87 stack…,
 * x87 stack registers), which iced's `InstructionInfoFactory` also reports.
 */
import { opAccess, OpAccess } from './info.js';
import { EncodingKind, type Instruction, OpKind } from './instruction.js';
import { Register } from './register.js';
import { Code, codeNames, MemorySize, Mnemonic } from './generated/enums.js';

/** Codes whose r/m operand is `r32m16`/`r64m16`: a register source is only read as 16 bits (LAR, LSL, LLDT, MOV Sreg, ...). */
const READS_R16 = Uint8Array.from(codeNames, (n) => (/_r(32|64)m16/.test(n) ? 1 : 0));
/**
 * Stack operations: direction (PUSH = slots below rSP are written, POP = slots from rSP up are
 * read), number of operand-size slots << 2 (PUSH/POP/PUSHF/POPF/near CALL/RET 1, far CALL/RET 2,
 * IRET 3 (5 in 64-bit mode), PUSHA/POPA 8), ALL_REGS for PUSHA/POPA (the 8 GPRs are read / 7 are
 * written, POPA skips the saved rSP).
 */
const PUSH = 1;
const POP = 2;
const ALL_REGS = 0x80;
const STACK_OP = Uint8Array.from(codeNames, (n) =>
  /^Push[wdq]?_|^Pushf[wdq]$|^Call_(rel|rm)/.test(n) ? PUSH | (1 << 2) : /^Pop[wdq]?_|^Popf[wdq]$|^Retn[wdq](_imm16)?$/.test(n) ? POP | (1 << 2)
    : /^Call_(ptr16(16|32)|m16(16|32|64))$/.test(n) ? PUSH | (2 << 2) : /^Retf[wdq](_imm16)?$/.test(n) ? POP | (2 << 2)
      : /^Iret[wdq]$/.test(n) ? POP | (3 << 2) : /^Pusha[wd]$/.test(n) ? PUSH | (8 << 2) | ALL_REGS : /^Popa[wd]$/.test(n) ? POP | (8 << 2) | ALL_REGS : 0);
/** String instructions: 2 = operand 0 is written (MOVS, STOS, INS, LODS), 1 = all operands read (CMPS, SCAS, OUTS). */
const STRING_OP = Uint8Array.from(codeNames, (n) => (/^(Movs[bwdq]_m|Stos[bwdq]_|Ins[bwd]_|Lods[bwdq]_)/.test(n) ? 2 : /^(Cmps[bwdq]_|Scas[bwdq]_|Outs[bwd]_)/.test(n) ? 1 : 0));
/** XOR/SUB/PSUB*-style zeroing idioms: with both sources the same register the result is 0 whatever its value. */
const ZERO_IDIOM = Uint8Array.from(codeNames, (n) =>
  (/^(Sub|Xor)_r(m)?(8|16|32|64)_r(m)?(8|16|32|64)$|^(VEX_|EVEX_)?V?(p?xor[pd]?[sd]?|pxor[dq]?|psub(u?s)?[bwdq])_/i.test(n) ? 1 : 0));
/** VBLENDMPS/PD, VPBLENDMB/W/D/Q: the opmask selects the source, every element is written. */
const BLENDM = Uint8Array.from(codeNames, (n) => (/^EVEX_V(p?blendm)/.test(n) ? 1 : 0));

/** Capacity of {@link UsedAccesses} (explicit operands never need more). */
const MAX_REGS = 16;
const MAX_MEMS = 10;

/** Registers and memory locations an instruction accesses; reuse one object for many calls. */
export class UsedAccesses {
  /** Number of valid entries in `regs` / `regAccess`. */
  regCount = 0;
  /** Registers ({@link Register}), in operand order, each once. */
  readonly regs = new Uint16Array(MAX_REGS);
  /** Access of each register ({@link OpAccess}). */
  readonly regAccess = new Uint8Array(MAX_REGS);
  /** 1 if the register is an implicit stack-size operand (rSP of a stack operation, rBP of LEAVE). */
  readonly regImplicit = new Uint8Array(MAX_REGS);
  /** Number of valid memory entries. */
  memCount = 0;
  /** Effective segment, base, index ({@link Register}), scale, displacement (lo/hi, as in {@link Instruction}), size ({@link MemorySize}) and access of each memory location. */
  readonly memSegment = new Uint16Array(MAX_MEMS);
  readonly memBase = new Uint16Array(MAX_MEMS);
  readonly memIndex = new Uint16Array(MAX_MEMS);
  readonly memScale = new Uint8Array(MAX_MEMS);
  readonly memDisplLo = new Int32Array(MAX_MEMS);
  readonly memDisplHi = new Int32Array(MAX_MEMS);
  readonly memSize = new Uint16Array(MAX_MEMS);
  readonly memAccess = new Uint8Array(MAX_MEMS);
  /** 1 for an implicit stack slot (PUSH/POP/CALL/RET: base rSP, displacement -size for pushes; LEAVE: base rBP). */
  readonly memImplicit = new Uint8Array(MAX_MEMS);
}

function isWrite(a: number): boolean {
  return a === OpAccess.Write || a === OpAccess.CondWrite || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite;
}

/** Combines two accesses of the same register (e.g. read by one operand, written by another). */
function merge(a: number, b: number): number {
  if (a === b) return a;
  const reads = a === OpAccess.Read || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite || b === OpAccess.Read || b === OpAccess.ReadWrite || b === OpAccess.ReadCondWrite;
  const writes = a === OpAccess.Write || a === OpAccess.ReadWrite || b === OpAccess.Write || b === OpAccess.ReadWrite;
  const condWrites = a === OpAccess.CondWrite || a === OpAccess.ReadCondWrite || b === OpAccess.CondWrite || b === OpAccess.ReadCondWrite;
  if (writes) return reads ? OpAccess.ReadWrite : OpAccess.Write;
  if (condWrites) return reads ? OpAccess.ReadCondWrite : OpAccess.CondWrite;
  return reads ? OpAccess.Read : a === OpAccess.CondRead || b === OpAccess.CondRead ? OpAccess.CondRead : a;
}

function push(out: UsedAccesses, r: number, a: number, dedupe = true): void {
  if (dedupe) {
    for (let i = 0; i < out.regCount; i++) {
      if (out.regs[i] === r) {
        out.regAccess[i] = merge(out.regAccess[i] ?? 0, a);
        return;
      }
    }
  }
  if (out.regCount >= MAX_REGS) return;
  out.regs[out.regCount] = r;
  out.regAccess[out.regCount] = a;
  out.regImplicit[out.regCount] = 0;
  out.regCount++;
}

/**
 * The implicit stack accesses of a stack operation (SDM Vol. 1 §6.2–6.4, Vol. 2 PUSHA/POPA,
 * IRET): SS is read outside 64-bit mode, the stack pointer is read and written, and operand-size
 * slots at [SP - size], [SP - 2*size]… are written (push, call) or at [SP], [SP + size]… read
 * (pop, ret, iret). The stack-address size is taken to be the code size (SS.B is not known to a
 * decoder).
 */
function addStack(out: UsedAccesses, insn: Instruction, spec: number): void {
  const bits = insn.bitness;
  const sp = bits === 64 ? Register.RSP : bits === 32 ? Register.ESP : Register.SP;
  const os = insn.operandSize;
  const down = (spec & 3) === PUSH;
  let slots = (spec >> 2) & 15;
  if (slots === 3 && bits === 64) slots = 5; // IRET in 64-bit mode also pops SS:RSP
  if ((spec & ALL_REGS) !== 0) {
    for (let n = 0; n < 8; n++) if (down || n !== 4) addReg(out, insn, gprOf(n, os), down ? OpAccess.Read : OpAccess.Write, false);
  }
  if (bits !== 64) {
    // One read of SS (shared with an explicit SS-relative memory operand; separate from POP SS's write).
    let seen = false;
    for (let i = 0; i < out.regCount; i++) if (out.regs[i] === Register.SS && out.regAccess[i] === OpAccess.Read) seen = true;
    if (!seen) push(out, Register.SS, OpAccess.Read, false);
  }
  pushImplicit(out, sp, OpAccess.ReadWrite);
  const size = os >> 3;
  for (let k = 0; k < slots && out.memCount < MAX_MEMS; k++) {
    if (!down && (spec & ALL_REGS) !== 0 && k === 3) continue; // POPA discards the saved rSP
    const disp = down ? -(k + 1) * size : k * size;
    const m = out.memCount++;
    out.memSegment[m] = Register.SS;
    out.memBase[m] = sp;
    out.memIndex[m] = Register.None;
    out.memScale[m] = 1;
    out.memDisplLo[m] = bits === 16 ? disp & 0xffff : disp;
    out.memDisplHi[m] = bits === 64 && disp < 0 ? -1 : 0;
    out.memSize[m] = size === 2 ? MemorySize.UInt16 : size === 4 ? MemorySize.UInt32 : MemorySize.UInt64;
    out.memAccess[m] = down ? OpAccess.Write : OpAccess.Read;
    out.memImplicit[m] = 1;
  }
}

/** A 16/32/64-bit GPR narrowed to `bits` (only ever narrower). */
function narrowGpr(r: number, bits: number): number {
  const n = r >= Register.RAX && r <= Register.R15 ? r - Register.RAX : r >= Register.EAX && r <= Register.R15D ? r - Register.EAX : -1;
  if (n < 0 || bits === 64) return r;
  if (bits === 32) return r >= Register.RAX ? Register.EAX + n : r;
  return Register.AX + n;
}

function addReg(out: UsedAccesses, insn: Instruction, r: number, a: number, dedupe = true): void {
  if (r === Register.None || a === OpAccess.None) return;
  // A 32-bit destination is zero-extended in 64-bit mode even when a CMOVcc condition is false
  // (SDM Vol. 2, CMOVcc): the 64-bit register is always written.
  if (insn.bitness === 64 && r >= Register.EAX && r <= Register.R15D && (a === OpAccess.CondWrite || a === OpAccess.ReadCondWrite) &&
    insn.mnemonic >= Mnemonic.Cmova && insn.mnemonic <= Mnemonic.Cmovs) a = OpAccess.ReadWrite;
  if (isWrite(a)) {
    if (insn.bitness === 64 && r >= Register.EAX && r <= Register.R15D) {
      if (a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite) push(out, r, OpAccess.Read, dedupe);
      push(out, r - Register.EAX + Register.RAX, a === OpAccess.ReadWrite || a === OpAccess.Write ? OpAccess.Write : OpAccess.CondWrite, dedupe);
      return;
    }
    if (insn.encoding !== EncodingKind.Legacy && insn.encoding !== EncodingKind.D3NOW && r >= Register.XMM0 && r <= Register.ZMM0 + 31) {
      // VEX/EVEX/XOP zero the vector register above the written length: an XMM/YMM destination
      // is always a write of the whole register, even when masking merges elements.
      const full = Register.ZMM0 + ((r - Register.XMM0) & 31);
      if (a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite) push(out, r, OpAccess.Read, dedupe);
      push(out, full, r < Register.ZMM0 || a === OpAccess.ReadWrite || a === OpAccess.Write ? OpAccess.Write : OpAccess.CondWrite, false);
      return;
    }
  }
  push(out, r, a, dedupe);
}

/** Register `n` (0 AX, 1 CX, 2 DX, 3 BX, 5 BP) of a size in bits. */
function gprOf(n: number, bits: number): number {
  return (bits === 16 ? Register.AX : bits === 32 ? Register.EAX : Register.RAX) + n;
}

/**
 * Implicit register operands of common instructions (SDM Vol. 2 per instruction): CBW/CWDE/CDQE,
 * CWD/CDQ/CQO, SAHF/LAHF, one-operand MUL/IMUL and DIV/IDIV (rAX/rDX), RDTSC, CPUID (ECX is
 * read only by the leaves that use it), LOOPcc/JrCXZ (rCX of the address / instruction size),
 * XLAT (AL is also written) and LEAVE (rSP written from rBP, the saved rBP read from [rBP]).
 */
function addImplicit(out: UsedAccesses, insn: Instruction): void {
  const R = OpAccess.Read;
  const W = OpAccess.Write;
  const RW = OpAccess.ReadWrite;
  const os = insn.operandSize;
  const imp = (r: number, a: number): void => addReg(out, insn, r, a, false);
  switch (insn.mnemonic) {
    case Mnemonic.Cbw: imp(Register.AL, R); imp(Register.AH, W); break;
    case Mnemonic.Cwde: imp(Register.AX, R); imp(Register.EAX, W); break;
    case Mnemonic.Cdqe: imp(Register.EAX, R); imp(Register.RAX, W); break;
    case Mnemonic.Cwd: case Mnemonic.Cdq: case Mnemonic.Cqo: imp(gprOf(0, os), R); imp(gprOf(2, os), W); break;
    case Mnemonic.Sahf: imp(Register.AH, R); break;
    case Mnemonic.Lahf: imp(Register.AH, W); break;
    case Mnemonic.Mul: case Mnemonic.Imul:
      if (insn.opCount !== 1) break;
      if (insn.code === Code.Mul_rm8 || insn.code === Code.Imul_rm8) {
        imp(Register.AL, R);
        imp(Register.AX, W);
      } else {
        imp(gprOf(0, os), R);
        imp(gprOf(2, os), W);
        imp(gprOf(0, os), W);
      }
      break;
    case Mnemonic.Div: case Mnemonic.Idiv:
      if (insn.code === Code.Div_rm8 || insn.code === Code.Idiv_rm8) imp(Register.AX, RW);
      else {
        imp(gprOf(2, os), RW);
        imp(gprOf(0, os), RW);
      }
      break;
    case Mnemonic.Rdtsc: imp(Register.EAX, W); imp(Register.EDX, W); break;
    case Mnemonic.Cpuid:
      imp(Register.EAX, R); imp(Register.ECX, OpAccess.CondRead);
      imp(Register.EAX, W); imp(Register.ECX, W); imp(Register.EDX, W); imp(Register.EBX, W);
      break;
    case Mnemonic.Loop: case Mnemonic.Loope: case Mnemonic.Loopne: imp(gprOf(1, insn.addressSize), RW); break;
    case Mnemonic.Jcxz: imp(Register.CX, R); break;
    case Mnemonic.Jecxz: imp(Register.ECX, R); break;
    case Mnemonic.Jrcxz: imp(Register.RCX, R); break;
    case Mnemonic.Xlatb: push(out, Register.AL, W); break; // AL is the index (read) and the result
    case Mnemonic.Leave: {
      const bits = insn.bitness;
      if (bits !== 64) push(out, Register.SS, R);
      const sp = gprOf(4, bits);
      const bp = gprOf(5, bits);
      pushImplicit(out, sp, W);
      pushImplicit(out, bp, R);
      addReg(out, insn, gprOf(5, os), W, false);
      if (out.memCount < MAX_MEMS) {
        const m = out.memCount++;
        out.memSegment[m] = Register.SS;
        out.memBase[m] = bp;
        out.memIndex[m] = Register.None;
        out.memScale[m] = 1;
        out.memDisplLo[m] = 0;
        out.memDisplHi[m] = 0;
        out.memSize[m] = os === 16 ? MemorySize.UInt16 : os === 32 ? MemorySize.UInt32 : MemorySize.UInt64;
        out.memAccess[m] = R;
        out.memImplicit[m] = 1;
      }
      break;
    }
    default: break;
  }
}

/** Adds a stack-size register (rSP/rBP of the stack) as an implicit operand. */
function pushImplicit(out: UsedAccesses, r: number, a: number): void {
  if (out.regCount >= MAX_REGS) return;
  out.regs[out.regCount] = r;
  out.regAccess[out.regCount] = a;
  out.regImplicit[out.regCount] = 1;
  out.regCount++;
}

/** SI/DI/CX (n = 6, 7, 1) of an address size. */
function addrReg(n: number, asz: number): number {
  return (asz === 16 ? Register.AX : asz === 32 ? Register.EAX : Register.RAX) + n;
}

/**
 * String instructions (SDM Vol. 1 §7.3.9, Vol. 2 MOVS/CMPS/SCAS/LODS/STOS/INS/OUTS): the
 * segment of each string operand is read (outside 64-bit mode; FS/GS in 64-bit mode), rSI/rDI of
 * the address size are read and advanced, and the element at seg:[rSI] / ES:[rDI] is accessed.
 * With REP/REPE/REPNE the count register rCX is read and conditionally written, every other
 * access becomes conditional (the count may be 0) and the accessed size is unknown.
 */
function addString(out: UsedAccesses, insn: Instruction, writesOp0: boolean): void {
  const rep = insn.hasRep || insn.hasRepne;
  const asz = insn.addressSize;
  const zext = insn.bitness === 64 && asz === 32;
  if (rep) push(out, addrReg(1, asz), OpAccess.ReadCondWrite, false);
  const n = insn.opCount;
  for (let i = 0; i < n; i++) {
    const kind = insn.opKinds[i] ?? 0;
    const write = i === 0 && writesOp0;
    const a = write ? (rep ? OpAccess.CondWrite : OpAccess.Write) : rep ? OpAccess.CondRead : OpAccess.Read;
    if (kind === OpKind.Register) {
      addReg(out, insn, insn.opRegisters[i] ?? 0, a);
      continue;
    }
    const di = kind >= OpKind.MemoryESDI && kind <= OpKind.MemoryESRDI;
    if (!di && !(kind >= OpKind.MemorySegSI && kind <= OpKind.MemorySegRSI)) continue;
    const seg = di ? Register.ES : insn.memSegment;
    if (insn.bitness !== 64 || seg === Register.FS || seg === Register.GS) push(out, seg, rep ? OpAccess.CondRead : OpAccess.Read);
    const idx = addrReg(di ? 7 : 6, asz);
    const full = zext ? addrReg(di ? 7 : 6, 64) : idx;
    if (rep) {
      push(out, idx, OpAccess.CondRead, false);
      push(out, full, OpAccess.CondWrite, false);
    } else if (zext) {
      push(out, idx, OpAccess.Read, false);
      push(out, full, OpAccess.Write, false);
    } else push(out, idx, OpAccess.ReadWrite, false);
    if (out.memCount < MAX_MEMS) {
      const m = out.memCount++;
      out.memSegment[m] = seg;
      out.memBase[m] = idx;
      out.memIndex[m] = Register.None;
      out.memScale[m] = 1;
      out.memDisplLo[m] = 0;
      out.memDisplHi[m] = 0;
      out.memSize[m] = rep ? MemorySize.Unknown : insn.memorySize;
      out.memAccess[m] = a;
      out.memImplicit[m] = 0;
    }
  }
}

/**
 * Fills `out` with the registers and memory the explicit operands of `insn` access (see the module
 * comment for what is and is not modelled) and returns it. Invalid instructions access nothing.
 */
export function usedAccesses(insn: Instruction, out: UsedAccesses = new UsedAccesses()): UsedAccesses {
  out.regCount = 0;
  out.memCount = 0;
  if (!insn.isValid) return out;
  const code = insn.code;
  const str = STRING_OP[code] ?? 0;
  if (str !== 0) {
    addString(out, insn, str === 2);
    return out;
  }
  const n = insn.opCount;
  const masked = insn.opMask !== Register.None;
  // Zeroing idiom (`xor eax, eax`, `vpxor xmm1, xmm2, xmm2`): the sources are not read and the
  // destination is only written (the result does not depend on them).
  let zeroIdiom = false;
  if (ZERO_IDIOM[code] === 1 && n >= 2 && insn.opKinds[n - 1] === OpKind.Register && insn.opKinds[n - 2] === OpKind.Register &&
    insn.opRegisters[n - 1] === insn.opRegisters[n - 2]) zeroIdiom = true;
  if (masked) push(out, insn.opMask, OpAccess.Read);
  for (let i = 0; i < n; i++) {
    let a: number = opAccess(code, i);
    const kind = insn.opKinds[i];
    if (zeroIdiom) a = i === 0 ? OpAccess.Write : OpAccess.None;
    // (The static table of some of these forms was taken from the idiom instance: otherwise the sources are read.)
    else if (i > 0 && a === OpAccess.None && ZERO_IDIOM[code] === 1) a = OpAccess.Read;
    if (i === 0 && a === OpAccess.Write) {
      // EVEX merge-masking keeps the unselected elements: the destination is read and
      // conditionally written (zeroing-masking writes every element; a memory destination is
      // only written where the mask is set). SDM Vol. 1 §15.6.1.
      // An opmask destination (compares) is written whole: unselected bits are zeroed.
      const r0 = insn.opRegisters[0] ?? 0;
      const kDest = kind === OpKind.Register && r0 >= Register.K0 && r0 <= Register.K0 + 7;
      if (masked && !kDest && !BLENDM[code]) a = kind === OpKind.Memory ? OpAccess.CondWrite : insn.zeroingMasking ? OpAccess.Write : OpAccess.ReadCondWrite;
    } else if (i === 0 && a === OpAccess.ReadWrite && masked && kind === OpKind.Register && !insn.zeroingMasking) {
      // A read-write destination (FMA, VPERMT2*, ...) under merge-masking is conditionally written.
      a = OpAccess.ReadCondWrite;
    }
    // MOVSS/MOVSD (SSE): a load from memory zeroes the rest of the XMM register, a store writes
    // only the scalar (SDM Vol. 2, MOVSS/MOVSD); register-to-register merges.
    if ((code === Code.Movss_xmm_xmmm32 || code === Code.Movsd_xmm_xmmm64) && i === 0 && insn.opKinds[1] === OpKind.Memory) a = OpAccess.Write;
    if ((code === Code.Movss_xmmm32_xmm || code === Code.Movsd_xmmm64_xmm) && i === 0 && kind === OpKind.Memory) a = OpAccess.Write;
    if (kind === OpKind.Register) {
      let r: number = insn.opRegisters[i] ?? 0;
      if (a === OpAccess.Read && READS_R16[code] === 1) r = narrowGpr(r, 16);
      addReg(out, insn, r, a);
    } else if (kind === OpKind.Memory && a !== OpAccess.None) {
      const seg = insn.memSegment;
      const access = a !== OpAccess.NoMemAccess && a !== OpAccess.None;
      if (access && (insn.bitness !== 64 || seg === Register.FS || seg === Register.GS)) push(out, seg, OpAccess.Read);
      const base = insn.memBase;
      // LEA only uses the low operand-size bits of the address: iced reports the address
      // registers at the destination size (e.g. `lea ax, [rcx+rdx]` reads CX and DX).
      const narrow = a === OpAccess.NoMemAccess && insn.mnemonic === Mnemonic.Lea ? insn.operandSize : 64;
      if (base !== Register.None && base !== Register.RIP && base !== Register.EIP) push(out, narrowGpr(base, narrow), OpAccess.Read, false);
      if (insn.memIndex !== Register.None) push(out, narrowGpr(insn.memIndex, narrow), OpAccess.Read, false);
      if (access && out.memCount < MAX_MEMS) {
        const m = out.memCount++;
        out.memSegment[m] = seg;
        out.memBase[m] = base;
        out.memIndex[m] = insn.memIndex;
        out.memScale[m] = insn.memScale;
        let dLo = insn.memDisplLo;
        let dHi = insn.memDisplHi;
        if (insn.mnemonic === Mnemonic.Pop && (base === Register.SP || base === Register.ESP || base === Register.RSP)) {
          // POP computes an ESP-based destination address after incrementing ESP (SDM Vol. 2, POP).
          const s = (dLo >>> 0) + (insn.operandSize >> 3);
          dLo = s | 0;
          if (insn.addressSize === 64) dHi = (dHi + (s > 0xffffffff ? 1 : 0)) | 0;
          else if (insn.addressSize === 16) dLo &= 0xffff;
        }
        out.memDisplLo[m] = dLo;
        out.memDisplHi[m] = dHi;
        out.memSize[m] = insn.memorySize;
        out.memAccess[m] = a;
        out.memImplicit[m] = 0;
      }
    }
  }
  const stackOp = STACK_OP[code] ?? 0;
  if (stackOp !== 0) addStack(out, insn, stackOp);
  addImplicit(out, insn);
  return out;
}
