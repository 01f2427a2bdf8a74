/** Bounds-checked little-endian reads of guest image bytes: a short image is a {@link GuestImageError}. */
import { GuestImageError } from '@x86kit/core';

/** Read-only view over an image that throws `IMAGE_TRUNCATED` (naming `what`) instead of reading past its end. */
export class ImageReader {
  readonly bytes: Uint8Array;
  readonly name: string;
  private readonly view: DataView;
  constructor(bytes: Uint8Array, name: string) {
    this.bytes = bytes;
    this.name = name;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number { return this.bytes.length; }
  /** Throw unless `[offset, offset + size)` lies inside the image. */
  need(offset: number, size: number, what: string): void {
    if (offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new GuestImageError('IMAGE_TRUNCATED',
        `${this.name}: truncated: ${what} needs bytes 0x${offset.toString(16)}..0x${(offset + size).toString(16)} but the image has 0x${this.bytes.length.toString(16)}`);
    }
  }
  u8(offset: number, what: string): number { this.need(offset, 1, what); return this.bytes[offset]; }
  u16(offset: number, what: string): number { this.need(offset, 2, what); return this.view.getUint16(offset, true); }
  u32(offset: number, what: string): number { this.need(offset, 4, what); return this.view.getUint32(offset, true); }
  /** A 64-bit field as a number; throws `ELF_UNSUPPORTED` above 2^53. */
  u64(offset: number, what: string): number {
    this.need(offset, 8, what);
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getUint32(offset + 4, true);
    if (hi >= 0x200000) throw new GuestImageError('ELF_UNSUPPORTED', `${this.name}: ${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is too large`);
    return hi * 0x1_0000_0000 + lo;
  }
  slice(offset: number, size: number, what: string): Uint8Array {
    this.need(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }
}

/** Little-endian writes into a byte array being built (tables, boot structures). */
export class ByteWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(o: number, v: number): this { this.bytes[o] = v; return this; }
  u16(o: number, v: number): this { this.view.setUint16(o, v, true); return this; }
  u32(o: number, v: number): this { this.view.setUint32(o, v >>> 0, true); return this; }
  /** 64-bit field from a number < 2^53. */
  u64(o: number, v: number): this {
    this.view.setUint32(o, v % 0x1_0000_0000, true);
    this.view.setUint32(o + 4, Math.floor(v / 0x1_0000_0000), true);
    return this;
  }
  ascii(o: number, s: string): this {
    for (let i = 0; i < s.length; i++) this.bytes[o + i] = s.charCodeAt(i) & 0xff;
    return this;
  }
}

/** A NUL-terminated UTF-8 string as bytes. */
export function cString(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  out.push(0);
  return Uint8Array.from(out);
}

/** Round `v` up to a multiple of `align` (a power of two, v < 2^32). */
export function alignUp(v: number, align: number): number {
  return Math.ceil(v / align) * align;
}
