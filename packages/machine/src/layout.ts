/**
 * The PC physical memory map x86kit's machine builds (QEMU `pc`-like): conventional memory,
 * the legacy video/ROM hole, RAM from 1 MiB, and the 32-bit PCI/MMIO hole below 4 GiB.
 */
import { GuestImageError } from '@x86kit/core';

/** Addresses of the physical memory map (bytes). */
export const PcLayout = {
  /** End of conventional memory; the EBDA starts here (639 KiB). */
  LOW_RAM_END: 0x9fc00,
  /** Legacy VGA window (not RAM). */
  VGA_START: 0xa0000,
  /** Option-ROM / BIOS area: RAM in direct boots (tables live here), ROM shadow with `--bios`. */
  BIOS_AREA: 0xc0000,
  /** Where ACPI tables and the RSDP go in direct boots (scanned by OSes in 0xE0000–0xFFFFF). */
  ACPI_BASE: 0xe0000,
  HIGH_RAM_START: 0x100000,
  /** RAM above 1 MiB ends at or below this: the MMIO hole (IOAPIC, LAPIC, BIOS ROM) follows. */
  MAX_RAM: 0xc0000000,
  IOAPIC_BASE: 0xfec00000,
  LAPIC_BASE: 0xfee00000,
  /** Where the Linux zero page (boot_params) goes. */
  ZERO_PAGE: 0x7000,
  /** Where the Linux kernel command line goes. */
  LINUX_CMDLINE: 0x20000,
  /** A 4-entry flat GDT used by protected-mode direct boots. */
  BOOT_GDT: 0x500,
} as const;

/** E820 / Multiboot memory types (ACPI 6.x table 15-312 "Address Range Types"). */
export const E820Type = { RAM: 1, RESERVED: 2, ACPI: 3, NVS: 4, UNUSABLE: 5 } as const;
export type E820Type = (typeof E820Type)[keyof typeof E820Type];

/** One memory-map entry. */
export interface E820Entry {
  base: number;
  length: number;
  type: E820Type;
}

/** Largest guest RAM the 32-bit physical map holds below the MMIO hole (3 GiB). */
export const MAX_GUEST_RAM = PcLayout.MAX_RAM;

/** Check a RAM size: at least 2 MiB, at most 3 GiB, a multiple of 4 KiB. */
export function checkRamSize(bytes: number): void {
  if (!Number.isInteger(bytes) || bytes < 2 * 1024 * 1024 || bytes > MAX_GUEST_RAM || bytes % 4096 !== 0) {
    throw new GuestImageError('IMAGE_TOO_LARGE', `guest RAM of ${bytes} bytes is impossible: use 2 MiB .. 3 GiB in 4 KiB steps`);
  }
}

/** The E820 map for `ramBytes` of RAM (what firmware reports and direct boots hand over). */
export function pcE820(ramBytes: number): E820Entry[] {
  checkRamSize(ramBytes);
  return [
    { base: 0, length: PcLayout.LOW_RAM_END, type: E820Type.RAM },
    { base: PcLayout.LOW_RAM_END, length: PcLayout.VGA_START - PcLayout.LOW_RAM_END, type: E820Type.RESERVED },
    { base: PcLayout.ACPI_BASE, length: PcLayout.HIGH_RAM_START - PcLayout.ACPI_BASE, type: E820Type.RESERVED },
    { base: PcLayout.HIGH_RAM_START, length: ramBytes - PcLayout.HIGH_RAM_START, type: E820Type.RAM },
    { base: PcLayout.IOAPIC_BASE, length: 0x1_0000_0000 - PcLayout.IOAPIC_BASE, type: E820Type.RESERVED },
  ];
}
