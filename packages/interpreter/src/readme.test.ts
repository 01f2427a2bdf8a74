import { expect, it } from 'vitest';
import { PhysicalMemoryBus, IoBus } from '@x86kit/core';
import { Cpu, RunStatus } from '@x86kit/interpreter';

it('README usage example runs', () => {
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, 1 << 20);
  bus.load(0x7c00, Uint8Array.of(0xb8, 0x34, 0x12, 0x40, 0xf4)); // mov ax,0x1234; inc ax; hlt
  const cpu = new Cpu({ memory: bus, io: new IoBus() });
  cpu.loadSegReal(1 /* CS */, 0);
  cpu.eip = 0x7c00;
  const status = cpu.run(1000);
  expect(status).toBe(RunStatus.Halted);
  expect(cpu.getReg(2, 0).toString(16)).toBe('1235');
  expect(cpu.instret).toBe(3);
});
