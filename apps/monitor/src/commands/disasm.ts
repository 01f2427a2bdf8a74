/**
 * `x86kit disasm`: disassemble hex bytes, a raw file or the executable sections of an ELF file
 * with `@x86kit/decoder`, objdump-style or as JSON lines.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { GuestImageError, OptionError } from '@x86kit/core';
import { Decoder, Instruction, IntelFormatter, MemorySizeStyle, flowControl, flowControlName, virtClassNames, virtClassOfInstruction } from '@x86kit/decoder';
import type { CliIo, CommandModule } from '../program.js';

/** One block of code to disassemble. */
export interface CodeRegion {
  name: string;
  bytes: Uint8Array;
  /** Address of `bytes[0]`. */
  ip: bigint;
  bitness: 16 | 32 | 64;
}

interface DisasmOptions {
  hex?: string;
  bitness?: string;
  ip?: string;
  offset?: string;
  length?: string;
  count?: string;
  raw?: boolean;
  json?: boolean;
}

const SHF_EXECINSTR = 0x4;
const SHT_NOBITS = 8;
const PT_LOAD = 1;
const PF_X = 1;
const EM_386 = 3;
const EM_X86_64 = 62;

function parseNumber(name: string, text: string): bigint {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new OptionError('OPTION_INVALID', `${name} must be a decimal or 0x-hex number, got '${text}'`);
  return BigInt(t);
}

function parseBitness(text: string | undefined): 16 | 32 | 64 | undefined {
  if (text === undefined) return undefined;
  if (text === '16' || text === '32' || text === '64') return Number(text) as 16 | 32 | 64;
  throw new OptionError('OPTION_INVALID', `--bitness must be 16, 32 or 64, got '${text}'`);
}

/** Parse `--hex "48 01 d8"` (spaces, commas, `0x` and `\x` separators allowed). */
export function parseHexBytes(text: string): Uint8Array {
  const h = text.replace(/0x|\\x|[\s,:]/gi, '');
  if (h.length === 0 || h.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(h)) {
    throw new OptionError('OPTION_INVALID', `--hex must be pairs of hex digits (e.g. "48 01 d8"), got '${text}'`);
  }
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function truncated(file: string, what: string): GuestImageError {
  return new GuestImageError('IMAGE_TRUNCATED', `${file}: ELF file is truncated (${what})`);
}

/**
 * The executable sections of an ELF file (section headers with SHF_EXECINSTR; program headers
 * with PF_X when there are no section headers). Bitness comes from EI_CLASS / e_machine.
 */
export function elfCodeRegions(file: string, data: Uint8Array, bitnessOverride?: 16 | 32 | 64): CodeRegion[] {
  if (data.length < 16) throw truncated(file, 'no ELF identification');
  const cls = data[4];
  const le = data[5] === 1;
  if (!le) throw new GuestImageError('ELF_UNSUPPORTED', `${file}: big-endian ELF is not x86`);
  if (cls !== 1 && cls !== 2) throw new GuestImageError('ELF_UNSUPPORTED', `${file}: unknown ELF class ${String(cls)}`);
  const is64 = cls === 2;
  const hdrSize = is64 ? 64 : 52;
  if (data.length < hdrSize) throw truncated(file, 'ELF header');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const u16 = (o: number): number => dv.getUint16(o, true);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const addr = (o: number): bigint => (is64 ? dv.getBigUint64(o, true) : BigInt(dv.getUint32(o, true)));
  const off = (o: number): number => (is64 ? Number(dv.getBigUint64(o, true)) : dv.getUint32(o, true));
  const machine = u16(18);
  if (machine !== EM_386 && machine !== EM_X86_64) throw new GuestImageError('ELF_UNSUPPORTED', `${file}: e_machine ${machine} is not x86 (3) or x86-64 (62)`);
  const bitness = bitnessOverride ?? (machine === EM_X86_64 ? 64 : 32);
  const regions: CodeRegion[] = [];
  const shoff = off(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff !== 0 && shnum !== 0) {
    if (shoff + shnum * shentsize > data.length) throw truncated(file, `section header table at ${shoff} + ${shnum}×${shentsize}`);
    const sh = (i: number): number => shoff + i * shentsize;
    const strOff = shstrndx < shnum ? off(sh(shstrndx) + (is64 ? 0x18 : 0x10)) : 0;
    const name = (o: number): string => {
      let end = strOff + o;
      while (end < data.length && data[end] !== 0) end++;
      return new TextDecoder().decode(data.subarray(strOff + o, end));
    };
    for (let i = 0; i < shnum; i++) {
      const b = sh(i);
      const type = u32(b + 4);
      const flags = is64 ? Number(dv.getBigUint64(b + 8, true)) : u32(b + 8);
      if ((flags & SHF_EXECINSTR) === 0 || type === SHT_NOBITS) continue;
      const a = addr(b + (is64 ? 0x10 : 0x0c));
      const o = off(b + (is64 ? 0x18 : 0x10));
      const size = is64 ? Number(dv.getBigUint64(b + 0x20, true)) : u32(b + 0x14);
      if (o + size > data.length) throw truncated(file, `section ${i} at ${o} + ${size}`);
      regions.push({ name: name(u32(b)), bytes: data.subarray(o, o + size), ip: a, bitness });
    }
    return regions;
  }
  const phoff = off(is64 ? 0x20 : 0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  if (phoff + phnum * phentsize > data.length) throw truncated(file, 'program header table');
  for (let i = 0; i < phnum; i++) {
    const b = phoff + i * phentsize;
    if (u32(b) !== PT_LOAD) continue;
    const flags = u32(b + (is64 ? 4 : 0x18));
    if ((flags & PF_X) === 0) continue;
    const o = off(b + (is64 ? 8 : 4));
    const a = addr(b + (is64 ? 0x10 : 8));
    const size = is64 ? Number(dv.getBigUint64(b + 0x20, true)) : u32(b + 0x10);
    if (o + size > data.length) throw truncated(file, `segment ${i}`);
    regions.push({ name: `segment${i}`, bytes: data.subarray(o, o + size), ip: a, bitness });
  }
  return regions;
}

function hexAddr(hi: number, lo: number): string {
  return hi === 0 ? (lo >>> 0).toString(16) : (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0');
}

function hexBytes(bytes: Uint8Array, from: number, len: number, sep: string): string {
  let s = '';
  for (let i = 0; i < len; i++) s += (i === 0 ? '' : sep) + (bytes[from + i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

/** Disassemble `regions`, writing objdump-like text or JSON lines; returns the instruction count. */
export function disassemble(regions: readonly CodeRegion[], io: CliIo, json: boolean, limit: number): number {
  const insn = new Instruction();
  const f = new IntelFormatter({ spaceAfterComma: true, memorySize: MemorySizeStyle.Default, branchLeadingZeros: false });
  let count = 0;
  for (const r of regions) {
    const d = new Decoder({ bitness: r.bitness, ip: r.ip });
    if (!json) io.out(`\nDisassembly of ${r.name} (${r.bitness}-bit, ${r.bytes.length} bytes at 0x${r.ip.toString(16)}):\n\n`);
    let pos = 0;
    let out = '';
    while (pos < r.bytes.length && count < limit) {
      d.decodeInto(insn, r.bytes, pos);
      const len = insn.length > 0 ? insn.length : 1;
      const valid = insn.isValid;
      const addr = hexAddr(insn.ipHi, insn.ipLo);
      if (json) {
        const rec: Record<string, unknown> = {
          ip: `0x${addr}`, length: len, bytes: hexBytes(r.bytes, pos, len, ''),
          mnemonic: f.formatMnemonic(insn), operands: f.operandTexts(insn), text: f.format(insn), valid,
          flow: flowControlName(flowControl(insn.code)), virt: virtClassNames(virtClassOfInstruction(insn)),
        };
        if (r.name !== 'input') rec.section = r.name;
        out += `${JSON.stringify(rec)}\n`;
      } else {
        out += `${addr.padStart(8)}:\t${hexBytes(r.bytes, pos, len, ' ').padEnd(30)}\t${f.format(insn)}\n`;
      }
      pos += len;
      count++;
      if (out.length > 1 << 16) { io.out(out); out = ''; }
    }
    io.out(out);
    if (count >= limit) break;
  }
  return count;
}

export const disasmCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('disasm')
      .description('disassemble x86 code: --hex bytes, a raw file, or the executable sections of an ELF file')
      .argument('[file]', 'raw binary or ELF file')
      .option('--hex <bytes>', 'bytes to decode, e.g. "48 01 d8"')
      .option('--bitness <n>', '16, 32 or 64 (default: from the ELF header, else 64)')
      .option('--ip <addr>', 'address of the first byte (default 0, or the section address)')
      .option('--offset <n>', 'raw file: start at this file offset')
      .option('--length <n>', 'raw file: decode at most this many bytes')
      .option('--count <n>', 'stop after this many instructions')
      .option('--raw', 'treat the file as raw bytes even if it is an ELF file')
      .option('--json', 'one JSON object per instruction (ip, length, bytes, mnemonic, operands, text, valid, flow, virt)')
      .action((file: string | undefined, opts: DisasmOptions) => {
        const bitness = parseBitness(opts.bitness);
        const limit = opts.count === undefined ? Number.MAX_SAFE_INTEGER : Number(parseNumber('--count', opts.count));
        let regions: CodeRegion[];
        if (opts.hex !== undefined) {
          if (file !== undefined) throw new OptionError('OPTION_CONFLICT', 'give either --hex or a file, not both');
          const ip = opts.ip === undefined ? 0n : parseNumber('--ip', opts.ip);
          regions = [{ name: 'input', bytes: parseHexBytes(opts.hex), ip, bitness: bitness ?? 64 }];
        } else {
          if (file === undefined) throw new OptionError('OPTION_MISSING', 'give --hex "<bytes>" or a file to disassemble');
          if (!existsSync(file)) throw new GuestImageError('IMAGE_NOT_FOUND', `${file}: no such file`);
          if (!statSync(file).isFile()) throw new GuestImageError('IMAGE_NOT_FOUND', `${file}: not a regular file (a directory?)`);
          const data = new Uint8Array(readFileSync(file));
          const isElf = data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
          if (isElf && opts.raw !== true) {
            if (opts.offset !== undefined || opts.length !== undefined) throw new OptionError('OPTION_CONFLICT', '--offset/--length apply to raw files; add --raw to treat the ELF file as raw bytes');
            regions = elfCodeRegions(file, data, bitness);
            if (opts.ip !== undefined) throw new OptionError('OPTION_CONFLICT', '--ip does not apply to ELF files (section addresses are used)');
          } else {
            const offset = opts.offset === undefined ? 0 : Number(parseNumber('--offset', opts.offset));
            if (offset > data.length) throw new OptionError('OPTION_INVALID', `--offset ${offset} is beyond the end of ${file} (${data.length} bytes)`);
            const length = opts.length === undefined ? data.length - offset : Number(parseNumber('--length', opts.length));
            const ip = opts.ip === undefined ? 0n : parseNumber('--ip', opts.ip);
            regions = [{ name: 'input', bytes: data.subarray(offset, Math.min(data.length, offset + length)), ip, bitness: bitness ?? 64 }];
          }
        }
        disassemble(regions, io, opts.json === true, limit);
      });
  },
};
