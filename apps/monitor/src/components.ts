/** The component list shown by `x86kit info`. Keep `status` honest as packages land. */
export interface ComponentInfo {
  name: string;
  status: 'available' | 'partial' | 'planned';
  summary: string;
}

export const COMPONENTS: readonly ComponentInfo[] = [
  { name: '@x86kit/core', status: 'available', summary: 'registers, control bits, exceptions, descriptors, CPU state, memory/IO/IRQ/clock' },
  { name: '@x86kit/decoder', status: 'available', summary: 'x86/x86-64 decoder (iced vectors), Intel formatter, instruction info, virtualization class; `x86kit disasm`' },
  { name: '@x86kit/mmu', status: 'available', summary: 'page walks (all modes), TLB, shadow paging, nested paging (NPT/EPT), with counters' },
  { name: '@x86kit/devices', status: 'available', summary: 'PIC, PIT, UART, RTC, i8042, PCI, APIC, QEMU/Bochs test devices' },
  { name: '@x86kit/interpreter', status: 'available', summary: 'i686 CPU on @x86kit/decoder with a per-page decode cache (SMC-safe): real, protected, v8086, paging, task switches, x87, MMX, FXSAVE (no SSE, no long mode yet)' },
  { name: '@x86kit/machine', status: 'partial', summary: 'the PC (RAM, devices, APICs, run loop) and Multiboot/ELF/bzImage/BIOS loaders; `x86kit run`' },
  { name: '@x86kit/translator', status: 'planned', summary: 'x86 → JS binary translator (the software VMM of the paper)' },
  { name: '@x86kit/hwvirt', status: 'planned', summary: 'AMD SVM and Intel VT-x models (the hardware VMM of the paper)' },
];
