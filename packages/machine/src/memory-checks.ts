import { GuestImageError, PageKind, type PhysicalMemoryBus } from '@x86kit/core';

/** Throw a {@link GuestImageError} unless `[pa, pa + size)` is RAM (or ROM when `allowRom`). */
export function requireRam(mem: PhysicalMemoryBus, pa: number, size: number, what: string,
  code: 'ELF_SEGMENT_OUT_OF_RAM' | 'IMAGE_TOO_LARGE' = 'IMAGE_TOO_LARGE'): void {
  if (pa < 0 || pa + size > 0x1_0000_0000) {
    throw new GuestImageError(code, `${what} does not fit in the 32-bit physical address space`);
  }
  for (let a = pa - (pa % 4096); a < pa + size; a += 4096) {
    if (mem.kindAt(a) !== PageKind.Ram) {
      throw new GuestImageError(code, `${what} does not fit in guest RAM (0x${a.toString(16)} is not RAM; try a larger --mem)`);
    }
  }
}
