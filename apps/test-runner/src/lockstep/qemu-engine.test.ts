import { describe, expect, test } from 'vitest';
import { runLockstep, formatLockstep } from './driver.js';
import { FaultInjectingEngine } from './fault.js';
import { gdbChecksum, gdbDecodePayload, gdbFrame, GdbPacketScanner } from './gdb-remote.js';
import { FULL_PROGRAMS, PROGRAMS } from './programs.js';
import { decoderDisassembler, decoderUndefinedFlags } from './decoder-disasm.js';
import { InterpreterEngine } from '../engines/interpreter.js';
import { runSuites } from '../runner.js';
import { findQemu, parseRegLayout, QemuGdbEngine } from './qemu-engine.js';
import { ToyEngine } from './toy-engine.js';

describe('GDB remote protocol pieces', () => {
  test('framing, checksums, RLE and escapes', () => {
    expect(gdbChecksum('g')).toBe('67');
    expect(gdbFrame('m1000,4')).toBe('$m1000,4#8e');
    expect(gdbDecodePayload('0* ')).toBe('0'.repeat(4)); // ' ' = 32 → 3 more
    expect(gdbDecodePayload('a}]b')).toBe('a}b');
    const s = new GdbPacketScanner();
    expect(s.push('+$O')).toEqual([]);
    expect(s.push('K#9a$T05thread:01;#07%Stop:x#00$bad#00')).toEqual(['OK', 'T05thread:01;', null]);
  });

  test('register layout from a target description, comments ignored', () => {
    const l = parseRegLayout(['<reg name="eax" bitsize="32"/><!-- <reg name="x" bitsize="32"/> --><reg name="st0" bitsize="80"/><reg name="eip" bitsize="32"/>']);
    expect([...l.entries()]).toEqual([['eax', [0, 4]], ['st0', [4, 10]], ['eip', [14, 4]]]);
  });
});

// Runs only where QEMU is installed; the lockstep driver itself is tested without it.
describe.skipIf(findQemu() === null)('QEMU gdbstub engine (qemu-system-i386 installed)', () => {
  test('toy engine and QEMU agree on every built-in program', async () => {
    for (const g of PROGRAMS) {
      const q = new QemuGdbEngine({ binary: findQemu()! });
      try {
        const r = await runLockstep(new ToyEngine(), q, g, { maxSteps: 1000 });
        expect(r.outcome, formatLockstep(r)).toBe('stopped');
      } finally {
        await q.close();
      }
    }
  });

  test('the interpreter and QEMU agree on every program, undefined flags resynchronised', async () => {
    for (const g of [...PROGRAMS, ...FULL_PROGRAMS]) {
      const q = new QemuGdbEngine({ binary: findQemu()! });
      try {
        const r = await runLockstep(new InterpreterEngine(), q, g, {
          maxSteps: 1000, disassembler: decoderDisassembler(), undefinedFlags: decoderUndefinedFlags(),
        });
        expect(r.outcome, formatLockstep(r)).toBe('stopped');
      } finally {
        await q.close();
      }
    }
  });

  test('our machine and QEMU run the hello guest in lockstep from the multiboot entry to isa-debug-exit', async () => {
    const r = await runSuites({ suites: ['lockstep'], dataDir: '/nonexistent', filter: 'guest/hello', options: { engines: 'machine,qemu' } });
    const c = r.suites[0].cases.find((x) => x.id === 'machine-vs-qemu/guest/hello');
    expect(c?.status, c?.message).toBe('pass');
    expect(c?.message).toMatch(/both left through isa-debug-exit after \d{4,} instructions in agreement/);
  });

  test('a fault injected into QEMU is found', async () => {
    const g = PROGRAMS.find((p) => p.name === 'fibonacci')!;
    const q = new FaultInjectingEngine(new QemuGdbEngine({ binary: findQemu()! }), { afterStep: 7, gpr: 0, xorValue: 4 });
    try {
      const r = await runLockstep(new ToyEngine(), q, g, { maxSteps: 1000 });
      expect(r.divergence?.step).toBe(7);
      expect(r.divergence?.diff).toEqual(['gpr.0: 0x0000000000000001 → 0x0000000000000005']);
    } finally {
      await q.close();
    }
  });
});
