import { describe, expect, test } from 'vitest';
import { CpuState, GuestImageError, PhysicalMemoryBus, Reg, Seg, SegAttr, Cr0 } from '@x86kit/core';
import {
  acpiChecksumOk, applyBootState, buildAcpiTables, BootMode, detectImageFormat, E820Type, findMultibootHeader, isBzImage,
  loadBios, loadBzImage, loadGuestImage, loadMultiboot, loadRaw, MULTIBOOT_BOOTLOADER_MAGIC, MultibootInfoFlag, parseElf, pcE820,
  PcLayout, checkRamSize, parseLinuxHeader,
} from './index.js';
import { fixture, makeBzImage, makeElf, ramBus, readCString, repoFile } from './helpers.test.util.js';

const MB = 1024 * 1024;

function expectImageError(fn: () => unknown, code: string, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GuestImageError);
    expect((e as GuestImageError).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    expect((e as Error).message.split('\n')).toHaveLength(1);
    return;
  }
  throw new Error(`expected GuestImageError ${code}`);
}

describe('Multiboot v1', () => {
  test('ELF kernel: segments by p_paddr, info structure, memory map, cmdline, modules', () => {
    const image = repoFile('guests/bin/demo.elf');
    expect(detectImageFormat(image)).toBe('multiboot');
    const header = findMultibootHeader(image);
    expect(header).toMatchObject({ flags: 3, addresses: null });
    const bus = ramBus(128);
    const modData = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const { boot, layout } = loadMultiboot(bus, image, {
      memoryMap: pcE820(128 * MB), cmdline: 'demo.elf scale=2', modules: [{ data: modData, cmdline: 'mod0 arg' }],
    });
    const elf = parseElf(image);
    expect(elf.bits).toBe(32);
    // every segment's file bytes are at its physical address (the .user segment is linked at 0x40000000)
    for (const s of elf.segments) {
      const got = new Uint8Array(s.fileSize);
      bus.readBytes(s.paddr, got);
      expect(got).toEqual(image.subarray(s.offset, s.offset + s.fileSize));
    }
    expect(elf.segments.some((s) => s.vaddr === 0x40000000 && s.paddr !== s.vaddr)).toBe(true);
    expect(boot.mode).toBe(BootMode.Flat32);
    expect(boot.entry).toBe(elf.entry);
    expect(boot.regs.eax).toBe(MULTIBOOT_BOOTLOADER_MAGIC);
    const mbi = layout.infoAddr;
    expect(boot.regs.ebx).toBe(mbi);
    expect(mbi % 4096).toBe(0);
    expect(mbi).toBeGreaterThanOrEqual(layout.modules[0].end);
    const flags = bus.read32(mbi);
    for (const f of [MultibootInfoFlag.MEMORY, MultibootInfoFlag.CMDLINE, MultibootInfoFlag.MODS, MultibootInfoFlag.MEM_MAP, MultibootInfoFlag.BOOT_LOADER_NAME]) {
      expect(flags & f).toBe(f);
    }
    expect(bus.read32(mbi + 4)).toBe(639);
    expect(bus.read32(mbi + 8)).toBe(127 * 1024);
    expect(readCString(bus, bus.read32(mbi + 16))).toBe('demo.elf scale=2');
    expect(readCString(bus, bus.read32(mbi + 64))).toBe('x86kit');
    // module list
    expect(bus.read32(mbi + 20)).toBe(1);
    const mods = bus.read32(mbi + 24);
    const start = bus.read32(mods);
    expect(start % 4096).toBe(0);
    expect(start).toBeGreaterThanOrEqual(layout.kernelEnd);
    expect(bus.read32(mods + 4) - start).toBe(5000);
    const got = new Uint8Array(5000);
    bus.readBytes(start, got);
    expect(got).toEqual(modData);
    expect(readCString(bus, bus.read32(mods + 8))).toBe('mod0 arg');
    // memory map: size field 20, then base/length/type
    const len = bus.read32(mbi + 44);
    const map = bus.read32(mbi + 48);
    expect(len).toBe(24 * 5);
    expect(bus.read32(map)).toBe(20);
    expect(bus.read64(map + 4)).toBe(0n);
    expect(bus.read64(map + 12)).toBe(0x9fc00n);
    expect(bus.read32(map + 20)).toBe(E820Type.RAM);
    expect(bus.read64(map + 24 * 3 + 4)).toBe(0x100000n);
    expect(bus.read64(map + 24 * 3 + 12)).toBe(BigInt(127 * MB));
    // a GDT with flat code at 0x08 and data at 0x10 exists
    expect(boot.gdt).toEqual({ base: PcLayout.BOOT_GDT, limit: 23 });
    expect(bus.read32(PcLayout.BOOT_GDT + 12)).toBe(0x00cf9b00);
    expect(bus.read32(PcLayout.BOOT_GDT + 20)).toBe(0x00cf9300);
  });

  test('a.out kludge: loads [load_addr, load_end_addr), zeroes the bss, enters entry_addr', () => {
    const image = repoFile('guests/bin/hello-aout.bin');
    const header = findMultibootHeader(image);
    expect(header?.addresses).not.toBeNull();
    const a = header?.addresses ?? { loadAddr: 0, bssEndAddr: 0, entryAddr: 0, loadEndAddr: 0, headerAddr: 0 };
    const bus = ramBus(16);
    bus.load(a.loadEndAddr, new Uint8Array(a.bssEndAddr - a.loadEndAddr).fill(0xcc));
    const { boot, layout } = loadMultiboot(bus, image, { memoryMap: pcE820(16 * MB) });
    expect(layout.kernelStart).toBe(0x100000);
    expect(layout.kernelEnd).toBe(a.bssEndAddr);
    expect(boot.entry).toBe(a.entryAddr);
    const got = new Uint8Array(image.length);
    bus.readBytes(0x100000, got);
    expect(got).toEqual(image);
    expect(bus.read8(a.bssEndAddr - 1)).toBe(0);
    expect(bus.read8(a.loadEndAddr)).toBe(0);
  });

  test('bad images are one-line GuestImageErrors', () => {
    const bus = ramBus(16);
    const map = pcE820(16 * MB);
    expectImageError(() => loadMultiboot(bus, fixture('multiboot-bad-checksum.bin'), { memoryMap: map }), 'MULTIBOOT_BAD_HEADER', /bad checksum/);
    expectImageError(() => loadMultiboot(bus, fixture('multiboot-aout-truncated.bin'), { memoryMap: map }), 'IMAGE_TRUNCATED', /truncated/);
    expectImageError(() => loadMultiboot(bus, fixture('garbage.bin'), { memoryMap: map }), 'MULTIBOOT_BAD_HEADER', /no multiboot header/);
    // required flag bit 3 is not something we provide
    const h = new Uint8Array(16);
    const v = new DataView(h.buffer);
    v.setUint32(0, 0x1badb002, true); v.setUint32(4, 8, true); v.setUint32(8, (-(0x1badb002 + 8)) >>> 0, true);
    expectImageError(() => findMultibootHeader(h), 'MULTIBOOT_BAD_HEADER', /feature bit 3/);
    // header without address fields on a non-ELF image
    const flat = new Uint8Array(64);
    new DataView(flat.buffer).setUint32(0, 0x1badb002, true);
    new DataView(flat.buffer).setUint32(8, (-0x1badb002) >>> 0, true);
    expectImageError(() => loadMultiboot(bus, flat, { memoryMap: map }), 'MULTIBOOT_BAD_HEADER', /not ELF/);
  });

  test('a kernel that does not fit in RAM is refused', () => {
    const image = repoFile('guests/bin/hello.elf');
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 0x100000); // only 1 MiB: the kernel loads at 1 MiB
    expectImageError(() => loadMultiboot(bus, image, { memoryMap: [] }), 'ELF_SEGMENT_OUT_OF_RAM', /not RAM/);
  });
});

describe('ELF', () => {
  test('ELF32 and ELF64 headers and segments', () => {
    const code = Uint8Array.of(0xf4);
    const e32 = parseElf(makeElf(32, 0x200000, [{ paddr: 0x200000, data: code, memSize: 0x2000 }]));
    expect(e32).toMatchObject({ bits: 32, machine: 3, entry: 0x200000 });
    expect(e32.segments[0]).toMatchObject({ paddr: 0x200000, fileSize: 1, memSize: 0x2000 });
    const e64 = parseElf(makeElf(64, 0x300000, [{ paddr: 0x300000, vaddr: 0xffffffff, data: code }]));
    expect(e64).toMatchObject({ bits: 64, machine: 62, entry: 0x300000 });
    expect(e64.segments[0].vaddr).toBe(0xffffffff);
  });

  test('plain ELF32 boot: bss zeroed, flat protected mode at e_entry, ACPI tables present', () => {
    const bus = ramBus(16);
    bus.load(0x200000, new Uint8Array(0x2000).fill(0xee));
    const image = makeElf(32, 0x200000, [{ paddr: 0x200000, data: Uint8Array.of(0xf4, 0xeb, 0xfd), memSize: 0x2000 }]);
    const { boot, format } = loadGuestImage(bus, image, { memoryMap: pcE820(16 * MB) });
    expect(format).toBe('elf');
    expect(boot.entry).toBe(0x200000);
    expect(bus.read8(0x200000)).toBe(0xf4);
    expect(bus.read8(0x201fff)).toBe(0);
    expect(readCString(bus, PcLayout.ACPI_BASE).slice(0, 8)).toBe('RSD PTR ');
  });

  test('corrupt ELF fixtures', () => {
    expectImageError(() => parseElf(fixture('truncated.elf'), 'truncated.elf'), 'IMAGE_TRUNCATED', /truncated\.elf: truncated/);
    expectImageError(() => parseElf(fixture('bad-magic.elf'), 'bad-magic.elf'), 'ELF_BAD_MAGIC', /not an ELF file/);
    const arm = makeElf(32, 0, [{ paddr: 0x100000, data: Uint8Array.of(0) }]);
    arm[18] = 40;
    expectImageError(() => parseElf(arm), 'ELF_UNSUPPORTED', /machine 40/);
    expectImageError(() => loadGuestImage(ramBus(16), makeElf(64, 0x100000, [{ paddr: 0x100000, data: Uint8Array.of(0) }]), { memoryMap: [] }), 'ELF_UNSUPPORTED', /ELF64/);
  });
});

describe('Linux bzImage', () => {
  test('zero page: setup header, E820, cmdline, initrd; 32-bit entry with ESI = zero page', () => {
    const kernel = Uint8Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff);
    const image = makeBzImage(kernel);
    expect(isBzImage(image)).toBe(true);
    expect(parseLinuxHeader(image)).toMatchObject({ setupSects: 1, version: 0x020f, cmdlineSize: 2048, relocatable: true, headerEnd: 0x26c });
    const bus = ramBus(64);
    const initrd = Uint8Array.from({ length: 10000 }, (_, i) => i & 0x7f);
    const map = pcE820(64 * MB);
    const { boot, layout } = loadBzImage(bus, image, { memoryMap: map, cmdline: 'console=ttyS0 quiet', initrd });
    const got = new Uint8Array(kernel.length);
    bus.readBytes(0x100000, got);
    expect(got).toEqual(kernel);
    const zp = PcLayout.ZERO_PAGE;
    expect(boot).toMatchObject({ mode: BootMode.Flat32, entry: 0x100000, cs: 0x10, ds: 0x18, regs: { esi: zp } });
    expect(bus.read32(zp + 0x202)).toBe(0x53726448); // "HdrS"
    expect(bus.read16(zp + 0x206)).toBe(0x020f);
    expect(bus.read8(zp + 0x210)).toBe(0xff);        // type_of_loader
    expect(bus.read8(zp + 0x211) & 0x81).toBe(0x81);  // LOADED_HIGH | CAN_USE_HEAP
    expect(readCString(bus, bus.read32(zp + 0x228))).toBe('console=ttyS0 quiet');
    const rdStart = bus.read32(zp + 0x218);
    expect(rdStart).toBe(layout.initrd?.start);
    expect(rdStart % 4096).toBe(0);
    expect(rdStart + initrd.length).toBeLessThanOrEqual(64 * MB);
    expect(bus.read32(zp + 0x21c)).toBe(initrd.length);
    const rd = new Uint8Array(initrd.length);
    bus.readBytes(rdStart, rd);
    expect(rd).toEqual(initrd);
    expect(bus.read8(zp + 0x1e8)).toBe(map.length);
    expect(bus.read64(zp + 0x2d0 + 20 * 3)).toBe(0x100000n);
    expect(bus.read64(zp + 0x2d0 + 20 * 3 + 8)).toBe(BigInt(63 * MB));
    expect(bus.read32(zp + 0x2d0 + 20 * 3 + 16)).toBe(1);
    // __BOOT_CS / __BOOT_DS in the GDT
    expect(bus.read32(PcLayout.BOOT_GDT + 0x14)).toBe(0x00cf9b00);
    expect(bus.read32(PcLayout.BOOT_GDT + 0x1c)).toBe(0x00cf9300);
  });

  test('bad bzImages', () => {
    expectImageError(() => parseLinuxHeader(fixture('bzimage-truncated.bin'), 'bz'), 'IMAGE_TRUNCATED', /setup code/);
    expectImageError(() => parseLinuxHeader(makeBzImage(new Uint8Array(16), { version: 0x0201 })), 'BZIMAGE_BAD_HEADER', /older than 2\.02/);
    expectImageError(() => parseLinuxHeader(makeBzImage(new Uint8Array(16), { loadFlags: 0 })), 'BZIMAGE_BAD_HEADER', /zImage/);
    expectImageError(() => loadBzImage(ramBus(16), makeBzImage(new Uint8Array(16)), { memoryMap: pcE820(16 * MB), cmdline: 'x'.repeat(3000) }), 'BZIMAGE_BAD_HEADER', /cmdline_size/);
    expectImageError(() => loadBzImage(ramBus(16), makeBzImage(new Uint8Array(16)), { memoryMap: pcE820(16 * MB), initrd: new Uint8Array(20 * MB) }), 'IMAGE_TOO_LARGE', /initrd/);
  });
});

describe('firmware tables', () => {
  test('E820 for 3 GiB, and RAM sizes that cannot work', () => {
    const map = pcE820(3 * 1024 * MB);
    expect(map.find((e) => e.base === 0x100000)?.length).toBe(3 * 1024 * MB - MB);
    expect(map.filter((e) => e.type === E820Type.RAM)).toHaveLength(2);
    expect(() => checkRamSize(4 * 1024 * MB)).toThrow(GuestImageError);
    expect(() => checkRamSize(MB)).toThrow(/2 MiB \.\. 3 GiB/);
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 3 * 1024 * MB);
    bus.write32(0xbffffffc, 0x12345678);
    expect(bus.read32(0xbffffffc)).toBe(0x12345678);
    expect(bus.allocatedBytes).toBeLessThanOrEqual(MB);
  });

  test('ACPI: RSDP -> RSDT -> FADT (PM timer) and MADT (LAPIC, IOAPIC, overrides), all checksums valid', () => {
    const t = buildAcpiTables({ pmTimer: 0xb008, cpus: 2 });
    const b = t.bytes;
    const at = (pa: number): number => pa - t.base;
    const dv = new DataView(b.buffer);
    const u32 = (pa: number): number => dv.getUint32(at(pa), true);
    expect(String.fromCharCode(...b.subarray(0, 8))).toBe('RSD PTR ');
    expect(acpiChecksumOk(b, 0, 20)).toBe(true);
    expect(u32(t.rsdp + 16)).toBe(t.rsdt);
    for (const [addr, sig] of [[t.rsdt, 'RSDT'], [t.fadt, 'FACP'], [t.dsdt, 'DSDT'], [t.madt, 'APIC']] as const) {
      expect(String.fromCharCode(...b.subarray(at(addr), at(addr) + 4))).toBe(sig);
      expect(acpiChecksumOk(b, at(addr), u32(addr + 4))).toBe(true);
    }
    expect([u32(t.rsdt + 36), u32(t.rsdt + 40)]).toEqual([t.fadt, t.madt]);
    expect(u32(t.fadt + 40)).toBe(t.dsdt);
    expect(String.fromCharCode(...b.subarray(at(t.dsdt) + 37, at(t.dsdt) + 41))).toBe('_S5_'); // Name (_S5, ...)
    expect(u32(t.fadt + 76)).toBe(0xb008);
    expect(b[at(t.fadt + 91)]).toBe(4);
    expect(u32(t.madt + 36)).toBe(0xfee00000);
    // walk MADT entries
    const types: number[] = [];
    for (let o = t.madt + 44; o < t.madt + u32(t.madt + 4); o += b[at(o) + 1]) types.push(b[at(o)]);
    expect(types).toEqual([0, 0, 1, 2, 2]);
    expect(u32(t.madt + 44 + 16 + 4)).toBe(0xfec00000);
  });
});

describe('BIOS and raw images', () => {
  test('BIOS ROM at the top of 4 GiB and its last 128 KiB below 1 MiB; reset state', () => {
    const rom = new Uint8Array(256 * 1024).fill(0x90);
    rom.set([0xea, 0x5b, 0xe0, 0x00, 0xf0], rom.length - 16); // jmp f000:e05b at the reset vector
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 16 * MB);
    const boot = loadBios(bus, rom);
    expect(boot.mode).toBe(BootMode.Reset);
    expect(bus.read8(0xfffffff0)).toBe(0xea);
    expect(bus.read8(0xffff0)).toBe(0xea);
    expect(bus.read8(0xe0000)).toBe(0x90);
    bus.write8(0xffff0, 0);
    expect(bus.read8(0xffff0)).toBe(0xea); // ROM ignores writes
    const cpu = new CpuState();
    cpu.eip = 0x1234;
    applyBootState(cpu, boot);
    expect(cpu.eip).toBe(0xfff0);
    expect(cpu.segBase32(Seg.CS)).toBe(0xffff0000);
    expectImageError(() => loadBios(bus, new Uint8Array(1000)), 'IMAGE_UNKNOWN_FORMAT', /multiple of 64 KiB/);
  });

  test('raw binary in real mode and protected mode', () => {
    const bus = ramBus(2);
    const real = loadRaw(bus, Uint8Array.of(0xf4), 0x7c00, { real: true });
    expect(bus.read8(0x7c00)).toBe(0xf4);
    const cpu = new CpuState();
    applyBootState(cpu, real);
    expect((cpu.segBase32(Seg.CS) + cpu.eip) >>> 0).toBe(0x7c00);
    expect(cpu.cr0 & Cr0.PE).toBe(0);
    const pm = loadRaw(bus, Uint8Array.of(0xf4), 0x100000);
    applyBootState(cpu, pm);
    expect(cpu.eip).toBe(0x100000);
    expect(cpu.cr0 & Cr0.PE).toBe(Cr0.PE);
    expectImageError(() => loadRaw(bus, Uint8Array.of(1), 0x300000), 'IMAGE_TOO_LARGE', /outside guest RAM/);
  });

  test('applyBootState: flat 32-bit segments, selectors, registers', () => {
    const bus = ramBus(16);
    const { boot } = loadMultiboot(bus, repoFile('guests/bin/hello.elf'), { memoryMap: pcE820(16 * MB) });
    const cpu = new CpuState();
    applyBootState(cpu, boot);
    expect(cpu.get32(Reg.RAX)).toBe(0x2badb002);
    expect(cpu.get32(Reg.RDX)).toBe(0);
    expect(cpu.segSel[Seg.CS]).toBe(0x08);
    expect(cpu.segSel[Seg.SS]).toBe(0x10);
    expect(cpu.segLimit[Seg.DS]).toBe(0xffffffff);
    expect(cpu.segAttr[Seg.CS] & SegAttr.DB).toBe(SegAttr.DB);
    expect(cpu.mode).toBe(cpu.mode); // defined
    expect(cpu.cpl).toBe(0);
    expect(cpu.cr0 & (Cr0.PE | Cr0.PG)).toBe(Cr0.PE);
    expect(cpu.gdtrBase[0]).toBe(PcLayout.BOOT_GDT);
  });

  test('unknown formats', () => {
    expect(detectImageFormat(fixture('garbage.bin'))).toBe('unknown');
    expectImageError(() => loadGuestImage(ramBus(4), fixture('garbage.bin'), { memoryMap: [], name: 'garbage.bin' }), 'IMAGE_UNKNOWN_FORMAT', /garbage\.bin: unknown image format/);
    expectImageError(() => loadGuestImage(ramBus(4), new Uint8Array(0), { memoryMap: [] }), 'IMAGE_TRUNCATED', /empty/);
  });
});
