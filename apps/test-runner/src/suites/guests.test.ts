import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GuestImageError } from '@x86kit/core';
import { registerGuestRunner, type GuestRunRequest } from '../guest-runners.js';
import { runSuites } from '../runner.js';
import { countReportLines } from './guests.js';

// A fake runner: each "image" is a JSON file saying what the guest prints and how it exits.
const seen: GuestRunRequest[] = [];
registerGuestRunner({
  name: 'fake',
  unavailable: () => null,
  run: (req) => {
    seen.push(req);
    const spec = JSON.parse(readFileSync(req.image, 'utf8')) as { serial: string; exitStatus: number | null };
    return Promise.resolve({ serial: spec.serial, exitStatus: spec.exitStatus, timedOut: spec.exitStatus === null });
  },
});

function fixture(): string {
  const d = mkdtempSync(join(tmpdir(), 'x86kit-guests-'));
  const ok = 'hi\nPASS: a\nPASS: b\nSUMMARY: 2 passed, 0 failed\n';
  writeFileSync(join(d, 'good.json'), JSON.stringify({ serial: ok.replace(/\n/g, '\r\n'), exitStatus: 1 }));
  writeFileSync(join(d, 'good.txt'), ok);
  writeFileSync(join(d, 'bad.json'), JSON.stringify({ serial: 'hi\nPASS: a\nFAIL: b\n', exitStatus: 3 }));
  writeFileSync(join(d, 'drift.json'), JSON.stringify({ serial: 'hi\nPASS: a\nPASS: c\n', exitStatus: 1 }));
  writeFileSync(join(d, 'guests.json'), JSON.stringify({ guests: [
    { name: 'good', image: 'good.json', expected: 'good.txt', exitStatus: 1 },
    { name: 'bad', image: 'bad.json', expected: 'good.txt', exitStatus: 1 },
    { name: 'drift', image: 'drift.json', expected: 'good.txt', exitStatus: 1 },
  ] }));
  // kvm-unit-tests style: exit statuses are (value << 1) | 1.
  writeFileSync(join(d, 'k-pass.flat'), JSON.stringify({ serial: 'PASS: x\nSUMMARY: 1 tests\n', exitStatus: 1 }));
  writeFileSync(join(d, 'k-fail.flat'), JSON.stringify({ serial: 'FAIL: x\n', exitStatus: 3 }));
  writeFileSync(join(d, 'k-skip.flat'), JSON.stringify({ serial: 'SKIP: x\n', exitStatus: (77 << 1) | 1 }));
  writeFileSync(join(d, 'k-hang.flat'), JSON.stringify({ serial: '', exitStatus: null }));
  writeFileSync(join(d, 'unittests.cfg'), [
    '[pass]', 'file = k-pass.flat', "extra_params = -cpu max -append 'a b'", 'smp = 2', '',
    '[fail]', 'file = k-fail.flat', '[skip]', 'file = k-skip.flat', '[hang]', 'file = k-hang.flat', 'timeout = 5',
    '[wide]', 'file = k-pass.flat', 'arch = x86_64', '',
  ].join('\n'));
  return d;
}

describe('guests suite', () => {
  test('our guests: exit status and exact serial output; kvm-unit-tests: debug-exit status', async () => {
    const d = fixture();
    const r = await runSuites({ suites: ['guests'], dataDir: tmpdir(), options: { runner: 'fake', guests: d, cfg: join(d, 'unittests.cfg') } });
    const byId = Object.fromEntries(r.suites[0].cases.map((c) => [c.id, c]));
    expect(Object.keys(byId)).toEqual(['ours/good', 'ours/bad', 'ours/drift', 'kut/pass', 'kut/fail', 'kut/skip', 'kut/hang', 'kut/wide']);
    expect(byId['ours/good']).toMatchObject({ status: 'pass', checks: { passed: 2, failed: 0, skipped: 0 } });
    expect(byId['ours/bad'].message).toMatch(/^exit status 3 \(want 1\)\n/);
    expect(byId['ours/drift'].message).toMatch(/^serial line 3: got "PASS: c" want "PASS: b"/);
    expect(byId['kut/pass'].status).toBe('pass');
    expect(byId['kut/fail'].message).toMatch(/^debug-exit value 1/);
    expect(byId['kut/skip'].status).toBe('skip');
    expect(byId['kut/hang'].message).toMatch(/^timed out after 5s/);
    expect(byId['kut/wide']).toMatchObject({ status: 'skip', message: 'arch x86_64 (this machine is i386)' });
    const p = seen.find((s) => s.image.endsWith('k-pass.flat'))!;
    expect(p).toMatchObject({ append: 'a b', smp: 2, extraParams: ['-cpu', 'max'] });
  });

  test('a missing image or config is a one-line input error naming it', async () => {
    const d = fixture();
    writeFileSync(join(d, 'unittests.cfg'), '[x]\nfile = nope.flat\n');
    await expect(runSuites({ suites: ['guests'], dataDir: tmpdir(), options: { runner: 'fake', guests: d, cfg: join(d, 'unittests.cfg') }, filter: 'kut/' }))
      .rejects.toThrow(`${join(d, 'nope.flat')}: no such file`);
    const e = await runSuites({ suites: ['guests'], dataDir: tmpdir(), options: { runner: 'fake', cfg: join(d, 'missing.cfg') } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GuestImageError);
    expect((e as Error).message).toBe(`${join(d, 'missing.cfg')}: no such file`);
  });

  test('report line counting', () => {
    expect(countReportLines('PASS: a\n  FAIL: b\nSKIP: c\nPASSING\n')).toEqual({ passed: 1, failed: 1, skipped: 1 });
  });
});
