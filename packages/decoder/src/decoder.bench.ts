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
import { BenchSuite } from '@x86kit/bench';
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

const suite = new BenchSuite('decoder', { minTimeMs: 250, samples: 3, warmup: 2 });
for (const c of corpora) {
  const dec = c.bytes.subarray(0, Math.min(c.bytes.length, 8 << 20));
  const fmtBytes = c.bytes.subarray(0, Math.min(c.bytes.length, 512 << 10));
  const nDec = oursDecode(c, dec);
  const nDecIced = icedDecode(c, dec);
  const nFmt = oursDecode(c, fmtBytes);
  const mb = dec.length / 1e6;
  const tag = `${c.name} (${c.bitness}-bit, ${(dec.length / 1024).toFixed(0)} KiB, ${nDec} insns${nDecIced !== nDec ? `; iced ${nDecIced}` : ''})`;
  suite.rate(
    { name: `decode ${tag}`, unit: 'MB/s', work: mb, fn: () => { oursDecode(c, dec); } },
    { name: 'iced-x86 decode', unit: 'MB/s', work: mb, fn: () => { icedDecode(c, dec); } },
  );
  suite.rate(
    { name: `decode ${c.name}`, unit: 'Minstr/s', work: nDec / 1e6, fn: () => { oursDecode(c, dec); } },
    { name: 'iced-x86 decode', unit: 'Minstr/s', work: nDecIced / 1e6, fn: () => { icedDecode(c, dec); } },
  );
  suite.rate(
    { name: `decode+format ${c.name} (${(fmtBytes.length / 1024).toFixed(0)} KiB)`, unit: 'Minstr/s', work: nFmt / 1e6, fn: () => { oursFormat(c, fmtBytes); } },
    { name: 'iced-x86 decode+format', unit: 'Minstr/s', work: icedDecode(c, fmtBytes) / 1e6, fn: () => { icedFormat(c, fmtBytes); } },
  );
  suite.rate(
    { name: `decode+format ${c.name}`, unit: 'MB/s', work: fmtBytes.length / 1e6, fn: () => { oursFormat(c, fmtBytes); } },
    { name: 'iced-x86 decode+format', unit: 'MB/s', work: fmtBytes.length / 1e6, fn: () => { icedFormat(c, fmtBytes); } },
  );
}
suite.finish();
icedInsn.free();
icedFmt.free();
if (sink === 0.5) process.stdout.write('\n');
