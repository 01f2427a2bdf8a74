/**
 * Whole-guest runners for the `guests` suite: boot a multiboot kernel on a QEMU-compatible PC
 * (COM1 serial, `isa-debug-exit` at port 0xf4) and report the serial output and the exit
 * status in QEMU's convention, `(value << 1) | 1`.
 */
import { spawn } from 'node:child_process';
import { OptionError } from '@x86kit/core';
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

const RUNNERS: GuestRunner[] = [
  qemuGuestRunner,
  {
    name: 'machine',
    unavailable: () => 'the @x86kit/machine run API has not landed yet',
    run: () => Promise.reject(new Error('unavailable')),
  },
];

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
