import { describe, expect, test } from 'vitest';
import type { VirtualClock } from '@x86kit/core';
import { CpuState, type InterruptSource, type IoBus, Rflags } from '@x86kit/core';
import { IsaDebugExit, type LocalApic } from '@x86kit/devices';
import { Machine, pcDevices, StopReason, interpreterCpu, loadRaw, type MachineCpu, type DeviceSet } from './index.js';

/**
 * A scripted stand-in CPU: each "instruction" is a step function; HLT and interrupts behave
 * like the interpreter's run loop (IF, wake on INTR, handler per vector).
 */
type Op = (cpu: ScriptCpu) => void;
class ScriptCpu implements MachineCpu {
  readonly state = new CpuState();
  instret = 0;
  interrupts: InterruptSource = { hasInterrupt: () => false, acknowledge: () => 0 };
  pc = 0;
  stopRequested = false;
  readonly vectors: number[] = [];
  triple = false;
  readonly io: IoBus;
  private readonly program: Op[];
  onInterrupt: (cpu: ScriptCpu, vector: number) => void = () => {};
  constructor(io: IoBus, program: Op[]) { this.io = io; this.program = program; }
  loadFromState(): void {}
  requestStop(): void { this.stopRequested = true; }
  run(budget: number): number {
    for (let n = 0; n < budget; n++) {
      if ((this.state.rflags & Rflags.IF) !== 0 && this.interrupts.hasInterrupt()) {
        const v = this.interrupts.acknowledge();
        this.vectors.push(v);
        this.state.halted = false;
        this.onInterrupt(this, v);
      }
      if (this.state.halted) return 1;
      if (this.stopRequested) { this.stopRequested = false; return 4; }
      if (this.triple) return 2;
      const op = this.program[this.pc % this.program.length];
      this.pc++;
      this.instret++;
      op(this);
      if (this.state.halted) return 1;
    }
    return 0;
  }
}

const out = (port: number, value: number): Op => (c) => c.io.write(port, 1, value);
const hlt: Op = (c) => { c.state.halted = true; };
const sti: Op = (c) => { c.state.rflags |= Rflags.IF; };
const nop: Op = () => {};
const MB = 1024 * 1024;

function pcWith(program: Op[], opts: { serial?: number[]; devices?: DeviceSet; ram?: number; clock?: VirtualClock } = {}): { m: Machine; cpu: ScriptCpu } {
  let cpu: ScriptCpu | null = null;
  const m = new Machine({
    ramSize: opts.ram ?? 16 * MB,
    cpu: ({ io }) => (cpu = new ScriptCpu(io, program)),
    devices: opts.devices ?? pcDevices(),
    serialOut: (b) => opts.serial?.push(b),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return { m, cpu: cpu as unknown as ScriptCpu };
}

/** Program the PIC (vectors 0x20/0x28, only IRQ 0 unmasked) and the PIT at `hz`. */
function timerSetup(hz: number): Op[] {
  const div = Math.round(1193182 / hz);
  return [
    out(0x20, 0x11), out(0xa0, 0x11), out(0x21, 0x20), out(0xa1, 0x28), out(0x21, 4), out(0xa1, 2), out(0x21, 1), out(0xa1, 1),
    out(0x21, 0xfe), out(0xa1, 0xff), out(0x43, 0x34), out(0x40, div & 0xff), out(0x40, div >> 8), sti,
  ];
}

describe('Machine', () => {
  test('COM1 output and isa-debug-exit status (value << 1) | 1', () => {
    const serial: number[] = [];
    const { m } = pcWith([out(0x3f8, 0x68), out(0x3f8, 0x69), out(0xf4, 0x10), hlt], { serial });
    const r = m.run();
    expect(r.reason).toBe(StopReason.DebugExit);
    expect(r.exitStatus).toBe(0x21);
    expect(String.fromCharCode(...serial)).toBe('hi');
    expect(r.instructions).toBe(3);
    expect(m.counters()['com1.txBytes'] ?? serial.length).toBe(2);
  });

  test('HLT with IF=1 skips idle time to the PIT deadline; IRQ 0 arrives as vector 0x20', () => {
    const { m, cpu } = pcWith([...timerSetup(100), hlt, (c) => { if (c.vectors.length >= 5) c.io.write(0xf4, 1, 0); }, (c) => { c.pc -= 3; }]);
    cpu.onInterrupt = (c) => c.io.write(0x20, 1, 0x20); // EOI
    const r = m.run({ maxInstructions: 1_000_000 });
    expect(r.reason).toBe(StopReason.DebugExit);
    expect(cpu.vectors.slice(0, 5)).toEqual([0x20, 0x20, 0x20, 0x20, 0x20]);
    expect(r.instructions).toBeLessThan(100);
    expect(r.idleSkips).toBeGreaterThanOrEqual(5);
    expect(r.virtualNs).toBeGreaterThanOrEqual(40e6);     // 5 ticks at 100 Hz ≈ 50 ms
    expect(r.virtualNs).toBeLessThan(60e6);
  });

  test('deterministic: the same program gives the same instruction count, time and vectors', () => {
    const run = (): [number, number, number[]] => {
      const prog = [...timerSetup(1000), ...Array<Op>(500).fill(nop), (c: ScriptCpu) => { if (c.vectors.length >= 3) c.io.write(0xf4, 1, 0); else c.pc -= 2; }];
      const { m, cpu } = pcWith(prog);
      cpu.onInterrupt = (c) => c.io.write(0x20, 1, 0x20);
      const r = m.run({ maxInstructions: 10_000_000 });
      return [r.instructions, r.virtualNs, cpu.vectors];
    };
    const a = run();
    expect(a).toEqual(run());
    expect(a[2]).toEqual([0x20, 0x20, 0x20]);
  });

  test('HLT with IF=0 stops with a clear reason; instruction limit; triple fault', () => {
    expect(pcWith([nop, hlt]).m.run().reason).toBe(StopReason.HaltedForever);
    const limited = pcWith([nop]).m.run({ maxInstructions: 12345 });
    expect(limited).toMatchObject({ reason: StopReason.InstructionLimit, instructions: 12345 });
    const t = pcWith([nop]);
    t.cpu.triple = true;
    expect(t.m.run().reason).toBe(StopReason.TripleFault);
  });

  test('timeout uses the host clock', () => {
    let t = 0;
    const r = pcWith([nop]).m.run({ timeoutMs: 1000, hostNowMs: () => (t += 100) });
    expect(r.reason).toBe(StopReason.Timeout);
  });

  test('port 0x92: A20 gate and fast reset; 0xCF9 reset', () => {
    const { m } = pcWith([out(0x92, 0x00), hlt]);
    m.memory.write8(0x100000, 0x5a);
    m.memory.write8(0, 0x11);
    expect(m.run().reason).toBe(StopReason.HaltedForever);
    expect(m.memory.read8(0x100000)).toBe(0x11); // wraps to 0 with A20 off
    expect(pcWith([out(0x92, 0x03), hlt]).m.run()).toMatchObject({ reason: StopReason.Reset, detail: expect.stringContaining('0x92') as unknown });
    expect(pcWith([out(0xcf9, 0x06), hlt]).m.run().reason).toBe(StopReason.Reset);
  });

  test("onReset 'restart': resets (0xCF9, 0x92, i8042 0xFE, triple fault) restart the CPU at its boot state; 'stop' is the default", () => {
    // A CPU whose loadFromState() restarts its script: the machine calls it after every reset.
    class RestartingCpu extends ScriptCpu {
      loads = 0;
      override loadFromState(): void { this.loads++; this.pc = 0; this.triple = false; }
    }
    let boots = 0;
    const eipAtBoot: number[] = [];
    const program: Op[] = [
      (c) => { boots++; eipAtBoot.push(c.state.eip); },
      (c) => {
        if (boots === 1) c.io.write(0xcf9, 1, 0x06);        // reset control register: hard reset
        else if (boots === 2) c.io.write(0x92, 1, 0x01);    // port 92: fast reset
        else if (boots === 3) c.io.write(0x64, 1, 0xfe);    // i8042: pulse the reset line
        else if (boots === 4) (c as RestartingCpu).triple = true;
        else c.io.write(0xf4, 1, 0);                         // done: debug exit
      },
      nop,
    ];
    let cpu: RestartingCpu | null = null;
    const m = new Machine({ ramSize: 16 * MB, cpu: ({ io }) => (cpu = new RestartingCpu(io, program)), devices: pcDevices(), onReset: 'restart' });
    m.start({ mode: 1, entry: 0x100000, cs: 0x08, ds: 0x10, gdt: null, regs: { eax: 0x2badb002 }, notes: [] });
    const r = m.run({ maxInstructions: 1000 });
    expect(r).toMatchObject({ reason: StopReason.DebugExit, exitStatus: 1, resets: 4 });
    expect(boots).toBe(5);
    expect(eipAtBoot).toEqual([0x100000, 0x100000, 0x100000, 0x100000, 0x100000]);
    expect((cpu as unknown as RestartingCpu).loads).toBe(5);  // start() + 4 restarts
    expect(m.cpu.state.get32(0)).toBe(0x2badb002);             // the boot registers again

    // A reload callback re-enters at the state it returns; a firmware boot restarts at F000:FFF0.
    let reloads = 0;
    const m2 = new Machine({
      ramSize: 16 * MB, cpu: ({ io }) => new RestartingCpu(io, [(c) => { if (c.state.eip === 0x200000) c.io.write(0xf4, 1, 1); else c.io.write(0xcf9, 1, 0x06); }]),
      devices: pcDevices(), onReset: 'restart',
      reload: () => { reloads++; return { mode: 1, entry: 0x200000, cs: 0x08, ds: 0x10, gdt: null, regs: {}, notes: [] }; },
    });
    m2.start({ mode: 1, entry: 0x100000, cs: 0x08, ds: 0x10, gdt: null, regs: {}, notes: [] });
    expect(m2.run({ maxInstructions: 100 })).toMatchObject({ reason: StopReason.DebugExit, exitStatus: 3, resets: 1 });
    expect(reloads).toBe(1);
    const m3 = new Machine({ ramSize: 16 * MB, cpu: ({ io }) => new RestartingCpu(io, [(c) => c.io.write(0xcf9, 1, 0x06)]), devices: pcDevices(), onReset: 'restart' });
    m3.cpu.state.eip = 0x1234;
    const r3 = m3.run({ maxInstructions: 50 });
    expect(r3.reason).toBe(StopReason.InstructionLimit);             // resets forever, bounded by the limit
    expect(r3.resets).toBe(50);
    expect(m3.cpu.state.eip).toBe(0xfff0);
    expect(m3.cpu.state.segSel[1]).toBe(0xf000);
    expect(m3.cpu.state.segBase[2]).toBe(0xffff0000 | 0);

    // default: the run ends
    expect(pcWith([out(0xcf9, 0x06), hlt]).m.run()).toMatchObject({ reason: StopReason.Reset, resets: 0 });
    expect(() => new Machine({ ramSize: 16 * MB, cpu: ({ io }) => new ScriptCpu(io, [nop]), devices: pcDevices(), onReset: 'reboot' as 'stop' })).toThrow(/onReset/);
  });

  test("onReset 'restart' with the interpreter: a 0xCF9 reset and a triple fault re-enter the program, RAM kept", () => {
    // flat 32-bit at 0x100000: count boots at 0x101000; boot 1 resets through 0xCF9, boot 2
    // triple-faults (INT3 with a zero-limit IDT), boot 3 leaves through isa-debug-exit (value 5).
    const code = Uint8Array.of(
      0xff, 0x05, 0x00, 0x10, 0x10, 0x00,       // inc dword [0x101000]
      0xa1, 0x00, 0x10, 0x10, 0x00,             // mov eax, [0x101000]
      0x83, 0xf8, 0x01, 0x74, 0x0a,             // cmp eax, 1; je first
      0x83, 0xf8, 0x02, 0x74, 0x0d,             // cmp eax, 2; je second
      0xb0, 0x05, 0xe6, 0xf4, 0xf4,             // mov al, 5; out 0xf4, al; hlt
      0x66, 0xba, 0xf9, 0x0c, 0xb0, 0x06, 0xee, 0xf4, // first: mov dx, 0xcf9; mov al, 6; out dx, al; hlt
      0x0f, 0x01, 0x1d, 0x2c, 0x00, 0x10, 0x00, 0xcc, 0xf4, // second: lidt [idtr0]; int3; hlt
      0x90, 0, 0, 0, 0, 0, 0,                   // idtr0 at +0x2c: limit 0, base 0
    );
    const run = (onReset: 'stop' | 'restart') => {
      const m = new Machine({ ramSize: 16 * MB, cpu: interpreterCpu(), devices: pcDevices(), onReset });
      m.start(loadRaw(m.memory, code, 0x100000));
      return { m, r: m.run({ maxInstructions: 100_000 }) };
    };
    const { m, r } = run('restart');
    expect(r).toMatchObject({ reason: StopReason.DebugExit, exitStatus: 11, resets: 2 });
    expect(m.memory.read32(0x101000)).toBe(3);
    const stop = run('stop');
    expect(stop.r).toMatchObject({ reason: StopReason.Reset, resets: 0 });
    expect(stop.m.memory.read32(0x101000)).toBe(1);
  });

  test('the interpreter CPU reads and writes IA32_APIC_BASE through the PC local APIC', () => {
    const code = Uint8Array.of(
      0xb9, 0x1b, 0x00, 0x00, 0x00,             // mov ecx, 0x1b
      0x0f, 0x32, 0xa3, 0x00, 0x10, 0x10, 0x00, // rdmsr; mov [0x101000], eax
      0x25, 0xff, 0xf7, 0xff, 0xff, 0x0f, 0x30, // and eax, ~0x800 (EN); wrmsr
      0x0f, 0x32, 0xa3, 0x04, 0x10, 0x10, 0x00, // rdmsr; mov [0x101004], eax
      0xb0, 0x00, 0xe6, 0xf4, 0xf4,             // mov al, 0; out 0xf4, al; hlt
    );
    const m = new Machine({ ramSize: 16 * MB, cpu: interpreterCpu(), devices: pcDevices() });
    m.start(loadRaw(m.memory, code, 0x100000));
    expect(m.run({ maxInstructions: 1000 })).toMatchObject({ reason: StopReason.DebugExit, exitStatus: 1 });
    expect(m.memory.read32(0x101000)).toBe(0xfee00900); // base, EN, BSP
    expect(m.memory.read32(0x101004)).toBe(0xfee00100); // EN cleared: the APIC is globally disabled
    const lapic = m.devices.lapic as LocalApic;
    expect(lapic.hardwareEnabled).toBe(false);
  });

  test('PC device set: ACPI PM timer follows virtual time, fw_cfg signature, CMOS memory size', () => {
    const { m } = pcWith([nop], { ram: 64 * MB });
    const t0 = m.io.read(0x608, 4);
    m.run({ maxInstructions: 1_000_000 });                 // 1 ms of virtual time
    const ticks = (m.io.read(0x608, 4) - t0) & 0xffffff;
    expect(ticks).toBeGreaterThanOrEqual(3579);          // 3.579545 MHz
    expect(ticks).toBeLessThanOrEqual(3581);
    m.io.write(0x510, 2, 0);                              // FW_CFG_SIGNATURE
    expect(String.fromCharCode(...[0, 1, 2, 3].map(() => m.io.read(0x511, 1)))).toBe('QEMU');
    m.io.write(0x70, 1, 0x30);
    const lo = m.io.read(0x71, 1);
    m.io.write(0x70, 1, 0x31);
    expect(lo | (m.io.read(0x71, 1) << 8)).toBe(63 * 1024);
  });

  test('ACPI S5: SLP_TYP 5 | SLP_EN written to PM1a_CNT powers off; other sleep types do not', () => {
    const io16 = (port: number, value: number): Op => (c) => c.io.write(port, 2, value);
    expect(pcWith([io16(0x604, 0x0400 | 0x2000), nop, io16(0x604, 0x1400 | 0x2000), hlt]).m.run())
      .toMatchObject({ reason: StopReason.PowerOff, instructions: 3 });
    const { m } = pcWith([nop]);
    expect(m.io.read(0x604, 2) & 1).toBe(1);             // SCI_EN: ACPI mode (no SMI_CMD)
    m.io.write(0x600, 2, 0xffff);
    expect(m.io.read(0x600, 2)).toBe(0);
  });

  test('3 GiB of guest RAM costs only what is touched', () => {
    const { m } = pcWith([hlt], { ram: 3 * 1024 * MB });
    m.memory.write32(0xbffff000, 0xdeadbeef);
    expect(m.memory.read32(0xbffff000)).toBe(0xdeadbeef);
    expect(m.memory.allocatedBytes).toBeLessThanOrEqual(2 * MB);
    expect(() => pcWith([hlt], { ram: 4 * 1024 * MB })).toThrow(/3 GiB/);
  });

  test('a custom device set: only a debug-exit port at 0x501', () => {
    const custom: DeviceSet = (ctx) => {
      ctx.io.map(0x501, 1, new IsaDebugExit({ onExit: (s) => ctx.requestExit(s) }));
      return { interrupts: { hasInterrupt: () => false, acknowledge: () => 0 }, devices: {}, counters: () => ({ 'custom.ports': 1 }) };
    };
    const { m } = pcWith([out(0x3f8, 0x41), out(0x501, 2)], { devices: custom });
    expect(m.run()).toMatchObject({ reason: StopReason.DebugExit, exitStatus: 5 });
    expect(m.io.isMapped(0x3f8)).toBe(false);
    expect(m.counters()['custom.ports']).toBe(1);
  });
});
