/** Test helpers: guest RAM, file access, tiny image builders. Not exported from the package. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PhysicalMemoryBus } from '@x86kit/core';

/** A bus with `mib` MiB of RAM from 0 (the tests do not need the VGA hole). */
export function ramBus(mib = 32): PhysicalMemoryBus {
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, mib * 1024 * 1024);
  return bus;
}

/** Bytes of a file relative to the repository root. */
export function repoFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url))));
}

/** Bytes of a fixture in src/__fixtures__. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url))));
}

/** Read a NUL-terminated string from guest memory. */
export function readCString(bus: PhysicalMemoryBus, pa: number): string {
  let s = '';
  for (let i = 0; i < 4096; i++) {
    const c = bus.read8(pa + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** A minimal ELF executable (32 or 64-bit) with the given PT_LOAD segments. */
export function makeElf(bits: 32 | 64, entry: number, segments: { paddr: number; vaddr?: number; data: Uint8Array; memSize?: number }[]): Uint8Array {
  const ehsize = bits === 32 ? 52 : 64;
  const phentsize = bits === 32 ? 32 : 56;
  let offset = ehsize + phentsize * segments.length;
  const placed = segments.map((s) => { const o = offset; offset += s.data.length; return o; });
  const out = new Uint8Array(offset);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, bits === 32 ? 1 : 2, 1, 1]);
  v.setUint16(16, 2, true);
  v.setUint16(18, bits === 32 ? 3 : 62, true);
  v.setUint32(20, 1, true);
  if (bits === 32) {
    v.setUint32(24, entry, true); v.setUint32(28, ehsize, true);
    v.setUint16(40, ehsize, true); v.setUint16(42, phentsize, true); v.setUint16(44, segments.length, true);
  } else {
    v.setUint32(24, entry, true); v.setUint32(32, ehsize, true);
    v.setUint16(52, ehsize, true); v.setUint16(54, phentsize, true); v.setUint16(56, segments.length, true);
  }
  segments.forEach((s, i) => {
    const o = ehsize + i * phentsize;
    const mem = s.memSize ?? s.data.length;
    const va = s.vaddr ?? s.paddr;
    v.setUint32(o, 1, true);
    if (bits === 32) {
      v.setUint32(o + 4, placed[i], true); v.setUint32(o + 8, va, true); v.setUint32(o + 12, s.paddr, true);
      v.setUint32(o + 16, s.data.length, true); v.setUint32(o + 20, mem, true); v.setUint32(o + 24, 7, true);
    } else {
      v.setUint32(o + 4, 7, true); v.setUint32(o + 8, placed[i], true); v.setUint32(o + 16, va, true);
      v.setUint32(o + 24, s.paddr, true); v.setUint32(o + 32, s.data.length, true); v.setUint32(o + 40, mem, true);
    }
    out.set(s.data, placed[i]);
  });
  return out;
}

/** A synthetic bzImage: 1 setup sector, protocol 2.15, then `kernel` as the protected-mode part. */
export function makeBzImage(kernel: Uint8Array, opts: { version?: number; loadFlags?: number } = {}): Uint8Array {
  const out = new Uint8Array(1024 + kernel.length);
  const v = new DataView(out.buffer);
  out[0x1f1] = 1;
  v.setUint16(0x1fe, 0xaa55, true);
  out[0x200] = 0xeb; out[0x201] = 0x6a;                  // jmp to 0x26c: header ends at 0x26c
  out.set([0x48, 0x64, 0x72, 0x53], 0x202);               // "HdrS"
  v.setUint16(0x206, opts.version ?? 0x020f, true);
  out[0x211] = opts.loadFlags ?? 1;
  v.setUint32(0x214, 0x100000, true);
  v.setUint32(0x22c, 0x37ffffff, true);
  v.setUint32(0x230, 0x200000, true);
  out[0x234] = 1;
  v.setUint32(0x238, 2048, true);
  out.set(kernel, 1024);
  return out;
}
