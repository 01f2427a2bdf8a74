import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { conformanceDir, readMooFile } from './moo.js';

const dir = conformanceDir();
describe.skipIf(dir === null)('MOO reader (SingleStepTests 80286)', () => {
  it('reads 00.MOO.gz: header, test count, first test', () => {
    const f = readMooFile(join(dir as string, 'singlesteptests-80286', 'v1_real_mode', '00.MOO.gz'));
    expect(f.cpu).toBe('C286');
    expect(f.opcode).toBe(0);
    expect(f.tests.length).toBe(1000);
    const t = f.tests[0];
    expect(t.bytes[t.bytes.length - 1]).toBe(0xf4);
    expect(Object.keys(t.init.regs).length).toBe(14);
    expect(t.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(t.init.ram.length).toBeGreaterThan(0);
  });
  it('reads the 386 sample (RG32 registers)', () => {
    const f = readMooFile(join(dir as string, 'singlesteptests-80386', 'sample', '00.MOO.gz'));
    expect(f.cpu).toBe('386E');
    expect(f.tests.length).toBe(500);
    expect(f.tests[0].init.regs.eip).toBeTypeOf('number');
  });
});
if (dir === null) console.warn('conformance data not found: MOO reader tests skipped (set X86KIT_CONFORMANCE_DIR)');
