import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GuestImageError } from '@x86kit/core';
import { conformanceDir, readMooFile, skipReason286, type StepEngine } from '@x86kit/test-utils';
import { runSuites } from '../runner.js';
import { registerStepEngine } from '../step-engines.js';

// An engine that never reaches HLT: every non-skipped test must fail, which checks the
// plumbing (file selection, sampling, skip rules, counting) independently of any CPU.
const regs = new Map<string, number>();
const dead: StepEngine = {
  resetForTest: () => regs.clear(),
  writePhys8: () => {},
  readPhys8: () => 0,
  setReg16: (n, v) => { regs.set(n, v); },
  getReg16: (n) => regs.get(n) ?? 0,
  runUntilHalt: () => false,
};
registerStepEngine({ name: 'dead', unavailable: () => null, create: () => dead });

const data = conformanceDir();

describe.skipIf(data === null)('singlestep-286 suite (shared conformance data present)', () => {
  test('enumerates the opcode files in opcode order and counts checks per file', async () => {
    const r = await runSuites({ suites: ['singlestep-286'], dataDir: data!, filter: '/singlestep-286/(00|F6\\.4)$/', sample: 50, options: { engine: 'dead' } });
    const s = r.suites[0];
    expect(s.enumerated).toBe(325);
    expect(s.cases.map((c) => c.id)).toEqual(['00', 'F6.4']);
    const tests = readMooFile(join(data!, 'singlesteptests-80286', 'v1_real_mode', '00.MOO.gz')).tests.slice(0, 50);
    const skipped = tests.filter((t) => skipReason286(t) !== null).length;
    expect(s.cases[0].checks).toEqual({ passed: 0, failed: 50 - skipped, skipped });
    expect(s.cases[0].status).toBe('fail');
    expect(s.cases[0].message).toMatch(/^\d+\/\d+ tests failed \(normal; flags mask 0xffff\)\n#0 add /);
    expect(s.cases[1].message).toMatch(/flags mask 0xff2b/); // MUL: SF ZF AF PF undefined
  });
});

describe('singlestep-286 input errors', () => {
  test('a corrupt MOO file aborts with TEST_FILE_CORRUPT naming the file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'x86kit-sst-'));
    const dir = join(root, 'singlesteptests-80286', 'v1_real_mode');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metadata.json'), '{"opcodes":{}}');
    writeFileSync(join(dir, '00.MOO.gz'), Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
    const err = await runSuites({ suites: ['singlestep-286'], dataDir: root, dataDirExplicit: true, options: { engine: 'dead' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestImageError);
    expect((err as GuestImageError).code).toBe('TEST_FILE_CORRUPT');
    expect((err as Error).message).toContain(join(dir, '00.MOO.gz'));
    writeFileSync(join(dir, 'metadata.json'), '{"opcodes":');
    const err2 = await runSuites({ suites: ['singlestep-286'], dataDir: root, options: { engine: 'dead' } }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/metadata\.json: /);
  });

  test('missing data: explicit --data is an error, the default location is a skip', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'x86kit-empty-'));
    await expect(runSuites({ suites: ['singlestep-286'], dataDir: empty, dataDirExplicit: true })).rejects.toThrow(/v1_real_mode: no such directory/);
    const r = await runSuites({ suites: ['singlestep-286'], dataDir: empty });
    expect(r.suites[0].unavailable).toMatch(/^no SingleStepTests data at /);
  });
});
