import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { Cr0, Exc, IoBus, PhysicalMemoryBus, Rflags, Seg, type InterruptSource, type PortIoDevice } from '@x86kit/core';
import { Cpu, ExitKind, InsnClass, RunStatus } from './index.js';
import { VirtClass, codeNames } from '@x86kit/decoder';
import { PM_GUEST_HEX } from './__fixtures__/pm-guest.js';
import { TASK_GUEST_HEX } from './__fixtures__/task-guest.js';
import { V86_GUEST_HEX } from './__fixtures__/v86-guest.js';

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
function realMachine(code: number[] | Uint8Array, at = 0x7c00): { bus: PhysicalMemoryBus; cpu: Cpu; io: IoBus } {
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, 16 << 20);
  bus.load(at, Uint8Array.from(code));
  const io = new IoBus();
  const cpu = new Cpu({ memory: bus, io });
  cpu.loadSegReal(Seg.CS, 0);
  cpu.loadSegReal(Seg.SS, 0);
  cpu.setReg(4, 4, 0x7000);
  cpu.eip = at;
  return { bus, cpu, io };
}

describe('protected mode guest (pm-guest.asm)', () => {
  it('switches modes, changes privilege through gates, takes #GP and #PF with error codes', () => {
    const { cpu } = realMachine(hex(PM_GUEST_HEX));
    const status = cpu.run(100_000);
    expect(status).toBe(RunStatus.Halted);
    const g = (r: number): number => cpu.getReg(4, r);
    expect(g(0)).toBe(0xabcd); // EAX: the value written after the #PF was fixed
    expect(g(3)).toBe(0x1235); // EBX: INT 0x80 handler result
    expect(g(1)).toBe(0); // ECX: LOOP counter after filling the page table
    expect(g(6)).toBe(0x8800); // ESI: user ESP pushed by the ring-3 → ring-0 gate
    expect(g(7)).toBe(0); // EDI: #GP error code of CLI at CPL 3
    expect(g(2)).toBe(0x300000); // EDX: CR2 read by the #PF handler
    expect(g(5)).toBe(2); // EBP: #PF error code (write, not present, supervisor)
    expect(cpu.state.segSel[Seg.CS]).toBe(8);
    expect(cpu.cpl).toBe(0);
    expect(cpu.state.cr0 & Cr0.PG).not.toBe(0);
    expect(cpu.counters.exceptions[Exc.GP]).toBe(1);
    expect(cpu.counters.exceptions[Exc.PF]).toBe(1);
    expect(cpu.counters.softwareInterrupts).toBe(2);
  });

  it('snapshot/restore round-trips mid-run and resumes identically', () => {
    const a = realMachine(hex(PM_GUEST_HEX));
    a.cpu.run(40); // somewhere in protected mode
    const snap = a.cpu.snapshot();
    const b = realMachine(hex(PM_GUEST_HEX));
    // same memory contents: replay memory by running a to the same point is not needed; copy RAM
    const page = new Uint8Array(0x400000);
    a.bus.readBytes(0, page);
    b.bus.writeBytes(0, page);
    b.cpu.restore(JSON.parse(JSON.stringify(snap)) as typeof snap);
    expect(a.cpu.run(100_000)).toBe(RunStatus.Halted);
    expect(b.cpu.run(100_000)).toBe(RunStatus.Halted);
    expect(b.cpu.state.snapshot()).toEqual(a.cpu.state.snapshot());
    expect(b.cpu.instret).toBe(a.cpu.instret);
  });
});

describe('hardware task switching (task-guest.asm)', () => {
  it('CALL to a TSS nests (NT, back link, busy bits) and IRET returns to the caller', () => {
    const { bus, cpu } = realMachine(hex(TASK_GUEST_HEX));
    expect(cpu.run(1000)).toBe(RunStatus.Halted);
    expect(cpu.getReg(4, 0)).toBe(0x1111); // task A's EAX restored from its TSS
    expect(cpu.getReg(4, 1)).toBe(0x2222); // task B's EAX as saved in TSS B
    expect(cpu.getReg(2, 2)).toBe(0x18); // TR is task A again
    expect(bus.read32(0x7f00 + 0x40) & Rflags.NT).not.toBe(0); // B ran with NT = 1 (saved ESI)
    expect(bus.read32(0x7f00 + 0x44)).toBe(0x18); // B's back link (saved EDI)
    expect(bus.read32(0x7f00 + 0x24) & Rflags.NT).toBe(0); // IRET cleared NT in B's saved EFLAGS
    expect(cpu.state.cr0 & Cr0.TS).not.toBe(0);
    expect((cpu.state.segAttr[7] & 0xf)).toBe(0xb); // TR busy 32-bit TSS
  });
});

describe('virtual-8086 mode (v86-guest.asm)', () => {
  it('IRETD enters V86; I/O bitmap, IOPL-sensitive INT n and HLT fault to the ring-0 handler', () => {
    const { cpu } = realMachine(hex(V86_GUEST_HEX));
    expect(cpu.run(10_000)).toBe(RunStatus.Halted);
    expect(cpu.getReg(2, 5)).toBe(0x12ff); // IN AL,0x80 allowed (unmapped port reads 0xff), kept in BP
    expect(cpu.getReg(2, 1)).toBe(0x99); // execution went on after the skipped INT 0x21
    expect(cpu.getReg(4, 7)).toBe(3); // three #GP(0): IN 0x81, INT 0x21, HLT
    expect(cpu.getReg(4, 6) & Rflags.VM).not.toBe(0); // pushed EFLAGS image had VM = 1
    expect(cpu.vm).toBe(false);
    expect(cpu.cpl).toBe(0);
    expect(cpu.getReg(4, 2)).toBe(0); // the V86 GS image pushed on entry to ring 0
    expect(cpu.counters.exceptions[Exc.GP]).toBe(3);
  });
});

describe('events', () => {
  it('HLT wakes on an interrupt and vectors through the IVT', () => {
    // IVT[0x20] = 0000:0x7d00; handler: mov bx,0x77; iret. Main: sti; hlt; mov cx,0x99; hlt
    const { bus, cpu } = realMachine([0xfb, 0xf4, 0xb9, 0x99, 0x00, 0xf4]);
    bus.load(0x20 * 4, Uint8Array.of(0x00, 0x7d, 0x00, 0x00));
    bus.load(0x7d00, Uint8Array.of(0xbb, 0x77, 0x00, 0xcf));
    let pending = false;
    const src: InterruptSource = { hasInterrupt: () => pending, acknowledge: () => { pending = false; return 0x20; } };
    cpu.interrupts = src;
    expect(cpu.run(100)).toBe(RunStatus.Halted);
    expect(cpu.state.halted).toBe(true);
    expect(cpu.run(100)).toBe(RunStatus.Halted); // still nothing pending
    pending = true;
    expect(cpu.run(100)).toBe(RunStatus.Halted);
    expect(cpu.getReg(2, 3)).toBe(0x77);
    expect(cpu.getReg(2, 1)).toBe(0x99);
    expect(cpu.counters.externalInterrupts).toBe(1);
  });

  it('an execution breakpoint (DR0/DR7) raises #DB before the instruction; RF in the image lets it run', () => {
    // main: inc ax; inc bx; hlt. #DB handler at 0x7d00: mov cx,0x55; iret (real mode: no RF, so disable DR7 in the handler)
    const { bus, cpu } = realMachine([0x40, 0x43, 0xf4]);
    bus.load(1 * 4, Uint8Array.of(0x00, 0x7d, 0x00, 0x00));
    // handler: mov cx,0x55; xor dx,dx; mov dr7,edx (0f 23 fa); iret
    bus.load(0x7d00, Uint8Array.of(0xb9, 0x55, 0x00, 0x31, 0xd2, 0x66, 0x0f, 0x23, 0xfa, 0xcf));
    cpu.state.dr[0] = 0x7c01; // the INC BX
    cpu.state.dr[14] = 0x401; // L0, R/W0 = execute, LEN0 = 1
    expect(cpu.run(100)).toBe(RunStatus.Halted);
    expect(cpu.getReg(2, 1)).toBe(0x55);
    expect(cpu.getReg(2, 0)).toBe(1);
    expect(cpu.getReg(2, 3)).toBe(1); // INC BX ran once, after the handler
    expect(cpu.state.dr[12] & 1).toBe(1); // DR6.B0
    expect(cpu.counters.exceptions[Exc.DB]).toBe(1);
  });

  it('STI and MOV SS inhibit interrupts for one instruction', () => {
    // cli is off; sti; inc ax; hlt  -- the interrupt must come after INC (shadow), not before
    const { bus, cpu } = realMachine([0xfb, 0x40, 0xf4]);
    bus.load(0x20 * 4, Uint8Array.of(0x00, 0x7d, 0x00, 0x00));
    bus.load(0x7d00, Uint8Array.of(0x89, 0xc3, 0xcf)); // mov bx,ax; iret
    let pending = true;
    cpu.interrupts = { hasInterrupt: () => pending, acknowledge: () => { pending = false; return 0x20; } };
    cpu.run(100);
    expect(cpu.getReg(2, 3)).toBe(1); // INC ran before the handler
  });

  it('a fault with no usable IDT ends in a triple fault, reported to the host', () => {
    // protected mode with an empty IDT: #UD → #GP (IDT limit) → #DF → shutdown
    const { cpu } = realMachine([0x0f, 0x0b]);
    cpu.state.cr0 |= Cr0.PE;
    cpu.state.idtrLimit = 0;
    cpu.loadFromState();
    expect(cpu.run(10)).toBe(RunStatus.TripleFault);
    expect(cpu.counters.tripleFaults).toBe(1);
  });

  it('REP MOVSB is resumable: interrupted mid-way, it completes with the right count', () => {
    // ds=es=0, si=0x8000, di=0x9000, cx=100: rep movsb; hlt
    const { bus, cpu } = realMachine([0xf3, 0xa4, 0xf4]);
    for (let i = 0; i < 100; i++) bus.write8(0x8000 + i, i + 1);
    cpu.setReg(2, 6, 0x8000); cpu.setReg(2, 7, 0x9000); cpu.setReg(2, 1, 100);
    expect(cpu.run(30)).toBe(RunStatus.BudgetExhausted);
    expect(cpu.getReg(2, 1)).toBe(70);
    expect(cpu.eip).toBe(0x7c00);
    expect(cpu.run(1000)).toBe(RunStatus.Halted);
    expect(cpu.getReg(2, 1)).toBe(0);
    for (let i = 0; i < 100; i++) expect(bus.read8(0x9000 + i)).toBe(i + 1);
    expect(cpu.instret).toBe(2);
  });
});

describe('intercepts and counters', () => {
  it('CPUID intercept exits before executing; off by default', () => {
    const { cpu } = realMachine([0x66, 0x31, 0xc0, 0x0f, 0xa2, 0xf4]); // xor eax,eax; cpuid; hlt
    cpu.interceptClasses = 1 << InsnClass.Cpuid;
    expect(cpu.run(10)).toBe(RunStatus.Intercept);
    expect(cpu.exit.kind).toBe(ExitKind.Instruction);
    expect(cpu.exit.code).toBe(InsnClass.Cpuid);
    expect(cpu.eip).toBe(0x7c03);
    cpu.interceptClasses = 0;
    expect(cpu.run(10)).toBe(RunStatus.Halted);
    expect(cpu.getReg(4, 3)).toBe(0x756e6547); // "Genu"
    expect(cpu.countersSnapshot()['class.cpuid']).toBe(2);
  });

  it('virtualization-class intercepts use the decoder: POPF/PUSHF (sensitive, unprivileged) exit', () => {
    // nop; pushf; hlt
    const { cpu } = realMachine([0x90, 0x9c, 0xf4]);
    cpu.interceptVirtClasses = VirtClass.SENSITIVE;
    expect(cpu.run(10)).toBe(RunStatus.Intercept);
    expect(cpu.exit.kind).toBe(ExitKind.VirtClass);
    expect(cpu.exit.code & VirtClass.SENSITIVE).not.toBe(0);
    expect(codeNames[cpu.exit.opcode]).toMatch(/^Pushf/);
    expect(cpu.eip).toBe(0x7c01);
    expect(cpu.instret).toBe(1);
    cpu.skipVirtIntercept = true; // the monitor lets it run once
    expect(cpu.run(10)).toBe(RunStatus.Halted);
    expect(cpu.instret).toBe(3);
  });

  it('MMIO devices see the access width of the instruction (one 32-bit access, not four bytes)', () => {
    const seen: string[] = [];
    const { bus, cpu } = realMachine([0x66, 0x89, 0x07, 0x66, 0x8b, 0x0f, 0xf4]); // mov [bx],eax; mov ecx,[bx]; hlt
    bus.mapMmio(0x100000 - 0x1000, 0x1000, {
      readMmio: (o, size) => { seen.push(`r${size}@${o.toString(16)}`); return 0x12345678; },
      writeMmio: (o, size, v) => { seen.push(`w${size}@${o.toString(16)}=${v.toString(16)}`); },
    });
    cpu.loadSegReal(Seg.DS, 0xf000);
    cpu.setReg(2, 3, 0xf0f0);
    cpu.setReg(4, 0, 0xcafebabe);
    expect(cpu.run(10)).toBe(RunStatus.Halted);
    expect(seen).toEqual(['w4@f0=cafebabe', 'r4@f0']);
    expect(cpu.getReg(4, 1)).toBe(0x12345678);
  });

  it('port intercepts and port I/O reach the IoBus', () => {
    const writes: number[] = [];
    const dev: PortIoDevice = { readPort: () => 0x5a, writePort: (_o, _s, v) => { writes.push(v); } };
    const { cpu, io } = realMachine([0xb0, 0x41, 0xe6, 0x80, 0xe4, 0x81, 0xf4]); // mov al,0x41; out 0x80,al; in al,0x81; hlt
    io.map(0x80, 2, dev);
    const map = new Uint8Array(8192);
    map[0x81 >>> 3] |= 1 << (0x81 & 7);
    cpu.interceptPorts = map;
    expect(cpu.run(10)).toBe(RunStatus.Intercept);
    expect(cpu.exit.kind).toBe(ExitKind.IoPort);
    expect(cpu.exit.code).toBe(0x81);
    expect(writes).toEqual([0x41]);
    cpu.interceptPorts = null;
    expect(cpu.run(10)).toBe(RunStatus.Halted);
    expect(cpu.getReg(1, 0)).toBe(0x5a);
    expect(cpu.counters.ioWrites).toBe(1);
    expect(cpu.counters.ioReads).toBe(1);
  });

  it('RDTSC reads the virtual clock (deterministic: advances with retired instructions)', () => {
    const { cpu } = realMachine([0x0f, 0x31, 0x66, 0x89, 0xc3, 0x90, 0x90, 0x0f, 0x31, 0xf4]);
    cpu.run(100);
    const t0 = cpu.getReg(4, 3), t1 = cpu.getReg(4, 0);
    expect(t1 - t0).toBe(4);
  });

  it('an unimplemented opcode raises #UD in the guest and is counted', () => {
    const { bus, cpu } = realMachine([0x0f, 0x58, 0xc0]); // addps xmm0, xmm0 (SSE not implemented)
    bus.load(6 * 4, Uint8Array.of(0x00, 0x7d, 0x00, 0x00));
    bus.load(0x7d00, Uint8Array.of(0xf4));
    expect(cpu.run(10)).toBe(RunStatus.Halted);
    expect(cpu.counters.exceptions[Exc.UD]).toBe(1);
    expect(cpu.counters.unimplemented[0x158]).toBe(1);
  });
});

describe('robustness', () => {
  fcTest.prop([fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.boolean()], { numRuns: 150 })(
    'garbage code never makes the host throw',
    (bytes, prot) => {
      const { cpu } = realMachine(bytes);
      if (prot) {
        cpu.state.cr0 |= Cr0.PE;
        cpu.loadFromState();
      }
      const status = cpu.run(200);
      return status >= RunStatus.BudgetExhausted && status <= RunStatus.Stopped && (cpu.getFlags() & Rflags.FIXED1) !== 0;
    },
  );
});
