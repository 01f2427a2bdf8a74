/**
 * Multiboot v1 (the Multiboot Specification 0.6.96): find and validate the header, load an
 * ELF kernel or an "a.out kludge" image (header flag bit 16), load modules page-aligned after
 * the kernel, and build the information structure (memory sizes, memory map, command line,
 * module list, boot loader name). The result enters the kernel in flat 32-bit protected mode
 * with EAX = 0x2BADB002 and EBX = the info structure.
 */
import { GuestImageError, type PhysicalMemoryBus } from '@x86kit/core';
import { ByteWriter, ImageReader, alignUp, cString } from './binary.js';
import { type BootState, flat32Boot } from './boot-state.js';
import { parseElf, loadElfSegments, elfPhysicalEntry, isElf } from './elf.js';
import { type E820Entry, E820Type, PcLayout } from './layout.js';
import { requireRam } from './memory-checks.js';
import { writeFlatGdt } from './gdt.js';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** Header flags we honour: 0 page-align modules, 1 memory info, 2 video mode (accepted, no framebuffer is provided), 16 address fields. */
const SUPPORTED_REQUIRED = 0x7;

/** Info-structure flags (spec 3.3). */
export const MultibootInfoFlag = {
  MEMORY: 1 << 0, BOOTDEV: 1 << 1, CMDLINE: 1 << 2, MODS: 1 << 3, AOUT_SYMS: 1 << 4, ELF_SHDR: 1 << 5,
  MEM_MAP: 1 << 6, DRIVE_INFO: 1 << 7, CONFIG_TABLE: 1 << 8, BOOT_LOADER_NAME: 1 << 9, APM_TABLE: 1 << 10, VBE: 1 << 11,
} as const;

/** A parsed Multiboot header. */
export interface MultibootHeader {
  /** File offset of the header. */
  offset: number;
  flags: number;
  /** Present when flags bit 16 is set. */
  addresses: { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number } | null;
}

/** A module handed to the kernel. */
export interface MultibootModule {
  data: Uint8Array;
  /** The module's string (conventionally its path and arguments). */
  cmdline: string;
}

/** Inputs of {@link loadMultiboot}. */
export interface MultibootOptions {
  /** Kernel command line (QEMU passes the kernel path, a space, then `-append`). */
  cmdline?: string;
  modules?: readonly MultibootModule[];
  /** The memory map to report; also gives mem_lower/mem_upper. */
  memoryMap: readonly E820Entry[];
  /** Image name for error messages. */
  name?: string;
}

/** Where things went; useful for tests and `--trace`. */
export interface MultibootLayout {
  kernelStart: number;
  kernelEnd: number;
  entry: number;
  infoAddr: number;
  modules: { start: number; end: number }[];
}

/** Find the Multiboot header in the first 8192 bytes (32-bit aligned), or null when there is none. */
export function findMultibootHeader(bytes: Uint8Array, name = 'image'): MultibootHeader | null {
  const r = new ImageReader(bytes, name);
  const limit = Math.min(8192, bytes.length) - 12;
  for (let o = 0; o <= limit; o += 4) {
    if (r.u32(o, 'multiboot magic') !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = r.u32(o + 4, 'multiboot flags');
    const sum = (MULTIBOOT_HEADER_MAGIC + flags + r.u32(o + 8, 'multiboot checksum')) >>> 0;
    if (sum !== 0) {
      throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: multiboot header at 0x${o.toString(16)} has a bad checksum (magic + flags + checksum = 0x${sum.toString(16)}, must be 0)`);
    }
    const required = flags & 0xffff;
    if ((required & ~SUPPORTED_REQUIRED) !== 0) {
      const bit = Math.log2(required & ~SUPPORTED_REQUIRED & -(required & ~SUPPORTED_REQUIRED));
      throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: multiboot header requires feature bit ${bit}, which x86kit does not provide`);
    }
    let addresses: MultibootHeader['addresses'] = null;
    if ((flags & 0x10000) !== 0) {
      addresses = {
        headerAddr: r.u32(o + 12, 'multiboot header_addr'), loadAddr: r.u32(o + 16, 'multiboot load_addr'),
        loadEndAddr: r.u32(o + 20, 'multiboot load_end_addr'), bssEndAddr: r.u32(o + 24, 'multiboot bss_end_addr'),
        entryAddr: r.u32(o + 28, 'multiboot entry_addr'),
      };
    }
    return { offset: o, flags, addresses };
  }
  return null;
}

/** Load the kernel image of `header` (ELF or a.out kludge); returns start, end and entry. */
function loadKernel(mem: PhysicalMemoryBus, bytes: Uint8Array, header: MultibootHeader, name: string): { start: number; end: number; entry: number } {
  const a = header.addresses;
  if (a === null) {
    if (!isElf(bytes)) {
      throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: multiboot header has no address fields (flag 16) and the image is not ELF`);
    }
    const elf = parseElf(bytes, name);
    if (elf.bits !== 32) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: a multiboot v1 ELF kernel must be ELF32`);
    const end = loadElfSegments(mem, bytes, elf, name);
    const start = Math.min(...elf.segments.filter((s) => s.memSize > 0).map((s) => s.paddr));
    return { start, end, entry: elfPhysicalEntry(elf) };
  }
  if (a.headerAddr < a.loadAddr || a.headerAddr - a.loadAddr > header.offset) {
    throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: header_addr 0x${a.headerAddr.toString(16)} and load_addr 0x${a.loadAddr.toString(16)} do not match the header's file offset 0x${header.offset.toString(16)}`);
  }
  const fileStart = header.offset - (a.headerAddr - a.loadAddr);
  const loadEnd = a.loadEndAddr === 0 ? a.loadAddr + (bytes.length - fileStart) : a.loadEndAddr;
  if (loadEnd < a.loadAddr) throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: load_end_addr is below load_addr`);
  const size = loadEnd - a.loadAddr;
  if (fileStart + size > bytes.length) {
    throw new GuestImageError('IMAGE_TRUNCATED', `${name}: truncated: the multiboot header asks for 0x${size.toString(16)} bytes from file offset 0x${fileStart.toString(16)}, the file has 0x${bytes.length.toString(16)}`);
  }
  const bssEnd = a.bssEndAddr === 0 ? loadEnd : a.bssEndAddr;
  if (bssEnd < loadEnd) throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: bss_end_addr is below load_end_addr`);
  requireRam(mem, a.loadAddr, bssEnd - a.loadAddr, `${name}: multiboot image at 0x${a.loadAddr.toString(16)}`);
  mem.load(a.loadAddr, bytes.subarray(fileStart, fileStart + size));
  if (bssEnd > loadEnd) mem.load(loadEnd, new Uint8Array(bssEnd - loadEnd));
  if (a.entryAddr < a.loadAddr || a.entryAddr >= bssEnd) {
    throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: entry_addr 0x${a.entryAddr.toString(16)} is outside the loaded image`);
  }
  return { start: a.loadAddr, end: bssEnd, entry: a.entryAddr };
}

/**
 * Load a Multiboot v1 kernel and its modules into `mem` and build the info structure after
 * them. Throws {@link GuestImageError} for a missing/bad header or an image that does not fit.
 */
export function loadMultiboot(mem: PhysicalMemoryBus, bytes: Uint8Array, options: MultibootOptions): { boot: BootState; layout: MultibootLayout } {
  const name = options.name ?? 'image';
  const header = findMultibootHeader(bytes, name);
  if (header === null) throw new GuestImageError('MULTIBOOT_BAD_HEADER', `${name}: no multiboot header in the first 8 KiB`);
  const notes: string[] = [];
  const kernel = loadKernel(mem, bytes, header, name);
  notes.push(`multiboot: kernel 0x${kernel.start.toString(16)}-0x${kernel.end.toString(16)}${header.addresses ? ' (a.out kludge)' : ' (ELF)'}, entry 0x${kernel.entry.toString(16)}`);

  // modules: page aligned after the kernel
  let cursor = alignUp(kernel.end, 4096);
  const mods: { start: number; end: number }[] = [];
  for (const [i, m] of (options.modules ?? []).entries()) {
    requireRam(mem, cursor, Math.max(1, m.data.length), `module ${i} (${m.data.length} bytes)`);
    mem.load(cursor, m.data);
    mods.push({ start: cursor, end: cursor + m.data.length });
    notes.push(`multiboot: module ${i} at 0x${cursor.toString(16)}-0x${(cursor + m.data.length).toString(16)} "${m.cmdline}"`);
    cursor = alignUp(cursor + m.data.length, 4096);
  }

  // info block: mbi (88 bytes), memory map, module list, strings
  const map = options.memoryMap;
  const cmdline = cString(options.cmdline ?? '');
  const loaderName = cString('x86kit');
  const modStrings = (options.modules ?? []).map((m) => cString(m.cmdline));
  const MBI = 0, MMAP = 88, MODS = MMAP + 24 * map.length, STR = MODS + 16 * mods.length;
  const strLen = cmdline.length + loaderName.length + modStrings.reduce((n, s) => n + s.length, 0);
  const w = new ByteWriter(STR + strLen);
  const infoAddr = cursor;
  let s = infoAddr + STR;
  const put = (bytes: Uint8Array): number => { const at = s; w.bytes.set(bytes, at - infoAddr); s += bytes.length; return at; };
  const cmdAddr = put(cmdline);
  const nameAddr = put(loaderName);
  const modStrAddrs = modStrings.map(put);

  let lowerKiB = 0;
  let upperKiB = 0;
  for (const e of map) {
    if (e.type !== E820Type.RAM) continue;
    if (e.base === 0) lowerKiB = Math.min(640, Math.floor(e.length / 1024));
    if (e.base <= PcLayout.HIGH_RAM_START && e.base + e.length > PcLayout.HIGH_RAM_START) upperKiB = Math.floor((e.base + e.length - PcLayout.HIGH_RAM_START) / 1024);
  }
  const flags = MultibootInfoFlag.MEMORY | MultibootInfoFlag.CMDLINE | MultibootInfoFlag.MODS | MultibootInfoFlag.MEM_MAP | MultibootInfoFlag.BOOT_LOADER_NAME;
  w.u32(MBI + 0, flags).u32(MBI + 4, lowerKiB).u32(MBI + 8, upperKiB).u32(MBI + 16, cmdAddr);
  w.u32(MBI + 20, mods.length).u32(MBI + 24, infoAddr + MODS);
  w.u32(MBI + 44, 24 * map.length).u32(MBI + 48, infoAddr + MMAP).u32(MBI + 64, nameAddr);
  map.forEach((e, i) => { w.u32(MMAP + 24 * i, 20).u64(MMAP + 24 * i + 4, e.base).u64(MMAP + 24 * i + 12, e.length).u32(MMAP + 24 * i + 20, e.type); });
  mods.forEach((m, i) => { w.u32(MODS + 16 * i, m.start).u32(MODS + 16 * i + 4, m.end).u32(MODS + 16 * i + 8, modStrAddrs[i]); });
  requireRam(mem, infoAddr, w.bytes.length, 'the multiboot information structure');
  mem.load(infoAddr, w.bytes);
  notes.push(`multiboot: info at 0x${infoAddr.toString(16)}, mem_lower ${lowerKiB} KiB, mem_upper ${upperKiB} KiB, ${map.length} memory map entries`);

  const boot = flat32Boot(kernel.entry, { eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: infoAddr }, notes);
  boot.gdt = writeFlatGdt(mem, PcLayout.BOOT_GDT, 1, 2);
  return { boot, layout: { kernelStart: kernel.start, kernelEnd: kernel.end, entry: kernel.entry, infoAddr, modules: mods } };
}
