/**
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst, protocol 2.02+), 32-bit entry:
 * parse the real-mode setup header, load the protected-mode kernel at 1 MiB, build the zero
 * page (struct boot_params) with the setup header, the E820 map, the command line and the
 * initrd, and enter `code32_start` in flat protected mode with ESI = zero page,
 * CS = __BOOT_CS (0x10), DS = ES = SS = __BOOT_DS (0x18), interrupts off.
 */
import { GuestImageError, type PhysicalMemoryBus } from '@x86kit/core';
import { ByteWriter, ImageReader, cString } from './binary.js';
import { type BootState, flat32Boot } from './boot-state.js';
import { type E820Entry, PcLayout, E820Type } from './layout.js';
import { requireRam } from './memory-checks.js';
import { writeFlatGdt } from './gdt.js';

/** Fields of the setup header (offsets in the image / zero page). */
export interface LinuxSetupHeader {
  setupSects: number;
  /** Boot protocol version, e.g. 0x020f. */
  version: number;
  loadFlags: number;
  code32Start: number;
  initrdAddrMax: number;
  kernelAlignment: number;
  relocatable: boolean;
  cmdlineSize: number;
  /** Bytes 0x1f1 .. end of the header (0x202 + the jump's byte at 0x201), copied into the zero page. */
  headerEnd: number;
}

/** True when `bytes` look like a Linux boot image (0xAA55 at 0x1FE and "HdrS" at 0x202). */
export function isBzImage(bytes: Uint8Array): boolean {
  return bytes.length >= 0x206 && bytes[0x1fe] === 0x55 && bytes[0x1ff] === 0xaa &&
    bytes[0x202] === 0x48 && bytes[0x203] === 0x64 && bytes[0x204] === 0x72 && bytes[0x205] === 0x53;
}

/** Parse and check the setup header. */
export function parseLinuxHeader(bytes: Uint8Array, name = 'image'): LinuxSetupHeader {
  const r = new ImageReader(bytes, name);
  if (!isBzImage(bytes)) throw new GuestImageError('BZIMAGE_BAD_HEADER', `${name}: not a Linux kernel (no 0xAA55 boot flag and "HdrS" setup header)`);
  const version = r.u16(0x206, 'boot protocol version');
  if (version < 0x0202) throw new GuestImageError('BZIMAGE_BAD_HEADER', `${name}: boot protocol ${version >> 8}.${version & 0xff} is older than 2.02`);
  let setupSects = r.u8(0x1f1, 'setup_sects');
  if (setupSects === 0) setupSects = 4;
  const loadFlags = r.u8(0x211, 'loadflags');
  if ((loadFlags & 1) === 0) throw new GuestImageError('BZIMAGE_BAD_HEADER', `${name}: a zImage (LOADED_HIGH clear) cannot be loaded at 1 MiB`);
  const h: LinuxSetupHeader = {
    setupSects, version, loadFlags,
    code32Start: r.u32(0x214, 'code32_start'),
    initrdAddrMax: version >= 0x0203 ? r.u32(0x22c, 'initrd_addr_max') : 0x37ffffff,
    kernelAlignment: version >= 0x0205 ? r.u32(0x230, 'kernel_alignment') : 0x100000,
    relocatable: version >= 0x0205 ? r.u8(0x234, 'relocatable_kernel') !== 0 : false,
    cmdlineSize: version >= 0x0206 ? r.u32(0x238, 'cmdline_size') : 255,
    headerEnd: 0x202 + r.u8(0x201, 'setup jump'),
  };
  r.need(0, (setupSects + 1) * 512, 'real-mode setup code');
  if ((setupSects + 1) * 512 >= bytes.length) throw new GuestImageError('IMAGE_TRUNCATED', `${name}: truncated: no protected-mode kernel after ${setupSects} setup sectors`);
  return h;
}

/** Inputs of {@link loadBzImage}. */
export interface LinuxBootOptions {
  cmdline?: string;
  initrd?: Uint8Array;
  memoryMap: readonly E820Entry[];
  name?: string;
}

/** Where things went. */
export interface LinuxLayout {
  kernelStart: number;
  kernelEnd: number;
  zeroPage: number;
  cmdline: number;
  initrd: { start: number; size: number } | null;
}

/** Load a bzImage for a 32-bit boot. */
export function loadBzImage(mem: PhysicalMemoryBus, bytes: Uint8Array, options: LinuxBootOptions): { boot: BootState; layout: LinuxLayout } {
  const name = options.name ?? 'image';
  const h = parseLinuxHeader(bytes, name);
  const notes: string[] = [];
  const pmOffset = (h.setupSects + 1) * 512;
  const kernel = bytes.subarray(pmOffset);
  const kernelStart = PcLayout.HIGH_RAM_START;
  requireRam(mem, kernelStart, kernel.length, `${name}: protected-mode kernel (${kernel.length} bytes)`);
  mem.load(kernelStart, kernel);
  notes.push(`linux: boot protocol ${h.version >> 8}.${(h.version & 0xff).toString().padStart(2, '0')}, ${h.setupSects} setup sectors, kernel 0x${kernelStart.toString(16)}-0x${(kernelStart + kernel.length).toString(16)}`);

  const zp = new ByteWriter(4096);
  zp.bytes.set(bytes.subarray(0x1f1, h.headerEnd), 0x1f1);
  zp.u8(0x210, 0xff);                                   // type_of_loader: undefined boot loader
  zp.u8(0x211, (h.loadFlags & ~0x20) | 0x80);          // CAN_USE_HEAP; keep QUIET_FLAG off
  zp.u16(0x224, 0xfe00);                               // heap_end_ptr
  zp.u32(0x214, kernelStart);                          // code32_start

  const cmd = cString(options.cmdline ?? '');
  if (cmd.length - 1 > h.cmdlineSize) throw new GuestImageError('BZIMAGE_BAD_HEADER', `${name}: command line of ${cmd.length - 1} bytes exceeds the kernel's cmdline_size ${h.cmdlineSize}`);
  requireRam(mem, PcLayout.LINUX_CMDLINE, cmd.length, 'the kernel command line');
  mem.load(PcLayout.LINUX_CMDLINE, cmd);
  zp.u32(0x228, PcLayout.LINUX_CMDLINE);

  let initrd: LinuxLayout['initrd'] = null;
  if (options.initrd !== undefined && options.initrd.length > 0) {
    let ramTop = 0;
    for (const e of options.memoryMap) if (e.type === E820Type.RAM && e.base + e.length > ramTop) ramTop = e.base + e.length;
    const max = Math.min(ramTop, h.initrdAddrMax + 1);
    const start = Math.floor((max - options.initrd.length) / 4096) * 4096;
    if (start < kernelStart + kernel.length) throw new GuestImageError('IMAGE_TOO_LARGE', `initrd of ${options.initrd.length} bytes does not fit in guest RAM below 0x${max.toString(16)} (try a larger --mem)`);
    requireRam(mem, start, options.initrd.length, 'the initrd');
    mem.load(start, options.initrd);
    zp.u32(0x218, start).u32(0x21c, options.initrd.length);
    initrd = { start, size: options.initrd.length };
    notes.push(`linux: initrd at 0x${start.toString(16)} (${options.initrd.length} bytes)`);
  }

  const map = options.memoryMap.slice(0, 128);
  zp.u8(0x1e8, map.length);                             // e820_entries
  map.forEach((e, i) => { zp.u64(0x2d0 + 20 * i, e.base).u64(0x2d0 + 20 * i + 8, e.length).u32(0x2d0 + 20 * i + 16, e.type); });
  // screen_info: an 80x25 text console so early code does not divide by zero
  zp.u8(0x06, 80).u8(0x0e, 25).u8(0x0f, 1).u16(0x10, 16);
  mem.load(PcLayout.ZERO_PAGE, zp.bytes);
  notes.push(`linux: zero page at 0x${PcLayout.ZERO_PAGE.toString(16)}, ${map.length} E820 entries, cmdline "${options.cmdline ?? ''}"`);

  const boot = flat32Boot(kernelStart, { esi: PcLayout.ZERO_PAGE }, notes);
  boot.cs = 0x10;
  boot.ds = 0x18;
  boot.gdt = writeFlatGdt(mem, PcLayout.BOOT_GDT, 2, 3);
  return { boot, layout: { kernelStart, kernelEnd: kernelStart + kernel.length, zeroPage: PcLayout.ZERO_PAGE, cmdline: PcLayout.LINUX_CMDLINE, initrd } };
}
