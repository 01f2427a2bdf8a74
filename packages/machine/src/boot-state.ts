/**
 * What a loader hands to the CPU: the processor state at the kernel's entry point, applied
 * to a {@link CpuState} by {@link applyBootState}.
 */
import type { CpuState} from '@x86kit/core';
import { Reg, Seg, SysSeg, SegAttr, Cr0 } from '@x86kit/core';

/** How the CPU starts. */
export const BootMode = {
  /** Power-on reset: CS:IP = F000:FFF0 with CS base 0xffff0000 (firmware boots). */
  Reset: 0,
  /** 32-bit protected mode, flat 4 GiB code/data segments, paging off, IF = 0 (Multiboot, Linux 32-bit entry, ELF). */
  Flat32: 1,
  /** Real mode at `cs:ip` (raw binaries loaded below 1 MiB). */
  Real: 2,
} as const;
export type BootMode = (typeof BootMode)[keyof typeof BootMode];

/** The entry state a loader computed. Register values are uint32. */
export interface BootState {
  mode: BootMode;
  /** EIP (Flat32) or IP (Real). */
  entry: number;
  /** Real mode: CS selector; protected mode: CS selector (default 0x08). */
  cs: number;
  /** Data/stack selector in protected mode (default 0x10). */
  ds: number;
  /** GDTR to load, or null to leave it at its reset value. */
  gdt: { base: number; limit: number } | null;
  /** General-purpose registers to set (others are zero). */
  regs: Partial<Record<'eax' | 'ebx' | 'ecx' | 'edx' | 'esi' | 'edi' | 'ebp' | 'esp', number>>;
  /** One line per step the loader took, for `--trace`/`--json`. */
  notes: string[];
}

const REG_INDEX = { eax: Reg.RAX, ebx: Reg.RBX, ecx: Reg.RCX, edx: Reg.RDX, esi: Reg.RSI, edi: Reg.RDI, ebp: Reg.RBP, esp: Reg.RSP } as const;

/** The flat segments of a 32-bit entry: base 0, limit 4 GiB, granular, 32-bit, DPL 0. */
const FLAT_CODE = SegAttr.P | SegAttr.S | SegAttr.CODE | SegAttr.READABLE | SegAttr.ACCESSED | SegAttr.DB | SegAttr.G;
const FLAT_DATA = SegAttr.P | SegAttr.S | SegAttr.WRITABLE | SegAttr.ACCESSED | SegAttr.DB | SegAttr.G;

/**
 * Put `cpu` into the state `boot` describes. Starts from RESET (Intel SDM Vol. 3A table 10-1),
 * then for {@link BootMode.Flat32} sets CR0.PE, flat segments and the given selectors, as the
 * Multiboot spec ("Machine state") and the Linux 32-bit boot protocol require.
 */
export function applyBootState(cpu: CpuState, boot: BootState): void {
  cpu.reset();
  cpu.set32(Reg.RDX, 0);
  for (const [name, value] of Object.entries(boot.regs) as [keyof typeof REG_INDEX, number][]) {
    cpu.set32(REG_INDEX[name], value);
  }
  if (boot.gdt !== null) {
    cpu.gdtrBase[0] = boot.gdt.base | 0;
    cpu.gdtrBase[1] = 0;
    cpu.gdtrLimit = boot.gdt.limit;
  }
  if (boot.mode === BootMode.Reset) {
    cpu.reset();
    return;
  }
  if (boot.mode === BootMode.Real) {
    cpu.loadSegmentReal(Seg.CS, boot.cs);
    for (const s of [Seg.DS, Seg.ES, Seg.SS, Seg.FS, Seg.GS]) cpu.loadSegmentReal(s, boot.cs);
    cpu.eip = boot.entry & 0xffff;
    return;
  }
  cpu.cr0 = (cpu.cr0 | Cr0.PE | Cr0.ET) & ~(Cr0.PG | Cr0.CD | Cr0.NW);
  for (let s = 0; s < 6; s++) {
    const code = s === Seg.CS;
    cpu.segSel[s] = code ? boot.cs : boot.ds;
    cpu.segBase[2 * s] = 0;
    cpu.segBase[2 * s + 1] = 0;
    cpu.segLimit[s] = 0xffffffff;
    cpu.segAttr[s] = code ? FLAT_CODE : FLAT_DATA;
  }
  cpu.segSel[SysSeg.LDTR] = 0;
  cpu.segSel[SysSeg.TR] = 0;
  cpu.eip = boot.entry;
}

/** A protected-mode entry state with the usual selectors (CS 0x08, data 0x10) and no GDT. */
export function flat32Boot(entry: number, regs: BootState['regs'], notes: string[]): BootState {
  return { mode: BootMode.Flat32, entry: entry >>> 0, cs: 0x08, ds: 0x10, gdt: null, regs, notes };
}
