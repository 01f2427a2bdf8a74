/**
 * Pick the right loader for a guest image: a Linux bzImage, a Multiboot kernel (ELF or a.out
 * kludge), or a plain ELF executable; anything else is `IMAGE_UNKNOWN_FORMAT`. Direct boots
 * also get the firmware tables an OS expects (E820 via the boot protocol, ACPI in 0xE0000).
 */
import { GuestImageError, type PhysicalMemoryBus } from '@x86kit/core';
import { buildAcpiTables, type AcpiOptions } from './acpi.js';
import { type BootState, flat32Boot } from './boot-state.js';
import { isBzImage, loadBzImage } from './bzimage.js';
import { isElf, parseElf, loadElfSegments, elfPhysicalEntry } from './elf.js';
import { writeFlatGdt } from './gdt.js';
import { type E820Entry, PcLayout } from './layout.js';
import { findMultibootHeader, loadMultiboot, type MultibootModule } from './multiboot.js';

/** Image formats {@link detectImageFormat} recognises. */
export type ImageFormat = 'bzimage' | 'multiboot' | 'elf' | 'unknown';

/** What kind of guest image `bytes` is. A bad multiboot header throws rather than falling through. */
export function detectImageFormat(bytes: Uint8Array, name = 'image'): ImageFormat {
  if (isBzImage(bytes)) return 'bzimage';
  if (findMultibootHeader(bytes, name) !== null) return 'multiboot';
  if (isElf(bytes)) return 'elf';
  return 'unknown';
}

/** Inputs of {@link loadGuestImage}. */
export interface GuestImageOptions {
  name?: string;
  cmdline?: string;
  initrd?: Uint8Array;
  modules?: readonly MultibootModule[];
  memoryMap: readonly E820Entry[];
  /** ACPI table placement and fixed-hardware ports; `false` to build none. */
  acpi?: AcpiOptions | false;
}

/** Load `bytes` by its detected format. Returns the CPU entry state and the format used. */
export function loadGuestImage(mem: PhysicalMemoryBus, bytes: Uint8Array, options: GuestImageOptions): { boot: BootState; format: ImageFormat } {
  const name = options.name ?? 'image';
  if (bytes.length === 0) throw new GuestImageError('IMAGE_TRUNCATED', `${name}: empty file`);
  const format = detectImageFormat(bytes, name);
  let boot: BootState;
  switch (format) {
    case 'bzimage':
      if (options.modules !== undefined && options.modules.length > 0) throw new GuestImageError('BZIMAGE_BAD_HEADER', `${name}: a Linux kernel takes --initrd, not --module`);
      boot = loadBzImage(mem, bytes, { name, memoryMap: options.memoryMap, ...(options.cmdline !== undefined ? { cmdline: options.cmdline } : {}), ...(options.initrd !== undefined ? { initrd: options.initrd } : {}) }).boot;
      break;
    case 'multiboot':
      if (options.initrd !== undefined) throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: a multiboot kernel takes --module, not --initrd`);
      boot = loadMultiboot(mem, bytes, { name, memoryMap: options.memoryMap, ...(options.cmdline !== undefined ? { cmdline: options.cmdline } : {}), ...(options.modules !== undefined ? { modules: options.modules } : {}) }).boot;
      break;
    case 'elf': {
      const elf = parseElf(bytes, name);
      if (elf.bits !== 32) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: ELF64 without a multiboot header needs a 64-bit CPU entry, which the i686 machine does not have`);
      const top = loadElfSegments(mem, bytes, elf, name);
      boot = flat32Boot(elfPhysicalEntry(elf), {}, [`elf: ${elf.segments.length} segments up to 0x${top.toString(16)}, entry 0x${elf.entry.toString(16)}`]);
      boot.gdt = writeFlatGdt(mem, PcLayout.BOOT_GDT, 1, 2);
      break;
    }
    default:
      throw new GuestImageError('IMAGE_UNKNOWN_FORMAT', `${name}: unknown image format (not a Linux bzImage, a multiboot kernel or an ELF executable)`);
  }
  if (options.acpi !== false) {
    const t = buildAcpiTables(options.acpi ?? {});
    mem.load(t.base, t.bytes);
    boot.notes.push(`acpi: RSDP at 0x${t.rsdp.toString(16)}, RSDT 0x${t.rsdt.toString(16)}, FADT 0x${t.fadt.toString(16)}, MADT 0x${t.madt.toString(16)}`);
  }
  return { boot, format };
}
