/**
 * `x86kit run IMAGE`: boot a guest on the x86kit PC with QEMU-like behaviour — COM1 on stdio,
 * the exit status from isa-debug-exit, one clear line and a non-zero status on a triple
 * fault, a timeout or a bad image.
 */
import { readFileSync, writeSync, openSync, closeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, GuestImageError, OptionError } from '@x86kit/core';
import {
  Machine, pcDevices, pcE820, loadGuestImage, detectImageFormat, loadBios, StopReason, type RunResult, type BootState, type CpuFactory, interpreterCpu,
} from '@x86kit/machine';
import type { CliIo, CommandModule } from '../program.js';

/** Options as commander hands them over. */
interface RunOptions {
  mem: string;
  cmdline?: string;
  initrd?: string;
  module: string[];
  bios?: string;
  serial: string;
  maxInstructions?: string;
  timeout?: string;
  expectStatus?: string;
  stats?: boolean;
  json?: boolean;
  trace?: boolean;
}

/** Parse a memory size: bytes with an optional K/M/G suffix (binary units); a bare number means MiB, as in QEMU's -m. */
export function parseMemSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (m === null) throw new OptionError('OPTION_INVALID', `--mem ${text}: expected a size such as 128M or 1G`);
  const unit = m[2].toLowerCase();
  const mult = unit === 'k' ? 1024 : unit === 'g' ? 1024 ** 3 : unit === 't' ? 1024 ** 4 : 1024 ** 2;
  const bytes = Math.round(Number(m[1]) * mult);
  if (bytes < 2 * 1024 ** 2 || bytes > 3 * 1024 ** 3 || bytes % 4096 !== 0) {
    throw new OptionError('OPTION_INVALID', `--mem ${text}: guest RAM must be between 2M and 3G (multiple of 4K)`);
  }
  return bytes;
}

function parseCount(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) throw new OptionError('OPTION_INVALID', `${flag} ${text}: expected a positive ${integer ? 'integer' : 'number'}`);
  return v;
}

function readImage(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : 'cannot be read';
    throw new GuestImageError('IMAGE_NOT_FOUND', `${what} ${path}: ${why}`);
  }
}

/** Where COM1 output goes. */
interface SerialSink { write(byte: number): void; flush(): void; close(): void; captured: string; lastByte: number }

function serialSink(spec: string, io: CliIo, capture: boolean): SerialSink {
  const decoder = new TextDecoder('utf-8');
  let pending: number[] = [];
  if (spec === 'none') return { write: () => {}, flush: () => {}, close: () => {}, captured: '', lastByte: -1 };
  if (spec === 'stdio') {
    const sink: SerialSink = {
      captured: '', lastByte: -1,
      write(b) { pending.push(b); sink.lastByte = b; if (b === 10 || pending.length >= 4096) sink.flush(); },
      flush() {
        if (pending.length === 0) return;
        const text = decoder.decode(Uint8Array.from(pending), { stream: true });
        pending = [];
        if (capture) sink.captured += text; else io.out(text);
      },
      close() { sink.flush(); },
    };
    return sink;
  }
  if (spec.startsWith('file:') && spec.length > 5) {
    const path = spec.slice(5);
    let fd: number;
    try { fd = openSync(path, 'w'); } catch { throw new OptionError('OPTION_INVALID', `--serial ${spec}: cannot open ${path} for writing`); }
    const sink: SerialSink = {
      captured: '', lastByte: -1,
      write(b) { pending.push(b); sink.lastByte = b; if (pending.length >= 4096) sink.flush(); },
      flush() { if (pending.length > 0) { writeSync(fd, Uint8Array.from(pending)); pending = []; } },
      close() { sink.flush(); closeSync(fd); },
    };
    return sink;
  }
  throw new OptionError('OPTION_INVALID', `--serial ${spec}: expected stdio, file:PATH or none`);
}

/** Statistics for `--stats` and `--json`. */
function collectStats(m: Machine, r: RunResult, interruptsByVector: Float64Array): Record<string, unknown> {
  const counters = m.counters();
  const exceptions: Record<string, number> = {};
  const interrupts: Record<string, number> = {};
  for (const [k, v] of Object.entries(counters)) {
    const e = /^cpu\.exceptions\.(\d+)$/.exec(k) ?? /^cpu\.exception\.(\d+)$/.exec(k);
    if (e !== null && v > 0) exceptions[e[1]] = v;
  }
  for (let v = 0; v < 256; v++) if (interruptsByVector[v] > 0) interrupts[`0x${v.toString(16)}`] = interruptsByVector[v];
  const ports = m.io.busyPorts().sort((a, b) => b.reads + b.writes - a.reads - a.writes)
    .map((p) => ({ port: `0x${p.port.toString(16)}`, reads: p.reads, writes: p.writes }));
  const paging: Record<string, number> = {};
  for (const [k, v] of Object.entries(counters)) if (/tlb|walk|paging|pagefault/i.test(k) && v !== 0) paging[k.replace(/^cpu\./, '')] = v;
  return {
    instructions: r.instructions,
    mips: r.hostMs > 0 ? r.instructions / r.hostMs / 1000 : 0,
    hostMs: r.hostMs, virtualNs: r.virtualNs, idleSkippedNs: r.idleSkippedNs, idleSkips: r.idleSkips,
    exceptionsByVector: exceptions, interruptsByVector: interrupts, ioByPort: ports, paging, counters,
  };
}

function printStats(io: CliIo, s: Record<string, unknown>): void {
  const n = (v: unknown): string => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(v));
  const lines = [
    '--- x86kit run statistics ---',
    `instructions retired   ${n(s.instructions)}`,
    `speed                  ${n(s.mips)} MIPS (${n(s.hostMs)} ms host time)`,
    `virtual time           ${n((s.virtualNs as number) / 1e6)} ms (${n((s.idleSkippedNs as number) / 1e6)} ms skipped idle in ${n(s.idleSkips)} HLTs)`,
  ];
  const kv = (title: string, o: Record<string, number>): void => {
    const e = Object.entries(o);
    lines.push(`${title.padEnd(22)} ${e.length === 0 ? 'none' : e.map(([k, v]) => `${k}:${n(v)}`).join(' ')}`);
  };
  kv('exceptions by vector', s.exceptionsByVector as Record<string, number>);
  kv('interrupts by vector', s.interruptsByVector as Record<string, number>);
  const ports = (s.ioByPort as { port: string; reads: number; writes: number }[]).slice(0, 12);
  lines.push(`I/O by port            ${ports.length === 0 ? 'none' : ports.map((p) => `${p.port}:${n(p.reads + p.writes)}`).join(' ')}`);
  kv('TLB/paging', s.paging as Record<string, number>);
  io.out(`${lines.join('\n')}\n`);
}

/** The process exit status for a run, and the one line that explains a non-guest stop. */
export function exitFor(r: RunResult, expectStatus: number | undefined): { code: number; message: string | null } {
  switch (r.reason) {
    case StopReason.DebugExit: {
      const s = r.exitStatus ?? 1;
      if (expectStatus !== undefined) {
        return s === expectStatus ? { code: ExitCode.OK, message: null } : { code: s === 0 ? ExitCode.FAILURE : s, message: `guest exited with status ${s}, expected ${expectStatus}` };
      }
      return { code: s, message: null };
    }
    case StopReason.TripleFault: return { code: ExitCode.GUEST_TRIPLE_FAULT, message: `guest triple fault (${r.detail}); stopping as QEMU -no-reboot does` };
    case StopReason.PowerOff: return { code: ExitCode.OK, message: null }; // QEMU exits 0 silently on ACPI soft-off
    case StopReason.Reset: return { code: ExitCode.OK, message: `${r.detail}; stopping as QEMU -no-reboot does` };
    case StopReason.Timeout: return { code: ExitCode.TIMEOUT, message: `${r.detail} (--timeout) after ${r.instructions} instructions` };
    case StopReason.InstructionLimit: return { code: ExitCode.TIMEOUT, message: r.detail };
    // QEMU would wait forever here; report it like a timeout (never 1, which is a guest's pass status)
    case StopReason.HaltedForever: return { code: ExitCode.TIMEOUT, message: `guest stopped: ${r.detail}` };
    default: return { code: ExitCode.TIMEOUT, message: `guest stopped: ${r.detail}` };
  }
}

/** Execute `x86kit run` (exported for tests and embedders). */
export function runCommand(image: string | undefined, o: RunOptions, io: CliIo, cpuFactory?: CpuFactory): number {
  const ramSize = parseMemSize(o.mem);
  const maxInstructions = parseCount('--max-instructions', o.maxInstructions, true);
  const timeoutS = parseCount('--timeout', o.timeout, false);
  const expectStatus = o.expectStatus === undefined ? undefined : Number(o.expectStatus);
  if (expectStatus !== undefined && !(Number.isInteger(expectStatus) && expectStatus >= 0 && expectStatus <= 0x1ffffffff)) {
    throw new OptionError('OPTION_INVALID', `--expect-status ${o.expectStatus}: expected a non-negative integer`);
  }
  if (image === undefined && o.bios === undefined) throw new OptionError('OPTION_MISSING', 'run needs an IMAGE (or --bios FILE)');
  if (image !== undefined && o.bios !== undefined) {
    throw new OptionError('OPTION_CONFLICT', '--bios with a kernel IMAGE needs fw_cfg kernel loading, which x86kit does not have: give one or the other');
  }
  if (o.bios !== undefined && (o.cmdline !== undefined || o.initrd !== undefined || o.module.length > 0)) {
    throw new OptionError('OPTION_CONFLICT', '--cmdline/--initrd/--module apply to a kernel IMAGE, not to --bios');
  }
  const imageBytes = image === undefined ? null : readImage(image, 'image');
  const biosBytes = o.bios === undefined ? null : readImage(o.bios, 'BIOS image');
  const initrd = o.initrd === undefined ? undefined : readImage(o.initrd, 'initrd');
  const modules = o.module.map((spec) => {
    const path = spec.split(/\s+/)[0];
    return { data: readImage(path, 'module'), cmdline: spec };
  });

  const factory: CpuFactory = cpuFactory ?? interpreterCpu();
  const capture = o.json === true && o.serial === 'stdio';
  const serial = serialSink(o.serial, io, capture);
  const interruptsByVector = new Float64Array(256);
  const machine = new Machine({
    ramSize, cpu: factory, serialOut: (b) => serial.write(b), ramInBiosArea: biosBytes === null,
    devices: (ctx) => {
      const set = pcDevices()(ctx);
      const inner = set.interrupts;
      // count interrupts by vector at the INTA cycle (the CPU only counts them in total)
      set.interrupts = { hasInterrupt: () => inner.hasInterrupt(), acknowledge: () => { const v = inner.acknowledge(); interruptsByVector[v & 0xff]++; return v; } };
      return set;
    },
  });
  let boot: BootState;
  let format: string;
  if (biosBytes !== null) {
    boot = loadBios(machine.memory, biosBytes, { name: basename(o.bios ?? 'bios'), shadowInRam: true });
    format = 'bios';
  } else {
    const name = basename(image ?? 'image');
    const bytes = imageBytes ?? new Uint8Array(0);
    // Multiboot kernels see "path args" as QEMU passes them; Linux sees the arguments only.
    const multiboot = bytes.length > 0 && detectImageFormat(bytes, name) === 'multiboot';
    const cmdline = multiboot ? (o.cmdline === undefined ? name : `${name} ${o.cmdline}`) : o.cmdline;
    const loaded = loadGuestImage(machine.memory, bytes, {
      name, memoryMap: pcE820(ramSize), modules,
      ...(initrd !== undefined ? { initrd } : {}),
      ...(cmdline !== undefined ? { cmdline } : {}),
    });
    boot = loaded.boot;
    format = loaded.format;
  }
  if (o.trace === true) for (const line of boot.notes) io.err(`x86kit: ${line}\n`);
  if (o.trace === true) {
    machine.io.observer = (port, size, value, isWrite) => {
      io.err(`x86kit: io ${isWrite ? 'out' : 'in '} 0x${port.toString(16).padStart(4, '0')}/${size} = 0x${(value >>> 0).toString(16)}\n`);
    };
  }
  machine.start(boot);
  const progress = io.isTty && o.json !== true && o.serial !== 'stdio';
  const result = machine.run({
    ...(maxInstructions !== undefined ? { maxInstructions } : {}),
    ...(timeoutS !== undefined ? { timeoutMs: timeoutS * 1000 } : {}),
    ...(progress ? { onProgress: (n: number, ms: number) => io.err(`\rx86kit: ${(n / 1e6).toFixed(1)} M instructions, ${(n / ms / 1000).toFixed(1)} MIPS `) } : {}),
  });
  if (progress) io.err('\n');
  serial.close();
  const stats = collectStats(machine, result, interruptsByVector);
  const { code, message } = exitFor(result, expectStatus);
  if (o.json === true) {
    io.out(`${JSON.stringify({
      image: image ?? null, bios: o.bios ?? null, format, memBytes: ramSize, reason: result.reason, exitStatus: result.exitStatus,
      detail: result.detail, processExitCode: code, ...(capture ? { serial: serial.captured } : {}), stats,
    }, null, 2)}\n`);
  } else {
    // keep the statistics on their own lines after a guest line without a newline
    if (o.stats === true && o.serial === 'stdio' && serial.lastByte !== -1 && serial.lastByte !== 10) io.out('\n');
    if (o.stats === true) printStats(io, stats);
    if (message !== null) io.err(`x86kit: ${message}\n`);
  }
  return code;
}

export const runCommandModule: CommandModule = {
  register(program: Command, io: CliIo, setExit: (code: number) => void): void {
    program
      .command('run')
      .description('boot a guest (multiboot/ELF kernel, Linux bzImage, or --bios firmware) on the x86kit PC')
      .argument('[image]', 'kernel image: multiboot (ELF or a.out kludge), ELF32, or Linux bzImage')
      .option('--mem <size>', 'guest RAM (K/M/G suffix; a bare number is MiB)', '128M')
      .option('--cmdline <text>', 'kernel command line')
      .option('--initrd <file>', 'initial ramdisk (Linux)')
      .option('--module <file>', 'multiboot module ("FILE args"), repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--bios <file>', 'boot a BIOS ROM image from the reset vector instead of a kernel')
      .option('--serial <dest>', 'COM1: stdio, file:PATH or none', 'stdio')
      .option('--max-instructions <n>', 'stop after N instructions')
      .option('--timeout <seconds>', 'stop after this much host time')
      .option('--expect-status <n>', 'exit 0 when the guest\'s debug-exit status is N (kvm-unit-tests pass = 1)')
      .option('--stats', 'print run statistics after the guest stops')
      .option('--json', 'print the result and statistics as JSON (serial output included when on stdio)')
      .option('--trace', 'print loader steps and every port access on stderr')
      .action((image: string | undefined, opts: RunOptions) => {
        setExit(runCommand(image, opts, io));
      });
  },
};
