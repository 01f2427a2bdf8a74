/**
 * The CPU side of a local APIC: the two architectural paths into the APIC that are not memory
 * or interrupt delivery. The IA32_APIC_BASE MSR (0x1B: base address bits 31:12, global enable
 * bit 11, BSP flag bit 8; Intel SDM Vol. 3A 11.4.4) and CR8, the task-priority class
 * (CR8[3:0] = TPR[7:4]; Vol. 3A 11.8.6.1). A CPU engine routes RDMSR/WRMSR 0x1B and CR8 accesses
 * through this link, so it can drive `@x86kit/devices`' `LocalApic` (which has these four
 * methods) without depending on the devices package; an app connects the two.
 */
export interface LocalApicLink {
  /** RDMSR IA32_APIC_BASE, low 32 bits (the high half is 0 with a 32-bit physical APIC base). */
  readApicBaseMsr(): number;
  /** WRMSR IA32_APIC_BASE, low 32 bits: relocation, global enable/disable (the BSP flag is read-only). */
  writeApicBaseMsr(value: number): void;
  /** MOV from CR8: TPR[7:4]. */
  readCr8(): number;
  /** MOV to CR8: TPR[7:4] = value[3:0], TPR[3:0] = 0. */
  writeCr8(value: number): void;
}
