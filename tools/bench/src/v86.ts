/**
 * v86 (npm `v86`, BSD-2-Clause, a devDependency of this package) as a benchmark anchor: boot a
 * Multiboot kernel on it in this process and timestamp every byte the guest writes to COM1.
 *
 * v86 loads Multiboot kernels itself (`multiboot` option) and enters them in flat 32-bit
 * protected mode without running any firmware, the same direct boot x86kit's `Machine` does,
 * so no BIOS image is needed. v86 compiles hot guest code to WebAssembly (an x86→wasm JIT);
 * `jit: false` selects its wasm interpreter instead (`disable_jit`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { processCpuMs, type SerialMark } from './bench-loops.js';

/** Whether v86 can run here, and if not why. */
export type V86Availability =
  | { readonly available: true; readonly version: string; readonly wasmPath: string }
  | { readonly available: false; readonly reason: string };

/**
 * Find v86: `X86KIT_SKIP_V86=1` turns it off; otherwise the `v86` package must resolve from
 * this package and ship `build/v86.wasm`.
 */
export function v86Availability(): V86Availability {
  if (process.env.X86KIT_SKIP_V86 === '1') return { available: false, reason: 'X86KIT_SKIP_V86=1 is set' };
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve('v86/package.json');
  } catch {
    return { available: false, reason: 'the npm package "v86" is not installed (it is a devDependency of @x86kit/bench: run pnpm install)' };
  }
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const wasmPath = join(dirname(pkgJson), 'build', 'v86.wasm');
  try {
    readFileSync(wasmPath, { flag: 'r' }).subarray(0, 4);
  } catch {
    return { available: false, reason: `v86 ${version} has no ${wasmPath}` };
  }
  return { available: true, version, wasmPath };
}

/** Options of {@link runMultibootOnV86}. */
export interface V86RunOptions {
  /** The Multiboot kernel (ELF or a.out kludge). */
  readonly image: Uint8Array;
  /** Kernel command line (Multiboot info `cmdline`). */
  readonly cmdline?: string;
  /** Guest RAM in bytes (default 32 MiB). */
  readonly memorySize?: number;
  /** Use v86's x86→wasm JIT (default true); false runs its interpreter only. */
  readonly jit?: boolean;
  /** The run is also complete when the guest writes this byte to COM1. */
  readonly endByte?: number;
  /**
   * Give up after the guest has run this long in host time (default 120 s; counted from the
   * moment v86 is ready, with at most 60 s more for v86 to get ready); the result then has
   * `timedOut`.
   */
  readonly timeoutMs?: number;
  /** v86's `acpi` option: ACPI tables plus local APIC and I/O APIC (default false). */
  readonly acpi?: boolean;
}

/** What {@link runMultibootOnV86} saw. */
export interface V86RunResult {
  /** Every COM1 byte up to the end of the run. */
  readonly marks: SerialMark[];
  /**
   * The value the guest wrote to the isa-debug-exit port 0xF4 (QEMU's exit status is
   * `(value << 1) | 1`), or null when the run ended at `endByte`.
   */
  readonly exitValue: number | null;
  /** The run hit `timeoutMs` before either end condition. */
  readonly timedOut: boolean;
  /**
   * v86 itself failed (its Rust core panics on some paths it does not implement, e.g. a task
   * switch that needs #NP): the message, and the run ended there. Null otherwise.
   */
  readonly crashed: string | null;
}

/**
 * v86 internals used to take over port 0xF4 and to contain a crash of its main loop (present
 * in the 0.5 builds; each is checked at run time and skipped when absent).
 */
interface V86Internals {
  v86?: {
    cpu?: { io?: { register_write?: (port: number, device: object, w8: (v: number) => void, w16: (v: number) => void, w32: (v: number) => void) => void } };
    do_tick?: () => void;
    running?: boolean;
    bus?: { send?: (event: string) => void };
  };
}

/**
 * Boot `image` on a fresh v86 instance and resolve with every COM1 byte, each with the host time
 * and v86's instruction counter when the guest wrote it (the UART raises `serial0-output-byte`
 * synchronously from the OUT), until the guest writes `endByte` or exits through port 0xF4.
 *
 * v86 answers a write to port 0xF4 of a Multiboot guest by logging and throwing out of its
 * main loop (its own test harness convention); this function takes the port over instead and
 * ends the run there, like QEMU's isa-debug-exit. A run that reaches neither end within
 * `timeoutMs` resolves with `timedOut` and the output so far, and one where v86 itself fails
 * resolves with `crashed`. The instance is destroyed afterwards.
 */
export async function runMultibootOnV86(options: V86RunOptions): Promise<V86RunResult> {
  const avail = v86Availability();
  if (!avail.available) throw new Error(`v86 unavailable: ${avail.reason}`);
  const { V86 } = await import('v86');
  const buffer = options.image.slice().buffer;
  const emulator = new V86({
    wasm_path: avail.wasmPath,
    multiboot: { buffer },
    memory_size: options.memorySize ?? 32 << 20,
    disable_jit: options.jit === false,
    acpi: options.acpi === true,
    autostart: true,
    ...(options.cmdline !== undefined ? { cmdline: options.cmdline } : {}),
  });
  const marks: SerialMark[] = [];
  let exitValue: number | null = null;
  let timedOut = false;
  let crashed: string | null = null;
  const timeoutMs = options.timeoutMs ?? 120_000;
  try {
    await new Promise<void>((resolve) => {
      // The guest's time limit starts when v86 is ready (its wasm is compiled), not before.
      let timer = setTimeout(() => { timedOut = true; resolve(); }, Math.max(timeoutMs, 60_000));
      const done = (): void => {
        clearTimeout(timer);
        if (crashed === null) void emulator.stop();
        resolve();
      };
      emulator.add_listener('emulator-ready', () => {
        clearTimeout(timer);
        timer = setTimeout(() => { timedOut = true; resolve(); }, timeoutMs);
        const main = (emulator as unknown as V86Internals).v86;
        if (main?.do_tick !== undefined) {
          // An exception out of v86's main loop would otherwise escape from a setImmediate
          // callback and end the host process.
          const tick = main.do_tick.bind(main);
          main.do_tick = (): void => {
            try {
              tick();
            } catch (e) {
              crashed = e instanceof Error ? e.message : String(e);
              main.running = false;
              main.bus?.send?.('emulator-stopped');
              done();
            }
          };
        }
        const cpu = main?.cpu;
        const io = cpu?.io;
        if (cpu === undefined || io?.register_write === undefined) return; // a guest write to 0xF4 then throws inside v86
        const onExit = (v: number): void => {
          if (exitValue === null) {
            exitValue = v & 0xff;
            done();
          }
        };
        io.register_write(0xf4, cpu, onExit, onExit, onExit);
      });
      emulator.add_listener('serial0-output-byte', (byte: number) => {
        if (exitValue !== null) return;
        marks.push({ byte, timeMs: performance.now(), cpuMs: processCpuMs(), counter: emulator.get_instruction_counter() });
        if (byte === options.endByte) done();
      });
    });
  } finally {
    await emulator.destroy();
  }
  return { marks, exitValue, timedOut, crashed };
}
