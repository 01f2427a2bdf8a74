/**
 * Firmware boots: a BIOS image mapped as ROM at the top of 4 GiB (where the reset vector
 * 0xFFFFFFF0 fetches), with its last 128 KiB also visible below 1 MiB at 0xE0000–0xFFFFF
 * (the PC's "isa-bios" alias), as QEMU's `-bios` does.
 */
import { GuestImageError, type PhysicalMemoryBus } from '@x86kit/core';
import { type BootState, BootMode } from './boot-state.js';
import { writeFlatGdt } from './gdt.js';
import { PcLayout } from './layout.js';

/** Check and map a BIOS image; the CPU then starts from RESET (CS:IP F000:FFF0). */
export function loadBios(mem: PhysicalMemoryBus, rom: Uint8Array, options: { name?: string; shadowInRam?: boolean } = {}): BootState {
  const name = options.name ?? 'bios';
  if (rom.length < 0x10000 || rom.length > 0x1000000 || rom.length % 0x10000 !== 0) {
    throw new GuestImageError('IMAGE_UNKNOWN_FORMAT', `${name}: a BIOS image must be a multiple of 64 KiB between 64 KiB and 16 MiB (got ${rom.length} bytes)`);
  }
  mem.mapRom(0x1_0000_0000 - rom.length, rom);
  const low = rom.subarray(rom.length - Math.min(rom.length, 0x20000));
  const lowBase = 0x100000 - low.length;
  if (options.shadowInRam === true) {
    // Writable shadow (what chipset PAM registers give firmware after it unlocks them).
    mem.mapRam(lowBase, low.length);
    mem.load(lowBase, low);
  } else {
    mem.mapRom(lowBase, low);
  }
  return {
    mode: BootMode.Reset, entry: 0xfff0, cs: 0xf000, ds: 0, gdt: null, regs: {},
    notes: [`bios: ${rom.length / 1024} KiB at 0x${(0x1_0000_0000 - rom.length).toString(16)}, last ${low.length / 1024} KiB at 0x${lowBase.toString(16)}${options.shadowInRam === true ? ' (RAM shadow)' : ''}`],
  };
}

/** Load a raw binary at `address` and enter it at `entry` (protected mode unless `address` < 1 MiB and `real`). */
export function loadRaw(mem: PhysicalMemoryBus, bytes: Uint8Array, address: number, options: { entry?: number; real?: boolean; name?: string } = {}): BootState {
  const name = options.name ?? 'image';
  if (bytes.length === 0) throw new GuestImageError('IMAGE_TRUNCATED', `${name}: empty image`);
  if (address + bytes.length > 0x1_0000_0000) throw new GuestImageError('IMAGE_TOO_LARGE', `${name}: does not fit at 0x${address.toString(16)}`);
  for (let a = address - (address % 4096); a < address + bytes.length; a += 4096) {
    if (mem.kindAt(a) !== 1 && mem.kindAt(a) !== 2) throw new GuestImageError('IMAGE_TOO_LARGE', `${name}: 0x${a.toString(16)} is outside guest RAM (try a larger --mem)`);
  }
  mem.load(address, bytes);
  const entry = options.entry ?? address;
  const notes = [`raw: ${bytes.length} bytes at 0x${address.toString(16)}, entry 0x${entry.toString(16)}`];
  if (options.real === true) {
    if (entry >= 0x100000) throw new GuestImageError('IMAGE_TOO_LARGE', `${name}: a real-mode entry must be below 1 MiB`);
    const cs = (entry >>> 4) & 0xf000;
    return { mode: BootMode.Real, entry: entry - cs * 16, cs, ds: cs, gdt: null, regs: {}, notes };
  }
  const gdt = mem.kindAt(PcLayout.BOOT_GDT) === 1 ? writeFlatGdt(mem, PcLayout.BOOT_GDT, 1, 2) : null;
  return { mode: BootMode.Flat32, entry, cs: 0x08, ds: 0x10, gdt, regs: {}, notes };
}
