/// <reference types="node" />
/**
 * Decoder benchmark: x86kit vs iced-x86 (npm, wasm) in the same run, on real machine code.
 *
 * - 64-bit: the `.text` of the running node binary (`process.execPath`, ELF section headers),
 *   first 8 MiB for decode-only and first 512 KiB for decode+format.
 * - 32-bit and 16-bit: `bench-data/corpus{32,16}.bin`, our own guests' C sources compiled with
 *   `gcc -m32` / `gcc -m16` at ten optimisation/ISA settings (see `bench-data/build.sh`).
 *
 * Reported per corpus: decode-only and decode+format (Intel text), in MB/s and Minstr/s, with
 * iced-x86 as the anchor (ratio = x86kit / iced-x86).
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchSuite, measureRate } from '@x86kit/bench';
import { Decoder as IcedDecoder, DecoderOptions, Formatter as IcedFormatter, FormatterSyntax, Instruction as IcedInstruction } from 'iced-x86';
import { Decoder, Instruction, IntelFormatter } from './index.js';

interface Corpus { name: string; bitness: 16 | 32 | 64; bytes: Uint8Array; ip: bigint }

/** `.text` of an x86-64 ELF file, or null. */
function elfText(path: string): { bytes: Uint8Array; ip: bigint } | null {
  const data = new Uint8Array(readFileSync(path));
  if (data[0] !== 0x7f || data[1] !== 0x45 || data[4] !== 2 || data[5] !== 1) return null;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (dv.getUint16(18, true) !== 62) return null;
  const shoff = Number(dv.getBigUint64(0x28, true));
  const shentsize = dv.getUint16(0x3a, true);
  const shnum = dv.getUint16(0x3c, true);
  const strOff = Number(dv.getBigUint64(shoff + dv.getUint16(0x3e, true) * shentsize + 0x18, true));
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * shentsize;
    const nameOff = strOff + dv.getUint32(b, true);
    const name = new TextDecoder().decode(data.subarray(nameOff, nameOff + 6));
    if (name === '.text\0') {
      const off = Number(dv.getBigUint64(b + 0x18, true));
      const size = Number(dv.getBigUint64(b + 0x20, true));
      return { bytes: data.subarray(off, off + size), ip: dv.getBigUint64(b + 0x10, true) };
    }
  }
  return null;
}

const here = dirname(fileURLToPath(import.meta.url));
const corpora: Corpus[] = [];
const text = elfText(process.execPath);
if (text !== null) corpora.push({ name: 'node .text', bitness: 64, bytes: text.bytes, ip: text.ip });
else process.stdout.write(`decoder bench: ${process.execPath} is not an x86-64 ELF; skipping the 64-bit corpus\n`);
for (const b of [32, 16] as const) {
  const p = join(here, '..', 'bench-data', `corpus${b}.bin`);
  if (existsSync(p)) corpora.push({ name: `corpus${b}`, bitness: b, bytes: new Uint8Array(readFileSync(p)), ip: 0n });
}

let sink = 0;
const insn = new Instruction();
const fmt = new IntelFormatter();

function oursDecode(c: Corpus, bytes: Uint8Array): number {
  const d = new Decoder({ bitness: c.bitness, ip: c.ip });
  let pos = 0;
  let n = 0;
  const end = bytes.length;
  while (pos < end) {
    const len = d.decodeInto(insn, bytes, pos);
    pos += len > 0 ? len : 1;
    n++;
  }
  sink += insn.code;
  return n;
}

function oursFormat(c: Corpus, bytes: Uint8Array): void {
  const d = new Decoder({ bitness: c.bitness, ip: c.ip });
  let pos = 0;
  let chars = 0;
  const end = bytes.length;
  while (pos < end) {
    const len = d.decodeInto(insn, bytes, pos);
    pos += len > 0 ? len : 1;
    chars += fmt.format(insn).length;
  }
  sink += chars;
}

const icedInsn = new IcedInstruction();
const icedFmt = new IcedFormatter(FormatterSyntax.Intel);

function icedDecode(c: Corpus, bytes: Uint8Array): number {
  const d = new IcedDecoder(c.bitness, bytes, DecoderOptions.None);
  d.ip = c.ip;
  let n = 0;
  while (d.canDecode) {
    d.decodeOut(icedInsn);
    n++;
  }
  sink += icedInsn.length;
  d.free();
  return n;
}

function icedFormat(c: Corpus, bytes: Uint8Array): void {
  const d = new IcedDecoder(c.bitness, bytes, DecoderOptions.None);
  d.ip = c.ip;
  let chars = 0;
  while (d.canDecode) {
    d.decodeOut(icedInsn);
    chars += icedFmt.format(icedInsn).length;
  }
  sink += chars;
  d.free();
}

/**
 * Calls per second of `a` and `b`, measured in alternating rounds (best of each) so that load
 * changes on a shared machine hit both engines alike.
 */
function pair(a: () => void, b: () => void, rounds = 5): [number, number] {
  let ra = 0;
  let rb = 0;
  for (let i = 0; i < rounds; i++) {
    ra = Math.max(ra, measureRate(a, 1, { minTimeMs: 200, samples: 1, warmup: i === 0 ? 2 : 0 }));
    rb = Math.max(rb, measureRate(b, 1, { minTimeMs: 200, samples: 1, warmup: i === 0 ? 2 : 0 }));
  }
  return [ra, rb];
}

const suite = new BenchSuite('decoder');
for (const c of corpora) {
  const dec = c.bytes.subarray(0, Math.min(c.bytes.length, 8 << 20));
  const fmtBytes = c.bytes.subarray(0, Math.min(c.bytes.length, 512 << 10));
  const nDec = oursDecode(c, dec);
  const nDecIced = icedDecode(c, dec);
  const nFmt = oursDecode(c, fmtBytes);
  const nFmtIced = icedDecode(c, fmtBytes);
  const tag = `${c.name} (${c.bitness}-bit, ${(dec.length / 1024).toFixed(0)} KiB, ${nDec} insns${nDecIced !== nDec ? `; iced ${nDecIced}` : ''})`;
  const [d1, d2] = pair(() => { oursDecode(c, dec); }, () => { icedDecode(c, dec); });
  suite.record({ name: `decode ${tag}`, unit: 'MB/s', value: (d1 * dec.length) / 1e6, anchorName: 'iced-x86 decode', anchorValue: (d2 * dec.length) / 1e6 });
  suite.record({ name: `decode ${c.name}`, unit: 'Minstr/s', value: (d1 * nDec) / 1e6, anchorName: 'iced-x86 decode', anchorValue: (d2 * nDecIced) / 1e6 });
  const [f1, f2] = pair(() => { oursFormat(c, fmtBytes); }, () => { icedFormat(c, fmtBytes); });
  suite.record({ name: `decode+format ${c.name} (${(fmtBytes.length / 1024).toFixed(0)} KiB)`, unit: 'MB/s', value: (f1 * fmtBytes.length) / 1e6, anchorName: 'iced-x86 decode+format', anchorValue: (f2 * fmtBytes.length) / 1e6 });
  suite.record({ name: `decode+format ${c.name}`, unit: 'Minstr/s', value: (f1 * nFmt) / 1e6, anchorName: 'iced-x86 decode+format', anchorValue: (f2 * nFmtIced) / 1e6 });
}
suite.finish();
icedInsn.free();
icedFmt.free();
if (sink === 0.5) process.stdout.write('\n');
