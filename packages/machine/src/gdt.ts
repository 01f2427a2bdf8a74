import type { PhysicalMemoryBus } from '@x86kit/core';
import { ByteWriter } from './binary.js';

/**
 * Write a small GDT at `base` whose entry `codeIndex` is a flat 32-bit ring-0 code segment and
 * `dataIndex` a flat data segment (the other entries are null). Returns the GDTR value.
 * Multiboot leaves GDTR undefined, Linux's 32-bit protocol wants __BOOT_CS = 0x10 and
 * __BOOT_DS = 0x18; a valid table makes both safe until the kernel loads its own.
 */
export function writeFlatGdt(mem: PhysicalMemoryBus, base: number, codeIndex: number, dataIndex: number): { base: number; limit: number } {
  const entries = Math.max(codeIndex, dataIndex) + 1;
  const w = new ByteWriter(entries * 8);
  // limit 0xfffff, base 0, G=1 D/B=1; access 0x9b code (accessed, readable) / 0x93 data (accessed, writable)
  w.u32(codeIndex * 8, 0x0000ffff).u32(codeIndex * 8 + 4, 0x00cf9b00);
  w.u32(dataIndex * 8, 0x0000ffff).u32(dataIndex * 8 + 4, 0x00cf9300);
  mem.load(base, w.bytes);
  return { base, limit: entries * 8 - 1 };
}
