/**
 * @x86kit/machine — a composable PC: guest RAM/ROM/MMIO, devices wired to interrupt
 * controllers, a run loop on the virtual clock, and the loaders that put guests into memory
 * (Multiboot v1, ELF, raw, BIOS ROM, Linux bzImage) with the firmware tables they expect.
 */
export { ImageReader, ByteWriter, cString, alignUp } from './binary.js';
export { BootMode, type BootState, applyBootState, flat32Boot } from './boot-state.js';
export { PcLayout, E820Type, type E820Entry, MAX_GUEST_RAM, checkRamSize, pcE820 } from './layout.js';
export { type AcpiOptions, type AcpiTables, buildAcpiTables, acpiChecksumOk } from './acpi.js';
export { type ElfImage, type ElfSegment, isElf, parseElf, loadElfSegments, elfPhysicalEntry } from './elf.js';
export {
  MULTIBOOT_HEADER_MAGIC, MULTIBOOT_BOOTLOADER_MAGIC, MultibootInfoFlag, type MultibootHeader, type MultibootModule,
  type MultibootOptions, type MultibootLayout, findMultibootHeader, loadMultiboot,
} from './multiboot.js';
export { type LinuxSetupHeader, type LinuxBootOptions, type LinuxLayout, isBzImage, parseLinuxHeader, loadBzImage } from './bzimage.js';
export { loadBios, loadRaw } from './bios.js';
export { writeFlatGdt } from './gdt.js';
export { type ImageFormat, type GuestImageOptions, detectImageFormat, loadGuestImage } from './image.js';
export {
  Machine, StopReason, type MachineCpu, type MachineContext, type MachineOptions, type DeviceSet, type DeviceSetResult,
  type CpuFactory, type RunLimits, type RunResult, type ResetAction,
} from './machine.js';
export { pcDevices, type PcDeviceOptions } from './pc-devices.js';
export { ResetControlPort, AcpiPm1 } from './platform-ports.js';
export { interpreterCpu, InterpreterMachineCpu, type InterpreterCpuOptions } from './interpreter-cpu.js';
