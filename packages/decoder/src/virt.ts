/**
 * The virtualization class of an instruction: what a virtual machine monitor has to do about it.
 *
 * Classic x86 (before VT-x/SVM) is not virtualizable in the sense of Popek and Goldberg:
 * Robin and Irvine (USENIX Security 2000) list 17 instructions that are *sensitive* (they read
 * or change privileged state, or behave differently by privilege level) yet *unprivileged*
 * (they do not trap at CPL > 0), so trap-and-emulate alone cannot work. A binary translator
 * (Adams & Agesen, ASPLOS 2006, §3.2) therefore copies most instructions unchanged ("IDENT")
 * and rewrites the rest: privileged and sensitive instructions, I/O, PC-relative code and every
 * control transfer.
 *
 * The class of every `Code` is authored with the manual's reasoning in
 * `tools/gen-x86/data/virt-class.txt` and generated into `generated/virt-class.ts`.
 */
import { VIRT_CLASS_BIT_VALUES, VIRT_CLASS_CODE_COUNT, VIRT_CLASS_PAIRS } from './generated/virt-class.js';
import { type Instruction, OpKind } from './instruction.js';
import { Register } from './register.js';

/**
 * Virtualization class bits (OR-ed; 0 = plain computation, IDENT).
 *
 * - `PRIV`: faults (#GP(0)/#UD) whenever CPL > 0 (SDM: "#GP(0) if the current privilege level is not 0").
 * - `PRIV_COND`: faults at CPL > 0 only under a control bit (CR4.TSD for RDTSC, CR4.PCE for RDPMC, CR4.UMIP for SGDT/SIDT/SLDT/SMSW/STR, ...).
 * - `IOPL`: faults when CPL > IOPL (CLI, STI, port I/O), or in virtual-8086 mode when IOPL < 3 (PUSHF, POPF, INT n, IRET).
 * - `IO`: accesses the I/O port space.
 * - `SENSITIVE`: sensitive but unprivileged: runs at CPL 3 without trapping while revealing or silently ignoring privileged state (POPF, PUSHF, SGDT, SIDT, SLDT, SMSW, STR, LAR, LSL, VERR, VERW, MOV/PUSH/POP Sreg, far CALL/JMP/RET, INT n, ...).
 * - `SEG_LOAD`: loads a segment register with descriptor privilege checks against CPL.
 * - `BRANCH`: direct near control transfer relative to the next IP.
 * - `INDIRECT`: control transfer whose target comes from a register, memory or the stack.
 * - `FAR`: far transfer or privilege change (loads CS).
 * - `PC_REL`: depends on the instruction's own address (relative targets, pushed return IPs; RIP-relative memory is added per instance by {@link virtClassOfInstance}).
 * - `TRAP`: raises an exception or enters the kernel by design (INT n, INT3, UD2, SYSCALL, ...).
 * - `VIRT_EXT`: a VMX/SVM/SEV/TDX instruction.
 */
export const VirtClass = VIRT_CLASS_BIT_VALUES;
/** A combination of {@link VirtClass} bits. */
export type VirtClass = number;

/** Classes that force a binary translator to rewrite the instruction (everything but plain IDENT code). */
export const VIRT_REWRITE_MASK: number =
  VirtClass.PRIV | VirtClass.PRIV_COND | VirtClass.IOPL | VirtClass.IO | VirtClass.SENSITIVE | VirtClass.SEG_LOAD |
  VirtClass.BRANCH | VirtClass.INDIRECT | VirtClass.FAR | VirtClass.PC_REL | VirtClass.TRAP | VirtClass.VIRT_EXT;

let table: Uint16Array | null = null;

function buildTable(): Uint16Array {
  const t = new Uint16Array(VIRT_CLASS_CODE_COUNT);
  for (let i = 0; i < VIRT_CLASS_PAIRS.length; i += 2) t[VIRT_CLASS_PAIRS[i]] = VIRT_CLASS_PAIRS[i + 1];
  table = t;
  return t;
}

/** The static virtualization class of a `Code` (0 for unknown codes, which includes `Code.INVALID`). */
export function virtClass(code: number): VirtClass {
  const t = table ?? buildTable();
  return code >= 0 && code < t.length ? (t[code]) : 0;
}

/**
 * Virtualization class of one decoded instance: the static class of its code, plus `PC_REL`
 * when it has a RIP-relative memory operand (`ipRelativeMemory`, as reported by the decoder).
 */
export function virtClassOfInstance(code: number, ipRelativeMemory: boolean): VirtClass {
  const c = virtClass(code);
  return ipRelativeMemory ? c | VirtClass.PC_REL : c;
}

/** Virtualization class of a decoded instruction: {@link virtClassOfInstance} with its RIP/EIP-relative memory operand, if any. */
export function virtClassOfInstruction(insn: Instruction): VirtClass {
  let ipRel = false;
  if (insn.memBase === Register.RIP || insn.memBase === Register.EIP) {
    for (let i = 0; i < insn.opCount; i++) if (insn.opKinds[i] === OpKind.Memory) ipRel = true;
  }
  return virtClassOfInstance(insn.code, ipRel);
}

/** True when a binary translator may copy the instruction unchanged (Adams & Agesen §3.2 "IDENT"). */
export function isIdent(code: number): boolean {
  return (virtClass(code) & VIRT_REWRITE_MASK) === 0;
}

/** True for sensitive instructions that do not trap at CPL > 0 (the Popek–Goldberg violators). */
export function isSensitiveUnprivileged(code: number): boolean {
  const c = virtClass(code);
  return (c & VirtClass.SENSITIVE) !== 0 && (c & VirtClass.PRIV) === 0;
}

/** Names of the bits set in `cls`, in bit order (e.g. `["SENSITIVE", "IOPL"]`). */
export function virtClassNames(cls: VirtClass): string[] {
  const out: string[] = [];
  for (const [name, bit] of Object.entries(VirtClass)) if ((cls & bit) !== 0) out.push(name);
  return out;
}
