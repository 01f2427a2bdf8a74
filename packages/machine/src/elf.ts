/**
 * ELF32/ELF64 executables (System V gABI, "ELF Header" and "Program Header"): parse the
 * header and PT_LOAD segments, and load them by physical address (p_paddr), as Multiboot
 * loaders and firmware do.
 */
import { GuestImageError, type PhysicalMemoryBus } from '@x86kit/core';
import { ImageReader } from './binary.js';
import { requireRam } from './memory-checks.js';

/** One PT_LOAD segment. */
export interface ElfSegment {
  /** Physical load address (p_paddr). */
  paddr: number;
  /** Virtual address (p_vaddr). */
  vaddr: number;
  offset: number;
  fileSize: number;
  memSize: number;
  /** p_flags (PF_X 1, PF_W 2, PF_R 4). */
  flags: number;
}

/** A parsed ELF executable. */
export interface ElfImage {
  bits: 32 | 64;
  /** e_machine: 3 (EM_386) or 62 (EM_X86_64). */
  machine: number;
  entry: number;
  segments: ElfSegment[];
}

const PT_LOAD = 1;
const EM_386 = 3;
const EM_X86_64 = 62;

/** True when `bytes` start with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Parse an x86 ELF executable's header and load segments. */
export function parseElf(bytes: Uint8Array, name = 'image'): ElfImage {
  const r = new ImageReader(bytes, name);
  if (!isElf(bytes)) throw new GuestImageError('ELF_BAD_MAGIC', `${name} is not an ELF file (no \\x7fELF magic)`);
  const cls = r.u8(4, 'ELF class');
  if (cls !== 1 && cls !== 2) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: unknown ELF class ${cls}`);
  if (r.u8(5, 'ELF data encoding') !== 1) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: big-endian ELF is not an x86 image`);
  const bits = cls === 1 ? 32 : 64;
  const type = r.u16(16, 'e_type');
  if (type !== 2 && type !== 3) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: ELF type ${type} is not an executable (ET_EXEC/ET_DYN)`);
  const machine = r.u16(18, 'e_machine');
  if (machine !== EM_386 && machine !== EM_X86_64) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: ELF machine ${machine} is not x86 (3) or x86-64 (62)`);
  const entry = bits === 32 ? r.u32(24, 'e_entry') : r.u64(24, 'e_entry');
  const phoff = bits === 32 ? r.u32(28, 'e_phoff') : r.u64(32, 'e_phoff');
  const phentsize = r.u16(bits === 32 ? 42 : 54, 'e_phentsize');
  const phnum = r.u16(bits === 32 ? 44 : 56, 'e_phnum');
  const minEnt = bits === 32 ? 32 : 56;
  if (phnum > 0 && phentsize < minEnt) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: e_phentsize ${phentsize} is smaller than ${minEnt}`);
  r.need(phoff, phnum * phentsize, 'program headers');
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (r.u32(o, 'p_type') !== PT_LOAD) continue;
    const seg: ElfSegment = bits === 32
      ? { offset: r.u32(o + 4, 'p_offset'), vaddr: r.u32(o + 8, 'p_vaddr'), paddr: r.u32(o + 12, 'p_paddr'),
          fileSize: r.u32(o + 16, 'p_filesz'), memSize: r.u32(o + 20, 'p_memsz'), flags: r.u32(o + 24, 'p_flags') }
      : { flags: r.u32(o + 4, 'p_flags'), offset: r.u64(o + 8, 'p_offset'), vaddr: r.u64(o + 16, 'p_vaddr'),
          paddr: r.u64(o + 24, 'p_paddr'), fileSize: r.u64(o + 32, 'p_filesz'), memSize: r.u64(o + 40, 'p_memsz') };
    if (seg.fileSize > seg.memSize) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: segment ${i} has p_filesz > p_memsz`);
    r.need(seg.offset, seg.fileSize, `segment ${i} contents`);
    segments.push(seg);
  }
  if (segments.length === 0) throw new GuestImageError('ELF_UNSUPPORTED', `${name}: no PT_LOAD segment`);
  return { bits, machine, entry, segments };
}

/**
 * Copy every PT_LOAD segment to RAM at its physical address and zero the rest of p_memsz.
 * Returns the highest physical address written (exclusive).
 */
export function loadElfSegments(mem: PhysicalMemoryBus, bytes: Uint8Array, elf: ElfImage, name = 'image'): number {
  let top = 0;
  for (const s of elf.segments) {
    if (s.memSize === 0) continue;
    requireRam(mem, s.paddr, s.memSize, `${name}: ELF segment at 0x${s.paddr.toString(16)} (0x${s.memSize.toString(16)} bytes)`, 'ELF_SEGMENT_OUT_OF_RAM');
    mem.load(s.paddr, bytes.subarray(s.offset, s.offset + s.fileSize));
    if (s.memSize > s.fileSize) mem.load(s.paddr + s.fileSize, new Uint8Array(s.memSize - s.fileSize));
    top = Math.max(top, s.paddr + s.memSize);
  }
  return top;
}

/**
 * The entry point as a physical address: `e_entry` when it falls inside a segment's physical
 * range, else translated through the segment whose virtual range holds it (kernels linked high).
 */
export function elfPhysicalEntry(elf: ElfImage): number {
  for (const s of elf.segments) if (elf.entry >= s.paddr && elf.entry < s.paddr + s.memSize) return elf.entry;
  for (const s of elf.segments) if (elf.entry >= s.vaddr && elf.entry < s.vaddr + s.memSize) return elf.entry - s.vaddr + s.paddr;
  return elf.entry;
}
