/**
 * CPUID profiles: what the guest is told it runs on. Feature bits only advertise what this
 * interpreter implements: x87, MMX (`mmx.ts`) and FXSAVE/FXRSTOR (`fxsave.ts`) yes, AMD's MMX
 * extensions in the AMD-style `modern` profile; SSE/SSE2 no, so those bits are clear even in
 * profiles whose namesake silicon had them (SSE opcodes raise #UD). Leaf layouts: Intel SDM Vol. 2A CPUID, AMD APM Vol. 3 appendix E.
 */
import { Msr } from '@x86kit/core';
import type { Cpu } from './cpu.js';

/** A CPU model as seen through CPUID and the MSR set. */
export interface CpuProfile {
  name: string;
  /** 12-character vendor string. */
  vendor: string;
  /** Family/model/stepping signature (CPUID.1:EAX, and EDX after RESET). */
  signature: number;
  /** CPUID.1:EDX / ECX feature bits. */
  features1Edx: number;
  features1Ecx: number;
  /** CPUID.80000001h EDX / ECX. */
  ext1Edx: number;
  ext1Ecx: number;
  /** Up to 48 ASCII characters. */
  brand: string;
  /** Highest standard leaf. */
  maxLeaf: number;
  /** SYSENTER/SYSEXIT present (CPUID.1:EDX.SEP). */
  sysenter: boolean;
  /** SYSCALL/SYSRET and EFER present (AMD legacy mode). */
  syscall: boolean;
  /** MSRs that read as stored values (default 0) and accept writes. */
  msrs: readonly number[];
  /**
   * MXCSR_MASK stored by FXSAVE: the MXCSR bits FXRSTOR accepts (others raise #GP(0)).
   * Default 0xFFBF (no DAZ), Intel SDM Vol. 1, 11.6.6.
   */
  mxcsrMask?: number;
}

/** CPUID.1:EDX bits (Intel SDM Vol. 2A table 3-11). */
export const Cpuid1Edx = {
  FPU: 1 << 0, VME: 1 << 1, DE: 1 << 2, PSE: 1 << 3, TSC: 1 << 4, MSR: 1 << 5, PAE: 1 << 6, MCE: 1 << 7,
  CX8: 1 << 8, APIC: 1 << 9, SEP: 1 << 11, MTRR: 1 << 12, PGE: 1 << 13, MCA: 1 << 14, CMOV: 1 << 15,
  PAT: 1 << 16, PSE36: 1 << 17, CLFSH: 1 << 19, MMX: 1 << 23, FXSR: 1 << 24, SSE: 1 << 25, SSE2: 1 << 26,
} as const;

/** Leaf-1 EDX bits AMD repeats in CPUID 8000_0001h EDX (0–9, 12–17, 23, 24). */
const AMD_EXT1_MIRROR = 0x0183f3ff;

const COMMON_MSRS = [
  Msr.IA32_SYSENTER_CS, Msr.IA32_SYSENTER_ESP, Msr.IA32_SYSENTER_EIP, Msr.IA32_PAT, Msr.IA32_MTRR_DEF_TYPE,
  Msr.IA32_MTRRCAP, Msr.IA32_MISC_ENABLE, Msr.IA32_BIOS_SIGN_ID, Msr.IA32_PLATFORM_ID, Msr.IA32_MCG_CAP,
  Msr.IA32_MCG_STATUS, Msr.IA32_DEBUGCTL, Msr.IA32_FEATURE_CONTROL,
];

const BASE_EDX = Cpuid1Edx.FPU | Cpuid1Edx.PAE | Cpuid1Edx.DE | Cpuid1Edx.PSE | Cpuid1Edx.TSC | Cpuid1Edx.MSR | Cpuid1Edx.CX8 | Cpuid1Edx.SEP | Cpuid1Edx.CMOV | Cpuid1Edx.PGE |
  Cpuid1Edx.MMX | Cpuid1Edx.FXSR;

/**
 * Built-in profiles:
 * - `p6`: a Pentium Pro/II-class i686 (family 6 model 3), the baseline.
 * - `core2`: an early-VT-era Intel Core 2 (family 6 model 15) signature (VMX not advertised
 *   until hwvirt lands).
 * - `modern`: a recent AMD-style profile (family 0x19 signature, SYSCALL in legacy mode, AMD MMX
 *   extensions).
 */
export const CPU_PROFILES: Record<string, CpuProfile> = {
  p6: {
    name: 'p6', vendor: 'GenuineIntel', signature: 0x0633, features1Edx: BASE_EDX, features1Ecx: 0,
    ext1Edx: 0, ext1Ecx: 0, brand: 'x86kit i686 (P6 profile)', maxLeaf: 2, sysenter: true, syscall: false, msrs: COMMON_MSRS,
  },
  core2: {
    name: 'core2', vendor: 'GenuineIntel', signature: 0x06f6, features1Edx: BASE_EDX, features1Ecx: 0,
    ext1Edx: 0, ext1Ecx: 0, brand: 'x86kit Core 2 profile', maxLeaf: 4, sysenter: true, syscall: false, msrs: COMMON_MSRS, mxcsrMask: 0xffff,
  },
  modern: {
    name: 'modern', vendor: 'AuthenticAMD', signature: 0x00a20f10, features1Edx: BASE_EDX, features1Ecx: 0,
    // 80000001h EDX: SYSCALL, MmxExt (bit 22: mmx.ts) and AMD's copies of the leaf-1 EDX bits
    // 0–9, 12–17, 23, 24 (AMD APM Vol. 3, appendix E)
    ext1Edx: (1 << 11) | (1 << 22) | (BASE_EDX & AMD_EXT1_MIRROR), ext1Ecx: 0, brand: 'x86kit modern profile', maxLeaf: 7, sysenter: true, syscall: true,
    msrs: [...COMMON_MSRS, Msr.IA32_STAR, Msr.IA32_LSTAR, Msr.IA32_CSTAR, Msr.IA32_FMASK], mxcsrMask: 0xffff,
  },
};

function str4(s: string, i: number): number {
  return (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) | 0;
}

/** CPUID: EAX (and ECX) in, EAX EBX ECX EDX out. */
export function cpuid(c: Cpu): void {
  const p = c.profile;
  const leaf = c.r[0] >>> 0;
  const g = c.r;
  let a = 0, b = 0, cc = 0, d = 0;
  const v = p.vendor.padEnd(12, ' ');
  const brand = p.brand.padEnd(48, '\0');
  if (leaf === 0) {
    a = p.maxLeaf; b = str4(v, 0); d = str4(v, 4); cc = str4(v, 8);
  } else if (leaf === 1) {
    a = p.signature; b = 0x00010000; cc = p.features1Ecx; d = p.features1Edx;
  } else if (leaf <= p.maxLeaf && leaf < 0x80000000) {
    // reserved/cache leaves: report zero (no cache descriptors)
  } else if (leaf === 0x80000000) {
    a = 0x80000004 | 0; b = p.vendor === 'AuthenticAMD' ? str4(v, 0) : 0; d = p.vendor === 'AuthenticAMD' ? str4(v, 4) : 0; cc = p.vendor === 'AuthenticAMD' ? str4(v, 8) : 0;
  } else if (leaf === 0x80000001) {
    a = p.signature; cc = p.ext1Ecx; d = p.ext1Edx;
  } else if (leaf >= 0x80000002 && leaf <= 0x80000004) {
    const o = (leaf - 0x80000002) * 16;
    a = str4(brand, o); b = str4(brand, o + 4); cc = str4(brand, o + 8); d = str4(brand, o + 12);
  } else if (leaf < 0x80000000) {
    // above the max standard leaf: Intel returns the highest basic leaf's data; we return zeros
  }
  g[0] = a | 0; g[6] = b | 0; g[2] = cc | 0; g[4] = d | 0;
}
