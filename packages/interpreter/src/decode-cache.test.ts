/**
 * The per-physical-page decode cache and self-modifying code: every way of writing a cached
 * instruction (a store by the CPU into the same page or into the very next instruction, a store
 * into the second page of a page-crossing instruction, bus/DMA/loader writes, a store through a
 * second linear alias under paging) makes the new bytes execute, as on a P6-class CPU
 * (Intel SDM Vol. 3A, 11.6 "Self-Modifying Code").
 */
import { describe, expect, it } from 'vitest';
import { Cr0, PhysicalMemoryBus, Seg, SegAttr, type InterruptSource, type MmioDevice } from '@x86kit/core';
import { Cpu, RunStatus } from './index.js';

/** A real-mode CPU with `code` at 0:at, SS:SP = 0:0x7000 (stack on another page). */
function real(code: number[], at = 0x7c00): { bus: PhysicalMemoryBus; cpu: Cpu } {
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, 1 << 20);
  bus.load(at, Uint8Array.from(code));
  const cpu = new Cpu({ memory: bus });
  cpu.loadSegReal(Seg.CS, 0);
  cpu.loadSegReal(Seg.SS, 0);
  cpu.loadSegReal(Seg.DS, 0);
  cpu.setReg(2, 4, 0x7000);
  cpu.eip = at;
  return { bus, cpu };
}
function runFrom(cpu: Cpu, eip: number): RunStatus {
  cpu.state.halted = false;
  cpu.eip = eip;
  return cpu.run(10_000);
}
const al = (cpu: Cpu): number => cpu.getReg(1, 0);

describe('decode cache', () => {
  it('decodes an instruction once and reuses the record', () => {
    // 7c00: mov al,1 ; inc al ; hlt
    const { cpu } = real([0xb0, 0x01, 0xfe, 0xc0, 0xf4]);
    expect(cpu.run(100)).toBe(RunStatus.Halted);
    const decodes = cpu.decodes;
    expect(decodes).toBe(3);
    for (let i = 0; i < 5; i++) expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(cpu.decodes).toBe(decodes);
    expect(al(cpu)).toBe(2);
    expect(cpu.instret).toBe(18);
  });

  it('SMC on the same page: a store into a cached instruction takes effect', () => {
    const code = new Array<number>(0x20).fill(0x90);
    code.splice(0, 3, 0xb0, 0x11, 0xf4); // 7c00: mov al,0x11 ; hlt
    // 7c10: mov byte [0x7c01],0x22 ; jmp 0x7c00
    code.splice(0x10, 7, 0xc6, 0x06, 0x01, 0x7c, 0x22, 0xeb, 0xe9);
    const { cpu } = real(code);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x11);
    expect(runFrom(cpu, 0x7c10)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x22);
  });

  it('SMC of the next instruction: a store into the instruction right after it is seen (cached or not)', () => {
    // 7c00: mov [0x7c05],bl ; 7c04: mov al,imm8 (imm at 7c05) ; 7c06: hlt
    const { cpu } = real([0x88, 0x1e, 0x05, 0x7c, 0xb0, 0x00, 0xf4]);
    cpu.setReg(1, 3, 0x33);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x33);
    // now every instruction is cached; the store must still change the next one
    cpu.setReg(1, 3, 0x66);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x66);
    expect(cpu.instret).toBe(6);
  });

  it('an instruction crossing a page boundary sees a store into its second page', () => {
    // 7ffd: mov ax,imm16 (b8 lo hi: hi at 0x7fff, ... ) -> put the immediate across the boundary
    // 7ffe: b8 | 7fff: lo | 8000: hi | 8001: hlt
    const { cpu, bus } = real([0xb8, 0x34, 0x12, 0xf4], 0x7ffe);
    expect(runFrom(cpu, 0x7ffe)).toBe(RunStatus.Halted);
    expect(cpu.getReg(2, 0)).toBe(0x1234);
    // a CPU store into the second page (DS:0x8000)
    bus.load(0x7c00, Uint8Array.of(0xc6, 0x06, 0x00, 0x80, 0x56, 0xe9, 0xf6, 0x03)); // mov byte [0x8000],0x56 ; jmp 0x7ffe
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(cpu.getReg(2, 0)).toBe(0x5634);
    // and a bus write into the first page
    bus.write8(0x7fff, 0x78);
    expect(runFrom(cpu, 0x7ffe)).toBe(RunStatus.Halted);
    expect(cpu.getReg(2, 0)).toBe(0x5678);
  });

  it('code modified from outside the CPU (device DMA, loader, bus writes) runs as written', () => {
    const { cpu, bus } = real([0xb0, 0x01, 0xf4]);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(1);
    bus.write8(0x7c01, 2);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(2);
    bus.writeBytes(0x7c00, Uint8Array.of(0xb0, 0x03)); // DMA-style block write
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(3);
    bus.load(0x7c00, Uint8Array.of(0xb0, 0x04, 0xf4));
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(4);
    bus.write16(0x7c00, 0x05b0);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(5);
    bus.write32(0x7c00, 0x90f406b0); // mov al,6 ; hlt ; nop
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(6);
  });

  it('data stored next to code (other 128-byte lines of the page) does not drop the decoded page', () => {
    // 7c00: push ax ; pop ax ; mov [0x7f00],al ; hlt   with the stack at 0x7e00 on the same page
    const { cpu } = real([0x50, 0x58, 0xa2, 0x00, 0x7f, 0xf4]);
    cpu.setReg(2, 4, 0x7e00);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    const decodes = cpu.decodes;
    for (let i = 0; i < 3; i++) expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(cpu.decodes).toBe(decodes);
  });

  it('paging: a store through one linear alias invalidates code run through another', () => {
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 4 << 20);
    // page directory at 0x1000, one page table at 0x2000: identity map the first 4 MiB, and
    // linear 0x00400000 → physical 0x5000 (the code page) as a second alias
    bus.write32(0x1000, 0x2000 | 3);
    bus.write32(0x1004, 0x3000 | 3);
    for (let i = 0; i < 1024; i++) bus.write32(0x2000 + 4 * i, (i << 12) | 3);
    bus.write32(0x3000, 0x5000 | 3);
    // code at physical 0x5000 (linear 0x5000 and 0x400000): mov al,0x11 ; hlt
    bus.load(0x5000, Uint8Array.of(0xb0, 0x11, 0xf4));
    // at 0x6000: mov byte [0x400001],0x77 ; jmp 0x5000   (a store through the other alias)
    bus.load(0x6000, Uint8Array.of(0xc6, 0x05, 0x01, 0x00, 0x40, 0x00, 0x77, 0xe9, 0xf4, 0xef, 0xff, 0xff));
    const cpu = new Cpu({ memory: bus });
    const st = cpu.state;
    for (let s = 0; s < 6; s++) {
      st.segSel[s] = s === Seg.CS ? 8 : 16;
      st.segBase[2 * s] = 0;
      st.segLimit[s] = 0xffffffff;
      st.segAttr[s] = SegAttr.P | SegAttr.S | SegAttr.DB | SegAttr.G | SegAttr.ACCESSED | (s === Seg.CS ? SegAttr.CODE | SegAttr.READABLE : SegAttr.WRITABLE);
    }
    st.cr3[0] = 0x1000;
    st.cr0 = Cr0.PE | Cr0.PG | 0x10;
    st.rip[0] = 0x5000;
    cpu.loadFromState();
    expect(cpu.code32).toBe(true);
    expect(runFrom(cpu, 0x5000)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x11);
    expect(runFrom(cpu, 0x400000)).toBe(RunStatus.Halted); // the same physical code through the alias
    expect(al(cpu)).toBe(0x11);
    const decodes = cpu.decodes;
    expect(runFrom(cpu, 0x6000)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x77);
    expect(runFrom(cpu, 0x400000)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x77);
    expect(cpu.decodes).toBeGreaterThan(decodes);
  });

  it('an interrupt raised by an MMIO store is taken right after that instruction, even in a run of cached plain instructions', () => {
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 0x10000);
    let pending = false, writes = 0;
    const dev: MmioDevice = { readMmio: () => 0, writeMmio: () => { pending = ++writes === 2; } };
    bus.mapMmio(0x10000, 0x1000, dev);
    const irq: InterruptSource = { hasInterrupt: () => pending, acknowledge: () => { pending = false; return 0x20; } };
    // sti ; inc ecx ; inc ecx ; mov [bx],eax (DS:BX = 1000:0, the device) ; inc ebx ×3 ; hlt
    bus.load(0x7c00, Uint8Array.of(0xfb, 0x66, 0x41, 0x66, 0x41, 0x66, 0x89, 0x07, 0x66, 0x43, 0x66, 0x43, 0x66, 0x43, 0xf4));
    bus.write32(0x20 * 4, 0x7d00); // IVT[0x20] = 0000:7D00: mov cs:[0x7e00],ebx ; hlt
    bus.load(0x7d00, Uint8Array.of(0x2e, 0x66, 0x89, 0x1e, 0x00, 0x7e, 0xf4));
    bus.write32(0x7e00, 0xdead);
    const cpu = new Cpu({ memory: bus, interrupts: irq });
    cpu.loadSegReal(Seg.CS, 0);
    cpu.loadSegReal(Seg.SS, 0);
    cpu.loadSegReal(Seg.DS, 0x1000);
    cpu.setReg(2, 4, 0x7000);
    cpu.eip = 0x7c00;
    expect(cpu.run(100)).toBe(RunStatus.Halted); // first pass: decodes and caches, no interrupt
    expect(bus.read32(0x7e00)).toBe(0xdead);
    cpu.setReg(4, 3, 0);
    cpu.setFlags(cpu.getFlags() & ~0x200);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted); // second pass from the cache: the store raises the IRQ
    expect(bus.read32(0x7e00)).toBe(0); // EBX when the interrupt was taken: before the first INC EBX
    expect(cpu.getReg(4, 1)).toBe(4);
  });

  it('a plain 32-bit store into the chained next instruction, run from the cache, takes effect', () => {
    // 7c00: mov [0x7c07],ebx ; 7c05: mov eax,imm32 (imm at 7c07) ; 7c0b: hlt
    const { cpu } = real([0x66, 0x89, 0x1e, 0x07, 0x7c, 0x66, 0xb8, 0, 0, 0, 0, 0xf4]);
    for (const v of [0x11111111, 0x22222222, 0x33333333]) {
      cpu.setReg(4, 3, v);
      expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
      expect(cpu.getReg(4, 0)).toBe(v);
    }
    expect(cpu.instret).toBe(9);
  });

  it('a loop run from chained records sees a store into a later instruction of its body', () => {
    // 7c00: mov eax,1 ; 7c06: add edx,eax ; 7c09: dec ecx ; 7c0b: jnz 7c00 ; hlt
    // plus at 7c0e (entered with ECX = 0 checks): not reached
    const { cpu, bus } = real([0x66, 0xb8, 1, 0, 0, 0, 0x66, 0x01, 0xc2, 0x66, 0x49, 0x75, 0xf3, 0xf4]);
    cpu.setReg(4, 1, 10);
    cpu.setReg(4, 2, 0);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    expect(cpu.getReg(4, 2)).toBe(10);
    // run 5 iterations from the cache, patch the immediate from outside, then finish
    cpu.setReg(4, 1, 10);
    cpu.setReg(4, 2, 0);
    cpu.state.halted = false;
    cpu.eip = 0x7c00;
    expect(cpu.run(20)).toBe(RunStatus.BudgetExhausted); // 5 iterations of 4 instructions
    bus.write8(0x7c02, 3);
    expect(cpu.run(1000)).toBe(RunStatus.Halted);
    expect(cpu.getReg(4, 2)).toBe(5 + 5 * 3);
  });

  it('budgets are exact in the cached loop: HLT as the last budgeted instruction reports Halted', () => {
    // 7c00: mov eax,1 ; inc eax ; inc eax ; hlt   (32-bit operations: plain cached forms)
    const { cpu } = real([0x66, 0xb8, 1, 0, 0, 0, 0x66, 0x40, 0x66, 0x40, 0xf4]);
    expect(runFrom(cpu, 0x7c00)).toBe(RunStatus.Halted);
    for (let budget = 1; budget <= 4; budget++) {
      cpu.state.halted = false;
      cpu.eip = 0x7c00;
      const before = cpu.instret;
      expect(cpu.run(budget)).toBe(budget === 4 ? RunStatus.Halted : RunStatus.BudgetExhausted);
      expect(cpu.instret - before).toBe(budget);
      expect(cpu.getReg(4, 0)).toBe(budget === 1 ? 1 : budget === 2 ? 2 : 3);
    }
  });

  it('firmware ROM code is cached too; loading a new image into the ROM is seen', () => {
    const bus = new PhysicalMemoryBus();
    bus.mapRam(0, 0x10000);
    bus.mapRom(0xf0000, Uint8Array.of(0xb0, 0x21, 0xfe, 0xc0, 0xf4)); // mov al,0x21 ; inc al ; hlt
    const cpu = new Cpu({ memory: bus });
    cpu.loadSegReal(Seg.CS, 0xf000);
    cpu.loadSegReal(Seg.SS, 0);
    cpu.setReg(2, 4, 0x7000);
    expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x22);
    const decodes = cpu.decodes;
    expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
    expect(cpu.decodes).toBe(decodes);
    cpu.setReg(1, 0, 0);
    bus.write8(0xf0001, 0x55); // a store into ROM is ignored: the cached code stays right
    expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x22);
    bus.load(0xf0000, Uint8Array.of(0xb0, 0x41)); // firmware update through the loader
    expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
    expect(al(cpu)).toBe(0x42);
  });

  describe('bounded cache (CpuOptions.maxCodePages)', () => {
    const PAGES = 15; // + the HLT page: 16 pages, one 64 KiB real-mode code segment
    /** Real mode, CS = 0x1000: page k (linear 0x10000 + k·4 KiB) holds `inc ax ; jmp <page k+1>`, the last `hlt`. */
    function spread(maxCodePages: number): { bus: PhysicalMemoryBus; cpu: Cpu } {
      const bus = new PhysicalMemoryBus();
      bus.mapRam(0, 1 << 20);
      for (let k = 0; k < PAGES; k++) bus.load(0x10000 + k * 0x1000, Uint8Array.of(0x40, 0xe9, 0xfc, 0x0f));
      bus.write8(0x10000 + PAGES * 0x1000, 0xf4);
      const cpu = new Cpu({ memory: bus, maxCodePages });
      cpu.loadSegReal(Seg.CS, 0x1000);
      cpu.loadSegReal(Seg.SS, 0);
      cpu.loadSegReal(Seg.DS, 0x1000);
      cpu.setReg(2, 4, 0x7000);
      return { bus, cpu };
    }
    const ax = (cpu: Cpu): number => cpu.getReg(2, 0);

    it('code spread over more pages than the bound runs correctly; the page count stays within the bound', () => {
      const { cpu } = spread(4);
      for (let round = 1; round <= 3; round++) {
        cpu.setReg(2, 0, 0);
        expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
        expect(ax(cpu)).toBe(PAGES);
        expect(cpu.codePageCount).toBeLessThanOrEqual(4);
      }
      expect(cpu.instret).toBe(3 * (2 * PAGES + 1));
      // 16 pages per round through a 4-page cache: 3 flushes in the first round, 4 in each later one
      expect(cpu.counters.codeCacheFlushes).toBe(11);
      expect(cpu.counters.codePageEvictions).toBe(4 * cpu.counters.codeCacheFlushes);
      expect(cpu.countersSnapshot().codeCacheFlushes).toBe(cpu.counters.codeCacheFlushes);
      // every page was decoded again after its eviction: 2 records per page, 3 rounds
      expect(cpu.decodes).toBe(3 * (2 * PAGES + 1));
    });

    it('within the bound nothing is evicted and nothing is decoded twice', () => {
      const { cpu } = spread(64);
      expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
      expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
      expect(cpu.counters.codeCacheFlushes).toBe(0);
      expect(cpu.codePageCount).toBe(PAGES + 1);
      expect(cpu.decodes).toBe(2 * PAGES + 1);
    });

    it('SMC after eviction: a CPU store and a bus write into pages decoded before a flush both take effect', () => {
      const { bus, cpu } = spread(3);
      expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
      expect(ax(cpu)).toBe(PAGES);
      // 0:9000: mov byte [0x3000],0x48 (DS = 0x1000: page 3's inc ax → dec ax) ; jmp 1000:0000
      bus.load(0x9000, Uint8Array.of(0xc6, 0x06, 0x00, 0x30, 0x48, 0xea, 0x00, 0x00, 0x00, 0x10));
      bus.write8(0x10000 + 7 * 0x1000, 0x48); // page 7 through the bus
      cpu.loadSegReal(Seg.CS, 0);
      cpu.setReg(2, 0, 0);
      expect(runFrom(cpu, 0x9000)).toBe(RunStatus.Halted);
      expect(ax(cpu)).toBe(PAGES - 4);
      // and a store into a page that is cached right now (the last pages of the run)
      cpu.loadSegReal(Seg.CS, 0);
      bus.write8(0x9003, (PAGES - 1) * 0x10); // mov byte [(PAGES-1)·4 KiB],0x48: the last page before HLT
      cpu.setReg(2, 0, 0);
      expect(cpu.codePageCount).toBeLessThanOrEqual(3);
      expect(runFrom(cpu, 0x9000)).toBe(RunStatus.Halted);
      expect(ax(cpu)).toBe(PAGES - 6); // pages 3, 7 and PAGES-1 now decrement
      expect(bus.read8(0x10000 + (PAGES - 1) * 0x1000)).toBe(0x48);
      cpu.loadSegReal(Seg.CS, 0x1000);
      cpu.setReg(2, 0, 0);
      expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
      expect(ax(cpu)).toBe(PAGES - 6);
    });

    it('dispose unregisters the CPU from the bus', () => {
      const { bus, cpu } = spread(8);
      const other = new Cpu({ memory: bus });
      expect(bus.codeObserverCount).toBe(2);
      expect(runFrom(cpu, 0)).toBe(RunStatus.Halted);
      expect(cpu.codePageCount).toBeGreaterThan(0);
      cpu.dispose();
      expect(bus.codeObserverCount).toBe(1);
      expect(cpu.codePageCount).toBe(0);
      other.dispose();
      expect(bus.codeObserverCount).toBe(0);
    });
  });

  describe('the 15-byte limit (Intel SDM Vol. 2A 2.3.11): #GP(0) only past 15 bytes, #UD for an invalid 15-byte encoding', () => {
    /** Run `bytes` at 0:7c00 (real mode) with #UD → 0:0500 and #GP → 0:0600 (both HLT); the vector taken, or −1. */
    function vectorOf(bytes: number[], at = 0x7c00): number {
      const { bus, cpu } = real(bytes, at);
      bus.write32(6 * 4, 0x0000_0500);
      bus.write32(13 * 4, 0x0000_0600);
      bus.write8(0x500, 0xf4);
      bus.write8(0x600, 0xf4);
      bus.write8(at + bytes.length, 0xf4);
      expect(cpu.run(10)).toBe(RunStatus.Halted);
      const v = cpu.counters.exceptions;
      if (v[6] !== 0) return 6;
      if (v[13] !== 0) return 13;
      expect(cpu.eip).toBe(at + bytes.length + 1); // fell through to the HLT after the instruction
      return -1;
    }
    const es = (n: number): number[] => new Array<number>(n).fill(0x26);

    it('prefix soup: 14 prefixes + NOP (15 bytes) runs, 15 or 16 prefixes + NOP is #GP(0)', () => {
      expect(vectorOf([...es(14), 0x90])).toBe(-1);
      expect(vectorOf([...es(15), 0x90])).toBe(13);
      expect(vectorOf([...es(16), 0x90])).toBe(13);
      expect(vectorOf([...es(7), 0x66, 0x66, 0x67, 0x67, 0xf3, 0xf3, 0x2e, 0x3e, 0x90])).toBe(13); // 16 bytes, mixed
      expect(vectorOf([0x66, 0x67, 0xf3, 0xf2, ...es(10), 0x90])).toBe(-1);
    });

    it('an invalid encoding of exactly 15 bytes is #UD; the same one byte longer is #GP(0)', () => {
      // LOCK MOV AX,AX (LOCK on a non-lockable form: #UD) behind segment overrides
      expect(vectorOf([...es(12), 0xf0, 0x89, 0xc0])).toBe(6);
      expect(vectorOf([...es(13), 0xf0, 0x89, 0xc0])).toBe(13);
      // an undefined opcode (0F 04 + ModRM, as the decoder sizes it) behind a prefix run with duplicates only
      expect(vectorOf([0x66, 0x66, 0x67, 0x67, 0xf3, 0xf3, 0x66, 0x66, 0x66, 0x67, 0x67, 0x67, 0x0f, 0x04, 0xc0])).toBe(6);
      expect(vectorOf([0x66, 0x66, 0x67, 0x67, 0xf3, 0xf3, 0x66, 0x66, 0x66, 0x67, 0x67, 0x67, 0xf3, 0x0f, 0x04, 0xc0])).toBe(13);
      // shorter invalid ones stay #UD
      expect(vectorOf([...es(3), 0xf0, 0x89, 0xc0])).toBe(6);
    });

    it('the same holds for a 15-byte instruction that crosses a page boundary (decoded uncached)', () => {
      expect(vectorOf([...es(12), 0xf0, 0x89, 0xc0], 0x7ff8)).toBe(6);
      expect(vectorOf([...es(13), 0xf0, 0x89, 0xc0], 0x7ff8)).toBe(13);
      expect(vectorOf([...es(14), 0x90], 0x7ff8)).toBe(-1);
      expect(vectorOf([...es(6), 0x66, 0x66, 0xf0, 0xf0, 0xf2, 0xf2, 0x0f, 0x04, 0xc0], 0x7ff8)).toBe(6);
      expect(vectorOf([...es(7), 0x66, 0x66, 0xf0, 0xf0, 0xf2, 0xf2, 0x0f, 0x04, 0xc0], 0x7ff8)).toBe(13);
    });
  });
});
