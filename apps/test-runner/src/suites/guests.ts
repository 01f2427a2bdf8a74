/**
 * The `guests` suite: our test guests (`guests/guests.json`: image, expected serial output,
 * expected exit status) and, with `--opt cfg=PATH/unittests.cfg`, a directory of kvm-unit-tests
 * style multiboot kernels, booted on a QEMU-compatible PC. `--opt runner=machine|qemu` picks
 * who boots them (default `machine`, x86kit's own; `qemu` is the reference the expected outputs
 * were recorded on). Checks are the guest's `PASS:`/`FAIL:` lines.
 *
 * Case ids: `ours/<name>` and `kut/<name>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GuestImageError } from '@x86kit/core';
import { workspaceRoot } from '../data-dir.js';
import { guestRunner } from '../guest-runners.js';
import { CaseStatus, optionInt, type CaseOutcome, type CheckCounts, type Suite, type SuiteContext, type SuiteInstance } from '../suite.js';
import { parseUnitTestsCfg, statusFromDebugExit, type UnitTestEntry } from '../unittests-cfg.js';

interface OurGuest { name: string; image: string; expected: string; exitStatus: number; args?: string }

/** Architectures our i386 machine runs. */
const OUR_ARCHES = new Set(['i386', 'x86', 'i686']);

function readGuestsJson(path: string): OurGuest[] {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new GuestImageError('TEST_FILE_CORRUPT', `${path}: ${(e as Error).message}`);
  }
  const list = (j as { guests?: unknown }).guests;
  if (!Array.isArray(list)) throw new GuestImageError('TEST_FILE_CORRUPT', `${path}: no "guests" array`);
  for (const g of list as Partial<OurGuest>[]) {
    if (typeof g.name !== 'string' || typeof g.image !== 'string' || typeof g.expected !== 'string' || typeof g.exitStatus !== 'number') {
      throw new GuestImageError('TEST_FILE_CORRUPT', `${path}: entry ${JSON.stringify(g).slice(0, 60)} needs name, image, expected, exitStatus`);
    }
  }
  return list as OurGuest[];
}

/** Count `PASS:` / `FAIL:` / `SKIP:` lines (our guests and libcflat's `report` both print them). */
export function countReportLines(serial: string): CheckCounts {
  const c = { passed: 0, failed: 0, skipped: 0 };
  for (const line of serial.split('\n')) {
    const t = line.trimStart();
    if (t.startsWith('PASS:')) c.passed++;
    else if (t.startsWith('FAIL:')) c.failed++;
    else if (t.startsWith('SKIP:')) c.skipped++;
  }
  return c;
}

function lastLines(s: string, n: number): string {
  return s.trimEnd().split('\n').slice(-n).join('\n');
}

/** The first line where two outputs differ, for a short failure message. */
function firstDifference(got: string, want: string): string {
  const g = got.split('\n');
  const w = want.split('\n');
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    if (g[i] !== w[i]) return `serial line ${i + 1}: got ${JSON.stringify(g[i] ?? '<end>')} want ${JSON.stringify(w[i] ?? '<end>')}`;
  }
  return 'serial output differs';
}

/** The suite. */
export const guestsSuite: Suite = {
  name: 'guests',
  description: 'our multiboot test guests and kvm-unit-tests style unittests.cfg kernels',
  open(ctx: SuiteContext): Promise<SuiteInstance> {
    const dir = resolve(ctx.options.guests ?? join(workspaceRoot(), 'guests'));
    const jsonPath = join(dir, 'guests.json');
    const ours = existsSync(jsonPath) ? readGuestsJson(jsonPath) : [];
    if (ctx.options.guests !== undefined && !existsSync(jsonPath)) throw new GuestImageError('IMAGE_NOT_FOUND', `${jsonPath}: no such file`);
    let kut: UnitTestEntry[] = [];
    let cfgDir = '';
    if (ctx.options.cfg !== undefined) {
      const cfg = resolve(ctx.options.cfg);
      if (!existsSync(cfg)) throw new GuestImageError('IMAGE_NOT_FOUND', `${cfg}: no such file`);
      kut = parseUnitTestsCfg(readFileSync(cfg, 'utf8'), cfg);
      cfgDir = dirname(cfg);
    }
    const runner = guestRunner(ctx.options.runner ?? 'machine');
    const timeoutSec = optionInt(ctx.options, 'timeout', 120, 1);
    const cases = [...ours.map((g) => `ours/${g.name}`), ...kut.map((k) => `kut/${k.name}`)];
    const why = runner.unavailable();
    if (why !== null) return Promise.resolve({ cases, unavailable: why, run: () => ({ status: CaseStatus.Skip, message: why }) });
    return Promise.resolve({
      cases,
      async run(id: string): Promise<CaseOutcome> {
        const [kind, name] = [id.slice(0, id.indexOf('/')), id.slice(id.indexOf('/') + 1)];
        if (kind === 'ours') {
          const g = ours.find((x) => x.name === name)!;
          const image = join(dir, g.image);
          if (!existsSync(image)) throw new GuestImageError('IMAGE_NOT_FOUND', `${image}: no such file`);
          const want = readFileSync(join(dir, g.expected), 'latin1').replace(/\r\n/g, '\n');
          const r = await runner.run({ image, append: g.args ?? '', smp: 1, extraParams: [], timeoutSec });
          const serial = r.serial.replace(/\r\n/g, '\n');
          const checks = countReportLines(serial);
          if (r.timedOut) return { status: CaseStatus.Fail, checks, message: `timed out\n${lastLines(serial, 5)}` };
          if (r.exitStatus !== g.exitStatus) return { status: CaseStatus.Fail, checks, message: `exit status ${r.exitStatus} (want ${g.exitStatus})\n${lastLines(serial, 10)}` };
          if (serial !== want) return { status: CaseStatus.Fail, checks, message: `${firstDifference(serial, want)}\n${lastLines(serial, 10)}` };
          return { status: CaseStatus.Pass, checks };
        }
        const k = kut.find((x) => x.name === name)!;
        if (k.arch !== null && !OUR_ARCHES.has(k.arch)) return { status: CaseStatus.Skip, message: `arch ${k.arch} (this machine is i386)` };
        const image = resolve(cfgDir, k.file);
        if (!existsSync(image)) throw new GuestImageError('IMAGE_NOT_FOUND', `${image}: no such file (test [${k.name}] of ${ctx.options.cfg})`);
        const ai = k.extraParams.indexOf('-append');
        const extra = ai >= 0 ? [...k.extraParams.slice(0, ai), ...k.extraParams.slice(ai + 2)] : [...k.extraParams];
        const r = await runner.run({ image, append: k.append, smp: k.smp, extraParams: extra, timeoutSec: k.timeoutSec });
        const checks = countReportLines(r.serial);
        if (r.timedOut) return { status: CaseStatus.Fail, checks, message: `timed out after ${k.timeoutSec}s\n${lastLines(r.serial, 5)}` };
        const st = r.exitStatus ?? 0;
        if ((st & 1) === 0) return { status: CaseStatus.Fail, checks, message: `exit status ${st}: the kernel did not leave through isa-debug-exit\n${lastLines(r.serial, 5)}` };
        const verdict = statusFromDebugExit(st >>> 1);
        if (verdict === 'pass') return { status: CaseStatus.Pass, checks };
        if (verdict === 'skip') return { status: CaseStatus.Skip, checks, message: 'the kernel skipped every check (debug-exit 77)' };
        return { status: CaseStatus.Fail, checks, message: `debug-exit value ${st >>> 1}\n${lastLines(r.serial, 10)}` };
      },
    });
  },
};
