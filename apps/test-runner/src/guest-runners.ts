/**
 * Whole-guest runners for the `guests` suite: boot a multiboot kernel on a QEMU-compatible PC
 * (COM1 serial, `isa-debug-exit` at port 0xf4) and report the serial output and the exit
 * status in QEMU's convention, `(value << 1) | 1`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { runMultibootOnV86, v86Availability } from '@x86kit/bench';
import { OptionError } from '@x86kit/core';
import { Cpu } from '@x86kit/interpreter';
import { Machine, StopReason, loadGuestImage, pcDevices, pcE820, type CpuFactory } from '@x86kit/machine';
import { findQemu } from './lockstep/qemu-engine.js';

/** What to boot. */
export interface GuestRunRequest {
  image: string;
  /** Kernel command line (`-append`). */
  append: string;
  smp: number;
  /** Further QEMU-style arguments (kvm-unit-tests `extra_params` minus `-append`). */
  extraParams: readonly string[];
  timeoutSec: number;
}

/** What happened. */
export interface GuestRunResult {
  /** QEMU-style exit status, or `null` when killed by the timeout. */
  exitStatus: number | null;
  serial: string;
  timedOut: boolean;
}

/** A named way to run a guest. */
export interface GuestRunner {
  name: string;
  unavailable(): string | null;
  run(req: GuestRunRequest): Promise<GuestRunResult>;
}

/** `qemu-system-i386 -kernel` with the same device set the guests were recorded on. */
export const qemuGuestRunner: GuestRunner = {
  name: 'qemu',
  unavailable: () => (findQemu() === null ? 'qemu-system-i386 is not installed' : null),
  run(req: GuestRunRequest): Promise<GuestRunResult> {
    const args = ['-kernel', req.image, '-serial', 'stdio', '-display', 'none', '-monitor', 'none', '-no-reboot',
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-smp', String(req.smp)];
    if (req.append !== '') args.push('-append', req.append);
    args.push(...req.extraParams);
    return new Promise((resolve, reject) => {
      const p = spawn(findQemu() ?? 'qemu-system-i386', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let serial = '';
      let stderr = '';
      let timedOut = false;
      p.stdout.setEncoding('latin1').on('data', (d: string) => { serial += d; });
      p.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      const t = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, req.timeoutSec * 1000);
      p.on('error', (e) => { clearTimeout(t); reject(e); });
      p.on('close', (code) => {
        clearTimeout(t);
        if (!timedOut && code !== null && code !== 0 && (code & 1) === 0 && stderr !== '') serial += `\n[qemu: ${stderr.trim().split('\n')[0]}]`;
        resolve({ exitStatus: timedOut ? null : code, serial, timedOut });
      });
    });
  },
};

/** The interpreter on the machine's buses; the machine drives the clock itself. */
const interpreterFactory: CpuFactory = ({ memory, io, clock }) => new Cpu({ memory, io, clock, driveClock: false });

/** Guest RAM of the x86kit machine runs: QEMU's default, 128 MiB (allocated lazily). */
const MACHINE_RAM = 128 << 20;

/**
 * x86kit's own PC: `@x86kit/machine` with the interpreter CPU and the default PC device set
 * (the QEMU-compatible one: COM1, isa-debug-exit at 0xf4, PIC, PIT, RTC, ...). The kernel
 * command line is `NAME ARGS` as QEMU's multiboot loader passes it. `-smp` and other
 * `extra_params` are not modelled (one CPU); they are ignored.
 */
export const machineGuestRunner: GuestRunner = {
  name: 'machine',
  unavailable: () => null,
  run(req: GuestRunRequest): Promise<GuestRunResult> {
    let serial = '';
    const machine = new Machine({
      ramSize: MACHINE_RAM, cpu: interpreterFactory, devices: pcDevices(),
      serialOut: (b) => { serial += String.fromCharCode(b); },
    });
    const name = basename(req.image);
    const loaded = loadGuestImage(machine.memory, readFileSync(req.image), {
      name, memoryMap: pcE820(MACHINE_RAM), cmdline: req.append === '' ? name : `${name} ${req.append}`,
    });
    machine.start(loaded.boot);
    const r = machine.run({ timeoutMs: req.timeoutSec * 1000 });
    if (r.reason === StopReason.DebugExit) return Promise.resolve({ exitStatus: r.exitStatus ?? 1, serial, timedOut: false });
    if (r.reason === StopReason.Timeout || r.reason === StopReason.InstructionLimit) return Promise.resolve({ exitStatus: null, serial, timedOut: true });
    // Triple fault / reset stop like QEMU -no-reboot (status 0); a guest halted forever never exits.
    return Promise.resolve({ exitStatus: 0, serial: `${serial}\n[x86kit: ${r.reason}: ${r.detail}]`, timedOut: false });
  },
};

/**
 * v86 (npm, the benchmark anchor of `@x86kit/bench`) with its own Multiboot loader, its
 * x86→wasm JIT, 128 MiB and `acpi` on (so it has a local APIC and an I/O APIC, like QEMU's pc).
 * A write to port 0xF4 ends the run with QEMU's status `(value << 1) | 1`. Multiboot kernels only;
 * `-smp` and `extra_params` are ignored. v86 0.5's Multiboot information has no
 * mem_lower/mem_upper, so guests that check them fail that check.
 */
export const v86GuestRunner: GuestRunner = {
  name: 'v86',
  unavailable: () => {
    const a = v86Availability();
    return a.available ? null : a.reason;
  },
  async run(req: GuestRunRequest): Promise<GuestRunResult> {
    const name = basename(req.image);
    const r = await runMultibootOnV86({
      image: new Uint8Array(readFileSync(req.image)), cmdline: req.append === '' ? name : `${name} ${req.append}`,
      memorySize: MACHINE_RAM, acpi: true, timeoutMs: req.timeoutSec * 1000,
    });
    const serial = String.fromCharCode(...r.marks.map((m) => m.byte));
    if (r.crashed !== null) return { exitStatus: null, serial: `${serial}\n[v86 crashed: ${r.crashed}]`, timedOut: false };
    if (r.timedOut) return { exitStatus: null, serial, timedOut: true };
    return { exitStatus: ((r.exitValue ?? 0) << 1) | 1, serial, timedOut: false };
  },
};

const RUNNERS: GuestRunner[] = [machineGuestRunner, qemuGuestRunner, v86GuestRunner];

/** Add or replace a runner (tests; in-process runs only). */
export function registerGuestRunner(r: GuestRunner): void {
  const i = RUNNERS.findIndex((x) => x.name === r.name);
  if (i >= 0) RUNNERS[i] = r;
  else RUNNERS.push(r);
}

/** A runner by name. @throws OptionError for unknown names. */
export function guestRunner(name: string): GuestRunner {
  const r = RUNNERS.find((x) => x.name === name);
  if (r === undefined) throw new OptionError('OPTION_INVALID', `unknown guest runner '${name}' (known: ${RUNNERS.map((x) => x.name).join(', ')})`);
  return r;
}
