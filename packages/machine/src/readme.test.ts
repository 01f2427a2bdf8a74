// The README's usage example, run as a test.
import { expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Machine, interpreterCpu, pcDevices, pcE820, loadGuestImage, StopReason } from './index.js';

test('README example: boot the hello guest on the interpreter', () => {
  const image = new Uint8Array(readFileSync(fileURLToPath(new URL('../../../guests/bin/hello.elf', import.meta.url))));
  // --- README example start ---
  let serial = '';
  const machine = new Machine({
    ramSize: 64 * 1024 * 1024,
    cpu: interpreterCpu(),
    devices: pcDevices(),                          // QEMU-compatible PC: PIC, PIT, RTC, COM1, i8042, debug-exit
    serialOut: (byte) => { serial += String.fromCharCode(byte); },
  });
  const { boot } = loadGuestImage(machine.memory, image, { name: 'hello.elf', cmdline: 'hello.elf', memoryMap: pcE820(machine.ramSize) });
  machine.start(boot);
  const result = machine.run({ maxInstructions: 10_000_000 });
  console.log(result.reason, result.exitStatus, result.instructions); // "debug-exit" 1 ...
  // --- README example end ---
  expect(result.reason).toBe(StopReason.DebugExit);
  expect(result.exitStatus).toBe(1);
  expect(serial).toContain('Hello from an x86kit multiboot guest!');
  expect(serial).toContain('SUMMARY: 6 passed, 0 failed');
});

test('deterministic: two runs of the timer guest retire the same instructions and print the same bytes', () => {
  const image = new Uint8Array(readFileSync(fileURLToPath(new URL('../../../guests/bin/timer.elf', import.meta.url))));
  const once = (): [number, number, string] => {
    let serial = '';
    const m = new Machine({ ramSize: 32 * 1024 * 1024, cpu: interpreterCpu(), devices: pcDevices(), serialOut: (b) => { serial += String.fromCharCode(b); } });
    m.start(loadGuestImage(m.memory, image, { memoryMap: pcE820(m.ramSize) }).boot);
    const r = m.run({ maxInstructions: 50_000_000 });
    return [r.instructions, r.virtualNs, serial];
  };
  const a = once();
  expect(a[2]).toContain('SUMMARY: 7 passed, 0 failed');
  expect(once()).toEqual(a);
});
