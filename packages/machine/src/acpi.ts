/**
 * ACPI tables for direct boots (ACPI 6.5 ch. 5.2): RSDP (revision 0), RSDT, FADT (revision 1
 * layout, with the PM timer and PM1a blocks), an empty DSDT, and a MADT with one local APIC,
 * one IOAPIC and the ISA interrupt source overrides a PC has (IRQ 0 → GSI 2, SCI level).
 * The DSDT holds only `\_S5` (SLP_TYP 5), so an OS can power off through PM1a_CNT.
 * The same set QEMU's and Firecracker's direct kernel boots provide.
 */
import { ByteWriter } from './binary.js';
import { PcLayout } from './layout.js';

/** Where the platform's ACPI fixed hardware sits (I/O ports) and which IRQ the SCI uses. */
export interface AcpiOptions {
  /** Physical address of the table block (16-byte aligned, inside 0xE0000–0xFFFFF so the RSDP scan finds it). Default 0xE0000. */
  base?: number;
  /** PM1a event block port (4 bytes). Default 0x600. */
  pm1aEvent?: number;
  /** PM1a control block port (2 bytes). Default 0x604. */
  pm1aControl?: number;
  /** PM timer port (4 bytes, 3.579545 MHz, 24-bit). Default 0x608. */
  pmTimer?: number;
  /** SCI interrupt (ISA IRQ). Default 9. */
  sciIrq?: number;
  /** Local APIC and IOAPIC physical bases. */
  lapicBase?: number;
  ioapicBase?: number;
  /** Number of processors (local APIC IDs 0..n-1). Default 1. */
  cpus?: number;
  /** OEM ID (6 chars). Default "X86KIT". */
  oemId?: string;
}

/** The tables as one blob to copy at `base`, and the address of each table. */
export interface AcpiTables {
  base: number;
  bytes: Uint8Array;
  rsdp: number;
  rsdt: number;
  fadt: number;
  dsdt: number;
  madt: number;
}

function checksum(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s = (s + b[i]) & 0xff;
  return (0x100 - s) & 0xff;
}

function header(w: ByteWriter, o: number, sig: string, length: number, revision: number, oemId: string): void {
  w.ascii(o, sig).u32(o + 4, length).u8(o + 8, revision);
  w.ascii(o + 10, oemId.padEnd(6, ' ').slice(0, 6)).ascii(o + 16, 'X86KITPC').u32(o + 24, 1);
  w.ascii(o + 28, 'XKIT').u32(o + 32, 1);
}

/** Build RSDP, RSDT, FADT, DSDT and MADT. Every table's checksum sums to 0. */
export function buildAcpiTables(options: AcpiOptions = {}): AcpiTables {
  const base = options.base ?? PcLayout.ACPI_BASE;
  const oem = options.oemId ?? 'X86KIT';
  const cpus = options.cpus ?? 1;
  const pm1aEvt = options.pm1aEvent ?? 0x600;
  const pm1aCnt = options.pm1aControl ?? 0x604;
  const pmTmr = options.pmTimer ?? 0x608;
  const sci = options.sciIrq ?? 9;
  const RSDP = 0, RSDT = 0x20, FADT = 0x60, DSDT = 0x100, MADT = 0x140;
  const RSDT_LEN = 36 + 2 * 4;
  const FADT_LEN = 116;
  // DSDT body: Name (_S5, Package () { 5, 5, 0, 0 }) so OSes can power off through PM1a_CNT (SLP_TYP 5)
  const S5_AML = [0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00];
  const DSDT_LEN = 36 + S5_AML.length;
  const MADT_LEN = 44 + 8 * cpus + 12 + 10 + 10;
  const w = new ByteWriter(MADT + MADT_LEN);

  // RSDP (ACPI 1.0 form, 20 bytes): "RSD PTR ", checksum, OEM ID, revision 0, RSDT address
  w.ascii(RSDP, 'RSD PTR ').ascii(RSDP + 9, oem.padEnd(6, ' ').slice(0, 6)).u8(RSDP + 15, 0).u32(RSDP + 16, base + RSDT);
  w.u8(RSDP + 8, checksum(w.bytes, RSDP, RSDP + 20));

  // RSDT: FADT and MADT
  header(w, RSDT, 'RSDT', RSDT_LEN, 1, oem);
  w.u32(RSDT + 36, base + FADT).u32(RSDT + 40, base + MADT);
  w.u8(RSDT + 9, checksum(w.bytes, RSDT, RSDT + RSDT_LEN));

  // FADT (revision 1 layout, ACPI 6.5 table 5.9 offsets)
  header(w, FADT, 'FACP', FADT_LEN, 1, oem);
  w.u32(FADT + 36, 0);                 // FIRMWARE_CTRL: no FACS
  w.u32(FADT + 40, base + DSDT);       // DSDT
  w.u8(FADT + 45, 0);                  // Preferred_PM_Profile: unspecified
  w.u16(FADT + 46, sci);               // SCI_INT
  w.u32(FADT + 48, 0);                 // SMI_CMD: 0 = ACPI mode is always on (no SMM handshake)
  w.u32(FADT + 56, pm1aEvt);           // PM1a_EVT_BLK
  w.u32(FADT + 64, pm1aCnt);           // PM1a_CNT_BLK
  w.u32(FADT + 76, pmTmr);             // PM_TMR_BLK
  w.u8(FADT + 88, 4);                  // PM1_EVT_LEN
  w.u8(FADT + 89, 2);                  // PM1_CNT_LEN
  w.u8(FADT + 91, 4);                  // PM_TMR_LEN
  w.u16(FADT + 96, 0xfff);             // P_LVL2_LAT > 100: C2 not supported
  w.u16(FADT + 98, 0xfff);             // P_LVL3_LAT > 1000: C3 not supported
  w.u16(FADT + 109, 0);                // IAPC_BOOT_ARCH (ACPI 2.0+ field; 0 in a rev-1 table)
  w.u32(FADT + 112, (1 << 0) | (1 << 4) | (1 << 5)); // Flags: WBINVD, PWR_BUTTON (control method), SLP_BUTTON; TMR_VAL_EXT=0 (24-bit)
  w.u8(FADT + 9, checksum(w.bytes, FADT, FADT + FADT_LEN));

  // DSDT: the \_S5 sleep-type package only
  header(w, DSDT, 'DSDT', DSDT_LEN, 1, oem);
  w.bytes.set(S5_AML, DSDT + 36);
  w.u8(DSDT + 9, checksum(w.bytes, DSDT, DSDT + DSDT_LEN));

  // MADT
  header(w, MADT, 'APIC', MADT_LEN, 1, oem);
  w.u32(MADT + 36, options.lapicBase ?? PcLayout.LAPIC_BASE);
  w.u32(MADT + 40, 1);                 // PCAT_COMPAT: 8259s present
  let o = MADT + 44;
  for (let i = 0; i < cpus; i++, o += 8) w.u8(o, 0).u8(o + 1, 8).u8(o + 2, i).u8(o + 3, i).u32(o + 4, 1); // Processor Local APIC, enabled
  w.u8(o, 1).u8(o + 1, 12).u8(o + 2, 0).u8(o + 3, 0).u32(o + 4, options.ioapicBase ?? PcLayout.IOAPIC_BASE).u32(o + 8, 0); // IOAPIC id 0, GSI base 0
  o += 12;
  w.u8(o, 2).u8(o + 1, 10).u8(o + 2, 0).u8(o + 3, 0).u32(o + 4, 2).u16(o + 8, 0); // ISO: ISA IRQ 0 -> GSI 2, bus defaults
  o += 10;
  w.u8(o, 2).u8(o + 1, 10).u8(o + 2, 0).u8(o + 3, sci).u32(o + 4, sci).u16(o + 8, 0x000d); // ISO: SCI, active high, level
  w.u8(MADT + 9, checksum(w.bytes, MADT, MADT + MADT_LEN));

  return { base, bytes: w.bytes, rsdp: base + RSDP, rsdt: base + RSDT, fadt: base + FADT, dsdt: base + DSDT, madt: base + MADT };
}

/** Verify an ACPI table's checksum (all `length` bytes sum to 0 mod 256). */
export function acpiChecksumOk(bytes: Uint8Array, offset: number, length: number): boolean {
  let s = 0;
  for (let i = offset; i < offset + length; i++) s = (s + bytes[i]) & 0xff;
  return s === 0;
}
