/**
 * Reader for the SingleStepTests "MOO" binary test format, v1 (80286 real-mode set) and v1.1
 * (80386 `RG32` flavour), as described in `shared/conformance/singlesteptests-80286/README.md`
 * and `singlesteptests-80386/README.md`. Chunks are `4-byte ASCII id` + `u32 length` +
 * payload, little-endian; unknown ids are skipped by length.
 */
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, resolve, dirname } from 'node:path';

/** Register names of the 286 `REGS` chunk, in bit order. */
export const MOO_REGS16 = ['ax', 'bx', 'cx', 'dx', 'cs', 'ss', 'ds', 'es', 'sp', 'bp', 'si', 'di', 'ip', 'flags'] as const;
export type MooReg16 = (typeof MOO_REGS16)[number];
/** Register names of the 386 `RG32` chunk, in bit order. */
export const MOO_REGS32 = [
  'cr0', 'cr3', 'eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', 'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'eip', 'eflags', 'dr6', 'dr7',
] as const;
export type MooReg32 = (typeof MOO_REGS32)[number];

/** Initial or final state of one test. */
export interface MooState {
  /** Register values present in the chunk (all of them in INIT, changed ones in FINA). */
  regs: Partial<Record<string, number>>;
  /** Register masks (`RM32`, 386 only): 1 bits are compared. */
  regMasks: Partial<Record<string, number>>;
  /** `(physical address, byte)` pairs, flattened: `ram[2i]` address, `ram[2i+1]` value. */
  ram: number[];
}

/** One test. */
export interface MooTest {
  index: number;
  name: string;
  /** Instruction bytes including prefixes and the trailing HLT. */
  bytes: Uint8Array;
  init: MooState;
  final: MooState;
  /** Exception or software interrupt taken: vector and the physical address of the pushed FLAGS; null if none. */
  exception: { vector: number; flagAddress: number } | null;
  /** SHA-1 as lowercase hex. */
  hash: string;
}

/** A parsed MOO file. */
export interface MooFile {
  major: number;
  minor: number;
  /** CPU id from the header, e.g. `C286` or `386E`. */
  cpu: string;
  /** Primary opcode from META (the ModRM reg extension is only in the file name). */
  opcode: number;
  mnemonic: string;
  tests: MooTest[];
}

class Reader {
  readonly dv: DataView;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  id(o: number): string {
    return String.fromCharCode(this.bytes[o], this.bytes[o + 1], this.bytes[o + 2], this.bytes[o + 3]);
  }
  u32(o: number): number { return this.dv.getUint32(o, true); }
  u16(o: number): number { return this.dv.getUint16(o, true); }
}

function forEachChunk(r: Reader, start: number, end: number, fn: (id: string, payload: number, len: number) => void): void {
  let o = start;
  while (o + 8 <= end) {
    const id = r.id(o);
    const len = r.u32(o + 4);
    fn(id, o + 8, len);
    o += 8 + len;
  }
}

function parseState(r: Reader, start: number, end: number): MooState {
  const st: MooState = { regs: {}, regMasks: {}, ram: [] };
  forEachChunk(r, start, end, (id, p) => {
    if (id === 'REGS') {
      const mask = r.u16(p);
      let q = p + 2;
      for (let b = 0; b < MOO_REGS16.length; b++) {
        if ((mask & (1 << b)) !== 0) { st.regs[MOO_REGS16[b]] = r.u16(q); q += 2; }
      }
    } else if (id === 'RG32' || id === 'RM32') {
      const mask = r.u32(p);
      let q = p + 4;
      const out = id === 'RG32' ? st.regs : st.regMasks;
      for (let b = 0; b < MOO_REGS32.length; b++) {
        if ((mask & (1 << b)) !== 0) { out[MOO_REGS32[b]] = r.u32(q); q += 4; }
      }
    } else if (id === 'RAM ') {
      const n = r.u32(p);
      for (let i = 0; i < n; i++) st.ram.push(r.u32(p + 4 + 5 * i), r.bytes[p + 8 + 5 * i]);
    }
  });
  return st;
}

/** Parse a decompressed MOO file. Throws `Error` on a malformed header. */
export function parseMoo(data: Uint8Array): MooFile {
  const r = new Reader(data);
  if (r.id(0) !== 'MOO ') throw new Error('not a MOO file');
  const hlen = r.u32(4);
  const file: MooFile = { major: data[8], minor: data[9], cpu: '', opcode: 0, mnemonic: '', tests: [] };
  file.cpu = r.id(8 + 8);
  forEachChunk(r, 8 + hlen, data.length, (id, p, len) => {
    if (id === 'META') {
      file.opcode = r.u32(p + 3);
      file.mnemonic = String.fromCharCode(...data.subarray(p + 7, p + 15)).trim();
    } else if (id === 'TEST') {
      const t: MooTest = {
        index: r.u32(p), name: '', bytes: new Uint8Array(0),
        init: { regs: {}, regMasks: {}, ram: [] }, final: { regs: {}, regMasks: {}, ram: [] }, exception: null, hash: '',
      };
      forEachChunk(r, p + 4, p + len, (sid, sp, slen) => {
        if (sid === 'NAME') t.name = String.fromCharCode(...data.subarray(sp + 4, sp + 4 + r.u32(sp)));
        else if (sid === 'BYTS') t.bytes = data.slice(sp + 4, sp + 4 + r.u32(sp));
        else if (sid === 'INIT') t.init = parseState(r, sp, sp + slen);
        else if (sid === 'FINA') t.final = parseState(r, sp, sp + slen);
        else if (sid === 'EXCP') t.exception = { vector: data[sp], flagAddress: r.u32(sp + 1) };
        else if (sid === 'HASH') {
          let h = '';
          for (let i = 0; i < 20; i++) h += data[sp + i].toString(16).padStart(2, '0');
          t.hash = h;
        }
      });
      file.tests.push(t);
    }
  });
  return file;
}

/** Read and parse a (gzip-compressed or plain) MOO file from disk. */
export function readMooFile(path: string): MooFile {
  let raw: Uint8Array = readFileSync(path);
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  return parseMoo(raw);
}

/**
 * The conformance data directory: `$X86KIT_CONFORMANCE_DIR`, else `<workspace root>/../shared/conformance`
 * found by walking up from `start`; null when it does not exist.
 */
export function conformanceDir(start = process.cwd()): string | null {
  const env = process.env.X86KIT_CONFORMANCE_DIR;
  if (env !== undefined && env !== '') return existsSync(env) ? resolve(env) : null;
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) {
      const c = join(dir, '..', 'shared', 'conformance');
      return existsSync(c) ? c : null;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}
