/**
 * Disassembly for lockstep reports. The decoder's Intel formatter is used when it is present
 * (see `decoderDisassembler` in `decoder-disasm.ts`); otherwise instructions are shown as hex
 * bytes, with lengths taken from consecutive instruction pointers where known.
 */

/** Turns bytes at `ip` into one line of text and a length, or `null` if it cannot. */
export type Disassembler = (bytes: Uint8Array, bitness: 16 | 32 | 64, ip: number) => { text: string; length: number } | null;

/** Hex bytes, space-separated. */
export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** The fallback: no decoder, no text. */
export const noDisassembler: Disassembler = () => null;
