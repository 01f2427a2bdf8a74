/**
 * Where the capture tool (`native/capture.c`) puts things, and where its corpus lives.
 * The reader for the corpus is `@x86kit/test-utils` (`readSiliconCorpus`); this package owns the
 * native tool, the generator and the committed data.
 */
import { fileURLToPath } from 'node:url';

/** Fixed test address-space layout (linear addresses) shared by every captured test. */
export const SILICON_LAYOUT = {
  /** The code page (RX, filled with 0xCC = INT3). */
  codePage: 0x10000000,
  /** Offset of the instruction in the code page (and its IP in 16-bit mode, CS base = codePage). */
  codeOffset: 0x800,
  /** Data page 0 (always RW). */
  dataPage0: 0x20000000,
  /** Data page 1 (RW, R or not present, per test). */
  dataPage1: 0x20001000,
  /** 16-bit mode: base of DS = ES = SS (offset 0x8000 = dataPage0); limit 0xFFFF. */
  seg16DataBase: 0x1fff8000,
  /** 16-bit mode selectors (LDT, RPL 3). */
  seg16CsSelector: 0x07,
  seg16DataSelector: 0x0f,
} as const;

/** Corpus file categories (`m<mode>/<category>.jsonl.gz`). */
export const CAPTURE_CATEGORIES = [
  'int', 'muldiv', 'shift', 'bit', 'bcd', 'string', 'branch', 'far', 'stack', 'sys', 'bmi', 'x87', 'mmx', 'sse', 'sse4', 'avx', 'avx2',
] as const;
export type CaptureCategory = (typeof CAPTURE_CATEGORIES)[number];

/** `tools/capture/corpus` (from `src/` or `dist/`). */
export function captureCorpusDir(): string {
  return fileURLToPath(new URL('../corpus/', import.meta.url));
}
