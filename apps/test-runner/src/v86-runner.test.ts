import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { workspaceRoot } from './data-dir.js';
import { guestRunner, v86GuestRunner } from './guest-runners.js';

describe('v86 guest runner', () => {
  test('is registered as --opt runner=v86', () => {
    expect(guestRunner('v86')).toBe(v86GuestRunner);
  });

  // v86 is a devDependency of @x86kit/bench, installed in the workspace and in CI.
  test.skipIf(v86GuestRunner.unavailable() !== null)('boots a guest and reports its serial output and QEMU-style exit status', async () => {
    const r = await v86GuestRunner.run({ image: join(workspaceRoot(), 'guests/bin/bench.elf'), append: '', smp: 1, extraParams: [], timeoutSec: 60 });
    expect(r.timedOut).toBe(false);
    expect(r.exitStatus).toBe(1); // debug-exit value 0: every check passed
    expect(r.serial).toContain('bench: alu checksum 17573ea6\n'); // the checksum QEMU and x86kit print
    expect(r.serial).toMatch(/SUMMARY: 1 passed, 0 failed\n$/);
  });
});
